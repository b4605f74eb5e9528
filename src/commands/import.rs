//! `instabake import PATH`: converts Instagram's export into the site's export folder
//! ([`crate::import`]) and bakes the site with it right away. A bake that fails puts the folder
//! back as it was, so a failed import leaves the site as it found it.

use std::path::Path;

use crate::build::{self, Outcome};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::import;
use crate::report;

/// Imports the export at `path` into the site of `config`, then bakes.
pub(crate) async fn import(config: &Config, path: &Path) -> Result<Outcome> {
    if config.has_accounts() {
        return Err(Error::Usage(
            "import reads one account's export, and this site has [[accounts]]: an export is \
             baked by a site of one account"
                .to_owned(),
        ));
    }
    let folder = &config.source.export_dir;
    report::info(format!("reading the export {}", path.display()));
    let staged = import::import(path, folder, config.video.download)?;
    let found = &staged.found;
    report::info(format!(
        "imported {} posts into {}{}{}",
        found.posts,
        folder.display(),
        match found.skipped {
            0 => String::new(),
            n => format!(" ({n} left out, see the warnings above)"),
        },
        match &found.username {
            Some(name) => format!(", account @{name}"),
            None => String::new(),
        },
    ));
    match build::run(config).await {
        Ok(outcome) => {
            staged.keep();
            Ok(outcome)
        }
        Err(error) => {
            staged.undo()?;
            report::warn(format!(
                "the bake failed, so {} was put back as it was",
                folder.display()
            ));
            Err(error)
        }
    }
}
