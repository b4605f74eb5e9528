//! Writing into the site: the baked images, the data file and the partial, then the manifest and
//! the pruning of files from earlier bakes that nothing refers to any more.
//!
//! Order matters for a run that is killed half way: new images go in first (under new,
//! content-addressed names, so the previous feed's files are untouched), then the data file and the
//! partial, each replaced atomically, and only then are old files pruned. At every moment the site
//! holds a feed whose every referenced file exists. Only files listed in the manifest, that is,
//! files instabake itself wrote, are ever deleted.

use std::collections::BTreeSet;
use std::path::Path;

use crate::cache::{Cache, Manifest};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::media::encode::write_atomic;
use crate::paths;

/// What the emit stage did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Emitted {
    /// Image files copied into the site in this run.
    pub images_written: usize,
    /// Whether the data file and the partial changed.
    pub data_written: bool,
    pub partial_written: bool,
    /// Files of earlier bakes that were removed.
    pub pruned: usize,
}

/// Writes the feed into the site. `images` are file names in the cache's variants folder.
/// `data` must not differ from the site's current data file only by its fetch time, or it is not
/// rewritten (see [`same_but_fetch_time`]).
pub fn emit(
    config: &Config,
    cache: &Cache,
    images: &[String],
    data: &str,
    partial: &str,
) -> Result<Emitted> {
    let mut emitted = Emitted::default();
    let mut written: BTreeSet<String> = BTreeSet::new();
    std::fs::create_dir_all(&config.images_dir)
        .map_err(|e| Error::io("create the images folder", &config.images_dir, e))?;
    let variants = cache.variants_dir();
    for name in images {
        let from = variants.join(name);
        let to = config.images_dir.join(name);
        if !same_size(&from, &to) {
            let bytes =
                std::fs::read(&from).map_err(|e| Error::io("read the cached image", &from, e))?;
            write_atomic(&to, &bytes).map_err(|e| Error::io("write", &to, e))?;
            emitted.images_written += 1;
        }
        written.insert(relative(&config.site, &to));
    }
    emitted.data_written = write_if_changed(&config.data, data, same_but_fetch_time)?;
    written.insert(relative(&config.site, &config.data));
    emitted.partial_written = write_if_changed(&config.partial, partial, |a, b| a == b)?;
    written.insert(relative(&config.site, &config.partial));

    let previous = cache.manifest();
    for old in previous.files.iter().filter(|f| !written.contains(*f)) {
        // A manifest edited by hand must not make us delete files outside the site.
        let Some(path) = paths::inside(&config.site, old) else {
            continue;
        };
        match std::fs::remove_file(&path) {
            Ok(()) => emitted.pruned += 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => crate::report::warn(format!(
                "could not remove the old file {}: {e}",
                path.display()
            )),
        }
    }
    cache.store_manifest(&Manifest {
        files: written.into_iter().collect(),
    })?;
    Ok(emitted)
}

fn same_size(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.len() == b.len(),
        _ => false,
    }
}

fn write_if_changed(path: &Path, content: &str, same: impl Fn(&str, &str) -> bool) -> Result<bool> {
    if let Ok(existing) = std::fs::read_to_string(path) {
        if same(&existing, content) {
            return Ok(false);
        }
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io("create the folder", dir, e))?;
    }
    write_atomic(path, content.as_bytes()).map_err(|e| Error::io("write", path, e))?;
    Ok(true)
}

/// Two data files that differ only in `fetched_at` describe the same feed; keeping the old one
/// makes a rebuild with nothing new write nothing, so generators and deploys see no change.
pub fn same_but_fetch_time(old: &str, new: &str) -> bool {
    let strip = |text: &str| -> Option<serde_json::Value> {
        let mut value: serde_json::Value = serde_json::from_str(text).ok()?;
        value.as_object_mut()?.remove("fetched_at");
        Some(value)
    };
    match (strip(old), strip(new)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// `path` relative to the site, with `/` separators, as recorded in the manifest.
fn relative(site: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(site).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fetch_time_alone_is_no_change() {
        let a = r#"{"schema":1,"fetched_at":"2026-01-01T00:00:00Z","posts":[1]}"#;
        let b = r#"{"schema":1,"fetched_at":"2026-02-02T00:00:00Z","posts":[1]}"#;
        let c = r#"{"schema":1,"fetched_at":"2026-02-02T00:00:00Z","posts":[2]}"#;
        assert!(same_but_fetch_time(a, b));
        assert!(!same_but_fetch_time(a, c));
        assert!(!same_but_fetch_time("garbage", b));
    }

    #[test]
    fn manifest_paths_are_relative_to_the_site() {
        let site = Path::new("/site");
        assert_eq!(
            relative(site, Path::new("/site/data/instagram.json")),
            "data/instagram.json"
        );
    }
}
