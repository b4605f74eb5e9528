//! Test support: the tests' one HTTP server (`http.rs`), the fake Graph API and media host it
//! serves ([`FakeApi`], `fake_api/`), generated images, the API response fixtures (and the shared
//! corpus where it exists), and the helpers every test file shares: paths in the repository, the
//! tool checks, and running the real binary and checking what it wrote.
//!
//! A test reads like this:
//!
//! ```ignore
//! let fake = FakeApi::start(Scenario::new().posts(vec![Post::image("101")]).page_size(5));
//! let site = support::site();
//! let run = fake.run_build(site.path(), &[]);
//! run.assert_success();
//! fake.assert_no_secret_or_cdn(site.path(), &run);
//! support::assert_html_refs_exist(site.path());
//! ```

// Not every test file uses every helper.
#![allow(dead_code)]

pub(crate) mod fake_api;
pub(crate) mod http;
pub(crate) mod images;
pub(crate) mod samples;
pub(crate) mod wheel;

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

#[allow(unused_imports)]
pub(crate) use fake_api::{
    Account, FakeApi, Fault, MediaType, Post, Profile, Request, Route, Scenario,
};
#[allow(unused_imports)]
pub(crate) use http::{http_get, http_get_json};

/// The access token every test uses: recognisable, so a leak is easy to spot.
pub(crate) const TOKEN: &str = "IGQWRsecretTOKEN_do_not_leak_1234567890";

/// What a panic leaves in stderr: Rust's own message, and the binary's crash report
/// (`report::install_panic_hook`).
pub(crate) const PANIC_MARKERS: &[&str] = &["panicked at", "instabake crashed", "This is a bug"];

/// The binary under test.
pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_instabake");

/// Where `INSTABAKE_API_BASE` points when a test does not set it: a closed local port, so a test
/// that forgets the fake server fails instead of reaching the real API.
pub(crate) const NOWHERE: &str = "http://127.0.0.1:9";

/// How long one run of the binary may take before the test kills it and fails.
pub(crate) const RUN_TIMEOUT: Duration = Duration::from_secs(180);

/// Paths of the hugo preset, relative to the site.
pub(crate) const HUGO_IMAGES: &str = "static/instagram";
pub(crate) const HUGO_PARTIAL: &str = "layouts/partials/instagram.html";
pub(crate) const HUGO_DATA: &str = "data/instagram.json";
/// The cache folder, relative to the site.
pub(crate) const CACHE_DIR: &str = ".instabake";

/// A finished run of the binary.
#[derive(Clone)]
pub(crate) struct Run {
    pub args: Vec<String>,
    /// `None` when killed by a signal.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub(crate) fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// Panics (showing the whole output) unless the run exited 0.
    pub(crate) fn assert_success(&self) -> &Run {
        assert!(self.success(), "expected success\n{self}");
        self
    }

    /// Panics (showing the whole output) unless the run exited with `code`.
    pub(crate) fn assert_code(&self, code: i32) -> &Run {
        assert_eq!(self.code, Some(code), "unexpected exit code\n{self}");
        self
    }

    /// Panics unless the run failed cleanly: a non-zero exit code that is not a panic's (101) and
    /// no panic message.
    pub(crate) fn assert_clean_failure(&self) -> &Run {
        assert!(
            matches!(self.code, Some(code) if code != 0 && code != 101),
            "expected a clean failure\n{self}"
        );
        self.assert_no_panic()
    }

    /// Panics if the binary panicked anywhere: on the main thread (the binary catches it, prints
    /// its crash report and exits 1) or in a media worker (caught there, it costs only that image
    /// and the run may still exit 0). The panic hook prints the crash report for every panic, caught
    /// or not, so the report is what this looks for, besides Rust's own exit code and message.
    pub(crate) fn assert_no_panic(&self) -> &Run {
        let marker = PANIC_MARKERS
            .iter()
            .find(|marker| self.stderr.contains(**marker));
        assert!(
            self.code != Some(101) && marker.is_none(),
            "the binary panicked ({})\n{self}",
            marker.unwrap_or(&"exit code 101")
        );
        self
    }

