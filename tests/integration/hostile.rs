//! Hostile input from the API and the media host: strings that try to inject HTML, attributes,
//! script URLs, template syntax of every generator or path segments, and images built to exhaust
//! memory. None gets through; a hostile image costs only its own post.
//!
//! The hostile strings are baked with captions off (the default) and on, for a post with its own
//! `alt_text` and for posts without one (alt derived from the caption, or naming the account), so
//! that each one reaches the partial: the tiles' `alt`, the caption block and the account name.
//! Each is checked to be there, as escaped text, besides nothing of it being markup.

use std::collections::BTreeSet;
use std::fs;

use serde_json::Value;

use crate::support::{self, FakeApi, Post, Run, Scenario};

/// Template syntax of Hugo (Go templates), Zola (Tera), Jekyll (Liquid) and Eleventy (Nunjucks,
/// Liquid): any of these reaching the partial would run when the generator includes it.
pub(crate) const TEMPLATE_SYNTAX: &[&str] = &["{{", "}}", "{%", "%}", "{#", "#}", "{{-", "-%}"];

/// A caption with markup, a script, template syntax of every generator and a trailing hashtag.
pub(crate) const CAPTION: &str = "Hi\"><img src=x onerror=alert(1)> <script>alert(2)</script> \
                       {{ .Site.Params.secret }} {% include '/etc/passwd' %} {# note #} \
                       {{- 7*7 -}} {%- raw -%} ${7*7} #tag";
/// An `alt_text` that tries to close the attribute and open others.
const ALT_TEXT: &str = "\" onload=\"alert(3)\" data-x=\"{{ 7*7 }}";
/// A username (the account name comes from the posts' `username`) with markup, template syntax
/// and an attribute.
const HOSTILE_USERNAME: &str = "<b>evil</b>{{ x }}\"onmouseover=\"alert(6)";
/// A username as Instagram allows them (letters, digits, `.`, `_`): it gets a profile link.
const PLAIN_USERNAME: &str = "bakery.demo_1";

/// The ids of the three posts, newest first: one with its own alt text, one with a caption only,
/// one with neither (whose id tries to name a path outside the site).
const WITH_ALT: &str = "9901";
const CAPTION_ONLY: &str = "9902";
const BARE: &str = "../../../../tmp/instabake-escape";

/// The bake of the three hostile posts, with captions (and dates) shown under the tiles or not.
struct Bake {
    captions: bool,
    fake: FakeApi,
    site: tempfile::TempDir,
    run: Run,
    partial: String,
    data: Value,
}

fn bake(username: &str, captions: bool) -> Bake {
    let posts = vec![
        Post::image(WITH_ALT)
            .caption(CAPTION)
            .alt(ALT_TEXT)
            .permalink("javascript:alert(4)"),
        Post::image(CAPTION_ONLY).caption(CAPTION),
        Post::image(BARE)
            .media("small.jpg")
            .permalink("https://www.instagram.com/p/OK/\"onmouseover=\"alert(5)"),
    ]
    .into_iter()
    .map(|post| post.username(username))
    .collect();
    let fake = FakeApi::start(Scenario::new().posts(posts).generated_size(640, 800));
    let site = support::site();
    if captions {
        fs::write(
            site.path().join("instabake.toml"),
            "[render]\ncaptions = true\ndates = true\n",
        )
        .unwrap();
    }

    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    let partial = fs::read_to_string(site.path().join(support::HUGO_PARTIAL)).unwrap();
    let data = support::read_data(site.path());
    assert_eq!(
        support::post_ids(&data),
        [WITH_ALT, CAPTION_ONLY, BARE],
        "{run}"
    );
    Bake {
        captions,
        fake,
        site,
        run,
        partial,
        data,
    }
}

