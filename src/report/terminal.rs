//! What stderr can show: colour on the "warning:" and "error:" prefixes (`--color`, `NO_COLOR`),
//! and whether a bake draws a progress bar.
//!
//! Both are decided once, at start, from the flags and the environment. A log (a pipe, a file, a
//! CI job) gets the plain lines it always had: no bar, and no escape code unless `--color always`
//! asks for one.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

use anstyle::{AnsiColor, Style};

/// `--color`: when to colour the "warning:" and "error:" prefixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub(crate) enum ColorChoice {
    /// When stderr is a terminal, `NO_COLOR` is unset or empty, and not in CI.
    #[default]
    Auto,
    /// Always, even into a pipe or a file (`NO_COLOR` is not consulted).
    Always,
    /// Never.
    Never,
}

/// What the environment says, read once: kept apart from the decisions so that those can be
/// tested without touching the process's environment.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Environment {
    /// stderr is a terminal.
    pub stderr_terminal: bool,
    /// `NO_COLOR` is set to something non-empty (<https://no-color.org>).
    pub no_color: bool,
    /// A CI job: `CI` set and neither empty nor `false`, or `GITHUB_ACTIONS` set.
    pub ci: bool,
    /// `TERM` says the terminal cannot move its cursor or colour (`dumb`, or unset on Unix).
    pub dumb: bool,
}

impl Environment {
    /// Reads the process's environment and stderr.
    pub(crate) fn read() -> Environment {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        let term = std::env::var_os("TERM");
        Environment {
            stderr_terminal: std::io::stderr().is_terminal(),
            no_color: var("NO_COLOR").is_some(),
            ci: var("CI").is_some_and(|v| v != "false") || var("GITHUB_ACTIONS").is_some(),
            dumb: match term {
                Some(term) => term == "dumb",
                None => !cfg!(windows),
            },
        }
    }

    /// Whether "warning:" and "error:" are coloured. `NO_COLOR` and CI decide only for `auto`:
    /// `always` is the user asking for colour in this very run.
    pub(crate) fn colour(self, choice: ColorChoice) -> bool {
        match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => self.stderr_terminal && !self.dumb && !self.no_color && !self.ci,
        }
    }

    /// Whether a bake draws a progress bar: only for someone watching a terminal, and never for
    /// `-q` (which asks for warnings and errors alone). `--color` and `NO_COLOR` do not matter: the
    /// bar has no colour.
    pub(crate) fn progress_bar(self, quiet: bool) -> bool {
        self.stderr_terminal && !self.dumb && !self.ci && !quiet
    }
}

static COLOUR: AtomicBool = AtomicBool::new(false);
static PROGRESS_BAR: AtomicBool = AtomicBool::new(false);

/// Records the decisions for this run.
pub(super) fn set(colour: bool, progress_bar: bool) {
    COLOUR.store(colour, Ordering::Relaxed);
    PROGRESS_BAR.store(progress_bar, Ordering::Relaxed);
}

/// Whether a bake draws a progress bar in this run.
pub(super) fn progress_bar() -> bool {
    PROGRESS_BAR.load(Ordering::Relaxed)
}

/// "warning:", in bold yellow when colour is on.
pub(super) fn warning_prefix() -> String {
    paint("warning:", AnsiColor::Yellow)
}

/// "error:", in bold red when colour is on.
pub(super) fn error_prefix() -> String {
    paint("error:", AnsiColor::Red)
}

/// The word as it is, or wrapped in the colour's escape codes: the word itself never changes, so
/// a coloured line reads and greps the same as a plain one.
fn paint(word: &str, colour: AnsiColor) -> String {
    if !COLOUR.load(Ordering::Relaxed) {
        return word.to_owned();
    }
    let style = Style::new().bold().fg_color(Some(colour.into()));
    format!("{style}{word}{style:#}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const TERMINAL: Environment = Environment {
        stderr_terminal: true,
        no_color: false,
        ci: false,
        dumb: false,
    };

    #[test]
    fn auto_colours_a_terminal_only() {
        assert!(TERMINAL.colour(ColorChoice::Auto));
        let pipe = Environment {
            stderr_terminal: false,
            ..TERMINAL
        };
        assert!(!pipe.colour(ColorChoice::Auto));
        assert!(pipe.colour(ColorChoice::Always));
        assert!(!TERMINAL.colour(ColorChoice::Never));
    }

    #[test]
    fn no_color_and_ci_turn_auto_off_but_not_always() {
        for env in [
            Environment {
                no_color: true,
                ..TERMINAL
            },
            Environment {
                ci: true,
                ..TERMINAL
            },
            Environment {
                dumb: true,
                ..TERMINAL
            },
        ] {
            assert!(!env.colour(ColorChoice::Auto), "{env:?}");
            assert!(env.colour(ColorChoice::Always), "{env:?}");
        }
    }

    #[test]
    fn the_bar_needs_a_terminal_outside_ci_without_quiet() {
        assert!(TERMINAL.progress_bar(false));
        assert!(!TERMINAL.progress_bar(true));
        assert!(!Environment {
            ci: true,
            ..TERMINAL
        }
        .progress_bar(false));
        assert!(!Environment {
            stderr_terminal: false,
            ..TERMINAL
        }
        .progress_bar(false));
        // NO_COLOR is about colour: the bar stays.
        assert!(Environment {
            no_color: true,
            ..TERMINAL
        }
        .progress_bar(false));
    }
}
