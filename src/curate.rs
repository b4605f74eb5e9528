//! Choosing which fetched posts to bake: the newest `limit`, and only posts that have something to
//! show.

use crate::report;
use crate::source::{Feed, Origin};

/// Keeps the newest `limit` posts that have at least one image to bake. The API lists newest first,
/// and that order is kept.
pub(crate) fn curate(mut feed: Feed, limit: usize) -> Feed {
    // A feed from the cache has no media URLs (see `Cache::store_feed`): its images are among the
    // cached originals.
    let from_cache = feed.origin == Origin::Cache;
    // Paging that goes back on itself repeats posts; a post is shown once.
    let mut seen = std::collections::HashSet::new();
    feed.posts.retain(|post| seen.insert(post.id.clone()));
    feed.posts.retain(|post| {
        let bakeable = from_cache || post.items.iter().any(|item| item.image_url.is_some());
        if !bakeable {
            report::warn(format!(
                "post {} has no image or video poster to bake (the API sent no media_url or thumbnail_url); leaving it out",
                post.id
            ));
        }
        bakeable
    });
    feed.posts.truncate(limit);
    feed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{Account, Item, ItemKind, Post, PostKind};

    fn post(id: &str, url: Option<&str>) -> Post {
        Post {
            id: id.into(),
            kind: PostKind::Image,
            product: None,
            permalink: None,
            timestamp: None,
            caption: None,
            alt_text: None,
            username: None,
            like_count: None,
            comments_count: None,
            items: vec![Item {
                id: id.into(),
                kind: ItemKind::Image,
                image_url: url.map(Into::into),
                video_url: None,
                alt_text: None,
            }],
        }
    }

    #[test]
    fn keeps_order_drops_empty_and_repeated_and_limits() {
        let feed = Feed {
            account: Account::default(),
            posts: vec![
                post("1", Some("a")),
                post("2", None),
                post("1", Some("a2")),
                post("3", Some("c")),
                post("4", Some("d")),
            ],
            fetched_at: String::new(),
            origin: Origin::Live,
        };
        let ids: Vec<_> = curate(feed, 2).posts.into_iter().map(|p| p.id).collect();
        assert_eq!(ids, ["1", "3"]);
    }
}
