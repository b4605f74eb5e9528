//! The account: `[account] profile = true` (one `/me` call, the picture baked like any image, the
//! data file's `account` filled), `[render] header = true` (the account above the grid) and
//! `[account] counts = true` (likes and comments, `null` when hidden, never 0).
//!
//! Each test runs the real binary against the fake API and reads what it wrote: the data file, the
//! partial, the images folder and the cache.

use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::hostile::TEMPLATE_SYNTAX;
use crate::support::fake_api::{USERNAME, USER_ID};
use crate::support::{self, FakeApi, Fault, Post, Profile, Route, Scenario};

/// Everything on: the profile, the counts and the header.
const ALL_ON: &str = "[account]\nprofile = true\ncounts = true\n\n[render]\nheader = true\n";

/// A final API error (not retried), so a failing call costs no backoff.
fn refused() -> Fault {
    Fault::api_error(
        400,
        10,
        "(#10) Application does not have permission for this action",
    )
}

/// A site with `config` as its `instabake.toml`.
fn site_with(config: &str) -> tempfile::TempDir {
    let site = support::site();
    fs::write(site.path().join("instabake.toml"), config).unwrap();
    site
}

fn partial(site: &Path) -> String {
    fs::read_to_string(site.join(support::HUGO_PARTIAL)).unwrap()
}

/// The partial's header block, `<header class="ib-head">` to `</header>`.
fn header(partial: &str) -> Option<&str> {
    let from = partial.find("<header class=\"ib-head\">")?;
    let len = partial[from..].find("</header>")?;
    Some(&partial[from..from + len])
}

/// The files of the images folder, by name.
fn image_files(site: &Path) -> Vec<String> {
    support::relative_files(&site.join(support::HUGO_IMAGES))
}

/// The cache's originals, by name.
fn originals(site: &Path) -> Vec<String> {
    support::relative_files(&site.join(support::CACHE_DIR).join("originals"))
}

/// Fails unless the data file's picture is baked: each variant a file in the images folder at
/// the stated width, both formats at the avatar widths the source allows.
fn assert_picture_baked(site: &Path, picture: &Value, widths: &[u64]) {
    assert_eq!(picture["kind"], "image", "{picture:#}");
    assert!(picture["video"].is_null());
    for format in ["webp", "jpeg"] {
        let mut got: Vec<u64> = picture["variants"]
            .as_array()
            .unwrap_or_else(|| panic!("no variants: {picture:#}"))
            .iter()
            .filter(|v| v["format"] == format)
            .map(|v| v["width"].as_u64().unwrap())
            .collect();
        got.sort_unstable();
        assert_eq!(got, widths, "{format} widths of the picture");
    }
    for variant in picture["variants"].as_array().unwrap() {
        let url = variant["url"].as_str().unwrap();
        let name = url
            .strip_prefix("/instagram/")
            .unwrap_or_else(|| panic!("{url}"));
        let bytes = fs::read(site.join(support::HUGO_IMAGES).join(name))
            .unwrap_or_else(|e| panic!("the picture's {url} is not in the images folder: {e}"));
        assert_eq!(
            bytes.len() as u64,
            variant["bytes"].as_u64().unwrap(),
            "{url}"
        );
    }
    assert!(
        picture["src"].as_str().unwrap().ends_with(".jpg"),
        "{picture:#}"
    );
}

