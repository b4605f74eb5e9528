//! The Graph API's JSON, as it really comes back (see `shared/api-samples`): every field but `id`
//! may be absent, carousel children may be ids only, the last page may have cursors but no `next`,
//! and errors come in a standard envelope or, from some endpoints, a flat one (those are read by
//! [`crate::api_error::parse_error`]).
//!
//! [`WireMedia::into_post`] turns them into the source-neutral [`Post`]. They serialize back to
//! the same shape, leaving out what is absent: that is how `instabake record` writes a replay
//! folder, with only the fields listed here (anything else the API sent is not written).

use serde::{Deserialize, Serialize};

use super::{Account, Item, ItemKind, Post, PostKind};

/// One page of `/me/media`.
#[derive(Debug, Deserialize, Serialize)]
pub(crate) struct MediaPage {
    pub data: Vec<WireMedia>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paging: Option<Paging>,
}

/// A media list nested in another object: `/me?fields=media{...}` returns `{"media": {"data": ...}}`
/// and business discovery one level further down. Accepted so that every captured shape parses.
#[derive(Debug, Deserialize)]
struct Nested {
    media: Option<MediaPage>,
    business_discovery: Option<Box<Nested>>,
}

/// Paging links of a list.
#[derive(Debug, Default, Deserialize, Serialize)]
pub(crate) struct Paging {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// A carousel's `children` edge.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub(crate) struct Children {
    #[serde(default)]
    pub data: Vec<WireMedia>,
}

/// One media object (a post or a carousel child).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub(crate) struct WireMedia {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_product_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumbnail_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permalink: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alt_text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_shared_to_feed: Option<bool>,
    /// Asked for only with `[account] counts = true`; left out when the owner hides it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub like_count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comments_count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub children: Option<Children>,
}

/// The `/me` account object, with the profile fields when they were asked for.
#[derive(Debug, Default, Deserialize, Serialize)]
pub(crate) struct WireAccount {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub biography: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_picture_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub followers_count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follows_count: Option<u64>,
}

impl WireAccount {
    /// The account, its id read from `user_id` (a string, or a number in some answers) else `id`.
    pub(crate) fn into_account(self) -> Account {
        Account {
            id: self
                .user_id
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .or(self.id),
            username: non_empty(self.username),
            account_type: self.account_type,
            media_count: self.media_count,
            name: non_empty(self.name),
            biography: non_empty(self.biography),
            website: non_empty(self.website),
            followers_count: self.followers_count,
            follows_count: self.follows_count,
            picture: non_empty(self.profile_picture_url).map(super::profile_picture),
        }
    }
}

impl MediaPage {
    /// Parses a list page, also accepting the nested `media` edge shapes. The error is the one
    /// for the plain shape, which is what the API sends.
    pub(crate) fn parse(body: &[u8]) -> Result<MediaPage, serde_json::Error> {
        match serde_json::from_slice::<MediaPage>(body) {
            Ok(page) => Ok(page),
            Err(direct) => {
                let Ok(mut nested) = serde_json::from_slice::<Nested>(body) else {
                    return Err(direct);
                };
                loop {
                    if let Some(page) = nested.media {
                        return Ok(page);
                    }
                    match nested.business_discovery {
                        Some(inner) => nested = *inner,
                        None => return Err(direct),
                    }
                }
            }
        }
    }
}

impl WireMedia {
    /// True when this object holds nothing but its id (a child not expanded by the list call).
    pub(crate) fn is_id_only(&self) -> bool {
        self.media_type.is_none() && self.media_url.is_none() && self.thumbnail_url.is_none()
    }

