//! The Graph API client (Instagram API with Instagram Login).
//!
//! One `reqwest::Client` with timeouts; the list call expands carousel children in the same request,
//! so a bake costs one request per 100 posts; children that still come back as ids only are fetched
//! one by one. Errors are typed by their Graph API code ([`crate::api_error`]), and only transient
//! failures are retried.
//!
//! The token travels only in the query string of requests to the API base, and request URLs are
//! never put into an error or a log line (`reqwest::Error::without_url`), because they carry it.
//! `paging.next` links are re-based onto the configured API base with our own token, so a hostile or
//! odd `next` cannot send the token to another host.

use std::time::Duration;

use url::Url;

use super::wire::{MediaPage, WireAccount, WireMedia};
use super::{Account, Feed, Origin, Post, Wanted};
use crate::api_error::{parse_error, ApiError, ErrorClass};
use crate::error::{Error, Result};
use crate::http::{self, Kind, Next, ATTEMPTS, MAX_RETRY_AFTER};
use crate::report;
use crate::token::Token;

/// Fields of a post in the list call; `children{CHILD_FIELDS}` follows them.
const POST_FIELDS: &[&str] = &[
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
];
/// Fields of a carousel child, expanded in the list call or fetched on its own.
const CHILD_FIELDS: &[&str] = &["id", "media_type", "media_url", "thumbnail_url", "alt_text"];
/// Fields that an older API version or another account type may not know (`alt_text` exists
/// since 2025-03-24). Asking for one of those fails the whole request with code 100, so each is
/// dropped, with a warning, when the API says it does not know it: the feed is worth more than
/// the field.
const OPTIONAL_FIELDS: &[&str] = &["media_product_type", "alt_text", "is_shared_to_feed"];
/// Fields of a post asked for with `[account] counts = true`; optional like the ones above. The
/// API leaves them out of a post whose owner hides them.
const COUNT_FIELDS: &[&str] = &["like_count", "comments_count"];
/// Fields of the account's profile (`[account] profile = true`). All but the first two are
/// optional: an account type or API version that does not know one costs that field only.
const PROFILE_FIELDS: &[&str] = &[
    "user_id",
    "username",
    "name",
    "account_type",
    "biography",
    "website",
    "profile_picture_url",
    "followers_count",
    "follows_count",
    "media_count",
];
/// The largest page the API serves.
const MAX_PAGE: usize = 100;
/// A feed never needs more pages than this; a `next` chain longer than that is cut off.
const MAX_PAGES: usize = 200;
/// The largest API response body accepted.
const MAX_BODY: u64 = 16 * 1024 * 1024;
/// At this share of a quota used (usage headers), failures are no longer retried.
const USAGE_NO_RETRY: u64 = 90;
/// At this share, no further request is sent in this run.
const USAGE_EXHAUSTED: u64 = 100;

/// A client for one account's token.
#[derive(Clone)]
pub(crate) struct Client {
    http: reqwest::Client,
    base: Url,
    token: Token,
    /// The highest quota share the usage headers reported in this run.
    usage: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// Ask the list call for each post's like and comment counts ([`Client::with_counts`]).
    counts: bool,
}

/// The media list as read ([`Client::read`]): what the API answered, each post once, with the
/// children of the posts that show filled in.
#[derive(Debug, Default)]
pub(crate) struct Read {
    /// The `/me/media` pages in the order read.
    pub pages: Vec<Vec<WireMedia>>,
    /// Pinned posts the pages did not hold, fetched by id (`GET /{id}`).
    pub pinned: Vec<WireMedia>,
}

impl Read {
    /// Every post read: the pages' in order, then the pinned ones.
    pub(crate) fn posts(&self) -> impl Iterator<Item = &WireMedia> {
        self.pages.iter().flatten().chain(&self.pinned)
    }
}

/// A refreshed token and how long it lives.
#[derive(Debug)]
pub(crate) struct Refreshed {
    pub token: Token,
    pub expires_in: Duration,
}