#[test]
fn the_profile_header_and_counts_reach_the_data_file_and_the_partial() {
    let posts = vec![
        Post::image("7001").counts(Some(12), Some(3)),
        Post::image("7002").counts(None, None),
        Post::image("7003").counts(Some(0), Some(0)),
        Post::image("7004").counts(Some(1), None),
    ];
    let fake = FakeApi::start(Scenario::new().posts(posts).generated_size(320, 400));
    let site = site_with(ALL_ON);

    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    // One profile call, and the list call asks for the counts.
    assert_eq!(fake.requests_to("/me").len(), 1, "{run}");
    let fields = fake.media_list_requests()[0].param("fields").unwrap();
    assert!(
        fields.contains("like_count") && fields.contains("comments_count"),
        "{fields}"
    );
    let data = support::read_data(site.path());
    support::assert_matches_schema_file(
        "docs/schema/instagram-data-1.schema.json",
        &[site.path().join(support::HUGO_DATA)],
        "the data file with the profile and counts",
    );
    let account = &data["account"];
    assert_eq!(account["id"], USER_ID, "{account:#}");
    assert_eq!(account["username"], USERNAME);
    assert_eq!(account["account_type"], "BUSINESS");
    assert_eq!(account["name"], "Bakery Demo");
    assert_eq!(account["biography"], "Fresh bread every morning.");
    assert_eq!(account["website"], "https://bakery.example/");
    assert_eq!(account["followers_count"], 1234);
    assert_eq!(account["follows_count"], 56);
    assert_eq!(account["media_count"], 4);
    assert_eq!(
        account["profile_url"],
        format!("https://www.instagram.com/{USERNAME}/")
    );
    let picture = &account["picture"];
    assert_eq!(
        (picture["width"].as_u64(), picture["height"].as_u64()),
        (Some(320), Some(320))
    );
    assert_eq!(picture["alt"], format!("Profile picture of @{USERNAME}"));
    assert_picture_baked(site.path(), picture, &[80, 160, 320]);

    // Counts: as the API gave them, null when it left them out, a real 0 kept.
    let counts = |id: &str| {
        let post = support::post(&data, id);
        (post["like_count"].clone(), post["comments_count"].clone())
    };
    assert_eq!(counts("7001"), (12.into(), 3.into()));
    assert_eq!(counts("7002"), (Value::Null, Value::Null));
    assert_eq!(counts("7003"), (0.into(), 0.into()));
    assert_eq!(counts("7004"), (1.into(), Value::Null));

    // The header: the picture (its size stated, so nothing shifts), the name, the handle linked
    // to the profile, the bio, the website and a follow link; all before the grid.
    let partial = partial(site.path());
    let head = header(&partial).unwrap_or_else(|| panic!("no header:\n{partial}"));
    assert!(
        partial.find("<header").unwrap() < partial.find("<ul class=\"ib-grid\"").unwrap(),
        "{partial}"
    );
    let img = support::between(head, "<img ", ">").unwrap_or_else(|| panic!("no picture:\n{head}"));
    assert!(img.contains("width=\"320\" height=\"320\""), "{img}");
    assert!(
        img.contains(&format!("alt=\"Profile picture of @{USERNAME}\"")),
        "{img}"
    );
    assert!(head.contains("type=\"image/webp\""), "{head}");
    assert!(
        head.contains("<p class=\"ib-name\">Bakery Demo</p>"),
        "{head}"
    );
    let profile_url = format!("https://www.instagram.com/{USERNAME}/");
    assert!(
        head.contains(&format!(
            "<a class=\"ib-handle\" href=\"{profile_url}\" rel=\"noopener\">@{USERNAME}</a>"
        )),
        "{head}"
    );
    assert!(
        head.contains("<p class=\"ib-bio\">Fresh bread every morning.</p>"),
        "{head}"
    );
    assert!(head.contains("href=\"https://bakery.example/\""), "{head}");
    assert!(
        head.contains(&format!("<a class=\"ib-follow\" href=\"{profile_url}\"")),
        "{head}"
    );
    // The follow link is the header's; the one under the grid would say it twice.
    assert!(!partial.contains("class=\"ib-profile\""), "{partial}");
    // Counts under the tiles that have them; none under the tile whose owner hides them.
    let tiles = support::tiles(&partial);
    let shown: Vec<Option<&str>> = tiles
        .iter()
        .map(|t| support::between(t, "<p class=\"ib-counts\">", "</p>"))
        .collect();
    assert_eq!(
        shown,
        [
            Some("12 likes · 3 comments"),
            None,
            Some("0 likes · 0 comments"),
            Some("1 like")
        ],
        "{partial}"
    );

    // Every image of the partial, the picture's included, is a file of the site, and neither the
    // site nor the cache holds the picture's CDN URL.
    let refs = support::assert_html_refs_exist(site.path());
    assert!(
        refs.iter()
            .any(|r| r.url == picture["src"].as_str().unwrap()),
        "the picture is not among the partial's images: {refs:#?}"
    );
    fake.assert_no_secret_or_cdn(site.path(), &run);
    assert_eq!(fake.media_fetches("profile.jpg"), 1);
}

