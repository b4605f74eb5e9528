//! A fake Instagram Graph API and media host, served by the tests' HTTP server (`http.rs`).
//!
//! One server plays both hosts:
//! - the Graph API (`/me`, `/me/media` with cursor paging, `/{id}`, `/{id}/children`,
//!   `/refresh_access_token`, each optionally under a version prefix such as `/v25.0`), answering in
//!   the real API's shapes: only the requested `fields` come back, `caption` is absent rather than
//!   null, carousel `children` are expanded or ids only, `paging.next` is an absolute URL that echoes
//!   the access token it received, like the real one does;
//! - a CDN-like media host under `/media/...` serving real encoded images (see `images.rs`).
//!
//! Every request is recorded, and faults can be injected per route (see [`Route`] and [`Fault`]).

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use serde_json::{json, Map, Value};
use url::form_urlencoded;

use super::http::{self, Reply, Responder, Response};
use super::{images, Run, TOKEN};

pub use super::http::Request;

/// Placeholder replaced by the server's `127.0.0.1:PORT` in every raw body it serves (see
/// [`Fault::raw`]), so bodies can point at the fake media host before the port is known.
pub const HOST_PLACEHOLDER: &str = "@@FAKE_HOST@@";

/// The default account the fake API answers `/me` with.
pub const USER_ID: &str = "17841400000000001";
/// The default username of the fake account.
pub const USERNAME: &str = "bakery_demo";

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

// ---------------------------------------------------------------------------------------------
// Posts
// ---------------------------------------------------------------------------------------------

/// `media_type` of a post or carousel child.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaType {
    Image,
    Video,
    Carousel,
}

impl MediaType {
    /// The API's spelling.
    pub fn as_api(self) -> &'static str {
        match self {
            MediaType::Image => "IMAGE",
            MediaType::Video => "VIDEO",
            MediaType::Carousel => "CAROUSEL_ALBUM",
        }
    }

    /// The spelling of `kind` in instabake's data file.
    pub fn as_kind(self) -> &'static str {
        match self {
            MediaType::Image => "image",
            MediaType::Video => "video",
            MediaType::Carousel => "carousel",
        }
    }
}

/// A post (or a carousel child) as the fake API knows it. Media are names of files on the fake media
/// host (`"101.jpg"`); a name nobody registered is generated when the server starts (`.jpg`: a
/// 1080x1350 JPEG unless [`Scenario::generated_size`] says otherwise, `.png`: an 800x800 PNG,
/// `.mp4`: a tiny MP4), each name its own picture.
#[derive(Clone, Debug)]
pub struct Post {
    pub id: String,
    pub media_type: MediaType,
    pub caption: Option<String>,
    pub media_url: Option<String>,
    pub thumbnail_url: Option<String>,
    pub permalink: Option<String>,
    /// `None` until [`Scenario::posts`] gives it one (one hour older per position).
    pub timestamp: Option<String>,
    /// `None`: the scenario's account username.
    pub username: Option<String>,
    pub alt_text: Option<String>,
    pub product: Option<String>,
    pub is_shared_to_feed: Option<bool>,
    pub children: Vec<Post>,
    /// Answer `children` with `{"data":[{"id":..}]}` even when sub-fields were asked for.
    pub children_ids_only: bool,
    omitted: Vec<String>,
}

impl Post {
    fn new(id: &str, media_type: MediaType) -> Post {
        Post {
            id: id.to_string(),
            media_type,
            caption: None,
            media_url: None,
            thumbnail_url: None,
            permalink: Some(format!("https://www.instagram.com/p/{}/", shortcode(id))),
            timestamp: None,
            username: None,
            alt_text: None,
            product: Some("FEED".to_string()),
            is_shared_to_feed: None,
            children: Vec::new(),
            children_ids_only: false,
            omitted: Vec::new(),
        }
    }

    /// An IMAGE post whose picture is `{id}.jpg` (1080x1350, generated).
    pub fn image(id: &str) -> Post {
        let mut post = Post::new(id, MediaType::Image);
        post.media_url = Some(format!("{id}.jpg"));
        post
    }

