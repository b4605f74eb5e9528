//! An error answered by the Graph API: what it means for the caller ([`ErrorClass`]), why a token
//! died ([`TokenDeath`]), and what the user should do about it ([`ApiError::hint`]).
//!
//! It stands apart from the API client because the crate's [`Error`](crate::error::Error) wraps
//! it: kept in the client, the error type would depend on the client and the client on the error
//! type. This module depends on neither, only on [`report`] for redaction.

use serde::Deserialize;

use crate::report;

/// How the caller should treat an API error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorClass {
    /// Code 190: the token expired, was invalidated or is malformed. Never retried.
    TokenDead,
    /// Codes 4, 17, 32, 613, 80002, or HTTP 429 without a code: throttled. Retried once only when
    /// a short `Retry-After` asks for it.
    Throttled,
    /// Codes 1, 2, or `is_transient`: worth retrying.
    Transient,
    /// Code 10 or 200-299: a permission or account type is missing.
    Permission,
    /// Code 100: a field or parameter was rejected.
    BadRequest,
    /// Anything else.
    Other,
}

/// An error answered by the Graph API.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    /// What was asked, e.g. `the media list (page 2)`.
    pub what: String,
    pub status: u16,
    pub code: Option<i64>,
    pub subcode: Option<i64>,
    pub message: String,
    pub transient: bool,
}

impl ApiError {
    /// Classifies the error by its code.
    pub(crate) fn class(&self) -> ErrorClass {
        match self.code {
            Some(190) => ErrorClass::TokenDead,
            Some(4 | 17 | 32 | 613 | 80002) => ErrorClass::Throttled,
            Some(10 | 200..=299) => ErrorClass::Permission,
            Some(100) => ErrorClass::BadRequest,
            Some(1 | 2) => ErrorClass::Transient,
            None if self.status == 429 => ErrorClass::Throttled,
            _ if self.transient => ErrorClass::Transient,
            _ => ErrorClass::Other,
        }
    }

    /// What the user should do about it.
    pub(crate) fn hint(&self) -> String {
        let advice = match self.class() {
            ErrorClass::TokenDead => {
                return format!(
                    "the access token is no longer valid: {}. Generate a new long-lived token for \
                     the account (Meta App Dashboard > Instagram > API setup with Instagram login > \
                     Generate token), put it in INSTAGRAM_ACCESS_TOKEN, and refresh it before its \
                     60 days run out",
                    self.token_death().reason()
                )
            }
            ErrorClass::Throttled => {
                "Instagram is rate limiting this app; wait before baking again (limits reset within \
                 an hour) and bake less often"
            }
            ErrorClass::Permission => {
                "the token lacks a permission: it needs the instagram_business_basic scope, and the \
                 account must be a Business or Creator account (Instagram app > Settings > Account \
                 type and tools)"
            }
            ErrorClass::BadRequest => {
                "the API rejected a field or parameter; check that api_base points at \
                 graph.instagram.com and that the token is an Instagram Login token"
            }
            ErrorClass::Transient => "a temporary problem at Instagram; try again later",
            ErrorClass::Other => "see the message above; if it persists, check the token and the account",
        };
        advice.to_owned()
    }

    /// The field a code 100 "Tried accessing nonexisting field (alt_text) on node type (Media)"
    /// names; `""` when the message says a field is unknown but not which. `None` for any other
    /// error.
    pub(crate) fn unknown_field(&self) -> Option<&str> {
        if self.code != Some(100) {
            return None;
        }
        let at = self.message.find("nonexisting field")?;
        let rest = &self.message[at + "nonexisting field".len()..];
        let named = rest
            .trim_start()
            .strip_prefix('(')
            .and_then(|r| r.split_once(')'))
            .map_or("", |(name, _)| name.trim());
        Some(named)
    }

    /// Why a token died. graph.instagram.com sends code 190 without the subcode that would say
    /// (463 expired, 460 password changed; every real capture lacks it), so the message text is
    /// what tells them apart.
    pub(crate) fn token_death(&self) -> TokenDeath {
        let message = self.message.to_lowercase();
        if self.subcode == Some(463) || message.contains("has expired") {
            TokenDeath::Expired
        } else if matches!(self.subcode, Some(460 | 467))
            || message.contains("password")
            || message.contains("invalidated")
            || message.contains("logged out")
        {
            TokenDeath::Invalidated
        } else if message.contains("decrypt")
            || message.contains("cannot parse")
            || message.contains("malformed")
        {
            TokenDeath::Malformed
        } else {
            TokenDeath::Unknown
        }
    }
}

/// Why the API refused a token (code 190).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenDeath {
    /// Its 60 days ran out without a refresh.
    Expired,
    /// A password change, a logout, or Meta's security checks ended its session.
    Invalidated,
    /// It is not a token Instagram can read: cut short, mistyped, or from another API.
    Malformed,
    /// Instagram did not say.
    Unknown,
}

