//! `pip install instabake`: the wheel that `pip wheel .` builds from this checkout (maturin,
//! `bindings = "bin"`) installs the `instabake` command into a fresh virtual environment, and that
//! command bakes the example site, in AVIF too: the wheel is built with every format, so a user of
//! the prebuilt binary never has to compile to get one. Needs maturin in the Python that runs pip (`.ci/run` installs
//! it); the wheel is built without build isolation, so nothing is downloaded.

use std::process::Command;
use std::time::Duration;

use crate::example_site::{example_site, GENERATED};
use crate::support::{self, succeed, wheel};

#[test]
fn the_wheel_installs_an_instabake_command_that_bakes_the_example_site() {
    if !wheel::maturin_available() {
        support::skip(
            "maturin is not installed for python3 (pip install maturin, see .ci/run), so the \
             PyPI wheel was not built",
        );
        return;
    }
    let wheel = wheel::wheel();
    let name = wheel.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with(&format!("instabake-{}-", env!("CARGO_PKG_VERSION"))),
        "{name}"
    );
    // A binary wheel works with any Python 3: no Python ABI in its tag.
    assert!(name.contains("-py3-none-"), "{name}");
    let work = tempfile::Builder::new()
        .prefix("instabake-wheel-")
        .tempdir()
        .unwrap();

    // A fresh virtual environment, the wheel installed from the file alone.
    let venv = work.path().join("venv");
    succeed(
        Command::new("python3").arg("-m").arg("venv").arg(&venv),
        "python3 -m venv",
        Duration::from_secs(300),
    );
    let bin = venv.join("bin");
    succeed(
        Command::new(bin.join("python"))
            .args(["-m", "pip", "install", "--no-index", "--no-deps", "--quiet"])
            .arg(&wheel),
        "pip install the wheel",
        Duration::from_secs(300),
    );
    let installed = bin.join("instabake");
    assert!(installed.is_file(), "no {}", installed.display());

    // The installed command, not the one cargo built for the tests.
    let version = succeed(
        Command::new(&installed).arg("--version"),
        "instabake --version",
        Duration::from_secs(60),
    );
    assert_eq!(
        version.trim(),
        format!("instabake {}", env!("CARGO_PKG_VERSION"))
    );
    let site = work.path().join("site");
    std::fs::create_dir(&site).unwrap();
    support::copy_sources(&example_site(), &site, GENERATED);
    let feed = site.join("demo-feed");
    // The installed command bakes the demo feed, with no token and nothing reachable.
    let bake = |extra: &[&str], what: &str, timeout: Duration| {
        succeed(
            Command::new(&installed)
                .arg("build")
                .arg("--site")
                .arg(&site)
                .arg("--replay")
                .arg(&feed)
                .args(extra)
                .env_clear()
                .env("PATH", std::env::var_os("PATH").unwrap_or_default())
                .env("HOME", work.path())
                .env("INSTABAKE_API_BASE", support::NOWHERE),
            what,
            timeout,
        )
    };
    bake(
        &[],
        "the installed instabake build",
        Duration::from_secs(300),
    );
    support::assert_baked_demo_feed(&site, &feed);

    // AVIF, which a build from source leaves out unless asked (`--features avif`), is in the wheel.
    // Two posts at rav1e's fastest speed keep this short.
    let config = site.join("instabake.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace(
            "[render]",
            "[images]\nformats = [\"avif\", \"webp\", \"jpeg\"]\navif_speed = 10\n\n[render]",
        ),
    )
    .unwrap();
    bake(
        &["--limit", "2"],
        "the installed instabake build with AVIF",
        Duration::from_secs(600),
    );
    let data = support::read_data(&site);
    let avif: Vec<&serde_json::Value> = data["posts"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|post| post["media"].as_array().unwrap())
        .flat_map(|media| media["variants"].as_array().unwrap())
        .filter(|variant| variant["format"] == "avif")
        .collect();
    assert!(!avif.is_empty(), "no AVIF variant baked");
    for variant in avif {
        let name = variant["url"].as_str().unwrap().rsplit('/').next().unwrap();
        let bytes = std::fs::read(site.join(support::HUGO_IMAGES).join(name)).unwrap();
        assert_eq!(
            support::avif_size(&bytes),
            Some((
                variant["width"].as_u64().unwrap() as u32,
                variant["height"].as_u64().unwrap() as u32
            )),
            "{name} is not an AVIF image of its listed size"
        );
    }
    support::assert_html_refs_exist(&site);
}
