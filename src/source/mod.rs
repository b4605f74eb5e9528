//! Where posts come from: the Graph API ([`api`]), a recorded replay folder ([`replay`], which
//! `instabake record` writes through [`scrub`]), the cache's last good feed, or the site's
//! imported export ([`export`]), alone or merged into the API's. Each produces the same plain
//! [`Feed`]; downstream, only a post's [`PostSource`] says which it was (for the data file, and
//! for where a post with no permalink links to).

pub(crate) mod api;
pub(crate) mod cached;
pub(crate) mod export;
pub(crate) mod replay;
pub(crate) mod scrub;
pub(crate) mod wire;

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Where the feed comes from and how it is fetched: the top-level `api_base`, `api_version`,
/// `timeout`, `max_age` and `replay` keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SourceSettings {
    /// The API base with its version: `api_base` (or `INSTABAKE_API_BASE`) as given when it
    /// carries one (`.../v25.0`), else with `api_version` appended.
    pub api_base: String,
    /// `api_version`, e.g. `v26.0`.
    pub api_version: String,
    /// How long to wait for a connection or for the next bytes of an answer.
    pub timeout: Duration,
    /// A feed fetched less than this long ago is baked from the cache without calling the API.
    pub max_age: Option<Duration>,
    /// A recorded replay folder to read instead of the API.
    pub replay: Option<PathBuf>,
    /// `export_dir`: the imported export's folder, read beside the API when it exists (a site of
    /// one account only).
    pub export_dir: PathBuf,
}

/// The `[account]` section: what is read about the account besides its posts. Each costs API
/// work, and each is something the owner may not want on a site, so both are off by default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct ProfileSettings {
    /// One `/me` call for the profile (name, biography, website, picture, follower and post
    /// counts), for the data file's `account` and the partial's header.
    pub profile: bool,
    /// Each post's `like_count` and `comments_count`.
    pub counts: bool,
}

impl ProfileSettings {
    /// Leaves in `feed` only what these settings ask for: a feed from the cache may have been
    /// fetched with the profile or the counts, and turning them off must take them off the site.
    pub(crate) fn apply(self, feed: &mut Feed) {
        if !self.profile {
            feed.account.forget_profile();
        }
        if !self.counts {
            for post in &mut feed.posts {
                post.like_count = None;
                post.comments_count = None;
            }
        }
    }
}

/// Which source a feed came from; recorded in the data file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Origin {
    /// Fetched from the API in this run.
    Live,
    /// Read from a recorded replay folder.
    Replay,
    /// The last good feed kept in the cache, because the source failed.
    Cache,
    /// The site's imported export alone (no token: a personal account has no API).
    Export,
}

/// Where one post came from: the API (or a replay of it), the imported export, or both (the
/// same post in each: the API's version is kept).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum PostSource {
    #[default]
    Api,
    Export,
    Both,
}

/// The account the posts belong to. Every field may be unknown; the profile fields (name to
/// picture) are read only with `[account] profile = true`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Account {
    pub id: Option<String>,
    pub username: Option<String>,
    /// `BUSINESS`, `MEDIA_CREATOR` or `PERSONAL` (which the API no longer serves).
    pub account_type: Option<String>,
    pub media_count: Option<u64>,
    pub name: Option<String>,
    pub biography: Option<String>,
    /// As the account wrote it; the data file keeps it only when it is an http(s) URL.
    pub website: Option<String>,
    pub followers_count: Option<u64>,
    pub follows_count: Option<u64>,
    /// The profile picture, baked like a post's image (see [`profile_picture`]).
    pub picture: Option<Item>,
}

impl Account {
    /// Drops what only the profile call reads.
    pub(crate) fn forget_profile(&mut self) {
        self.name = None;
        self.biography = None;
        self.website = None;
        self.followers_count = None;
        self.follows_count = None;
        self.picture = None;
    }

    /// Whether anything of the profile is known.
    pub(crate) fn has_profile(&self) -> bool {
        self.name.is_some()
            || self.biography.is_some()
            || self.website.is_some()
            || self.followers_count.is_some()
            || self.picture.is_some()
    }
}

/// The profile picture at `url` as an item to bake. Its id, which names its original in the cache,
/// is made from the URL's path without the signature in its query: the path names the picture
/// (Instagram gives a new picture a new file name), the query changes every few days for the
/// same picture. So a new picture is baked and the old one pruned, while the same picture behind a
/// freshly signed URL is not downloaded again.
///
/// A replay folder's picture (a relative path) named after such an id, `media/profile-<16 hex
/// digits>.jpg` as `instabake record` writes it, keeps that id: the replay then bakes the data
/// file the live bake did.
pub(crate) fn profile_picture(url: String) -> Item {
    let stable = match url::Url::parse(&url) {
        Ok(parsed) => parsed.path().to_owned(),
        Err(_) => url.split(['?', '#']).next().unwrap_or_default().to_owned(),
    };
    let id = recorded_picture_id(&stable).unwrap_or_else(|| {
        let hash = blake3::hash(stable.as_bytes()).to_hex();
        format!("profile-{}", &hash[..16])
    });
    Item {
        id,
        kind: ItemKind::Image,
        image_url: Some(url),
        video_url: None,
        alt_text: None,
    }
}

/// The picture id in the file name of a recorded profile picture: `profile-` and 16 hex digits,
/// the file's name without its extension.
fn recorded_picture_id(path: &str) -> Option<String> {
    let name = path.rsplit('/').next()?;
    let stem = name.split_once('.').map_or(name, |(stem, _)| stem);
    let hex = stem.strip_prefix("profile-")?;
    (hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then(|| stem.to_owned())
}

/// What kind of post it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum PostKind {
    Image,
    Video,
    Carousel,
}