#[test]
fn without_the_account_keys_there_is_no_profile_call_and_no_counts() {
    let posts = vec![Post::image("7101").counts(Some(5), Some(2))];
    let fake = FakeApi::start(Scenario::new().posts(posts).generated_size(320, 400));
    // The header alone shows what the posts tell: the handle and the follow link.
    let site = site_with("[render]\nheader = true\n");

    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    assert_eq!(fake.requests_to("/me").len(), 0, "{run}");
    assert_eq!(fake.media_fetches("profile.jpg"), 0);
    let fields = fake.media_list_requests()[0].param("fields").unwrap();
    assert!(!fields.contains("like_count"), "{fields}");
    let data = support::read_data(site.path());
    let account = &data["account"];
    assert_eq!(account["username"], USERNAME);
    for key in ["name", "biography", "website", "followers_count", "picture"] {
        assert!(account[key].is_null(), "{key}: {account:#}");
    }
    // Present, and null: the API was not asked.
    let post = support::post(&data, "7101");
    assert!(
        post["like_count"].is_null() && post["comments_count"].is_null(),
        "{post:#}"
    );
    let partial = partial(site.path());
    assert!(!partial.contains("class=\"ib-counts\""), "{partial}");
    let head = header(&partial).unwrap_or_else(|| panic!("no header:\n{partial}"));
    assert!(
        !head.contains("<img") && !head.contains("ib-name"),
        "{head}"
    );
    assert!(head.contains(&format!(">@{USERNAME}</a>")), "{head}");
    assert!(head.contains("class=\"ib-follow\""), "{head}");

    // And with nothing asked, no header at all: the partial is as it always was.
    fs::remove_file(site.path().join("instabake.toml")).unwrap();
    fake.run_build(site.path(), &[]).assert_success();
    assert_eq!(header(&self::partial(site.path())), None);
    assert_eq!(fake.requests_to("/me").len(), 0);
}

/// A name, bio and website that try markup, scripts, attributes, template syntax and live links.
const HOSTILE_NAME: &str = "<b>evil</b> {{ .Site.Params.secret }}\"onmouseover=\"alert(1)";
const HOSTILE_BIO: &str = "Line one <script>alert(2)</script>\n{% include '/etc/passwd' %} {# x #}\n\
                           Visit https://evil.example/path and <a href=\"https://evil.example/\">here</a>";

#[test]
fn a_hostile_name_bio_and_website_stay_text() {
    for website in [
        "javascript:alert(3)",
        "https://ok.example/\"onmouseover=\"alert(4)",
    ] {
        let fake = FakeApi::start(
            Scenario::new()
                .posts(vec![Post::image("7201")])
                .generated_size(320, 400)
                .profile(Profile {
                    name: Some(HOSTILE_NAME.to_string()),
                    biography: Some(HOSTILE_BIO.to_string()),
                    website: Some(website.to_string()),
                    ..Profile::default()
                }),
        );
        let site = site_with(ALL_ON);

        let run = fake.run_build(site.path(), &[]);

        run.assert_success();
        // The data file keeps the texts raw, for templates that escape them; a website that is no
        // web link is not kept at all.
        let data = support::read_data(site.path());
        let account = &data["account"];
        assert_eq!(account["name"], HOSTILE_NAME);
        assert_eq!(account["biography"], HOSTILE_BIO);
        let partial = partial(site.path());
        for needle in TEMPLATE_SYNTAX {
            assert!(
                !partial.contains(needle),
                "the partial holds {needle:?}:\n{partial}"
            );
        }
        let lower = partial.to_lowercase();
        for needle in [
            "<script",
            "<b>evil",
            "javascript:",
            "href=\"https://evil.example",
        ] {
            assert!(
                !lower.contains(needle),
                "the partial holds {needle:?}:\n{partial}"
            );
        }
        for (name, _) in support::tag_attributes(&partial) {
            assert!(
                !name.starts_with("on"),
                "an attribute {name} in:\n{partial}"
            );
        }
        let head = header(&partial).unwrap_or_else(|| panic!("no header:\n{partial}"));
        // The name and the bio are the texts, escaped; the bio's line breaks are kept and its
        // links are not made live.
        let name = support::between(head, "<p class=\"ib-name\">", "</p>").unwrap();
        assert_eq!(support::decode_entities(name), HOSTILE_NAME);
        let bio = support::between(head, "<p class=\"ib-bio\">", "</p>").unwrap();
        assert_eq!(support::decode_entities(bio), HOSTILE_BIO);
        assert_eq!(bio.matches('\n').count(), 2, "{bio}");
        for c in ['<', '>', '"', '{', '}'] {
            assert!(
                !name.contains(c) && !bio.contains(c),
                "{c:?} unescaped:\n{head}"
            );
        }
        if website.starts_with("javascript:") {
            assert!(account["website"].is_null(), "{account:#}");
            assert!(!head.contains("ib-site"), "{head}");
        } else {
            // Written as the URL a browser would follow, its quotes encoded.
            let kept = account["website"].as_str().unwrap();
            assert!(
                kept.starts_with("https://ok.example/") && !kept.contains('"'),
                "{kept}"
            );
            assert!(head.contains(&format!("href=\"{kept}\"")), "{head}");
        }
        // The picture's alt names the account by its handle, never by the hostile name.
        assert!(
            head.contains(&format!("alt=\"Profile picture of @{USERNAME}\"")),
            "{head}"
        );
        support::assert_html_refs_exist(site.path());
        fake.assert_no_secret_or_cdn(site.path(), &run);
    }
}

