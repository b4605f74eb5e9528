//! The fake Graph API's routes: which one a request is for (a version prefix such as `/v25.0`
//! removed), the normal answer of each (`/me`, `/{id}`, `/{id}/children`; `/me/media` is in
//! `listing.rs`, the media host in `media_host.rs`), and the API's error answers.

use serde_json::{json, Map, Value};

use super::super::http::{Request, Response};
use super::listing::{media_list_response, parse_fields, render_media, Field};
use super::media_host::{media_response, media_url};
use super::scenario::Scenario;
use super::token_routes::{check_token, refresh_response};

/// Fields `/me` can be asked for.
const USER_FIELDS: &[&str] = &[
    "id",
    "user_id",
    "username",
    "account_type",
    "media_count",
    "profile_picture_url",
    "name",
    "biography",
    "website",
    "followers_count",
    "follows_count",
    "media",
];

/// What a request means to the fake (the request itself is the HTTP server's).
impl Request {
    /// The path without a version prefix (`/v25.0`) and with repeated slashes collapsed.
    pub(crate) fn route_path(&self) -> String {
        normalize_path(&self.path)
    }

    /// A request to the media host.
    pub(crate) fn is_media(&self) -> bool {
        self.route_path().starts_with("/media/")
    }

    /// The file name a media host request asks for.
    pub(crate) fn media_name(&self) -> Option<String> {
        let path = self.route_path();
        path.strip_prefix("/media/")
            .and_then(|rest| rest.rsplit('/').find(|segment| !segment.is_empty()))
            .map(str::to_string)
    }

    /// A `/me/media` (or `/{user-id}/media`) page request.
    pub(crate) fn is_media_list(&self) -> bool {
        matches!(target_of(&self.route_path()), Target::MediaList)
    }

    /// The id of a `/{id}` object request.
    pub(crate) fn object_id(&self) -> Option<String> {
        match target_of(&self.route_path()) {
            Target::Object(id) => Some(id),
            _ => None,
        }
    }
}

pub(super) fn normalize_path(path: &str) -> String {
    let mut segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if let Some(first) = segments.first() {
        let version = first.strip_prefix('v').is_some_and(|rest| {
            !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit() || c == '.')
        });
        if version {
            segments.remove(0);
        }
    }
    format!("/{}", segments.join("/"))
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Target {
    Me,
    MediaList,
    Object(String),
    Children(String),
    Refresh,
    MediaFile(String),
    Unknown,
}

pub(super) fn target_of(route_path: &str) -> Target {
    let segments: Vec<&str> = route_path.split('/').filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        ["media", .., name] => Target::MediaFile(name.to_string()),
        ["me"] => Target::Me,
        ["me", "media"] => Target::MediaList,
        [user, "media"] if user.chars().all(|c| c.is_ascii_digit()) => Target::MediaList,
        ["refresh_access_token"] => Target::Refresh,
        [id, "children"] => Target::Children(id.to_string()),
        [id] => Target::Object(id.to_string()),
        _ => Target::Unknown,
    }
}

pub(super) fn normal_response(
    request: &Request,
    target: &Target,
    scenario: &Scenario,
    host: &str,
) -> Response {
    if let Target::MediaFile(name) = target {
        return media_response(request, name, scenario);
    }
    let mut response = api_response(request, target, scenario, host);
    if let Some(usage) = &scenario.usage_header {
        response
            .headers
            .push(("x-app-usage".to_string(), usage.clone()));
    }
    response
}

