//! `npx instabake` and `npm install --save-dev instabake`: the launcher package (`npm/instabake/`)
//! has one optional dependency per platform, each holding that platform's binary (written by
//! `npm/platform-package.mjs` from the table in `npm/platforms.json`), and runs the one npm
//! installed. The slow test packs the launcher and this machine's package, made from the binary
//! these tests run, installs them from the tarballs into a fresh project without any network, and
//! bakes the example site through `npx`; the fast ones drive the launcher's own code from the
//! repository and hold the table, the launcher, Cargo.toml and the release workflow together.
//! Needs node and npm (`.ci/run` has them, for Eleventy too).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::{json, Map, Value};

use crate::example_site::{example_site, GENERATED};
use crate::support::{self, root, succeed, Finished};

/// `npm pack` compresses the debug binary, about 300 MB, and `npm install` unpacks it again: well
/// under a minute each here, but the machine may be busy.
const NPM_TIMEOUT: Duration = Duration::from_secs(15 * 60);
const QUICK: Duration = Duration::from_secs(120);

fn read_json(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// `npm/platforms.json`: each Rust target the release builds, with its npm package, `os` and `cpu`.
fn platforms() -> Map<String, Value> {
    match read_json(&root().join("npm/platforms.json")) {
        Value::Object(map) => map,
        other => panic!("npm/platforms.json is not an object: {other}"),
    }
}

fn launcher_script() -> PathBuf {
    root().join("npm/instabake/bin/instabake.js")
}

/// The name Windows runs npm and npx by.
fn program(name: &str) -> String {
    if cfg!(windows) && name != "node" {
        format!("{name}.cmd")
    } else {
        name.to_owned()
    }
}

/// Whether node and npm run; the npm tests need both.
pub(crate) fn node_and_npm_available() -> bool {
    ["node", "npm"].iter().all(|name| {
        Command::new(program(name))
            .arg("--version")
            .output()
            .is_ok_and(|out| out.status.success())
    })
}

/// `node`, `npm` or `npx` in `cwd`, in an environment of its own under `scratch`: no user or global
/// npmrc, an empty cache of its own, and a registry on a closed port, so a request that `--offline`
/// did not prevent fails at once instead of reaching the network. The API base is closed too.
fn tool(name: &str, cwd: &Path, scratch: &Path) -> Command {
    let mut command = Command::new(program(name));
    command.current_dir(cwd).env_clear();
    for keep in ["PATH", "SYSTEMROOT", "TEMP", "TMP", "TMPDIR"] {
        if let Some(value) = std::env::var_os(keep) {
            command.env(keep, value);
        }
    }
    command
        .env("HOME", scratch)
        .env("USERPROFILE", scratch)
        .env("npm_config_userconfig", scratch.join("no-user-npmrc"))
        .env("npm_config_globalconfig", scratch.join("no-global-npmrc"))
        .env("npm_config_cache", scratch.join("npm-cache"))
        .env("npm_config_registry", support::NOWHERE)
        .env("npm_config_update_notifier", "false")
        .env("npm_config_fund", "false")
        .env("npm_config_audit", "false")
        .env("NO_COLOR", "1")
        .env("INSTABAKE_API_BASE", support::NOWHERE);
    command
}

/// Runs `command`, expecting it to end (killed after [`QUICK`]): its exit status, stdout, stderr.
fn ends(command: &mut Command, what: &str) -> (std::process::ExitStatus, String, String) {
    match support::run_with_timeout(command, QUICK) {
        Finished::Exited(status, stdout, stderr) => (status, stdout, stderr),
        Finished::TimedOut(stdout, stderr) => {
            panic!("{what} did not finish within {QUICK:?}:\n{stdout}\n{stderr}")
        }
    }
}

/// This machine's entry of the table, as the launcher finds it: the package named
/// `@instabake/${process.platform}-${process.arch}`. None on a platform without a package.
fn this_platform(scratch: &Path) -> Option<(String, Value)> {
    let node_platform = succeed(
        tool("node", scratch, scratch).args(["-p", "process.platform + '-' + process.arch"]),
        "node -p process.platform",
        QUICK,
    );
    let package = format!("@instabake/{}", node_platform.trim());
    platforms()
        .into_iter()
        .find(|(_, entry)| entry["package"] == package.as_str())
}

/// `npm pack DIR` into `dist`: the tarball and the files it holds, with their modes.
fn pack(dir: &Path, dist: &Path, scratch: &Path) -> (PathBuf, Vec<(String, u64)>) {
    let out = succeed(
        tool("npm", scratch, scratch)
            .arg("pack")
            .arg(dir)
            .arg("--pack-destination")
            .arg(dist)
            .arg("--json"),
        &format!("npm pack {}", dir.display()),
        NPM_TIMEOUT,
    );
    let packed: Value = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("npm pack --json printed no JSON ({e}):\n{out}"));
    let packed = &packed[0];
    let mut files: Vec<(String, u64)> = packed["files"]
        .as_array()
        .expect("files[]")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["mode"].as_u64().unwrap(),
            )
        })
        .collect();
    files.sort();
    (dist.join(packed["filename"].as_str().unwrap()), files)
}

