//! `instabake completions SHELL` and `instabake man`: each completion script is loaded by its shell
//! and asked to complete (bash always; zsh and fish as `.ci/run` installs them; PowerShell where
//! `pwsh` happens to be installed), each man page is rendered by groff with every warning on, and
//! the release workflow's step that generates them for the archives is run against this binary.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::support::{self, root, run, BIN};

/// The commands `instabake --help` lists (its "Commands:" section), `help` aside.
fn commands(dir: &Path) -> Vec<String> {
    let help = run(dir, &["--help"], &[]);
    help.assert_success();
    let list = help
        .stdout
        .split("Commands:\n")
        .nth(1)
        .expect("a Commands section in --help")
        .split("\n\n")
        .next()
        .unwrap();
    let names: Vec<String> = list
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect();
    assert!(names.len() >= 8, "{names:?}");
    names
}

/// The completion script for `shell`, written to a file in `dir`.
fn script(dir: &Path, shell: &str) -> std::path::PathBuf {
    let run = run(dir, &["completions", shell], &[]);
    run.assert_success();
    assert!(run.stdout.len() > 500, "{shell}: {}", run.stdout);
    let path = dir.join(format!("completion.{shell}"));
    fs::write(&path, &run.stdout).unwrap();
    path
}

/// Runs `program ARGS` and returns its stdout; fails the test with its output unless it succeeds
/// with nothing on stderr (a script that loads with errors is not loaded).
fn shell(program: &str, args: &[&str], dir: &Path) -> String {
    let (stdout, stderr) = shell_output(program, args, dir);
    assert!(stderr.trim().is_empty(), "{program} {args:?}:\n{stderr}");
    stdout
}

/// Runs `program ARGS`, fails the test unless it succeeds; its stdout and stderr.
fn shell_output(program: &str, args: &[&str], dir: &Path) -> (String, String) {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .output()
        .unwrap_or_else(|e| panic!("run {program}: {e}"));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "{program} {args:?}: {}\n{stderr}",
        out.status
    );
    (String::from_utf8_lossy(&out.stdout).into_owned(), stderr)
}

/// What bash's completion offers for the words of `line` (the last one being completed).
fn bash_completes(script: &Path, line: &str) -> Vec<String> {
    let program = r#"source "$1" || exit 1
complete -p instabake | grep -q -- '-F _instabake' || { echo "not registered" >&2; exit 1; }
COMP_LINE="$2"
read -r -a COMP_WORDS <<< "$COMP_LINE"
case "$COMP_LINE" in *" ") COMP_WORDS+=("") ;; esac
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_POINT=${#COMP_LINE}
_instabake instabake "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}""#;
    shell(
        "bash",
        &[
            "--norc",
            "--noprofile",
            "-c",
            program,
            "bash",
            script.to_str().unwrap(),
            line,
        ],
        script.parent().unwrap(),
    )
    .lines()
    .map(str::to_owned)
    .collect()
}

#[test]
fn the_bash_completion_loads_and_completes_commands_flags_and_shells() {
    let dir = tempfile::tempdir().unwrap();
    let script = script(dir.path(), "bash");

    let all = bash_completes(&script, "instabake ");
    for command in commands(dir.path()) {
        assert!(all.contains(&command), "{command} not offered: {all:?}");
    }
    assert_eq!(bash_completes(&script, "instabake bu"), ["build"]);
    assert_eq!(
        bash_completes(&script, "instabake build --of"),
        ["--offline"]
    );
    let token = bash_completes(&script, "instabake token ");
    assert!(
        token.contains(&"status".to_owned()) && token.contains(&"refresh".to_owned()),
        "{token:?}"
    );
    let shells = bash_completes(&script, "instabake completions ");
    for name in ["bash", "zsh", "fish", "powershell"] {
        assert!(shells.contains(&name.to_owned()), "{name}: {shells:?}");
    }
}

