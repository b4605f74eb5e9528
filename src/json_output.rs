//! The `--json` document of `build`, `token status` and `doctor`: what a script reads instead of
//! the human lines, which stay on stderr.
//!
//! A command given `--json` prints exactly one JSON document on stdout, whatever happens: when it
//! fails too (`"outcome": "failed"`, with the error's text and the exit code the process exits
//! with), and when it crashes. Its shape is versioned by `version` and written down in
//! `docs/schema/instabake-result-1.schema.json`: a field may be added within a version, none is
//! removed or changes meaning without a new one.
//!
//! Every text in it is redacted when it is printed ([`report::json`]), as every line is.

use std::path::Path;

use serde::Serialize;

use crate::build::{Outcome as BuildOutcome, Summary};
use crate::config::Config;
use crate::error::{Error, ExitCode};
use crate::report;
use crate::source::Origin;

/// The document's `version`: raised when a field is removed or changes meaning.
pub(crate) const VERSION: u32 = 1;

/// The whole document.
#[derive(Debug, Serialize)]
pub(crate) struct Document {
    version: u32,
    /// `build`, `token status` or `doctor`.
    command: &'static str,
    /// `instabake 0.1.0`.
    generator: &'static str,
    outcome: Status,
    /// The process's exit code (0 with `"outcome": "ok"`).
    exit_code: i32,
    /// Why the command failed, with its causes; `null` when it did not.
    error: Option<String>,
    #[serde(flatten)]
    results: Results,
    /// Every warning given, in order.
    warnings: Vec<WarningDoc>,
}

/// `ok` or `failed`: whether the command succeeded (exit code 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    Ok,
    Failed,
}

/// What the command found or did, filled in as it runs: what a failed command got to is kept.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub(crate) enum Results {
    Build {
        /// The site folder; `null` when the command failed before it knew it.
        site: Option<String>,
        /// Each account baked or not, in the config's order; empty when the bake failed before
        /// any account was (a site of one account that failed).
        accounts: Vec<BuildAccount>,
        /// With `merge = true`: the merged data file and partial.
        merged: Option<Merged>,
    },
    Token {
        accounts: Vec<TokenAccount>,
    },
    Doctor {
        checks: Vec<Check>,
    },
}

impl Results {
    /// The empty results of `build`.
    pub(crate) fn build() -> Results {
        Results::Build {
            site: None,
            accounts: Vec::new(),
            merged: None,
        }
    }

    /// The empty results of `token status`.
    pub(crate) fn token() -> Results {
        Results::Token {
            accounts: Vec::new(),
        }
    }

    /// The empty results of `doctor`.
    pub(crate) fn doctor() -> Results {
        Results::Doctor { checks: Vec::new() }
    }

    /// The command's name in the document.
    fn command(&self) -> &'static str {
        match self {
            Results::Build { .. } => "build",
            Results::Token { .. } => "token status",
            Results::Doctor { .. } => "doctor",
        }
    }

    /// Records a bake's outcome (the results of a build; other results are left alone). A site of
    /// one account that failed has that account failed; a site of several has none when the
    /// bake failed as a whole.
    pub(crate) fn record_build(
        &mut self,
        config: &Config,
        outcome: std::result::Result<&BuildOutcome, &Error>,
    ) {
        let Results::Build {
            site,
            accounts,
            merged,
        } = self
        else {
            return;
        };
        *site = Some(config.site.display().to_string());
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(error) => {
                if !config.has_accounts() {
                    accounts.push(BuildAccount::Failed {
                        name: None,
                        error: error_text(error),
                        exit_code: error.exit_code() as i32,
                    });
                }
                return;
            }
        };
        let root = &config.site;
        for summary in &outcome.baked {
            let own = config
                .accounts
                .iter()
                .find(|a| a.name == summary.account)
                .map(|a| &a.paths);
            accounts.push(BuildAccount::Baked(baked(
                summary,
                own,
                outcome.merge,
                root,
            )));
        }
        for (name, error) in &outcome.failed {
            accounts.push(BuildAccount::Failed {
                name: Some(name.clone()),
                error: error_text(error),
                exit_code: error.exit_code() as i32,
            });
        }
        if let (Some(emitted), Some(shared)) = (&outcome.merged, &config.shared) {
            *merged = Some(Merged {
                data: relative(&shared.paths.data, root),
                partial: relative(&shared.paths.partial, root),
                data_updated: emitted.data_written,
                partial_updated: emitted.partial_written,
            });
        }
    }

    /// Records one account's token status.
    pub(crate) fn record_token(&mut self, account: TokenAccount) {
        if let Results::Token { accounts } = self {
            accounts.push(account);
        }
    }

    /// Records one doctor check.
    pub(crate) fn record_check(&mut self, check: Check) {
        if let Results::Doctor { checks } = self {
            checks.push(check);
        }
    }
}