    /// A VIDEO post with `media_url` `{id}.mp4` and `thumbnail_url` `{id}-poster.jpg`.
    pub fn video(id: &str) -> Post {
        let mut post = Post::new(id, MediaType::Video);
        post.media_url = Some(format!("{id}.mp4"));
        post.thumbnail_url = Some(format!("{id}-poster.jpg"));
        post
    }

    /// A CAROUSEL_ALBUM post; its own `media_url` is the first child's picture, as in the real API.
    /// Children are built with [`Post::image`] / [`Post::video`].
    pub fn carousel(id: &str, children: Vec<Post>) -> Post {
        let mut post = Post::new(id, MediaType::Carousel);
        post.media_url = children
            .first()
            .and_then(|child| child.thumbnail_url.clone().or(child.media_url.clone()));
        post.children = children
            .into_iter()
            .map(|mut child| {
                // Children carry no caption and no product type; keep the rest like the real API.
                child.caption = None;
                child.product = None;
                child
            })
            .collect();
        post
    }

    pub fn caption(mut self, text: &str) -> Post {
        self.caption = Some(text.to_string());
        self
    }

    /// Use this media host file as `media_url`.
    pub fn media(mut self, name: &str) -> Post {
        self.media_url = Some(name.to_string());
        self
    }

    /// Use this media host file as `thumbnail_url`.
    pub fn thumbnail(mut self, name: &str) -> Post {
        self.thumbnail_url = Some(name.to_string());
        self
    }

    /// No `media_url` (a video with licensed audio, a carousel from some endpoints).
    pub fn without_media_url(self) -> Post {
        self.without("media_url")
    }

    pub fn alt(mut self, text: &str) -> Post {
        self.alt_text = Some(text.to_string());
        self
    }

    /// `media_product_type`, e.g. `"REELS"`.
    pub fn product(mut self, product: &str) -> Post {
        self.product = Some(product.to_string());
        self
    }

    /// `timestamp` in the API's format, e.g. `"2026-01-02T03:04:05+0000"`.
    pub fn timestamp(mut self, timestamp: &str) -> Post {
        self.timestamp = Some(timestamp.to_string());
        self
    }

    pub fn permalink(mut self, url: &str) -> Post {
        self.permalink = Some(url.to_string());
        self
    }

    pub fn username(mut self, username: &str) -> Post {
        self.username = Some(username.to_string());
        self
    }

    /// Answer this carousel's `children` with ids only, whatever sub-fields the client asked for;
    /// the client then has to fetch each child by id.
    pub fn children_ids_only(mut self) -> Post {
        self.children_ids_only = true;
        self
    }

    /// Leave `field` out of every answer about this post, even when asked for.
    pub fn without(mut self, field: &str) -> Post {
        self.omitted.push(field.to_string());
        self
    }

    /// Every media host file this post and its children refer to.
    pub fn media_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .media_url
            .iter()
            .chain(self.thumbnail_url.iter())
            .cloned()
            .collect();
        for child in &self.children {
            names.extend(child.media_names());
        }
        names
    }

    fn has(&self, field: &str) -> bool {
        !self.omitted.iter().any(|omitted| omitted == field)
    }
}

/// A shortcode-looking string derived from the id, for permalinks.
fn shortcode(id: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    let mut n = images::seed_of(id);
    let mut code = String::from("C");
    for _ in 0..10 {
        code.push(ALPHABET[(n % 64) as usize] as char);
        n /= 64;
    }
    code
}

// ---------------------------------------------------------------------------------------------
// Faults and routes
// ---------------------------------------------------------------------------------------------

