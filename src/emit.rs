//! Writing into the site: the baked images, the data file and the partial, then the manifest and
//! the pruning of files from earlier bakes that nothing refers to any more.
//!
//! A run can be killed at any moment (a cancelled CI job, an out-of-memory kill), so the order is:
//!
//! 1. the manifest is extended with every file about to be written, so that a file written by a
//!    run killed later is still known as ours and pruned in time;
//! 2. new images go in, each atomically, under new content-addressed names: the previous feed's
//!    files are untouched;
//! 3. the new data file and partial are staged beside their targets, then a journal listing the
//!    renames is written into the cache, then both are renamed into place, then the journal goes.
//!    A run killed between the renames leaves the journal, and the next run finishes the renames
//!    before anything else ([`recover`]), so the data file and the partial change together;
//! 4. only then are files of earlier bakes pruned, and the manifest is trimmed to this bake.
//!
//! At every moment the site holds a whole feed whose every referenced file exists. Only files listed
//! in the manifest, that is, files instabake itself wrote, are ever deleted.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::atomic;
use crate::cache::Cache;
use crate::error::{Error, Result};
use crate::failpoint;
use crate::paths;

/// Where a bake writes into the site: all that the emit stage needs to know of the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SitePaths {
    /// The site folder. Manifest entries are relative to it, and nothing outside it is deleted.
    pub root: PathBuf,
    /// Where baked images are written.
    pub images: PathBuf,
    /// The public URL of `images`, ending in `/`.
    pub url_prefix: String,
    /// The HTML partial.
    pub partial: PathBuf,
    /// The JSON data file.
    pub data: PathBuf,
}

/// The files instabake wrote into the site, relative to the site folder: kept in the cache so that
/// they, and nothing else, are pruned.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Manifest {
    files: Vec<String>,
}

/// The manifest's name in the cache.
const MANIFEST: &str = "manifest.json";

/// What the emit stage did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Emitted {
    /// Image files copied into the site in this run.
    pub images_written: usize,
    /// Whether the data file and the partial changed.
    pub data_written: bool,
    pub partial_written: bool,
    /// Post pages and feeds that were new or changed.
    pub others_written: usize,
    /// Files of earlier bakes that were removed.
    pub pruned: usize,
}

/// One namespace's part of what a bake writes into the site, recorded in the manifest of its own
/// cache: an account's images (and its data file and partial, unless they are merged), or the
/// site's merged data file and partial.
pub(crate) struct Share<'a> {
    pub site: &'a SitePaths,
    pub cache: &'a Cache,
    /// File names in this cache's variants folder, copied into `site.images`.
    pub images: &'a [String],
    /// The data file and the partial written to `site.data` and `site.partial`, if this share
    /// writes them.
    pub pages: Option<Pages<'a>>,
}

/// The text files of a bake.
#[derive(Clone, Copy)]
pub(crate) struct Pages<'a> {
    /// Not rewritten when it differs from the site's current data file only by its fetch time
    /// (see [`same_but_fetch_time`]).
    pub data: &'a str,
    pub partial: &'a str,
    /// Further files written with them (post pages, feeds): put in place under the same journal,
    /// recorded in the manifest, and pruned once a later bake no longer writes them.
    pub others: &'a [TextFile],
}

/// A text file a bake writes into the site besides the data file and the partial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TextFile {
    /// Inside the site folder.
    pub path: PathBuf,
    pub content: String,
}

/// Writes one account's feed into the site. `images` are file names in the cache's variants
/// folder.
pub(crate) fn emit(
    site: &SitePaths,
    cache: &Cache,
    images: &[String],
    data: &str,
    partial: &str,
    others: &[TextFile],
) -> Result<Emitted> {
    let share = Share {
        site,
        cache,
        images,
        pages: Some(Pages {
            data,
            partial,
            others,
        }),
    };
    let mut emitted = publish(&[share], cache)?;
    Ok(emitted.pop().unwrap_or_default())
}

