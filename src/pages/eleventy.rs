//! Eleventy: one template, `instagram-pages.njk` beside `_includes/`, that paginates over the
//! data file's posts (`instagram.posts`) with `size: 1`, one page each, at the `permalink` its
//! front matter gives for the post. The page's body and head tags, rendered by instabake, are in
//! that front matter by post id (`instagram_pages`), printed with `| safe`, so Nunjucks never
//! reads a caption as a template; `title` and `description` come through `eleventyComputed`
//! for the site's layout. With `merge = true` the merged data file holds every account's posts,
//! so each account's template paginates over its own list of post ids instead.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::json;

use super::{Generator, Rendered};
use crate::emit::TextFile;
use crate::error::{Error, Result};

const META_INCLUDE: &str = include_str!("../../templates/pages/eleventy-meta.html");

/// What the template's front matter holds of one post.
#[derive(Serialize)]
struct Entry<'a> {
    permalink: String,
    title: &'a str,
    description: &'a str,
    date: Option<&'a str>,
    image: Option<&'a str>,
    meta: &'a str,
    body: &'a str,
}

/// The lookup of the post being built, in the template and its layout's include.
const LOOKUP: &str = "instagram_pages[instagram_post.id]";

pub(super) fn files(generator: &Generator<'_>, rendered: &[Rendered]) -> Result<Vec<TextFile>> {
    let includes = generator.partial_dir();
    let input = includes
        .parent()
        .map_or_else(|| generator.config.site.clone(), ToOwned::to_owned);
    let data = &generator.account.paths.data;
    // The data file's name is its key in Eleventy's data: `instagram`, `instagram-shop`.
    let key = data.file_stem().map_or_else(
        || "instagram".to_owned(),
        |s| s.to_string_lossy().into_owned(),
    );
    let merged = generator.config.shared.as_ref().is_some_and(|s| s.merge);
    let entries: BTreeMap<&str, Entry<'_>> = generator
        .pages
        .iter()
        .zip(rendered)
        .map(|(page, rendered)| {
            (
                page.post.id.as_str(),
                Entry {
                    permalink: format!("/{}", page.rest),
                    title: &page.title,
                    description: &page.description,
                    date: page.published.as_deref(),
                    image: page.images.first().map(|i| i.url.as_str()),
                    meta: &rendered.meta,
                    body: &rendered.body,
                },
            )
        })
        .collect();
    let mut front = json!({
        "pagination": {
            "data": format!("{key}.posts"),
            "size": 1,
            "alias": "instagram_post",
        },
        "permalink": format!("{{{{ {LOOKUP}.permalink }}}}"),
        "eleventyComputed": {
            "title": format!("{{{{ {LOOKUP}.title | safe }}}}"),
            "description": format!("{{{{ {LOOKUP}.description | safe }}}}"),
        },
        "instagram_pages": entries,
    });
    if merged {
        let ids: Vec<serde_json::Value> = generator
            .pages
            .iter()
            .map(|p| json!({"id": p.post.id}))
            .collect();
        front["pagination"]["data"] = "instagram_posts".into();
        front["instagram_posts"] = ids.into();
    }
    if let Some(layout) = &generator.config.pages.layout {
        front["layout"] = layout.clone().into();
    }
    let text = serde_json::to_string_pretty(&front)
        .map_err(|e| Error::json("write", input.join("instagram-pages.njk"), e))?;
    let name = format!("{key}-pages.njk");
    Ok(vec![
        TextFile {
            path: includes.join("instagram-meta.html"),
            content: META_INCLUDE.to_owned(),
        },
        TextFile {
            path: input.join(name),
            content: format!("---json\n{text}\n---\n{{{{ {LOOKUP}.body | safe }}}}\n"),
        },
    ])
}
