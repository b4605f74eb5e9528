//! `[render] inline_css = false`, for sites that send a strict Content-Security-Policy
//! (`style-src 'self'`): the partial holds no `<style>` element and no `style=` attribute, its
//! CSS (placeholder colours included, as classes) is a content-addressed stylesheet in the
//! images folder that the data file names and a head partial links, and a change of content is a
//! new name, with the old file pruned. The browser half is in `browser.rs`
//! (`the_example_site_under_a_strict_csp`).

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{self, FakeApi, Post, Scenario};

/// A caption that tries to close the partial's style element, write CSS and an attribute, and
/// reach the generator's template language.
const HOSTILE: &str =
    "</style><style>body{display:none}</style> <p style=\"color:red\">x</p> {{ .Site.Title }}";

const HEAD: &str = "layouts/partials/instagram-head.html";

fn posts() -> Vec<Post> {
    vec![
        Post::image("9301").caption(HOSTILE),
        Post::video("9302"),
        Post::carousel(
            "9303",
            vec![
                Post::image("9304").media("square.jpg"),
                Post::image("9305").media("small.jpg"),
            ],
        ),
    ]
}

fn config(site: &Path, render: &str) {
    fs::write(
        site.join("instabake.toml"),
        format!(
            "preset = \"hugo\"\n\n[video]\ndownload = true\n\n[account]\nprofile = true\n\n\
             [render]\ncaptions = true\nheader = true\n{render}"
        ),
    )
    .unwrap();
}

/// The problems with a partial that must pass a strict CSP: any `<style` element, any `style`
/// attribute, any inline event handler or script.
pub(crate) fn inline_styles(html: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if html.to_ascii_lowercase().contains("<style") {
        problems.push("a <style> element".to_owned());
    }
    if html.to_ascii_lowercase().contains("<script") {
        problems.push("a <script> element".to_owned());
    }
    for (name, value) in support::tag_attributes(html) {
        if name == "style" || name.starts_with("on") {
            problems.push(format!("an attribute {name}={value:?}"));
        }
    }
    problems
}

/// The stylesheet the data file names, as a file under the site's images folder: its URL and
/// path.
fn stylesheet(site: &Path, data: &Value) -> (String, PathBuf) {
    let url = data["stylesheet"]
        .as_str()
        .unwrap_or_else(|| panic!("the data file names no stylesheet: {data:#}"))
        .to_owned();
    let name = url
        .strip_prefix("/instagram/")
        .unwrap_or_else(|| panic!("{url} is not under /instagram/"));
    (url.clone(), site.join(support::HUGO_IMAGES).join(name))
}

