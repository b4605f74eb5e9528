//! `instabake record DIR`: records the live feed as a replay folder (the work is in
//! [`crate::record`]) and says what it holds and how to replay it.

use std::path::Path;

use crate::config::Config;
use crate::error::Result;
use crate::record;
use crate::report;

/// Records the feed of the account named (or the site's single account) into `dir`.
pub(crate) async fn record(
    config: &Config,
    account: Option<&str>,
    dir: &Path,
    force: bool,
) -> Result<()> {
    let account = config.account(account)?;
    let recorded = record::record(config, account, dir, force).await?;
    let failed = if recorded.failed > 0 {
        format!(
            "; {} media files could not be downloaded and are left out (see above)",
            recorded.failed
        )
    } else {
        String::new()
    };
    report::out(format!(
        "recorded {} posts ({} {}) and {} media files ({}) into {}{failed}",
        recorded.posts,
        recorded.pages,
        if recorded.pages == 1 { "page" } else { "pages" },
        recorded.media_files,
        size(recorded.bytes),
        dir.display()
    ));
    report::out(
        "scrubbed: the access token, paging URLs and every CDN URL with its signature (media \
         are local files). Kept: captions, permalinks, usernames and, with [account] profile, \
         the profile: public data, but look before you share it",
    );
    // Run from elsewhere, the command names the site, so that it bakes with the same config.
    let site = Some(config.site.as_path())
        .filter(|site| !site.as_os_str().is_empty() && *site != Path::new("."))
        .map(|site| format!(" --site {}", quote(site)))
        .unwrap_or_default();
    let command = format!("instabake build{site} --replay {}", quote(dir));
    if config.has_accounts() {
        report::out(format!(
            "replay it with a config of this one account (a site with [[accounts]] does not              bake a replay folder): {command}"
        ));
    } else {
        report::out(format!("replay it with: {command}"));
    }
    Ok(())
}

/// "3.4 MB", "120 kB", "512 bytes".
fn size(bytes: u64) -> String {
    match bytes {
        0..1_000 => format!("{bytes} bytes"),
        1_000..1_000_000 => format!("{:.0} kB", bytes as f64 / 1e3),
        _ => format!("{:.1} MB", bytes as f64 / 1e6),
    }
}

/// A path as a shell word: quoted when it holds anything but plain characters.
fn quote(path: &Path) -> String {
    let text = path.display().to_string();
    if text
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"/._-~".contains(&b))
    {
        text
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_paths_read_well() {
        assert_eq!(size(512), "512 bytes");
        assert_eq!(size(120_400), "120 kB");
        assert_eq!(size(3_400_000), "3.4 MB");
        assert_eq!(quote(Path::new("rec/feed-1")), "rec/feed-1");
        assert_eq!(quote(Path::new("my rec's")), r"'my rec'\''s'");
    }
}
