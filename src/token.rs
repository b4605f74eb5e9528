//! The access token: where it comes from and the one place it is exposed.
//!
//! The token is read from an environment variable (name configurable) or a token file, never from the
//! command line (which would land in shell history and `ps`). It is held as a [`SecretString`] so that
//! `Debug` cannot print it, and registered with [`report::add_secret`] so that no printed line can
//! carry it either.

use std::path::Path;

use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, Result};
use crate::report;

/// The default name of the environment variable holding the token.
pub const DEFAULT_TOKEN_ENV: &str = "INSTAGRAM_ACCESS_TOKEN";

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
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Reads the token: the token file when one is configured, else the environment variable.
    pub fn load(env_var: &str, file: Option<&Path>) -> Result<Token> {
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
    fn missing_token_names_the_variable() {
        let err = Token::load("INSTABAKE_TEST_UNSET_VAR", None).unwrap_err();
        assert!(err.to_string().contains("INSTABAKE_TEST_UNSET_VAR"));
    }
}
