//! Choosing what shows (`[filter]`) and per-post overrides (`[posts.SHORTCODE]`), against the fake
//! API: each key with its warnings, paging on until `limit` posts pass (and where it stops), pins
//! fetched by id or found by shortcode, hidden posts, overrides in the data file and the partial,
//! and a config change applied offline to the cached feed as it was read.

use std::fs;
use std::path::Path;

use crate::support::{self, FakeApi, Post, Run, Scenario};

/// A scenario whose pictures are small: their size is not the point here.
fn scenario(posts: Vec<Post>) -> Scenario {
    Scenario::new().posts(posts).generated_size(320, 400)
}

/// Writes the site's `instabake.toml`.
fn configure(site: &Path, toml: &str) {
    fs::write(site.join("instabake.toml"), toml).unwrap();
}

/// The post ids of the site's data file.
fn shown(site: &Path) -> Vec<String> {
    support::post_ids(&support::read_data(site))
}

/// The warning lines of a run.
fn warnings(run: &Run) -> Vec<&str> {
    run.stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect()
}

/// Fails unless one warning line holds every one of `parts`.
fn assert_warned(run: &Run, parts: &[&str]) {
    assert!(
        warnings(run)
            .iter()
            .any(|w| parts.iter().all(|p| w.contains(p))),
        "no warning with {parts:?}\n{run}"
    );
}

fn strings(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|s| (*s).to_string()).collect()
}

#[test]
fn kinds_and_reels() {
    let fake = FakeApi::start(scenario(vec![
        Post::image("7001"),
        Post::reel("7002", true),
        Post::carousel("7003", vec![Post::image("7004"), Post::image("7005")]),
        Post::reel("7006", false),
        Post::video("7007"),
    ]));
    let site = support::site();

    // No [filter]: every post, reels shared to the grid or not, as before the section existed.
    let run = fake.run_build(site.path(), &[]);
    run.assert_success();
    assert_eq!(
        shown(site.path()),
        strings(&["7001", "7002", "7003", "7006", "7007"])
    );
    assert!(warnings(&run).is_empty(), "{run}");
    let fields = fake.media_list_requests()[0].param("fields").unwrap();
    assert!(
        fields.contains("media_product_type") && fields.contains("is_shared_to_feed"),
        "{fields}"
    );

    for (settings, expected) in [
        ("reels = \"feed\"", &["7001", "7002", "7003", "7007"][..]),
        ("reels = \"none\"", &["7001", "7003", "7007"]),
        ("reels = \"all\"", &["7001", "7002", "7003", "7006", "7007"]),
        ("kinds = [\"image\", \"carousel\"]", &["7001", "7003"]),
        ("kinds = [\"video\"]\nreels = \"feed\"", &["7002", "7007"]),
    ] {
        configure(site.path(), &format!("[filter]\n{settings}\n"));
        let run = fake.run_build(site.path(), &[]);
        run.assert_success();
        assert_eq!(shown(site.path()), strings(expected), "{settings}\n{run}");
    }
    support::assert_html_refs_exist(site.path());
    fake.assert_no_secret_or_cdn(site.path(), &run);
}

#[test]
fn hashtags_and_words() {
    let fake = FakeApi::start(scenario(vec![
        Post::image("7101").caption("Sourdough morning #Bread #sourdough"),
        Post::image("7102").caption("Wholesale prices for cafés #coffee"),
        Post::image("7103").caption("Big SALE on rye! #bread #sold"),
        Post::image("7104"),
        Post::image("7105").caption("Croissants #pastry"),
    ]));
    let site = support::site();
    for (settings, expected) in [
        // With or without `#`, any case; a post without a caption has no hashtag.
        (
            "include_hashtags = [\"bread\", \"#PASTRY\"]",
            &["7101", "7103", "7105"][..],
        ),
        (
            "exclude_hashtags = [\"#sold\", \"Coffee\"]",
            &["7101", "7104", "7105"],
        ),
        // Whole words, any case: "sale" is not in "Wholesale"; a word also matches its hashtag.
        (
            "exclude_words = [\"sale\", \"pastry\"]",
            &["7101", "7102", "7104"],
        ),
        (
            "exclude_words = [\"sourdough morning\"]",
            &["7102", "7103", "7104", "7105"],
        ),
        (
            "include_hashtags = [\"bread\"]\nexclude_hashtags = [\"sold\"]",
            &["7101"],
        ),
    ] {
        configure(site.path(), &format!("[filter]\n{settings}\n"));
        let run = fake.run_build(site.path(), &[]);
        run.assert_success();
        assert_eq!(shown(site.path()), strings(expected), "{settings}\n{run}");
        // Fewer than limit pass, and the feed has no more: said once.
        assert_warned(
            &run,
            &["pass [filter]", "fewer than limit = 12", "no more posts"],
        );
    }
}