#[test]
fn the_zsh_completion_loads_and_registers_itself() {
    if !support::runs("zsh", "--version") {
        support::skip("zsh is not installed (apt-get install zsh)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let script = script(dir.path(), "zsh");
    // compinit reads the completion system; sourcing the script defines `_instabake` and hands
    // it to compdef, which is what a file named `_instabake` on $fpath does when autoloaded.
    let out = shell(
        "zsh",
        &[
            "-f",
            "-c",
            r#"autoload -Uz compinit && compinit -u -D || exit 1
source "$1" || exit 1
print -r -- "registered:${_comps[instabake]}"
functions _instabake_commands"#,
            "zsh",
            script.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(out.contains("registered:_instabake\n"), "{out}");
    for command in commands(dir.path()) {
        assert!(out.contains(&format!("'{command}:")), "{command}: {out}");
    }
}

#[test]
fn the_fish_completion_loads_and_completes_commands_and_flags() {
    if !support::runs("fish", "--version") {
        support::skip("fish is not installed (apt-get install fish)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let script = script(dir.path(), "fish");
    let complete = |line: &str| -> Vec<String> {
        let program = format!(
            "source {} || exit 1; complete --do-complete '{line}'",
            script.display()
        );
        shell("fish", &["--no-config", "-c", &program], dir.path())
            .lines()
            .map(|l| l.split('\t').next().unwrap().to_owned())
            .collect()
    };
    let all = complete("instabake ");
    for command in commands(dir.path()) {
        assert!(all.contains(&command), "{command} not offered: {all:?}");
    }
    assert_eq!(complete("instabake bu"), ["build"]);
    assert_eq!(complete("instabake build --of"), ["--offline"]);
}

/// PowerShell is not in Debian, so `.ci/run` does not install it: this runs where `pwsh` is there.
#[test]
fn the_powershell_completion_loads_and_completes_commands() {
    if !support::runs("pwsh", "-Version") {
        eprintln!("SKIPPED: pwsh is not installed (PowerShell is optional for the tests)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let script = script(dir.path(), "powershell");
    let out = shell(
        "pwsh",
        &[
            "-NoProfile",
            "-NonInteractive",
            "-Command",
            &format!(
                ". '{}'; (TabExpansion2 -inputScript 'instabake bu' -cursorColumn 12).CompletionMatches.CompletionText",
                script.display()
            ),
        ],
        dir.path(),
    );
    assert_eq!(out.trim(), "build");
}

/// groff's warnings about the page (`-ww`: all of them) and its text at 80 columns.
fn render_man(page: &Path) -> String {
    let text = shell(
        "groff",
        &["-man", "-Tutf8", "-ww", "-rLL=80n", page.to_str().unwrap()],
        page.parent().unwrap(),
    );
    // Overstrike sequences (bold, underline) out, as `col -b` would.
    let mut plain = String::new();
    for c in text.chars() {
        if c == '\u{8}' {
            plain.pop();
        } else {
            plain.push(c);
        }
    }
    plain
}

#[test]
fn the_man_pages_render_without_warnings_and_cover_every_command() {
    if !support::runs("groff", "--version") {
        support::skip("groff is not installed (apt-get install groff-base)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let commands = commands(dir.path());

    // On stdout: the main page, which lists every command.
    let page = run(dir.path(), &["man"], &[]);
    page.assert_success();
    let main = dir.path().join("stdout.1");
    fs::write(&main, &page.stdout).unwrap();
    let text = render_man(&main);
    assert!(text.contains("NAME\n       instabake"), "{text}");
    for command in &commands {
        assert!(
            text.contains(&format!("instabake-{command}(1)")),
            "{command} not listed:\n{text}"
        );
    }

    // Into a folder: that page, and one per command with its flags.
    let pages = dir.path().join("man");
    run(dir.path(), &["man", "--dir", pages.to_str().unwrap()], &[]).assert_success();
    assert_eq!(
        fs::read_to_string(pages.join("instabake.1")).unwrap(),
        page.stdout
    );
    for command in &commands {
        let page = pages.join(format!("instabake-{command}.1"));
        assert!(page.is_file(), "no page {}", page.display());
        render_man(&page);
    }
    let build = render_man(&pages.join("instabake-build.1"));
    for flag in ["--replay", "--offline", "--strict", "--limit"] {
        assert!(
            build.contains(flag),
            "{flag} not in instabake-build(1):\n{build}"
        );
    }
}

/// The release workflow's `manual` job writes the files every archive carries: run its script with
/// this binary, and check the archive steps take them.
#[test]
fn the_release_archives_carry_the_completions_and_man_pages() {
    let text = fs::read_to_string(root().join(".github/workflows/release.yml")).unwrap();
    let workflow: yaml_serde::Value = yaml_serde::from_str(&text).unwrap();
    let jobs = &workflow["jobs"];
    let generate = jobs["manual"]["steps"]
        .as_sequence()
        .expect("a `manual` job")
        .iter()
        .find_map(|step| step["run"].as_str())
        .expect("a step that generates the files");
    assert!(
        jobs["binaries"]["needs"]
            .as_sequence()
            .is_some_and(|needs| needs.iter().any(|n| n.as_str() == Some("manual"))),
        "the binaries job must wait for the manual job"
    );

    let dir = tempfile::tempdir().unwrap();
    let script = generate
        .replace("cargo build --locked\n", "")
        .replace("bin=target/debug/instabake", &format!("bin='{BIN}'"));
    assert_ne!(
        script, generate,
        "the generate step changed: update this test"
    );
    let (_, said) = shell_output("bash", &["-eu", "-c", &script], dir.path());
    assert_eq!(said.trim(), "wrote the man pages into manual/man");
    let manual = dir.path().join("manual");
    for (file, shell) in [
        ("instabake.bash", "bash"),
        ("_instabake", "zsh"),
        ("instabake.fish", "fish"),
        ("_instabake.ps1", "powershell"),
    ] {
        let written = fs::read_to_string(manual.join("completions").join(file)).unwrap();
        assert_eq!(
            written,
            run(dir.path(), &["completions", shell], &[]).stdout,
            "{file}"
        );
    }
    assert!(
        bash_completes(&manual.join("completions/instabake.bash"), "instabake bu") == ["build"]
    );
    for command in commands(dir.path()) {
        assert!(
            manual.join(format!("man/instabake-{command}.1")).is_file(),
            "{command}"
        );
    }

    // Both archive commands take both folders.
    assert!(
        text.contains(
            r#"tar -czf "dist/${name}" -C "$dir" instabake -C "$PWD/manual" completions man"#
        ),
        "the tar.gz archives lost the completions or man pages"
    );
    assert!(
        text.contains(r#"(cd manual && 7z a "../dist/${name}" completions man)"#),
        "the zip archive lost the completions or man pages"
    );
}
