//! `instabake doctor`: checks everything a bake needs and prints one line per check, with what to
//! do about each failure. It writes nothing into the site and prints no secret.

use std::collections::HashMap;
use std::path::Path;

use crate::api_error::ErrorClass;
use crate::cache::Cache;
use crate::config::{Config, Overrides};
use crate::error::{Error, Result};
use crate::json_output::{Check, CheckState, Results};
use crate::render;
use crate::report;
use crate::source::{cached, Account, Feed, Origin};
use crate::token::TokenState;

/// One check's outcome.
enum Outcome {
    Ok(String),
    Warn(String),
    Fail(String),
    /// Not made: a check it needs failed.
    Skip(String),
}

impl Outcome {
    /// The check as the `--json` document has it.
    fn to_check(&self, account: Option<&str>, name: &str) -> Check {
        let (state, message) = match self {
            Outcome::Ok(text) => (CheckState::Ok, text),
            Outcome::Warn(text) => (CheckState::Warn, text),
            Outcome::Fail(text) => (CheckState::Fail, text),
            Outcome::Skip(text) => (CheckState::Skip, text),
        };
        Check {
            name: name.to_owned(),
            account: account.map(str::to_owned),
            state,
            message: message.clone(),
        }
    }
}

/// Runs every check. Fails when the configuration cannot be loaded (exit 2) or any other check
/// fails (exit 3). With `--json`, each check is recorded in `results`.
pub(crate) async fn doctor(overrides: &Overrides, mut results: Option<&mut Results>) -> Result<()> {
    let config = match Config::load(overrides) {
        Ok(config) => config,
        Err(e) => {
            let outcome = Outcome::Fail(e.to_string());
            line("config", 11, &outcome);
            if let Some(results) = results {
                results.record_check(outcome.to_check(None, "config"));
            }
            return Err(e);
        }
    };
    let mut checks = vec![
        (None, "config", check_config(&config)),
        (None, "template", check_template(&config)),
        (None, "language", check_language(&config)),
    ];
    // Each account's own checks; with several, their lines are named `NAME/check`.
    for account in &config.accounts {
        let mut own = vec![
            ("folders", check_folders(account)),
            ("cache", check_cache(account)),
        ];
        own.extend(check_token(&config, account).await);
        checks.extend(
            own.into_iter()
                .map(|(name, outcome)| (account.name.as_deref(), name, outcome)),
        );
    }
    let label = |account: Option<&str>, name: &str| match account {
        Some(account) => format!("{account}/{name}"),
        None => name.to_owned(),
    };
    // Names as wide as the longest (`studio/permissions`), at least as wide as a single
    // account's.
    let width = checks
        .iter()
        .map(|(account, name, _)| label(*account, name).len())
        .max()
        .unwrap_or(0)
        .max(11);
    let mut failed = 0;
    for (account, name, outcome) in &checks {
        line(&label(*account, name), width, outcome);
        if let Some(results) = results.as_deref_mut() {
            results.record_check(outcome.to_check(*account, name));
        }
        failed += usize::from(matches!(outcome, Outcome::Fail(_)));
    }
    if failed > 0 {
        return Err(Error::ChecksFailed(format!(
            "{failed} of {} checks failed (see above)",
            checks.len()
        )));
    }
    Ok(())
}

fn line(name: &str, width: usize, outcome: &Outcome) {
    let (tag, text) = match outcome {
        Outcome::Ok(text) => ("ok  ", text),
        Outcome::Warn(text) => ("warn", text),
        Outcome::Fail(text) => ("FAIL", text),
        Outcome::Skip(text) => ("skip", text),
    };
    report::out(format!("{tag}  {name:<width$} {text}"));
}

fn check_config(config: &Config) -> Outcome {
    let accounts = match &config.shared {
        Some(shared) => format!(
            ", {} accounts{}",
            config.accounts.len(),
            if shared.merge { ", merged" } else { "" }
        ),
        None => String::new(),
    };
    match &config.file {
        Some(path) => Outcome::Ok(format!(
            "{} (preset {}, site {}{accounts})",
            path.display(),
            config.preset.name(),
            config.site.display()
        )),
        None => Outcome::Warn(format!(
            "no instabake.toml found: the {} defaults apply; `instabake init` writes one",
            config.preset.name()
        )),
    }
}

/// Renders the partial for an empty feed: a custom template's syntax errors show here, with file
/// and line.
fn check_template(config: &Config) -> Outcome {
    let feed = Feed {
        account: Account::default(),
        posts: Vec::new(),
        fetched_at: crate::source::now_rfc3339(),
        origin: Origin::Live,
    };
    let (document, _) = crate::feed::assemble(
        &feed,
        &HashMap::new(),
        &HashMap::new(),
        &config.accounts[0].paths.url_prefix,
        &config.locale,
    );
    // A merged feed is a document of its own shape, which the template must render.
    let rendered = match &config.shared {
        Some(shared) if shared.merge => {
            let documents = config
                .accounts
                .iter()
                .map(|a| (a.name.clone().unwrap_or_default(), document.clone()))
                .collect();
            render::render(
                &crate::feed::merge(documents),
                &config.render,
                &config.locale,
            )
        }
        _ => render::render(&document, &config.render, &config.locale),
    };
    match (rendered, &config.render.template) {
        (Ok(_), Some(path)) => Outcome::Ok(format!("{} renders", path.display())),
        (Ok(_), None) => Outcome::Ok("the built-in template".to_owned()),
        (Err(e), _) => Outcome::Fail(format!("{e}; fix the template, or remove render.template")),
    }
}