    /// stderr, lowercased, for wording checks.
    pub(crate) fn stderr_lower(&self) -> String {
        self.stderr.to_lowercase()
    }
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "$ instabake {}", self.args.join(" "))?;
        writeln!(f, "exit code: {:?}", self.code)?;
        writeln!(f, "--- stdout ---\n{}", self.stdout)?;
        write!(f, "--- stderr ---\n{}", self.stderr)
    }
}

impl fmt::Debug for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// `INSTABAKE_REQUIRE_TOOLS=1` (or `true`; set by `.ci/run`): a test that needs an outside tool
/// (Hugo, Jekyll, Eleventy, Chromium, actionlint, shellcheck) fails when the tool is missing,
/// instead of skipping.
pub(crate) fn tools_required() -> bool {
    requires_tools(std::env::var("INSTABAKE_REQUIRE_TOOLS").ok().as_deref())
}

/// Whether a value of `INSTABAKE_REQUIRE_TOOLS` turns skips into failures: `1` or `true` (any case).
pub(crate) fn requires_tools(value: Option<&str>) -> bool {
    value.is_some_and(|v| {
        let v = v.trim();
        v == "1" || v.eq_ignore_ascii_case("true")
    })
}

/// Skips the rest of a test because an outside tool is missing (`why` says which and how to
/// install it), or fails it under `INSTABAKE_REQUIRE_TOOLS`. The `SKIPPED` line is written to the
/// real stderr, past libtest's capture, so `cargo test` shows it even when the test passes.
pub(crate) fn skip(why: &str) {
    assert!(
        !tools_required(),
        "INSTABAKE_REQUIRE_TOOLS is set but {why}"
    );
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "SKIPPED: {why}");
}

/// The `node_modules` under `install` (a folder of the repository) in which `package` is installed
/// at the exact version `package_json` pins; else how to install it.
pub(crate) fn pinned_node_modules(
    package_json: &str,
    package: &str,
    install: &str,
) -> Result<PathBuf, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest: Value =
        serde_json::from_str(&fs::read_to_string(root.join(package_json)).unwrap()).unwrap();
    let pinned = manifest["dependencies"][package]
        .as_str()
        .unwrap_or_else(|| panic!("{package} in {package_json}"));
    assert!(
        pinned.chars().all(|c| c.is_ascii_digit() || c == '.'),
        "{package} must be pinned to an exact version, not {pinned:?}"
    );
    let modules = root.join(install).join("node_modules");
    let how = format!(
        "copy {package_json} and package-lock.json into {install}/ and run `npm ci` there \
         (see .ci/run)"
    );
    let installed = fs::read_to_string(modules.join(package).join("package.json"))
        .map_err(|_| format!("{package} is not installed: {how}"))?;
    let installed: Value = serde_json::from_str(&installed).unwrap();
    if installed["version"] != pinned {
        return Err(format!(
            "{install} holds {package} {}, not the pinned {pinned}: {how}",
            installed["version"]
        ));
    }
    Ok(modules)
}

/// Whether `program arg` runs and succeeds: how a test finds out that an outside tool is there.
pub(crate) fn runs(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .output()
        .is_ok_and(|out| out.status.success())
}

