//! The data file: a versioned JSON document (`"schema": 1`) describing the baked feed, which any
//! template in any generator can use, and which the built-in partial is rendered from. With
//! several accounts and `merge = true`, one document of another shape (`"schema": 2`,
//! [`Merged`]) holds them all.
//!
//! It never holds the token, a paging URL or an Instagram CDN URL: media are referred to only by the
//! URLs of the files baked into the site, and the only Instagram URLs are post permalinks and the
//! profile link.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::caption;
use crate::link::web_url;
use crate::locale::Locale;
use crate::media::{Cut, Encoded, Format, ItemError, VideoFile};
use crate::report;
use crate::source::{Account, Feed, ItemKind, Origin, Post, PostKind, PostSource};
use crate::words::fill;

/// The schema version; bumped only on an incompatible change.
pub(crate) const SCHEMA: u32 = 1;

/// The schema version of the merged feed of several accounts: a shape of its own, so that a
/// template written for one account's file fails loudly on it rather than showing nothing.
pub(crate) const MERGED_SCHEMA: u32 = 2;

/// The whole data file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Document {
    pub schema: u32,
    pub generator: String,
    /// Where the posts came from in this run: `live`, `replay` or `cache` (the API's feed, into
    /// which an imported export is merged), or `export` (the export alone).
    pub source: Origin,
    /// When the posts were fetched (RFC 3339 UTC).
    pub fetched_at: String,
    /// With `[render] inline_css = false`, the URL of the partial's stylesheet, whose name changes
    /// with its content; left out of the file otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stylesheet: Option<String>,
    pub account: AccountDoc,
    pub posts: Vec<PostDoc>,
}

/// The account. Besides the username (from the posts), everything comes from the profile call
/// (`[account] profile = true`) and is `null` without it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct AccountDoc {
    pub id: Option<String>,
    pub username: Option<String>,
    /// `BUSINESS` or `MEDIA_CREATOR`.
    pub account_type: Option<String>,
    /// `https://www.instagram.com/<username>/`.
    pub profile_url: Option<String>,
    /// The display name, raw text.
    pub name: Option<String>,
    /// The bio, raw text with its line breaks (escape it when you output it).
    pub biography: Option<String>,
    /// The account's website, only when it is an http(s) URL.
    pub website: Option<String>,
    pub followers_count: Option<u64>,
    pub follows_count: Option<u64>,
    pub media_count: Option<u64>,
    /// The baked profile picture, like a post's media item (`kind` is `image`, `video` null).
    pub picture: Option<MediaDoc>,
}

/// One post.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct PostDoc {
    pub id: String,
    pub kind: PostKind,
    pub product: Option<String>,
    pub permalink: Option<String>,
    /// Where the tile links to: the `[posts.SHORTCODE] link`, else the post's page on the site
    /// (`[pages] enabled`), else the permalink; for a post of the export alone (no permalink),
    /// the account's profile.
    pub link: Option<String>,
    /// The URL of the post's own page on the site, with `[pages] enabled = true`; else `null`.
    pub page: Option<String>,
    /// The fields a `[posts.SHORTCODE]` table replaced: `alt`, `caption`, `link`.
    pub overridden: Vec<String>,
    pub timestamp: Option<String>,
    /// `YYYY-MM-DD` of the timestamp, in `[render] timezone` (UTC unless set), for templates
    /// that cannot parse dates.
    pub date: Option<String>,
    /// The same day as the partial shows it: in `[render] lang` and `date_format`
    /// (`2 December 2026`; `2026-11-20` without `lang`).
    #[serde(default)]
    pub date_text: Option<String>,
    /// The caption as written, raw text (escape it when you output it).
    pub caption: Option<String>,
    /// The caption without its trailing block of hashtags.
    pub caption_text: String,
    pub hashtags: Vec<String>,
    pub mentions: Vec<String>,
    /// The post's own alt text, else a text derived from the caption; never empty.
    pub alt: String,
    /// With `[account] counts = true`: `null` when the owner hides them (never 0 for unknown),
    /// and always `null` without it.
    pub like_count: Option<u64>,
    pub comments_count: Option<u64>,
    pub media: Vec<MediaDoc>,
    /// Where the post came from: `api`, `export`, or `both` (the API's version is shown).
    pub source: PostSource,
}

