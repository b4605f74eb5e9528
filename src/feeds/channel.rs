//! What both feeds say, worked out once from the data file's document: the feed's title, author
//! and dates, and each post as an entry with its stable id, title, date, link, caption and
//! enclosures, every URL absolute. [`super::atom`] and [`super::json`] only write it down.
//!
//! Everything here depends on the posts alone, never on the time of the bake: a rebuild with no
//! new post gives the same channel, so the feed files are not rewritten and readers see nothing
//! new.

use std::cmp::Reverse;

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use url::Url;

use crate::feed::{AccountDoc, Document, MediaDoc, PostDoc};

/// The feed as both formats write it. Every text is [clean](clean) and every URL absolute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Channel {
    /// "Bakery Demo (@bakery_demo) on Instagram".
    pub title: String,
    /// The account's bio, if the profile was read.
    pub description: Option<String>,
    /// The site (`site_url`).
    pub home: String,
    /// The folder the feed files are published in (the images folder), ending in `/`.
    pub folder: Url,
    /// The newest post's time (RFC 3339, UTC): a rebuild with no new post keeps it.
    pub updated: String,
    pub author: Author,
    /// The baked profile picture (its largest JPEG), when the profile was read.
    pub icon: Option<String>,
    /// Newest first.
    pub entries: Vec<Entry>,
    /// `[render] lang`, when set: Atom's `xml:lang`, JSON Feed's `language`.
    pub language: Option<String>,
}

/// The account, as the feeds' author.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Author {
    /// The display name, else `@username`, else "Instagram": Atom needs one.
    pub name: String,
    /// The Instagram profile.
    pub url: Option<String>,
    /// The baked profile picture.
    pub avatar: Option<String>,
}

/// One post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// `tag:HOST,2026:instagram/POST_ID`: from the post's id alone, so it stays the same across
    /// rebuilds, whether pages are on or not and whatever the caption becomes.
    pub id: String,
    /// The caption's first line, shortened.
    pub title: String,
    /// The post's page on the site, else its permalink, else the account's profile.
    pub link: Option<String>,
    /// The post on Instagram, when [`link`](Self::link) is the post's page.
    pub permalink: Option<String>,
    /// RFC 3339, UTC: the post's time (the feed's newest when the post has none).
    pub published: String,
    /// The whole caption, as text; a post without one has its alt text instead.
    pub text: String,
    pub tags: Vec<String>,
    /// Each media item's largest JPEG (else its largest image), then its video file if baked.
    pub enclosures: Vec<Enclosure>,
}

/// A file of the site that an entry carries: an image or a video.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Enclosure {
    pub url: String,
    pub mime: &'static str,
    pub bytes: u64,
}

impl Entry {
    /// The main image: the first item's.
    pub(crate) fn image(&self) -> Option<&Enclosure> {
        self.enclosures
            .iter()
            .find(|e| e.mime.starts_with("image/"))
    }
}

/// Where a channel is published: the site's address and the public URL of the folder the feed
/// files go to.
pub(crate) struct Place<'a> {
    /// `site_url`, ending in `/`.
    pub site: &'a Url,
    /// The images folder's URL, absolute.
    pub folder: Url,
}

/// The longest entry title, in characters, before it is cut at a word.
const MAX_TITLE: usize = 100;

/// The year in the entries' tag URIs (RFC 4151: a date at which the site's owner held the host
/// name). Fixed, so the ids never change.
const TAG_YEAR: &str = "2026";

