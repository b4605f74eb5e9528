//! The token's upkeep around a bake: what `build` checks before it fetches (refresh when due with
//! `[token] auto_refresh`, warn when the expiry is near, fail on `--fail-if-token-expires-within`),
//! and when a refresh is allowed at all, which `token refresh` asks too.
//!
//! A long-lived token lives 60 days and can be refreshed once it is a day old; a refresh gives it
//! 60 days again. The API does not say when a token expires, so instabake learns it from each
//! refresh and keeps it in the cache ([`TokenState`]).

use crate::cache::Cache;
use crate::config::{Account, Config};
use crate::error::{Error, Result};
use crate::report;
use crate::source::api;
use crate::token::{self, Token, TokenState, MIN_AGE_TO_REFRESH};

/// What `build` learnt about the token.
#[derive(Debug, Clone, Default)]
pub(crate) struct TokenCheck {
    /// Whole days left, when known.
    pub days_left: Option<i64>,
    pub expiry_date: Option<String>,
}

/// The checks `build` makes before it fetches: refreshes the token when `[token] auto_refresh` is
/// on and a refresh is due (writing the new token back to the account's `token_file`), warns when
/// it expires within `warn_days`, and fails when it expires within
/// `--fail-if-token-expires-within`. Returns the token to use.
pub(crate) async fn before_build(
    config: &Config,
    account: &Account,
    cache: &Cache,
    http: &reqwest::Client,
    token: Token,
) -> Result<(Token, TokenCheck)> {
    let mut token = token;
    let mut state = TokenState::load(cache, &token);
    if config.token.auto_refresh && refresh_due(state.as_ref(), config.token.refresh_days) {
        match auto_refresh(config, account, cache, http, &token).await {
            Ok((new_token, new_state)) => {
                token = new_token;
                state = Some(new_state);
            }
            Err(e) => report::warn(account.tell(format!(
                "could not refresh the token ({e}); baking with the current one"
            ))),
        }
    }
    let check = TokenCheck {
        days_left: state.as_ref().and_then(TokenState::days_left),
        expiry_date: state.as_ref().map(|s| s.expiry_date().to_owned()),
    };
    if let (Some(days), Some(date)) = (check.days_left, &check.expiry_date) {
        if let Some(within) = config.fail_if_token_expires_within {
            if days <= within {
                return Err(Error::TokenExpiring {
                    days,
                    date: date.clone(),
                    within,
                });
            }
        }
        if days <= config.token.warn_days {
            report::warn(account.tell(format!(
                "the access token expires in {days} days ({date}): refresh it with \
                     `instabake token refresh`, or the feed will stop updating"
            )));
        }
    }
    Ok((token, check))
}

async fn auto_refresh(
    config: &Config,
    account: &Account,
    cache: &Cache,
    http: &reqwest::Client,
    token: &Token,
) -> Result<(Token, TokenState)> {
    let client = api::Client::new(http.clone(), &config.source.api_base, token.clone())?;
    let refreshed = client.refresh().await?;
    // Validation makes auto_refresh require a token file: the new token must go somewhere.
    if let Some(path) = &account.token_file {
        token::write_token_file(path, &refreshed.token)
            .map_err(|e| Error::io("write the new token to", path, e))?;
    }
    let state = TokenState::new(&refreshed.token, refreshed.expires_in);
    state.store(cache)?;
    report::info(format!(
        "refreshed the access token: it now expires {}",
        state.expiry_date()
    ));
    Ok((refreshed.token, state))
}

/// A refresh is due when the expiry is unknown or within `refresh_days`, and the last refresh
/// (if known) is at least a day old.
fn refresh_due(state: Option<&TokenState>, refresh_days: i64) -> bool {
    match state {
        None => true,
        Some(state) => {
            !too_young(state) && state.days_left().is_none_or(|days| days <= refresh_days)
        }
    }
}

/// Whether the token was refreshed less than a day ago: Instagram would refuse another refresh.
pub(crate) fn too_young(state: &TokenState) -> bool {
    state.age().is_some_and(|age| age < MIN_AGE_TO_REFRESH)
}