/// One baked image (a photo, a carousel item, or a video's poster).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct MediaDoc {
    pub id: String,
    /// `image`, or `video` when this is a video's poster.
    pub kind: ItemKind,
    pub width: u32,
    pub height: u32,
    /// Average colour, `#rrggbb`: a background while the image loads.
    pub color: String,
    /// A few-pixel image as a data URI, to blur while the image loads.
    pub placeholder: String,
    pub alt: String,
    /// The URL of the largest JPEG (else of the largest variant): a plain `<img src>`.
    pub src: String,
    pub variants: Vec<VariantDoc>,
    /// Ready `srcset` values by format (`webp`, `jpeg`).
    pub srcset: BTreeMap<Format, String>,
    /// The centred crop a grid tile shows, when the image is not the tile's 4:5 shape: the
    /// built-in layouts use it so that a square or landscape post sends only what the tile shows.
    #[serde(default)]
    pub tile: Option<TileDoc>,
    /// The baked video file, when one was downloaded; otherwise the poster links to the post.
    pub video: Option<VideoDoc>,
}

/// One encoded file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct VariantDoc {
    pub format: Format,
    pub width: u32,
    pub height: u32,
    pub url: String,
    pub bytes: u64,
}

/// The tile crop of an image: its size at the largest width made, its files and `srcset`s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct TileDoc {
    pub width: u32,
    pub height: u32,
    pub variants: Vec<VariantDoc>,
    pub srcset: BTreeMap<Format, String>,
}

/// A baked video file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct VideoDoc {
    pub url: String,
    pub bytes: u64,
}

/// The merged data file of several accounts (`merge = true`): `accounts` instead of `account`,
/// and each post naming its account, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Merged {
    pub schema: u32,
    pub generator: String,
    /// `cache` when any account's posts came from the cache, else `live` (or `replay`).
    pub source: Origin,
    /// The oldest of the accounts' fetch times: every post is at least this fresh.
    pub fetched_at: String,
    /// With `[render] inline_css = false`, the URL of the partial's stylesheet, whose name changes
    /// with its content; left out of the file otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stylesheet: Option<String>,
    /// The accounts baked, in the config's order.
    pub accounts: Vec<AccountEntry>,
    pub posts: Vec<MergedPost>,
}

/// One account of a merged feed: its `[[accounts]]` name, what the API said of it, and where its
/// posts came from in this run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct AccountEntry {
    /// The `[[accounts]]` name, as each post names it (`name` is the account's display name).
    #[serde(rename = "account")]
    pub name: String,
    #[serde(flatten)]
    pub account: AccountDoc,
    pub source: Origin,
    pub fetched_at: String,
}

/// A post of a merged feed: a post of schema 1 and the name of its account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct MergedPost {
    /// The `[[accounts]]` name of the account it belongs to.
    pub account: String,
    #[serde(flatten)]
    pub post: PostDoc,
}