/// One request's outcome, with what its headers said about trying again.
struct Attempt {
    outcome: Result<Vec<u8>>,
    retry_after: Option<Duration>,
}

/// What a failed API call says about trying again: throttling codes are throttling, codes 1 and 2,
/// `is_transient`, 5xx and the network are transient, everything else (190, 10, 100, 200-299, ...)
/// is final. Then [`http::next_step`] decides, the same as for downloads.
fn next_step(error: &Error, retry_after: Option<Duration>, attempt: u32, usage: u64) -> Next {
    let kind = match error {
        Error::Api(e) => match e.class() {
            ErrorClass::Throttled => Kind::Throttled,
            ErrorClass::Transient => Kind::Transient,
            _ if e.status >= 500 => Kind::Transient,
            _ => Kind::Final,
        },
        Error::Network { .. } | Error::Server { .. } => Kind::Transient,
        _ => Kind::Final,
    };
    http::next_step(kind, retry_after, attempt, usage, USAGE_NO_RETRY)
}

impl Client {
    /// A client for `base` (e.g. `https://graph.instagram.com` or `.../v25.0`).
    pub(crate) fn new(http: reqwest::Client, base: &str, token: Token) -> Result<Client> {
        let mut base = Url::parse(base).map_err(|source| Error::BadUrl {
            what: format!("api_base {base:?} is not a URL"),
            source,
        })?;
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        Ok(Client {
            http,
            base,
            token,
            usage: Default::default(),
            counts: false,
        })
    }

    /// Also reads each post's `like_count` and `comments_count` (`[account] counts = true`).
    pub(crate) fn with_counts(mut self, counts: bool) -> Client {
        self.counts = counts;
        self
    }

    /// Fetches the newest `limit` posts, following `paging.next` as needed, with carousel children
    /// filled in.
    pub(crate) async fn feed(&self, limit: usize) -> Result<Feed> {
        self.select(&Wanted::newest(limit)).await
    }

    /// Reads pages of `/me/media` until `wanted.limit` posts show, the list ends, or (when some
    /// posts may not show) `max_pages` pages were read or the usage headers reach 90%; then
    /// fetches the pinned posts its pages did not hold. Returns every post read, shown or not
    /// (what the cache keeps), with the children of those that show filled in.
    pub(crate) async fn select(&self, wanted: &Wanted<'_>) -> Result<Feed> {
        let read = self.read(wanted).await?;
        let posts: Vec<Post> = (read.pages.into_iter().flatten())
            .chain(read.pinned)
            .map(WireMedia::into_post)
            .collect();
        let username = posts.iter().find_map(|m| m.username.clone());
        Ok(Feed {
            account: Account {
                username,
                ..Account::default()
            },
            posts,
            fetched_at: super::now_rfc3339(),
            origin: Origin::Live,
        })
    }