/// What kind of one media item (a post's own image or video, or a carousel child) it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ItemKind {
    Image,
    Video,
}

/// One image or video to bake: a post's own media, or one carousel child.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Item {
    pub id: String,
    pub kind: ItemKind,
    /// The image to bake: `media_url` of an image, `thumbnail_url` (the poster) of a video.
    pub image_url: Option<String>,
    /// The video file (`media_url` of a video); absent for videos with licensed audio.
    pub video_url: Option<String>,
    pub alt_text: Option<String>,
}

/// One post, as every source produces it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Post {
    pub id: String,
    pub kind: PostKind,
    /// `media_product_type` lowercased: `feed`, `reels`, ...
    pub product: Option<String>,
    /// `is_shared_to_feed`: whether a reel also shows in the profile's grid. Unknown in feeds
    /// cached before it was kept, and where the API refused the field.
    #[serde(default)]
    pub shared_to_feed: Option<bool>,
    pub permalink: Option<String>,
    /// RFC 3339, normalised from the API's `2024-01-02T03:04:05+0000`.
    pub timestamp: Option<String>,
    pub caption: Option<String>,
    pub alt_text: Option<String>,
    pub username: Option<String>,
    /// With `[account] counts = true`; `None` when the API leaves it out (the owner hides it).
    #[serde(default)]
    pub like_count: Option<u64>,
    #[serde(default)]
    pub comments_count: Option<u64>,
    /// The media to bake, in order: one for an image or video, every child for a carousel.
    pub items: Vec<Item>,
    /// Where the tile links to instead of the permalink: a `[posts.SHORTCODE] link`. Set by
    /// curation, never by a source, so the cache (which keeps what the source read) never holds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// The fields a `[posts.SHORTCODE]` table replaced (`alt`, `caption`, `link`); set by curation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overridden: Vec<String>,
    /// Where the post came from; feeds cached before exports were read are the API's.
    #[serde(default)]
    pub source: PostSource,
}

/// A whole feed as fetched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Feed {
    pub account: Account,
    pub posts: Vec<Post>,
    /// When the posts were fetched, RFC 3339 UTC.
    pub fetched_at: String,
    pub origin: Origin,
}

/// Which posts a bake shows, as the source needs to know it: it reads pages until `limit` posts
/// show, and fetches pinned posts its pages did not reach. Curation fills it in
/// (`curate::Curation::wanted`); the source knows no filter.
pub(crate) struct Wanted<'a> {
    /// How many posts to bake.
    pub limit: usize,
    /// Which posts show.
    pub shows: &'a dyn Selects,
    /// Pinned posts named by id, fetched one by one when the pages read do not hold them.
    pub pinned_ids: Vec<String>,
    /// How many pages to read at most looking for posts that show, when `narrows`.
    pub max_pages: usize,
    /// Whether some posts may not show: then pages are read at their largest, and the source says
    /// when it stopped before `limit` posts showed.
    pub narrows: bool,
}

/// The question the source asks of curation about each post it reads.
pub(crate) trait Selects: Sync {
    /// Whether the post shows (counts towards `limit`).
    fn shows(&self, post: &Post) -> bool;
}

/// Every post shows.
struct Everything;

impl Selects for Everything {
    fn shows(&self, _: &Post) -> bool {
        true
    }
}

impl Wanted<'static> {
    /// The newest `limit` posts, whatever they are.
    pub(crate) fn newest(limit: usize) -> Wanted<'static> {
        Wanted {
            limit,
            shows: &Everything,
            pinned_ids: Vec::new(),
            max_pages: 1,
            narrows: false,
        }
    }
}

impl Wanted<'_> {
    /// Whether the post shows: what the source counts towards `limit`.
    pub(crate) fn counts(&self, post: &Post) -> bool {
        self.shows.shows(post)
    }
}

/// The current time as RFC 3339 UTC, second precision.
pub(crate) fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_picture_is_named_by_its_path_not_its_signature() {
        let signed = |path: &str, oh: &str| {
            format!("https://scontent-lax3-1.cdninstagram.com/v/t51.2885-19/{path}?_nc_ht=x&oh={oh}&oe=62C047D8")
        };
        let first = profile_picture(signed("1_n.jpg", "00_AAA"));
        assert!(first.id.starts_with("profile-"), "{}", first.id);
        assert_eq!(crate::cache::file_name_for_id(&first.id), first.id);
        // The same picture, signed again (another host of the CDN too), keeps its id.
        let resigned = profile_picture(
            signed("1_n.jpg", "00_BBB").replace("scontent-lax3-1", "scontent-gmp1-1"),
        );
        assert_eq!(resigned.id, first.id);
        // A new picture gets a new id.
        assert_ne!(profile_picture(signed("2_n.jpg", "00_AAA")).id, first.id);
        // A replay folder's file name works too.
        assert_eq!(
            profile_picture("me.jpg?x=1".into()).id,
            profile_picture("me.jpg".into()).id
        );
        // A recorded picture, named by its id, keeps the id the live bake gave it.
        let recorded = format!("media/{}.jpg", first.id);
        assert_eq!(profile_picture(recorded).id, first.id);
        // Only a whole id counts: anything else is a file name like any other.
        for other in ["media/profile-12.jpg", "profile-xyz0000000000000.png"] {
            assert_ne!(profile_picture(other.into()).id, other, "{other}");
            assert!(!other.contains(&profile_picture(other.into()).id));
        }
    }
}