/// Checks `files` against one of check-jsonschema's vendored schemas (`vendor.github-actions`,
/// `vendor.gitlab-ci`, ...: no network), or skips when check-jsonschema is missing. `what` names
/// the files in the skip message.
pub(crate) fn assert_matches_schema(schema: &str, files: &[PathBuf], what: &str) {
    if !runs("check-jsonschema", "--version") {
        skip(&format!(
            "check-jsonschema is not on PATH (pip install check-jsonschema, see .ci/run), so \
             {what} were not checked against their schema"
        ));
        return;
    }
    let out = Command::new("check-jsonschema")
        .args(["--builtin-schema", schema])
        .args(files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "check-jsonschema --builtin-schema {schema}:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Checks `files` against a JSON schema of the repository (`docs/schema/...`, relative to the
/// repository root), or skips when check-jsonschema is missing. `what` names the files in the skip
/// message.
pub(crate) fn assert_matches_schema_file(schema: &str, files: &[PathBuf], what: &str) {
    if !runs("check-jsonschema", "--version") {
        skip(&format!(
            "check-jsonschema is not on PATH (pip install check-jsonschema, see .ci/run), so \
             {what} were not checked against {schema}"
        ));
        return;
    }
    let out = Command::new("check-jsonschema")
        .arg("--schemafile")
        .arg(root().join(schema))
        .args(files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "check-jsonschema --schemafile {schema}:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Copies the folder `from` into `to` (which exists), leaving out the `skip` paths (relative to
/// `from`, e.g. the files a bake or a generator wrote there), so a test starts from the sources.
pub(crate) fn copy_sources(from: &Path, to: &Path, skip: &[&str]) {
    copy_sources_under(from, to, Path::new(""), skip);
}

fn copy_sources_under(from: &Path, to: &Path, relative: &Path, skip: &[&str]) {
    let dir = from.join(relative);
    let mut entries: Vec<_> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|entry| entry.expect("read a folder entry"))
        .collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let rel = relative.join(entry.file_name());
        if skip.iter().any(|s| rel == Path::new(s)) {
            continue;
        }
        let kind = entry.file_type().expect("file type");
        if kind.is_dir() {
            fs::create_dir_all(to.join(&rel)).expect("create a folder");
            copy_sources_under(from, to, &rel, skip);
        } else if kind.is_file() {
            fs::copy(entry.path(), to.join(&rel))
                .unwrap_or_else(|e| panic!("copy {}: {e}", entry.path().display()));
        }
    }
}

/// The package's folder: the repository's root, where `action.yml`, `Cargo.toml`, `npm/` and the
/// workflows are.
pub(crate) fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The bundled recorded feed (`example-site/demo-feed/`, made by `examples/make_demo_feed.rs`).
pub(crate) fn demo_feed() -> PathBuf {
    root().join("example-site/demo-feed")
}

/// Checks a bake of the demo feed at `feed` into the Hugo site `site`: every post, in the feed's
/// order, from the replay, and every image the site refers to is there.
pub(crate) fn assert_baked_demo_feed(site: &Path, feed: &Path) {
    let data = read_data(site);
    let expected: Vec<String> = demo_posts(feed)
        .iter()
        .map(|post| post["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(post_ids(&data), expected);
    assert_eq!(data["source"], "replay");
    assert_html_refs_exist(site);
}

/// The posts of a recorded feed: every page, following `paging.next` from `media.json`.
pub(crate) fn demo_posts(feed: &Path) -> Vec<Value> {
    let mut posts = Vec::new();
    let mut next = Some("media.json".to_string());
    while let Some(file) = next.take() {
        let path = feed.join(&file);
        let text =
            fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        let page: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
        posts.extend(page["data"].as_array().expect("data[]").iter().cloned());
        next = page["paging"]["next"].as_str().map(str::to_string);
    }
    posts
}

/// A fresh, empty site folder.
pub(crate) fn site() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("instabake-site-")
        .tempdir()
        .expect("create a temporary site folder")
}

/// Run `instabake ARGS...` in `cwd` with a clean environment: only `PATH` (and what Windows needs)
/// is kept, `HOME` is `cwd`, no token, no CI variables (a GitHub Actions runner would otherwise
/// make the binary emit annotations and write into the real step summary), and the API base points
/// at a closed port. `env` is applied last. Killed and failed after [`RUN_TIMEOUT`].
pub(crate) fn run(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = command(cwd, args, env);
    let finished = run_with_timeout(&mut command, RUN_TIMEOUT);
    let (status, stdout, stderr) = match finished {
        Finished::Exited(status, stdout, stderr) => (status, stdout, stderr),
        Finished::TimedOut(_, stderr) => panic!(
            "instabake {} did not finish within {RUN_TIMEOUT:?}; stderr:\n{stderr}",
            args.join(" ")
        ),
    };
    Run {
        args: args.iter().map(std::string::ToString::to_string).collect(),
        code: status.code(),
        stdout,
        stderr,
    }
}

/// How a process run by [`run_with_timeout`] ended, with its stdout and stderr.
pub(crate) enum Finished {
    Exited(std::process::ExitStatus, String, String),
    /// Killed after the timeout.
    TimedOut(String, String),
}

/// Runs `command` (its stdout and stderr piped and read as it runs), killing it after `timeout`.
pub(crate) fn run_with_timeout(command: &mut Command, timeout: Duration) -> Finished {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start {command:?}: {e}"));
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out_reader = thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stdout.read_to_end(&mut text);
        text
    });
    let err_reader = thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stderr.read_to_end(&mut text);
        text
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the process") {
            break Some(status);
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(20));
    };
    let text = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).into_owned();
    let (stdout, stderr) = (
        text(out_reader.join().unwrap()),
        text(err_reader.join().unwrap()),
    );
    match status {
        Some(status) => Finished::Exited(status, stdout, stderr),
        None => Finished::TimedOut(stdout, stderr),
    }
}

