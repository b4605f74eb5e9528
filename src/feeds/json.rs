//! `feed.json`: the channel as a JSON Feed 1.1 (<https://jsonfeed.org/version/1.1>).

use serde::Serialize;

use super::channel::{Channel, Enclosure};

const VERSION: &str = "https://jsonfeed.org/version/1.1";

#[derive(Serialize)]
struct Feed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: &'a str,
    feed_url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    icon: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
    authors: [Author<'a>; 1],
    items: Vec<Item<'a>>,
}

#[derive(Serialize)]
struct Author<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    avatar: Option<&'a str>,
}

#[derive(Serialize)]
struct Item<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_url: Option<&'a str>,
    title: &'a str,
    content_text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<&'a str>,
    date_published: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    tags: &'a [String],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attachments: Vec<Attachment<'a>>,
}

#[derive(Serialize)]
struct Attachment<'a> {
    url: &'a str,
    mime_type: &'a str,
    size_in_bytes: u64,
}

/// The JSON Feed document, pretty-printed, ending in a line break.
pub(crate) fn write(channel: &Channel, self_url: &str) -> serde_json::Result<String> {
    let feed = Feed {
        version: VERSION,
        title: &channel.title,
        home_page_url: &channel.home,
        feed_url: self_url,
        description: channel.description.as_deref(),
        icon: channel.icon.as_deref(),
        language: channel.language.as_deref(),
        authors: [Author {
            name: &channel.author.name,
            url: channel.author.url.as_deref(),
            avatar: channel.author.avatar.as_deref(),
        }],
        items: channel
            .entries
            .iter()
            .map(|entry| Item {
                id: &entry.id,
                url: entry.link.as_deref(),
                external_url: entry.permalink.as_deref(),
                title: &entry.title,
                content_text: &entry.text,
                image: entry.image().map(|image| image.url.as_str()),
                date_published: &entry.published,
                tags: &entry.tags,
                attachments: entry.enclosures.iter().map(attachment).collect(),
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&feed)?;
    text.push('\n');
    Ok(text)
}

fn attachment(enclosure: &Enclosure) -> Attachment<'_> {
    Attachment {
        url: &enclosure.url,
        mime_type: enclosure.mime,
        size_in_bytes: enclosure.bytes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feeds::channel::tests::{document, place, post};

    #[test]
    fn items_carry_the_caption_as_text_and_the_image_as_attachment() {
        let mut paged = post(
            "1",
            Some("2026-11-20T12:00:00+0000"),
            Some("<b>Rye</b>\u{0} #bread"),
        );
        paged.page = Some("/instagram/p/ONE/".to_owned());
        let channel = Channel::of(&document(vec![paged]), &place());
        let text = write(&channel, "https://example.com/instagram/feed.json").unwrap();
        let feed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(feed["version"], VERSION);
        assert_eq!(feed["title"], "The Bakery (@bakery) on Instagram");
        assert_eq!(feed["home_page_url"], "https://example.com/");
        assert_eq!(
            feed["authors"][0]["url"],
            "https://www.instagram.com/bakery/"
        );
        let item = &feed["items"][0];
        assert_eq!(item["id"], "tag:example.com,2026:instagram/1");
        assert_eq!(item["url"], "https://example.com/instagram/p/ONE/");
        assert_eq!(item["external_url"], "https://www.instagram.com/p/1/");
        assert_eq!(item["content_text"], "<b>Rye</b> #bread");
        assert!(item.get("content_html").is_none());
        assert_eq!(item["date_published"], "2026-11-20T12:00:00Z");
        assert_eq!(item["tags"], serde_json::json!(["bread"]));
        assert_eq!(item["image"], "https://example.com/instagram/1-1080.jpg");
        assert_eq!(
            item["attachments"][0],
            serde_json::json!({
                "url": "https://example.com/instagram/1-1080.jpg",
                "mime_type": "image/jpeg",
                "size_in_bytes": 1200
            })
        );
    }
}