    /// What [`Client::select`] reads, as the API gave it: the pages in order (each post once) and
    /// the pinned posts fetched by id. `instabake record` writes these as a replay folder.
    pub(crate) async fn read(&self, wanted: &Wanted<'_>) -> Result<Read> {
        let limit = wanted.limit;
        // Looking for posts that pass a filter, the largest pages cost the fewest requests.
        let page_size = if wanted.narrows {
            MAX_PAGE
        } else {
            limit.min(MAX_PAGE)
        };
        let max_pages = if wanted.narrows {
            wanted.max_pages.clamp(1, MAX_PAGES)
        } else {
            MAX_PAGES
        };
        let mut url = self.url("me/media")?;
        url.query_pairs_mut()
            .append_pair("limit", &page_size.to_string());
        let mut fields = FieldSet::media(self.counts);
        let mut read = Read::default();
        let mut seen = std::collections::HashSet::new();
        let mut shown = 0;
        let mut seen_next = std::collections::HashSet::new();
        let mut stopped = None;
        for page_number in 1..=max_pages {
            let what = if page_number == 1 {
                "the media list".to_owned()
            } else {
                format!("the media list (page {page_number})")
            };
            let body = self
                .get_fields(&what, &url, &mut fields, FieldSet::post)
                .await?;
            let page = MediaPage::parse(&body).map_err(|source| Error::ResponseJson {
                what: what.clone(),
                source,
            })?;
            report::detail(format!("{what}: {} posts", page.data.len()));
            let empty = page.data.is_empty();
            let mut kept = Vec::with_capacity(page.data.len());
            for mut media in page.data {
                if !seen.insert(media.id.clone()) {
                    continue;
                }
                // Children are fetched only for posts that show: the others are kept (for a
                // later bake with other settings) without costing a request.
                if shown < limit && wanted.counts(&media.clone().into_post()) {
                    self.fill_children(&mut media, &mut fields).await?;
                    shown += 1;
                }
                kept.push(media);
            }
            read.pages.push(kept);
            if shown >= limit || empty {
                break;
            }
            let Some(next) = page.paging.and_then(|p| p.next) else {
                break;
            };
            let next = self.rebase(&next)?;
            if !seen_next.insert(next.to_string()) {
                report::warn(
                    "the API's paging links loop back to a page already read; stopping there",
                );
                break;
            }
            url = next;
            if page_number == max_pages {
                stopped = Some(if wanted.narrows {
                    format!(
                        "[filter] max_pages = {max_pages} pages were read; raise it to look \
                         further back"
                    )
                } else {
                    format!("the API kept sending more after {MAX_PAGES} pages")
                });
                break;
            }
            let usage = self.usage.load(std::sync::atomic::Ordering::Relaxed);
            if wanted.narrows && usage >= USAGE_NO_RETRY {
                stopped = Some(format!(
                    "Instagram reports {usage}% of the rate limit used, so no further page was \
                     asked for"
                ));
                break;
            }
        }
        if shown < limit && wanted.narrows {
            let why = stopped.unwrap_or_else(|| "the account has no more posts".to_owned());
            report::warn(format!(
                "only {shown} of the {} posts read pass [filter], fewer than limit = {limit}: {why}",
                read.posts().count()
            ));
        } else if let Some(why) = stopped {
            report::warn(format!("stopped paging: {why}"));
        }
        for id in &wanted.pinned_ids {
            if seen.contains(id) {
                continue;
            }
            if let Some(post) = self.pinned(id, &mut fields).await {
                seen.insert(post.id.clone());
                read.pinned.push(post);
            }
        }
        Ok(read)
    }

    /// A pinned post that the pages read did not hold (`GET /{id}`), or `None`: a post that is
    /// not on the account any more (code 100) is left to curation to warn about; any other
    /// failure is warned about here. A pin never fails a bake.
    async fn pinned(&self, id: &str, fields: &mut FieldSet) -> Option<WireMedia> {
        let what = format!("pinned post {id}");
        let fetched = async {
            let url = self.url(&encode_segment(id))?;
            let body = self.get_fields(&what, &url, fields, FieldSet::post).await?;
            let mut media: WireMedia = parse_json(&what, &body)?;
            self.fill_children(&mut media, fields).await?;
            Ok::<_, Error>(media)
        };
        match fetched.await {
            Ok(post) => Some(post),
            Err(Error::Api(error)) if error.code == Some(100) || error.status == 404 => {
                report::detail(format!("{error}"));
                None
            }
            Err(error) => {
                report::warn_post(id, format!("{error}; the pin is left out in this run"));
                None
            }
        }
    }

    /// The account the token belongs to (`GET /me`): one request, which also proves the token
    /// works.
    pub(crate) async fn me(&self) -> Result<Account> {
        let mut url = self.url("me")?;
        url.query_pairs_mut()
            .append_pair("fields", "user_id,username,account_type,media_count");
        let account: WireAccount = self.get_json("the account (/me)", url).await?;
        Ok(account.into_account())
    }

    /// The account's profile (`GET /me` with [`PROFILE_FIELDS`]), for `[account] profile = true`.
    /// A field the API does not know is dropped with a warning, as for media fields.
    pub(crate) async fn profile(&self) -> Result<Account> {
        Ok(self.read_profile().await?.into_account())
    }

