//! The release workflow (`.github/workflows/release.yml`) and `cargo binstall`'s metadata in
//! `Cargo.toml` describe the same files: for every target the workflow builds, the URL binstall
//! asks for ends in the archive the workflow attaches, in the format binstall unpacks, with the
//! binary where binstall looks. Only this machine's target can be built here; this is what checks
//! the others.

use std::fs;

use crate::support::root;

/// One binary the workflow builds: its target triple and archive extension.
#[derive(Debug)]
pub(crate) struct Build {
    pub target: String,
    pub archive: String,
}

/// The `binaries` job's matrix: each `- target:` entry and its `archive:`.
pub(crate) fn workflow_builds(workflow: &str) -> Vec<Build> {
    let job = workflow
        .split("\n  binaries:\n")
        .nth(1)
        .expect("a `binaries` job")
        .split("\n  wheels:\n")
        .next()
        .unwrap();
    let mut builds: Vec<Build> = Vec::new();
    for line in job.lines().map(str::trim) {
        if let Some(target) = line.strip_prefix("- target: ") {
            builds.push(Build {
                target: target.to_owned(),
                archive: String::new(),
            });
        } else if let Some(archive) = line.strip_prefix("archive: ") {
            builds.last_mut().expect("archive after a target").archive = archive.to_owned();
        }
    }
    builds
}

/// Fills in a binstall template (`{ name }`, `{ version }`, ...).
fn render(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (key, value) in values {
        out = out.replace(&format!("{{ {key} }}"), value);
    }
    assert!(!out.contains('{'), "unknown key left in {out:?}");
    out
}

#[test]
fn binstall_finds_every_archive_the_release_workflow_builds() {
    let workflow = fs::read_to_string(root().join(".github/workflows/release.yml")).unwrap();
    let manifest: toml::Value =
        toml::from_str(&fs::read_to_string(root().join("Cargo.toml")).unwrap()).unwrap();
    let version = manifest["package"]["version"].as_str().unwrap();
    let binstall = &manifest["package"]["metadata"]["binstall"];

    let builds = workflow_builds(&workflow);
    let targets: Vec<&str> = builds.iter().map(|b| b.target.as_str()).collect();
    // Linux (x86-64, arm64; static), macOS (Intel, Apple silicon), Windows.
    for wanted in [
        "x86_64-unknown-linux-musl",
        "aarch64-unknown-linux-musl",
        "x86_64-apple-darwin",
        "aarch64-apple-darwin",
        "x86_64-pc-windows-msvc",
    ] {
        assert!(
            targets.contains(&wanted),
            "{wanted} is not built: {targets:?}"
        );
    }
    // How the workflow names and fills each archive.
    assert!(
        workflow
            .contains(r#"name="instabake-${version}-${{ matrix.target }}.${{ matrix.archive }}""#),
        "the workflow's archive name changed: update this test and the binstall metadata"
    );
    assert!(workflow.contains(r#"7z a "../../../dist/${name}" instabake.exe"#));
    assert!(workflow.contains(r#"tar -czf "dist/${name}" -C "$dir" instabake "#));

    for build in &builds {
        let windows = build.target.contains("windows");
        let over = binstall
            .get("overrides")
            .and_then(|overrides| overrides.get(&build.target));
        let field = |key: &str| {
            over.and_then(|o| o.get(key))
                .or_else(|| binstall.get(key))
                .and_then(toml::Value::as_str)
                .unwrap_or_else(|| panic!("no binstall {key} for {}", build.target))
                .to_owned()
        };
        let values = [
            ("repo", "REPO"),
            ("name", "instabake"),
            ("version", version),
            ("target", build.target.as_str()),
            ("bin", "instabake"),
            ("binary-ext", if windows { ".exe" } else { "" }),
        ];
        let url = render(&field("pkg-url"), &values);
        let asset = format!("instabake-{version}-{}.{}", build.target, build.archive);
        assert_eq!(
            url,
            format!("REPO/releases/download/v{version}/{asset}"),
            "{build:?}"
        );
        let format = match build.archive.as_str() {
            "tar.gz" => "tgz",
            "zip" => "zip",
            other => panic!("an archive binstall cannot unpack: {other}"),
        };
        assert_eq!(field("pkg-fmt"), format, "{build:?}");
        let binary = if windows {
            "instabake.exe"
        } else {
            "instabake"
        };
        assert_eq!(render(&field("bin-dir"), &values), binary, "{build:?}");
    }
}

/// PyPI's upload takes every file in its folder for a distribution: the publish job hands it a
/// folder that holds the wheels alone, not the binary archives (a `.tar.gz` would pass for a
/// broken source distribution) or the npm tarballs.
#[test]
fn pypi_is_given_the_wheels_alone() {
    let text = fs::read_to_string(root().join(".github/workflows/release.yml")).unwrap();
    let workflow: yaml_serde::Value = yaml_serde::from_str(&text).unwrap();
    // The steps of a job that use an action (by the start of its `uses:`).
    let using = |job: &str, action: &str| -> Vec<&yaml_serde::Value> {
        workflow["jobs"][job]["steps"]
            .as_sequence()
            .unwrap_or_else(|| panic!("no job {job}"))
            .iter()
            .filter(|step| step["uses"].as_str().is_some_and(|u| u.starts_with(action)))
            .collect()
    };
    let uploaded = *using("wheels", "actions/upload-artifact")
        .first()
        .expect("the wheels job uploads no artifact");
    let wheel_artifact = uploaded["with"]["name"].as_str().unwrap();
    assert!(wheel_artifact.starts_with("wheel-"), "{wheel_artifact}");

    let pypi = *using("publish", "pypa/gh-action-pypi-publish")
        .first()
        .expect("the publish job does not publish to PyPI");
    let folder = pypi["with"]["packages-dir"].as_str().unwrap();
    let downloads = using("publish", "actions/download-artifact");
    let into_folder: Vec<_> = downloads
        .iter()
        .filter(|step| step["with"]["path"].as_str() == Some(folder))
        .collect();
    assert_eq!(
        into_folder.len(),
        1,
        "downloads into {folder}: {into_folder:?}"
    );
    assert_eq!(
        into_folder[0]["with"]["pattern"].as_str(),
        Some("wheel-*"),
        "the folder PyPI publishes must hold the wheels alone"
    );
    for step in &downloads {
        assert!(
            step["with"]["pattern"].as_str().is_some(),
            "a download of every artifact mixes binaries, wheels and npm tarballs: {step:?}"
        );
    }
}
