//! The `html` preset: whole pages, `instagram/p/SLUG/index.html` in the site folder, which is
//! what gets published, each with its head tags.

use super::{render_whole, Generator, Rendered};
use crate::emit::TextFile;
use crate::error::Result;

pub(super) fn files(generator: &Generator<'_>, rendered: &[Rendered]) -> Result<Vec<TextFile>> {
    generator
        .pages
        .iter()
        .zip(rendered)
        .map(|(page, rendered)| {
            Ok(generator.site_file(
                &format!("{}index.html", page.rest),
                render_whole(
                    page,
                    rendered,
                    &generator.config.locale,
                    generator.config.render.inline_css,
                )?,
            ))
        })
        .collect()
}
