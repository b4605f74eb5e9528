//! Faults a test injects: which answer ([`Fault`]) replaces the normal one on which requests
//! ([`Route`]), how often, and how the fake picks the answer for a request: faults first, in the
//! order they were added, then the normal route.

use std::thread;
use std::time::Duration;

use serde_json::{json, Value};

use super::super::http::{Reply, Request, Response};
use super::listing::page_number;
use super::routes::{normal_response, target_of, Target};
use super::{State, HOST_PLACEHOLDER};

/// What a request is answered with instead of the normal response.
#[derive(Clone, Debug)]
pub(crate) enum Fault {
    /// Any status, content type and body. `HOST_PLACEHOLDER` in the body becomes `127.0.0.1:PORT`.
    Raw {
        status: u16,
        content_type: String,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// HTTP 500 with an HTML error page.
    Html500,
    /// 200 with a body that is not JSON at all.
    Garbage,
    /// Wait this long, then answer normally (or with the next matching fault).
    Slow(Duration),
    /// The normal response's headers, with its full `Content-Length`, then half the body and close.
    Truncated,
    /// Read the request, then close the connection without answering.
    Close,
    /// 403 with the body "URL signature expired", like the CDN for an expired signed URL.
    Forbidden,
    /// 200 `image/jpeg` whose bytes are an HTML page.
    NotAnImage,
}

impl Fault {
    /// A Graph API error body `{"error":{message,type,code,fbtrace_id}}` with this HTTP status.
    pub(crate) fn api_error(status: u16, code: u32, message: &str) -> Fault {
        Fault::json(
            status,
            &json!({"error": {
                "message": message,
                "type": if code == 190 { "OAuthException" } else { "IGApiException" },
                "code": code,
                "fbtrace_id": "AbCdEfGhIjKlMnOpQrStUvW"
            }}),
        )
    }

    /// The real expired-token answer of graph.instagram.com: 400, code 190, no subcode.
    pub(crate) fn expired_token() -> Fault {
        Fault::api_error(
            400,
            190,
            "Error validating access token: Session has expired on Wednesday, 26-Oct-22 20:00:00 PDT. \
             The current time is Wednesday, 26-Oct-22 21:51:57 PDT.",
        )
    }

    /// Application-level throttling: code 4, `is_transient: true`.
    pub(crate) fn rate_limited() -> Fault {
        Fault::json(
            400,
            &json!({"error": {
                "message": "(#4) Application request limit reached",
                "type": "OAuthException",
                "is_transient": true,
                "code": 4,
                "fbtrace_id": "E+h93KlSgIM"
            }}),
        )
    }

    /// A JSON body with this status.
    pub(crate) fn json(status: u16, body: &Value) -> Fault {
        Fault::raw(status, &body.to_string())
    }

    /// A body served byte for byte as `application/json`, with this status.
    pub(crate) fn raw(status: u16, body: &str) -> Fault {
        Fault::Raw {
            status,
            content_type: "application/json; charset=UTF-8".to_string(),
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
        }
    }

    /// The same answer with one more header (only for the `Raw` answers made by `json`, `raw`,
    /// `api_error`, `expired_token` and `rate_limited`).
    pub(crate) fn with_header(mut self, name: &str, value: &str) -> Fault {
        match &mut self {
            Fault::Raw { headers, .. } => headers.push((name.to_string(), value.to_string())),
            other => panic!("with_header on {other:?}: only Raw answers carry extra headers"),
        }
        self
    }
}

/// Which requests a fault applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    /// `GET /me`.
    Me,
    /// Every page of `/me/media` (also `/{user-id}/media`).
    MediaList,
    /// One page of `/me/media`, 1-based (page 2 is the request whose `after` cursor starts the
    /// second page).
    MediaPage(usize),
    /// `/{id}` and `/{id}/children` for this id.
    Object(String),
    /// `/{id}` and `/{id}/children` for any id.
    AnyObject,
    /// `/refresh_access_token`.
    Refresh,
    /// The media host file with this name (`/media/.../NAME`).
    MediaFile(String),
    /// Every media host file.
    AnyMediaFile,
    /// This exact request path as received (before removing a version prefix), any query.
    Path(String),
    /// Every Graph API request (everything but the media host).
    AnyApi,
}

#[derive(Clone, Debug)]
pub(super) struct Rule {
    pub(super) route: Route,
    pub(super) fault: Fault,
    pub(super) remaining: Option<usize>,
}

