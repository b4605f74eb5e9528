//! What the preview server reads from disk: which file a request's path names, its content type,
//! and the part of it a `Range` header asks for.
//!
//! The server answers for the whole loopback interface's users, and a browser page can make it
//! fetch any path, so a path is mapped onto a file only through the served folders' own URL
//! prefixes, after percent-decoding, and only when every segment is a plain name: `..` (written
//! plainly or as `%2e%2e`), `.`, a backslash, a NUL, an absolute remainder or a link that leads out
//! of the folder answer 404 like any missing file.

use std::path::{Path, PathBuf};

use crate::paths;

/// A folder served under a URL prefix: the images folder of an account under its `url_prefix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Root {
    /// A URL path that starts and ends with `/`, e.g. `/instagram/` or `/assets/instagram/shop/`.
    pub prefix: String,
    pub dir: PathBuf,
}

/// The file that the request path `path` (as sent: percent-encoded, without the query) names in
/// one of `roots`, the one with the longest matching prefix first; a folder's `index.html` (the
/// post pages of the `html` preset). `None` when it names nothing servable.
pub(crate) fn resolve(roots: &[Root], path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(path)?;
    if decoded.contains(['\\', '\0']) {
        return None;
    }
    let mut candidates: Vec<&Root> = roots
        .iter()
        .filter(|root| decoded.starts_with(&root.prefix))
        .collect();
    candidates.sort_by_key(|root| std::cmp::Reverse(root.prefix.len()));
    candidates.into_iter().find_map(|root| {
        let rest = &decoded[root.prefix.len()..];
        let file = paths::inside(&root.dir, rest)?;
        let file = if file.is_dir() {
            file.join("index.html")
        } else {
            file
        };
        contained(&root.dir, &file).then_some(file)
    })
}

/// Whether `file` is a file that is really inside `dir` once links are followed: a link in the
/// images folder that points elsewhere is not followed out of it.
fn contained(dir: &Path, file: &Path) -> bool {
    match (std::fs::canonicalize(dir), std::fs::canonicalize(file)) {
        (Ok(dir), Ok(file)) => file.starts_with(dir) && file.is_file(),
        _ => false,
    }
}

/// `%XX` escapes decoded; `None` when one is malformed or the result is not UTF-8. `+` stays as it
/// is: it means a space only in a query.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The `Content-Type` of a file, by its extension: the formats a bake writes (images, videos, post
/// pages, feeds, stylesheets), and a generic type for anything else, which the server marks
/// `nosniff` so that a browser does not guess.
pub(crate) fn content_type(path: &Path) -> &'static str {
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/atom+xml",
        "txt" => "text/plain; charset=utf-8",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "mp4" => "video/mp4",
        _ => "application/octet-stream",
    }
}

/// The part of a file of `len` bytes that a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// The whole file: no `Range` header, or one this server does not serve in parts (several
    /// ranges, another unit), which HTTP allows to answer whole.
    Whole,
    /// Bytes `start..=end`.
    Range { start: u64, end: u64 },
    /// A range that starts past the end: 416.
    Unsatisfiable,
}

