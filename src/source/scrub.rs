//! What `instabake record` keeps of the live feed, and how it writes it as a replay folder
//! ([`super::replay`]): the API's own shape, with the token, paging URLs and CDN URLs gone.
//!
//! By construction: `paging.next` becomes the next file's name (`previous` and the cursors go, and
//! with them the token they carry); every media URL becomes a local path ([`scrub_media`], the map
//! given by the caller), or goes when it is of no use to a bake (a carousel's own cover, the media
//! of posts that do not show, video files unless `[video] download` is on); and only the fields
//! the wire types know are written. Then [`check_clean`] reads back everything written and fails
//! on any trace of the token, a paging URL, a CDN host or a URL signature.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use super::api::Read;
use super::wire::{MediaPage, Paging, WireAccount, WireMedia};
use crate::cache;
use crate::error::{Error, Result};
use crate::report;

/// What a media URL is for: the image a bake resizes (a photo, a video's poster, a profile
/// picture), or a video file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Role {
    Image,
    Video,
}

/// The media URLs to download, by item id and role (an id listed twice is downloaded once).
#[derive(Debug, Default)]
pub(crate) struct Plan {
    pub wants: BTreeMap<(String, Role), String>,
}

impl Plan {
    pub(crate) fn want(&mut self, id: &str, role: Role, url: &str) {
        self.wants
            .entry((id.to_owned(), role))
            .or_insert_with(|| url.to_owned());
    }

    /// The hosts (with their ports) the media came from: none may appear in the recording.
    pub(crate) fn hosts(&self) -> Vec<String> {
        let hosts: HashSet<String> = self
            .wants
            .values()
            .filter_map(|url| url::Url::parse(url).ok())
            .filter_map(|url| {
                let host = url.host_str()?.to_owned();
                Some(match url.port() {
                    Some(port) => format!("{host}:{port}"),
                    None => host,
                })
            })
            .collect();
        let mut hosts: Vec<String> = hosts.into_iter().collect();
        hosts.sort();
        hosts
    }
}

/// Swaps the media URLs of a post (and its carousel children) for what `map` makes of them
/// (`None` drops the field), keeping only those a bake could use: an image's `media_url` (else
/// its `thumbnail_url`), a video's poster (`thumbnail_url`), its file (`media_url`) only when
/// `videos`, and a carousel's children's rather than its own cover. A post that does not `show`
/// under the settings keeps no media URL at all: a bake never uses its media.
pub(crate) fn scrub_media(
    post: &mut WireMedia,
    shows: bool,
    videos: bool,
    map: &mut dyn FnMut(&str, Role, String) -> Option<String>,
) {
    let carousel = post.media_type.as_deref() == Some("CAROUSEL_ALBUM")
        && post.children.as_ref().is_some_and(|c| !c.data.is_empty());
    if !shows {
        drop_all(post);
        return;
    }
    if carousel {
        post.media_url = None;
        post.thumbnail_url = None;
        for child in post.children.iter_mut().flat_map(|c| c.data.iter_mut()) {
            scrub_item(child, videos, map);
        }
    } else {
        // Only a carousel's children are baked.
        if let Some(children) = &mut post.children {
            children.data.iter_mut().for_each(drop_all);
        }
        scrub_item(post, videos, map);
    }
}

/// Removes every media URL of `media` and its children.
fn drop_all(media: &mut WireMedia) {
    media.media_url = None;
    media.thumbnail_url = None;
    if let Some(children) = &mut media.children {
        children.data.iter_mut().for_each(drop_all);
    }
}

/// [`scrub_media`] of one image or video (a post's own, or a carousel child).
fn scrub_item(
    media: &mut WireMedia,
    videos: bool,
    map: &mut dyn FnMut(&str, Role, String) -> Option<String>,
) {
    let id = media.id.clone();
    if media.media_type.as_deref() == Some("VIDEO") {
        media.thumbnail_url = media
            .thumbnail_url
            .take()
            .and_then(|url| map(&id, Role::Image, url));
        let video = media.media_url.take();
        media.media_url = video
            .filter(|_| videos)
            .and_then(|url| map(&id, Role::Video, url));
    } else {
        // As `WireMedia::to_item` reads it: the media URL, else the thumbnail.
        match media.media_url.take() {
            Some(url) => {
                media.media_url = map(&id, Role::Image, url);
                media.thumbnail_url = None;
            }
            None => {
                media.thumbnail_url = media
                    .thumbnail_url
                    .take()
                    .and_then(|url| map(&id, Role::Image, url));
            }
        }
    }
}

