//! Everything instabake prints goes through here: progress lines, warnings and errors on stderr,
//! GitHub Actions annotations when running there.
//!
//! The one rule this module enforces is that a secret never reaches the terminal: every line is
//! passed through [`redact`] first, whatever its origin (our messages, an API error text, a panic).
//! Under GitHub Actions the token is also registered with `::add-mask::` before anything else is
//! printed, so the runner hides it from its own logs too.
//!
//! On a terminal a bake also draws a progress bar ([`progress`]), and "warning:" and "error:" are
//! coloured ([`terminal`]); a log gets plain lines.
//!
//! Warnings are also kept, with the post they are about when there is one, for the JSON document
//! of `--json` ([`crate::json_output`]); with `--json` (and `--print-token`), a command's result
//! lines go to stderr and stdout holds its data alone.

pub(crate) mod progress;
mod terminal;

use std::io::Write;
use std::sync::RwLock;

pub(crate) use terminal::ColorChoice;

/// How much to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub(crate) enum Verbosity {
    /// Only warnings and errors (`-q`).
    Quiet,
    /// One line per stage and a summary.
    #[default]
    Normal,
    /// Also per-post and per-request detail (`-v`).
    Verbose,
}

struct State {
    verbosity: Verbosity,
    github: bool,
    secrets: Vec<String>,
    /// `--json`, `--print-token`: stdout is the command's data alone.
    data_stdout: bool,
    /// Every warning given so far, for the JSON document.
    warnings: Vec<Warning>,
    /// The `[[accounts]]` name of the account being baked, given to the warnings.
    account: Option<String>,
}

static STATE: RwLock<State> = RwLock::new(State {
    verbosity: Verbosity::Normal,
    github: false,
    secrets: Vec::new(),
    data_stdout: false,
    warnings: Vec::new(),
    account: None,
});

/// A warning as it was given, kept for the JSON document (the text unredacted: it is redacted
/// when the document is printed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Warning {
    pub message: String,
    /// The post it is about, by its Instagram id, when it is about one.
    pub post_id: Option<String>,
    /// The `[[accounts]]` name of the account being baked when it was given.
    pub account: Option<String>,
}

/// Sets the verbosity and detects GitHub Actions (`GITHUB_ACTIONS=true`).
pub(crate) fn init(verbosity: Verbosity) {
    let mut state = STATE
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    state.verbosity = verbosity;
    state.github = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
}

/// Decides, once `init` has set the verbosity, whether "warning:" and "error:" are coloured
/// (`--color`, `NO_COLOR`) and whether a bake draws a progress bar (a terminal, not CI, not `-q`).
pub(crate) fn init_terminal(color: ColorChoice) {
    let env = terminal::Environment::read();
    terminal::set(
        env.colour(color),
        env.progress_bar(verbosity() == Verbosity::Quiet),
    );
}

/// True when running as a GitHub Actions step.
pub(crate) fn is_github_actions() -> bool {
    STATE.read().is_ok_and(|s| s.github)
}

/// Registers a secret: it is replaced by `***` in every line printed from now on, and masked in the
/// GitHub Actions log. Secrets shorter than 8 characters are not registered (masking every `a` would
/// make the output unreadable, and no real token is that short).
pub(crate) fn add_secret(secret: &str) {
    if secret.len() < 8 {
        return;
    }
    let mut state = STATE
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if state.secrets.iter().any(|s| s == secret) {
        return;
    }
    if state.github {
        // The runner reads this line and masks the value in everything printed after it; the line
        // itself is not shown in the log. It goes to stderr, so that stdout stays a command's data
        // (the `--json` document, a token captured by `$(...)`, which would swallow the mask): the
        // runner treats both streams alike, each line of either handed to the same workflow
        // command parser (actions/runner, src/Runner.Worker/Handlers/ScriptHandler.cs: one
        // OutputManager for StepHost.OutputDataReceived and one for ErrorDataReceived, whose
        // OnDataReceived calls ActionCommandManager.TryProcessCommand on every line).
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "::add-mask::{secret}");
        let _ = err.flush();
    }
    state.secrets.push(secret.to_owned());
}

/// Replaces every registered secret in `text` by `***`.
pub(crate) fn redact(text: &str) -> String {
    let state = STATE
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut out = text.to_owned();
    for secret in &state.secrets {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), "***");
        }
    }
    out
}

/// `--json`, `--print-token`: from now on a command's result lines ([`out`]) go to stderr, and
/// stdout holds only its data (the document [`json`] prints, the new token), for a script to
/// read or capture whole.
pub(crate) fn keep_stdout_for_data() {
    let mut state = STATE
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    state.data_stdout = true;
}

/// Names the account being baked (`None`: the site's single account, or none) for the warnings
/// given from now on.
pub(crate) fn set_account(name: Option<&str>) {
    let mut state = STATE
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    state.account = name.map(str::to_owned);
}