/// What a request is answered with instead of the normal response.
#[derive(Clone, Debug)]
pub enum Fault {
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
    pub fn api_error(status: u16, code: u32, message: &str) -> Fault {
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
    pub fn expired_token() -> Fault {
        Fault::api_error(
            400,
            190,
            "Error validating access token: Session has expired on Wednesday, 26-Oct-22 20:00:00 PDT. \
             The current time is Wednesday, 26-Oct-22 21:51:57 PDT.",
        )
    }

    /// Application-level throttling: code 4, `is_transient: true`.
    pub fn rate_limited() -> Fault {
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
    pub fn json(status: u16, body: &Value) -> Fault {
        Fault::raw(status, &body.to_string())
    }

    /// A body served byte for byte as `application/json`, with this status.
    pub fn raw(status: u16, body: &str) -> Fault {
        Fault::Raw {
            status,
            content_type: "application/json; charset=UTF-8".to_string(),
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
        }
    }

    /// The same answer with one more header (only for the `Raw` answers made by `json`, `raw`,
    /// `api_error`, `expired_token` and `rate_limited`).
    pub fn with_header(mut self, name: &str, value: &str) -> Fault {
        match &mut self {
            Fault::Raw { headers, .. } => headers.push((name.to_string(), value.to_string())),
            other => panic!("with_header on {other:?}: only Raw answers carry extra headers"),
        }
        self
    }
}

/// Which requests a fault applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
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
struct Rule {
    route: Route,
    fault: Fault,
    remaining: Option<usize>,
}

/// The account `/me` answers with.
#[derive(Clone, Debug)]
pub struct Account {
    pub user_id: String,
    pub username: String,
    pub account_type: Option<String>,
    /// `None`: the number of posts in the scenario.
    pub media_count: Option<u64>,
}

// ---------------------------------------------------------------------------------------------
// Scenario
// ---------------------------------------------------------------------------------------------

/// A media host file; generated pictures are encoded when first asked for (and then shared by
/// every test in the process), so a scenario pays only for what the binary downloads.
#[derive(Clone, Debug)]
struct MediaFile {
    source: Source,
    content_type: String,
}

#[derive(Clone, Debug)]
enum Source {
    Bytes(Arc<Vec<u8>>),
    Jpeg(u32, u32, u64),
    Png(u32, u32, u64),
}

impl MediaFile {
    fn jpeg(width: u32, height: u32, seed: u64) -> MediaFile {
        MediaFile {
            source: Source::Jpeg(width, height, seed),
            content_type: "image/jpeg".into(),
        }
    }

    fn png(width: u32, height: u32, seed: u64) -> MediaFile {
        MediaFile {
            source: Source::Png(width, height, seed),
            content_type: "image/png".into(),
        }
    }

    fn bytes(&self) -> Arc<Vec<u8>> {
        match self.source {
            Source::Bytes(ref bytes) => bytes.clone(),
            Source::Jpeg(width, height, seed) => images::jpeg(width, height, seed),
            Source::Png(width, height, seed) => images::png(width, height, seed),
        }
    }
}

/// Everything the fake server serves, built up before [`FakeApi::start`].
#[derive(Clone, Debug)]
pub struct Scenario {
    posts: Vec<Post>,
    page_size: Option<usize>,
    account: Account,
    expected_token: Option<String>,
    refreshed_token: String,
    refresh_expires_in: u64,
    rules: Vec<Rule>,
    media: HashMap<String, MediaFile>,
    versioned_next: bool,
    usage_header: Option<String>,
    generated_size: (u32, u32),
    unknown_fields: Vec<String>,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario::new()
    }
}

impl Scenario {
    /// No posts, the default account, the token [`TOKEN`] expected, and four standard pictures on
    /// the media host: `portrait.jpg` (1080x1350), `square.jpg` (1080x1080), `small.jpg` (640x800)
    /// and `graphic.png` (800x800), plus `clip.mp4`.
    pub fn new() -> Scenario {
        let scenario = Scenario {
            posts: Vec::new(),
            page_size: None,
            account: Account {
                user_id: USER_ID.to_string(),
                username: USERNAME.to_string(),
                account_type: Some("BUSINESS".to_string()),
                media_count: None,
            },
            expected_token: Some(TOKEN.to_string()),
            refreshed_token: "IGQWRrefreshedTOKEN_do_not_leak_0987654321".to_string(),
            refresh_expires_in: 5_183_944,
            rules: Vec::new(),
            media: HashMap::new(),
            versioned_next: false,
            generated_size: (1080, 1350),
            unknown_fields: Vec::new(),
            usage_header: Some(r#"{"call_count":1,"total_cputime":0,"total_time":1}"#.to_string()),
        };
        scenario
            .jpeg("portrait.jpg", 1080, 1350)
            .jpeg("square.jpg", 1080, 1080)
            .jpeg("small.jpg", 640, 800)
            .png("graphic.png", 800, 800)
            .file("clip.mp4", &images::mp4(), "video/mp4")
    }

    /// The posts, newest first, as `/me/media` lists them. Posts without a timestamp get one, an
    /// hour older per position.
    pub fn posts(mut self, posts: Vec<Post>) -> Scenario {
        self.posts = with_timestamps(posts);
        self
    }

    /// The largest page the server returns (the client's `limit` is honoured when smaller).
    pub fn page_size(mut self, size: usize) -> Scenario {
        assert!(size > 0, "page size must be at least 1");
        self.page_size = Some(size);
        self
    }

    pub fn account(mut self, account: Account) -> Scenario {
        self.account = account;
        self
    }

    pub fn username(mut self, username: &str) -> Scenario {
        self.account.username = username.to_string();
        self
    }

    /// The access token API routes accept (others get a 190). Default [`TOKEN`].
    pub fn token(mut self, token: &str) -> Scenario {
        self.expected_token = Some(token.to_string());
        self
    }

    /// Accept any access token, and none.
    pub fn any_token(mut self) -> Scenario {
        self.expected_token = None;
        self
    }

    /// What `/refresh_access_token` hands out.
    pub fn refreshed_token(mut self, token: &str, expires_in: u64) -> Scenario {
        self.refreshed_token = token.to_string();
        self.refresh_expires_in = expires_in;
        self
    }

    /// Media fields this API version does not know: a request asking for any of them (also as a
    /// `children{...}` sub-field) is answered with code 100 "Tried accessing nonexisting field".
    pub fn unknown_fields(mut self, fields: &[&str]) -> Scenario {
        self.unknown_fields = fields.iter().map(|f| f.to_string()).collect();
        self
    }

    /// `paging.next` as the real API writes it: `/v25.0/{user-id}/media?...` instead of
    /// `/me/media?...`.
    pub fn versioned_next(mut self) -> Scenario {
        self.versioned_next = true;
        self
    }

    /// The `x-app-usage` header on API answers (`None`: no header).
    pub fn usage_header(mut self, value: Option<&str>) -> Scenario {
        self.usage_header = value.map(str::to_string);
        self
    }

    /// The size of the JPEGs generated for media names nobody registered (default 1080x1350).
    /// Smaller pictures make a test faster when their size is not the point.
    pub fn generated_size(mut self, width: u32, height: u32) -> Scenario {
        self.generated_size = (width, height);
        self
    }

    /// A generated JPEG on the media host (its own picture for each name).
    pub fn jpeg(mut self, name: &str, width: u32, height: u32) -> Scenario {
        let file = MediaFile::jpeg(width, height, images::seed_of(name));
        self.media.insert(name.to_string(), file);
        self
    }

    /// A generated PNG on the media host (its own picture for each name).
    pub fn png(mut self, name: &str, width: u32, height: u32) -> Scenario {
        let file = MediaFile::png(width, height, images::seed_of(name));
        self.media.insert(name.to_string(), file);
        self
    }

    /// Any bytes on the media host.
    pub fn file(mut self, name: &str, bytes: &[u8], content_type: &str) -> Scenario {
        self.media.insert(
            name.to_string(),
            MediaFile {
                source: Source::Bytes(Arc::new(bytes.to_vec())),
                content_type: content_type.to_string(),
            },
        );
        self
    }

    /// Answer every request on `route` with `fault`.
    pub fn fail(self, route: Route, fault: Fault) -> Scenario {
        self.rule(route, fault, None)
    }

    /// Answer the first `times` requests on `route` with `fault`, then normally.
    pub fn fail_times(self, route: Route, fault: Fault, times: usize) -> Scenario {
        self.rule(route, fault, Some(times))
    }

    /// Serve `body` verbatim (JSON content type) with `status` on `route`.
    pub fn serve(self, route: Route, status: u16, body: &str) -> Scenario {
        self.fail(route, Fault::raw(status, body))
    }

    fn rule(mut self, route: Route, fault: Fault, remaining: Option<usize>) -> Scenario {
        self.rules.push(Rule {
            route,
            fault,
            remaining,
        });
        self
    }

    /// Generate every media file a post refers to that was not registered.
    fn generate_missing_media(&mut self) {
        let names: Vec<String> = self.posts.iter().flat_map(Post::media_names).collect();
        for name in names.into_iter().chain(["profile.jpg".to_string()]) {
            if self.media.contains_key(&name) {
                continue;
            }
            let seed = images::seed_of(&name);
            let file = if name.ends_with(".mp4") {
                MediaFile {
                    source: Source::Bytes(images::mp4()),
                    content_type: "video/mp4".into(),
                }
            } else if name.ends_with(".png") {
                MediaFile::png(800, 800, seed)
            } else if name.ends_with(".jpg") || name.ends_with(".jpeg") {
                if name == "profile.jpg" {
                    MediaFile::jpeg(320, 320, seed)
                } else {
                    let (width, height) = self.generated_size;
                    MediaFile::jpeg(width, height, seed)
                }
            } else {
                panic!("fake media host: no file {name:?} registered and no way to generate it")
            };
            self.media.insert(name, file);
        }
    }

    fn find_object(&self, id: &str) -> Option<&Post> {
        fn find<'a>(posts: &'a [Post], id: &str) -> Option<&'a Post> {
            posts.iter().find_map(|post| {
                if post.id == id {
                    Some(post)
                } else {
                    find(&post.children, id)
                }
            })
        }
        find(&self.posts, id)
    }
}