/// Merges the documents of several accounts, each with its `[[accounts]]` name, in the config's
/// order. Posts are sorted newest first; posts of the same time keep the accounts' order, then
/// each feed's own, and posts without a readable time go last.
pub(crate) fn merge(documents: Vec<(String, Document)>) -> Merged {
    let source = if documents.iter().any(|(_, d)| d.source == Origin::Cache) {
        Origin::Cache
    } else if documents.iter().all(|(_, d)| d.source == Origin::Replay) {
        Origin::Replay
    } else {
        Origin::Live
    };
    let fetched_at = documents
        .iter()
        .map(|(_, d)| d.fetched_at.clone())
        .min_by_key(|t| crate::locale::parse_time(t))
        .unwrap_or_default();
    let mut accounts = Vec::new();
    let mut posts = Vec::new();
    for (name, document) in documents {
        posts.extend(document.posts.into_iter().map(|post| MergedPost {
            account: name.clone(),
            post,
        }));
        accounts.push(AccountEntry {
            name,
            account: document.account,
            source: document.source,
            fetched_at: document.fetched_at,
        });
    }
    // `sort_by_key` is stable: equal times keep the order they were added in.
    posts.sort_by_key(|p| {
        std::cmp::Reverse(
            p.post
                .timestamp
                .as_deref()
                .and_then(crate::locale::parse_time),
        )
    });
    Merged {
        schema: MERGED_SCHEMA,
        generator: concat!("instabake ", env!("CARGO_PKG_VERSION")).to_owned(),
        source,
        fetched_at,
        stylesheet: None,
        accounts,
        posts,
    }
}

/// The longest alt text derived from a caption.
const MAX_ALT: usize = 250;

/// Builds the document from the curated feed and the baked media. Items that failed are left out
/// with a warning naming the post; a post left with no item is left out. Also returns the variant
/// files the document refers to.
pub(crate) fn assemble(
    feed: &Feed,
    baked: &HashMap<String, Result<Encoded, ItemError>>,
    videos: &HashMap<String, Result<VideoFile, ItemError>>,
    url_prefix: &str,
    locale: &Locale,
) -> (Document, Vec<String>) {
    let mut files = Vec::new();
    let mut posts = Vec::new();
    let baked = Baked {
        images: baked,
        videos,
        url_prefix,
    };
    let profile = profile_url(feed.account.username.as_deref());
    for post in &feed.posts {
        let (caption_text, alt) = caption_and_alt(post, feed.account.username.as_deref(), locale);
        let media = baked.post_media(post, &alt, &mut files);
        if media.is_empty() {
            report::warn_post(
                &post.id,
                format!(
                    "post {} left out: none of its media could be baked",
                    post.id
                ),
            );
            continue;
        }
        posts.push(post_doc(
            post,
            caption_text,
            alt,
            media,
            profile.as_deref(),
            locale,
        ));
    }
    let document = Document {
        schema: SCHEMA,
        generator: concat!("instabake ", env!("CARGO_PKG_VERSION")).to_owned(),
        source: feed.origin,
        fetched_at: feed.fetched_at.clone(),
        stylesheet: None,
        account: account_doc(&feed.account, &baked, &mut files, locale),
        posts,
    };
    (document, files)
}

/// The caption without its trailing block of hashtags, and the post's alt text: its own, else one
/// derived from that caption.
fn caption_and_alt(post: &Post, username: Option<&str>, locale: &Locale) -> (String, String) {
    let caption_text = post
        .caption
        .as_deref()
        .map(caption::without_trailing_hashtags)
        .unwrap_or_default();
    let alt = post
        .alt_text
        .clone()
        .unwrap_or_else(|| derived_alt(&caption_text, post.kind, username, locale));
    (caption_text, alt)
}

/// What the media engine made of a feed, as the document refers to it.
struct Baked<'a> {
    images: &'a HashMap<String, Result<Encoded, ItemError>>,
    videos: &'a HashMap<String, Result<VideoFile, ItemError>>,
    url_prefix: &'a str,
}

