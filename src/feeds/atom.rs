//! `feed.xml`: the channel as an Atom 1.0 feed (RFC 4287), written with quick-xml's writer, which
//! escapes every text and attribute; the channel's texts are already free of the characters XML
//! cannot carry ([`super::channel::clean`]).
//!
//! quick-xml rather than `atom_syndication`: the latter brings chrono, a date parser and
//! encoding_rs (10 more crates in the build) to write the same dozen elements.

use std::io;

use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;

use super::channel::{Channel, Entry};

const ATOM_NS: &str = "http://www.w3.org/2005/Atom";

/// The Atom document. `json_url` is the JSON feed's URL when it is written too, named as another
/// form of the same feed.
pub(crate) fn write(
    channel: &Channel,
    self_url: &str,
    json_url: Option<&str>,
) -> io::Result<String> {
    let mut xml = Writer::new_with_indent(Vec::new(), b' ', 2);
    xml.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
    let mut feed = xml
        .create_element("feed")
        .with_attribute(("xmlns", ATOM_NS));
    if let Some(language) = &channel.language {
        feed = feed.with_attribute(("xml:lang", language.as_str()));
    }
    feed.write_inner_content(|xml| {
        // The feed's id is its own address: stable for as long as the feed lives there.
        text(xml, "id", self_url)?;
        typed_text(xml, "title", &channel.title)?;
        if let Some(description) = &channel.description {
            typed_text(xml, "subtitle", description)?;
        }
        text(xml, "updated", &channel.updated)?;
        link(xml, "self", "application/atom+xml", self_url)?;
        link(xml, "alternate", "text/html", &channel.home)?;
        if let Some(json_url) = json_url {
            link(xml, "alternate", "application/feed+json", json_url)?;
        }
        xml.create_element("author").write_inner_content(|xml| {
            text(xml, "name", &channel.author.name)?;
            if let Some(url) = &channel.author.url {
                text(xml, "uri", url)?;
            }
            Ok(())
        })?;
        xml.create_element("generator")
            .with_attribute(("uri", env!("CARGO_PKG_REPOSITORY")))
            .with_attribute(("version", env!("CARGO_PKG_VERSION")))
            .write_text_content(BytesText::new("instabake"))?;
        if let Some(icon) = &channel.icon {
            text(xml, "icon", icon)?;
        }
        for entry in &channel.entries {
            write_entry(xml, entry)?;
        }
        Ok(())
    })?;
    let mut bytes = xml.into_inner();
    bytes.push(b'\n');
    String::from_utf8(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

fn write_entry(xml: &mut Writer<Vec<u8>>, entry: &Entry) -> io::Result<()> {
    xml.create_element("entry").write_inner_content(|xml| {
        text(xml, "id", &entry.id)?;
        typed_text(xml, "title", &entry.title)?;
        text(xml, "published", &entry.published)?;
        // Instagram captions can be edited, but the API gives no time for it.
        text(xml, "updated", &entry.published)?;
        if let Some(url) = &entry.link {
            link(xml, "alternate", "text/html", url)?;
        }
        if let Some(url) = &entry.permalink {
            link(xml, "related", "text/html", url)?;
        }
        for enclosure in &entry.enclosures {
            xml.create_element("link")
                .with_attribute(("rel", "enclosure"))
                .with_attribute(("type", enclosure.mime))
                .with_attribute(("length", enclosure.bytes.to_string().as_str()))
                .with_attribute(("href", enclosure.url.as_str()))
                .write_empty()?;
        }
        for tag in &entry.tags {
            xml.create_element("category")
                .with_attribute(("term", tag.as_str()))
                .write_empty()?;
        }
        typed_text(xml, "content", &entry.text)?;
        Ok(())
    })?;
    Ok(())
}

/// `<name>value</name>`.
fn text(xml: &mut Writer<Vec<u8>>, name: &str, value: &str) -> io::Result<()> {
    xml.create_element(name)
        .write_text_content(BytesText::new(value))?;
    Ok(())
}

/// `<name type="text">value</name>`: said outright, so that no reader takes a caption's markup
/// for HTML.
fn typed_text(xml: &mut Writer<Vec<u8>>, name: &str, value: &str) -> io::Result<()> {
    xml.create_element(name)
        .with_attribute(("type", "text"))
        .write_text_content(BytesText::new(value))?;
    Ok(())
}

fn link(xml: &mut Writer<Vec<u8>>, rel: &str, kind: &str, href: &str) -> io::Result<()> {
    xml.create_element("link")
        .with_attribute(("rel", rel))
        .with_attribute(("type", kind))
        .with_attribute(("href", href))
        .write_empty()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use quick_xml::events::Event;
    use quick_xml::Reader;

    use super::*;
    use crate::feeds::channel::tests::{document, place, post};

    const HOSTILE: &str =
        "<script>alert(1)</script> & \"quotes\" ]]> {{ x }}\u{0}\u{1b}\u{7}\r\nline two #tag";

    /// Fails unless `xml` is well-formed, every element closed.
    fn assert_well_formed(xml: &str) {
        let mut reader = Reader::from_str(xml);
        let mut depth = 0_i32;
        loop {
            match reader.read_event() {
                Ok(Event::Start(_)) => depth += 1,
                Ok(Event::End(_)) => depth -= 1,
                Ok(Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("not well-formed at {}: {e}\n{xml}", reader.error_position()),
            }
        }
        assert_eq!(depth, 0, "unclosed elements\n{xml}");
    }

    #[test]
    fn a_hostile_caption_stays_text_in_well_formed_xml() {
        let doc = document(vec![post(
            "1",
            Some("2026-11-20T12:00:00+0000"),
            Some(HOSTILE),
        )]);
        let channel = Channel::of(&doc, &place());
        let xml = write(&channel, "https://example.com/instagram/feed.xml", None).unwrap();
        assert_well_formed(&xml);
        assert!(!xml.contains("<script"), "{xml}");
        assert!(
            xml.contains(
                "<content type=\"text\">&lt;script&gt;alert(1)&lt;/script&gt; &amp; \
                 &quot;quotes&quot; ]]&gt; {{ x }}\nline two #tag</content>"
            ),
            "{xml}"
        );
        assert!(!xml.chars().any(|c| c.is_control() && c != '\n'), "{xml:?}");
    }
}