/// Runs `command` to its end and fails the test, with its output, unless it succeeds; returns its
/// stdout. `what` names it in the message.
pub(crate) fn succeed(command: &mut Command, what: &str, timeout: Duration) -> String {
    match run_with_timeout(command, timeout) {
        Finished::Exited(status, stdout, _) if status.success() => stdout,
        Finished::Exited(status, stdout, stderr) => {
            panic!("{what} failed ({status}):\n{stdout}\n{stderr}")
        }
        Finished::TimedOut(stdout, stderr) => {
            panic!("{what} did not finish within {timeout:?}:\n{stdout}\n{stderr}")
        }
    }
}

/// Runs `instabake ARGS...` as [`run`] does, with stdout and stderr into one file, as `2>&1`
/// would: what it wrote, in the order it wrote it, on both streams.
pub(crate) fn run_merged(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = tempfile::NamedTempFile::new().expect("create a temporary file");
    let mut command = command(cwd, args, env);
    command
        // One open file for both, as a shell's `2>&1`: one offset, so no write overwrites another.
        .stdout(out.as_file().try_clone().expect("share the output file"))
        .stderr(out.as_file().try_clone().expect("share the output file"));
    let status = command
        .status()
        .unwrap_or_else(|e| panic!("start {command:?}: {e}"));
    let text = fs::read_to_string(out.path()).expect("read the output file");
    assert!(status.code().is_some(), "killed by a signal:\n{text}");
    text
}

/// The command [`run`] runs, not started: for tests that need to control the process.
pub(crate) fn command(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .env("HOME", cwd)
        .env("RUST_BACKTRACE", "1")
        .env("NO_COLOR", "1")
        .env("INSTABAKE_API_BASE", NOWHERE)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for keep in ["PATH", "SYSTEMROOT", "TEMP", "TMP", "TMPDIR"] {
        if let Some(value) = std::env::var_os(keep) {
            command.env(keep, value);
        }
    }
    for (name, value) in env {
        command.env(name, value);
    }
    command
}

/// `instabake build --site SITE ARGS...` in `site`, with `INSTAGRAM_ACCESS_TOKEN` set to [`TOKEN`]
/// and then `env` applied (set `INSTABAKE_API_BASE` there, or use [`FakeApi::run_build`]).
pub(crate) fn run_build(site: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let site_arg = site.to_str().expect("UTF-8 site path");
    let mut all_args = vec!["build", "--site", site_arg];
    all_args.extend_from_slice(args);
    let mut all_env = vec![("INSTAGRAM_ACCESS_TOKEN", TOKEN)];
    all_env.extend_from_slice(env);
    run(site, &all_args, &all_env)
}

/// The hugo data file, parsed. Panics with the file list when it is missing.
pub(crate) fn read_data(site: &Path) -> Value {
    let path = site.join(HUGO_DATA);
    let text = fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "read {}: {e}; files in the site: {:#?}",
            path.display(),
            relative_files(site)
        )
    });
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// The post ids of a data file, in order.
pub(crate) fn post_ids(data: &Value) -> Vec<String> {
    data["posts"]
        .as_array()
        .unwrap_or_else(|| panic!("no posts array in the data file: {data:#}"))
        .iter()
        .map(|post| {
            post["id"]
                .as_str()
                .unwrap_or_else(|| panic!("post without a string id: {post:#}"))
                .to_string()
        })
        .collect()
}

/// The post with this id in a data file.
pub(crate) fn post<'a>(data: &'a Value, id: &str) -> &'a Value {
    data["posts"]
        .as_array()
        .and_then(|posts| posts.iter().find(|post| post["id"] == id))
        .unwrap_or_else(|| panic!("no post {id} in the data file: {data:#}"))
}