#[test]
fn since_and_until() {
    let fake = FakeApi::start(scenario(vec![
        Post::image("7201").timestamp("2026-03-02T08:00:00+0000"),
        Post::image("7202").timestamp("2026-03-01T23:59:59+0000"),
        Post::image("7203").timestamp("2026-02-28T00:00:00+0000"),
        Post::image("7204").timestamp("2026-02-27T23:00:00+0000"),
    ]));
    let site = support::site();
    for (settings, expected) in [
        ("since = \"2026-02-28\"", &["7201", "7202", "7203"][..]),
        ("until = \"2026-03-01\"", &["7202", "7203", "7204"]),
        ("since = 2026-02-28\nuntil = 2026-03-01", &["7202", "7203"]),
        (
            "since = \"2026-03-01T12:00:00Z\"\nuntil = \"2026-03-02T08:00:00Z\"",
            &["7201", "7202"],
        ),
    ] {
        configure(site.path(), &format!("[filter]\n{settings}\n"));
        let run = fake.run_build(site.path(), &[]);
        run.assert_success();
        assert_eq!(shown(site.path()), strings(expected), "{settings}\n{run}");
    }
    configure(site.path(), "[filter]\nsince = \"last week\"\n");
    let run = fake.run_build(site.path(), &[]);
    run.assert_code(2);
    assert!(
        run.stderr.contains("since") && run.stderr.contains("YYYY-MM-DD"),
        "{run}"
    );
}

/// Twenty posts, every fifth one tagged `#bread`.
fn tagged_every_fifth() -> Vec<Post> {
    (1..=20)
        .map(|i| {
            let post = Post::image(&format!("73{i:02}"));
            if i % 5 == 0 {
                post.caption("Loaf of the day #bread")
            } else {
                post.caption("Something else")
            }
        })
        .collect()
}

#[test]
fn paging_goes_on_until_limit_posts_pass() {
    let fake = FakeApi::start(scenario(tagged_every_fifth()).page_size(4));
    let site = support::site();
    configure(
        site.path(),
        "limit = 3\n[filter]\ninclude_hashtags = [\"bread\"]\n",
    );

    let run = fake.run_build(site.path(), &["-v"]);

    run.assert_success();
    assert_eq!(shown(site.path()), strings(&["7305", "7310", "7315"]));
    // 15 posts, 4 a page: page 4 holds the third match; page 5 is never asked for.
    let pages = fake.media_list_requests();
    assert_eq!(pages.len(), 4, "{run}");
    // Looking for posts that pass, the largest page is asked for.
    assert_eq!(pages[0].param("limit").as_deref(), Some("100"));
    assert!(warnings(&run).is_empty(), "{run}");
    // Only the posts that show are downloaded.
    assert_eq!(fake.media_fetches("7301.jpg"), 0);
    assert_eq!(fake.media_fetches("7315.jpg"), 1);
}

#[test]
fn max_pages_stops_paging_with_a_warning() {
    let fake = FakeApi::start(scenario(tagged_every_fifth()).page_size(4));
    let site = support::site();
    configure(
        site.path(),
        "limit = 3\n[filter]\ninclude_hashtags = [\"bread\"]\nmax_pages = 2\n",
    );

    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    assert_eq!(fake.media_list_requests().len(), 2, "{run}");
    assert_eq!(shown(site.path()), strings(&["7305"]));
    assert_warned(
        &run,
        &["only 1 of the 8 posts read pass [filter]", "max_pages = 2"],
    );
}

#[test]
fn paging_stops_at_90_percent_of_the_rate_limit() {
    let fake = FakeApi::start(
        scenario(tagged_every_fifth())
            .page_size(5)
            .usage_header(Some(
                r#"{"call_count":91,"total_cputime":3,"total_time":5}"#,
            )),
    );
    let site = support::site();
    configure(
        site.path(),
        "limit = 3\n[filter]\ninclude_hashtags = [\"bread\"]\n",
    );

    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    assert_eq!(fake.media_list_requests().len(), 1, "{run}");
    assert_warned(
        &run,
        &["only 1 of the 5 posts read", "91% of the rate limit"],
    );
    assert_eq!(shown(site.path()), strings(&["7305"]));
}