/// The language, an example of the shown date and the time zone; a warning when the language has
/// no built-in words.
fn check_language(config: &Config) -> Outcome {
    match config.locale.warning() {
        Some(warning) => Outcome::Warn(warning),
        None => Outcome::Ok(config.locale.describe()),
    }
}

fn check_folders(account: &crate::config::Account) -> Outcome {
    let folders = [
        Some(account.paths.images.as_path()),
        account.paths.partial.parent(),
        account.paths.data.parent(),
        Some(account.cache_dir.as_path()),
    ];
    let mut problems = Vec::new();
    for folder in folders.into_iter().flatten() {
        if let Err(e) = writable(folder) {
            problems.push(format!("{}: {e}", folder.display()));
        }
    }
    if problems.is_empty() {
        Outcome::Ok("the images, partial, data and cache folders can be written".to_owned())
    } else {
        Outcome::Fail(format!(
            "cannot write {}; check the paths in instabake.toml and the folders' permissions",
            problems.join("; ")
        ))
    }
}

/// Whether files can be created in `dir`, or in the nearest folder above it that exists (where
/// `build` would create it), without leaving anything behind.
fn writable(dir: &Path) -> std::io::Result<()> {
    let existing = dir
        .ancestors()
        .find(|d| d.is_dir())
        .unwrap_or(Path::new("."));
    tempfile::Builder::new()
        .prefix(".instabake-")
        .suffix(".tmp")
        .tempfile_in(existing)
        .map(drop)
}

fn check_cache(account: &crate::config::Account) -> Outcome {
    if !account.cache_dir.is_dir() {
        return Outcome::Warn(format!(
            "{} does not exist yet: the first bake makes it; until then a failed API call has no \
             feed to fall back on",
            account.cache_dir.display()
        ));
    }
    let Ok(cache) = Cache::open(&account.cache_dir) else {
        return Outcome::Fail(format!("cannot open {}", account.cache_dir.display()));
    };
    if cache.dir().join("commit.json").exists() {
        return Outcome::Warn(
            "a bake was interrupted while writing the site; the next build finishes it first"
                .to_owned(),
        );
    }
    match cached::last_feed(&cache) {
        Some(feed) => Outcome::Ok(format!(
            "last good feed: {} posts, fetched {}",
            feed.posts.len(),
            feed.fetched_at
        )),
        None => Outcome::Warn(
            "no feed yet: the first successful bake keeps one to fall back on".to_owned(),
        ),
    }
}

/// The token, the account behind it, its permission to read posts, and its expiry.
async fn check_token(
    config: &Config,
    account: &crate::config::Account,
) -> Vec<(&'static str, Outcome)> {
    // When the token check fails, the checks that need a working token are not made.
    let skipped = |token: Outcome| {
        let skip = || Outcome::Skip("not checked: the token check failed".to_owned());
        vec![
            ("token", token),
            ("account", skip()),
            ("permissions", skip()),
            ("expiry", skip()),
        ]
    };
    let token = match account.token() {
        Ok(token) => token,
        Err(e) => return skipped(Outcome::Fail(e.to_string())),
    };
    let client = match super::token::client(config, &token) {
        Ok(client) => client,
        Err(e) => return skipped(Outcome::Fail(e.to_string())),
    };
    let mut checks = Vec::new();
    match client.me().await {
        Ok(me) => {
            let who = me.username.as_deref().unwrap_or("?");
            let kind = me.account_type.as_deref().unwrap_or("type not given");
            checks.push(("token", Outcome::Ok(format!("valid, for @{who}"))));
            checks.push((
                "account",
                if kind == "PERSONAL" {
                    Outcome::Fail(super::token::personal_account_hint().to_owned())
                } else {
                    Outcome::Ok(format!("{kind}, {} posts", me.media_count.unwrap_or(0)))
                },
            ));
        }
        Err(e) => {
            let outcome = match &e {
                Error::Api(api) if api.class() == ErrorClass::TokenDead => {
                    Outcome::Fail(e.to_string())
                }
                _ => Outcome::Fail(format!("could not check the token: {e}")),
            };
            return skipped(outcome);
        }
    }
    checks.push((
        "permissions",
        match client.feed(1).await {
            Ok(_) => Outcome::Ok("can read the account's posts".to_owned()),
            Err(e) => Outcome::Fail(e.to_string()),
        },
    ));
    // Opening the cache would create it: look only when it is there.
    let state = account
        .cache_dir
        .is_dir()
        .then(|| Cache::open(&account.cache_dir).ok())
        .flatten()
        .and_then(|cache| TokenState::load(&cache, &token));
    checks.push((
        "expiry",
        match state {
            Some(state) => {
                let days = state.days_left().unwrap_or(0);
                let text = format!("in {days} days ({})", state.expiry_date());
                if days <= config.token.warn_days {
                    Outcome::Warn(format!("{text}: run `instabake token refresh`"))
                } else {
                    Outcome::Ok(text)
                }
            }
            None => Outcome::Warn(
                "unknown: instabake learns it from `instabake token refresh` (schedule it weekly)"
                    .to_owned(),
            ),
        },
    ));
    checks
}