impl Baked<'_> {
    /// A post's baked media, in order, each with its video file when one was baked; the files
    /// they use are added to `files`. An item that failed is left out with a warning naming the
    /// post; a video that failed leaves its poster, which links to the post.
    fn post_media(&self, post: &Post, post_alt: &str, files: &mut Vec<String>) -> Vec<MediaDoc> {
        let mut media = Vec::new();
        for item in &post.items {
            let encoded = match self.images.get(&item.id) {
                Some(Ok(encoded)) => encoded,
                Some(Err(why)) => {
                    report::warn_post(
                        &post.id,
                        format!("post {}: media {} left out: {why}", post.id, item.id),
                    );
                    continue;
                }
                None => continue,
            };
            files.extend(encoded.variants.iter().map(|v| v.file.clone()));
            let mut doc = media_doc(
                item.id.clone(),
                item.kind,
                item.alt_text.clone(),
                post_alt,
                encoded,
                self.url_prefix,
            );
            match self.videos.get(&item.id) {
                Some(Ok(video)) => {
                    files.push(video.file.clone());
                    doc.video = Some(VideoDoc {
                        url: format!("{}{}", self.url_prefix, video.file),
                        bytes: video.bytes,
                    });
                }
                Some(Err(why)) => report::warn_post(
                    &post.id,
                    format!(
                        "post {}: video {} not baked, its poster links to the post: {why}",
                        post.id, item.id
                    ),
                ),
                None => {}
            }
            media.push(doc);
        }
        media
    }
}

/// A post's entry, with its caption's hashtags and mentions picked out and its date for templates
/// that cannot parse dates, and as the site shows it. A post of the export has no permalink (the export does not say it):
/// it links to the account's `profile` when that is known.
fn post_doc(
    post: &Post,
    caption_text: String,
    alt: String,
    media: Vec<MediaDoc>,
    profile: Option<&str>,
    locale: &Locale,
) -> PostDoc {
    let shown = post.timestamp.as_deref().and_then(|t| locale.date(t));
    let permalink = post.permalink.as_deref().and_then(web_url);
    let fallback = match post.source {
        PostSource::Export => profile.map(str::to_owned),
        PostSource::Api | PostSource::Both => None,
    };
    PostDoc {
        id: post.id.clone(),
        kind: post.kind,
        product: post.product.clone(),
        link: post
            .link
            .as_deref()
            .and_then(web_url)
            .or(permalink.clone())
            .or(fallback),
        source: post.source,
        page: None,
        overridden: post.overridden.clone(),
        permalink,
        date: shown.as_ref().map(|d| d.iso.clone()),
        date_text: shown.map(|d| d.text),
        timestamp: post.timestamp.clone(),
        hashtags: post
            .caption
            .as_deref()
            .map(caption::hashtags)
            .unwrap_or_default(),
        mentions: post
            .caption
            .as_deref()
            .map(caption::mentions)
            .unwrap_or_default(),
        caption: post.caption.clone(),
        caption_text,
        alt,
        like_count: post.like_count,
        comments_count: post.comments_count,
        media,
    }
}

/// The account's entry, with a link to its profile when the username is one Instagram could have
/// (so that no text from the API becomes part of a URL unchecked), its website only when it is a
/// web link, and its baked picture (whose files are added to `files`). A picture that could not
/// be baked is left out with a warning: the header then shows none.
fn account_doc(
    account: &Account,
    baked: &Baked,
    files: &mut Vec<String>,
    locale: &Locale,
) -> AccountDoc {
    let words = &locale.words;
    let username = account.username.clone();
    let picture = account
        .picture
        .as_ref()
        .and_then(|item| match baked.images.get(&item.id) {
            Some(Ok(encoded)) => {
                files.extend(encoded.variants.iter().map(|v| v.file.clone()));
                let alt = match (&account.name, &username) {
                    (_, Some(user)) => {
                        fill(&words.alt_profile_of, &[("account", &format!("@{user}"))])
                    }
                    (Some(name), None) => fill(&words.alt_profile_of, &[("account", name)]),
                    (None, None) => words.alt_profile.clone(),
                };
                Some(media_doc(
                    item.id.clone(),
                    ItemKind::Image,
                    None,
                    &alt,
                    encoded,
                    baked.url_prefix,
                ))
            }
            Some(Err(why)) => {
                report::warn(format!("the account's profile picture left out: {why}"));
                None
            }
            None => None,
        });
    AccountDoc {
        id: account.id.clone(),
        profile_url: profile_url(username.as_deref()),
        username,
        account_type: account.account_type.clone(),
        name: account.name.clone(),
        biography: account.biography.clone(),
        website: account.website.as_deref().and_then(web_url),
        followers_count: account.followers_count,
        follows_count: account.follows_count,
        media_count: account.media_count,
        picture,
    }
}

