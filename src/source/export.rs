//! The site's export folder (written by `instabake import`, see [`crate::import`]) as a source: its
//! posts alone when there is no token (a personal account, which has no API), or merged into the
//! API's feed.
//!
//! Its media are named `export:PATH` (a path in the folder), so that one fetcher can serve a
//! merged feed: [`crate::media::Fetcher::WithExport`] reads those from the folder and hands every
//! other URL to the API's fetcher.

use std::path::Path;

use super::wire::{MediaPage, WireAccount, WireMedia};
use super::{Account, Feed, Origin, Post, PostSource};
use crate::error::{Error, Result};
use crate::mojibake;

/// The posts list in the export folder, in the API's shape (one `/me/media` page).
pub(crate) const MEDIA_FILE: &str = "media.json";
/// The account in the export folder, in the API's shape (`/me`).
pub(crate) const ACCOUNT_FILE: &str = "me.json";

/// The scheme of the export folder's media URLs.
pub(crate) const SCHEME: &str = "export:";

/// How far apart an API post and an export post may be in time and still be the same post.
const SAME_POST_SECONDS: i64 = 60;

/// The posts of the export folder `dir`, newest first, marked as the export's; `None` when there
/// is no such folder.
pub(crate) fn read(dir: &Path) -> Result<Option<Feed>> {
    let media = dir.join(MEDIA_FILE);
    if !media.is_file() {
        return Ok(None);
    }
    let broken = |file: &str, message: String| Error::ExportFolder {
        path: dir.to_owned(),
        message: format!("{file}: {message}"),
    };
    let body = std::fs::read(&media).map_err(|e| broken(MEDIA_FILE, e.to_string()))?;
    let page = MediaPage::parse(&body).map_err(|e| broken(MEDIA_FILE, e.to_string()))?;
    let account = match std::fs::read(dir.join(ACCOUNT_FILE)) {
        Ok(body) => serde_json::from_slice::<WireAccount>(&body)
            .map_err(|e| broken(ACCOUNT_FILE, e.to_string()))?
            .into_account(),
        Err(_) => Account::default(),
    };
    let posts = page
        .data
        .into_iter()
        .map(WireMedia::into_post)
        .map(|mut post| {
            post.source = PostSource::Export;
            for item in &mut post.items {
                for url in [&mut item.image_url, &mut item.video_url] {
                    if let Some(url) = url.as_mut() {
                        *url = format!("{SCHEME}{url}");
                    }
                }
            }
            post
        })
        .collect();
    Ok(Some(Feed {
        account,
        posts,
        fetched_at: super::now_rfc3339(),
        origin: Origin::Export,
    }))
}

/// The API's feed with the export's posts merged in, newest first. An export post with the same
/// caption (after fixing its text and collapsing white space) as an API post, at most a minute
/// apart, is the same post: the API's version is kept (its id, permalink and media) and marked as
/// in both. The account is the API's, with the export's username when the API gave none.
pub(crate) fn merge(mut feed: Feed, export: Feed) -> Feed {
    let mut added = Vec::new();
    for post in export.posts {
        let twin = feed
            .posts
            .iter_mut()
            .find(|api| api.source != PostSource::Export && same_post(api, &post));
        match twin {
            Some(api) => api.source = PostSource::Both,
            None => added.push(post),
        }
    }
    feed.posts.extend(added);
    // Stable: posts of the same time keep the API's order, then the export's.
    feed.posts
        .sort_by_key(|p| std::cmp::Reverse(p.timestamp.as_deref().and_then(seconds)));
    if feed.account.username.is_none() {
        feed.account.username = export.account.username;
    }
    feed
}

/// Whether two posts are one: times at most [`SAME_POST_SECONDS`] apart and the same caption.
fn same_post(a: &Post, b: &Post) -> bool {
    let (Some(x), Some(y)) = (
        a.timestamp.as_deref().and_then(seconds),
        b.timestamp.as_deref().and_then(seconds),
    ) else {
        return false;
    };
    (x - y).abs() <= SAME_POST_SECONDS && caption_key(a) == caption_key(b)
}

/// A caption as compared: text fixed, white space collapsed.
fn caption_key(post: &Post) -> String {
    mojibake::fix(post.caption.as_deref().unwrap_or_default())
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// An RFC 3339 time as Unix seconds.
fn seconds(text: &str) -> Option<i64> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(time::OffsetDateTime::unix_timestamp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{Item, ItemKind, PostKind};

    fn post(id: &str, time: &str, caption: &str, source: PostSource) -> Post {
        Post {
            id: id.into(),
            kind: PostKind::Image,
            product: None,
            shared_to_feed: None,
            permalink: None,
            timestamp: Some(time.into()),
            caption: Some(caption.into()),
            alt_text: None,
            username: None,
            like_count: None,
            comments_count: None,
            items: vec![Item {
                id: id.into(),
                kind: ItemKind::Image,
                image_url: Some(format!("{id}.jpg")),
                video_url: None,
                alt_text: None,
            }],
            link: None,
            overridden: Vec::new(),
            source,
        }
    }

    fn feed(posts: Vec<Post>, origin: Origin) -> Feed {
        Feed {
            account: Account::default(),
            posts,
            fetched_at: "2026-12-01T00:00:00Z".into(),
            origin,
        }
    }

    #[test]
    fn the_same_post_in_both_is_one_and_the_rest_merge_newest_first() {
        let api = feed(
            vec![
                post("1", "2026-11-20T10:00:00Z", "New roast ☕", PostSource::Api),
                post("2", "2026-11-10T10:00:00Z", "Open late", PostSource::Api),
            ],
            Origin::Live,
        );
        let export = feed(
            vec![
                // 40 s off, white space and mojibake aside the same caption: the same post.
                post(
                    "export-a",
                    "2026-11-20T10:00:40Z",
                    "New  roast \u{e2}\u{98}\u{95}",
                    PostSource::Export,
                ),
                // Same time, another caption: another post.
                post(
                    "export-b",
                    "2026-11-10T10:00:00Z",
                    "Closed today",
                    PostSource::Export,
                ),
                // Same caption, two minutes off: another post.
                post(
                    "export-c",
                    "2026-11-20T10:02:01Z",
                    "New roast ☕",
                    PostSource::Export,
                ),
                post(
                    "export-d",
                    "2019-01-01T00:00:00Z",
                    "Old days",
                    PostSource::Export,
                ),
            ],
            Origin::Export,
        );
        let merged = merge(api, export);
        let order: Vec<(&str, PostSource)> = merged
            .posts
            .iter()
            .map(|p| (p.id.as_str(), p.source))
            .collect();
        assert_eq!(
            order,
            [
                ("export-c", PostSource::Export),
                ("1", PostSource::Both),
                ("2", PostSource::Api),
                ("export-b", PostSource::Export),
                ("export-d", PostSource::Export),
            ]
        );
        assert_eq!(merged.origin, Origin::Live);
    }
}
