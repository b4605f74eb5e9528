//! What a bake shows on a terminal, and what it leaves out of a log: the progress bar only on a
//! terminal (not in a pipe, not in CI, not with `-q`), and colour on "warning:" and "error:" as
//! `--color` and `NO_COLOR` say, never an escape code in a log unless `--color always` asks.
//!
//! The terminal is a real pseudo-terminal (rustix's safe pty API): the binary sees stderr and
//! stdout as a terminal exactly as in a shell, and the test reads every byte it wrote there.

#![cfg(unix)]

use std::fs::File;
use std::io::Read;
use std::os::fd::OwnedFd;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
use rustix::termios::{tcsetwinsize, Winsize};

use crate::support::{self, FakeApi, Fault, Post, Route, Scenario, RUN_TIMEOUT};

/// The post whose image the media host refuses, which makes a warning.
const REFUSED: &str = "4104";

/// A feed of five posts whose images arrive slowly, so that the bake takes long enough for the bar
/// to be drawn; one image is refused, which makes a warning.
fn slow_feed() -> FakeApi {
    FakeApi::start(
        Scenario::new()
            .posts(
                ["4101", "4102", "4103", REFUSED, "4105"]
                    .into_iter()
                    .map(Post::image)
                    .collect(),
            )
            .generated_size(480, 600)
            .fail(Route::MediaFile(format!("{REFUSED}.jpg")), Fault::Forbidden)
            .fail(Route::AnyMediaFile, Fault::Slow(Duration::from_millis(400))),
    )
}

/// `instabake build` of the fake's feed into a new site, as a user's shell would run it: `TERM`
/// set, `NO_COLOR` and CI variables unset (whatever the test's own environment has), then `env`.
fn build(fake: &FakeApi, site: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let site_arg = site.to_str().expect("UTF-8 site path");
    let mut all_args = vec!["build", "--site", site_arg];
    all_args.extend_from_slice(args);
    let base = fake.base_url();
    let mut command = support::command(
        site,
        &all_args,
        &[
            ("INSTAGRAM_ACCESS_TOKEN", support::TOKEN),
            ("INSTABAKE_API_BASE", &base),
            ("TERM", "xterm-256color"),
        ],
    );
    // `support::command` starts from an empty environment with NO_COLOR=1, for plain logs.
    command.env_remove("NO_COLOR");
    for (name, value) in env {
        command.env(name, value);
    }
    command
}

/// Everything a run wrote to its terminal (stdout and stderr both), and its exit code.
struct Screen {
    code: Option<i32>,
    bytes: String,
}

impl std::fmt::Display for Screen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "exit code: {:?}", self.code)?;
        write!(
            f,
            "--- terminal (escaped) ---\n{}",
            self.bytes.escape_debug()
        )
    }
}

/// Runs `command` with stdout and stderr on a new 120x30 pseudo-terminal; killed and failed after
/// [`RUN_TIMEOUT`].
fn on_terminal(mut command: Command) -> Screen {
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).expect("open a pseudo-terminal");
    grantpt(&master).expect("grantpt");
    unlockpt(&master).expect("unlockpt");
    let size = Winsize {
        ws_row: 30,
        ws_col: 120,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    tcsetwinsize(&master, size).expect("set the terminal's size");
    let name = ptsname(&master, Vec::new()).expect("ptsname");
    let terminal = || {
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(name.to_str().expect("UTF-8 pty name"))
            .expect("open the terminal side")
    };
    command
        .stdin(Stdio::null())
        .stdout(terminal())
        .stderr(terminal());
    let mut child = command.spawn().expect("start instabake");
    // The command holds the terminal side open: closing it lets the reader see the end.
    drop(command);
    let reader = thread::spawn(move || read_all(master));
    let started = Instant::now();
    let code = loop {
        if let Some(status) = child.try_wait().expect("wait for instabake") {
            break status.code();
        }
        if started.elapsed() > RUN_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("instabake did not finish on the terminal within {RUN_TIMEOUT:?}");
        }
        thread::sleep(Duration::from_millis(20));
    };
    let bytes = reader.join().expect("read the terminal");
    Screen {
        code,
        bytes: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// Reads the terminal until every process has closed its side (Linux then answers EIO).
fn read_all(master: OwnedFd) -> Vec<u8> {
    let mut master = File::from(master);
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match master.read(&mut chunk) {
            Ok(0) | Err(_) => return bytes,
            Ok(n) => bytes.extend_from_slice(&chunk[..n]),
        }
    }
}

