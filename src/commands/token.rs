//! `instabake token status|refresh`. The checks `build` makes before it fetches are in
//! [`crate::upkeep`].
//!
//! A long-lived token lives 60 days and can be refreshed once it is a day old; a refresh gives it
//! 60 days again. The API does not say when a token expires, so instabake learns it from each
//! refresh and keeps it in the cache (`token.json`, tied to the token by a fingerprint, never the
//! token). With a scheduled refresh, a site's token never dies.

use std::path::Path;

use crate::cache::Cache;
use crate::config::{Account, Config};
use crate::error::{Error, Result};
use crate::json_output::{Results, TokenAccount, TokenState as Found};
use crate::report;
use crate::source::api;
use crate::token::{self, Token, TokenState};
use crate::upkeep::too_young;

/// `token status`: the token of the account named, of the site's single account, or, on a site
/// with several accounts and no name given, of every account, each on its own (one that fails
/// does not stop the others; the command then fails with the exit code of the worst).
///
/// With `--json`, each account's state is recorded in `results`.
pub(crate) async fn status(
    config: &Config,
    name: Option<&str>,
    warn_days: i64,
    mut results: Option<&mut Results>,
) -> Result<()> {
    if name.is_some() || !config.has_accounts() {
        let account = config.account(name)?;
        return recorded(config, account, warn_days, results).await;
    }
    let mut failed = Vec::new();
    for account in &config.accounts {
        if let Err(error) = recorded(config, account, warn_days, results.as_deref_mut()).await {
            report::error(&Error::Usage(account.tell(&error)));
            failed.push((account.name.clone().unwrap_or_default(), error));
        }
    }
    let Some(code) = failed
        .iter()
        .map(|(_, e)| e.exit_code())
        .min_by_key(|c| *c as i32)
    else {
        return Ok(());
    };
    let names: Vec<&str> = failed.iter().map(|(name, _)| name.as_str()).collect();
    Err(Error::PerAccount {
        message: format!(
            "the token of {} {} is not in order (see above); the other accounts' tokens are",
            if names.len() == 1 {
                "the account"
            } else {
                "the accounts"
            },
            names.join(", ")
        ),
        code,
    })
}

/// [`status_of`], its findings recorded in `results` when given.
async fn recorded(
    config: &Config,
    account: &Account,
    warn_days: i64,
    results: Option<&mut Results>,
) -> Result<()> {
    let mut found = TokenAccount {
        name: account.name.clone(),
        ..TokenAccount::default()
    };
    let result = status_of(config, account, warn_days, &mut found).await;
    found.state = match &result {
        Ok(()) => Found::Valid,
        Err(error) => {
            found.error = Some(report::with_causes(
                error.to_string(),
                std::error::Error::source(error),
            ));
            Found::of_error(error)
        }
    };
    if let Some(results) = results {
        results.record_token(found);
    }
    result
}

/// Checks one account's token with one call, prints the account and what is known of the expiry
/// (and keeps them in `found`). Fails with [`Error::TokenExpiring`] when it expires within
/// `warn_days`.
async fn status_of(
    config: &Config,
    account: &Account,
    warn_days: i64,
    found: &mut TokenAccount,
) -> Result<()> {
    let out = |text: String| report::out(account.tell(text));
    let token = account.token()?;
    let cache = Cache::open(&account.cache_dir)?;
    let client = client(config, &token)?;
    let me = client.me().await?;
    found.username.clone_from(&me.username);
    found.account_type.clone_from(&me.account_type);
    found.media_count = me.media_count;
    let who = me.username.as_deref().map_or_else(
        || "an account without a username".to_owned(),
        |u| format!("@{u}"),
    );
    let kind = me.account_type.as_deref().unwrap_or("type not given");
    let posts = me
        .media_count
        .map(|n| format!(", {n} posts"))
        .unwrap_or_default();
    out(format!("token: valid, for {who} ({kind}{posts})"));
    if me.account_type.as_deref() == Some("PERSONAL") {
        report::warn(personal_account_hint());
    }
    match TokenState::load(&cache, &token) {
        Some(state) => {
            let days = state.days_left().unwrap_or(0);
            found.days_left = Some(days);
            found.expiry_date = Some(state.expiry_date().to_owned());
            out(format!(
                "expires: in {days} days ({}); last refreshed {}",
                state.expiry_date(),
                ago(&state)
            ));
            if days <= warn_days {
                return Err(Error::TokenExpiring {
                    days,
                    date: state.expiry_date().to_owned(),
                    within: warn_days,
                });
            }
        }
        None => out(
            "expires: unknown. instabake learns the expiry when it refreshes the token: run \
             `instabake token refresh` (the token must be at least a day old)"
                .to_owned(),
        ),
    }
    Ok(())
}