/// `https://www.instagram.com/<username>/`, for a username Instagram could have (so that no text
/// from the API or an export becomes part of a URL unchecked).
fn profile_url(username: Option<&str>) -> Option<String> {
    username
        .filter(|u| {
            !u.is_empty()
                && u.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_')
        })
        .map(|u| format!("https://www.instagram.com/{u}/"))
}

fn media_doc(
    id: String,
    kind: ItemKind,
    alt_text: Option<String>,
    post_alt: &str,
    encoded: &Encoded,
    url_prefix: &str,
) -> MediaDoc {
    let docs = |cut: Cut| -> Vec<VariantDoc> {
        encoded
            .variants
            .iter()
            .filter(|v| v.cut == cut)
            .map(|v| VariantDoc {
                format: v.format,
                width: v.width,
                height: v.height,
                url: format!("{url_prefix}{}", v.file),
                bytes: v.bytes,
            })
            .collect()
    };
    let variants = docs(Cut::Full);
    let srcset = srcsets(&variants);
    let tile = docs(Cut::Tile);
    let tile = tile.iter().max_by_key(|v| v.width).map(|largest| TileDoc {
        width: largest.width,
        height: largest.height,
        srcset: srcsets(&tile),
        variants: tile.clone(),
    });
    let largest = |format: Format| {
        variants
            .iter()
            .filter(|v| v.format == format)
            .max_by_key(|v| v.width)
    };
    let src = largest(Format::Jpeg)
        .or_else(|| variants.iter().max_by_key(|v| v.width))
        .map(|v| v.url.clone())
        .unwrap_or_default();
    MediaDoc {
        id,
        kind,
        width: encoded.width,
        height: encoded.height,
        color: encoded.color.clone(),
        placeholder: encoded.placeholder.clone(),
        alt: alt_text.unwrap_or_else(|| post_alt.to_owned()),
        src,
        variants,
        srcset,
        tile,
        video: None,
    }
}

/// Ready `srcset` values by format, smallest first (which reads best and is what browsers expect
/// to see), from variants made largest first.
fn srcsets(variants: &[VariantDoc]) -> BTreeMap<Format, String> {
    let mut srcset: BTreeMap<Format, String> = BTreeMap::new();
    for v in variants.iter().rev() {
        let entry = srcset.entry(v.format).or_default();
        if !entry.is_empty() {
            entry.push_str(", ");
        }
        entry.push_str(&format!("{} {}w", v.url, v.width));
    }
    srcset
}

