//! `/me/media` as the real API lists it: each post with the requested fields only, in pages whose
//! size the client's `limit` and the scenario set, linked by cursors and absolute `paging` URLs.

use serde_json::{json, Map, Value};
use url::form_urlencoded;

use super::super::http::{Request, Response};
use super::media_host::media_url;
use super::posts::{shortcode, MediaType, Post};
use super::routes::{api_error, nonexisting_field};
use super::scenario::Scenario;
use super::{USERNAME, USER_ID};

/// Fields a media object can be asked for; anything else is answered with error 100, as the real API
/// does ("Tried accessing nonexisting field").
const MEDIA_FIELDS: &[&str] = &[
    "id",
    "caption",
    "media_type",
    "media_product_type",
    "media_url",
    "thumbnail_url",
    "permalink",
    "timestamp",
    "username",
    "alt_text",
    "is_shared_to_feed",
    "children",
    "shortcode",
    "like_count",
    "comments_count",
    "is_comment_enabled",
    "owner",
];

/// 1-based page number of a `/me/media` request, from its `after` cursor.
pub(super) fn page_number(request: &Request, scenario: &Scenario) -> usize {
    let offset = request
        .param("after")
        .and_then(|cursor| decode_cursor(&cursor))
        .unwrap_or(0);
    offset / page_size(request, scenario) + 1
}

fn page_size(request: &Request, scenario: &Scenario) -> usize {
    let limit = request
        .param("limit")
        .and_then(|limit| limit.parse::<usize>().ok())
        .unwrap_or(25)
        .clamp(1, 100);
    scenario.page_size.map_or(limit, |size| size.min(limit))
}

/// The `after` cursor that starts the page at `offset` (0-based post index).
pub(crate) fn cursor(offset: usize) -> String {
    encode_cursor(offset)
}

pub(super) fn encode_cursor(offset: usize) -> String {
    let plain = format!("cursor:{offset}");
    let hex: String = plain.bytes().map(|b| format!("{b:02x}")).collect();
    format!("QVFI{hex}")
}

pub(super) fn decode_cursor(cursor: &str) -> Option<usize> {
    let hex = cursor.strip_prefix("QVFI")?;
    if hex.len() % 2 != 0 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?)
        .ok()?
        .strip_prefix("cursor:")?
        .parse()
        .ok()
}

pub(super) fn media_list_response(
    request: &Request,
    fields: &[Field],
    token: Option<&str>,
    scenario: &Scenario,
    host: &str,
) -> Response {
    let size = page_size(request, scenario);
    let offset = match request.param("after") {
        None => 0,
        Some(cursor) => match decode_cursor(&cursor) {
            Some(offset) => offset,
            None => {
                return api_error(
                    400,
                    100,
                    None,
                    "OAuthException",
                    "(#100) The parameter after is invalid",
                )
            }
        },
    };
    let total = scenario.posts.len();
    let start = offset.min(total);
    let end = (start + size).min(total);
    let mut data = Vec::new();
    for post in &scenario.posts[start..end] {
        match render_media(post, fields, host) {
            Ok(value) => data.push(value),
            Err(response) => return response,
        }
    }
    let mut body = json!({ "data": data });
    if end > start {
        let mut paging = json!({
            "cursors": { "before": encode_cursor(start), "after": encode_cursor(end) }
        });
        let page_url = |cursor_name: &str, cursor: String| {
            let path = if scenario.versioned_next {
                format!("/v25.0/{}/media", scenario.account.user_id)
            } else {
                "/me/media".to_string()
            };
            let mut query = form_urlencoded::Serializer::new(String::new());
            if let Some(token) = token {
                query.append_pair("access_token", token);
            }
            if let Some(fields) = request.param("fields") {
                query.append_pair("fields", &fields);
            }
            query.append_pair("limit", &size.to_string());
            query.append_pair(cursor_name, &cursor);
            format!("http://{host}{path}?{}", query.finish())
        };
        if end < total {
            paging["next"] = json!(page_url("after", encode_cursor(end)));
        }
        if start > 0 {
            paging["previous"] = json!(page_url("before", encode_cursor(start)));
        }
        body["paging"] = paging;
    }
    Response::json(200, &body)
}