#[test]
fn pins_by_id_are_fetched_and_by_shortcode_found_in_the_pages_read() {
    let posts: Vec<Post> = (1..=10)
        .map(|i| Post::image(&format!("74{i:02}")))
        .collect();
    let third = posts[2].shortcode();
    let fake = FakeApi::start(scenario(posts).page_size(4));
    let site = support::site();
    configure(
        site.path(),
        &format!("limit = 3\n[filter]\npin = [\"7409\", \"{third}\"]\n"),
    );

    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    // Pinned first in their order, even 7409, older than the newest three; then the newest.
    assert_eq!(shown(site.path()), strings(&["7409", "7403", "7401"]));
    assert_eq!(fake.media_list_requests().len(), 1, "{run}");
    let fetched = fake.requests_to("/7409");
    assert_eq!(fetched.len(), 1, "{:#?}", fake.api_requests());
    let fields = fetched[0].param("fields").unwrap();
    assert!(
        fields.starts_with("id,caption,") && fields.contains("children{"),
        "{fields}"
    );
    assert!(warnings(&run).is_empty(), "{run}");
    fake.assert_token_only_sent_to_api();
    fake.assert_no_secret_or_cdn(site.path(), &run);
}

#[test]
fn a_pin_no_longer_on_the_account_is_a_warning() {
    let fake = FakeApi::start(scenario(vec![Post::image("7501"), Post::image("7502")]));
    let site = support::site();
    configure(
        site.path(),
        "[filter]\npin = [\"7599\", \"CgOnE123\", \"https://www.instagram.com/p/CgOnE456/\"]\n",
    );

    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    assert_eq!(shown(site.path()), strings(&["7501", "7502"]));
    assert_eq!(fake.requests_to("/7599").len(), 1);
    assert_warned(&run, &["pinned post 7599", "not on the account"]);
    assert_warned(&run, &["pinned post CgOnE123", "pin it by its id"]);
    assert_warned(&run, &["pinned post CgOnE456"]);
}

#[test]
fn hidden_posts_never_show_even_pinned() {
    let posts: Vec<Post> = (1..=5).map(|i| Post::image(&format!("76{i:02}"))).collect();
    let second = posts[1].shortcode();
    let fake = FakeApi::start(scenario(posts));
    let site = support::site();
    configure(
        site.path(),
        &format!(
            "limit = 3\n[filter]\nhide = [\"7601\", \"https://www.instagram.com/p/{second}/\", \
             \"7604\"]\npin = [\"7604\", \"7605\"]\n"
        ),
    );

    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    // Hidden posts leave room for the next ones: limit counts what shows.
    assert_eq!(shown(site.path()), strings(&["7605", "7603"]));
    assert_warned(&run, &["7604", "pinned and hidden", "hidden wins"]);
    assert_eq!(fake.media_fetches("7601.jpg"), 0);
}

#[test]
fn overrides_change_alt_caption_link_and_hide() {
    let posts = vec![
        Post::image("7701").caption("Old text #old").alt("Old alt"),
        Post::image("7702").caption("Shop item"),
        Post::carousel(
            "7703",
            vec![Post::image("7704").alt("Own alt"), Post::image("7705")],
        ),
        Post::image("7706"),
    ];
    let codes: Vec<String> = posts.iter().map(Post::shortcode).collect();
    let fake = FakeApi::start(scenario(posts));
    let site = support::site();
    let hostile = "<script>alert(1)</script> & \\\"quotes\\\" #New";
    configure(
        site.path(),
        &format!(
            "[posts.{}]\ncaption = \"{hostile}\"\n\n\
             [posts.{}]\nlink = \"https://shop.example/loaf?size=1&colour=brown\"\nalt = \"A loaf\"\n\n\
             [posts.{}]\nalt = \"Album alt\"\n\n\
             [posts.{}]\nhide = true\n\n\
             [posts.CnotThere1]\nalt = \"nobody\"\n",
            codes[0], codes[1], codes[2], codes[3]
        ),
    );

    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    let data = support::read_data(site.path());
    assert_eq!(support::post_ids(&data), strings(&["7701", "7702", "7703"]));
    assert_warned(&run, &["[posts.CnotThere1]", "matches no post"]);

    let first = support::post(&data, "7701");
    assert_eq!(first["overridden"], serde_json::json!(["caption"]));
    let caption = "<script>alert(1)</script> & \"quotes\" #New";
    assert_eq!(first["caption"], caption);
    assert_eq!(
        first["caption_text"],
        "<script>alert(1)</script> & \"quotes\""
    );
    assert_eq!(first["hashtags"], serde_json::json!(["New"]));
    // Its own alt text stays: only the caption was overridden.
    assert_eq!(first["alt"], "Old alt");
    assert_eq!(first["link"], first["permalink"]);

    let shop = support::post(&data, "7702");
    assert_eq!(shop["overridden"], serde_json::json!(["alt", "link"]));
    assert_eq!(
        shop["link"],
        "https://shop.example/loaf?size=1&colour=brown"
    );
    assert_eq!(shop["alt"], "A loaf");
    assert_eq!(shop["media"][0]["alt"], "A loaf");

    let album = support::post(&data, "7703");
    assert_eq!(album["overridden"], serde_json::json!(["alt"]));
    assert_eq!(album["media"][0]["alt"], "Own alt");
    assert_eq!(album["media"][1]["alt"], "Album alt");

    let partial = fs::read_to_string(site.path().join(support::HUGO_PARTIAL)).unwrap();
    assert!(!partial.contains("<script>alert(1)"), "{partial}");
    let hrefs: Vec<String> = support::attributes(&partial, &["href"])
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    assert!(
        hrefs.contains(&"https://shop.example/loaf?size=1&colour=brown".to_string()),
        "{hrefs:?}"
    );
    let alts: Vec<String> = support::attributes(&partial, &["alt"])
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    assert!(alts.contains(&"A loaf".to_string()), "{alts:?}");
    fake.assert_no_secret_or_cdn(site.path(), &run);
    support::assert_matches_schema_file(
        "docs/schema/instagram-data-1.schema.json",
        &[site.path().join(support::HUGO_DATA)],
        "the data file with overrides",
    );
}