fn with_timestamps(posts: Vec<Post>) -> Vec<Post> {
    posts
        .into_iter()
        .enumerate()
        .map(|(index, mut post)| {
            if post.timestamp.is_none() {
                post.timestamp = Some(timestamp_hours_before(index));
            }
            for child in &mut post.children {
                if child.timestamp.is_none() {
                    child.timestamp = post.timestamp.clone();
                }
            }
            post
        })
        .collect()
}

/// `2026-11-20T12:00:00+0000` minus `hours`, in the API's timestamp format.
fn timestamp_hours_before(hours: usize) -> String {
    // Hours since 2026-11-01T00:00.
    let since_first = (19usize * 24 + 12)
        .checked_sub(hours)
        .expect("too many posts for the fake timestamp scheme");
    format!(
        "2026-11-{:02}T{:02}:00:00+0000",
        since_first / 24 + 1,
        since_first % 24
    )
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

/// What a request means to the fake (the request itself is the HTTP server's).
impl Request {
    /// The path without a version prefix (`/v25.0`) and with repeated slashes collapsed.
    pub fn route_path(&self) -> String {
        normalize_path(&self.path)
    }

    /// A request to the media host.
    pub fn is_media(&self) -> bool {
        self.route_path().starts_with("/media/")
    }

    /// The file name a media host request asks for.
    pub fn media_name(&self) -> Option<String> {
        let path = self.route_path();
        path.strip_prefix("/media/")
            .and_then(|rest| rest.rsplit('/').find(|segment| !segment.is_empty()))
            .map(str::to_string)
    }

    /// A `/me/media` (or `/{user-id}/media`) page request.
    pub fn is_media_list(&self) -> bool {
        matches!(target_of(&self.route_path()), Target::MediaList)
    }

    /// The id of a `/{id}` object request.
    pub fn object_id(&self) -> Option<String> {
        match target_of(&self.route_path()) {
            Target::Object(id) => Some(id),
            _ => None,
        }
    }

    /// Whether an access token came with the request, in the query or an `Authorization` header.
    pub fn carries_token(&self) -> bool {
        self.param("access_token").is_some() || self.header("authorization").is_some()
    }

    /// The access token that came with the request.
    pub fn token(&self) -> Option<String> {
        self.param("access_token").or_else(|| {
            self.header("authorization")
                .and_then(|value| value.strip_prefix("Bearer "))
                .map(str::to_string)
        })
    }
}

fn normalize_path(path: &str) -> String {
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
enum Target {
    Me,
    MediaList,
    Object(String),
    Children(String),
    Refresh,
    MediaFile(String),
    Unknown,
}

fn target_of(route_path: &str) -> Target {
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

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

struct State {
    scenario: Mutex<Scenario>,
    requests: Mutex<Vec<Request>>,
    media_in_flight: AtomicUsize,
    media_max_in_flight: AtomicUsize,
}

/// A running fake server; stops when dropped.
pub struct FakeApi {
    server: http::Server,
    state: Arc<State>,
}

impl FakeApi {
    /// Start serving `scenario` on `127.0.0.1:0`.
    pub fn start(mut scenario: Scenario) -> FakeApi {
        scenario.generate_missing_media();
        let state = Arc::new(State {
            scenario: Mutex::new(scenario),
            requests: Mutex::new(Vec::new()),
            media_in_flight: AtomicUsize::new(0),
            media_max_in_flight: AtomicUsize::new(0),
        });
        let server = {
            let state = state.clone();
            http::Server::start(move |request, responder| serve(request, responder, &state))
        };
        FakeApi { server, state }
    }

    /// `http://127.0.0.1:PORT`, what `INSTABAKE_API_BASE` is set to.
    pub fn base_url(&self) -> String {
        self.server.url("")
    }

    /// `127.0.0.1:PORT`.
    pub fn host(&self) -> String {
        self.server.addr().to_string()
    }

    /// `127.0.0.1:PORT/media`: the media host, which must never appear in anything written.
    pub fn media_host(&self) -> String {
        format!("{}/media", self.server.addr())
    }

    /// The URL the API hands out for a media host file.
    pub fn media_url(&self, name: &str) -> String {
        media_url(&self.host(), name)
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        self.state.requests.lock().unwrap().clone()
    }

    /// Requests to the Graph API (everything but the media host).
    pub fn api_requests(&self) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(|r| !r.is_media())
            .collect()
    }

    /// Requests to the media host.
    pub fn media_requests(&self) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(Request::is_media)
            .collect()
    }

    /// `/me/media` page requests.
    pub fn media_list_requests(&self) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(Request::is_media_list)
            .collect()
    }

    /// Requests whose path (version prefix removed) is exactly `path`, e.g. `"/me"`.
    pub fn requests_to(&self, path: &str) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(|r| r.route_path() == path)
            .collect()
    }

    /// How many times the media host file `name` was asked for.
    pub fn media_fetches(&self, name: &str) -> usize {
        self.media_requests()
            .iter()
            .filter(|r| r.media_name().as_deref() == Some(name))
            .count()
    }

    /// The most media host requests that were in flight at once.
    pub fn max_concurrent_media(&self) -> usize {
        self.state.media_max_in_flight.load(Ordering::SeqCst)
    }

    /// Forget the requests recorded so far (e.g. between two runs).
    pub fn clear_requests(&self) {
        self.state.requests.lock().unwrap().clear();
    }

    /// Replace the posts (e.g. a new post appears between two runs).
    pub fn set_posts(&self, posts: Vec<Post>) {
        let mut scenario = self.state.scenario.lock().unwrap();
        scenario.posts = with_timestamps(posts);
        scenario.generate_missing_media();
    }

    /// Add a fault while running; `times: None` for every request.
    pub fn add_fault(&self, route: Route, fault: Fault, times: Option<usize>) {
        self.state.scenario.lock().unwrap().rules.push(Rule {
            route,
            fault,
            remaining: times,
        });
    }

    /// Remove every fault.
    pub fn clear_faults(&self) {
        self.state.scenario.lock().unwrap().rules.clear();
    }

    /// `instabake build --site SITE ARGS...` with the token set and the API base pointing here.
    pub fn run_build(&self, site: &Path, args: &[&str]) -> Run {
        self.run_build_env(site, args, &[])
    }

    /// [`FakeApi::run_build`] with more environment variables.
    pub fn run_build_env(&self, site: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
        let base = self.base_url();
        let mut all = vec![("INSTABAKE_API_BASE", base.as_str())];
        all.extend_from_slice(env);
        super::run_build(site, args, &all)
    }

    /// Fails if the token, this server's media host or an Instagram CDN host appears in any file
    /// under `dir`, in a file name, or in the run's output.
    pub fn assert_no_secret_or_cdn(&self, dir: &Path, run: &Run) {
        super::assert_no_secret_or_cdn(dir, run, &self.host());
    }

    /// Fails unless every Graph API request carried the token and no media host request did.
    pub fn assert_token_only_sent_to_api(&self) {
        for request in self.requests() {
            if request.is_media() {
                assert!(
                    !request.carries_token() && !request.target.contains(TOKEN),
                    "the access token was sent to the media host: {}",
                    request.target
                );
            } else {
                assert_eq!(
                    request.token().as_deref(),
                    Some(TOKEN),
                    "API request without the right token: {}",
                    request.target
                );
            }
        }
    }
}