#[test]
fn profile_fields_the_api_refuses_are_dropped_with_a_warning() {
    let fake = FakeApi::start(
        Scenario::new()
            .posts(vec![Post::image("7301")])
            .generated_size(320, 400)
            .unknown_fields(&["website", "follows_count"]),
    );
    let site = site_with(ALL_ON);

    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    // Asked once, and once more per refused field.
    assert_eq!(fake.requests_to("/me").len(), 3, "{run}");
    for field in ["website", "follows_count"] {
        assert!(
            run.stderr
                .lines()
                .any(|l| l.contains("warning") && l.contains(field) && l.contains("code 100")),
            "no warning names {field}:\n{run}"
        );
    }
    let data = support::read_data(site.path());
    let account = &data["account"];
    assert!(
        account["website"].is_null() && account["follows_count"].is_null(),
        "{account:#}"
    );
    assert_eq!(account["name"], "Bakery Demo");
    assert_eq!(account["followers_count"], 1234);
    assert!(account["picture"].is_object(), "{account:#}");
}

#[test]
fn counts_the_api_refuses_are_dropped_with_a_warning_and_stay_null() {
    let fake = FakeApi::start(
        Scenario::new()
            .posts(vec![Post::image("7401").counts(Some(9), Some(4))])
            .generated_size(320, 400)
            .unknown_fields(&["like_count"]),
    );
    let site = site_with("[account]\ncounts = true\n");

    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    assert!(
        run.stderr
            .lines()
            .any(|l| l.contains("warning") && l.contains("like_count")),
        "{run}"
    );
    let data = support::read_data(site.path());
    let post = support::post(&data, "7401");
    assert!(post["like_count"].is_null(), "{post:#}");
    assert_eq!(post["comments_count"], 4);
}

#[test]
fn a_failing_profile_call_keeps_the_fresh_feed_and_the_last_known_profile() {
    let fake = FakeApi::start(
        Scenario::new()
            .posts(vec![Post::image("7501")])
            .generated_size(320, 400)
            .fail(Route::Me, refused()),
    );
    let site = site_with(ALL_ON);

    // Never had a profile: the posts bake, the header shows the handle, a warning says why.
    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    assert!(
        run.stderr
            .lines()
            .any(|l| l.contains("warning") && l.contains("/me") && l.contains("username")),
        "{run}"
    );
    let data = support::read_data(site.path());
    assert_eq!(data["source"], "live");
    assert_eq!(data["account"]["username"], USERNAME);
    assert!(data["account"]["picture"].is_null());
    let head = header(&partial(site.path())).map(str::to_owned).unwrap();
    assert!(head.contains(&format!(">@{USERNAME}</a>")), "{head}");

    // Once the profile was read, a failing call later keeps it, picture included, from the cache,
    // with fresh posts.
    fake.clear_faults();
    fake.run_build(site.path(), &[]).assert_success();
    let before = support::read_data(site.path())["account"].clone();
    assert!(before["picture"].is_object(), "{before:#}");
    fake.add_fault(Route::Me, refused(), None);
    fake.set_posts(vec![Post::image("7502"), Post::image("7501")]);
    fake.clear_requests();

    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    assert!(
        run.stderr
            .lines()
            .any(|l| l.contains("warning") && l.contains("last good bake")),
        "{run}"
    );
    let data = support::read_data(site.path());
    assert_eq!(support::post_ids(&data), ["7502", "7501"]);
    assert_eq!(data["source"], "live");
    assert_eq!(data["account"], before);
    assert_eq!(
        fake.media_fetches("profile.jpg"),
        0,
        "the picture was downloaded again"
    );
    support::assert_html_refs_exist(site.path());
    assert!(header(&partial(site.path())).unwrap().contains("<img "));

    // `--strict` would rather fail than show an old profile, and leaves the site as it was.
    let before = support::snapshot(site.path());
    fake.run_build(site.path(), &["--strict"])
        .assert_code(3)
        .assert_no_panic();
    assert!(
        support::snapshot(site.path()) == before,
        "--strict changed the site"
    );
}

