//! The access token on the fake Graph API: how a request carries it, the check every API route
//! makes (the scenario's token, or any when it says so), and `/refresh_access_token`, which hands
//! out the scenario's refreshed token.

use serde_json::json;

use super::super::http::{Request, Response};
use super::routes::api_error;
use super::scenario::Scenario;

impl Request {
    /// Whether an access token came with the request, in the query or an `Authorization` header.
    pub(crate) fn carries_token(&self) -> bool {
        self.param("access_token").is_some() || self.header("authorization").is_some()
    }

    /// The access token that came with the request.
    pub(crate) fn token(&self) -> Option<String> {
        self.param("access_token").or_else(|| {
            self.header("authorization")
                .and_then(|value| value.strip_prefix("Bearer "))
                .map(str::to_string)
        })
    }
}

/// The answer that refuses a request with no token or the wrong one, or `None` when the token
/// is the one the scenario expects (or the scenario takes any).
pub(super) fn check_token(token: Option<&str>, scenario: &Scenario) -> Option<Response> {
    if token.is_some_and(|t| scenario.dead_tokens.iter().any(|d| d == t)) {
        return Some(api_error(
            400,
            190,
            None,
            "OAuthException",
            "Error validating access token: Session has expired on Wednesday, 26-Oct-22 20:00:00 \
             PDT. The current time is Wednesday, 26-Oct-22 21:51:57 PDT.",
        ));
    }
    let expected = scenario.expected_token.as_deref()?;
    match token {
        None => Some(api_error(
            400,
            2500,
            None,
            "IGApiException",
            "An active access token must be used to query information about the current user.",
        )),
        Some(token) if token != expected => Some(api_error(
            400,
            190,
            None,
            "OAuthException",
            "Invalid OAuth access token - Cannot parse access token",
        )),
        Some(_) => None,
    }
}

/// `/refresh_access_token?grant_type=ig_refresh_token`: the scenario's refreshed token.
pub(super) fn refresh_response(request: &Request, scenario: &Scenario) -> Response {
    if request.param("grant_type").as_deref() != Some("ig_refresh_token") {
        return api_error(
            400,
            100,
            None,
            "OAuthException",
            "Invalid grant_type, must be ig_refresh_token",
        );
    }
    Response::json(
        200,
        &json!({
            "access_token": scenario.refreshed_token,
            "token_type": "bearer",
            "expires_in": scenario.refresh_expires_in,
        }),
    )
}