    /// [`Client::profile`] as the API answered it.
    pub(crate) async fn read_profile(&self) -> Result<WireAccount> {
        let url = self.url("me")?;
        let what = "the account's profile (/me)";
        let mut fields = FieldSet::profile();
        let body = self
            .get_fields(what, &url, &mut fields, FieldSet::profile_fields)
            .await?;
        parse_json(what, &body)
    }

    /// Refreshes the long-lived token (`GET /refresh_access_token`). The new token is registered
    /// for redaction (and masked under GitHub Actions) before anything else happens with it.
    pub(crate) async fn refresh(&self) -> Result<Refreshed> {
        let mut url = self.url("refresh_access_token")?;
        url.query_pairs_mut()
            .append_pair("grant_type", "ig_refresh_token");
        let what = "the token refresh";
        #[derive(serde::Deserialize)]
        struct Wire {
            access_token: String,
            expires_in: u64,
        }
        let wire: Wire = self.get_json(what, url).await?;
        if wire.access_token.trim().is_empty() {
            return Err(Error::BadResponse {
                what: what.to_owned(),
                message: "the answer holds no access_token".to_owned(),
            });
        }
        Ok(Refreshed {
            token: Token::new(&wire.access_token),
            expires_in: Duration::from_secs(wire.expires_in),
        })
    }

    /// Fetches the children of a carousel that came back as ids only.
    async fn fill_children(&self, post: &mut WireMedia, fields: &mut FieldSet) -> Result<()> {
        let Some(children) = post.children.as_mut() else {
            return Ok(());
        };
        for child in children.data.iter_mut().filter(|c| c.is_id_only()) {
            let url = self.url(&encode_segment(&child.id))?;
            let what = format!("carousel item {} of post {}", child.id, post.id);
            let body = self
                .get_fields(&what, &url, fields, FieldSet::child)
                .await?;
            *child = parse_json(&what, &body)?;
        }
        Ok(())
    }

    /// [`Client::get`] of `url` asking for the fields `list` makes of `fields`. When the API does
    /// not know an optional field, asks again without it, and says so.
    async fn get_fields(
        &self,
        what: &str,
        url: &Url,
        fields: &mut FieldSet,
        list: fn(&FieldSet) -> String,
    ) -> Result<Vec<u8>> {
        loop {
            let mut asking = url.clone();
            set_query(&mut asking, "fields", &list(fields));
            match self.get(what, asking).await {
                Err(Error::Api(error)) => match fields.drop_unknown(&error) {
                    Some(dropped) => {
                        let field = match error.unknown_field() {
                            Some(name) if !name.is_empty() => format!("the field {name}"),
                            _ => "a field it was asked for".to_owned(),
                        };
                        report::warn(format!(
                            "the Instagram API does not know {field} (code 100: an older API \
                             version, or another account type); baking without {}",
                            dropped.join(", ")
                        ));
                    }
                    None => return Err(Error::Api(error)),
                },
                other => return other,
            }
        }
    }

    /// [`Client::get`], then the body as JSON of type `T` (a parser's message is redacted: it can
    /// quote the body, and the body can hold a token).
    async fn get_json<T: serde::de::DeserializeOwned>(&self, what: &str, url: Url) -> Result<T> {
        let body = self.get(what, url).await?;
        parse_json(what, &body)
    }

    fn url(&self, path: &str) -> Result<Url> {
        self.base.join(path).map_err(|source| Error::BadUrl {
            what: format!("cannot build an API URL for {path}"),
            source,
        })
    }