#[test]
fn a_fallback_bake_from_the_cache_keeps_the_header() {
    let fake = FakeApi::start(
        Scenario::new()
            .posts(vec![Post::image("7601").counts(Some(7), None)])
            .generated_size(320, 400),
    );
    let site = site_with(ALL_ON);
    fake.run_build(site.path(), &[]).assert_success();
    let live = support::read_data(site.path());
    let live_partial = partial(site.path());
    fake.add_fault(Route::MediaList, refused(), None);
    fake.add_fault(Route::Me, refused(), None);
    fake.clear_requests();

    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    let data = support::read_data(site.path());
    assert_eq!(data["source"], "cache", "{run}");
    assert_eq!(data["account"], live["account"]);
    assert_eq!(support::post(&data, "7601")["like_count"], 7);
    assert_eq!(header(&partial(site.path())), header(&live_partial));
    assert!(
        fake.media_requests().is_empty(),
        "{:#?}",
        fake.media_requests()
    );
    support::assert_html_refs_exist(site.path());
    // The cached feed keeps the picture by its id, never by its signed URL.
    fake.assert_no_secret_or_cdn(site.path(), &run);

    // Turning the profile and the counts off takes them off the site, even from the cache.
    fs::write(
        site.path().join("instabake.toml"),
        "[render]\nheader = true\n",
    )
    .unwrap();
    fake.run_build(site.path(), &[]).assert_success();
    let data = support::read_data(site.path());
    assert!(data["account"]["picture"].is_null() && data["account"]["name"].is_null());
    assert!(support::post(&data, "7601")["like_count"].is_null());
    let images = image_files(site.path());
    assert!(
        live["account"]["picture"]["variants"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| !images
                .iter()
                .any(|f| v["url"].as_str().unwrap().ends_with(f.as_str()))),
        "the picture's files are still in the images folder: {images:#?}"
    );
}

#[test]
fn a_new_profile_picture_is_baked_and_the_old_one_pruned() {
    let fake = FakeApi::start(
        Scenario::new()
            .posts(vec![Post::image("7701")])
            .generated_size(320, 400)
            .jpeg("profile-new.jpg", 150, 150),
    );
    let site = site_with(ALL_ON);
    fake.run_build(site.path(), &[]).assert_success();
    let old = support::read_data(site.path())["account"]["picture"].clone();
    let old_originals = originals(site.path());
    assert!(
        old_originals.iter().any(|o| o.starts_with("profile-")),
        "{old_originals:#?}"
    );

    // The same picture behind a newly signed URL is not downloaded again.
    fake.clear_requests();
    let run = fake.run_build(site.path(), &["-v"]);
    run.assert_success();
    assert_eq!(fake.media_fetches("profile.jpg"), 0);
    assert_eq!(support::media_work(&run), (0, 0, 0), "{run}");

    fake.set_profile(Profile {
        picture: Some("profile-new.jpg".to_string()),
        ..Profile::default()
    });
    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    assert_eq!(fake.media_fetches("profile-new.jpg"), 1);
    let new = support::read_data(site.path())["account"]["picture"].clone();
    assert_ne!(new["id"], old["id"]);
    // A 150 px source: never upscaled.
    assert_picture_baked(site.path(), &new, &[80, 150]);
    let images = image_files(site.path());
    for variant in old["variants"].as_array().unwrap() {
        let url = variant["url"].as_str().unwrap();
        assert!(
            !images.iter().any(|f| url.ends_with(f.as_str())),
            "the old picture's {url} is still in the images folder"
        );
    }
    let now = originals(site.path());
    assert_eq!(
        now.iter().filter(|o| o.starts_with("profile-")).count(),
        1,
        "{now:#?}"
    );
    assert!(
        !now.contains(
            old_originals
                .iter()
                .find(|o| o.starts_with("profile-"))
                .unwrap()
        ),
        "{now:#?}"
    );
    support::assert_html_refs_exist(site.path());
    fake.assert_no_secret_or_cdn(site.path(), &run);
}