fn media_url(host: &str, name: &str) -> String {
    // Shaped like a signed CDN URL; the signature is fake but stable.
    let signature = images::seed_of(name);
    format!(
        "http://{host}/media/v/t51.29350-15/{name}?_nc_cat=1&ccb=1-7&_nc_sid=8ae9d6&oh=00_{signature:016x}&oe=6553F1A0"
    )
}

/// Records the request, answers it, and counts the media host requests in flight (until their
/// answer is written).
fn serve(request: &Request, responder: Responder, state: &State) {
    state.requests.lock().unwrap().push(request.clone());
    let is_media = request.is_media();
    if is_media {
        let now = state.media_in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        state.media_max_in_flight.fetch_max(now, Ordering::SeqCst);
    }
    let reply = answer(request, state, &request.server.to_string());
    responder.send(reply);
    if is_media {
        state.media_in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Decide the answer: faults first (in the order they were added), then the normal route.
fn answer(request: &Request, state: &State, host: &str) -> Reply {
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
        for rule in scenario.rules.iter_mut() {
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
        let scenario = state.scenario.lock().unwrap().clone();
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

/// 1-based page number of a `/me/media` request, from its `after` cursor.
fn page_number(request: &Request, scenario: &Scenario) -> usize {
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
pub fn cursor(offset: usize) -> String {
    encode_cursor(offset)
}

fn encode_cursor(offset: usize) -> String {
    let plain = format!("cursor:{offset}");
    let hex: String = plain.bytes().map(|b| format!("{b:02x}")).collect();
    format!("QVFI{hex}")
}

fn decode_cursor(cursor: &str) -> Option<usize> {
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

fn api_error(status: u16, code: u32, subcode: Option<u32>, kind: &str, message: &str) -> Response {
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

fn normal_response(
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

fn media_response(request: &Request, name: &str, scenario: &Scenario) -> Response {
    match scenario.media.get(name) {
        Some(file) => Response {
            status: 200,
            content_type: file.content_type.clone(),
            headers: vec![(
                "Cache-Control".into(),
                "max-age=1209600, no-transform".into(),
            )],
            body: if request.method == "HEAD" {
                Vec::new()
            } else {
                file.bytes().to_vec()
            },
        },
        None => Response {
            status: 404,
            content_type: "text/plain".into(),
            headers: Vec::new(),
            body: b"Not Found".to_vec(),
        },
    }
}

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
    if let Some(expected) = &scenario.expected_token {
        match &token {
            None => return api_error(
                400,
                2500,
                None,
                "IGApiException",
                "An active access token must be used to query information about the current user.",
            ),
            Some(token) if token != expected => {
                return api_error(
                    400,
                    190,
                    None,
                    "OAuthException",
                    "Invalid OAuth access token - Cannot parse access token",
                )
            }
            Some(_) => {}
        }
    }
    let fields = match request.param("fields").map(|f| parse_fields(&f)) {
        None => vec![Field::plain("id")],
        Some(Ok(fields)) => fields,
        Some(Err(problem)) => {
            return api_error(400, 100, None, "OAuthException", &problem);
        }
    };
    // An API version or account type that does not know a field refuses the whole request.
    if !matches!(target, Target::Me) {
        let asked = fields
            .iter()
            .flat_map(|f| std::iter::once(f).chain(f.sub.iter().flatten()));
        for field in asked {
            if scenario.unknown_fields.contains(&field.name) {
                return nonexisting_field(&field.name, "Media");
            }
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
        Target::Refresh => {
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
            "profile_picture_url" => json!(media_url(host, "profile.jpg")),
            "name" => json!("Bakery Demo"),
            "biography" => json!("Fresh bread every morning."),
            "website" => json!("https://bakery.example/"),
            "followers_count" => json!(1234),
            "follows_count" => json!(56),
            "media" => continue,
            other => return nonexisting_field(other, "User"),
        };
        out.insert(field.name.clone(), value);
    }
    out.insert("id".into(), json!(account.user_id));
    Response::json(200, &Value::Object(out))
}

fn nonexisting_field(field: &str, node: &str) -> Response {
    api_error(
        400,
        100,
        None,
        "OAuthException",
        &format!("(#100) Tried accessing nonexisting field ({field}) on node type ({node})"),
    )
}

fn media_list_response(
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
fn render_media(post: &Post, fields: &[Field], host: &str) -> Result<Value, Response> {
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
            "like_count" => Some(json!(0)),
            "comments_count" => Some(json!(0)),
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
                                data.push(render_media(child, sub, host)?)
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
struct Field {
    name: String,
    sub: Option<Vec<Field>>,
}

impl Field {
    fn plain(name: &str) -> Field {
        Field {
            name: name.to_string(),
            sub: None,
        }
    }
}

/// Parse `id,caption,children{id,media_url}`; modifiers such as `.limit(5)` are ignored.
fn parse_fields(text: &str) -> Result<Vec<Field>, String> {
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

/// Checks of the fake server's own logic (they run inside the integration test binary).
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fake_api_cursors_fields_paths_and_timestamps() {
        for offset in [0, 1, 5, 123] {
            assert_eq!(decode_cursor(&encode_cursor(offset)), Some(offset));
        }
        assert_eq!(decode_cursor("bogus"), None);
        let fields =
            parse_fields("id,caption,children{id,media_type,media_url},timestamp").unwrap();
        assert_eq!(fields.len(), 4);
        assert_eq!(fields[2].name, "children");
        assert_eq!(fields[2].sub.as_ref().unwrap().len(), 3);
        assert_eq!(
            parse_fields("children.limit(5){id}").unwrap()[0].name,
            "children"
        );
        assert!(parse_fields("children{id").is_err());
        assert_eq!(normalize_path("/v25.0/me/media"), "/me/media");
        assert_eq!(
            normalize_path("//media//s0//clip.mp4"),
            "/media/s0/clip.mp4"
        );
        assert_eq!(target_of("/17841400000000001/media"), Target::MediaList);
        assert_eq!(target_of("/123"), Target::Object("123".into()));
        assert_eq!(
            target_of("/media/v/x/a.jpg"),
            Target::MediaFile("a.jpg".into())
        );
        assert_eq!(timestamp_hours_before(0), "2026-11-20T12:00:00+0000");
        assert_eq!(timestamp_hours_before(13), "2026-11-19T23:00:00+0000");
        assert_eq!(timestamp_hours_before(36), "2026-11-19T00:00:00+0000");
    }
}