/// Alt text when the post has none: its caption, shortened at a word boundary, else a description
/// in the site's language.
fn derived_alt(
    caption_text: &str,
    kind: PostKind,
    username: Option<&str>,
    locale: &Locale,
) -> String {
    let text = caption_text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if !text.is_empty() {
        if text.chars().count() <= MAX_ALT {
            return text;
        }
        let cut: String = text.chars().take(MAX_ALT).collect();
        let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
        return format!("{cut}…");
    }
    let words = &locale.words;
    let what = match kind {
        PostKind::Video => &words.alt_video,
        PostKind::Carousel => &words.alt_album,
        PostKind::Image => &words.alt_photo,
    };
    match username {
        Some(user) => fill(
            &words.alt_by,
            &[("what", what), ("account", &format!("@{user}"))],
        ),
        None => what.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document(source: Origin, fetched_at: &str, posts: &[(&str, Option<&str>)]) -> Document {
        Document {
            schema: SCHEMA,
            generator: String::new(),
            source,
            fetched_at: fetched_at.to_owned(),
            stylesheet: None,
            account: account_doc(
                &Account::default(),
                &Baked {
                    images: &HashMap::new(),
                    videos: &HashMap::new(),
                    url_prefix: "",
                },
                &mut Vec::new(),
                &Locale::default(),
            ),
            posts: posts
                .iter()
                .map(|(id, time)| PostDoc {
                    id: (*id).to_owned(),
                    kind: PostKind::Image,
                    product: None,
                    permalink: None,
                    link: None,
                    page: None,
                    overridden: vec![],
                    timestamp: time.map(str::to_owned),
                    date: None,
                    date_text: None,
                    caption: None,
                    caption_text: String::new(),
                    hashtags: vec![],
                    mentions: vec![],
                    alt: String::new(),
                    like_count: None,
                    comments_count: None,
                    media: vec![],
                    source: PostSource::Api,
                })
                .collect(),
        }
    }

    #[test]
    fn merged_posts_are_newest_first_and_name_their_account() {
        let shop = document(
            Origin::Live,
            "2026-12-01T10:00:00Z",
            &[
                ("s1", Some("2026-11-20T12:00:00+0000")),
                ("s2", Some("2026-11-18T12:00:00+0000")),
                ("s3", None),
            ],
        );
        let studio = document(
            Origin::Cache,
            "2026-11-28T10:00:00Z",
            &[
                // 13:00 in UTC, an hour after s1, although its text sorts before it.
                ("t1", Some("2026-11-20T08:00:00-0500")),
                ("t2", Some("2026-11-18T12:00:00+0000")),
            ],
        );
        let merged = merge(vec![("shop".into(), shop), ("studio".into(), studio)]);
        assert_eq!(merged.schema, 2);
        let order: Vec<_> = merged
            .posts
            .iter()
            .map(|p| (p.account.as_str(), p.post.id.as_str()))
            .collect();
        assert_eq!(
            order,
            [
                ("studio", "t1"),
                ("shop", "s1"),
                ("shop", "s2"),
                ("studio", "t2"),
                ("shop", "s3")
            ]
        );
        assert_eq!(merged.source, Origin::Cache);
        assert_eq!(merged.fetched_at, "2026-11-28T10:00:00Z");
        let names: Vec<_> = merged.accounts.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["shop", "studio"]);
        let json = serde_json::to_value(&merged).unwrap();
        assert_eq!(json["posts"][0]["account"], "studio");
        assert_eq!(json["posts"][0]["id"], "t1");
        assert_eq!(json["accounts"][1]["source"], "cache");
        assert!(json.get("account").is_none());
    }

    #[test]
    fn alt_is_never_empty() {
        let en = Locale::default();
        assert_eq!(
            derived_alt("", PostKind::Video, Some("cafe"), &en),
            "Video from Instagram by @cafe"
        );
        assert_eq!(
            derived_alt("", PostKind::Carousel, None, &en),
            "Photo album from Instagram"
        );
        assert_eq!(
            derived_alt("  Hello\nworld ", PostKind::Image, None, &en),
            "Hello world"
        );
        let long = "word ".repeat(100);
        let alt = derived_alt(&long, PostKind::Image, None, &en);
        assert!(alt.chars().count() <= MAX_ALT + 1 && alt.ends_with('…'));
    }

    /// A post without alt text or caption is described in the site's language.
    #[test]
    fn derived_alt_speaks_the_sites_language() {
        for (lang, photo, album) in [
            ("de", "Instagram-Foto von @cafe", "Instagram-Fotoalbum"),
            ("fr", "Photo Instagram de @cafe", "Album photo Instagram"),
            (
                "es",
                "Foto de Instagram de @cafe",
                "Álbum de fotos de Instagram",
            ),
            (
                "pt",
                "Foto do Instagram de @cafe",
                "Álbum de fotos do Instagram",
            ),
        ] {
            let locale = Locale::resolve(crate::locale::LocaleSettings {
                lang: Some(lang),
                ..Default::default()
            })
            .unwrap();
            assert_eq!(
                derived_alt("", PostKind::Image, Some("cafe"), &locale),
                photo
            );
            assert_eq!(derived_alt(" ", PostKind::Carousel, None, &locale), album);
        }
    }
}