/// Whether `text` shows the bar: "3/6 images", as drawn.
fn has_bar(text: &str) -> bool {
    text.match_indices(" images").any(|(at, _)| {
        let before = &text[..at];
        let count = before.rsplit(' ').next().unwrap_or_default();
        count
            .split_once('/')
            .is_some_and(|(done, all)| is_number(done) && is_number(all))
    })
}

fn is_number(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// The colour and style codes (SGR, `ESC [ ... m`) in `text`. The bar's own cursor codes (clear
/// line, move up) are not colour.
fn colour_codes(text: &str) -> Vec<&str> {
    let mut codes = Vec::new();
    for (at, _) in text.match_indices("\x1b[") {
        let rest = &text[at + 2..];
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == ';'))
            .unwrap_or(rest.len());
        if rest[end..].starts_with('m') {
            codes.push(&text[at..at + 2 + end + 1]);
        }
    }
    codes
}

/// Whether the word is printed coloured: an SGR code right before it and the reset right after.
fn coloured(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        text[..at].ends_with('m')
            && text[..at].contains("\x1b[")
            && text[at + word.len()..].starts_with("\x1b[0m")
    })
}

fn assert_no_escape(what: &str, text: &str) {
    assert!(
        !text.contains('\x1b'),
        "{what} has an escape code:\n{}",
        text.escape_debug()
    );
}

#[test]
fn a_bake_on_a_terminal_draws_a_bar_that_lines_do_not_break_and_clears_it() {
    let fake = slow_feed();
    let site = support::site();

    // -v: a line per download, printed while the bar is drawn.
    let screen = on_terminal(build(&fake, site.path(), &["-v"], &[]));

    assert_eq!(screen.code, Some(0), "{screen}");
    let text = &screen.bytes;
    assert!(has_bar(text), "no progress bar on the terminal\n{screen}");
    // The counts and the post being worked on.
    assert!(text.contains(" downloaded, "), "{screen}");
    assert!(
        ["4101", "4102", "4103", "4105"]
            .iter()
            .any(|id| text.contains(&format!("downloading {id}"))),
        "the bar names no post\n{screen}"
    );
    // A line printed while the bar is drawn is a whole line of its own: the bar is cleared before
    // it ("\r\x1b[2K") and drawn again only after its newline.
    let printed: Vec<&str> = text
        .split('\n')
        .filter(|line| line.contains("downloading media "))
        .map(|line| line.rsplit("\x1b[2K").next().unwrap_or(line))
        .collect();
    assert_eq!(printed.len(), 5, "{screen}");
    for line in printed {
        assert!(
            line.starts_with("downloading media ") && !line.contains('\x1b'),
            "the bar runs into a line: {line:?}\n{screen}"
        );
    }
    // The bar is cleared when the images are done: the summary follows the last bar's clearing,
    // and the warnings of the assembly after it start their lines, coloured.
    let summary = text.find("baked 4 posts").expect("the summary line");
    let last_bar = text[..summary]
        .rfind(" images")
        .expect("a bar before the summary");
    assert!(
        text[last_bar..summary].contains("\r\x1b[2K"),
        "the bar is not cleared before the summary\n{screen}"
    );
    assert!(
        !has_bar(&text[last_bar + 1..]),
        "a bar after the last\n{screen}"
    );
    let warning = text
        .split('\n')
        .find(|line| line.contains(&format!("post {REFUSED}")))
        .unwrap_or_else(|| panic!("no warning names post {REFUSED}\n{screen}"));
    let warning = warning.rsplit("\x1b[2K").next().unwrap_or(warning);
    assert!(
        warning.starts_with("\x1b[") && coloured(warning, "warning:"),
        "the warning does not start with a coloured \"warning:\": {warning:?}\n{screen}"
    );
    assert!(!text.contains(support::TOKEN), "the token on the terminal");
}

#[test]
fn a_pipe_gets_plain_lines_without_a_bar_or_escape_codes() {
    let fake = slow_feed();
    let site = support::site();

    let mut command = build(&fake, site.path(), &[], &[]);
    let run = support::run_with_timeout(&mut command, RUN_TIMEOUT);
    let support::Finished::Exited(status, stdout, stderr) = run else {
        panic!("instabake did not finish within {RUN_TIMEOUT:?}");
    };

    assert!(status.success(), "{stderr}");
    assert!(!has_bar(&stderr), "a bar in a pipe:\n{stderr}");
    assert_no_escape("stderr in a pipe", &stderr);
    assert_no_escape("stdout in a pipe", &stdout);
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("warning: ") && l.contains(&format!("post {REFUSED}"))),
        "{stderr}"
    );
}