/// The normal answer of a Graph API route.
fn api_response(request: &Request, target: &Target, scenario: &Scenario, host: &str) -> Response {
    if request.method != "GET" {
        return api_error(
            400,
            100,
            None,
            "IGApiException",
            &format!(
                "Unsupported request - method type: {}",
                request.method.to_ascii_lowercase()
            ),
        );
    }
    let token = request.token();
    if let Some(refused) = check_token(token.as_deref(), scenario) {
        return refused;
    }
    let fields = match request.param("fields").map(|f| parse_fields(&f)) {
        None => vec![Field::plain("id")],
        Some(Ok(fields)) => fields,
        Some(Err(problem)) => {
            return api_error(400, 100, None, "OAuthException", &problem);
        }
    };
    // An API version or account type that does not know a field refuses the whole request.
    let node = if matches!(target, Target::Me) {
        "User"
    } else {
        "Media"
    };
    let asked = fields
        .iter()
        .flat_map(|f| std::iter::once(f).chain(f.sub.iter().flatten()));
    for field in asked {
        if scenario.unknown_fields.contains(&field.name) {
            return nonexisting_field(&field.name, node);
        }
    }
    match target {
        Target::Me => me_response(&fields, scenario, host),
        Target::MediaList => {
            media_list_response(request, &fields, token.as_deref(), scenario, host)
        }
        Target::Object(id) => match scenario.find_object(id) {
            Some(post) => match render_media(post, &fields, host) {
                Ok(value) => Response::json(200, &value),
                Err(response) => response,
            },
            None => unknown_object(id),
        },
        Target::Children(id) => match scenario.find_object(id) {
            Some(post) => {
                let mut data = Vec::new();
                for child in &post.children {
                    match render_media(child, &fields, host) {
                        Ok(value) => data.push(value),
                        Err(response) => return response,
                    }
                }
                Response::json(200, &json!({ "data": data }))
            }
            None => unknown_object(id),
        },
        Target::Refresh => refresh_response(request, scenario),
        Target::MediaFile(_) => unreachable!("handled by the media host"),
        Target::Unknown => api_error(
            400,
            2500,
            None,
            "IGApiException",
            &format!("Unknown path components: {}", request.route_path()),
        ),
    }
}

fn unknown_object(id: &str) -> Response {
    api_error(
        400,
        100,
        Some(33),
        "IGApiException",
        &format!(
            "Unsupported get request. Object with ID '{id}' does not exist, cannot be loaded due to \
             missing permissions, or does not support this operation"
        ),
    )
}

fn me_response(fields: &[Field], scenario: &Scenario, host: &str) -> Response {
    let account = &scenario.account;
    let profile = &scenario.profile;
    let mut out = Map::new();
    for field in fields {
        let value = match field.name.as_str() {
            "id" | "user_id" => json!(account.user_id),
            "username" => json!(account.username),
            "account_type" => match &account.account_type {
                Some(kind) => json!(kind),
                None => continue,
            },
            "media_count" => json!(account.media_count.unwrap_or(scenario.posts.len() as u64)),
            "profile_picture_url" => match &profile.picture {
                Some(name) => json!(media_url(host, name)),
                None => continue,
            },
            "name" => match &profile.name {
                Some(name) => json!(name),
                None => continue,
            },
            "biography" => match &profile.biography {
                Some(bio) => json!(bio),
                None => continue,
            },
            "website" => match &profile.website {
                Some(site) => json!(site),
                None => continue,
            },
            "followers_count" => match profile.followers_count {
                Some(n) => json!(n),
                None => continue,
            },
            "follows_count" => match profile.follows_count {
                Some(n) => json!(n),
                None => continue,
            },
            "media" => continue,
            other => return nonexisting_field(other, "User"),
        };
        out.insert(field.name.clone(), value);
    }
    out.insert("id".into(), json!(account.user_id));
    Response::json(200, &Value::Object(out))
}

pub(super) fn nonexisting_field(field: &str, node: &str) -> Response {
    api_error(
        400,
        100,
        None,
        "OAuthException",
        &format!("(#100) Tried accessing nonexisting field ({field}) on node type ({node})"),
    )
}

pub(super) fn api_error(
    status: u16,
    code: u32,
    subcode: Option<u32>,
    kind: &str,
    message: &str,
) -> Response {
    let mut error = json!({
        "message": message,
        "type": kind,
        "code": code,
        "fbtrace_id": "AzyAsv5wakY_WKcdKis3N32",
    });
    if let Some(subcode) = subcode {
        error["error_subcode"] = json!(subcode);
    }
    Response::json(status, &json!({ "error": error }))
}
