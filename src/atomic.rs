//! Writing a file so that a reader, or a run killed half-way, sees either the old file or the
//! whole new one: a temporary file in the same folder, then a rename over the target. Everything
//! instabake writes goes through here: the site's files, the cache, the token file.

use std::io::Write;
use std::path::Path;

/// How the temporary files are named. A run killed mid-write leaves one behind;
/// [`is_interrupted_write`] recognises it so that the next run can remove it.
const TEMP_PREFIX: &str = ".instabake-";
const TEMP_SUFFIX: &str = ".tmp";

/// Writes `data` to `path` with the mode any new file gets (0666 less the umask, so usually
/// 0644), as `std::fs::write` would. A temporary file is created owner-only by default; the site's
/// images, partial and data file must be readable by the web server that serves them and survive
/// a deploy that copies modes (`rsync -a`, a tarball), so they may not keep that.
pub(crate) fn write(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let mut builder = builder();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut file = builder.tempfile_in(folder(path))?;
    file.write_all(data)?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Writes `parts`, one after the other, to `path` readable by its owner only (mode 0600 on Unix,
/// whatever the umask and whatever the mode of the file it replaces), flushed to disk before the
/// rename: for secrets, which are written in parts so that no extra copy of one is made.
pub(crate) fn write_private(path: &Path, parts: &[&[u8]]) -> std::io::Result<()> {
    // tempfile creates its files 0600, and the rename keeps that mode.
    let mut file = builder().tempfile_in(folder(path))?;
    for part in parts {
        file.write_all(part)?;
    }
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Whether a file name is that of a temporary file an interrupted write left behind.
pub(crate) fn is_interrupted_write(name: &str) -> bool {
    name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX)
}

fn builder() -> tempfile::Builder<'static, 'static> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMP_PREFIX).suffix(TEMP_SUFFIX);
    builder
}

/// The folder the temporary file goes in: the target's own, so that the rename stays on one file
/// system and is atomic.
fn folder(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_written_file_has_the_mode_a_new_file_gets() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain");
        std::fs::write(&plain, b"x").unwrap();
        let atomic = dir.path().join("atomic");
        write(&atomic, b"x").unwrap();
        // Whatever the umask of the process running the tests, the same as std::fs::write.
        assert_eq!(mode(&atomic), mode(&plain));
        assert_ne!(
            mode(&atomic) & 0o044,
            0,
            "not readable by others: {:o}",
            mode(&atomic)
        );
    }

    #[test]
    fn a_private_file_is_the_owners_alone_even_over_a_readable_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        std::fs::write(&path, b"old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&path, &[b"ne", b"w"]).unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
    }

    #[test]
    fn nothing_is_left_beside_the_file() {
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("a"), b"1").unwrap();
        write_private(&dir.path().join("b"), &[b"2"]).unwrap();
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !is_interrupted_write(n)), "{names:?}");
        assert!(is_interrupted_write(".instabake-x1y2.tmp"));
        assert!(!is_interrupted_write("instabake.toml"));
    }
}