/// Swaps the profile picture's URL for what `map` makes of it, under the picture's id (see
/// [`super::profile_picture`]: the replay then gives the picture the same id).
pub(crate) fn scrub_profile(
    me: &mut WireAccount,
    map: &mut dyn FnMut(&str, Role, String) -> Option<String>,
) {
    me.profile_picture_url = me.profile_picture_url.take().and_then(|url| {
        let id = super::profile_picture(url.clone()).id;
        map(&id, Role::Image, url)
    });
}

/// Writes the pages (`media.json`, then `media-2.json`, ... each naming the next in
/// `paging.next`), the pinned posts beyond them (`<id>.json`) and the profile (`me.json`).
pub(crate) fn write_folder(dir: &Path, read: Read, profile: Option<&WireAccount>) -> Result<()> {
    let pages = read.pages.len();
    for (index, data) in read.pages.into_iter().enumerate() {
        let next = (index + 1 < pages).then(|| page_name(index + 2));
        let page = MediaPage {
            data,
            paging: next.map(|next| Paging { next: Some(next) }),
        };
        write_json(dir, &page_name(index + 1), &page)?;
    }
    for post in &read.pinned {
        let name = format!("{}.json", post.id);
        // The replay reads `<id>.json` by the id as given: an id that is no plain file name
        // could not be read back, so it is not written.
        if cache::file_name_for_id(&post.id) != post.id {
            report::warn(format!(
                "the pinned post {:?} has an id that is not a file name; it is left out",
                post.id
            ));
            continue;
        }
        write_json(dir, &name, post)?;
    }
    if let Some(me) = profile {
        write_json(dir, "me.json", me)?;
    }
    Ok(())
}

/// `media.json` for the first page, `media-N.json` for the others.
fn page_name(number: usize) -> String {
    if number == 1 {
        "media.json".to_owned()
    } else {
        format!("media-{number}.json")
    }
}

fn write_json(dir: &Path, name: &str, value: &impl serde::Serialize) -> Result<()> {
    let path = dir.join(name);
    let mut text =
        serde_json::to_string_pretty(value).map_err(|e| Error::json("write", &path, e))?;
    text.push('\n');
    std::fs::write(&path, text).map_err(|e| Error::io("write", &path, e))
}

/// What must never be in a recording's JSON, besides the token and the media hosts: paging URLs
/// (they carry the token), Instagram's CDN hosts, and the query parameters of a signed CDN URL.
const FORBIDDEN: &[(&str, &str)] = &[
    ("access_token=", "a paging URL with its access_token"),
    ("cdninstagram", "an Instagram CDN host (cdninstagram)"),
    ("fbcdn", "a Facebook CDN host (fbcdn)"),
    ("?oh=", "a signed CDN URL (its oh= signature)"),
    ("&oh=", "a signed CDN URL (its oh= signature)"),
    ("?oe=", "a signed CDN URL (its oe= expiry)"),
    ("&oe=", "a signed CDN URL (its oe= expiry)"),
    ("_nc_", "a signed CDN URL (its _nc_ parameters)"),
];