/// One account of a build.
#[derive(Debug, Serialize)]
#[serde(tag = "outcome", rename_all = "lowercase")]
pub(crate) enum BuildAccount {
    Baked(Baked),
    /// Not baked: its files were left as they were (or, merged, it was left out).
    Failed {
        /// The `[[accounts]]` name.
        name: Option<String>,
        error: String,
        /// The exit code this failure alone would have given.
        exit_code: i32,
    },
}

/// An account that was baked.
#[derive(Debug, Serialize)]
pub(crate) struct Baked {
    /// The `[[accounts]]` name; `null` for a site's single account.
    name: Option<String>,
    /// Where the feed came from: `live`, `cache`, `replay` or `export`.
    origin: Origin,
    /// With `origin: cache`: why the API was not used when it failed (the fallback); `null` when
    /// it was not called (`--offline`, `max_age`).
    fallback_reason: Option<String>,
    /// Posts in the data file.
    posts: usize,
    files: Files,
    paths: Paths,
    token: TokenExpiry,
}

/// What the bake wrote into the site.
#[derive(Debug, Serialize)]
pub(crate) struct Files {
    /// Image files the baked feed uses.
    images: usize,
    /// Of those, written in this run.
    images_new: usize,
    /// Files of earlier bakes removed.
    removed: usize,
    /// Post pages and feed files new or changed.
    pages_and_feeds_written: usize,
    /// Whether the data file and the partial changed (`false` when merged: see `merged`).
    data_updated: bool,
    partial_updated: bool,
}

/// Where the bake wrote, relative to the site folder when inside it.
#[derive(Debug, Serialize)]
pub(crate) struct Paths {
    images: String,
    /// `null` when the accounts are merged: the merged data file and partial are in `merged`.
    data: Option<String>,
    partial: Option<String>,
}

/// The token's expiry as the cache knows it.
#[derive(Debug, Serialize)]
pub(crate) struct TokenExpiry {
    /// Whole days left; `null` when unknown (learnt from `token refresh`) or when no token was
    /// used (replay, cache within `max_age`, `--offline`, export alone).
    days_left: Option<i64>,
    /// `YYYY-MM-DD`.
    expiry_date: Option<String>,
}

/// The merged data file and partial of a site with `merge = true`.
#[derive(Debug, Serialize)]
pub(crate) struct Merged {
    data: String,
    partial: String,
    data_updated: bool,
    partial_updated: bool,
}

fn baked(
    summary: &Summary,
    own: Option<&crate::emit::SitePaths>,
    merge: bool,
    root: &Path,
) -> Baked {
    let e = &summary.emitted;
    Baked {
        name: summary.account.clone(),
        origin: summary.origin,
        fallback_reason: summary.fallback.clone(),
        posts: summary.posts,
        files: Files {
            images: summary.images,
            images_new: e.images_written,
            removed: e.pruned,
            pages_and_feeds_written: e.others_written,
            data_updated: e.data_written,
            partial_updated: e.partial_written,
        },
        paths: Paths {
            images: own.map(|p| relative(&p.images, root)).unwrap_or_default(),
            data: own.filter(|_| !merge).map(|p| relative(&p.data, root)),
            partial: own.filter(|_| !merge).map(|p| relative(&p.partial, root)),
        },
        token: TokenExpiry {
            days_left: summary.token.days_left,
            expiry_date: summary.token.expiry_date.clone(),
        },
    }
}