/// Writes several shares as one bake, in the order the module explains: every manifest extended,
/// then every image, then the data files and partials renamed into place under one journal kept
/// in `journal`'s cache, then the files of earlier bakes pruned. A file that one share wrote
/// before and another writes now is kept. Returns what was done for each share, in order.
pub(crate) fn publish(shares: &[Share<'_>], journal_cache: &Cache) -> Result<Vec<Emitted>> {
    let mut previous = Vec::new();
    let mut written = Vec::new();
    for share in shares {
        let site = share.site;
        let before: Manifest = share.cache.load(MANIFEST).unwrap_or_default();
        let mut files: BTreeSet<String> = share
            .images
            .iter()
            .map(|name| relative(&site.root, &site.images.join(name)))
            .collect();
        if let Some(pages) = share.pages {
            files.insert(relative(&site.root, &site.data));
            files.insert(relative(&site.root, &site.partial));
            files.extend(pages.others.iter().map(|f| relative(&site.root, &f.path)));
        }
        share.cache.store(
            MANIFEST,
            &Manifest {
                files: before
                    .files
                    .iter()
                    .chain(&files)
                    .cloned()
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect(),
            },
        )?;
        previous.push(before);
        written.push(files);
    }
    failpoint::kill("manifest-extended");

    let mut emitted = vec![Emitted::default(); shares.len()];
    for (share, emitted) in shares.iter().zip(&mut emitted) {
        if share.images.is_empty() {
            continue;
        }
        let site = share.site;
        std::fs::create_dir_all(&site.images)
            .map_err(|e| Error::io("create the images folder", &site.images, e))?;
        let variants = share.cache.variants_dir();
        for name in share.images {
            let from = variants.join(name);
            let to = site.images.join(name);
            if !same_size(&from, &to) {
                let bytes = std::fs::read(&from)
                    .map_err(|e| Error::io("read the cached image", &from, e))?;
                atomic::write(&to, &bytes).map_err(|e| Error::io("write", &to, e))?;
                emitted.images_written += 1;
                failpoint::kill("image-written");
            }
        }
    }

    let mut journal = Journal::default();
    for (share, emitted) in shares.iter().zip(&mut emitted) {
        if let Some(pages) = share.pages {
            emitted.data_written = stage_if_changed(
                &share.site.data,
                pages.data,
                same_but_fetch_time,
                &mut journal,
            )?;
            emitted.partial_written = stage_if_changed(
                &share.site.partial,
                pages.partial,
                |a, b| a == b,
                &mut journal,
            )?;
            for file in pages.others {
                emitted.others_written += usize::from(stage_if_changed(
                    &file.path,
                    &file.content,
                    |a, b| a == b,
                    &mut journal,
                )?);
            }
        }
    }
    failpoint::kill("staged");
    commit(journal_cache, &journal)?;

    let kept: BTreeSet<&String> = written.iter().flatten().collect();
    for ((share, before), emitted) in shares.iter().zip(&previous).zip(&mut emitted) {
        for old in before.files.iter().filter(|f| !kept.contains(f)) {
            // A manifest edited by hand must not make us delete files outside the site.
            let Some(path) = paths::inside(&share.site.root, old) else {
                continue;
            };
            match std::fs::remove_file(&path) {
                Ok(()) => {
                    emitted.pruned += 1;
                    remove_empty_parents(&path, &share.site.root);
                    failpoint::kill("pruning");
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => crate::report::warn(format!(
                    "could not remove the old file {}: {e}",
                    path.display()
                )),
            }
        }
    }
    for (share, files) in shares.iter().zip(written) {
        share.cache.store(
            MANIFEST,
            &Manifest {
                files: files.into_iter().collect(),
            },
        )?;
    }
    Ok(emitted)
}

fn same_size(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.len() == b.len(),
        _ => false,
    }
}

/// Renames that must all happen: staged file, then its target.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Journal {
    renames: Vec<(PathBuf, PathBuf)>,
}

/// The journal's place in the cache.
fn journal_path(cache: &Cache) -> PathBuf {
    cache.dir().join("commit.json")
}

