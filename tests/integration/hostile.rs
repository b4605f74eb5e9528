//! Hostile input from the API and the media host: strings that try to inject HTML, attributes,
//! script URLs, template syntax of every generator or path segments, and images built to exhaust
//! memory. None gets through; a hostile image costs only its own post.

use std::collections::BTreeSet;
use std::fs;

use crate::support::{self, FakeApi, Post, Scenario};

/// Template syntax of Hugo (Go templates), Zola (Tera), Jekyll (Liquid) and Eleventy (Nunjucks,
/// Liquid): any of these reaching the partial would run when the generator includes it.
const TEMPLATE_SYNTAX: &[&str] = &["{{", "}}", "{%", "%}", "{#", "#}", "{{-", "-%}"];

#[test]
fn hostile_strings_cannot_inject_markup_template_syntax_or_paths() {
    let caption = "Hi\"><img src=x onerror=alert(1)> <script>alert(2)</script> \
                   {{ .Site.Params.secret }} {% include '/etc/passwd' %} {# note #} \
                   {{- 7*7 -}} {%- raw -%} ${7*7} #tag";
    let posts = vec![
        Post::image("9901")
            .caption(caption)
            .alt("\" onload=\"alert(3)\" data-x=\"{{ 7*7 }}")
            .permalink("javascript:alert(4)"),
        Post::image("../../../../tmp/instabake-escape")
            .media("small.jpg")
            .username("<b>evil</b>{{ x }}")
            .permalink("https://www.instagram.com/p/OK/\"onmouseover=\"alert(5)"),
    ];
    let fake = FakeApi::start(Scenario::new().posts(posts));
    let site = support::site();

    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    let partial = fs::read_to_string(site.path().join(support::HUGO_PARTIAL)).unwrap();
    for needle in TEMPLATE_SYNTAX {
        assert!(
            !partial.contains(needle),
            "the partial holds {needle:?}:\n{partial}"
        );
    }
    let lower = partial.to_lowercase();
    for needle in ["<script", "<img src=x", "javascript:", "<b>evil"] {
        assert!(
            !lower.contains(needle),
            "the partial holds {needle:?}:\n{partial}"
        );
    }
    // Every attribute in the partial is one the template wrote: none smuggled in by a value.
    let names: BTreeSet<String> = tag_attribute_names(&partial);
    let allowed = [
        "alt",
        "aria-label",
        "class",
        "controls",
        "decoding",
        "height",
        "href",
        "lang",
        "loading",
        "poster",
        "preload",
        "rel",
        "role",
        "sizes",
        "src",
        "srcset",
        "style",
        "tabindex",
        "target",
        "title",
        "type",
        "width",
        "playsinline",
        "id",
        "aria-hidden",
        "viewbox",
        "fill",
        "d",
        "xmlns",
        "focusable",
        "muted",
        "data-instabake",
    ];
    let unexpected: Vec<&String> = names
        .iter()
        .filter(|n| !allowed.contains(&n.as_str()))
        .collect();
    assert!(
        unexpected.is_empty(),
        "attributes that the template does not write: {unexpected:?}\n{partial}"
    );
    // The text itself survives, escaped, in the partial and raw in the data file.
    assert!(
        partial.contains("alt=\"&quot; onload=&quot;alert(3)&quot;"),
        "{partial}"
    );
    let data = support::read_data(site.path());
    assert_eq!(support::post(&data, "9901")["caption"], caption);
    assert!(support::post(&data, "9901")["permalink"].is_null());
    // A hostile id names no path: nothing was written outside the site or the images folder.
    assert!(!std::path::Path::new("/tmp/instabake-escape").exists());
    for file in support::files_under(site.path()) {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        assert!(!name.contains("instabake-escape"), "{}", file.display());
    }
    support::assert_html_refs_exist(site.path());
    fake.assert_no_secret_or_cdn(site.path(), &run);
}

/// The names of all attributes in the HTML's tags (lower case).
fn tag_attribute_names(html: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for tag in html.split('<').skip(1) {
        let Some(tag) = tag.split('>').next() else {
            continue;
        };
        if tag.starts_with('/') || tag.starts_with('!') {
            continue;
        }
        // Skip the tag name, then read name[=value] pairs, honouring quotes.
        let mut rest = tag.trim_start_matches(|c: char| !c.is_whitespace());
        loop {
            rest = rest.trim_start();
            if rest.is_empty() || rest.starts_with('/') {
                break;
            }
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '=' || c == '/')
                .unwrap_or(rest.len());
            names.insert(rest[..end].to_lowercase());
            rest = &rest[end..];
            if let Some(after) = rest.strip_prefix('=') {
                let (value_end, skip) = match after.chars().next() {
                    Some(q @ ('"' | '\'')) => (after[1..].find(q).map(|i| i + 2), 0),
                    _ => (after.find(char::is_whitespace), 0),
                };
                let cut = value_end.unwrap_or(after.len()) + skip;
                rest = &after[cut.min(after.len())..];
            }
        }
    }
    names
}

/// A small baseline JPEG whose frame header claims `width` x `height`: a decoder that trusts it
/// would allocate `width * height * 3` bytes.
fn jpeg_claiming(width: u16, height: u16) -> Vec<u8> {
    let mut bytes = support::images::jpeg(64, 64, 7).as_ref().clone();
    let sof = bytes
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("a baseline JPEG has an SOF0 marker");
    // FF C0, length (2), precision (1), then height and width (2 each).
    bytes[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
    bytes[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
    bytes
}

#[test]
fn decompression_bombs_and_oversized_downloads_cost_only_their_own_post() {
    let oversized = vec![0xFFu8; 41 * 1024 * 1024];
    let posts = vec![
        Post::image("9911"),
        Post::image("9912").media("bomb.jpg"),
        Post::image("9913").media("huge.jpg"),
        Post::image("9914").media("small.jpg"),
    ];
    let fake = FakeApi::start(
        Scenario::new()
            .posts(posts)
            .file("bomb.jpg", &jpeg_claiming(60_000, 60_000), "image/jpeg")
            .file("huge.jpg", &oversized, "image/jpeg"),
    );
    let site = support::site();

    let run = fake.run_build(site.path(), &[]);

    run.assert_success().assert_no_panic();
    let data = support::read_data(site.path());
    assert_eq!(support::post_ids(&data), ["9911", "9914"]);
    for id in ["9912", "9913"] {
        assert!(
            run.stderr
                .lines()
                .any(|l| l.contains("warning") && l.contains(&format!("post {id}"))),
            "no warning names post {id}:\n{run}"
        );
    }
    // Neither was kept: the next bake tries again instead of trusting a bad original.
    let originals = site.path().join(support::CACHE_DIR).join("originals");
    assert!(!originals.join("9913").exists());
    support::assert_html_refs_exist(site.path());
}