/// No markup, attribute, script URL or template syntax of a hostile string is in the partial.
fn assert_nothing_injected(partial: &str) {
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
    let names: BTreeSet<String> = support::tag_attributes(partial)
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    let allowed = [
        "alt",
        "aria-label",
        "class",
        "controls",
        "datetime",
        "decoding",
        "fetchpriority",
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
}

/// Checks shared by every hostile bake: nothing injected, the data file holds the text raw, the
/// tiles' alt texts and (captions on) caption blocks are the hostile texts escaped, the account
/// name is in the section's label, no path escaped the site, every image is there and nothing
/// leaked.
fn assert_hostile_bake(bake: &Bake, username: &str) {
    let Bake {
        captions,
        fake,
        site,
        run,
        partial,
        data,
    } = bake;
    assert_nothing_injected(partial);

    // The data file holds the texts raw; the alt of a post without `alt_text` is its caption
    // without the hashtag, or names the account when there is no caption.
    let caption_text = CAPTION.strip_suffix(" #tag").unwrap();
    let with_alt = support::post(data, WITH_ALT);
    assert_eq!(with_alt["caption"], CAPTION);
    assert_eq!(with_alt["alt"], ALT_TEXT);
    assert!(with_alt["permalink"].is_null(), "{with_alt:#}");
    let caption_only = support::post(data, CAPTION_ONLY);
    assert_eq!(caption_only["caption_text"], caption_text);
    assert_eq!(caption_only["alt"], caption_text);
    let account_alt = format!("Photo from Instagram by @{username}");
    assert_eq!(support::post(data, BARE)["alt"], account_alt.as_str());
    assert_eq!(data["account"]["username"], username);

    // Each tile's alt is its text, escaped.
    let tiles = support::tiles(partial);
    assert_eq!(tiles.len(), 3, "{partial}");
    for (tile, alt) in tiles
        .iter()
        .zip([ALT_TEXT, caption_text, account_alt.as_str()])
    {
        assert_escaped(raw_attribute(tile, "<img ", "alt"), alt, "a tile's alt");
    }

    // With captions on, each post with a caption shows it, escaped, in its caption block; the
    // post without one has none. With captions off, no tile has one.
    for (tile, caption) in tiles
        .iter()
        .zip([Some(caption_text), Some(caption_text), None])
    {
        let block = support::between(tile, "<p class=\"ib-caption\">", "</p>");
        match caption.filter(|_| *captions) {
            Some(text) => assert_escaped(
                block.unwrap_or_else(|| panic!("no caption block in the tile:\n{tile}")),
                text,
                "a caption block",
            ),
            None => assert_eq!(block, None, "a caption block that should not be there"),
        }
    }

    // The account name, escaped, in the section's label.
    assert_escaped(
        raw_attribute(partial, "<section ", "aria-label"),
        &format!("Instagram posts by @{username}"),
        "the feed's aria-label",
    );

    // A hostile id names no path: nothing was written outside the site or the images folder.
    assert!(!std::path::Path::new("/tmp/instabake-escape").exists());
    for file in support::files_under(site.path()) {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        assert!(!name.contains("instabake-escape"), "{}", file.display());
    }
    support::assert_html_refs_exist(site.path());
    fake.assert_no_secret_or_cdn(site.path(), run);
}

#[test]
fn hostile_strings_cannot_inject_markup_template_syntax_or_paths() {
    // Captions are off by default: the captions reach the partial as alt texts only.
    let bake = bake(HOSTILE_USERNAME, false);

    assert_hostile_bake(&bake, HOSTILE_USERNAME);
    // A username Instagram would not allow names no profile: no link is made from it.
    assert!(
        !bake.partial.contains("class=\"ib-profile\""),
        "{}",
        bake.partial
    );
    assert!(bake.data["account"]["profile_url"].is_null());
}

#[test]
fn hostile_captions_under_the_tiles_are_text() {
    let bake = bake(PLAIN_USERNAME, true);

    assert_hostile_bake(&bake, PLAIN_USERNAME);
    for tile in support::tiles(&bake.partial) {
        assert!(
            tile.contains("<time datetime=\"2026-11-"),
            "no date:\n{tile}"
        );
    }
    // The account name is the text of the profile link, which goes to its profile.
    let profile = support::between(&bake.partial, "<a class=\"ib-profile\"", "</a>")
        .unwrap_or_else(|| panic!("no profile link:\n{}", bake.partial));
    assert_eq!(
        profile,
        format!(
            " href=\"https://www.instagram.com/{PLAIN_USERNAME}/\" rel=\"noopener\">\
             @{PLAIN_USERNAME} on Instagram"
        )
    );
}

/// The value, as written (entities not decoded), of the attribute `name` of the first tag in
/// `html` that starts with `tag`.
fn raw_attribute<'a>(html: &'a str, tag: &str, name: &str) -> &'a str {
    let from = html
        .find(tag)
        .unwrap_or_else(|| panic!("no {tag:?} in:\n{html}"));
    support::between(&html[from..], &format!(" {name}=\""), "\"")
        .unwrap_or_else(|| panic!("no {name}=\"...\" in the {tag:?} tag of:\n{html}"))
}

/// `raw` (text or an attribute value as written in the partial) is `text`, escaped: it decodes to
/// `text` and holds none of the characters that start markup, end an attribute or form template
/// syntax.
fn assert_escaped(raw: &str, text: &str, what: &str) {
    assert_eq!(
        support::decode_entities(raw),
        text,
        "{what} is not the text it should show; as written: {raw:?}"
    );
    for c in ['<', '>', '"', '\'', '{', '}'] {
        assert!(!raw.contains(c), "{what} holds {c:?} unescaped: {raw:?}");
    }
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