#[test]
fn an_override_link_that_is_not_a_web_url_is_a_config_error() {
    let site = support::site();
    for link in [
        "javascript:alert(1)",
        "shop.example/loaf",
        "ftp://shop.example/",
    ] {
        configure(
            site.path(),
            &format!("[posts.Cabc123]\nlink = \"{link}\"\n"),
        );
        let run = support::run_build(site.path(), &[], &[]);
        run.assert_code(2);
        assert!(run.stderr.contains("posts.Cabc123.link"), "{run}");
    }
    configure(site.path(), "[posts.Cabc123]\nhidden = true\n");
    let run = support::run_build(site.path(), &[], &[]);
    run.assert_code(2);
    assert!(run.stderr.contains("hidden"), "{run}");
    assert!(
        support::relative_files(site.path()) == ["instabake.toml"],
        "{run}"
    );
}

#[test]
fn a_config_change_applies_offline_to_the_feed_as_read() {
    let fake = FakeApi::start(scenario(vec![
        Post::image("7801"),
        Post::image("7802"),
        Post::image("7803").caption("skip me"),
        Post::image("7804"),
    ]));
    let site = support::site();
    let cache = site.path().join(support::CACHE_DIR);

    // Live: 7803 is read (and kept in the cache's feed) but never baked.
    configure(site.path(), "[filter]\nexclude_words = [\"skip\"]\n");
    fake.run_build(site.path(), &[]).assert_success();
    assert_eq!(shown(site.path()), strings(&["7801", "7802", "7804"]));
    // Live again, 7802 hidden: its original stays in the cache, the kept feed still lists it.
    configure(
        site.path(),
        "[filter]\nexclude_words = [\"skip\"]\nhide = [\"7802\"]\n",
    );
    fake.run_build(site.path(), &[]).assert_success();
    assert_eq!(shown(site.path()), strings(&["7801", "7804"]));
    assert!(cache.join("originals/7802").is_file());
    let kept = fs::read_to_string(cache.join("feed.json")).unwrap();
    assert!(
        kept.contains("\"7802\"") && kept.contains("\"7803\""),
        "{kept}"
    );
    fake.clear_requests();

    // Offline, with neither filter: 7802 comes back from its cached original; 7803 was never
    // baked, so it is left out with a warning that says why.
    configure(site.path(), "");
    let run = support::run_build(site.path(), &["--offline", "-v"], &[]);

    run.assert_success();
    assert_eq!(shown(site.path()), strings(&["7801", "7802", "7804"]));
    assert_eq!(support::read_data(site.path())["source"], "cache");
    assert_eq!(support::media_work(&run).0, 0, "{run}");
    assert_warned(&run, &["post 7803", "never baked before"]);
    assert!(fake.requests().is_empty());

    // A new [posts] override applies offline too.
    let code = Post::image("7801").shortcode();
    configure(site.path(), &format!("[posts.{code}]\nhide = true\n"));
    let run = support::run_build(site.path(), &["--offline"], &[]);
    run.assert_success();
    assert_eq!(shown(site.path()), strings(&["7802", "7804"]));
    support::assert_html_refs_exist(site.path());
}
