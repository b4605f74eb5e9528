//! The PyPI wheel of this checkout, as `pip wheel .` builds it (maturin, `bindings = "bin"`), for
//! the tests that install it: `packaging` (into a fresh virtual environment) and `action` (through
//! the GitHub Action's own install step). A release build of the whole crate takes minutes on two
//! cores, so each test process builds it once and every test in it shares the file.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use super::succeed;

/// A release build of the whole crate on two cores takes minutes.
pub(crate) const BUILD_TIMEOUT: Duration = Duration::from_secs(40 * 60);

/// Whether python3 can import maturin, the wheel's build backend. A test that needs the wheel
/// calls [`super::skip`] without it.
pub(crate) fn maturin_available() -> bool {
    Command::new("python3")
        .args(["-c", "import maturin"])
        .output()
        .is_ok_and(|out| out.status.success())
}

/// The wheel file, built on the first call in this process (later calls, from any thread, wait for
/// it and get the same file). Needs maturin ([`maturin_available`]); panics when the build fails.
///
/// The build runs in a target folder of its own, `target/wheel` (the tests' own build folder stays
/// locked by `cargo test` while they run), whose cargo lock also serialises builds started by
/// other test processes. Each process has pip write the wheel into a folder of its own and then
/// renames it to `target/wheel/dist/NAME`: the rename replaces the file whole, so a process that is
/// installing the copy another one renamed there earlier still reads a complete wheel.
pub(crate) fn wheel() -> PathBuf {
    static WHEEL: OnceLock<PathBuf> = OnceLock::new();
    WHEEL.get_or_init(build).clone()
}

fn build() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = manifest_dir.join("target/wheel");
    std::fs::create_dir_all(&target).unwrap();
    let work = tempfile::Builder::new()
        .prefix("pip-wheel-")
        .tempdir_in(&target)
        .unwrap();
    // Without build isolation, so that maturin comes from python3 and nothing is downloaded.
    succeed(
        Command::new("python3")
            .args([
                "-m",
                "pip",
                "wheel",
                ".",
                "--no-build-isolation",
                "--no-deps",
            ])
            .arg("--wheel-dir")
            .arg(work.path())
            .current_dir(manifest_dir)
            .env("CARGO_TARGET_DIR", &target),
        "pip wheel .",
        BUILD_TIMEOUT,
    );
    let wheels: Vec<PathBuf> = std::fs::read_dir(work.path())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "whl"))
        .collect();
    assert_eq!(wheels.len(), 1, "one wheel: {wheels:?}");
    let dist = target.join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    let shared = dist.join(wheels[0].file_name().unwrap());
    std::fs::rename(&wheels[0], &shared).unwrap();
    shared
}