/// Every file under `dir`, recursively (hidden ones included), sorted.
pub(crate) fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let Ok(entries) = fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("read a folder entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Every file under `dir`, relative to it, for messages.
pub(crate) fn relative_files(dir: &Path) -> Vec<String> {
    files_under(dir)
        .iter()
        .map(|path| path.strip_prefix(dir).unwrap().display().to_string())
        .collect()
}

/// Every file under `dir` with its bytes, for comparing two runs.
pub(crate) fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    files_under(dir)
        .into_iter()
        .map(|path| {
            let bytes = fs::read(&path).unwrap();
            (path.strip_prefix(dir).unwrap().to_path_buf(), bytes)
        })
        .collect()
}

/// Fails if the token, the fake media host (`SERVER/media`, `server` being the fake's
/// `127.0.0.1:PORT`), a paging URL (`access_token=`) or an Instagram CDN host (`cdninstagram`,
/// `fbcdn`) appears in any file under `dir` (hidden folders such as the cache included), or the
/// token in a file name; and if the token, the media host or a CDN host appears in the run's stdout
/// or stderr.
pub(crate) fn assert_no_secret_or_cdn(dir: &Path, run: &Run, server: &str) {
    let media_host = format!("{server}/media");
    let escaped_media_host = format!("{server}\\/media");
    let in_files: &[&str] = &[
        TOKEN,
        &media_host,
        &escaped_media_host,
        "access_token=",
        "cdninstagram",
        "fbcdn",
    ];
    let mut problems = Vec::new();
    for path in files_under(dir) {
        let relative = path.strip_prefix(dir).unwrap().display().to_string();
        if relative.contains(TOKEN) {
            problems.push(format!("the token is in a file name: {relative}"));
        }
        let bytes = fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        for needle in in_files {
            if contains(&bytes, needle.as_bytes()) {
                problems.push(format!("{relative} contains {needle:?}"));
            }
        }
    }
    for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        for needle in [TOKEN, media_host.as_str(), "cdninstagram", "fbcdn"] {
            if text.contains(needle) {
                problems.push(format!("{stream} contains {needle:?}"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "leaks found:\n  {}\n{run}",
        problems.join("\n  ")
    );
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty()
        && haystack
            .windows(needle.len())
            .any(|window| window == needle)
}

/// One resource the partial refers to.
#[derive(Clone, Debug)]
pub(crate) struct HtmlRef {
    /// The attribute it came from: `src`, `srcset` or `poster`.
    pub attribute: String,
    /// The URL as written (entities decoded).
    pub url: String,
    /// The file it maps to.
    pub path: PathBuf,
    /// The `NNNw` descriptor of a `srcset` candidate.
    pub width: Option<u32>,
}

/// [`assert_partial_refs_exist`] for the hugo preset: `layouts/partials/instagram.html`, URLs under
/// `/instagram/` served from `static/instagram/`.
pub(crate) fn assert_html_refs_exist(site: &Path) -> Vec<HtmlRef> {
    assert_partial_refs_exist(
        &site.join(HUGO_PARTIAL),
        "/instagram/",
        &site.join(HUGO_IMAGES),
    )
}

/// Parse every `src=`, `srcset=` and `poster=` of the partial (HTML entities decoded, `data:` URLs
/// skipped) and fail unless each URL starts with `url_prefix` and names a file under `images_dir`
/// that decodes as an image (videos: exists and is not empty), as wide as its `srcset` descriptor
/// says. Returns the references; fails when there are none.
pub(crate) fn assert_partial_refs_exist(
    partial: &Path,
    url_prefix: &str,
    images_dir: &Path,
) -> Vec<HtmlRef> {
    let html = fs::read_to_string(partial)
        .unwrap_or_else(|e| panic!("read the partial {}: {e}", partial.display()));
    let mut refs = Vec::new();
    let mut problems = Vec::new();
    for (attribute, value) in attributes(&html, &["src", "srcset", "poster"]) {
        let candidates: Vec<(String, Option<u32>)> = if attribute == "srcset" {
            value
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(|candidate| {
                    let mut parts = candidate.split_whitespace();
                    let url = parts.next().unwrap_or("").to_string();
                    let width = parts
                        .next()
                        .and_then(|d| d.strip_suffix('w'))
                        .and_then(|w| w.parse().ok());
                    (url, width)
                })
                .collect()
        } else {
            vec![(value.trim().to_string(), None)]
        };
        for (url, width) in candidates {
            if url.starts_with("data:") {
                continue;
            }
            let Some(rest) = url.strip_prefix(url_prefix) else {
                problems.push(format!("{attribute}={url:?} is not under {url_prefix}"));
                continue;
            };
            let path = images_dir.join(rest.split(['?', '#']).next().unwrap_or(rest));
            match fs::read(&path) {
                Err(e) => problems.push(format!(
                    "{attribute}={url:?}: {} does not exist ({e})",
                    path.display()
                )),
                Ok(bytes) if bytes.is_empty() => {
                    problems.push(format!("{attribute}={url:?}: {} is empty", path.display()));
                }
                Ok(bytes) if is_video(&path) => drop(bytes),
                // The `image` crate decodes AVIF only with the C dav1d library: check the header.
                Ok(bytes) if path.extension().is_some_and(|e| e == "avif") => {
                    match (avif_size(&bytes), width) {
                        (None, _) => problems.push(format!(
                            "{attribute}={url:?}: {} is not an AVIF image",
                            path.display()
                        )),
                        (Some((w, _)), Some(width)) if w != width => problems.push(format!(
                            "{attribute}={url:?} says {width}w but the image is {w} wide"
                        )),
                        _ => {}
                    }
                }
                Ok(bytes) => match image::load_from_memory(&bytes) {
                    Err(e) => problems.push(format!(
                        "{attribute}={url:?}: {} is not a readable image ({e})",
                        path.display()
                    )),
                    Ok(picture) => {
                        if let Some(width) = width {
                            if picture.width() != width {
                                problems.push(format!(
                                    "{attribute}={url:?} says {width}w but the image is {} wide",
                                    picture.width()
                                ));
                            }
                        }
                    }
                },
            }
            refs.push(HtmlRef {
                attribute: attribute.clone(),
                url,
                path,
                width,
            });
        }
    }
    assert!(
        problems.is_empty(),
        "the partial {} refers to files that are not there:\n  {}",
        partial.display(),
        problems.join("\n  ")
    );
    assert!(
        !refs.is_empty(),
        "the partial {} refers to no image at all:\n{html}",
        partial.display()
    );
    refs
}

fn is_video(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("mp4" | "webm" | "mov")
    )
}

/// Width and height from an AVIF file's `ispe` box, if it is an AVIF file.
pub(crate) fn avif_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.get(4..12)? != b"ftypavif" {
        return None;
    }
    let at = bytes.windows(4).position(|w| w == b"ispe")?;
    let field = |offset: usize| -> Option<u32> {
        Some(u32::from_be_bytes(
            bytes.get(at + offset..at + offset + 4)?.try_into().ok()?,
        ))
    };
    // `ispe`, then version and flags, then width and height.
    Some((field(8)?, field(12)?))
}

/// What lies between the first `start` in `html` and the next `end`.
pub(crate) fn between<'a>(html: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = html.find(start)? + start.len();
    let len = html[from..].find(end)?;
    Some(&html[from..from + len])
}

