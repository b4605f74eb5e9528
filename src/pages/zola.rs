//! Zola: a section of pages, `content/instagram/`, one Markdown file per post whose body is the
//! page as one HTML block (no blank line in it, so Markdown leaves it whole; no brace, so no
//! shortcode), its URL the front matter's `path`, its head tags in `[extra]` for the
//! `instagram-meta.html` partial. The section itself is not rendered (`render = false`): its
//! pages are.

use super::{front_matter, Generator, Rendered, Value};
use crate::emit::TextFile;

const META_PARTIAL: &str = include_str!("../../templates/pages/zola-meta.html");

const SECTION: &str = "+++\n# Written by instabake: the section of the Instagram posts' pages.\n\
                       title = \"Instagram\"\nrender = false\n+++\n";

pub(super) fn files(generator: &Generator<'_>, rendered: &[Rendered]) -> Vec<TextFile> {
    let mut files = vec![
        TextFile {
            path: generator.partial_dir().join("instagram-meta.html"),
            content: META_PARTIAL.to_owned(),
        },
        generator.site_file("content/instagram/_index.md", SECTION.to_owned()),
    ];
    for (page, rendered) in generator.pages.iter().zip(rendered) {
        let image = page.images.first().map(|i| i.url.as_str());
        let head = [
            ("title", Some(Value::Str(&page.title))),
            ("description", Some(Value::Str(&page.description))),
            ("date", page.published.as_deref().map(Value::Str)),
            ("path", Some(Value::Str(&page.rest))),
            (
                "template",
                generator.config.pages.layout.as_deref().map(Value::Str),
            ),
        ];
        let extra = [
            ("instagram_id", Some(Value::Str(&page.post.id))),
            (
                "instagram_permalink",
                page.post.permalink.as_deref().map(Value::Str),
            ),
            ("instagram_image", image.map(Value::Str)),
            ("instagram_meta", Some(Value::Str(&rendered.meta))),
        ];
        let content = format!(
            "+++\n{}\n[extra]\n{}+++\n{}",
            front_matter(&head, true),
            front_matter(&extra, true),
            rendered.body
        );
        let stem = super::file_stem(page);
        let name = stem
            .strip_prefix("p/")
            .map_or_else(|| stem.replace("/p/", "-"), ToOwned::to_owned);
        files.push(generator.site_file(&format!("content/instagram/{name}.md"), content));
    }
    files
}