    /// Takes the path and query of a `paging.next` link and puts them on our API base, without the
    /// token the API echoed into it.
    fn rebase(&self, next: &str) -> Result<Url> {
        let parsed = Url::parse(next)
            .or_else(|_| self.base.join(next))
            .map_err(|_| Error::BadResponse {
                what: "the media list".into(),
                message: "paging.next is not a URL".into(),
            })?;
        // Our base is `[a proxy's prefix][/vNN.N]`; the link's path is `[/vNN.N]/...` as the API
        // wrote it, or already under the prefix when a proxy wrote it.
        let base_path = self.base.path().trim_end_matches('/');
        let (prefix, version) = match base_path.rsplit_once('/') {
            Some((prefix, last)) if is_api_version(last) => (prefix, &base_path[prefix.len()..]),
            _ => (base_path, ""),
        };
        let next_path = parsed.path();
        let path = if !prefix.is_empty() && next_path.starts_with(prefix) {
            next_path.to_owned()
        } else if next_path.split('/').nth(1).is_some_and(is_api_version) {
            format!("{prefix}{next_path}")
        } else {
            format!("{prefix}{version}{next_path}")
        };
        let mut url = self.base.clone();
        url.set_path(&path);
        url.set_query(None);
        {
            let mut query = url.query_pairs_mut();
            for (key, value) in parsed.query_pairs() {
                if key != "access_token" {
                    query.append_pair(&key, &value);
                }
            }
        }
        Ok(url)
    }

    /// One GET with the token, retried on transient failures. Returns the body of a success.
    async fn get(&self, what: &str, mut url: Url) -> Result<Vec<u8>> {
        url.query_pairs_mut()
            .append_pair("access_token", self.token.expose());
        let mut attempt = 1;
        loop {
            let usage = self.usage.load(std::sync::atomic::Ordering::Relaxed);
            if usage >= USAGE_EXHAUSTED {
                return Err(ApiError::quota_used_up(what, usage).into());
            }
            let Attempt {
                outcome,
                retry_after,
            } = self.get_once(what, url.clone()).await;
            let Err(error) = outcome else {
                return outcome;
            };
            let usage = self.usage.load(std::sync::atomic::Ordering::Relaxed);
            match next_step(&error, retry_after, attempt, usage) {
                Next::Retry(delay) => {
                    report::detail(format!(
                        "{error}; retrying in {:.1} s (attempt {} of {ATTEMPTS})",
                        delay.as_secs_f32(),
                        attempt + 1
                    ));
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                Next::Stop => {
                    if let Some(wait) = retry_after.filter(|w| *w > MAX_RETRY_AFTER) {
                        report::detail(format!(
                            "Instagram asks to wait {} s before trying again; not waiting that long",
                            wait.as_secs()
                        ));
                    }
                    return Err(error);
                }
            }
        }
    }

    async fn get_once(&self, what: &str, url: Url) -> Attempt {
        let mut retry = None;
        let outcome = self.send(what, url, &mut retry).await;
        Attempt {
            outcome,
            retry_after: retry,
        }
    }

    async fn send(&self, what: &str, url: Url, retry: &mut Option<Duration>) -> Result<Vec<u8>> {
        let answer =
            http::get(&self.http, url, MAX_BODY)
                .await
                .map_err(|failure| match failure {
                    http::Failure::TooLarge { max } => Error::BadResponse {
                        what: what.to_owned(),
                        message: format!("the response is larger than {} MiB", max >> 20),
                    },
                    transport => Error::Network {
                        what: what.to_owned(),
                        source: transport,
                    },
                })?;
        *retry = answer.retry_after();
        if let Some(percent) = note_usage(&answer.headers) {
            self.usage
                .fetch_max(percent, std::sync::atomic::Ordering::Relaxed);
        }
        let (status, body) = (answer.status, answer.body);
        if let Some(error) = parse_error(what, status, &body) {
            return Err(error.into());
        }
        if status == 429 {
            return Err(ApiError {
                what: what.to_owned(),
                status: 429,
                code: None,
                subcode: None,
                message: "too many requests".to_owned(),
                transient: false,
            }
            .into());
        }
        if status >= 500 {
            return Err(Error::Server {
                what: what.to_owned(),
                status,
                body: http::describe_body(&body),
            });
        }
        if !(200..300).contains(&status) {
            return Err(Error::BadResponse {
                what: what.to_owned(),
                message: format!("HTTP {status} with {}", http::describe_body(&body)),
            });
        }
        Ok(body)
    }
}

/// A Graph API version as it stands in a path: `v26.0`.
pub(crate) fn is_api_version(text: &str) -> bool {
    text.strip_prefix('v')
        .and_then(|rest| rest.split_once('.'))
        .is_some_and(|(major, minor)| {
            [major, minor]
                .iter()
                .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
}

/// A successful answer's body as JSON of type `T`.
fn parse_json<T: serde::de::DeserializeOwned>(what: &str, body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|source| Error::ResponseJson {
        what: what.to_owned(),
        source,
    })
}

/// Sets the query parameter `key` of `url` to `value`, replacing any it had (a `paging.next` link
/// carries the `fields` it was made for).
fn set_query(url: &mut Url, key: &str, value: &str) {
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != key)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair(key, value);
}

/// The fields asked for, less the optional ones the API said it does not know.
#[derive(Debug)]
struct FieldSet {
    /// The fields that may be dropped, among those asked for.
    optional: Vec<&'static str>,
    /// Whether the list call asks for [`COUNT_FIELDS`].
    counts: bool,
    dropped: Vec<&'static str>,
}

impl Default for FieldSet {
    fn default() -> Self {
        FieldSet::media(false)
    }
}

impl FieldSet {
    /// The media fields, with the counts when `counts`.
    fn media(counts: bool) -> FieldSet {
        let mut optional = OPTIONAL_FIELDS.to_vec();
        if counts {
            optional.extend(COUNT_FIELDS);
        }
        FieldSet {
            optional,
            counts,
            dropped: Vec::new(),
        }
    }