/// Every `ib-c-` class the partial uses.
fn colour_classes(html: &str) -> Vec<String> {
    let mut classes: Vec<String> = support::attributes(html, &["class"])
        .into_iter()
        .flat_map(|(_, v)| {
            v.split_whitespace()
                .filter(|c| c.starts_with("ib-c-"))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    classes.sort();
    classes.dedup();
    classes
}

#[test]
fn inline_css_false_moves_every_style_into_a_content_addressed_stylesheet() {
    let fake = FakeApi::start(Scenario::new().posts(posts()));
    let site = support::site();
    let dir = site.path();
    config(dir, "inline_css = false\n");
    let run = fake.run_build(dir, &[]);
    run.assert_success();

    let partial = fs::read_to_string(dir.join(support::HUGO_PARTIAL)).unwrap();
    let problems = inline_styles(&partial);
    assert!(problems.is_empty(), "{problems:?} in:\n{partial}");
    // The caption is still there, as escaped text.
    assert!(partial.contains("&lt;&#x2F;style&gt;") || partial.contains("&lt;/style&gt;"));

    let data = support::read_data(dir);
    let (url, path) = stylesheet(dir, &data);
    let css =
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}\n{run}", path.display()));
    let hash = blake3::hash(css.as_bytes()).to_hex();
    assert_eq!(
        path.file_name().unwrap().to_string_lossy(),
        format!("instagram-{}.css", &hash[..10]),
        "the stylesheet is not named after its content"
    );
    assert!(css.contains(".ib-grid{"), "{css}");
    assert!(css.contains(".ib-head{"), "{css}");
    assert!(!css.contains("<"), "markup in the stylesheet:\n{css}");
    for text in ["body{", "color:red", "Site.Title"] {
        assert!(!css.contains(text), "caption text {text:?} in:\n{css}");
    }
    // Every placeholder colour is a class, and the stylesheet has its rule: the tiles'
    // pictures, the video and the account's picture.
    let classes = colour_classes(&partial);
    let pictures = partial.matches("<img ").count() + partial.matches("<video ").count();
    let with_class = support::tag_attributes(&partial)
        .iter()
        .filter(|(n, v)| n == "class" && v.contains("ib-c-"))
        .count();
    assert_eq!(
        with_class, pictures,
        "a picture without its colour:\n{partial}"
    );
    assert!(!classes.is_empty());
    for class in &classes {
        let hex = class.strip_prefix("ib-c-").unwrap();
        assert!(
            hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()),
            "{class}"
        );
        assert!(
            css.contains(&format!(".{class}{{background-color:#{hex}}}")),
            "no rule for {class}:\n{css}"
        );
    }
    assert_eq!(
        fs::read_to_string(dir.join(HEAD)).unwrap(),
        format!("<link rel=\"stylesheet\" href=\"{url}\">\n")
    );
    support::assert_matches_schema_file(
        "docs/schema/instagram-data-1.schema.json",
        &[dir.join(support::HUGO_DATA)],
        "the data file",
    );

    // The same bake again writes nothing.
    let before = support::snapshot(dir);
    fake.run_build(dir, &[]).assert_success();
    let after = support::snapshot(dir);
    let changed: Vec<_> = after
        .keys()
        .filter(|p| !p.starts_with(support::CACHE_DIR) && before.get(*p) != after.get(*p))
        .collect();
    assert!(changed.is_empty(), "a rebuild changed {changed:?}");

    // Other CSS is another name: the head partial and the data file follow, the old file goes.
    config(dir, "inline_css = false\nlightbox = true\n");
    let run = fake.run_build(dir, &[]);
    run.assert_success();
    let data = support::read_data(dir);
    let (new_url, new_path) = stylesheet(dir, &data);
    assert_ne!(new_url, url);
    assert!(new_path.is_file());
    assert!(
        fs::read_to_string(&new_path)
            .unwrap()
            .contains(".ib-lightbox"),
        "{}",
        new_path.display()
    );
    assert!(!path.exists(), "the old stylesheet was not pruned\n{run}");
    assert!(fs::read_to_string(dir.join(HEAD))
        .unwrap()
        .contains(&new_url));
    let partial = fs::read_to_string(dir.join(support::HUGO_PARTIAL)).unwrap();
    let problems = inline_styles(&partial);
    assert!(problems.is_empty(), "{problems:?} in:\n{partial}");

    // Back to the default: the partial carries its CSS, and the stylesheet and head partial go.
    config(dir, "");
    fake.run_build(dir, &[]).assert_success();
    let data = support::read_data(dir);
    assert!(data.get("stylesheet").is_none(), "{data:#}");
    assert!(!new_path.exists() && !dir.join(HEAD).exists());
    let partial = fs::read_to_string(dir.join(support::HUGO_PARTIAL)).unwrap();
    assert!(partial.contains("<style>") && partial.contains("style=\"background-color:#"));
    assert!(colour_classes(&partial).is_empty());
    let css_files: Vec<_> = support::relative_files(&dir.join(support::HUGO_IMAGES))
        .into_iter()
        .filter(|f| f.ends_with(".css"))
        .collect();
    assert!(css_files.is_empty(), "{css_files:?}");
}
