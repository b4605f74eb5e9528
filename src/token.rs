//! The access token: where it comes from and the one place it is exposed.
//!
//! The token is read from an environment variable (name configurable) or a token file, never from the
//! command line (which would land in shell history and `ps`). It is held as a [`SecretString`] so that
//! `Debug` cannot print it, and registered with [`report::add_secret`] so that no printed line can
//! carry it either.

use std::path::Path;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::cache::Cache;
use crate::error::{Error, Result};
use crate::report;

/// The default name of the environment variable holding the token.
pub(crate) const DEFAULT_TOKEN_ENV: &str = "INSTAGRAM_ACCESS_TOKEN";

/// A long-lived Instagram access token.
#[derive(Clone)]
pub struct Token(SecretString);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(***)")
    }
}

impl Token {
    /// Wraps a token value and registers it for redaction.
    pub fn new(value: &str) -> Self {
        let value = value.trim();
        report::add_secret(value);
        Token(SecretString::from(value.to_owned()))
    }

    /// The raw value, for the one place that sends it: the query string of an API request.
    pub(crate) fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Reads the token: the token file when one is configured, else the environment variable.
    pub(crate) fn load(env_var: &str, file: Option<&Path>) -> Result<Token> {
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|source| Error::TokenFile {
                path: path.to_owned(),
                source,
            })?;
            let value = text.trim();
            if value.is_empty() {
                return Err(Error::Usage(format!(
                    "the token file {} is empty",
                    path.display()
                )));
            }
            return Ok(Token::new(value));
        }
        match std::env::var(env_var) {
            Ok(value) if !value.trim().is_empty() => Ok(Token::new(&value)),
            _ => Err(Error::MissingToken {
                var: env_var.to_owned(),
            }),
        }
    }
}

/// The token's lifetime policy: the `[token]` section.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct TokenSettings {
    /// Warn (an annotation in CI) when the token expires within this many days.
    pub(crate) warn_days: i64,
    /// Let `build` refresh the token when a refresh is due, writing it back to `token_file`.
    pub(crate) auto_refresh: bool,
    /// With `auto_refresh`: refresh when the token expires within this many days.
    pub(crate) refresh_days: i64,
}

impl Default for TokenSettings {
    fn default() -> Self {
        TokenSettings {
            warn_days: 14,
            auto_refresh: false,
            refresh_days: 30,
        }
    }
}

impl TokenSettings {
    /// Checks ranges; the message names the key.
    pub(crate) fn validate(&self) -> std::result::Result<(), String> {
        for (key, days) in [
            ("token.warn_days", self.warn_days),
            ("token.refresh_days", self.refresh_days),
        ] {
            if !(0..=60).contains(&days) {
                return Err(format!("{key} = {days} is out of range (0 to 60)"));
            }
        }
        Ok(())
    }
}

/// Instagram refreshes a long-lived token only once it is this old.
pub(crate) const MIN_AGE_TO_REFRESH: Duration = Duration::from_secs(24 * 3600);

/// The token state's name in the cache.
const STATE_RECORD: &str = "token.json";

/// What is known about the token's lifetime, kept in the cache as `token.json`: never the token
/// itself, only a one-way fingerprint that ties the record to the token it describes (a token
/// replaced by hand has no record until it is refreshed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenState {
    pub fingerprint: String,
    /// When it was last refreshed (RFC 3339).
    pub refreshed_at: String,
    /// When it expires (RFC 3339).
    pub expires_at: String,
}

impl TokenState {
    /// The record for `token`, refreshed now and valid for `expires_in`.
    pub(crate) fn new(token: &Token, expires_in: Duration) -> TokenState {
        let now = OffsetDateTime::now_utc();
        TokenState {
            fingerprint: fingerprint(token),
            refreshed_at: rfc3339(now),
            expires_at: rfc3339(now + expires_in),
        }
    }

    /// Whether this record describes `token`.
    pub(crate) fn describes(&self, token: &Token) -> bool {
        self.fingerprint == fingerprint(token)
    }

    /// What the cache knows about `token`'s lifetime, if its record describes this token.
    pub(crate) fn load(cache: &Cache, token: &Token) -> Option<TokenState> {
        cache
            .load::<TokenState>(STATE_RECORD)
            .filter(|state| state.describes(token))
    }

    /// Keeps this record in the cache, after a refresh.
    pub(crate) fn store(&self, cache: &Cache) -> Result<()> {
        cache.store(STATE_RECORD, self)
    }

    /// Days until expiry, to the nearest day (negative once expired); `None` if the record is
    /// unreadable.
    pub(crate) fn days_left(&self) -> Option<i64> {
        let expires = OffsetDateTime::parse(&self.expires_at, &Rfc3339).ok()?;
        let seconds = (expires - OffsetDateTime::now_utc()).whole_seconds();
        Some((seconds + 43_200).div_euclid(86_400))
    }

    /// How long ago the last refresh was.
    pub(crate) fn age(&self) -> Option<Duration> {
        let refreshed = OffsetDateTime::parse(&self.refreshed_at, &Rfc3339).ok()?;
        (OffsetDateTime::now_utc() - refreshed).try_into().ok()
    }

    /// The expiry date, `2027-01-11`.
    pub(crate) fn expiry_date(&self) -> &str {
        self.expires_at.get(..10).unwrap_or(&self.expires_at)
    }
}

/// A one-way, keyed fingerprint of a token: 64 bits of BLAKE3, enough to tell tokens apart and
/// useless for recovering one.
pub fn fingerprint(token: &Token) -> String {
    let key = blake3::derive_key(
        "instabake 2026-11 token fingerprint",
        token.expose().as_bytes(),
    );
    key[..8].iter().map(|b| format!("{b:02x}")).collect()
}

fn rfc3339(time: OffsetDateTime) -> String {
    time.replace_nanosecond(0)
        .unwrap_or(time)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// Writes a token to `path`, readable by its owner only (mode 0600 on Unix), replacing the file
/// atomically.
pub(crate) fn write_token_file(path: &Path, token: &Token) -> std::io::Result<()> {
    crate::atomic::write_private(path, &[token.expose().as_bytes(), b"\n"])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let token = Token::new("IGQWRtokenvalue123");
        assert_eq!(format!("{token:?}"), "Token(***)");
        assert_eq!(token.expose(), "IGQWRtokenvalue123");
    }

    #[test]
    fn token_file_is_trimmed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "IGQWRfromfile456\n").unwrap();
        let token = Token::load("INSTABAKE_TEST_UNSET_VAR", Some(&path)).unwrap();
        assert_eq!(token.expose(), "IGQWRfromfile456");
    }

    #[test]
    fn state_is_tied_to_its_token_and_counts_days() {
        let token = Token::new("IGQWRstatetoken789");
        let state = TokenState::new(&token, Duration::from_secs(60 * 86_400 + 3600));
        assert!(state.describes(&token));
        assert!(!state.describes(&Token::new("IGQWRothertoken000")));
        assert!(!state.fingerprint.contains("state"));
        assert_eq!(state.days_left(), Some(60));
        assert!(state.age().unwrap() < Duration::from_secs(5));
        assert_eq!(state.expiry_date().len(), 10);
    }

    #[cfg(unix)]
    #[test]
    fn token_files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_token_file(&path, &Token::new("IGQWRnewtoken12345")).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "IGQWRnewtoken12345\n"
        );
    }

    #[test]
    fn missing_token_names_the_variable() {
        let err = Token::load("INSTABAKE_TEST_UNSET_VAR", None).unwrap_err();
        assert!(err.to_string().contains("INSTABAKE_TEST_UNSET_VAR"));
    }
}