    /// The item to bake for this object, seen as a single image or video.
    pub(crate) fn to_item(&self) -> Item {
        let is_video = self.media_type.as_deref() == Some("VIDEO");
        Item {
            id: self.id.clone(),
            kind: if is_video {
                ItemKind::Video
            } else {
                ItemKind::Image
            },
            image_url: if is_video {
                self.thumbnail_url.clone()
            } else {
                self.media_url
                    .clone()
                    .or_else(|| self.thumbnail_url.clone())
            },
            video_url: if is_video {
                self.media_url.clone()
            } else {
                None
            },
            alt_text: non_empty(self.alt_text.clone()),
        }
    }

    /// Converts to a [`Post`]. Children must have been filled in before (see
    /// `api::Client::fill_children`); a carousel without children falls back to its own
    /// `media_url`, which the API sets to the first item.
    pub(crate) fn into_post(self) -> Post {
        let kind = match self.media_type.as_deref() {
            Some("VIDEO") => PostKind::Video,
            Some("CAROUSEL_ALBUM") => PostKind::Carousel,
            _ => PostKind::Image,
        };
        let items = match (&kind, &self.children) {
            (PostKind::Carousel, Some(children)) if !children.data.is_empty() => {
                children.data.iter().map(WireMedia::to_item).collect()
            }
            _ => vec![self.to_item()],
        };
        Post {
            kind,
            product: self.media_product_type.map(|p| p.to_lowercase()),
            shared_to_feed: self.is_shared_to_feed,
            permalink: self.permalink,
            timestamp: self.timestamp.as_deref().map(normalise_timestamp),
            caption: non_empty(self.caption),
            alt_text: non_empty(self.alt_text),
            username: self.username,
            like_count: self.like_count,
            comments_count: self.comments_count,
            items,
            id: self.id,
            link: None,
            overridden: Vec::new(),
            source: super::PostSource::Api,
        }
    }
}

fn non_empty(text: Option<String>) -> Option<String> {
    text.filter(|t| !t.trim().is_empty())
}

/// The API writes `2024-01-02T03:04:05+0000`, which is not RFC 3339 (the offset lacks its colon).
/// Returns RFC 3339 in UTC, or the input unchanged when it is something else entirely.
pub(crate) fn normalise_timestamp(raw: &str) -> String {
    use time::format_description::well_known::Rfc3339;
    let api = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory][offset_minute]"
    );
    time::OffsetDateTime::parse(raw, &api)
        .or_else(|_| time::OffsetDateTime::parse(raw, &Rfc3339))
        .ok()
        .and_then(|t| t.to_offset(time::UtcOffset::UTC).format(&Rfc3339).ok())
        .unwrap_or_else(|| raw.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_become_rfc3339_utc() {
        assert_eq!(
            normalise_timestamp("2022-10-27T05:03:06+0000"),
            "2022-10-27T05:03:06Z"
        );
        assert_eq!(
            normalise_timestamp("2022-10-27T07:03:06+0200"),
            "2022-10-27T05:03:06Z"
        );
        assert_eq!(normalise_timestamp("yesterday"), "yesterday");
    }

    #[test]
    fn video_without_media_url_keeps_its_poster() {
        let media: WireMedia = serde_json::from_str(
            r#"{"id":"1","media_type":"VIDEO","thumbnail_url":"https://x/poster.jpg"}"#,
        )
        .unwrap();
        let post = media.into_post();
        assert_eq!(post.kind, PostKind::Video);
        assert_eq!(
            post.items[0].image_url.as_deref(),
            Some("https://x/poster.jpg")
        );
        assert_eq!(post.items[0].video_url, None);
    }

    #[test]
    fn nested_media_edges_parse() {
        let page = MediaPage::parse(br#"{"id":"1","media":{"data":[{"id":"2"}]}}"#).unwrap();
        assert_eq!(page.data[0].id, "2");
        let page =
            MediaPage::parse(br#"{"business_discovery":{"media":{"data":[{"id":"3"}]}},"id":"1"}"#)
                .unwrap();
        assert_eq!(page.data[0].id, "3");
        assert!(MediaPage::parse(br#"{"id":"1"}"#).is_err());
    }
}