/// Writes `content` beside `path` for [`commit`] to rename into place, unless `path` already holds
/// the same. Returns whether it will change.
fn stage_if_changed(
    path: &Path,
    content: &str,
    same: impl Fn(&str, &str) -> bool,
    journal: &mut Journal,
) -> Result<bool> {
    if let Ok(existing) = std::fs::read_to_string(path) {
        if same(&existing, content) {
            return Ok(false);
        }
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create the folder", dir, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let staged = dir.join(staged_name(&name));
    atomic::write(&staged, content.as_bytes()).map_err(|e| Error::io("write", &staged, e))?;
    journal.renames.push((staged, path.to_owned()));
    Ok(true)
}

/// The staged copy of a file named `name`: hidden, and with an extension no generator reads.
fn staged_name(name: &str) -> String {
    format!(".{name}.instabake-staged")
}

/// Puts the staged files in place: journal first, so that a run killed half way is finished by the
/// next one, then the renames, then the journal goes.
fn commit(cache: &Cache, journal: &Journal) -> Result<()> {
    if journal.renames.is_empty() {
        return Ok(());
    }
    let path = journal_path(cache);
    let json = serde_json::to_vec(journal).map_err(|e| Error::json("write", &path, e))?;
    atomic::write(&path, &json).map_err(|e| Error::io("write", &path, e))?;
    failpoint::kill("journal-written");
    for (staged, target) in &journal.renames {
        std::fs::rename(staged, target).map_err(|e| Error::io("move into place", target, e))?;
        failpoint::kill("renamed-one");
    }
    std::fs::remove_file(&path).map_err(|e| Error::io("remove", &path, e))
}

/// Cleans up after a killed run, before anything else touches the site: finishes a commit left
/// half done (renames the staged files that are still there; a journal is written only once every
/// staged file is complete, so rolling forward is always right), and removes staged files that no
/// journal lists and the temporary files of interrupted writes (`.instabake-*.tmp`), beside the
/// data file and partial and beside every further file (post pages, feeds) the manifest lists.
pub(crate) fn recover(site: &SitePaths, cache: &Cache) -> Result<()> {
    let manifest: Manifest = cache.load(MANIFEST).unwrap_or_default();
    let others: Vec<PathBuf> = manifest
        .files
        .iter()
        .filter_map(|f| paths::inside(&site.root, f))
        .filter(|p| p != &site.data && p != &site.partial)
        .collect();
    let path = journal_path(cache);
    match std::fs::read(&path) {
        Ok(bytes) => {
            // Unreadable only if damaged outside our control: then there is nothing to finish.
            let journal: Journal = serde_json::from_slice(&bytes).unwrap_or_default();
            let mut finished = 0;
            for (staged, target) in &journal.renames {
                if staged.is_file() {
                    std::fs::rename(staged, target)
                        .map_err(|e| Error::io("move into place", target, e))?;
                    finished += 1;
                }
            }
            crate::report::info(format!(
                "finished writing the feed of an interrupted run ({finished} files moved into place)"
            ));
            std::fs::remove_file(&path).map_err(|e| Error::io("remove", &path, e))?;
        }
        Err(_) => {
            for target in others.iter().chain([&site.data, &site.partial]) {
                if let (Some(dir), Some(name)) = (target.parent(), target.file_name()) {
                    let _ = std::fs::remove_file(dir.join(staged_name(&name.to_string_lossy())));
                }
            }
        }
    }
    let mut dirs: BTreeSet<&Path> = [
        Some(site.images.as_path()),
        site.data.parent(),
        site.partial.parent(),
        Some(cache.dir()),
    ]
    .into_iter()
    .flatten()
    .collect();
    let variants = cache.variants_dir();
    let originals = cache.dir().join("originals");
    dirs.insert(&variants);
    dirs.insert(&originals);
    // The folders of the further files (post pages, feeds) a killed run may have been staging:
    // the manifest lists them before anything is staged.
    dirs.extend(others.iter().filter_map(|p| p.parent()));
    for dir in dirs {
        remove_interrupted_writes(dir);
    }
    Ok(())
}

/// Removes the folders that a pruned file leaves empty (a deleted post's page folder,
/// `instagram/p/SLUG/`), up to the site folder; a folder with anything else in it stays.
fn remove_empty_parents(file: &Path, root: &Path) {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if d == root || !d.starts_with(root) || std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

/// Removes the temporary files [`atomic::write`] leaves when a run is killed mid-write.
fn remove_interrupted_writes(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if atomic::is_interrupted_write(&name) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Two data files that differ only in `fetched_at` (the document's, and in a merged feed each
/// account's) describe the same feed; keeping the old one makes a rebuild with nothing new write
/// nothing, so generators and deploys see no change.
pub(crate) fn same_but_fetch_time(old: &str, new: &str) -> bool {
    let strip = |text: &str| -> Option<serde_json::Value> {
        let mut value: serde_json::Value = serde_json::from_str(text).ok()?;
        let document = value.as_object_mut()?;
        document.remove("fetched_at");
        if let Some(accounts) = document
            .get_mut("accounts")
            .and_then(serde_json::Value::as_array_mut)
        {
            for account in accounts
                .iter_mut()
                .filter_map(serde_json::Value::as_object_mut)
            {
                account.remove("fetched_at");
            }
        }
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
        let merged = |time: &str, id: u8| {
            format!(
                r#"{{"schema":2,"fetched_at":"{time}","accounts":[{{"name":"a","fetched_at":"{time}"}}],"posts":[{id}]}}"#
            )
        };
        assert!(same_but_fetch_time(&merged("1", 1), &merged("2", 1)));
        assert!(!same_but_fetch_time(&merged("1", 1), &merged("2", 2)));
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