/// The warnings given so far, in order.
pub(crate) fn warnings() -> Vec<Warning> {
    STATE.read().map(|s| s.warnings.clone()).unwrap_or_default()
}

/// Prints the `--json` document on stdout, redacted.
pub(crate) fn json(document: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", redact(document));
    let _ = out.flush();
}

fn verbosity() -> Verbosity {
    STATE.read().map(|s| s.verbosity).unwrap_or_default()
}

fn emit(line: &str) {
    let line = redact(line);
    progress::suspend(|| {
        let mut err = std::io::stderr().lock();
        // A closed stderr is not worth failing a bake over.
        let _ = writeln!(err, "{line}");
    });
}

/// "5 hours ago" under two days, else "12 days ago".
pub(crate) fn ago(age: std::time::Duration) -> String {
    let hours = age.as_secs() / 3600;
    if hours < 48 {
        format!("{hours} hours ago")
    } else {
        format!("{} days ago", hours / 24)
    }
}

/// A command's result (`token status`, `doctor`): on stdout, always printed, redacted. With
/// `--json` or `--print-token` it goes to stderr, where the human lines are: stdout is the data's.
pub(crate) fn out(message: impl AsRef<str>) {
    if STATE.read().is_ok_and(|s| s.data_stdout) {
        emit(message.as_ref());
        return;
    }
    let message = redact(message.as_ref());
    progress::suspend(|| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{message}");
    });
}

/// Appends Markdown to the GitHub Actions step summary (`$GITHUB_STEP_SUMMARY`), if there is one.
/// A summary that cannot be written is not worth failing a bake over.
pub(crate) fn step_summary(markdown: &str) {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return;
    };
    let file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path);
    if let Ok(mut file) = file {
        let _ = writeln!(file, "{}", redact(markdown));
    }
}

/// A normal progress line (hidden by `-q`).
pub(crate) fn info(message: impl AsRef<str>) {
    if verbosity() >= Verbosity::Normal {
        emit(message.as_ref());
    }
}

/// A detail line (shown with `-v`).
pub(crate) fn detail(message: impl AsRef<str>) {
    if verbosity() >= Verbosity::Verbose {
        emit(message.as_ref());
    }
}

/// A warning: always printed; an annotation under GitHub Actions.
pub(crate) fn warn(message: impl AsRef<str>) {
    give_warning(message.as_ref(), None);
}

/// A warning about one post: as [`warn`], and the JSON document names the post.
pub(crate) fn warn_post(post_id: &str, message: impl AsRef<str>) {
    give_warning(message.as_ref(), Some(post_id));
}

fn give_warning(message: &str, post_id: Option<&str>) {
    if let Ok(mut state) = STATE.write() {
        let account = state.account.clone();
        state.warnings.push(Warning {
            message: message.to_owned(),
            post_id: post_id.map(str::to_owned),
            account,
        });
    }
    if is_github_actions() {
        emit(&format!(
            "::warning title=instabake::{}",
            annotation_escape(message)
        ));
    } else {
        emit(&format!("{} {message}", terminal::warning_prefix()));
    }
}

/// An error that ends the command: always printed with its cause chain; an annotation under GitHub
/// Actions.
pub(crate) fn error(err: &(dyn std::error::Error + 'static)) {
    let message = with_causes(err.to_string(), err.source());
    if is_github_actions() {
        emit(&format!(
            "::error title=instabake::{}",
            annotation_escape(&message)
        ));
    } else {
        emit(&format!("{} {message}", terminal::error_prefix()));
    }
}

/// `head` followed by the text of each cause in the chain from `source`, skipping causes whose
/// text is already there (our errors' messages include their source's). Texts are compared as
/// they will be printed: redacted, without the trailing newline some libraries end with (TOML).
pub(crate) fn with_causes(
    head: String,
    mut source: Option<&(dyn std::error::Error + 'static)>,
) -> String {
    let mut message = head;
    while let Some(cause) = source {
        let text = redact(cause.to_string().trim_end());
        if !redact(&message).contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

/// Workflow commands end at a newline and treat `%` specially; this is the runner's own escaping.
fn annotation_escape(message: &str) -> String {
    message
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Installs a panic hook that prints the panic message redacted, so a bug can never print the token.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let payload = info
            .payload()
            .downcast_ref::<&str>()
            .map(std::string::ToString::to_string)
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        emit(&format!(
            "{} instabake crashed{location}: {payload}\nThis is a bug; please report it with the output of `instabake build -v`.",
            terminal::error_prefix()
        ));
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_registered_secrets_only() {
        add_secret("IGQsecretTOKENvalue");
        assert_eq!(
            redact("url?access_token=IGQsecretTOKENvalue&x=1"),
            "url?access_token=***&x=1"
        );
        assert_eq!(redact("nothing here"), "nothing here");
        add_secret("short");
        assert_eq!(redact("short"), "short");
    }

    #[test]
    fn escapes_annotation_text() {
        assert_eq!(annotation_escape("50% off\nnext"), "50%25 off%0Anext");
    }
}
