//! Hugo: a content file per post under `content/instagram/`, its text in the front matter and
//! its body printed by a shortcode instabake writes, plus the `instagram-meta.html` partial.
//!
//! Why not the body in the content file: Hugo reads a content file's body for shortcodes and as
//! Markdown (which drops raw HTML unless `markup.goldmark.renderer.unsafe` is on), and since
//! 0.144 refuses `.html` content files unless `security.allowContent` allows them. A body of one
//! fixed shortcode call works in every site as it is, and no caption is ever read as content.
//! The URL is the front matter's `url`, which Hugo neither lowercases nor slugifies, so it is
//! the shortcode as it is (case matters in shortcodes), under baseURL's path.

use super::{front_matter, quoted_layout, Generator, Rendered, Value};
use crate::emit::TextFile;

const META_PARTIAL: &str = include_str!("../../templates/pages/hugo-meta.html");
const SHORTCODE: &str = include_str!("../../templates/pages/hugo-shortcode.html");

/// The shortcode's name, as the content files call it.
pub(crate) const SHORTCODE_NAME: &str = "instagram-post";

pub(super) fn files(generator: &Generator<'_>, rendered: &[Rendered]) -> Vec<TextFile> {
    let partials = generator.partial_dir();
    // `layouts/partials/` (or Hugo 0.146's `layouts/_partials/`): the shortcodes are beside it.
    let layouts = match partials.file_name().and_then(|n| n.to_str()) {
        Some("partials" | "_partials") => partials
            .parent()
            .map_or_else(|| generator.config.site.join("layouts"), ToOwned::to_owned),
        _ => generator.config.site.join("layouts"),
    };
    let mut files = vec![
        TextFile {
            path: partials.join("instagram-meta.html"),
            content: META_PARTIAL.to_owned(),
        },
        TextFile {
            path: layouts
                .join("shortcodes")
                .join(format!("{SHORTCODE_NAME}.html")),
            content: SHORTCODE.to_owned(),
        },
    ];
    for (page, rendered) in generator.pages.iter().zip(rendered) {
        let url = format!("/{}", page.rest);
        let images: Vec<&str> = page.images.iter().take(1).map(|i| i.url.as_str()).collect();
        let fields = [
            ("title", Some(Value::Str(&page.title))),
            ("date", page.published.as_deref().map(Value::Str)),
            ("description", Some(Value::Str(&page.description))),
            ("url", Some(Value::Str(&url))),
            ("images", Some(Value::List(images))),
            ("layout", quoted_layout(generator)),
            ("instagram_id", Some(Value::Str(&page.post.id))),
            (
                "instagram_permalink",
                page.post.permalink.as_deref().map(Value::Str),
            ),
            ("instagram_meta", Some(Value::Str(&rendered.meta))),
            ("instagram_body", Some(Value::Str(&rendered.body))),
        ];
        let content = format!(
            "---\n{}---\n{{{{< {SHORTCODE_NAME} >}}}}\n",
            front_matter(&fields, false)
        );
        files.push(generator.site_file(
            &format!("content/instagram/{}.md", super::file_stem(page)),
            content,
        ));
    }
    files
}
