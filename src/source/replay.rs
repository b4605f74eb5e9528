//! A recorded replay folder as a source: the API's own responses saved as files, so a site can be
//! baked with no token and no network (the bundled example site's demo feed, offline demos, tests).
//!
//! Layout: `media.json` is the first `/me/media` page in the API's exact shape; its `paging.next`, if
//! any, names the next page's file in the same folder (`media-2.json`); `me.json` is the optional
//! `/me` answer; `<id>.json` answers a carousel child that the list gives as an id only, or a
//! pinned post that the pages do not hold (`GET /{id}`, as the API client asks for it). Media URLs
//! in the JSON are paths relative to the folder, and are read by [`crate::media::Fetcher::Dir`].
//! `instabake record` writes such a folder from the live API (see [`super::scrub`]).

use std::path::Path;

use super::wire::{MediaPage, WireAccount, WireMedia};
use super::{Account, Feed, Origin, Wanted};
use crate::error::{Error, Result};
use crate::paths::inside;

/// Reads the feed recorded in `dir`: pages until `wanted.limit` posts show, every post read
/// returned (as the API client does), with the children of those that show filled in; then the
/// pinned posts the pages did not hold, each from its `<id>.json` where there is one (a pin
/// without one is left to curation to warn about, as a pin the API does not know).
pub(crate) fn feed(dir: &Path, wanted: &Wanted<'_>) -> Result<Feed> {
    let err = |message: String| Error::Replay {
        path: dir.to_owned(),
        message,
    };
    let unreadable = |what: String, source| Error::ReplayRead {
        path: dir.to_owned(),
        what,
        source,
    };
    let not_json = |file: &str, source| Error::ReplayJson {
        path: dir.to_owned(),
        file: file.to_owned(),
        source,
    };
    if !dir.is_dir() {
        return Err(err("the folder does not exist".into()));
    }
    let mut media: Vec<WireMedia> = Vec::new();
    let mut file = "media.json".to_owned();
    let mut seen = std::collections::HashSet::new();
    let mut shows = Vec::new();
    let mut shown = 0;
    loop {
        if !seen.insert(file.clone()) {
            return Err(err(format!(
                "paging.next of {file} loops back to a page already read"
            )));
        }
        let path = inside(dir, &file)
            .ok_or_else(|| err(format!("paging.next {file:?} is not a file in the folder")))?;
        let body =
            std::fs::read(&path).map_err(|e| unreadable(format!("cannot read {file}"), e))?;
        let page = MediaPage::parse(&body).map_err(|e| not_json(&file, e))?;
        for post in page.data {
            let counts = shown < wanted.limit && wanted.counts(&post.clone().into_post());
            shown += usize::from(counts);
            shows.push(counts);
            media.push(post);
        }
        match page.paging.and_then(|p| p.next) {
            Some(next) if shown < wanted.limit => file = next,
            _ => break,
        }
    }
    let read: std::collections::HashSet<String> = media.iter().map(|m| m.id.clone()).collect();
    for id in wanted.pinned_ids.iter().filter(|id| !read.contains(*id)) {
        let name = format!("{id}.json");
        let Some(path) = inside(dir, &name).filter(|p| p.is_file()) else {
            continue;
        };
        let body = std::fs::read(&path)
            .map_err(|e| unreadable(format!("cannot read pinned post {name}"), e))?;
        media.push(serde_json::from_slice(&body).map_err(|e| not_json(&name, e))?);
        shows.push(true);
    }
    for (post, _) in media.iter_mut().zip(&shows).filter(|(_, shows)| **shows) {
        let Some(children) = post.children.as_mut() else {
            continue;
        };
        for child in children.data.iter_mut().filter(|c| c.is_id_only()) {
            let name = format!("{}.json", child.id);
            let path =
                inside(dir, &name).ok_or_else(|| err(format!("bad child id {:?}", child.id)))?;
            let body = std::fs::read(&path)
                .map_err(|e| unreadable(format!("carousel item {} needs {name}", child.id), e))?;
            *child = serde_json::from_slice(&body).map_err(|e| not_json(&name, e))?;
        }
    }
    let account = read_account(dir)?;
    let username = account
        .username
        .or_else(|| media.iter().find_map(|m| m.username.clone()));
    Ok(Feed {
        account: Account {
            username,
            ..account
        },
        posts: media.into_iter().map(WireMedia::into_post).collect(),
        fetched_at: super::now_rfc3339(),
        origin: Origin::Replay,
    })
}

fn read_account(dir: &Path) -> Result<Account> {
    let path = dir.join("me.json");
    if !path.is_file() {
        return Ok(Account::default());
    }
    let body = std::fs::read(&path).map_err(|source| Error::ReplayRead {
        path: dir.to_owned(),
        what: "cannot read me.json".to_owned(),
        source,
    })?;
    let me: WireAccount = serde_json::from_slice(&body).map_err(|source| Error::ReplayJson {
        path: dir.to_owned(),
        file: "me.json".to_owned(),
        source,
    })?;
    Ok(me.into_account())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_children_are_followed() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(
            d.join("media.json"),
            r#"{"data":[{"id":"1","media_type":"IMAGE","media_url":"a.jpg","username":"u"}],"paging":{"next":"media-2.json"}}"#,
        )
        .unwrap();
        std::fs::write(
            d.join("media-2.json"),
            r#"{"data":[{"id":"2","media_type":"CAROUSEL_ALBUM","children":{"data":[{"id":"21"}]}}]}"#,
        )
        .unwrap();
        std::fs::write(
            d.join("21.json"),
            r#"{"id":"21","media_type":"IMAGE","media_url":"b.jpg"}"#,
        )
        .unwrap();
        let feed = feed(d, &Wanted::newest(12)).unwrap();
        assert_eq!(feed.posts.len(), 2);
        assert_eq!(feed.posts[1].items[0].image_url.as_deref(), Some("b.jpg"));
        assert_eq!(feed.account.username.as_deref(), Some("u"));
        // One post is enough: the second page is not read.
        assert_eq!(super::feed(d, &Wanted::newest(1)).unwrap().posts.len(), 1);
    }

    #[test]
    fn pinned_posts_beyond_the_pages_read_come_from_their_files() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(
            d.join("media.json"),
            r#"{"data":[{"id":"1","media_type":"IMAGE","media_url":"a.jpg"}]}"#,
        )
        .unwrap();
        std::fs::write(
            d.join("9.json"),
            r#"{"id":"9","media_type":"CAROUSEL_ALBUM","children":{"data":[{"id":"91"}]}}"#,
        )
        .unwrap();
        std::fs::write(
            d.join("91.json"),
            r#"{"id":"91","media_type":"IMAGE","media_url":"c.jpg"}"#,
        )
        .unwrap();
        let mut wanted = Wanted::newest(1);
        // 1 is pinned too, but read already; 8 has no file: as a pin the API does not know.
        wanted.pinned_ids = vec!["9".into(), "1".into(), "8".into()];
        let feed = feed(d, &wanted).unwrap();
        let ids: Vec<&str> = feed.posts.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["1", "9"]);
        assert_eq!(feed.posts[1].items[0].image_url.as_deref(), Some("c.jpg"));
        // A pin is never a way out of the folder.
        wanted.pinned_ids = vec!["../9".into()];
        assert_eq!(super::feed(d, &wanted).unwrap().posts.len(), 1);
    }
}
