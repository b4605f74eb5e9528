//! The export as given on the command line: a folder, or the zip Instagram sends. Both are read
//! through one [`Archive`] that knows every file's relative name (with `/`), so finding the posts
//! files and the media they name works the same way for both.
//!
//! A zip is checked whole when it is opened, before anything is read from it or written anywhere:
//! an entry whose name would leave the folder it is unpacked into (absolute, or with `..`) or that
//! says it is larger than [`MAX_ENTRY_BYTES`] refuses the archive. Nothing is ever unpacked as
//! such: the import reads the few files it needs into memory, each capped again while it is read
//! (an entry's stated size can lie).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::paths::inside;

/// The largest entry a zip may hold. An export's largest files are videos, far below this; an
/// entry above it is no export's.
pub(crate) const MAX_ENTRY_BYTES: u64 = 4 * 1024 * 1024 * 1024;

/// The largest JSON file read. An account's posts file with thousands of posts is a few MB.
pub(crate) const MAX_JSON_BYTES: u64 = 256 * 1024 * 1024;

/// An export, opened and checked.
pub(crate) struct Archive {
    path: PathBuf,
    kind: Kind,
    /// Every file, by its name relative to the archive's top (`/`-separated).
    files: BTreeMap<String, Entry>,
}

enum Kind {
    Dir,
    Zip(zip::ZipArchive<File>),
}

/// Where a file's bytes are: its path in a folder, or its index in the zip.
enum Entry {
    File(PathBuf),
    Zipped(usize),
}

impl Archive {
    /// Opens a folder or a zip file and checks it (see the module's documentation).
    pub(crate) fn open(path: &Path) -> Result<Archive> {
        let meta = std::fs::metadata(path).map_err(|source| Error::ExportRead {
            path: path.to_owned(),
            what: "cannot open it".to_owned(),
            source,
        })?;
        if meta.is_dir() {
            let mut files = BTreeMap::new();
            walk(path, path, &mut files)?;
            return Ok(Archive {
                path: path.to_owned(),
                kind: Kind::Dir,
                files,
            });
        }
        let file = File::open(path).map_err(|source| Error::ExportRead {
            path: path.to_owned(),
            what: "cannot open it".to_owned(),
            source,
        })?;
        let zip = zip::ZipArchive::new(file).map_err(|e| Error::ExportArchive {
            path: path.to_owned(),
            message: format!(
                "it is neither a folder nor a readable zip file ({e}): give the zip Instagram \
                 sent, or the folder it unpacks into"
            ),
        })?;
        let mut files = BTreeMap::new();
        for index in 0..zip.len() {
            let Some(name) = zip.name_for_index(index) else {
                continue;
            };
            let name = name.to_owned();
            let relative = name.trim_end_matches('/');
            if relative.is_empty() || inside(Path::new("."), relative).is_none() {
                return Err(Error::ExportUnsafeEntry {
                    path: path.to_owned(),
                    entry: name,
                });
            }
            if name.ends_with('/') {
                continue;
            }
            files.insert(name, Entry::Zipped(index));
        }
        let mut archive = Archive {
            path: path.to_owned(),
            kind: Kind::Zip(zip),
            files,
        };
        archive.check_sizes()?;
        Ok(archive)
    }

    /// Refuses a zip with an entry larger than [`MAX_ENTRY_BYTES`] (by what it says of itself).
    fn check_sizes(&mut self) -> Result<()> {
        let Kind::Zip(zip) = &mut self.kind else {
            return Ok(());
        };
        for (name, entry) in &self.files {
            let Entry::Zipped(index) = entry else {
                continue;
            };
            let size = zip
                .by_index_raw(*index)
                .map_err(|e| Error::ExportArchive {
                    path: self.path.clone(),
                    message: format!("entry {name} cannot be read: {e}"),
                })?
                .size();
            if size > MAX_ENTRY_BYTES {
                return Err(Error::ExportTooLarge {
                    path: self.path.clone(),
                    entry: name.clone(),
                    max: MAX_ENTRY_BYTES,
                });
            }
        }
        Ok(())
    }

    /// The archive as given.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Every file's relative name.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// Whether the archive holds a file of this relative name.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.files.contains_key(name)
    }

    /// The bytes of the file `name`, at most `max` of them (more is an error).
    pub(crate) fn read(&mut self, name: &str, max: u64) -> Result<Vec<u8>> {
        let unreadable = |source: std::io::Error| Error::ExportRead {
            path: self.path.clone(),
            what: format!("cannot read {name}"),
            source,
        };
        let too_large = || Error::ExportTooLarge {
            path: self.path.clone(),
            entry: name.to_owned(),
            max,
        };
        let mut bytes = Vec::new();
        match (self.files.get(name), &mut self.kind) {
            (Some(Entry::File(file)), _) => {
                let file = File::open(file).map_err(unreadable)?;
                file.take(max + 1)
                    .read_to_end(&mut bytes)
                    .map_err(unreadable)?;
            }
            (Some(Entry::Zipped(index)), Kind::Zip(zip)) => {
                let entry = zip.by_index(*index).map_err(|e| Error::ExportArchive {
                    path: self.path.clone(),
                    message: format!("entry {name} cannot be read: {e}"),
                })?;
                entry
                    .take(max + 1)
                    .read_to_end(&mut bytes)
                    .map_err(unreadable)?;
            }
            _ => {
                return Err(unreadable(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "not in the export",
                )))
            }
        }
        if bytes.len() as u64 > max {
            return Err(too_large());
        }
        Ok(bytes)
    }
}

/// Lists the regular files under `dir` by their names relative to `top`. Symbolic links are not
/// followed, so no file outside the folder is ever read: a media file that is a link counts as
/// missing.
fn walk(top: &Path, dir: &Path, files: &mut BTreeMap<String, Entry>) -> Result<()> {
    let unreadable = |source| Error::ExportRead {
        path: top.to_owned(),
        what: format!("cannot list {}", dir.display()),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(unreadable)? {
        let entry = entry.map_err(unreadable)?;
        let kind = entry.file_type().map_err(unreadable)?;
        let path = entry.path();
        if kind.is_dir() {
            walk(top, &path, files)?;
        } else if kind.is_file() {
            let Ok(relative) = path.strip_prefix(top) else {
                continue;
            };
            let name: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            files.insert(name.join("/"), Entry::File(path));
        }
    }
    Ok(())
}