/// Reads back every file of the recording in `dir` and fails on the token (in any file or file
/// name), and in the JSON on a paging URL, a CDN host, a URL signature or any of `hosts` (where
/// the media came from). The last line of defence: what the scrubbing above missed fails the
/// command instead of ending up in a bug report. The message never quotes the token.
pub(crate) fn check_clean(dir: &Path, token: &str, hosts: &[String]) -> Result<()> {
    let leak = |file: &Path, what: String| Error::RecordLeak {
        file: file.strip_prefix(dir).unwrap_or(file).display().to_string(),
        what,
    };
    let mut pending = vec![dir.to_owned()];
    while let Some(folder) = pending.pop() {
        let entries = std::fs::read_dir(&folder).map_err(|e| Error::io("read", &folder, e))?;
        for entry in entries {
            let path = entry.map_err(|e| Error::io("read", &folder, e))?.path();
            if !token.is_empty() && path.to_string_lossy().contains(token) {
                return Err(leak(&path, "the access token in its name".to_owned()));
            }
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let bytes = std::fs::read(&path).map_err(|e| Error::io("read", &path, e))?;
            if !token.is_empty() && contains(&bytes, token.as_bytes()) {
                return Err(leak(&path, "the access token".to_owned()));
            }
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            for (needle, what) in FORBIDDEN {
                if contains(&bytes, needle.as_bytes()) {
                    return Err(leak(&path, (*what).to_owned()));
                }
            }
            for host in hosts {
                if contains(&bytes, host.as_bytes()) {
                    return Err(leak(&path, format!("a URL of the media host {host}")));
                }
            }
        }
    }
    Ok(())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CDN: &str =
        "https://scontent-lax3-1.cdninstagram.com/v/t51.2885-15/1_n.jpg?_nc_ht=x&oh=00_A&oe=62C0";

    fn media(json: &str) -> WireMedia {
        serde_json::from_str(json).unwrap()
    }

    /// Scrubs with a map that makes `media/<id>` (or `media/<id>.mp4`) of each URL, and returns
    /// the post as JSON, with what was asked for.
    fn scrubbed(json: &str, shows: bool, videos: bool) -> (serde_json::Value, Vec<String>) {
        let mut post = media(json);
        let mut asked = Vec::new();
        scrub_media(&mut post, shows, videos, &mut |id, role, url| {
            assert_eq!(url, CDN);
            asked.push(format!("{id}:{role:?}"));
            Some(match role {
                Role::Image => format!("media/{id}.jpg"),
                Role::Video => format!("media/{id}.mp4"),
            })
        });
        (serde_json::to_value(&post).unwrap(), asked)
    }

    fn with_cdn(template: &str) -> String {
        template.replace("CDN", CDN)
    }

    #[test]
    fn images_videos_and_carousels_keep_what_a_bake_uses_as_local_paths() {
        let (image, asked) = scrubbed(
            &with_cdn(
                r#"{"id":"1","media_type":"IMAGE","media_url":"CDN","permalink":"https://www.instagram.com/p/A/","caption":"hi"}"#,
            ),
            true,
            false,
        );
        assert_eq!(
            image,
            serde_json::json!({"id":"1","media_type":"IMAGE","media_url":"media/1.jpg",
                "permalink":"https://www.instagram.com/p/A/","caption":"hi"})
        );
        assert_eq!(asked, ["1:Image"]);

        let video =
            with_cdn(r#"{"id":"2","media_type":"VIDEO","media_url":"CDN","thumbnail_url":"CDN"}"#);
        let (off, asked) = scrubbed(&video, true, false);
        assert_eq!(
            off,
            serde_json::json!({"id":"2","media_type":"VIDEO","thumbnail_url":"media/2.jpg"})
        );
        assert_eq!(asked, ["2:Image"]);
        let (on, asked) = scrubbed(&video, true, true);
        assert_eq!(on["media_url"], "media/2.mp4");
        assert_eq!(asked, ["2:Image", "2:Video"]);

        let carousel = with_cdn(
            r#"{"id":"3","media_type":"CAROUSEL_ALBUM","media_url":"CDN","children":{"data":[
                {"id":"31","media_type":"IMAGE","media_url":"CDN"},
                {"id":"32","media_type":"VIDEO","media_url":"CDN","thumbnail_url":"CDN"}]}}"#,
        );
        let (post, asked) = scrubbed(&carousel, true, false);
        assert!(post.get("media_url").is_none(), "{post}");
        assert_eq!(post["children"]["data"][0]["media_url"], "media/31.jpg");
        assert_eq!(post["children"]["data"][1]["thumbnail_url"], "media/32.jpg");
        assert!(post["children"]["data"][1].get("media_url").is_none());
        assert_eq!(asked, ["31:Image", "32:Image"]);

        // A carousel whose children are unknown is baked from its own cover, as the bake does.
        let (post, asked) = scrubbed(
            &with_cdn(r#"{"id":"4","media_type":"CAROUSEL_ALBUM","media_url":"CDN"}"#),
            true,
            false,
        );
        assert_eq!(post["media_url"], "media/4.jpg");
        assert_eq!(asked, ["4:Image"]);
    }

    #[test]
    fn posts_that_do_not_show_keep_no_media_url_and_cost_no_download() {
        let (post, asked) = scrubbed(
            &with_cdn(
                r#"{"id":"5","media_type":"CAROUSEL_ALBUM","media_url":"CDN","caption":"kept",
                "children":{"data":[{"id":"51","media_type":"IMAGE","media_url":"CDN"}]}}"#,
            ),
            false,
            true,
        );
        assert!(asked.is_empty());
        assert_eq!(post["caption"], "kept");
        assert!(!post.to_string().contains("http"), "{post}");
    }

    #[test]
    fn a_failed_download_drops_the_url_rather_than_keep_it() {
        let mut post = media(&with_cdn(
            r#"{"id":"6","media_type":"VIDEO","media_url":"CDN","thumbnail_url":"CDN"}"#,
        ));
        scrub_media(&mut post, true, true, &mut |_, _, _| None);
        assert_eq!(
            serde_json::to_value(&post).unwrap(),
            serde_json::json!({"id":"6","media_type":"VIDEO"})
        );
    }

    #[test]
    fn the_profile_picture_is_named_by_its_id() {
        let mut me: WireAccount =
            serde_json::from_str(&with_cdn(r#"{"username":"u","profile_picture_url":"CDN"}"#))
                .unwrap();
        let id = super::super::profile_picture(CDN.to_owned()).id;
        scrub_profile(&mut me, &mut |got, _, _| Some(format!("media/{got}.jpg")));
        let path = me.profile_picture_url.clone().unwrap();
        assert_eq!(path, format!("media/{id}.jpg"));
        // Read back, the picture has the id the live bake gave it.
        assert_eq!(me.into_account().picture.unwrap().id, id);
    }

    #[test]
    fn pages_are_chained_by_file_name_without_paging_urls() {
        let dir = tempfile::tempdir().unwrap();
        let read = Read {
            pages: vec![
                vec![media(r#"{"id":"1","media_url":"media/1.jpg"}"#)],
                vec![media(r#"{"id":"2"}"#)],
                vec![media(r#"{"id":"3"}"#)],
            ],
            pinned: vec![media(r#"{"id":"9"}"#), media(r#"{"id":"../x"}"#)],
        };
        write_folder(dir.path(), read, None).unwrap();
        let page = |name: &str| -> serde_json::Value {
            serde_json::from_slice(&std::fs::read(dir.path().join(name)).unwrap()).unwrap()
        };
        assert_eq!(page("media.json")["paging"]["next"], "media-2.json");
        assert_eq!(page("media-2.json")["paging"]["next"], "media-3.json");
        assert!(page("media-3.json").get("paging").is_none());
        assert_eq!(page("9.json")["id"], "9");
        assert!(!dir.path().join("me.json").exists());
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            ["9.json", "media-2.json", "media-3.json", "media.json"]
        );
    }

    #[test]
    fn the_media_hosts_are_known_with_their_ports() {
        let mut plan = Plan::default();
        plan.want("1", Role::Image, CDN);
        plan.want("1", Role::Image, "http://127.0.0.1:4567/other.jpg");
        plan.want("2", Role::Video, "http://127.0.0.1:4567/media/2.mp4?oh=1");
        plan.want("3", Role::Image, "not a url");
        assert_eq!(
            plan.wants[&("1".to_owned(), Role::Image)],
            CDN,
            "the first URL wins"
        );
        assert_eq!(
            plan.hosts(),
            ["127.0.0.1:4567", "scontent-lax3-1.cdninstagram.com"]
        );
    }

    #[test]
    fn the_check_finds_every_kind_of_leak() {
        let token = "IGQWRunit-test-token";
        let clean = |files: &[(&str, &[u8])]| {
            let dir = tempfile::tempdir().unwrap();
            std::fs::create_dir(dir.path().join("media")).unwrap();
            for (name, bytes) in files {
                std::fs::write(dir.path().join(name), bytes).unwrap();
            }
            check_clean(dir.path(), token, &["127.0.0.1:4567".to_owned()])
        };
        let good: &[(&str, &[u8])] = &[
            ("media.json", br#"{"data":[{"id":"1","media_url":"media/1.jpg","permalink":"https://www.instagram.com/p/A/"}]}"#),
            ("media/1.jpg", b"\xff\xd8\xff jpeg bytes"),
        ];
        clean(good).unwrap();
        let leaks: &[(&str, &[u8], &str)] = &[
            (
                "media.json",
                br#"{"paging":{"next":"https://graph.instagram.com/me/media?access_token=x"}}"#,
                "access_token",
            ),
            (
                "me.json",
                br#"{"profile_picture_url":"https://scontent.cdninstagram.com/a.jpg"}"#,
                "cdninstagram",
            ),
            (
                "media-2.json",
                br#"{"x":"https://video.xx.fbcdn.net/v.mp4"}"#,
                "fbcdn",
            ),
            (
                "9.json",
                br#"{"media_url":"https://cdn.example/a.jpg?oh=00_A&oe=62C0"}"#,
                "oh=",
            ),
            (
                "9.json",
                br#"{"media_url":"https://cdn.example/a.jpg?stp=1&_nc_ht=x"}"#,
                "_nc_",
            ),
            (
                "9.json",
                br#"{"media_url":"http://127.0.0.1:4567/media/a.jpg"}"#,
                "127.0.0.1:4567",
            ),
            // The token anywhere, in any file, even one that is not JSON.
            (
                "media/2.jpg",
                b"\xff\xd8 IGQWRunit-test-token",
                "access token",
            ),
            (
                "media.json",
                br#"{"caption":"IGQWRunit-test-token"}"#,
                "access token",
            ),
        ];
        for (name, bytes, what) in leaks {
            let error = clean(&[good[0], (name, bytes)])
                .expect_err(what)
                .to_string();
            assert!(error.contains(what), "{error}");
            assert!(error.contains(name), "{error}");
            assert!(
                !error.contains(token),
                "the message quotes the token: {error}"
            );
        }
    }
}
