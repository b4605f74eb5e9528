//! API response bodies for the sample tests: the project's own fixtures in `tests/fixtures/api/`
//! (written for this project, one response shape each, see its README.md), always there; and the
//! captured real responses in `../shared/api-samples/` (see its INDEX.md), checked only where that
//! folder exists beside the package. Plus a rewrite that points a body's media URLs at the fake
//! media host while leaving every other byte alone.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::fake_api::HOST_PLACEHOLDER;

/// A folder of API response bodies, one `*.json` per response.
pub(crate) struct Corpus {
    dir: PathBuf,
}

impl Corpus {
    /// The project's own fixtures, `tests/fixtures/api/`. Panics when the folder is missing: the
    /// sample tests must not pass by finding nothing to test.
    pub(crate) fn fixtures() -> Corpus {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/api");
        assert!(
            dir.join("README.md").is_file(),
            "the API fixtures folder is missing: expected {} (with README.md)",
            dir.display()
        );
        Corpus { dir }
    }

    /// The shared corpus of captured responses, `../shared/api-samples` beside the package, or
    /// `None` when there is none (a clone on its own). Then it says so on stderr, past the test
    /// harness's capture, so a skipped check is visible in the output of `cargo test`.
    pub(crate) fn shared(test: &str) -> Option<Corpus> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/api-samples");
        if dir.join("INDEX.md").is_file() {
            return Some(Corpus { dir });
        }
        // Written to the process's stderr, not with `eprintln!`, which libtest captures.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: {test}: no shared API samples at {} (the project's own fixtures in \
             tests/fixtures/api are checked by the api_samples_* tests)",
            dir.display()
        );
        None
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every `*.json` body, by file name, sorted. Panics when there is none.
    pub(crate) fn json_files(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(&self.dir)
            .unwrap_or_else(|e| panic!("read {}: {e}", self.dir.display()))
            .map(|entry| entry.expect("read a samples folder entry").file_name())
            .filter_map(|name| name.to_str().map(str::to_string))
            .filter(|name| name.ends_with(".json"))
            .collect();
        names.sort();
        assert!(!names.is_empty(), "no *.json in {}", self.dir.display());
        names
    }

    /// A body's raw text.
    pub(crate) fn read(&self, name: &str) -> String {
        let path = self.dir.join(name);
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
    }
}

/// One of the project's own fixtures, raw.
pub(crate) fn fixture(name: &str) -> String {
    Corpus::fixtures().read(name)
}

/// The standard pictures of a fresh `Scenario`, used in turn for a sample's image URLs.
const PICTURES: &[&str] = &["portrait.jpg", "square.jpg", "small.jpg", "graphic.png"];

/// Replace the value of every `media_url`, `thumbnail_url` and `profile_picture_url` in the raw JSON
/// text with a URL on the fake media host (`http://@@FAKE_HOST@@/media/sN/NAME?...`, the host filled
/// in when served), keeping every other byte, including `\/` and `\uXXXX` escapes. A video URL
/// (`.mp4`) becomes `clip.mp4`; image URLs take the standard pictures in turn. The same original
/// URL always gets the same replacement (a carousel's cover is also its first child). The new URL
/// is escaped the way the old one was: plain, `\/`, or the double-escaped `\\/` of one capture.
pub(crate) fn rewrite_media_urls(raw: &str) -> String {
    const KEYS: &[&str] = &[
        "\"media_url\"",
        "\"thumbnail_url\"",
        "\"profile_picture_url\"",
    ];
    let mut replacements: HashMap<String, String> = HashMap::new();
    let mut images = 0usize;
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    loop {
        let next = KEYS
            .iter()
            .filter_map(|key| rest.find(key).map(|pos| (pos, key.len())))
            .min();
        let Some((pos, key_len)) = next else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..pos + key_len]);
        rest = &rest[pos + key_len..];
        // `: "value"` must follow, or it was not a key.
        let after_colon = rest.trim_start();
        let Some(after_colon) = after_colon.strip_prefix(':') else {
            continue;
        };
        let value_start = after_colon.trim_start();
        if !value_start.starts_with('"') {
            continue;
        }
        let Some(value_len) = string_literal_len(value_start) else {
            continue;
        };
        // Copy the whitespace and colon verbatim.
        let prefix_len = rest.len() - value_start.len();
        out.push_str(&rest[..prefix_len]);
        let literal = &value_start[..value_len];
        let content = &literal[1..literal.len() - 1];
        let count = replacements.len();
        let replacement = replacements
            .entry(content.to_string())
            .or_insert_with(|| {
                let name = if content.contains(".mp4") {
                    "clip.mp4"
                } else {
                    images += 1;
                    PICTURES[(images - 1) % PICTURES.len()]
                };
                let url = format!(
                    "http://{HOST_PLACEHOLDER}/media/s{count}/{name}?_nc_cat=1&oh=00_sample{count}&oe=6553F1A0"
                );
                if content.contains("\\\\/") {
                    url.replace('/', "\\\\/")
                } else if content.contains("\\/") {
                    url.replace('/', "\\/")
                } else {
                    url
                }
            })
            .clone();
        out.push('"');
        out.push_str(&replacement);
        out.push('"');
        rest = &value_start[value_len..];
    }
}

/// Length in bytes of the JSON string literal at the start of `text` (quotes included).
fn string_literal_len(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fake_api_sample_rewrite_keeps_escapes_and_everything_else() {
        let raw = r#"{"data":[{"media_url": "https:\/\/scontent.cdninstagram.com\/a.jpg?x=1","caption":"\ud83d\udc4c media_url",
            "thumbnail_url":"https://x.fbcdn.net/b.jpg","id":"1"},{"media_url":"https:\\/\\/video.cdninstagram.com\\/c.mp4","id":"2"},
            {"media_url": "https:\/\/scontent.cdninstagram.com\/a.jpg?x=1","id":"3"}]}"#;
        let out = rewrite_media_urls(raw);
        assert!(
            !out.contains("cdninstagram") && !out.contains("fbcdn"),
            "{out}"
        );
        assert!(
            out.contains(r#""media_url": "http:\/\/@@FAKE_HOST@@\/media\/s0\/portrait.jpg"#),
            "{out}"
        );
        assert!(
            out.contains(r#""thumbnail_url":"http://@@FAKE_HOST@@/media/s1/square.jpg"#),
            "{out}"
        );
        assert!(
            out.contains(r#"http:\\/\\/@@FAKE_HOST@@\\/media\\/s2\\/clip.mp4"#),
            "{out}"
        );
        // The same URL gets the same replacement; other text is untouched.
        assert_eq!(out.matches("s0").count(), 2, "{out}");
        assert!(out.contains(r#""caption":"\ud83d\udc4c media_url""#));
        let value: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(value["data"][2]["id"], "3");
    }
}