/// One account of `token status`.
#[derive(Debug, Default, Serialize)]
pub(crate) struct TokenAccount {
    /// The `[[accounts]]` name; `null` for a site's single account.
    pub name: Option<String>,
    pub state: TokenState,
    /// What `GET /me` said (`null` when the check failed).
    pub username: Option<String>,
    pub account_type: Option<String>,
    pub media_count: Option<u64>,
    /// Whole days left and the date, when known (learnt from `token refresh`).
    pub days_left: Option<i64>,
    pub expiry_date: Option<String>,
    /// Why the token is not in order (`expiring`, `dead`, `missing`, `unchecked`).
    pub error: Option<String>,
}

/// What `token status` found of a token.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum TokenState {
    /// It works, and does not expire within `--warn-days` (or its expiry is unknown).
    Valid,
    /// It works, and expires within `--warn-days` (exit 4).
    Expiring,
    /// Instagram refused it: expired, revoked or malformed (exit 3).
    Dead,
    /// No token is set for the account (exit 2).
    Missing,
    /// It could not be checked: the API failed otherwise (exit 3).
    #[default]
    Unchecked,
}

impl TokenState {
    /// The state a failed check means.
    pub(crate) fn of_error(error: &Error) -> TokenState {
        match error {
            Error::TokenExpiring { .. } => TokenState::Expiring,
            Error::MissingToken { .. } | Error::TokenFile { .. } => TokenState::Missing,
            Error::Api(api) if api.class() == crate::api_error::ErrorClass::TokenDead => {
                TokenState::Dead
            }
            _ => TokenState::Unchecked,
        }
    }
}

/// One check of `doctor`.
#[derive(Debug, Serialize)]
pub(crate) struct Check {
    /// `config`, `template`, `folders`, `cache`, `token`, `account`, `permissions`, `expiry`.
    pub name: String,
    /// The `[[accounts]]` name for an account's own check; `null` for the site's or a single
    /// account's.
    pub account: Option<String>,
    pub state: CheckState,
    pub message: String,
}

/// A check's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum CheckState {
    Ok,
    Warn,
    Fail,
    /// Not made, because one it depends on failed (the account's, after the token's).
    Skip,
}

/// A warning in the document.
#[derive(Debug, Serialize)]
struct WarningDoc {
    message: String,
    /// The post it is about, by its Instagram id; `null` when it is about no one post.
    post_id: Option<String>,
    /// The `[[accounts]]` name of the account being baked; `null` otherwise.
    account: Option<String>,
}

/// Prints the document of a command that ended with `result`.
pub(crate) fn print(results: Results, result: std::result::Result<(), &Error>) {
    let (outcome, exit_code, error) = match result {
        Ok(()) => (Status::Ok, ExitCode::Success, None),
        Err(error) => (Status::Failed, error.exit_code(), Some(error_text(error))),
    };
    print_document(results, outcome, exit_code, error);
}

/// Prints the document of a command that crashed (a bug; the panic hook has printed what).
pub(crate) fn print_crash(results: Results) {
    print_document(
        results,
        Status::Failed,
        ExitCode::Unexpected,
        Some("instabake crashed: this is a bug (see stderr)".to_owned()),
    );
}

fn print_document(results: Results, outcome: Status, exit_code: ExitCode, error: Option<String>) {
    let document = Document {
        version: VERSION,
        command: results.command(),
        generator: concat!("instabake ", env!("CARGO_PKG_VERSION")),
        outcome,
        exit_code: exit_code as i32,
        error,
        results,
        warnings: report::warnings()
            .into_iter()
            .map(|w| WarningDoc {
                message: w.message,
                post_id: w.post_id,
                account: w.account,
            })
            .collect(),
    };
    // Serialising these plain structs cannot fail; if it ever did, an empty stdout says so.
    if let Ok(text) = serde_json::to_string_pretty(&document) {
        report::json(&text);
    }
}

/// An error's text with its causes, as the error line on stderr says it.
fn error_text(error: &Error) -> String {
    report::with_causes(error.to_string(), std::error::Error::source(error))
}

/// `path` relative to the site folder when it is inside it, else as it is.
fn relative(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}
