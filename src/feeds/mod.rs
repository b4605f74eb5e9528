//! Atom 1.0 and JSON Feed 1.1 of the baked posts (`[feeds]`), written into the images folder,
//! which every preset publishes, as `feed.xml` and `feed.json`. (The data file is
//! [`crate::feed`].)
//!
//! Both are made from the document the data file is written from, after the pages have set each
//! post's `page`: [`channel`] works out what the feeds say, [`atom`] and [`json`] write it. A
//! rebuild with no new post writes the same bytes, so emit leaves the files alone; a feed turned
//! off is pruned like any file instabake no longer writes.

mod atom;
mod channel;
mod json;

use url::Url;

use crate::config::{Account, Config};
use crate::emit::TextFile;
use crate::error::{Error, Result};
use crate::feed::Document;

use channel::{Channel, Place};

/// The Atom feed's name in the images folder.
pub(crate) const ATOM_FILE: &str = "feed.xml";
/// The JSON feed's name in the images folder.
pub(crate) const JSON_FILE: &str = "feed.json";

/// The feed files of `document`, in `account`'s images folder. Nothing when both feeds are off.
pub(crate) fn files(
    config: &Config,
    account: &Account,
    document: &Document,
) -> Result<Vec<TextFile>> {
    let settings = &config.feeds;
    if !settings.any() {
        return Ok(Vec::new());
    }
    // Checked when the config was loaded (`Config::validate_site_url`); read again here so that
    // a bad value cannot slip through as a relative link.
    let site_url = config.site_url.as_deref().unwrap_or_default();
    let bad_url = |what: &str, source| Error::BadUrl {
        what: format!("{what}: check site_url and [paths] url_prefix in the configuration"),
        source,
    };
    let site = Url::parse(site_url).map_err(|e| bad_url(&format!("site_url = {site_url:?}"), e))?;
    let folder = site.join(&account.paths.url_prefix).map_err(|e| {
        bad_url(
            &format!("the feeds' address ({})", account.paths.url_prefix),
            e,
        )
    })?;
    let mut channel = Channel::of(
        document,
        &Place {
            site: &site,
            folder,
        },
    );
    // Only a site that names its language says so: a feed without is as it always was.
    if config.render.lang.is_some() {
        channel.language = Some(config.locale.tag.clone());
    }
    let atom_url = channel.url_of(ATOM_FILE);
    let json_url = channel.url_of(JSON_FILE);
    let mut files = Vec::new();
    if settings.atom {
        let path = account.paths.images.join(ATOM_FILE);
        let content = atom::write(
            &channel,
            &atom_url,
            settings.json.then_some(json_url.as_str()),
        )
        .map_err(|e| Error::io("write", &path, e))?;
        files.push(TextFile { path, content });
    }
    if settings.json {
        let path = account.paths.images.join(JSON_FILE);
        let content =
            json::write(&channel, &json_url).map_err(|e| Error::json("write", &path, e))?;
        files.push(TextFile { path, content });
    }
    Ok(files)
}
