//! The example GitLab CI pipeline (`examples/gitlab/.gitlab-ci.yml`) works as written: every
//! `instabake` command in it uses flags the binary has, its jobs keep the cache folder and install
//! prebuilt packages (nothing compiles), the token refresh hands the new token over through a file
//! only, its scripts pass shellcheck, and the file matches GitLab's published CI schema.
//! shellcheck and check-jsonschema are optional locally, required under
//! `INSTABAKE_REQUIRE_TOOLS=1` (`.ci/run` installs them).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use yaml_serde::Value as Yaml;

use crate::support;
use crate::workflows::assert_flags_exist;

fn pipeline_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/gitlab/.gitlab-ci.yml")
}

/// The pipeline; the parser resolves its YAML aliases (the jobs share one cache definition).
fn pipeline() -> Yaml {
    let text = fs::read_to_string(pipeline_file()).unwrap();
    yaml_serde::from_str(&text).expect("the GitLab example is not YAML")
}

/// The jobs: every top-level key that is not a keyword or a hidden (`.name`) template.
fn jobs(pipeline: &Yaml) -> Vec<(String, Yaml)> {
    const KEYWORDS: [&str; 6] = [
        "default",
        "include",
        "stages",
        "variables",
        "workflow",
        "image",
    ];
    pipeline
        .as_mapping()
        .unwrap()
        .iter()
        .map(|(name, job)| (name.as_str().unwrap().to_owned(), job.clone()))
        .filter(|(name, _)| !KEYWORDS.contains(&name.as_str()) && !name.starts_with('.'))
        .collect()
}

/// A job's `script` lines, each as written (a `|` block is one entry of several lines).
fn script(job: &Yaml, key: &str) -> Vec<String> {
    job[key]
        .as_sequence()
        .map(|lines| {
            lines
                .iter()
                .map(|line| line.as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn job<'a>(jobs: &'a [(String, Yaml)], name: &str) -> &'a Yaml {
    &jobs
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no job {name} in the GitLab example"))
        .1
}

#[test]
fn gitlab_commands_use_flags_the_binary_has() {
    let pipeline = pipeline();
    let mut commands = Vec::new();
    for (name, job) in jobs(&pipeline) {
        for line in script(&job, "script") {
            for line in line.lines().map(str::trim) {
                let Some(command) = line.strip_prefix("instabake ") else {
                    continue;
                };
                let words: Vec<String> = command.split_whitespace().map(str::to_owned).collect();
                commands.push(assert_flags_exist(&format!("job {name}"), &words));
            }
        }
    }
    for expected in ["build", "token refresh"] {
        assert!(
            commands.iter().any(|c| c == expected),
            "no job runs `instabake {expected}`: {commands:?}"
        );
    }
}

/// Both jobs keep `.instabake/` in GitLab's cache, saved also when a later command fails, and
/// install instabake from PyPI at the pinned version: nothing is compiled.
#[test]
fn gitlab_jobs_keep_the_cache_folder_and_install_prebuilt() {
    let pipeline = pipeline();
    let jobs = jobs(&pipeline);
    let version = pipeline["variables"]["INSTABAKE_VERSION"].as_str().unwrap();
    assert_eq!(version, env!("CARGO_PKG_VERSION"), "the pinned release");
    for name in ["pages", "refresh-token"] {
        let job = job(&jobs, name);
        let cache = &job["cache"];
        let paths: Vec<&str> = cache["paths"]
            .as_sequence()
            .unwrap_or_else(|| panic!("job {name} keeps no cache"))
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        assert!(
            paths.contains(&".instabake/"),
            "job {name}: cache {paths:?}"
        );
        assert_eq!(cache["when"].as_str(), Some("always"), "job {name}");
        let script = script_of(job, "script");
        assert!(
            script.contains("pip install --quiet \"instabake==${INSTABAKE_VERSION}\""),
            "job {name} installs the wheel:\n{script}"
        );
        for compiler in ["cargo", "rustup", "maturin"] {
            assert!(!script.contains(compiler), "job {name} compiles:\n{script}");
        }
    }
    // The same cache key, or the refresh's new expiry never reaches the build.
    assert_eq!(
        job(&jobs, "pages")["cache"]["key"],
        job(&jobs, "refresh-token")["cache"]["key"]
    );
    // GitLab Pages publishes the job named `pages`: its `public` folder, from the default branch.
    let pages = job(&jobs, "pages");
    assert_eq!(pages["artifacts"]["paths"][0].as_str(), Some("public"));
}

/// The refresh runs in scheduled pipelines only, asks for the new token in a file, sends that
/// file's contents as the request body, and deletes it whatever happened. No line prints the
/// token or puts it on a command line.
#[test]
fn gitlab_refresh_hands_the_token_over_through_a_file_only() {
    let pipeline = pipeline();
    let jobs = jobs(&pipeline);
    let refresh = job(&jobs, "refresh-token");
    assert_eq!(
        refresh["rules"][0]["if"].as_str(),
        Some("$CI_PIPELINE_SOURCE == \"schedule\"")
    );
    let script = script_of(refresh, "script");
    assert!(
        script.contains("instabake token refresh --write-token \"$CI_PROJECT_DIR/.new-token\""),
        "{script}"
    );
    assert!(
        script.contains("--form \"value=<$CI_PROJECT_DIR/.new-token\""),
        "the request body is read from the file: {script}"
    );
    assert!(
        script.contains("--header \"@$CI_PROJECT_DIR/.api-header\""),
        "the API token is read from a header file: {script}"
    );
    for secret in [
        "$INSTAGRAM_ACCESS_TOKEN",
        "${INSTAGRAM_ACCESS_TOKEN}",
        "--print-token",
    ] {
        for (name, job) in &jobs {
            let all = [script_of(job, "script"), script_of(job, "after_script")].concat();
            assert!(!all.contains(secret), "job {name} names {secret}:\n{all}");
        }
    }
    let cleanup = script_of(refresh, "after_script");
    for file in [".new-token", ".api-header"] {
        assert!(
            cleanup.contains(file),
            "after_script leaves {file}: {cleanup}"
        );
    }
}

fn script_of(job: &Yaml, key: &str) -> String {
    script(job, key).join("\n")
}

/// Each job's scripts as the runner runs them: one bash script, line after line, stopping at the
/// first failure.
#[test]
fn gitlab_scripts_pass_shellcheck() {
    if !support::runs("shellcheck", "--version") {
        support::skip(
            "shellcheck is not on PATH (apt-get install shellcheck), so the GitLab example's \
             scripts were not checked",
        );
        return;
    }
    let pipeline = pipeline();
    let dir = tempfile::tempdir().unwrap();
    for (name, job) in jobs(&pipeline) {
        for key in ["script", "after_script"] {
            let lines = script(&job, key);
            if lines.is_empty() {
                continue;
            }
            let file = dir.path().join(format!("{name}-{key}.sh"));
            fs::write(
                &file,
                format!(
                    "#!/usr/bin/env bash\nset -eo pipefail\n{}\n",
                    lines.join("\n")
                ),
            )
            .unwrap();
            let out = Command::new("shellcheck").arg(&file).output().unwrap();
            assert!(
                out.status.success(),
                "job {name} {key}: shellcheck:\n{}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
    }
}

/// GitLab's published CI schema (check-jsonschema's vendored copy: no network).
#[test]
fn gitlab_pipeline_matches_its_schema() {
    support::assert_matches_schema(
        "vendor.gitlab-ci",
        &[pipeline_file()],
        "the GitLab example's jobs",
    );
}