impl Channel {
    pub(crate) fn of(document: &Document, place: &Place<'_>) -> Channel {
        let account = &document.account;
        let mut posts: Vec<(Option<OffsetDateTime>, &PostDoc)> = document
            .posts
            .iter()
            .map(|post| (post.timestamp.as_deref().and_then(parse_time), post))
            .collect();
        // Newest first whatever the partial shows first (pins); `sort_by_key` is stable, and
        // posts without a time go last.
        posts.sort_by_key(|(time, _)| Reverse(*time));
        let updated = posts
            .first()
            .and_then(|(time, _)| *time)
            .map_or_else(|| clean(&document.fetched_at), rfc3339);
        let author = author(account, place.site);
        let icon = author.avatar.clone();
        let entries = posts
            .into_iter()
            .map(|(time, post)| {
                let page = post
                    .page
                    .as_deref()
                    .and_then(|page| absolute(place.site, page));
                Entry {
                    id: entry_id(place.site, &post.id),
                    title: title(post),
                    permalink: page.as_ref().and(post.permalink.clone()),
                    link: page
                        .or_else(|| post.permalink.clone())
                        .or_else(|| author.url.clone()),
                    published: time.map_or_else(|| updated.clone(), rfc3339),
                    text: clean(
                        post.caption
                            .as_deref()
                            .filter(|c| !c.trim().is_empty())
                            .unwrap_or(&post.alt),
                    ),
                    tags: post.hashtags.iter().map(|t| clean(t)).collect(),
                    enclosures: post
                        .media
                        .iter()
                        .flat_map(|item| enclosures(item, place.site))
                        .collect(),
                }
            })
            .collect();
        Channel {
            title: clean(&feed_title(account)),
            description: account
                .biography
                .as_deref()
                .map(clean)
                .filter(|b| !b.is_empty()),
            home: place.site.to_string(),
            folder: place.folder.clone(),
            updated,
            author,
            icon,
            entries,
            language: None,
        }
    }

    /// The absolute URL of a feed file in the folder.
    pub(crate) fn url_of(&self, file: &str) -> String {
        self.folder
            .join(file)
            .map_or_else(|_| self.folder.to_string(), String::from)
    }
}

/// "Bakery Demo (@bakery_demo) on Instagram", "@bakery_demo on Instagram", or "Instagram".
fn feed_title(account: &AccountDoc) -> String {
    let name = account
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    match (name, account.username.as_deref()) {
        (Some(name), Some(user)) => format!("{name} (@{user}) on Instagram"),
        (Some(name), None) => format!("{name} on Instagram"),
        (None, Some(user)) => format!("@{user} on Instagram"),
        (None, None) => "Instagram".to_owned(),
    }
}

fn author(account: &AccountDoc, site: &Url) -> Author {
    let name = account
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .or_else(|| account.username.as_ref().map(|u| format!("@{u}")))
        .unwrap_or_else(|| "Instagram".to_owned());
    Author {
        name: clean(&name),
        url: account.profile_url.clone(),
        avatar: account
            .picture
            .as_ref()
            .and_then(|picture| enclosures(picture, site).into_iter().next())
            .map(|image| image.url),
    }
}

/// `tag:example.com,2026:instagram/17912345678901234`, the post id percent-encoded but for
/// letters, digits, `.`, `_` and `-` (Instagram's ids are digits; an odd one stays one id).
fn entry_id(site: &Url, post_id: &str) -> String {
    let host = site.host_str().unwrap_or("localhost");
    let mut id = format!("tag:{host},{TAG_YEAR}:instagram/");
    for byte in post_id.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'-') {
            id.push(char::from(byte));
        } else {
            id.push_str(&format!("%{byte:02X}"));
        }
    }
    id
}

/// The caption's first line (without the trailing hashtags, else with them), else the alt text's,
/// trimmed and cut at a word after [`MAX_TITLE`] characters.
fn title(post: &PostDoc) -> String {
    let first_line = |text: &str| {
        clean(text)
            .lines()
            .map(str::trim)
            .find(|line| !line.is_empty())
            .map(str::to_owned)
    };
    let line = first_line(&post.caption_text)
        .or_else(|| post.caption.as_deref().and_then(first_line))
        .or_else(|| first_line(&post.alt))
        .unwrap_or_else(|| "Instagram post".to_owned());
    let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= MAX_TITLE {
        return line;
    }
    let cut: String = line.chars().take(MAX_TITLE).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{cut}…")
}

/// A media item's files for the feeds: its largest JPEG (else its largest image), as the data
/// file's `src` names it, and its video file when one was baked.
fn enclosures(item: &MediaDoc, site: &Url) -> Vec<Enclosure> {
    let mut files = Vec::new();
    if let Some(variant) = item.variants.iter().find(|v| v.url == item.src) {
        files.extend(absolute(site, &variant.url).map(|url| Enclosure {
            url,
            mime: variant.format.mime(),
            bytes: variant.bytes,
        }));
    }
    if let Some(video) = &item.video {
        files.extend(absolute(site, &video.url).map(|url| Enclosure {
            url,
            mime: video_mime(&video.url),
            bytes: video.bytes,
        }));
    }
    files
}

fn video_mime(url: &str) -> &'static str {
    match url.rsplit('.').next() {
        Some("webm") => "video/webm",
        Some("mov") => "video/quicktime",
        _ => "video/mp4",
    }
}