    /// The profile fields.
    fn profile() -> FieldSet {
        FieldSet {
            optional: PROFILE_FIELDS[2..].to_vec(),
            counts: false,
            dropped: Vec::new(),
        }
    }

    /// The `fields` of the profile call.
    fn profile_fields(&self) -> String {
        self.list(PROFILE_FIELDS)
    }

    fn list(&self, fields: &[&str]) -> String {
        fields
            .iter()
            .filter(|f| !self.dropped.contains(f))
            .copied()
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The `fields` of the list call, children expanded.
    fn post(&self) -> String {
        let mut fields = self.list(POST_FIELDS);
        let counts = self.list(COUNT_FIELDS);
        if self.counts && !counts.is_empty() {
            fields.push(',');
            fields.push_str(&counts);
        }
        format!("{fields},children{{{}}}", self.child())
    }

    /// The `fields` of a carousel child.
    fn child(&self) -> String {
        self.list(CHILD_FIELDS)
    }

    /// After a "nonexisting field" error: drops the optional field it names, or, when it names
    /// none, every optional field still asked for, and returns what was dropped. `None` when it
    /// names a field that cannot go, or nothing is left to drop: the error stands.
    fn drop_unknown(&mut self, error: &ApiError) -> Option<Vec<&'static str>> {
        let named = error.unknown_field()?;
        let left: Vec<&'static str> = self
            .optional
            .iter()
            .copied()
            .filter(|f| !self.dropped.contains(f))
            .collect();
        let dropping: Vec<&'static str> = if named.is_empty() {
            left
        } else {
            left.into_iter().filter(|f| *f == named).collect()
        };
        if dropping.is_empty() {
            return None;
        }
        self.dropped.extend(&dropping);
        Some(dropping)
    }
}

/// Reads Meta's usage headers and warns when a quota is nearly used up; returns the highest share
/// reported. The values are JSON objects of percentages (or, in one variant, nested per business
/// id); anything unreadable is ignored.
fn note_usage(headers: &reqwest::header::HeaderMap) -> Option<u64> {
    let mut highest = None;
    for name in ["x-app-usage", "x-business-use-case-usage"] {
        let Some(value) = headers.get(name).and_then(|v| v.to_str().ok()) else {
            continue;
        };
        if let Some(percent) = max_usage(value) {
            highest = highest.max(Some(percent));
            report::detail(format!("{name}: {percent}% of the quota used"));
            if percent >= 90 {
                report::warn(format!(
                    "Instagram reports {percent}% of this app's rate limit used ({name}); bake less often"
                ));
            }
        }
    }
    highest
}