/// Where `token refresh` hands the new token.
#[derive(Debug, Default)]
pub(crate) struct Handover<'a> {
    /// A file to write it to (mode 0600).
    pub file: Option<&'a Path>,
    /// Print it on stdout (masked first under GitHub Actions).
    pub stdout: bool,
}

/// `token refresh`: refreshes one account's token, records the new expiry in its cache, and hands
/// the new token only where asked. One account at a time: a new token goes to one file or to
/// stdout, where several would be told apart only by their order.
pub(crate) async fn refresh(
    config: &Config,
    account: &Account,
    handover: Handover<'_>,
) -> Result<()> {
    let token = account.token()?;
    let cache = Cache::open(&account.cache_dir)?;
    let before = TokenState::load(&cache, &token);
    if let Some(state) = before.as_ref().filter(|s| too_young(s)) {
        report::out(format!(
            "not refreshed: the token was refreshed {}, and Instagram refreshes a token only once \
             it is 24 hours old. It expires in {} days ({}).",
            ago(state),
            state.days_left().unwrap_or(0),
            state.expiry_date()
        ));
        return Ok(());
    }
    let refreshed = client(config, &token)?.refresh().await?;
    let after = TokenState::new(&refreshed.token, refreshed.expires_in);
    after.store(&cache)?;
    if let Some(before) = &before {
        if before.expires_at >= after.expires_at {
            report::out(format!(
                "the refresh did not move the expiry: it is still {}",
                before.expiry_date()
            ));
        }
    }
    report::out(format!(
        "refreshed: the token now expires in {} days ({})",
        after.days_left().unwrap_or(0),
        after.expiry_date()
    ));
    let unchanged = refreshed.token.expose() == token.expose();
    if let Some(path) = handover.file {
        token::write_token_file(path, &refreshed.token)
            .map_err(|e| Error::io("write the new token to", path, e))?;
        report::out(format!(
            "the new token is in {} (readable by its owner only)",
            path.display()
        ));
    }
    if handover.stdout {
        // The one place a token is printed, on request; under GitHub Actions `Token::new` has
        // already registered it with ::add-mask:: on stderr, before the refresh was recorded in
        // the cache: the mask reaches the runner whether stdout is its log or is captured
        // (`TOKEN=$(instabake token refresh --print-token)`, which must capture the token alone).
        // The runner reads the two streams on threads of their own and hands each batch's
        // stderr lines to the command parser before its stdout lines (actions/runner,
        // src/Runner.Sdk/ProcessInvoker.cs, ProcessOutput), so the earlier mask comes first.
        println!("{}", refreshed.token.expose());
    }
    if handover.file.is_none() && !handover.stdout {
        if unchanged {
            report::out("the token itself did not change: there is nothing to save");
        } else {
            report::warn(
                "the new token was not saved anywhere: pass --write-token FILE or --print-token. \
                 The token you have keeps working until its own expiry",
            );
        }
    }
    Ok(())
}

/// An API client for the configured source, with its own HTTP client: for the commands that make
/// a call or two outside a bake.
pub(crate) fn client(config: &Config, token: &Token) -> Result<api::Client> {
    api::Client::new(
        crate::http::client(config.source.timeout)?,
        &config.source.api_base,
        token.clone(),
    )
}

/// "5 hours ago", "12 days ago".
fn ago(state: &TokenState) -> String {
    match state.age() {
        Some(age) => report::ago(age),
        None => format!("at {}", state.refreshed_at),
    }
}

/// What to do about a personal account.
pub(crate) fn personal_account_hint() -> &'static str {
    "this is a personal account: the Instagram API with Instagram Login serves only Business and \
     Creator accounts. Switch it in the Instagram app (Settings > Account type and tools), then \
     generate a new token"
}