/// A URL of the document (`/instagram/x.jpg`, a page's `/p/x/`, or already absolute from an
/// absolute `url_prefix`) made absolute on the site, as a browser on the site would resolve it.
pub(crate) fn absolute(site: &Url, url: &str) -> Option<String> {
    site.join(url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .map(String::from)
}

/// A post's time as the API writes it (`2026-11-20T12:00:00+0000`) or as RFC 3339.
fn parse_time(text: &str) -> Option<OffsetDateTime> {
    let api = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory][offset_minute]"
    );
    OffsetDateTime::parse(text, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(text, api))
        .ok()
}

/// RFC 3339 in UTC, `2026-11-20T12:00:00Z`.
fn rfc3339(time: OffsetDateTime) -> String {
    time.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// Text as both feeds carry it: line breaks as `\n`, and without the control characters that XML
/// 1.0 forbids (all of C0 but tab and line feed) or discourages (DEL, C1), nor U+FFFE and U+FFFF.
/// An XML parser stops at the first of them, so one in a caption would break the whole feed;
/// the JSON feed drops them too, so that both carry the same text.
pub(crate) fn clean(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|&c| {
            !(c.is_control() && c != '\n' && c != '\t') && c != '\u{FFFE}' && c != '\u{FFFF}'
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::feed::{VariantDoc, VideoDoc};
    use crate::media::Format;
    use crate::source::{ItemKind, Origin, PostKind};

    pub(crate) fn site() -> Url {
        Url::parse("https://example.com/").unwrap()
    }

    pub(crate) fn place() -> Place<'static> {
        static SITE: std::sync::OnceLock<Url> = std::sync::OnceLock::new();
        let site = SITE.get_or_init(site);
        Place {
            site,
            folder: site.join("/instagram/").unwrap(),
        }
    }

    pub(crate) fn media(name: &str) -> MediaDoc {
        let variant = |format: Format, width: u32, bytes: u64| VariantDoc {
            format,
            width,
            height: width,
            url: format!("/instagram/{name}-{width}.{}", format.extension()),
            bytes,
        };
        MediaDoc {
            id: name.to_owned(),
            kind: ItemKind::Image,
            width: 1080,
            height: 1080,
            color: "#000000".to_owned(),
            placeholder: String::new(),
            alt: String::new(),
            src: format!("/instagram/{name}-1080.jpg"),
            variants: vec![
                variant(Format::Webp, 1080, 900),
                variant(Format::Jpeg, 1080, 1200),
                variant(Format::Jpeg, 640, 500),
            ],
            srcset: BTreeMap::new(),
            tile: None,
            video: None,
        }
    }

    pub(crate) fn post(id: &str, timestamp: Option<&str>, caption: Option<&str>) -> PostDoc {
        PostDoc {
            id: id.to_owned(),
            kind: PostKind::Image,
            product: Some("feed".to_owned()),
            permalink: Some(format!("https://www.instagram.com/p/{id}/")),
            link: Some(format!("https://www.instagram.com/p/{id}/")),
            page: None,
            overridden: vec![],
            timestamp: timestamp.map(str::to_owned),
            date: None,
            date_text: None,
            caption: caption.map(str::to_owned),
            caption_text: caption
                .map(crate::caption::without_trailing_hashtags)
                .unwrap_or_default(),
            hashtags: caption.map(crate::caption::hashtags).unwrap_or_default(),
            mentions: vec![],
            alt: "Photo from Instagram by @bakery".to_owned(),
            like_count: None,
            comments_count: None,
            media: vec![media(id)],
            source: crate::source::PostSource::Api,
        }
    }

    pub(crate) fn document(posts: Vec<PostDoc>) -> Document {
        Document {
            schema: 1,
            generator: "instabake".to_owned(),
            source: Origin::Live,
            fetched_at: "2026-12-01T10:00:00Z".to_owned(),
            stylesheet: None,
            account: AccountDoc {
                username: Some("bakery".to_owned()),
                profile_url: Some("https://www.instagram.com/bakery/".to_owned()),
                name: Some("The Bakery".to_owned()),
                picture: Some(media("avatar")),
                ..AccountDoc::default()
            },
            posts,
        }
    }

    #[test]
    fn entries_are_newest_first_with_dates_in_utc() {
        let doc = document(vec![
            // A pinned, older post first, as the partial shows it.
            post("1", Some("2026-11-01T08:00:00+0000"), Some("old")),
            post("2", Some("2026-11-20T08:00:00-0500"), Some("newest")),
            post("3", None, Some("undated")),
            post("4", Some("2026-11-20T12:00:00+0000"), Some("middle")),
        ]);
        let channel = Channel::of(&doc, &place());
        let order: Vec<_> = channel.entries.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(order, ["newest", "middle", "old", "undated"]);
        assert_eq!(channel.updated, "2026-11-20T13:00:00Z");
        assert_eq!(channel.entries[0].published, "2026-11-20T13:00:00Z");
        // A post without a time is as new as the feed, not "now".
        assert_eq!(channel.entries[3].published, channel.updated);
    }

    #[test]
    fn ids_come_from_the_post_id_alone() {
        let mut with_page = post("17900000000000001", None, Some("a"));
        with_page.page = Some("/instagram/p/x/".to_owned());
        let without = post("17900000000000001", None, Some("b"));
        let a = Channel::of(&document(vec![with_page]), &place());
        let b = Channel::of(&document(vec![without]), &place());
        assert_eq!(
            a.entries[0].id,
            "tag:example.com,2026:instagram/17900000000000001"
        );
        assert_eq!(a.entries[0].id, b.entries[0].id);
        assert_eq!(
            entry_id(&site(), "../x y"),
            "tag:example.com,2026:instagram/..%2Fx%20y"
        );
    }

    #[test]
    fn entries_link_to_the_page_else_the_permalink_else_the_profile() {
        let mut paged = post("1", None, None);
        paged.page = Some("/instagram/p/ONE/".to_owned());
        let plain = post("2", None, None);
        let mut bare = post("3", None, None);
        bare.permalink = None;
        let channel = Channel::of(&document(vec![paged, plain, bare]), &place());
        let links: Vec<_> = channel
            .entries
            .iter()
            .map(|e| (e.link.as_deref(), e.permalink.as_deref()))
            .collect();
        assert_eq!(
            links,
            [
                (
                    Some("https://example.com/instagram/p/ONE/"),
                    Some("https://www.instagram.com/p/1/")
                ),
                (Some("https://www.instagram.com/p/2/"), None),
                (Some("https://www.instagram.com/bakery/"), None),
            ]
        );
    }

    #[test]
    fn enclosures_are_the_largest_jpeg_and_the_video_with_absolute_urls() {
        let mut video = post("1", None, None);
        video.media[0].video = Some(VideoDoc {
            url: "/instagram/clip.mp4".to_owned(),
            bytes: 4000,
        });
        let channel = Channel::of(&document(vec![video]), &place());
        assert_eq!(
            channel.entries[0].enclosures,
            [
                Enclosure {
                    url: "https://example.com/instagram/1-1080.jpg".to_owned(),
                    mime: "image/jpeg",
                    bytes: 1200
                },
                Enclosure {
                    url: "https://example.com/instagram/clip.mp4".to_owned(),
                    mime: "video/mp4",
                    bytes: 4000
                }
            ]
        );
        assert_eq!(
            channel.icon.as_deref(),
            Some("https://example.com/instagram/avatar-1080.jpg")
        );
        // An absolute url_prefix (a CDN) stays as it is.
        assert_eq!(
            absolute(&site(), "https://cdn.example.net/ig/a.jpg").as_deref(),
            Some("https://cdn.example.net/ig/a.jpg")
        );
    }

    #[test]
    fn titles_are_the_captions_first_line() {
        let title_of = |caption: Option<&str>| title(&post("1", None, caption));
        assert_eq!(
            title_of(Some("\n  Fresh loaves  \nsecond line")),
            "Fresh loaves"
        );
        assert_eq!(title_of(Some("#bread #rye")), "#bread #rye");
        assert_eq!(title_of(None), "Photo from Instagram by @bakery");
        let long = title_of(Some(&"word ".repeat(60)));
        assert!(
            long.ends_with('…') && long.chars().count() <= MAX_TITLE + 1,
            "{long}"
        );
    }

    #[test]
    fn control_characters_are_dropped() {
        assert_eq!(
            clean("a\u{0}b\u{1b}[31mc\u{7f}\u{85}d\r\ne\tf\u{FFFF}"),
            "ab[31mcd\ne\tf"
        );
    }
}