/// The largest usage percentage in a usage header value.
pub(crate) fn max_usage(value: &str) -> Option<u64> {
    fn walk(value: &serde_json::Value, max: &mut Option<u64>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, v) in map {
                    let counts = matches!(
                        key.as_str(),
                        "call_count" | "total_cputime" | "total_time" | "call_volume" | "cpu_time"
                    );
                    match v.as_u64() {
                        Some(n) if counts => *max = Some(max.unwrap_or(0).max(n)),
                        // Minutes until a throttled app may call again: the quota is used up.
                        Some(n) if key == "estimated_time_to_regain_access" => {
                            *max = Some(max.unwrap_or(0).max(if n > 0 { 100 } else { 0 }));
                        }
                        _ => walk(v, max),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, max)),
            _ => {}
        }
    }
    let parsed: serde_json::Value = serde_json::from_str(value).ok()?;
    let mut max = None;
    walk(&parsed, &mut max);
    max
}

/// A media id as one URL path segment: ids are digits, but nothing from the API is trusted.
fn encode_segment(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(base: &str) -> Client {
        Client::new(
            http::client(Duration::from_secs(5)).unwrap(),
            base,
            Token::new("IGQWRunit-test-token"),
        )
        .unwrap()
    }

    #[test]
    fn next_links_are_rebased_without_their_token() {
        let c = client("http://127.0.0.1:9999");
        let url = c
            .rebase("https://graph.instagram.com/v21.0/1784/media?limit=25&access_token=LEAKED&after=QVFI")
            .unwrap();
        assert_eq!(url.host_str(), Some("127.0.0.1"));
        assert_eq!(url.path(), "/v21.0/1784/media");
        assert!(!url.as_str().contains("LEAKED"));
        assert!(url.as_str().contains("after=QVFI"));

        let c = client("https://graph.instagram.com/v25.0");
        let url = c.rebase("https://evil.example/me/media?after=x").unwrap();
        assert_eq!(
            url.as_str(),
            "https://graph.instagram.com/v25.0/me/media?after=x"
        );
        // The link's own version is kept, never stacked under ours.
        let c = client("http://127.0.0.1:9999/v26.0");
        let url = c
            .rebase("https://graph.instagram.com/v25.0/1784/media?after=Q")
            .unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9999/v25.0/1784/media?after=Q"
        );
        // Behind a proxy with a path prefix, whoever wrote the link.
        let c = client("https://proxy.example/ig/v26.0");
        for next in [
            "https://graph.instagram.com/v26.0/1784/media?after=Q",
            "https://proxy.example/ig/v26.0/1784/media?after=Q",
        ] {
            assert_eq!(
                c.rebase(next).unwrap().as_str(),
                "https://proxy.example/ig/v26.0/1784/media?after=Q",
                "{next}"
            );
        }
    }

    fn nonexisting(field: &str) -> ApiError {
        ApiError {
            what: "x".into(),
            status: 400,
            code: Some(100),
            subcode: None,
            message: format!(
                "(#100) Tried accessing nonexisting field ({field}) on node type (User)"
            ),
            transient: false,
        }
    }

    #[test]
    fn counts_and_profile_fields_are_optional() {
        let fields = FieldSet::default();
        assert!(!fields.post().contains("like_count"), "{}", fields.post());
        let mut fields = FieldSet::media(true);
        assert!(
            fields.post().starts_with(
                "id,caption,media_type,media_product_type,media_url,thumbnail_url,permalink,\
                 timestamp,username,alt_text,is_shared_to_feed,like_count,comments_count,children{"
            ),
            "{}",
            fields.post()
        );
        assert_eq!(
            fields.drop_unknown(&nonexisting("like_count")),
            Some(vec!["like_count"])
        );
        assert!(
            fields.post().contains(",comments_count,children{"),
            "{}",
            fields.post()
        );
        assert!(!fields.post().contains("like_count"));

        let mut profile = FieldSet::profile();
        assert_eq!(
            profile.profile_fields(),
            "user_id,username,name,account_type,biography,website,profile_picture_url,\
             followers_count,follows_count,media_count"
        );
        assert_eq!(
            profile.drop_unknown(&nonexisting("website")),
            Some(vec!["website"])
        );
        assert!(!profile.profile_fields().contains("website"));
        // The id and the username are what the call is for: refusing them fails it.
        assert_eq!(profile.drop_unknown(&nonexisting("username")), None);
        // Not a profile field at all.
        assert_eq!(profile.drop_unknown(&nonexisting("alt_text")), None);
    }

    #[test]
    fn usage_headers_are_read_leniently() {
        assert_eq!(
            max_usage(r#"{"call_count":2,"total_cputime":0,"total_time":8}"#),
            Some(8)
        );
        assert_eq!(max_usage(r#"{"call_volume":95,"cpu_time":0}"#), Some(95));
        assert_eq!(
            max_usage(
                r#"{"1784":[{"type":"instagram","call_count":91,"total_cputime":1,"total_time":2}]}"#
            ),
            Some(91)
        );
        assert_eq!(max_usage("{'call_count': 2}"), None);
        assert_eq!(
            max_usage(
                r#"{"1784":[{"type":"instagram","call_count":12,"estimated_time_to_regain_access":7}]}"#
            ),
            Some(100)
        );
    }

    fn api_error(status: u16, code: Option<i64>, transient: bool) -> Error {
        ApiError {
            what: "the media list".into(),
            status,
            code,
            subcode: None,
            message: "x".into(),
            transient,
        }
        .into()
    }

    #[test]
    fn retry_policy() {
        let secs = Duration::from_secs;
        // A 5xx without an error body (the network's own failures are classed the same way).
        let network = Error::Server {
            what: "the media list".into(),
            status: 502,
            body: "an HTML page".into(),
        };
        // Transient: backoff, or the server's Retry-After when it is short; bounded attempts.
        assert!(matches!(next_step(&network, None, 1, 0), Next::Retry(_)));
        assert_eq!(next_step(&network, None, ATTEMPTS, 0), Next::Stop);
        let server = api_error(503, None, false);
        assert_eq!(
            next_step(&server, Some(secs(2)), 1, 0),
            Next::Retry(secs(2))
        );
        assert_eq!(next_step(&server, Some(secs(3600)), 1, 0), Next::Stop);
        for code in [1, 2] {
            assert!(matches!(
                next_step(&api_error(500, Some(code), false), None, 2, 0),
                Next::Retry(_)
            ));
        }
        assert!(matches!(
            next_step(&api_error(400, Some(9999), true), None, 1, 0),
            Next::Retry(_)
        ));
        // Throttling: never hammered; one retry only when asked to wait briefly.
        for code in [4, 17, 32, 613, 80002] {
            let throttled = api_error(400, Some(code), true);
            assert_eq!(next_step(&throttled, None, 1, 0), Next::Stop, "{code}");
            assert_eq!(
                next_step(&throttled, Some(secs(5)), 1, 0),
                Next::Retry(secs(5))
            );
            assert_eq!(next_step(&throttled, Some(secs(5)), 2, 0), Next::Stop);
        }
        let too_many = api_error(429, None, false);
        assert_eq!(next_step(&too_many, None, 1, 0), Next::Stop);
        // Final answers are never retried, whatever the headers say.
        for code in [190, 10, 100, 200, 250, 299] {
            let error = api_error(400, Some(code), false);
            assert_eq!(next_step(&error, None, 1, 0), Next::Stop, "{code}");
            assert_eq!(next_step(&error, Some(secs(1)), 1, 0), Next::Stop, "{code}");
        }
        // A nearly used-up quota is not spent on retries.
        assert_eq!(next_step(&network, None, 1, USAGE_NO_RETRY), Next::Stop);
    }
}
