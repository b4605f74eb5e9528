//! Jekyll: a collection, `_instagram/`, of one document per post: its text in the front matter
//! (which Jekyll and jekyll-seo-tag read: `title`, `description`, `image`, `date`), the body
//! rendered by instabake, `render_with_liquid: false` so that Liquid never reads it, and the
//! `instagram-meta.html` include. The site's `_config.yml` declares the collection (README).

use super::{front_matter, quoted_layout, Generator, Rendered, Value};
use crate::emit::TextFile;

const META_INCLUDE: &str = include_str!("../../templates/pages/jekyll-meta.html");

pub(super) fn files(generator: &Generator<'_>, rendered: &[Rendered]) -> Vec<TextFile> {
    let includes = generator.partial_dir();
    // The site's source folder: the one `_includes/` is in.
    let source = includes
        .parent()
        .map_or_else(|| generator.config.site.clone(), ToOwned::to_owned);
    let mut files = vec![TextFile {
        path: includes.join("instagram-meta.html"),
        content: META_INCLUDE.to_owned(),
    }];
    for (page, rendered) in generator.pages.iter().zip(rendered) {
        let permalink = format!("/{}", page.rest);
        let image = page.images.first().map(|i| i.url.as_str());
        let fields = [
            ("title", Some(Value::Str(&page.title))),
            ("date", page.published.as_deref().map(Value::Str)),
            ("description", Some(Value::Str(&page.description))),
            ("image", image.map(Value::Str)),
            ("permalink", Some(Value::Str(&permalink))),
            ("layout", quoted_layout(generator)),
            ("render_with_liquid", Some(Value::Bool(false))),
            ("instagram_id", Some(Value::Str(&page.post.id))),
            (
                "instagram_permalink",
                page.post.permalink.as_deref().map(Value::Str),
            ),
            ("instagram_meta", Some(Value::Str(&rendered.meta))),
        ];
        files.push(TextFile {
            path: source
                .join("_instagram")
                .join(format!("{}.html", super::file_stem(page))),
            content: format!(
                "---\n{}---\n{}",
                front_matter(&fields, false),
                rendered.body
            ),
        });
    }
    files
}