/// Reads a `Range` header. Browsers ask for parts of videos (Safari plays an MP4 only from a
/// server that answers them), always as one `bytes=` range.
pub(crate) fn part(range: Option<&str>, len: u64) -> Part {
    let Some(spec) = range.and_then(|r| r.trim().strip_prefix("bytes=")) else {
        return Part::Whole;
    };
    let Some((first, last)) = spec.split_once('-') else {
        return Part::Whole;
    };
    if spec.contains(',') {
        return Part::Whole;
    }
    let (first, last) = (first.trim(), last.trim());
    let number = |s: &str| s.parse::<u64>().ok();
    match (first.is_empty(), last.is_empty()) {
        // `bytes=-N`: the last N bytes.
        (true, false) => match number(last) {
            Some(0) => Part::Unsatisfiable,
            Some(n) if len > 0 => Part::Range {
                start: len.saturating_sub(n),
                end: len - 1,
            },
            Some(_) => Part::Unsatisfiable,
            None => Part::Whole,
        },
        (false, _) => {
            let Some(start) = number(first) else {
                return Part::Whole;
            };
            let end = if last.is_empty() {
                Some(len.saturating_sub(1))
            } else {
                number(last)
            };
            match end {
                None => Part::Whole,
                Some(_) if start >= len => Part::Unsatisfiable,
                Some(end) if end < start => Part::Whole,
                Some(end) => Part::Range {
                    start,
                    end: end.min(len - 1),
                },
            }
        }
        (true, true) => Part::Whole,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> (tempfile::TempDir, Vec<Root>) {
        let tmp = tempfile::Builder::new()
            .prefix("instabake-preview-")
            .tempdir()
            .unwrap();
        let images = tmp.path().join("static/instagram");
        std::fs::create_dir_all(images.join("shop/p/abc")).unwrap();
        std::fs::write(images.join("a b-320.webp"), b"webp").unwrap();
        std::fs::write(images.join("shop/c-640.jpg"), b"jpeg").unwrap();
        std::fs::write(images.join("shop/p/abc/index.html"), b"page").unwrap();
        std::fs::write(tmp.path().join("instabake.toml"), b"secret").unwrap();
        let roots = vec![
            Root {
                prefix: "/instagram/".into(),
                dir: images.clone(),
            },
            Root {
                prefix: "/instagram/shop/".into(),
                dir: images.join("shop"),
            },
        ];
        (tmp, roots)
    }

    #[test]
    fn paths_map_onto_files_of_the_served_folders_only() {
        let (tmp, roots) = site();
        let images = tmp.path().join("static/instagram");
        let found = |path: &str| resolve(&roots, path);
        assert_eq!(
            found("/instagram/a%20b-320.webp"),
            Some(images.join("a b-320.webp"))
        );
        assert_eq!(
            found("/instagram/shop/c-640.jpg"),
            Some(images.join("shop/c-640.jpg"))
        );
        assert_eq!(
            found("/instagram/shop/p/abc/"),
            Some(images.join("shop/p/abc/index.html"))
        );
        for bad in [
            "/instagram/missing.jpg",
            "/instagram/",
            "/instagram",
            "/static/instagram/a%20b-320.webp",
            "/instagram/../../instabake.toml",
            "/instagram/shop/../../../instabake.toml",
            "/instagram/%2e%2e/%2e%2e/instabake.toml",
            "/instagram/%2E%2E%2F%2E%2E%2Finstabake.toml",
            "/instagram/..%2f..%2finstabake.toml",
            "/instagram/..%5c..%5cinstabake.toml",
            "/instagram/./a%20b-320.webp",
            "/instagram//etc/passwd",
            "/instagram/%2fetc%2fpasswd",
            "/instagram/a%00.webp",
            "/instagram/%zz",
            "/instagram/%ff.webp",
        ] {
            assert_eq!(found(bad), None, "{bad}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn links_are_not_followed_out_of_the_folder() {
        let (tmp, roots) = site();
        let images = tmp.path().join("static/instagram");
        std::os::unix::fs::symlink(tmp.path().join("instabake.toml"), images.join("x.jpg"))
            .unwrap();
        assert_eq!(resolve(&roots, "/instagram/x.jpg"), None);
    }

    #[test]
    fn content_types_follow_the_extension() {
        for (name, expected) in [
            ("a.webp", "image/webp"),
            ("a.AVIF", "image/avif"),
            ("a.jpg", "image/jpeg"),
            ("a.mp4", "video/mp4"),
            ("a.css", "text/css; charset=utf-8"),
            ("feed.json", "application/json"),
            ("feed.xml", "application/atom+xml"),
            ("index.html", "text/html; charset=utf-8"),
            ("noextension", "application/octet-stream"),
        ] {
            assert_eq!(content_type(Path::new(name)), expected, "{name}");
        }
    }

    #[test]
    fn ranges_are_read_as_browsers_send_them() {
        let range = |start, end| Part::Range { start, end };
        for (header, expected) in [
            (None, Part::Whole),
            (Some("bytes=0-"), range(0, 99)),
            (Some("bytes=0-0"), range(0, 0)),
            (Some("bytes=10-19"), range(10, 19)),
            (Some("bytes=90-500"), range(90, 99)),
            (Some("bytes=-10"), range(90, 99)),
            (Some("bytes=-500"), range(0, 99)),
            (Some("bytes=100-"), Part::Unsatisfiable),
            (Some("bytes=-0"), Part::Unsatisfiable),
            (Some("bytes=20-10"), Part::Whole),
            (Some("bytes=0-1,5-6"), Part::Whole),
            (Some("items=0-1"), Part::Whole),
            (Some("bytes=x-1"), Part::Whole),
            (Some("bytes=-"), Part::Whole),
        ] {
            assert_eq!(part(header, 100), expected, "{header:?}");
        }
        assert_eq!(part(Some("bytes=0-"), 0), Part::Unsatisfiable);
    }
}