/// The partial's tiles (`<li class="ib-post ...">` to `</li>`), in order.
pub(crate) fn tiles(partial: &str) -> Vec<&str> {
    partial
        .split("<li class=\"ib-post")
        .skip(1)
        .map(|tile| tile.split("</li>").next().unwrap_or(tile))
        .collect()
}

/// `(attribute, value)` of every occurrence of the named attributes in the tags of `html` (one
/// name after the other, each in document order), entities decoded. Only tags are read: text, a
/// quoted value, a comment and the content of `<script>` and `<style>` are not, so escaped text
/// such as `&lt;img src=x&gt;` in a caption or an alt text is no attribute.
pub(crate) fn attributes(html: &str, names: &[&str]) -> Vec<(String, String)> {
    let all = tag_attributes(html);
    let mut found = Vec::new();
    for name in names {
        let name = name.to_ascii_lowercase();
        found.extend(all.iter().filter(|(n, _)| *n == name).cloned());
    }
    found
}

/// `(name, value)` of every attribute of every tag in `html`, in document order: names in lower
/// case, values with entities decoded (`""` for an attribute without a value). Closing tags,
/// comments, `<!doctype>` and the content of `<script>` and `<style>` are skipped.
pub(crate) fn tag_attributes(html: &str) -> Vec<(String, String)> {
    let lower = html.to_ascii_lowercase();
    let bytes = html.as_bytes();
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(pos) = html[at..].find('<') {
        let open = at + pos;
        at = open + 1;
        if lower[open..].starts_with("<!--") {
            at = lower[open..]
                .find("-->")
                .map_or(html.len(), |end| open + end + 3);
            continue;
        }
        // A start tag begins with a letter; `</x>`, `<!x>` and a lone `<` hold no attributes.
        if !bytes.get(at).is_some_and(u8::is_ascii_alphabetic) {
            continue;
        }
        let is_space_or_end = |b: u8| b.is_ascii_whitespace() || b == b'>' || b == b'/';
        let name_end = (at..bytes.len())
            .find(|&i| is_space_or_end(bytes[i]))
            .unwrap_or(bytes.len());
        let tag = lower[at..name_end].to_string();
        at = name_end;
        loop {
            while at < bytes.len() && (bytes[at].is_ascii_whitespace() || bytes[at] == b'/') {
                at += 1;
            }
            if at >= bytes.len() || bytes[at] == b'>' {
                at = (at + 1).min(html.len());
                break;
            }
            let name_start = at;
            while at < bytes.len() && !is_space_or_end(bytes[at]) && bytes[at] != b'=' {
                at += 1;
            }
            if at == name_start {
                // A stray `=`.
                at += 1;
                continue;
            }
            let name = lower[name_start..at].to_string();
            let mut after = at;
            while after < bytes.len() && bytes[after].is_ascii_whitespace() {
                after += 1;
            }
            let mut value = "";
            if bytes.get(after) == Some(&b'=') {
                at = after + 1;
                while at < bytes.len() && bytes[at].is_ascii_whitespace() {
                    at += 1;
                }
                match bytes.get(at) {
                    Some(&quote @ (b'"' | b'\'')) => {
                        let end = html[at + 1..]
                            .find(quote as char)
                            .map_or(html.len(), |i| at + 1 + i);
                        value = &html[at + 1..end];
                        at = (end + 1).min(html.len());
                    }
                    _ => {
                        let end = (at..bytes.len())
                            .find(|&i| bytes[i].is_ascii_whitespace() || bytes[i] == b'>')
                            .unwrap_or(bytes.len());
                        value = &html[at..end];
                        at = end;
                    }
                }
            }
            found.push((name, decode_entities(value)));
        }
        if tag == "script" || tag == "style" {
            let close = format!("</{tag}");
            at = lower[at.min(html.len())..]
                .find(&close)
                .map_or(html.len(), |end| at + end);
        }
    }
    found
}