/// A fresh project folder with only a package.json, as `npm init` leaves it, whose `overrides`
/// make the launcher's optional dependency on this platform's package resolve to its tarball.
fn new_project(scratch: &Path, name: &str, package: &str, platform_tarball: &Path) -> PathBuf {
    let project = scratch.join(name);
    fs::create_dir(&project).unwrap();
    let tarball = format!("file:{}", platform_tarball.to_str().expect("UTF-8 path"));
    let manifest = json!({
        "name": name,
        "version": "1.0.0",
        "private": true,
        "overrides": { package: tarball },
    });
    fs::write(
        project.join("package.json"),
        serde_json::to_string_pretty(&manifest).unwrap(),
    )
    .unwrap();
    project
}

/// `npm install --save-dev LAUNCHER_TARBALL` in `project`, offline, with `extra` flags.
fn install_launcher(project: &Path, scratch: &Path, launcher_tarball: &Path, extra: &[&str]) {
    succeed(
        tool("npm", project, scratch)
            .args([
                "install",
                "--offline",
                "--no-audit",
                "--no-fund",
                "--save-dev",
            ])
            .args(extra)
            .arg(launcher_tarball),
        &format!("npm install {extra:?} the launcher"),
        NPM_TIMEOUT,
    );
}

#[test]
fn npx_instabake_runs_the_packed_platform_package_and_bakes_the_example_site() {
    if !node_and_npm_available() {
        support::skip(
            "node and npm are not on PATH (Node.js 18 or newer), so the npm packages were not \
             packed and installed",
        );
        return;
    }
    let work = tempfile::Builder::new()
        .prefix("instabake-npm-")
        .tempdir()
        .unwrap();
    let scratch = work.path();
    let Some((target, entry)) = this_platform(scratch) else {
        support::skip("npm/platforms.json has no package for this machine's platform");
        return;
    };
    let package = entry["package"].as_str().unwrap();
    let version = env!("CARGO_PKG_VERSION");

    // This machine's platform package, written from the binary these tests run, as the release
    // workflow writes one from each release binary.
    let platform_dir = scratch.join("platform");
    succeed(
        tool("node", scratch, scratch)
            .arg(root().join("npm/platform-package.mjs"))
            .arg(&target)
            .arg(support::BIN)
            .arg(&platform_dir),
        "npm/platform-package.mjs",
        QUICK,
    );
    let manifest = read_json(&platform_dir.join("package.json"));
    assert_eq!(manifest["name"], package, "{manifest:#}");
    assert_eq!(manifest["version"], version, "{manifest:#}");
    assert_eq!(manifest["os"], json!([entry["os"]]), "{manifest:#}");
    assert_eq!(manifest["cpu"], json!([entry["cpu"]]), "{manifest:#}");

    let dist = scratch.join("dist");
    fs::create_dir(&dist).unwrap();
    let (platform_tarball, platform_files) = pack(&platform_dir, &dist, scratch);
    let exe = if entry["os"] == "win32" {
        "bin/instabake.exe"
    } else {
        "bin/instabake"
    };
    let names: Vec<&str> = platform_files.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        names,
        ["README.md", exe, "package.json"],
        "{platform_files:?}"
    );
    let (_, mode) = &platform_files[1];
    assert_eq!(
        mode & 0o111,
        0o111,
        "{exe} is packed without its executable bit"
    );
    let (launcher_tarball, launcher_files) = pack(&root().join("npm/instabake"), &dist, scratch);
    let names: Vec<&str> = launcher_files.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        names,
        ["README.md", "bin/instabake.js", "package.json"],
        "the launcher package holds only the launcher"
    );

    // A fresh project and `npm install --save-dev instabake`, offline. With no registry, the
    // platform package comes from its tarball through `overrides`, which replaces the spec of the
    // launcher's own optional dependency on it: npm installs it as that optional dependency of the
    // launcher, where it would put it from the registry, and the project depends on `instabake`
    // alone. The other platforms' packages cannot be fetched offline: npm leaves out an optional
    // dependency it cannot fetch, as it leaves out one for another platform, which is what
    // optionalDependencies are for, so the install needs no flag beyond --offline.
    let project = new_project(scratch, "project", package, &platform_tarball);
    install_launcher(&project, scratch, &launcher_tarball, &[]);
    let project_manifest = read_json(&project.join("package.json"));
    let dev: Vec<&String> = project_manifest["devDependencies"]
        .as_object()
        .expect("devDependencies")
        .keys()
        .collect();
    assert_eq!(dev, ["instabake"], "{project_manifest:#}");
    let lock = read_json(&project.join("package-lock.json"));
    let installed = &lock["packages"][format!("node_modules/{package}")];
    assert_eq!(installed["version"], version, "{lock:#}");
    assert_eq!(
        installed["optional"], true,
        "{package} was not installed as the launcher's optional dependency: {lock:#}"
    );
    for (_, other) in platforms() {
        if other["package"] != package {
            let key = format!("node_modules/{}", other["package"].as_str().unwrap());
            assert!(lock["packages"].get(&key).is_none(), "{key} installed");
        }
    }

    let npx = |args: &[&str]| {
        let mut command = tool("npx", &project, scratch);
        command.arg("--offline").arg("instabake").args(args);
        command
    };
    let printed = succeed(&mut npx(&["--version"]), "npx instabake --version", QUICK);
    assert_eq!(printed.trim(), format!("instabake {version}"));

    // The example site, baked through npx.
    let site = project.join("site");
    fs::create_dir(&site).unwrap();
    support::copy_sources(&example_site(), &site, GENERATED);
    succeed(
        &mut npx(&["build", "--site", "site", "--replay", "site/demo-feed"]),
        "npx instabake build",
        support::RUN_TIMEOUT,
    );
    support::assert_baked_demo_feed(&site, &site.join("demo-feed"));

    // A failing command fails alike through npx and through the launcher itself: same code, and
    // the binary's own message.
    let direct = support::run(scratch, &["build", "--no-such-flag"], &[]);
    assert_eq!(direct.code, Some(2), "{direct}");
    let installed_launcher = project.join("node_modules/instabake/bin/instabake.js");
    for (how, mut command) in [
        ("npx", npx(&["build", "--no-such-flag"])),
        ("the launcher", {
            let mut c = tool("node", &project, scratch);
            c.arg(&installed_launcher).args(["build", "--no-such-flag"]);
            c
        }),
    ] {
        let (status, _, stderr) = ends(&mut command, how);
        assert_eq!(status.code(), direct.code, "{how}: {status}\n{stderr}");
        assert!(stderr.contains("--no-such-flag"), "{how}: {stderr}");
    }

    // Installed with --omit=optional, the launcher has no binary to run, and says which package
    // it looked for and the other ways to get instabake.
    let bare = new_project(scratch, "without-optional", package, &platform_tarball);
    install_launcher(&bare, scratch, &launcher_tarball, &["--omit=optional"]);
    assert!(
        !bare.join("node_modules").join(package).exists(),
        "--omit=optional installed {package}"
    );
    let mut command = tool("npx", &bare, scratch);
    command.args(["--offline", "instabake", "--version"]);
    let (status, stdout, stderr) = ends(&mut command, "npx instabake without its package");
    assert_eq!(status.code(), Some(1), "{status}\n{stdout}\n{stderr}");
    for needed in [
        package,
        "is not installed",
        "--omit=optional",
        "pip install instabake",
        "cargo binstall instabake",
        "https://github.com/instabake/instabake/releases",
        "INSTABAKE_BINARY",
    ] {
        assert!(stderr.contains(needed), "no {needed:?} in:\n{stderr}");
    }
    // INSTABAKE_BINARY runs a binary from elsewhere.
    let mut command = tool("npx", &bare, scratch);
    command
        .args(["--offline", "instabake", "--version"])
        .env("INSTABAKE_BINARY", support::BIN);
    let printed = succeed(&mut command, "INSTABAKE_BINARY=... npx instabake", QUICK);
    assert_eq!(printed.trim(), format!("instabake {version}"));
}