impl TokenDeath {
    fn reason(self) -> &'static str {
        match self {
            TokenDeath::Expired => "it has expired (60 days passed without a refresh)",
            TokenDeath::Invalidated => {
                "its session was invalidated (the account's password was changed, the user \
                 logged out, or Meta ended the session for security reasons)"
            }
            TokenDeath::Malformed => {
                "Instagram cannot read it (cut short or mistyped when it was stored, or not an \
                 Instagram Login token)"
            }
            TokenDeath::Unknown => "Instagram did not say why",
        }
    }
}

impl ApiError {
    /// The error for a request not sent because the usage headers said the quota is used up.
    pub(crate) fn quota_used_up(what: &str, percent: u64) -> ApiError {
        ApiError {
            what: what.to_owned(),
            status: 429,
            code: None,
            subcode: None,
            message: format!(
                "not asked: Instagram's usage headers reported {percent}% of this app's rate \
                 limit used, so no further request was sent"
            ),
            transient: false,
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the Instagram API refused {}: {}",
            self.what,
            self.message.trim()
        )?;
        match (self.code, self.subcode) {
            (Some(code), Some(sub)) => write!(f, " (code {code}, subcode {sub})")?,
            (Some(code), None) => write!(f, " (code {code})")?,
            _ => write!(f, " (HTTP {})", self.status)?,
        }
        write!(f, ". {}", self.hint())
    }
}

impl std::error::Error for ApiError {}

/// Parses an error body, in either envelope. `None` when the body is not an API error.
pub(crate) fn parse_error(what: &str, status: u16, body: &[u8]) -> Option<ApiError> {
    if let Ok(envelope) = serde_json::from_slice::<ErrorEnvelope>(body) {
        let e = envelope.error;
        let message = e
            .error_user_msg
            .filter(|m| !m.is_empty())
            .unwrap_or(e.message);
        return Some(ApiError {
            what: what.to_owned(),
            status,
            code: e.code,
            subcode: e.error_subcode,
            message: report::redact(&message),
            transient: e.is_transient,
        });
    }
    if let Ok(flat) = serde_json::from_slice::<FlatError>(body) {
        return Some(ApiError {
            what: what.to_owned(),
            status,
            code: flat.code.filter(|c| *c >= 1000 || *c < 400),
            subcode: None,
            message: report::redact(&flat.error_message),
            transient: false,
        });
    }
    None
}

/// `{"error": {...}}`, the Graph API's error envelope.
#[derive(Debug, Deserialize)]
struct ErrorEnvelope {
    error: WireError,
}

/// The fields of an API error. `code` is absent in no real sample, but a missing code must not turn
/// an error into a parse failure.
#[derive(Debug, Default, Deserialize)]
struct WireError {
    #[serde(default)]
    message: String,
    code: Option<i64>,
    error_subcode: Option<i64>,
    #[serde(default)]
    is_transient: bool,
    error_user_msg: Option<String>,
}

/// The flat envelope some OAuth endpoints use: `{"error_type", "code", "error_message"}`.
#[derive(Debug, Deserialize)]
struct FlatError {
    code: Option<i64>,
    error_message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_classified_by_code() {
        let e = parse_error(
            "x",
            400,
            br#"{"error":{"message":"Error validating access token: Session has expired","type":"OAuthException","code":190,"fbtrace_id":"A"}}"#,
        )
        .unwrap();
        assert_eq!(e.class(), ErrorClass::TokenDead);
        assert!(e.to_string().contains("Session has expired"));
        assert!(e.to_string().contains("INSTAGRAM_ACCESS_TOKEN"));
        // Code 190 comes without a subcode: the message tells why, and only an expired token is
        // called expired.
        for (message, death) in [
            (
                "Error validating access token: Session has expired on Wednesday, 26-Oct-22.",
                TokenDeath::Expired,
            ),
            (
                "Error validating access token: The session has been invalidated because the user \
                 changed their password or Facebook has changed the session for security reasons.",
                TokenDeath::Invalidated,
            ),
            (
                "The access token could not be decrypted",
                TokenDeath::Malformed,
            ),
            (
                "Invalid OAuth access token - Cannot parse access token",
                TokenDeath::Malformed,
            ),
            ("Invalid OAuth access token.", TokenDeath::Unknown),
        ] {
            let body = serde_json::json!({"error": {"message": message, "code": 190}});
            let e = parse_error("x", 400, body.to_string().as_bytes()).unwrap();
            assert_eq!(e.token_death(), death, "{message}");
            let text = e.to_string().to_lowercase();
            assert!(text.contains("no longer valid"), "{text}");
            assert_eq!(
                text.contains("expired"),
                death == TokenDeath::Expired,
                "{text}"
            );
        }
        let e = parse_error(
            "x",
            400,
            br#"{"error":{"message":"(#4) limit","code":4,"is_transient":true}}"#,
        )
        .unwrap();
        assert_eq!(e.class(), ErrorClass::Throttled);
        let e = parse_error("x", 500, br#"{"error":{"message":"oops","code":2}}"#).unwrap();
        assert_eq!(e.class(), ErrorClass::Transient);
        let e = parse_error("x", 400, br#"{"error":{"message":"no","code":10}}"#).unwrap();
        assert_eq!(e.class(), ErrorClass::Permission);
        assert!(parse_error("x", 200, br#"{"data":[]}"#).is_none());
    }
}