/// Decide the answer: faults first (in the order they were added), then the normal route.
pub(super) fn answer(request: &Request, state: &State, host: &str) -> Reply {
    let route_path = request.route_path();
    let target = target_of(&route_path);
    let page = match target {
        Target::MediaList => Some(page_number(request, &state.scenario.lock().unwrap())),
        _ => None,
    };
    let mut delay = Duration::ZERO;
    let fault = {
        let mut scenario = state.scenario.lock().unwrap();
        let mut chosen = None;
        for rule in &mut scenario.rules {
            if rule.remaining == Some(0) || !matches(&rule.route, request, &target, page) {
                continue;
            }
            if let Some(remaining) = rule.remaining.as_mut() {
                *remaining -= 1;
            }
            if let Fault::Slow(duration) = rule.fault {
                delay += duration;
                continue;
            }
            chosen = Some(rule.fault.clone());
            break;
        }
        chosen
    };
    if !delay.is_zero() {
        thread::sleep(delay);
    }
    // The real API sends its usage headers with errors too.
    let usage = match (&target, &fault) {
        (Target::MediaFile(_), _) | (_, None) => None,
        _ => state.scenario.lock().unwrap().usage_header.clone(),
    };
    let mut reply = fault_action(request, &target, fault, state, host);
    if let (Some(usage), Reply::Respond(response)) = (usage, &mut reply) {
        response.headers.push(("x-app-usage".to_string(), usage));
    }
    reply
}

fn fault_action(
    request: &Request,
    target: &Target,
    fault: Option<Fault>,
    state: &State,
    host: &str,
) -> Reply {
    let normal = || {
        let scenario = state
            .scenario
            .lock()
            .unwrap()
            .for_token(request.token().as_deref());
        normal_response(request, target, &scenario, host)
    };
    match fault {
        None => Reply::Respond(normal()),
        Some(Fault::Slow(_)) => unreachable!("delays are not terminal"),
        Some(Fault::Raw {
            status,
            content_type,
            headers,
            body,
        }) => {
            // Text gets the host filled in; binary bodies (an image) are served byte for byte.
            let body = match String::from_utf8(body) {
                Ok(text) => text.replace(HOST_PLACEHOLDER, host).into_bytes(),
                Err(binary) => binary.into_bytes(),
            };
            Reply::Respond(Response {
                status,
                content_type,
                headers,
                body,
            })
        }
        Some(Fault::Html500) => Reply::Respond(Response {
            status: 500,
            content_type: "text/html; charset=utf-8".into(),
            headers: Vec::new(),
            body: b"<!DOCTYPE html>\n<html><head><title>Error</title></head>\
                    <body><h1>Sorry, something went wrong.</h1>\
                    <p>We're working on it and we'll get it fixed as soon as we can.</p></body></html>\n"
                .to_vec(),
        }),
        Some(Fault::Garbage) => Reply::Respond(Response {
            status: 200,
            content_type: "application/json; charset=UTF-8".into(),
            headers: Vec::new(),
            body: b"\x00\x01)]}'\n<<<this is not JSON>>> \xff\xfe {\"data\": [".to_vec(),
        }),
        Some(Fault::Truncated) => Reply::Truncate(normal()),
        Some(Fault::Close) => Reply::Close,
        Some(Fault::Forbidden) => Reply::Respond(Response {
            status: 403,
            content_type: "text/plain".into(),
            headers: Vec::new(),
            body: b"URL signature expired".to_vec(),
        }),
        Some(Fault::NotAnImage) => Reply::Respond(Response {
            status: 200,
            content_type: "image/jpeg".into(),
            headers: Vec::new(),
            body: b"<!DOCTYPE html><html><body>Please log in to see this photo.</body></html>"
                .to_vec(),
        }),
    }
}

fn matches(route: &Route, request: &Request, target: &Target, page: Option<usize>) -> bool {
    match route {
        Route::Me => *target == Target::Me,
        Route::MediaList => *target == Target::MediaList,
        Route::MediaPage(n) => page == Some(*n),
        Route::Object(id) => {
            matches!(target, Target::Object(x) | Target::Children(x) if x == id)
        }
        Route::AnyObject => matches!(target, Target::Object(_) | Target::Children(_)),
        Route::Refresh => *target == Target::Refresh,
        Route::MediaFile(name) => matches!(target, Target::MediaFile(x) if x == name),
        Route::AnyMediaFile => matches!(target, Target::MediaFile(_)),
        Route::Path(path) => request.path == *path,
        Route::AnyApi => !matches!(target, Target::MediaFile(_)),
    }
}
