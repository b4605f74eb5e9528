//! The cache's last good feed as a source: what a bake falls back on when the API fails, what
//! `--offline` and `max_age` bake from, and what the source stage keeps after each fetch.
//!
//! The record is the source's own shape ([`Feed`]), kept in the cache as `feed.json`.

use crate::cache::Cache;
use crate::error::Result;

use super::{Feed, Origin};

/// The record's name in the cache.
const RECORD: &str = "feed.json";

/// The last feed fetched successfully, marked as coming from the cache.
pub(crate) fn last_feed(cache: &Cache) -> Option<Feed> {
    cache.load::<Feed>(RECORD).map(|mut feed| {
        feed.origin = Origin::Cache;
        feed
    })
}

/// Keeps a feed as the last good one. Media URLs are left out: they are signed, expire within
/// days, and a CDN URL has no business in any file we write; a fallback bake finds each item's
/// image among the originals by its id instead, and the profile picture the same way.
pub(crate) fn store(cache: &Cache, feed: &Feed) -> Result<()> {
    let mut feed = feed.clone();
    let items = feed.posts.iter_mut().flat_map(|p| p.items.iter_mut());
    for item in items.chain(feed.account.picture.as_mut()) {
        item.image_url = None;
        item.video_url = None;
    }
    cache.store(RECORD, &feed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{Account, Item, ItemKind, Post, PostKind};

    #[test]
    fn the_kept_feed_has_no_media_urls_and_comes_back_as_a_fallback() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path()).unwrap();
        assert!(last_feed(&cache).is_none());
        let feed = Feed {
            account: Account {
                username: Some("cafe".into()),
                picture: Some(crate::source::profile_picture(
                    "https://cdn.example/v/p.jpg?oh=3".into(),
                )),
                ..Account::default()
            },
            posts: vec![Post {
                id: "1".into(),
                kind: PostKind::Image,
                product: None,
                shared_to_feed: None,
                permalink: None,
                timestamp: None,
                caption: None,
                alt_text: None,
                username: None,
                like_count: Some(0),
                comments_count: None,
                items: vec![Item {
                    id: "11".into(),
                    kind: ItemKind::Video,
                    image_url: Some("https://cdn.example/signed?oh=1".into()),
                    video_url: Some("https://cdn.example/video?oh=2".into()),
                    alt_text: None,
                }],
                link: None,
                overridden: Vec::new(),
                source: crate::source::PostSource::Api,
            }],
            fetched_at: "2026-12-01T00:00:00Z".into(),
            origin: Origin::Live,
        };
        store(&cache, &feed).unwrap();
        let text = std::fs::read_to_string(dir.path().join(RECORD)).unwrap();
        assert!(!text.contains("cdn.example"), "{text}");
        let back = last_feed(&cache).unwrap();
        assert_eq!(back.origin, Origin::Cache);
        assert_eq!(back.posts[0].items[0].id, "11");
        assert_eq!(back.posts[0].items[0].image_url, None);
        // The profile is kept, its picture found by its id like a post's image.
        let picture = back.account.picture.unwrap();
        assert!(picture.id.starts_with("profile-") && picture.image_url.is_none());
        assert_eq!(back.account.username.as_deref(), Some("cafe"));
        assert_eq!(back.posts[0].like_count, Some(0));
    }
}