#[test]
fn ci_on_a_terminal_gets_plain_lines() {
    for ci in [("CI", "true"), ("CI", "1"), ("GITHUB_ACTIONS", "true")] {
        let fake = slow_feed();
        let site = support::site();

        let screen = on_terminal(build(&fake, site.path(), &[], &[ci]));

        assert_eq!(screen.code, Some(0), "{ci:?}\n{screen}");
        assert!(!has_bar(&screen.bytes), "a bar with {ci:?}\n{screen}");
        assert_no_escape(&format!("the terminal with {ci:?}"), &screen.bytes);
    }
    // Under GitHub Actions even --color always leaves the annotations as the runner reads them.
    let fake = slow_feed();
    let site = support::site();
    let screen = on_terminal(build(
        &fake,
        site.path(),
        &["--color", "always"],
        &[("GITHUB_ACTIONS", "true")],
    ));
    assert!(
        screen.bytes.contains("\n::warning title=instabake::"),
        "{screen}"
    );
    assert_no_escape("GitHub Actions annotations", &screen.bytes);
}

#[test]
fn quiet_on_a_terminal_draws_no_bar() {
    let fake = slow_feed();
    let site = support::site();

    let screen = on_terminal(build(&fake, site.path(), &["-q"], &[]));

    assert_eq!(screen.code, Some(0), "{screen}");
    assert!(!has_bar(&screen.bytes), "a bar with -q\n{screen}");
    assert!(!screen.bytes.contains("\x1b[2K"), "{screen}");
    // The warning is still there, coloured: -q quiets progress, not colour.
    assert!(coloured(&screen.bytes, "warning:"), "{screen}");
}

#[test]
fn color_always_colours_warnings_and_errors_in_a_pipe() {
    let fake = slow_feed();
    let site = support::site();
    // NO_COLOR decides only for `auto`: `always` is asked for in this very run.
    let mut command = build(
        &fake,
        site.path(),
        &["--color", "always"],
        &[("NO_COLOR", "1")],
    );
    let run = support::run_with_timeout(&mut command, RUN_TIMEOUT);
    let support::Finished::Exited(status, stdout, stderr) = run else {
        panic!("instabake did not finish within {RUN_TIMEOUT:?}");
    };
    assert!(status.success(), "{stderr}");
    assert!(coloured(&stderr, "warning:"), "{}", stderr.escape_debug());
    assert!(!has_bar(&stderr), "a bar in a pipe:\n{stderr}");
    assert_no_escape("stdout", &stdout);

    // No token: the bake fails with an error.
    let mut command = build(&fake, site.path(), &["--color", "always"], &[]);
    command.env_remove("INSTAGRAM_ACCESS_TOKEN");
    let run = support::run_with_timeout(&mut command, RUN_TIMEOUT);
    let support::Finished::Exited(status, _, stderr) = run else {
        panic!("instabake did not finish within {RUN_TIMEOUT:?}");
    };
    assert!(!status.success(), "{stderr}");
    assert!(coloured(&stderr, "error:"), "{}", stderr.escape_debug());
    // Only the prefix: the codes before it, the reset right after it, and a plain message.
    let prefix = stderr.find("error:").expect("error:");
    assert_eq!(
        colour_codes(&stderr[..prefix]).concat(),
        &stderr[..prefix],
        "{}",
        stderr.escape_debug()
    );
    assert_no_escape(
        "the error's message",
        &stderr[prefix + "error:\x1b[0m".len()..],
    );
}

#[test]
fn no_color_and_color_never_keep_a_terminal_colourless() {
    for (args, env) in [
        (&[][..], &[("NO_COLOR", "1")][..]),
        (&["--color", "never"][..], &[][..]),
    ] {
        let fake = slow_feed();
        let site = support::site();

        let screen = on_terminal(build(&fake, site.path(), args, env));

        assert_eq!(screen.code, Some(0), "{args:?} {env:?}\n{screen}");
        let codes = colour_codes(&screen.bytes);
        assert!(
            codes.is_empty(),
            "colour with {args:?} {env:?}: {codes:?}\n{screen}"
        );
        assert!(
            screen.bytes.contains("\nwarning: ") || screen.bytes.contains("\x1b[2Kwarning: "),
            "{screen}"
        );
        // The bar is not colour: it is still drawn.
        assert!(has_bar(&screen.bytes), "{args:?} {env:?}\n{screen}");
    }
}