/// The launcher ends as the binary ended: killed by the same signal, and a signal sent to the
/// launcher alone (a CI runner cancelling a step) reaches the binary, which never outlives it.
/// `INSTABAKE_BINARY` makes a shell stand in for the binary.
#[cfg(unix)]
#[test]
fn the_launcher_passes_on_exit_codes_and_signals() {
    use std::io::{BufRead as _, BufReader};
    use std::os::unix::process::ExitStatusExt as _;
    use std::process::Stdio;
    use std::time::Instant;

    if !node_and_npm_available() {
        support::skip("node is not on PATH (Node.js 18 or newer), so the npm launcher was not run");
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    let launcher = |script: &str| {
        let mut command = tool("node", scratch.path(), scratch.path());
        command
            .arg(launcher_script())
            .args(["-c", script, "sh", "two words", "--flag=*"])
            .env("INSTABAKE_BINARY", "/bin/sh");
        command
    };

    // Every argument as it was given, and the exit code.
    let (status, stdout, _) = ends(&mut launcher("printf '%s|' \"$@\"; exit 7"), "exit 7");
    assert_eq!(status.code(), Some(7), "{status}");
    assert_eq!(stdout, "two words|--flag=*|");
    let (status, _, _) = ends(&mut launcher("kill -TERM $$"), "kill -TERM $$");
    assert_eq!(status.signal(), Some(15), "{status}");

    // The stand-in prints its pid, then waits; the launcher alone gets SIGTERM.
    let mut child = launcher("echo $$; exec sleep 60")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let pid = line.trim().to_owned();
    assert!(pid.parse::<u32>().is_ok(), "{line:?}");
    let alive = |pid: &str| {
        Command::new("kill")
            .args(["-0", pid])
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .success()
    };
    assert!(alive(&pid));
    assert!(Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed() < QUICK, "the launcher outlived SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    let orphan = alive(&pid);
    if orphan {
        // Ours to clean up: the stand-in the launcher left behind.
        let _ = Command::new("kill").args(["-KILL", &pid]).status();
    }
    assert!(!orphan, "the binary outlived the launcher's SIGTERM");
    assert_eq!(status.signal(), Some(15), "{status}");
}

/// On a platform without a package, or with INSTABAKE_BINARY naming nothing, the launcher says
/// what it looked for and exits 1.
#[test]
fn the_launcher_names_what_it_could_not_find() {
    if !node_and_npm_available() {
        support::skip("node is not on PATH (Node.js 18 or newer), so the npm launcher was not run");
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    // The launcher as it runs on a CPU that no package is for.
    let mut command = tool("node", scratch.path(), scratch.path());
    command.arg("-e").arg(format!(
        "Object.defineProperty(process, 'arch', {{ value: 'mips' }}); require({:?})",
        launcher_script()
    ));
    let (status, _, stderr) = ends(&mut command, "the launcher on mips");
    assert_eq!(status.code(), Some(1), "{status}\n{stderr}");
    let platform = succeed(
        tool("node", scratch.path(), scratch.path()).args(["-p", "process.platform"]),
        "node -p process.platform",
        QUICK,
    );
    for needed in [
        format!("@instabake/{}-mips", platform.trim()),
        "no npm package".to_owned(),
        "linux-x64, linux-arm64, darwin-x64, darwin-arm64, win32-x64".to_owned(),
        "pip install instabake".to_owned(),
        "cargo binstall instabake".to_owned(),
    ] {
        assert!(stderr.contains(&needed), "no {needed:?} in:\n{stderr}");
    }

    let missing = scratch.path().join("no-such-binary");
    let mut command = tool("node", scratch.path(), scratch.path());
    command
        .arg(launcher_script())
        .arg("--version")
        .env("INSTABAKE_BINARY", &missing);
    let (status, _, stderr) = ends(&mut command, "INSTABAKE_BINARY=missing");
    assert_eq!(status.code(), Some(1), "{status}\n{stderr}");
    assert!(stderr.contains("INSTABAKE_BINARY"), "{stderr}");
    assert!(stderr.contains(missing.to_str().unwrap()), "{stderr}");
}

/// The tables agree: npm/platforms.json has a package for exactly the binaries the release
/// workflow builds, each named as the launcher looks for it and for the right os and cpu; the
/// launcher depends on each at Cargo's version, its own; and the workflow publishes them only on
/// a version tag.
#[test]
fn npm_packages_match_the_release_binaries_and_cargo() {
    let platforms = platforms();
    let workflow = fs::read_to_string(root().join(".github/workflows/release.yml")).unwrap();
    let mut built: Vec<String> = crate::release::workflow_builds(&workflow)
        .into_iter()
        .map(|build| build.target)
        .collect();
    built.sort();
    let mut targets: Vec<String> = platforms.keys().cloned().collect();
    targets.sort();
    assert_eq!(
        targets, built,
        "npm/platforms.json against the binaries job"
    );

    for (target, entry) in &platforms {
        let (os, cpu) = (
            entry["os"].as_str().unwrap(),
            entry["cpu"].as_str().unwrap(),
        );
        // Node's names (process.platform, process.arch) for the target's.
        let want_os = if target.contains("-linux-") {
            "linux"
        } else if target.contains("-apple-darwin") {
            "darwin"
        } else if target.contains("-windows-") {
            "win32"
        } else {
            panic!("{target}: an os npm has no name for here")
        };
        let want_cpu = match target.split('-').next().unwrap() {
            "x86_64" => "x64",
            "aarch64" => "arm64",
            other => panic!("{target}: a cpu npm has no name for here: {other}"),
        };
        assert_eq!((os, cpu), (want_os, want_cpu), "{target}");
        // The launcher looks for `@instabake/${process.platform}-${process.arch}`.
        assert_eq!(
            entry["package"],
            format!("@instabake/{os}-{cpu}"),
            "{target}"
        );
    }

    let manifest: toml::Value =
        toml::from_str(&fs::read_to_string(root().join("Cargo.toml")).unwrap()).unwrap();
    let package = &manifest["package"];
    let version = package["version"].as_str().unwrap();
    let launcher = read_json(&root().join("npm/instabake/package.json"));
    assert_eq!(launcher["name"], "instabake");
    assert_eq!(launcher["version"], version, "the launcher's version");
    assert_eq!(launcher["license"], package["license"].as_str().unwrap());
    // npm checks provenance against this repository: the one Cargo.toml names.
    assert_eq!(
        launcher["repository"]["url"],
        format!("git+{}.git", package["repository"].as_str().unwrap())
    );
    assert_eq!(launcher["bin"], json!({ "instabake": "bin/instabake.js" }));
    let pinned: Map<String, Value> = platforms
        .values()
        .map(|entry| {
            let name = entry["package"].as_str().unwrap().to_owned();
            (name, Value::from(version))
        })
        .collect();
    assert_eq!(
        launcher["optionalDependencies"],
        Value::Object(pinned),
        "the launcher's optional dependencies: every platform package at exactly this version"
    );

    // The npm jobs: every run packs, only a pushed version tag publishes, with provenance.
    let job = |name: &str| {
        workflow
            .split(&format!("\n  {name}:\n"))
            .nth(1)
            .unwrap_or_else(|| panic!("no `{name}` job"))
            .split("\n\n  ")
            .next()
            .unwrap()
            .to_owned()
    };
    let condition = |job: &str| {
        job.lines()
            .map(str::trim)
            .find(|line| line.starts_with("if: "))
            .map(str::to_owned)
    };
    let npm = job("npm");
    assert!(npm.contains("needs: [binaries]"), "{npm}");
    assert!(
        npm.contains(r#"node npm/platform-package.mjs "${target}" "${binary}""#),
        "{npm}"
    );
    assert!(
        npm.contains(r#"Object.keys(require("./npm/platforms.json"))"#),
        "{npm}"
    );
    let publish = job("npm-publish");
    assert_eq!(condition(&publish), condition(&job("publish")), "{publish}");
    assert!(
        condition(&publish).is_some_and(|c| c.contains("refs/tags/v")),
        "{publish}"
    );
    assert!(publish.contains("id-token: write"), "{publish}");
    assert!(
        publish.contains("NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}"),
        "{publish}"
    );
    assert!(
        publish.contains("for tarball in npm-dist/platforms/*.tgz npm-dist/launcher/*.tgz"),
        "platform packages first, then the launcher: {publish}"
    );
    assert!(
        publish.contains(r#"npm publish --access public --provenance "${tarball}""#),
        "{publish}"
    );
}