/// A media object with the requested fields only, in the real API's shapes.
pub(super) fn render_media(post: &Post, fields: &[Field], host: &str) -> Result<Value, Response> {
    let mut out = Map::new();
    out.insert("id".into(), json!(post.id));
    for field in fields {
        let name = field.name.as_str();
        if !MEDIA_FIELDS.contains(&name) {
            return Err(nonexisting_field(name, "Media"));
        }
        if !post.has(name) {
            continue;
        }
        let value = match name {
            "id" => continue,
            "caption" => post.caption.as_ref().map(|c| json!(c)),
            "media_type" => Some(json!(post.media_type.as_api())),
            "media_product_type" => post.product.as_ref().map(|p| json!(p)),
            "media_url" => post.media_url.as_ref().map(|m| json!(media_url(host, m))),
            "thumbnail_url" => post
                .thumbnail_url
                .as_ref()
                .filter(|_| post.media_type == MediaType::Video)
                .map(|m| json!(media_url(host, m))),
            "permalink" => post.permalink.as_ref().map(|p| json!(p)),
            "timestamp" => post.timestamp.as_ref().map(|t| json!(t)),
            "username" => Some(json!(post.username.as_deref().unwrap_or(USERNAME))),
            "alt_text" => post.alt_text.as_ref().map(|a| json!(a)),
            "is_shared_to_feed" => post.is_shared_to_feed.map(|s| json!(s)),
            "shortcode" => post.permalink.as_ref().map(|_| json!(shortcode(&post.id))),
            "like_count" => post.like_count.map(|n| json!(n)),
            "comments_count" => post.comments_count.map(|n| json!(n)),
            "is_comment_enabled" => Some(json!(true)),
            "owner" => Some(json!({ "id": USER_ID })),
            "children" => {
                if post.media_type != MediaType::Carousel {
                    None
                } else {
                    let mut data = Vec::new();
                    for child in &post.children {
                        match &field.sub {
                            Some(sub) if !post.children_ids_only => {
                                data.push(render_media(child, sub, host)?);
                            }
                            _ => data.push(json!({ "id": child.id })),
                        }
                    }
                    Some(json!({ "data": data }))
                }
            }
            _ => None,
        };
        if let Some(value) = value {
            out.insert(name.to_string(), value);
        }
    }
    Ok(Value::Object(out))
}

/// One entry of a `fields` parameter: `children{id,media_url}` has sub-fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Field {
    pub(super) name: String,
    pub(super) sub: Option<Vec<Field>>,
}

impl Field {
    pub(super) fn plain(name: &str) -> Field {
        Field {
            name: name.to_string(),
            sub: None,
        }
    }
}

/// Parse `id,caption,children{id,media_url}`; modifiers such as `.limit(5)` are ignored.
pub(super) fn parse_fields(text: &str) -> Result<Vec<Field>, String> {
    fn list(chars: &[char], pos: &mut usize, nested: bool) -> Result<Vec<Field>, String> {
        let mut fields = Vec::new();
        loop {
            let start = *pos;
            while *pos < chars.len() && !matches!(chars[*pos], ',' | '{' | '}') {
                *pos += 1;
            }
            let raw: String = chars[start..*pos].iter().collect();
            let name = raw.split('.').next().unwrap_or("").trim().to_string();
            let mut field = Field { name, sub: None };
            if *pos < chars.len() && chars[*pos] == '{' {
                *pos += 1;
                field.sub = Some(list(chars, pos, true)?);
                if *pos >= chars.len() || chars[*pos] != '}' {
                    return Err("(#100) Syntax error: expected \"}\" in fields".into());
                }
                *pos += 1;
            }
            if !field.name.is_empty() {
                fields.push(field);
            }
            if *pos >= chars.len() {
                return if nested {
                    Err("(#100) Syntax error: unclosed \"{\" in fields".into())
                } else {
                    Ok(fields)
                };
            }
            match chars[*pos] {
                ',' => *pos += 1,
                '}' if nested => return Ok(fields),
                other => {
                    return Err(format!(
                        "(#100) Syntax error \"Unexpected {other}\" in fields"
                    ))
                }
            }
        }
    }
    let chars: Vec<char> = text.chars().collect();
    let mut pos = 0;
    list(&chars, &mut pos, false)
}
