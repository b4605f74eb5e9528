//! The cache folder (`.instabake/` in the site): what makes a rebuild cheap and a failed fetch
//! survivable. It is also what a CI cache step keeps between runs.
//!
//! ```text
//! .instabake/
//!   feed.json        the last feed fetched successfully (source-neutral posts; `source::cached`)
//!   originals/<id>   each item's original image, by media id: Instagram's URLs expire, ids do not
//!                    (one that does not decode is removed, so it is downloaded again)
//!   variants/        encoded files under content-addressed names, and per source a record of
//!                    what was made from it (<source hash>.json, shaped by the media engine)
//!   manifest.json    the files written into the site, so they can be pruned and nothing else is
//!                    (`emit`)
//!   token.json       the token's expiry, learnt when it was last refreshed, never the token
//!                    (`token::TokenState`)
//! ```
//!
//! Every write is atomic, so a run killed half way leaves no half-written entry; an entry that is
//! unreadable for any reason is treated as absent.
//!
//! The cache stores; it knows no stage. A record is whatever the stage that keeps it serialises
//! (named in parentheses above), and pruning asks the media engine which of its records are still
//! of use. Several accounts will each have a cache folder of their own.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::atomic;
use crate::error::{Error, Result};

/// An open cache folder.
#[derive(Debug)]
pub(crate) struct Cache {
    dir: PathBuf,
}

impl Cache {
    /// Opens (creating) the cache folder.
    pub(crate) fn open(dir: &Path) -> Result<Cache> {
        for sub in ["originals", "variants"] {
            let path = dir.join(sub);
            std::fs::create_dir_all(&path)
                .map_err(|e| Error::io("create the cache folder", &path, e))?;
        }
        Ok(Cache {
            dir: dir.to_owned(),
        })
    }

    /// The cache folder.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where encoded files are kept.
    pub(crate) fn variants_dir(&self) -> PathBuf {
        self.dir.join("variants")
    }

    /// The original image of a media item, if it was downloaded before.
    pub(crate) fn original(&self, id: &str) -> Option<Vec<u8>> {
        std::fs::read(self.dir.join("originals").join(file_name_for_id(id))).ok()
    }

    /// Whether an original is kept for this id.
    pub(crate) fn has_original(&self, id: &str) -> bool {
        self.dir
            .join("originals")
            .join(file_name_for_id(id))
            .is_file()
    }

    /// Forgets an item's original, so the next bake downloads it again. Used when it does not
    /// decode: a bad download must not be baked from for ever.
    pub(crate) fn forget_original(&self, id: &str) {
        let _ = std::fs::remove_file(self.dir.join("originals").join(file_name_for_id(id)));
    }

    /// Keeps an item's original image.
    pub(crate) fn store_original(&self, id: &str, bytes: &[u8]) -> std::io::Result<()> {
        atomic::write(
            &self.dir.join("originals").join(file_name_for_id(id)),
            bytes,
        )
    }