/// The part of `html` from `start` (included) to the first `end` after it (included).
pub(crate) fn section<'a>(html: &'a str, start: &str, end: &str, what: &str) -> &'a str {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("no {what} ({start:?}) in the page:\n{html}"));
    let len = html[from..]
        .find(end)
        .unwrap_or_else(|| panic!("the {what} is not closed ({end:?}) in the page:\n{html}"))
        + end.len();
    &html[from..from + len]
}

/// Fails unless a generator's built `page` holds the baked `partial` byte for byte: the
/// generator's template language found nothing to run in it.
pub(crate) fn assert_partial_included_unchanged(page: &str, partial: &str) {
    let partial_in_page = partial.trim();
    assert!(
        partial_in_page.starts_with("<section class=\"ib-feed\""),
        "the partial is not an ib-feed section:\n{partial}"
    );
    assert!(
        page.contains(partial_in_page),
        "the page does not contain the partial unchanged\n--- partial ---\n{partial}\n\
         --- page ---\n{page}"
    );
}

/// Decode the HTML character references Tera's autoescape writes (`&#x2F;`, `&amp;`, ...).
pub(crate) fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find('&') {
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        let Some(end) = rest.find(';').filter(|&end| end <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|dec| dec.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The `-v` line `media: N downloaded, N decoded, N files encoded` of a run, as numbers.
pub(crate) fn media_work(run: &Run) -> (usize, usize, usize) {
    let line = run
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("media: "))
        .unwrap_or_else(|| panic!("no `media:` line in the -v output:\n{run}"));
    let numbers: Vec<usize> = line
        .split(", ")
        .map(|part| {
            part.split_whitespace()
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("unreadable `media:` line {line:?}"))
        })
        .collect();
    match numbers[..] {
        [downloads, decodes, encodes] => (downloads, decodes, encodes),
        _ => panic!("unreadable `media:` line {line:?}"),
    }
}