    fn record_path(&self, source_hash: &[u8; 32]) -> PathBuf {
        let hex: String = source_hash[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        self.variants_dir().join(format!("{hex}.json"))
    }

    /// The record kept under a source's hash, as the stage that stored it shapes it (the media
    /// engine: what it made from that source). Absent when there is none or it does not parse.
    pub(crate) fn record<T: DeserializeOwned>(&self, source_hash: &[u8; 32]) -> Option<T> {
        read_json(&self.record_path(source_hash))
    }

    /// Keeps a record under a source's hash, replacing the one before.
    pub(crate) fn store_record<T: Serialize>(
        &self,
        source_hash: &[u8; 32],
        record: &T,
    ) -> Result<()> {
        // Compact: a cache holds one per photo, and nobody reads them by eye.
        write_json(&self.record_path(source_hash), serde_json::to_vec(record))
    }

    /// Whether an encoded file of this name and size is kept: one of another size was cut short
    /// (or tampered with) and must be made again.
    pub(crate) fn has_variant(&self, file: &str, bytes: u64) -> bool {
        std::fs::metadata(self.variants_dir().join(file)).is_ok_and(|m| m.len() == bytes)
    }

    /// A named record at the top of the cache (`feed.json`, `token.json`, `manifest.json`), as the
    /// stage that keeps it shapes it. Absent when there is none or it does not parse: a record
    /// that cannot be read is one the stage must do without.
    pub(crate) fn load<T: DeserializeOwned>(&self, name: &str) -> Option<T> {
        read_json(&self.dir.join(name))
    }

    /// Keeps a named record, replacing the one before in one atomic step.
    pub(crate) fn store<T: Serialize>(&self, name: &str, record: &T) -> Result<()> {
        write_json(&self.dir.join(name), serde_json::to_vec_pretty(record))
    }
}

/// A JSON record, or `None` when it is missing or does not parse.
fn read_json<T: DeserializeOwned>(path: &Path) -> Option<T> {
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Writes a serialised record atomically, naming the file in either error.
fn write_json(path: &Path, json: serde_json::Result<Vec<u8>>) -> Result<()> {
    let json = json.map_err(|e| Error::json("write", path, e))?;
    atomic::write(path, &json).map_err(|e| Error::io("write", path, e))
}

impl Cache {
    /// Forgets what the current bake no longer uses, so the cache (which CI keeps between runs)
    /// does not grow with every post ever baked: originals not kept under one of `originals`,
    /// encoded files not in `files`, and records that `record_used` (given a record's bytes) says
    /// no longer point at any of them. Returns how many files were removed.
    pub(crate) fn prune(
        &self,
        originals: &std::collections::HashSet<String>,
        files: &std::collections::HashSet<String>,
        record_used: impl Fn(&[u8]) -> bool,
    ) -> usize {
        let originals: std::collections::HashSet<String> =
            originals.iter().map(|key| file_name_for_id(key)).collect();
        let mut removed = 0;
        let mut remove = |path: &Path| {
            if std::fs::remove_file(path).is_ok() {
                removed += 1;
            }
        };
        for (path, name) in entries(&self.dir.join("originals")) {
            if !originals.contains(&name) {
                remove(&path);
            }
        }
        let variants = self.variants_dir();
        for (path, name) in entries(&variants) {
            if name.ends_with(".json") {
                let used = std::fs::read(&path).is_ok_and(|bytes| record_used(&bytes));
                if !used {
                    remove(&path);
                }
            } else if !files.contains(&name) {
                remove(&path);
            }
        }
        removed
    }
}

/// The files in a folder, with their names.
fn entries(dir: &Path) -> Vec<(PathBuf, String)> {
    let Ok(read) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    read.flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| (e.path(), e.file_name().to_string_lossy().into_owned()))
        .collect()
}

/// A media id as a file name. Real ids are digits; anything else (which would be a path segment
/// from an untrusted source) is hashed.
pub(crate) fn file_name_for_id(id: &str) -> String {
    let plain = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if plain {
        id.to_owned()
    } else {
        format!("h{}", &blake3::hash(id.as_bytes()).to_hex()[..32])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[test]
    fn ids_cannot_become_paths() {
        assert_eq!(file_name_for_id("17895695668004550"), "17895695668004550");
        for hostile in ["../../etc/passwd", "a/b", "", "x\0y", ".."] {
            let name = file_name_for_id(hostile);
            assert!(
                name.starts_with('h') && !name.contains('/') && !name.contains('.'),
                "{name}"
            );
        }
    }

    #[test]
    fn records_round_trip_and_variants_count_only_at_their_size() {
        #[derive(Debug, PartialEq, Serialize, Deserialize)]
        struct Made {
            files: Vec<String>,
        }
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path()).unwrap();
        let hash = [7u8; 32];
        let made = Made {
            files: vec!["abc-10.jpg".into()],
        };
        cache.store_record(&hash, &made).unwrap();
        assert_eq!(cache.record::<Made>(&hash), Some(made));
        assert!(cache.record::<Made>(&[8u8; 32]).is_none());
        std::fs::write(cache.record_path(&[9u8; 32]), b"{not json").unwrap();
        assert!(cache.record::<Made>(&[9u8; 32]).is_none());

        assert!(!cache.has_variant("abc-10.jpg", 3));
        std::fs::write(cache.variants_dir().join("abc-10.jpg"), b"abc").unwrap();
        std::fs::write(cache.variants_dir().join("def-10.jpg"), b"truncated").unwrap();
        assert!(cache.has_variant("abc-10.jpg", 3));
        assert!(!cache.has_variant("def-10.jpg", 3));
    }
}
