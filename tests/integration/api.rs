//! The real binary against the fake Graph API: paging, carousels, videos, captions, every response
//! shape of our fixtures (and of the shared corpus of captured responses, where it exists), token
//! errors, and what may never end up in the site (the token, CDN URLs).

use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::Duration;

use serde_json::Value;

use crate::support::fake_api;
use crate::support::{self, FakeApi, Fault, Post, Route, Scenario, TOKEN};

// ---------------------------------------------------------------------------------------------
// The fake server itself (no binary involved): if these fail, fix the fake first.
// ---------------------------------------------------------------------------------------------

#[test]
fn fake_api_pages_like_the_real_api() {
    let posts = (1..=7).map(|i| Post::image(&format!("10{i}"))).collect();
    let fake = FakeApi::start(Scenario::new().posts(posts).page_size(3));
    let fields = "id,caption,media_type,media_url,children%7Bid,media_type,media_url%7D";
    let first = format!(
        "{}/me/media?fields={fields}&limit=50&access_token={TOKEN}",
        fake.base_url()
    );
    let (status, page) = support::http_get_json(&first);
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["data"].as_array().unwrap().len(), 3);
    assert!(
        page["data"][0].get("caption").is_none(),
        "caption must be absent, not null"
    );
    let next = page["paging"]["next"].as_str().unwrap().to_string();
    assert!(
        next.starts_with(&format!("{}/me/media?", fake.base_url())),
        "{next}"
    );
    assert!(next.contains(&format!("access_token={TOKEN}")), "{next}");
    let (_, page2) = support::http_get_json(&next);
    let (_, page3) = support::http_get_json(page2["paging"]["next"].as_str().unwrap());
    assert_eq!(page3["data"].as_array().unwrap().len(), 1);
    assert_eq!(page3["data"][0]["id"], "107");
    assert!(page3["paging"].get("next").is_none(), "{page3}");
    assert!(page3["paging"]["cursors"]["after"].is_string());
    // The media URL is served, without a token.
    let media = page["data"][0]["media_url"].as_str().unwrap();
    let (status, bytes) = support::http_get(media);
    assert_eq!(status, 200);
    let picture = image::load_from_memory(&bytes).unwrap();
    assert_eq!((picture.width(), picture.height()), (1080, 1350));
    assert_eq!(fake.media_list_requests().len(), 3);
    fake.assert_token_only_sent_to_api();
}

#[test]
fn fake_api_children_ids_only_errors_and_faults() {
    let carousel = Post::carousel(
        "300",
        vec![Post::image("301"), Post::video("302").without_media_url()],
    )
    .children_ids_only();
    let fake = FakeApi::start(
        Scenario::new()
            .posts(vec![carousel])
            .fail(Route::MediaFile("301.jpg".into()), Fault::Forbidden)
            .fail_times(Route::Me, Fault::Html500, 1),
    );
    let base = fake.base_url();
    let (_, page) = support::http_get_json(&format!(
        "{base}/me/media?fields=id,children%7Bid,media_url%7D&access_token={TOKEN}"
    ));
    assert_eq!(
        page["data"][0]["children"]["data"][1],
        serde_json::json!({"id": "302"})
    );
    let (_, child) = support::http_get_json(&format!(
        "{base}/v25.0/302?fields=id,media_type,media_url,thumbnail_url&access_token={TOKEN}"
    ));
    assert_eq!(child["media_type"], "VIDEO");
    assert!(child.get("media_url").is_none(), "{child}");
    assert!(child["thumbnail_url"].as_str().unwrap().contains("/media/"));
    let (status, error) =
        support::http_get_json(&format!("{base}/me/media?fields=id&access_token=wrong"));
    assert_eq!((status, error["error"]["code"].as_u64()), (400, Some(190)));
    let (status, error) = support::http_get_json(&format!(
        "{base}/me/media?fields=id,bogus&access_token={TOKEN}"
    ));
    assert_eq!((status, error["error"]["code"].as_u64()), (400, Some(100)));
    let (status, body) = support::http_get(&fake.media_url("301.jpg"));
    assert_eq!(
        (status, body.as_slice()),
        (403, &b"URL signature expired"[..])
    );
    let (status, _) = support::http_get(&format!("{base}/me?access_token={TOKEN}"));
    assert_eq!(status, 500);
    let (status, _) = support::http_get(&format!("{base}/me?access_token={TOKEN}"));
    assert_eq!(status, 200, "the 500 was injected once only");
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Checks every media item of every post in the data file against the contract: dimensions,
/// colour, placeholder, variants whose files exist with the stated size, srcset strings.
fn assert_media_complete(site: &Path, data: &Value) {
    for post in data["posts"].as_array().expect("posts array") {
        let id = &post["id"];
        let media = post["media"]
            .as_array()
            .unwrap_or_else(|| panic!("post {id}: no media array: {post:#}"));
        assert!(!media.is_empty(), "post {id}: empty media: {post:#}");
        for item in media {
            let context = format!("post {id}, media {}", item["id"]);
            assert!(
                item["width"].as_u64().unwrap_or(0) > 0,
                "{context}: width: {item:#}"
            );
            assert!(
                item["height"].as_u64().unwrap_or(0) > 0,
                "{context}: height: {item:#}"
            );
            let color = item["color"].as_str().unwrap_or("");
            assert!(
                color.len() == 7
                    && color.starts_with('#')
                    && color[1..].chars().all(|c| c.is_ascii_hexdigit()),
                "{context}: colour {color:?}"
            );
            assert!(
                item["placeholder"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with("data:image/"),
                "{context}: placeholder: {item:#}"
            );
            let variants = item["variants"]
                .as_array()
                .unwrap_or_else(|| panic!("{context}: no variants: {item:#}"));
            assert!(!variants.is_empty(), "{context}: no variants");
            for variant in variants {
                let format = variant["format"].as_str().unwrap_or("");
                assert!(
                    matches!(format, "webp" | "jpeg"),
                    "{context}: variant format {format:?}"
                );
                let url = variant["url"].as_str().unwrap_or("");
                let path = site_file_for_url(site, url).unwrap_or_else(|| {
                    panic!("{context}: variant URL {url:?} not under /instagram/")
                });
                let size = fs::metadata(&path)
                    .unwrap_or_else(|e| {
                        panic!(
                            "{context}: variant {url} has no file {}: {e}",
                            path.display()
                        )
                    })
                    .len();
                assert_eq!(
                    Some(size),
                    variant["bytes"].as_u64(),
                    "{context}: bytes of {url}"
                );
                assert!(
                    variant["width"].as_u64() <= item["width"].as_u64(),
                    "{context}: variant {url} wider than the source (upscaled)"
                );
            }
            for format in ["webp", "jpeg"] {
                let srcset = item["srcset"][format].as_str().unwrap_or("");
                assert!(
                    srcset.contains("/instagram/") && srcset.contains('w'),
                    "{context}: srcset.{format} = {srcset:?}"
                );
            }
            let src = item["src"].as_str().unwrap_or("");
            assert!(
                site_file_for_url(site, src).is_some_and(|p| p.is_file()),
                "{context}: src {src:?} missing"
            );
        }
    }
}

/// `/instagram/x.webp` -> `SITE/static/instagram/x.webp` (hugo preset).
fn site_file_for_url(site: &Path, url: &str) -> Option<PathBuf> {
    url.strip_prefix("/instagram/")
        .map(|rest| site.join(support::HUGO_IMAGES).join(rest))
}

/// The kind of each media item of a post.
fn media_kinds(post: &Value) -> Vec<String> {
    post["media"]
        .as_array()
        .map(|media| {
            media
                .iter()
                .map(|m| m["kind"].as_str().unwrap_or("?").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The media item ids of a post.
fn media_ids(post: &Value) -> Vec<String> {
    post["media"]
        .as_array()
        .map(|media| {
            media
                .iter()
                .map(|m| m["id"].as_str().unwrap_or("?").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// After a failed first run, the site must not hold a feed: no data file, no partial.
fn assert_no_feed_published(site: &Path) {
    for file in [support::HUGO_DATA, support::HUGO_PARTIAL] {
        assert!(
            !site.join(file).exists(),
            "a failed run with no cache published {file}: {:#?}",
            support::relative_files(site)
        );
    }
}

fn ids(range: std::ops::RangeInclusive<u32>) -> Vec<String> {
    range.map(|i| i.to_string()).collect()
}

// ---------------------------------------------------------------------------------------------
// Paging
// ---------------------------------------------------------------------------------------------

#[test]
fn pages_through_three_pages_and_stops_mid_page_at_the_limit() {
    // 16 posts, 4 per page: --limit 10 ends two posts into page 3; page 4 must not be asked for.
    let posts = ids(1001..=1016).iter().map(|id| Post::image(id)).collect();
    // Small pictures: their size is not the point here, and the debug binary is slow to encode.
    let fake = FakeApi::start(
        Scenario::new()
            .posts(posts)
            .page_size(4)
            .generated_size(320, 400),
    );
    let site = support::site();

    let run = fake.run_build(site.path(), &["--limit", "10"]);

    run.assert_success();
    let data = support::read_data(site.path());
    assert_eq!(data["schema"], 1, "{data:#}");
    assert_eq!(
        support::post_ids(&data),
        ids(1001..=1010),
        "exactly the first ten posts, in order"
    );
    let pages = fake.media_list_requests();
    let afters: Vec<Option<String>> = pages.iter().map(|r| r.param("after")).collect();
    assert_eq!(
        afters,
        vec![None, Some(fake_api::cursor(4)), Some(fake_api::cursor(8))],
        "expected exactly three page requests (first, after 4, after 8): {:#?}",
        pages.iter().map(|r| &r.target).collect::<Vec<_>>()
    );
    for id in ids(1001..=1010) {
        assert!(
            fake.media_fetches(&format!("{id}.jpg")) >= 1,
            "{id}.jpg was never downloaded"
        );
    }
    for id in ids(1011..=1016) {
        assert_eq!(
            fake.media_fetches(&format!("{id}.jpg")),
            0,
            "{id} is beyond --limit but was downloaded"
        );
    }
    fake.assert_token_only_sent_to_api();
    fake.assert_no_secret_or_cdn(site.path(), &run);
    support::assert_html_refs_exist(site.path());
}

#[test]
fn follows_a_versioned_next_url_with_the_user_id() {
    // The real API's `next` is `/v25.0/{user-id}/media?access_token=...`, not `/me/media`.
    let posts = ids(1101..=1105)
        .iter()
        .map(|id| Post::image(id).media("small.jpg"))
        .collect();
    let fake = FakeApi::start(Scenario::new().posts(posts).page_size(2).versioned_next());
    let site = support::site();

    let run = fake.run_build(site.path(), &["--limit", "5"]);

    run.assert_success();
    assert_eq!(
        support::post_ids(&support::read_data(site.path())),
        ids(1101..=1105)
    );
    let paths: Vec<String> = fake
        .media_list_requests()
        .iter()
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(paths.len(), 3, "{paths:?}");
    assert_eq!(
        paths[1],
        format!("/v25.0/{}/media", fake_api::USER_ID),
        "{paths:?}"
    );
    fake.assert_token_only_sent_to_api();
}

#[test]
fn a_real_next_url_is_rebased_onto_the_api_base_with_our_token() {
    // Page 1 points at https://graph.instagram.com/v19.0/17841405550000123/media?access_token=FIXTURE_TOKEN_NOT_REAL...
    // as the real API writes it; the client must send that path and its cursor to the fake, with
    // its own token in place of the one in the link, and stop at page 2, which has `previous` but
    // no `next`.
    let page1 =
        support::samples::rewrite_media_urls(&support::samples::fixture("list_page1_next.json"));
    let page2 = support::samples::rewrite_media_urls(&support::samples::fixture(
        "list_page2_previous_only.json",
    ));
    let next_path = "/v19.0/17841405550000123/media";
    let fake = FakeApi::start(
        Scenario::new()
            .serve(Route::Path("/v26.0/me/media".into()), 200, &page1)
            .serve(Route::Path(next_path.into()), 200, &page2),
    );
    let site = support::site();

    let run = fake.run_build(site.path(), &["--limit", "12"]);

    run.assert_success();
    assert_eq!(
        support::post_ids(&support::read_data(site.path())),
        [
            "17900555000000501",
            "17900555000000502",
            "17900555000000503",
            "17900555000000504"
        ]
    );
    let second = fake.requests_to("/17841405550000123/media");
    assert_eq!(
        second.len(),
        1,
        "page 2 requested once: {:#?}",
        fake.requests()
    );
    assert_eq!(second[0].param("after").as_deref(), Some("page1-after"));
    // The link's own `fields` (encoded with %2C and %7B..%7D) are replaced by ours, so a field
    // dropped on page 1 stays dropped on every page.
    let first = fake.requests_to("/me/media");
    assert_eq!(first.len(), 1, "{:#?}", fake.requests());
    assert_eq!(
        second[0].param("fields"),
        first[0].param("fields"),
        "page 2 asks for the same fields as page 1"
    );
    assert!(
        second[0]
            .param("fields")
            .is_some_and(|f| f.starts_with("id,caption,") && f.contains(",children{id,")),
        "{:#?}",
        second[0]
    );
    assert_eq!(
        second[0].token().as_deref(),
        Some(TOKEN),
        "the token in `next` must be replaced by ours"
    );
    fake.assert_token_only_sent_to_api();
    fake.assert_no_secret_or_cdn(site.path(), &run);
    support::assert_html_refs_exist(site.path());
}

// ---------------------------------------------------------------------------------------------
// Carousels, videos, captions
// ---------------------------------------------------------------------------------------------

#[test]
fn carousel_children_given_as_ids_only_are_fetched_and_all_baked() {
    let carousel = Post::carousel(
        "2000",
        vec![
            Post::image("2001"),
            Post::image("2002").media("2002.png"),
            Post::video("2003"),
        ],
    )
    .caption("Three of a kind")
    .children_ids_only();
    let fake = FakeApi::start(Scenario::new().posts(vec![carousel, Post::image("2100")]));
    let site = support::site();

    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    for child in ["2001", "2002", "2003"] {
        let fetched: Vec<_> = fake
            .requests()
            .into_iter()
            .filter(|r| r.object_id().as_deref() == Some(child))
            .collect();
        assert_eq!(
            fetched.len(),
            1,
            "child {child} must be fetched by id exactly once: {:#?}",
            fake.requests()
        );
        let fields = fetched[0].param("fields").unwrap_or_default();
        assert!(
            fields.contains("media_url") && fields.contains("thumbnail_url"),
            "child {child} fields: {fields:?}"
        );
    }
    let data = support::read_data(site.path());
    assert_eq!(support::post_ids(&data), ["2000", "2100"]);
    let album = support::post(&data, "2000");
    assert_eq!(album["kind"], "carousel");
    assert_eq!(
        media_ids(album),
        ["2001", "2002", "2003"],
        "every child baked, in order"
    );
    assert_eq!(media_kinds(album), ["image", "image", "video"]);
    assert!(
        fake.media_fetches("2003-poster.jpg") >= 1,
        "the video child's poster was not downloaded"
    );
    assert_media_complete(site.path(), &data);
    fake.assert_token_only_sent_to_api();
    fake.assert_no_secret_or_cdn(site.path(), &run);
    support::assert_html_refs_exist(site.path());
}

#[test]
fn expanded_carousel_children_need_no_extra_calls() {
    let carousel = Post::carousel(
        "2200",
        vec![Post::image("2201"), Post::image("2202").media("square.jpg")],
    );
    let fake = FakeApi::start(Scenario::new().posts(vec![carousel]));
    let site = support::site();

    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    let objects: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.object_id().is_some())
        .collect();
    assert!(
        objects.is_empty(),
        "children came expanded, yet fetched by id: {objects:#?}"
    );
    let data = support::read_data(site.path());
    assert_eq!(media_ids(support::post(&data, "2200")), ["2201", "2202"]);
    assert_media_complete(site.path(), &data);
}

#[test]
fn videos_with_and_without_media_url_get_their_poster_baked() {
    let with_url = Post::video("3001")
        .product("REELS")
        .caption("Shaping the dough");
    // Licensed audio: no media_url, only the thumbnail.
    let without_url = Post::video("3002").without_media_url();
    let fake = FakeApi::start(Scenario::new().posts(vec![with_url, without_url]));
    let site = support::site();

    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    let data = support::read_data(site.path());
    assert_eq!(support::post_ids(&data), ["3001", "3002"]);
    for id in ["3001", "3002"] {
        let post = support::post(&data, id);
        assert_eq!(post["kind"], "video", "post {id}: {post:#}");
        assert_eq!(media_kinds(post), ["video"], "post {id}: {post:#}");
        assert!(
            fake.media_fetches(&format!("{id}-poster.jpg")) >= 1,
            "poster of {id} not downloaded"
        );
        let variants = post["media"][0]["variants"].as_array().map_or(0, Vec::len);
        assert!(
            variants > 0,
            "post {id}: the poster was not baked: {post:#}"
        );
    }
    assert_eq!(support::post(&data, "3001")["product"], "reels");
    let no_file = &support::post(&data, "3002")["media"][0]["video"];
    assert!(
        no_file.is_null(),
        "3002 has no media_url, so no video file: {no_file:#}"
    );
    assert!(
        support::post(&data, "3002")["permalink"]
            .as_str()
            .is_some_and(|p| p.starts_with("https://www.instagram.com/p/")),
        "a video without media_url links to its permalink"
    );
    assert_media_complete(site.path(), &data);
    fake.assert_no_secret_or_cdn(site.path(), &run);
    support::assert_html_refs_exist(site.path());
}

#[test]
fn posts_without_caption_and_with_hashtags_mentions_and_markup() {
    let posts = vec![
        Post::image("4001"),
        Post::image("4002").caption("Sunday loaves with @miller.joe\n\n#bread #sourdough"),
        Post::image("4003").caption("Best <b>crust</b> & crumb <script>alert(1)</script>"),
        Post::carousel("4004", vec![Post::image("4005")]),
    ];
    let fake = FakeApi::start(Scenario::new().posts(posts));
    let site = support::site();

    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    let data = support::read_data(site.path());
    assert_eq!(support::post_ids(&data), ["4001", "4002", "4003", "4004"]);
    for id in ["4001", "4004"] {
        let post = support::post(&data, id);
        assert!(
            post["caption"].is_null(),
            "post {id} has no caption: {post:#}"
        );
        assert!(
            post["caption_text"].is_null() || post["caption_text"] == "",
            "post {id}: caption_text {}",
            post["caption_text"]
        );
        assert_eq!(post["hashtags"], serde_json::json!([]), "post {id}");
        assert_eq!(post["mentions"], serde_json::json!([]), "post {id}");
    }
    let tagged = support::post(&data, "4002");
    assert_eq!(
        tagged["caption"],
        "Sunday loaves with @miller.joe\n\n#bread #sourdough"
    );
    assert_eq!(tagged["caption_text"], "Sunday loaves with @miller.joe");
    assert_eq!(
        tagged["hashtags"],
        serde_json::json!(["bread", "sourdough"])
    );
    assert_eq!(tagged["mentions"], serde_json::json!(["miller.joe"]));
    assert_eq!(
        support::post(&data, "4003")["caption"],
        "Best <b>crust</b> & crumb <script>alert(1)</script>"
    );
    let partial = fs::read_to_string(site.path().join(support::HUGO_PARTIAL)).unwrap();
    assert!(
        !partial.contains("<script>alert(1)</script>") && !partial.contains("<b>crust</b>"),
        "a caption reached the partial unescaped:\n{partial}"
    );
    support::assert_html_refs_exist(site.path());
    fake.assert_no_secret_or_cdn(site.path(), &run);
}

// ---------------------------------------------------------------------------------------------
// The data file, the partial, and what may never be written
// ---------------------------------------------------------------------------------------------

#[test]
fn data_file_has_schema_1_the_account_and_every_variant() {
    let posts = vec![
        Post::image("5001")
            .media("portrait.jpg")
            .alt("A loaf on a board"),
        Post::image("5002").media("small.jpg"),
        Post::image("5003").media("graphic.png"),
        Post::video("5004")
            .without_media_url()
            .thumbnail("square.jpg"),
    ];
    let fake = FakeApi::start(Scenario::new().posts(posts));
    let site = support::site();

    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    let data = support::read_data(site.path());
    assert_eq!(data["schema"], 1);
    assert_eq!(data["source"], "live");
    assert_eq!(
        data["account"]["username"],
        fake_api::USERNAME,
        "{:#}",
        data["account"]
    );
    assert!(data["fetched_at"].is_string());
    assert_eq!(support::post_ids(&data), ["5001", "5002", "5003", "5004"]);
    assert_media_complete(site.path(), &data);
    // Widths 320, 640, 1080, never upscaled; both formats.
    let expected: [(&str, (u64, u64), &[u64]); 4] = [
        ("5001", (1080, 1350), &[320, 640, 1080]),
        ("5002", (640, 800), &[320, 640]),
        ("5003", (800, 800), &[320, 640, 800]),
        ("5004", (1080, 1080), &[320, 640, 1080]),
    ];
    for (id, (width, height), widths) in expected {
        let item = &support::post(&data, id)["media"][0];
        assert_eq!(
            (item["width"].as_u64(), item["height"].as_u64()),
            (Some(width), Some(height)),
            "post {id}"
        );
        for format in ["webp", "jpeg"] {
            let mut got: Vec<u64> = item["variants"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|v| v["format"] == format)
                .map(|v| v["width"].as_u64().unwrap())
                .collect();
            got.sort_unstable();
            assert_eq!(got, widths, "post {id}: {format} widths");
        }
    }
    assert_eq!(
        support::post(&data, "5001")["media"][0]["alt"],
        "A loaf on a board"
    );
    let refs = support::assert_html_refs_exist(site.path());
    assert!(
        refs.iter().any(|r| r.url.ends_with(".webp")),
        "no WebP in the partial: {refs:#?}"
    );
    fake.assert_no_secret_or_cdn(site.path(), &run);
}

#[test]
fn no_file_written_holds_the_token_or_a_media_url_even_verbose() {
    let posts = vec![
        Post::image("6001").caption("Morning bake"),
        Post::carousel("6002", vec![Post::image("6003"), Post::video("6004")]).children_ids_only(),
        Post::video("6005").without_media_url(),
    ];
    let fake = FakeApi::start(Scenario::new().posts(posts).page_size(2));
    let site = support::site();

    let run = fake.run_build(site.path(), &["-v"]);

    run.assert_success();
    assert!(
        site.path().join(support::CACHE_DIR).is_dir(),
        "no cache folder: {:#?}",
        support::relative_files(site.path())
    );
    fake.assert_no_secret_or_cdn(site.path(), &run);
    fake.assert_token_only_sent_to_api();
    support::assert_html_refs_exist(site.path());
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

#[test]
fn expired_token_exits_3_and_says_the_access_token_expired() {
    let fake = FakeApi::start(
        Scenario::new()
            .posts(vec![Post::image("7001")])
            .fail(Route::AnyApi, Fault::expired_token()),
    );
    let site = support::site();

    let run = fake.run_build(site.path(), &[]);

    run.assert_code(3).assert_no_panic();
    let stderr = run.stderr_lower();
    assert!(
        stderr.contains("access token is no longer valid: it has expired"),
        "stderr must say the access token expired:\n{run}"
    );
    assert!(
        fake.media_list_requests().len() <= 1,
        "a 190 is not retried: {:#?}",
        fake.requests()
    );
    assert!(
        fake.requests_to("/me").len() <= 1,
        "a 190 is not retried: {:#?}",
        fake.requests()
    );
    assert!(
        fake.media_requests().is_empty(),
        "nothing to download after a 190"
    );
    assert_no_feed_published(site.path());
    fake.assert_no_secret_or_cdn(site.path(), &run);
}

#[test]
fn a_token_invalidated_by_a_password_change_is_not_called_expired() {
    // The real graph.instagram.com answer: code 190, no subcode; only the text says why.
    let invalidated = Fault::api_error(
        400,
        190,
        "Error validating access token: The session has been invalidated because the user changed \
         their password or Facebook has changed the session for security reasons.",
    );
    let fake = FakeApi::start(
        Scenario::new()
            .posts(vec![Post::image("7051")])
            .fail(Route::AnyApi, invalidated),
    );
    let site = support::site();

    let run = fake.run_build(site.path(), &[]);

    run.assert_code(3).assert_no_panic();
    let stderr = run.stderr_lower();
    assert!(
        stderr.contains("no longer valid: its session was invalidated"),
        "{run}"
    );
    assert!(!stderr.contains("expired"), "{run}");
    assert_no_feed_published(site.path());
}

#[test]
fn wrong_token_gets_190_and_exits_3() {
    // The fake answers any other token with "Invalid OAuth access token - Cannot parse access token".
    let fake = FakeApi::start(
        Scenario::new()
            .posts(vec![Post::image("7101")])
            .token("IGQWRsomeOtherToken"),
    );
    let site = support::site();

    let run = fake.run_build(site.path(), &[]);

    run.assert_code(3).assert_no_panic();
    assert!(run.stderr_lower().contains("access token"), "{run}");
    assert_no_feed_published(site.path());
    fake.assert_no_secret_or_cdn(site.path(), &run);
}

#[test]
fn missing_token_is_a_configuration_error_naming_the_variable() {
    let fake = FakeApi::start(Scenario::new().posts(vec![Post::image("7201")]));
    let site = support::site();

    let run = fake.run_build_env(site.path(), &[], &[("INSTAGRAM_ACCESS_TOKEN", "")]);

    run.assert_clean_failure();
    assert!(
        run.stderr.contains("INSTAGRAM_ACCESS_TOKEN"),
        "the error must name the variable:\n{run}"
    );
    assert!(
        fake.api_requests().is_empty(),
        "no API call without a token: {:#?}",
        fake.requests()
    );
}

#[test]
fn a_transient_html_500_is_retried_then_bakes() {
    let fake = FakeApi::start(
        Scenario::new()
            .posts(vec![
                Post::image("7301"),
                Post::image("7302").media("small.jpg"),
            ])
            .fail_times(Route::MediaList, Fault::Html500, 1),
    );
    let site = support::site();

    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    assert_eq!(
        fake.media_list_requests().len(),
        2,
        "one failure, one retry: {:#?}",
        fake.requests()
    );
    assert_eq!(
        support::post_ids(&support::read_data(site.path())),
        ["7301", "7302"]
    );
}

#[test]
fn a_500_that_persists_exits_3_after_bounded_retries() {
    let fake = FakeApi::start(
        Scenario::new()
            .posts(vec![Post::image("7401")])
            .fail(Route::MediaList, Fault::Html500),
    );
    let site = support::site();

    let run = fake.run_build(site.path(), &[]);

    run.assert_code(3).assert_no_panic();
    assert!(
        run.stderr.contains("500"),
        "stderr should name the HTTP status:\n{run}"
    );
    assert!(
        !run.stderr.contains("</html>"),
        "the whole HTML error page was dumped into the output:\n{run}"
    );
    let attempts = fake.media_list_requests().len();
    assert!(
        (2..=6).contains(&attempts),
        "expected a few retries, got {attempts} requests"
    );
    assert_no_feed_published(site.path());
}

#[test]
fn a_permanent_api_error_is_not_retried() {
    let fake = FakeApi::start(Scenario::new().posts(vec![Post::image("7501")]).fail(
        Route::MediaList,
        Fault::api_error(
            400,
            100,
            // Not one of the optional fields that can be left out (those are asked again without
            // them: tests/integration/api_version.rs), so the answer is final.
            "(#100) Tried accessing nonexisting field (permalink) on node type (Media)",
        ),
    ));
    let site = support::site();

    let run = fake.run_build(site.path(), &[]);

    run.assert_code(3).assert_no_panic();
    assert_eq!(
        fake.media_list_requests().len(),
        1,
        "a code 100 must not be retried"
    );
    assert!(
        run.stderr.contains("nonexisting field"),
        "the API's message must be shown:\n{run}"
    );
    assert_no_feed_published(site.path());
}

#[test]
fn garbage_instead_of_json_exits_3_with_a_clear_error() {
    let fake = FakeApi::start(
        Scenario::new()
            .posts(vec![Post::image("7601")])
            .fail(Route::MediaList, Fault::Garbage),
    );
    let site = support::site();

    let run = fake.run_build(site.path(), &[]);

    run.assert_code(3).assert_no_panic();
    let stderr = run.stderr_lower();
    assert!(
        [
            "json",
            "parse",
            "decode",
            "invalid",
            "unexpected",
            "malformed"
        ]
        .iter()
        .any(|w| stderr.contains(w)),
        "stderr must say the answer could not be read:\n{run}"
    );
    assert_no_feed_published(site.path());
}

#[test]
fn dropped_and_truncated_answers_are_retried() {
    let posts = ids(7701..=7704)
        .iter()
        .map(|id| Post::image(id).media("small.jpg"))
        .collect();
    let fake = FakeApi::start(
        Scenario::new()
            .posts(posts)
            .page_size(2)
            .fail_times(Route::MediaPage(1), Fault::Close, 1)
            .fail_times(Route::MediaPage(2), Fault::Truncated, 1),
    );
    let site = support::site();

    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    assert_eq!(
        support::post_ids(&support::read_data(site.path())),
        ids(7701..=7704)
    );
    assert_eq!(
        fake.media_list_requests().len(),
        4,
        "two pages, each retried once: {:#?}",
        fake.requests()
    );
}

#[test]
fn a_slow_api_answer_is_waited_for() {
    let fake = FakeApi::start(
        Scenario::new()
            .posts(vec![Post::image("7801").media("small.jpg")])
            .fail(Route::MediaList, Fault::Slow(Duration::from_secs(3))),
    );
    let site = support::site();

    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    assert_eq!(
        fake.media_list_requests().len(),
        1,
        "a slow answer is not a reason to ask again"
    );
    assert_eq!(
        support::post_ids(&support::read_data(site.path())),
        ["7801"]
    );
}

#[test]
fn downloads_run_ahead_of_the_encoding_eight_at_once() {
    // A slow media host: each file waits long enough that every download the engine starts
    // overlaps the others. Downloads are not held back by the encoding (at most two per core), and
    // never more than eight hit the host at once.
    let posts: Vec<Post> = (8001..=8012)
        .map(|id| Post::image(&id.to_string()))
        .collect();
    let fake = FakeApi::start(
        Scenario::new()
            .posts(posts)
            .generated_size(64, 80)
            .fail(Route::AnyMediaFile, Fault::Slow(Duration::from_millis(600))),
    );
    let site = support::site();

    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    assert_eq!(fake.media_requests().len(), 12, "each original once");
    assert_eq!(fake.max_concurrent_media(), 8);
    assert_eq!(
        support::post_ids(&support::read_data(site.path())).len(),
        12
    );
}

#[test]
fn media_download_failures_never_publish_broken_references() {
    let posts = vec![
        Post::image("7901"),
        Post::image("7902"),
        Post::image("7903"),
        Post::image("7904"),
        Post::image("7905").media("small.jpg"),
    ];
    let fake = FakeApi::start(
        Scenario::new()
            .posts(posts)
            .fail(Route::MediaFile("7902.jpg".into()), Fault::Forbidden)
            .fail(Route::MediaFile("7903.jpg".into()), Fault::Truncated)
            .fail(Route::MediaFile("7904.jpg".into()), Fault::NotAnImage),
    );
    let site = support::site();

    let run = fake.run_build(site.path(), &[]);

    // The README ("What happens when ..."): an image that cannot be had leaves its post out with a
    // warning naming the post, and the rest of the feed is baked, with exit code 0.
    run.assert_success().assert_no_panic();
    fake.assert_no_secret_or_cdn(site.path(), &run);
    let data = support::read_data(site.path());
    assert_eq!(support::post_ids(&data), ["7901", "7905"], "{run}");
    assert_media_complete(site.path(), &data);
    support::assert_html_refs_exist(site.path());
    for broken in ["7902", "7903", "7904"] {
        assert!(
            run.stderr
                .lines()
                .any(|l| l.starts_with("warning:") && l.contains(&format!("post {broken}"))),
            "no warning names post {broken}:\n{run}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Cache: fallback, offline, a rebuild with nothing new
// ---------------------------------------------------------------------------------------------

#[test]
fn a_rebuild_with_nothing_new_downloads_nothing_and_changes_nothing() {
    let posts = vec![
        Post::image("8001"),
        Post::carousel(
            "8002",
            vec![Post::image("8003").media("small.jpg"), Post::video("8004")],
        ),
    ];
    let fake = FakeApi::start(Scenario::new().posts(posts));
    let site = support::site();
    let first = fake.run_build(site.path(), &["-v"]);
    first.assert_success();
    // Three images (the video's poster among them), three widths at most, two formats.
    let (downloads, decodes, encodes) = media_work(&first);
    assert_eq!((downloads, decodes), (3, 3), "{first}");
    assert!(encodes >= 3 * 2, "{first}");
    let before = support::snapshot(&site.path().join("static"));
    let partial = fs::read(site.path().join(support::HUGO_PARTIAL)).unwrap();
    fake.clear_requests();

    let run = fake.run_build(site.path(), &["-v"]);

    run.assert_success();
    // Byte-identical files could also come from encoding everything again: the work counts show
    // that nothing was downloaded, decoded or encoded.
    assert_eq!(media_work(&run), (0, 0, 0), "{run}");
    assert!(
        fake.media_requests().is_empty(),
        "nothing new, yet downloaded: {:#?}",
        fake.media_requests()
    );
    assert_eq!(
        support::snapshot(&site.path().join("static")),
        before,
        "the images changed on a rebuild"
    );
    assert_eq!(
        fs::read(site.path().join(support::HUGO_PARTIAL)).unwrap(),
        partial,
        "the partial changed"
    );
}

/// The `-v` line `media: N downloaded, N decoded, N files encoded` of a run, as numbers.
fn media_work(run: &support::Run) -> (usize, usize, usize) {
    let line = run
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("media: "))
        .unwrap_or_else(|| panic!("no `media:` line in the -v output:\n{run}"));
    let numbers: Vec<usize> = line
        .split(", ")
        .map(|part| {
            part.split_whitespace()
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("unreadable `media:` line {line:?}"))
        })
        .collect();
    match numbers[..] {
        [downloads, decodes, encodes] => (downloads, decodes, encodes),
        _ => panic!("unreadable `media:` line {line:?}"),
    }
}

#[test]
fn with_a_cache_an_expired_token_serves_the_last_good_bake_with_a_warning() {
    let fake = FakeApi::start(Scenario::new().posts(vec![
        Post::image("8101"),
        Post::image("8102").media("small.jpg"),
    ]));
    let site = support::site();
    fake.run_build(site.path(), &[]).assert_success();
    fake.add_fault(Route::AnyApi, Fault::expired_token(), None);

    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    assert!(
        run.stderr_lower().contains("access token"),
        "the fallback must say why:\n{run}"
    );
    let data = support::read_data(site.path());
    assert_eq!(support::post_ids(&data), ["8101", "8102"]);
    assert_eq!(data["source"], "cache");
    support::assert_html_refs_exist(site.path());
    fake.assert_no_secret_or_cdn(site.path(), &run);

    let strict = fake.run_build(site.path(), &["--strict"]);
    strict.assert_code(3).assert_no_panic();
    support::assert_html_refs_exist(site.path());
}

#[test]
fn offline_never_calls_the_api() {
    let fake = FakeApi::start(Scenario::new().posts(vec![Post::image("8201").media("small.jpg")]));
    let site = support::site();
    fake.run_build(site.path(), &[]).assert_success();
    fake.clear_requests();

    let run = fake.run_build(site.path(), &["--offline"]);

    run.assert_success();
    assert!(
        fake.requests().is_empty(),
        "--offline made requests: {:#?}",
        fake.requests()
    );
    assert_eq!(
        support::post_ids(&support::read_data(site.path())),
        ["8201"]
    );
}

// ---------------------------------------------------------------------------------------------
// Every API response shape, served as the /me/media answer: the project's own fixtures
// (tests/fixtures/api) always, and the captured real responses in ../shared/api-samples where
// that folder exists
// ---------------------------------------------------------------------------------------------

/// How the binary must handle a body served as the `/me/media` answer.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// A media list (`data` at the top): every post with something to bake is baked, in order,
    /// with exactly its bakeable items, and nothing else.
    List,
    /// An object holding a media list one or two levels down (`/me?fields=media{..}` gives
    /// `media.data`, business discovery `business_discovery.media.data`): `MediaPage::parse`
    /// unwraps it, and every nested post is baked exactly as in a [`Expect::List`].
    Nested,
    /// Served with this HTTP status, it must fail with exit 3 and a stderr that contains, for each
    /// group, one of its (lowercase) words.
    Fails(u16, &'static [&'static [&'static str]]),
}

use support::samples::Corpus;
use Expect::{Fails, List, Nested};

const NO_PERMISSION: &[&[&str]] = &[&["permission", "not allowed"]];
/// A 200 whose body is JSON but not a media list (no `data` array).
const NOT_A_LIST: &[&[&str]] = &[&[
    "/me/media",
    "media list",
    "missing field",
    "unexpected",
    "malformed",
    "invalid",
    "parse",
    "decode",
    "not a list",
]];

// The fixtures' expectations also name the class the error was put in, through the words of its
// hint (`ApiError::hint`).
// Code 190 comes without a subcode: the message text says why, and each reason is named.
const F_TOKEN_EXPIRED: &[&[&str]] = &[&["access token is no longer valid: it has expired"]];
const F_TOKEN_INVALIDATED: &[&[&str]] =
    &[&["access token is no longer valid: its session was invalidated"]];
const F_TOKEN_MALFORMED: &[&[&str]] =
    &[&["access token is no longer valid: instagram cannot read it"]];
const F_NO_PERMISSION: &[&[&str]] = &[&["permission"], &["lacks a permission"]];
const F_THROTTLED: &[&[&str]] = &[&["limit"], &["rate limiting"]];
const F_BAD_REQUEST: &[&str] = &["rejected a field or parameter"];

/// Every fixture in tests/fixtures/api, classified (its README.md says which shape each one is).
/// A fixture added to the folder fails `api_samples_fixtures_are_all_classified` until it is added
/// here.
const FIXTURES: &[(&str, Expect)] = &[
    ("batch_response_string_bodies.json", Fails(200, NOT_A_LIST)),
    ("business_discovery_media.json", Nested),
    ("children_no_paging.json", List),
    (
        "error_100_33_error_user_msg.json",
        // The error_user_msg is shown, not the bare "Invalid parameter".
        Fails(
            400,
            &[
                &["unsupported get request"],
                &["code 100, subcode 33"],
                F_BAD_REQUEST,
            ],
        ),
    ),
    (
        "error_100_33_unsupported_get.json",
        Fails(
            400,
            &[
                &["unsupported get request"],
                &["code 100, subcode 33"],
                F_BAD_REQUEST,
            ],
        ),
    ),
    (
        "error_100_unsupported_request_method.json",
        Fails(
            400,
            &[
                &["unsupported request - method type: get"],
                &["code 100"],
                F_BAD_REQUEST,
            ],
        ),
    ),
    (
        "error_10_igapiexception_no_prefix.json",
        Fails(400, F_NO_PERMISSION),
    ),
    ("error_10_oauth_prefixed.json", Fails(400, F_NO_PERMISSION)),
    ("error_17_user_limit.json", Fails(400, F_THROTTLED)),
    (
        "error_190_467_logged_out.json",
        Fails(400, F_TOKEN_INVALIDATED),
    ),
    ("error_190_cannot_parse.json", Fails(400, F_TOKEN_MALFORMED)),
    (
        "error_190_could_not_be_decrypted.json",
        Fails(400, F_TOKEN_MALFORMED),
    ),
    (
        "error_190_expired_no_subcode.json",
        Fails(400, F_TOKEN_EXPIRED),
    ),
    (
        "error_190_password_changed_no_subcode.json",
        Fails(400, F_TOKEN_INVALIDATED),
    ),
    ("error_200_permission.json", Fails(400, F_NO_PERMISSION)),
    (
        "error_2500_unknown_path.json",
        Fails(400, &[&["unknown path components"], &["code 2500"]]),
    ),
    ("error_32_page_limit.json", Fails(400, F_THROTTLED)),
    (
        "error_4_application_limit_transient.json",
        Fails(400, F_THROTTLED),
    ),
    ("error_613_calls_limit.json", Fails(400, F_THROTTLED)),
    (
        "error_80002_business_use_case_limit.json",
        Fails(400, F_THROTTLED),
    ),
    // The flat envelope's `code` is the HTTP status, not a Graph API code: it is not shown as one.
    (
        "error_flat_envelope.json",
        Fails(400, &[&["authorization code"], &["http 400"]]),
    ),
    ("list_carousel_video_child.json", List),
    ("list_children_ids_only.json", List),
    ("list_children_partial_fields.json", List),
    ("list_empty.json", Fails(200, &[&["no posts"]])),
    ("list_last_page_cursors_only.json", List),
    ("list_multiscript_captions.json", List),
    ("list_page1_next.json", List),
    ("list_page2_previous_only.json", List),
    // Its strings were escaped twice, so its URLs still hold `\/` once decoded. Like browsers and
    // every WHATWG URL parser, the binary reads `\` as `/` in an http(s) URL, so the reel's poster
    // is downloaded and the reel baked like in any list.
    ("list_reel_double_escaped.json", List),
    ("list_reels_and_html_captions.json", List),
    ("list_videos_without_media_url.json", List),
    ("me_business.json", Fails(200, NOT_A_LIST)),
    ("me_id_only.json", Fails(200, NOT_A_LIST)),
    ("me_no_media_count.json", Fails(200, NOT_A_LIST)),
    ("me_profile_fields.json", Fails(200, NOT_A_LIST)),
    ("me_user_id_username.json", Fails(200, NOT_A_LIST)),
    ("me_with_media_edge.json", Nested),
    ("media_single_carousel.json", Fails(200, NOT_A_LIST)),
    (
        "media_single_carousel_children.json",
        Fails(200, NOT_A_LIST),
    ),
    ("refresh_access_token.json", Fails(200, NOT_A_LIST)),
];

/// Every sample of the shared corpus, classified. A sample added to that folder fails
/// `api_samples_shared_corpus_is_all_classified` until it is added here.
const SHARED_SAMPLES: &[(&str, Expect)] = &[
    (
        "airbyte_ig_err_100_33_invalid_parameter_error_user_msg.json",
        Fails(
            400,
            &[&["invalid parameter", "unsupported get request", "100"]],
        ),
    ),
    (
        "airbyte_ig_err_10_no_permission.json",
        Fails(400, NO_PERMISSION),
    ),
    ("bkrs_basic_me_media_36items_lastpage.json", List),
    // Double-escaped (INDEX.md: a capture artefact): its URLs still hold `\/` once decoded, which
    // an http(s) URL parser reads as `/`, so the reel is baked like in any list.
    ("bkrs_basic_me_media_limit1_reel_doubleescaped.json", List),
    ("bkrs_basic_me_no_media_count.json", Fails(200, NOT_A_LIST)),
    ("bkrs_basic_me_private_id_only.json", Fails(200, NOT_A_LIST)),
    ("bkrs_basic_me_with_media_edge.json", Nested),
    (
        "bkrs_basic_refresh_access_token_ok.json",
        Fails(200, NOT_A_LIST),
    ),
    (
        "bkrs_err_100_unsupported_request_method_get.json",
        Fails(400, &[&["unsupported request", "100"]]),
    ),
    (
        "bkrs_err_10_igapiexception_no_permission.json",
        Fails(400, NO_PERMISSION),
    ),
    (
        "bkrs_err_190_session_expired_no_subcode.json",
        Fails(400, F_TOKEN_EXPIRED),
    ),
    (
        "bkrs_err_190_session_invalidated_password_no_subcode.json",
        Fails(400, F_TOKEN_INVALIDATED),
    ),
    (
        "bkrs_err_190_token_could_not_be_decrypted.json",
        Fails(400, F_TOKEN_MALFORMED),
    ),
    (
        "bkrs_err_200_permission_reels.json",
        Fails(400, NO_PERMISSION),
    ),
    (
        "bkrs_graph_business_discovery_bluebottle_rich_captions.json",
        Nested,
    ),
    ("dymantic_basic_me_media_carousel_video.json", List),
    (
        "headers_rate_limit_usage_samples.json",
        Fails(200, NOT_A_LIST),
    ),
    (
        "issue_fb-ios-sdk-2576_err_190_cannot_parse_token.json",
        Fails(400, F_TOKEN_MALFORMED),
    ),
    (
        "issue_react-share-70_err_4_application_request_limit.json",
        Fails(400, &[&["limit", "throttl"]]),
    ),
    ("pyfb_basic_me_user_info.json", Fails(200, NOT_A_LIST)),
    ("pyfb_basic_media_children.json", List),
    (
        "pyfb_basic_single_media_carousel.json",
        Fails(200, NOT_A_LIST),
    ),
    ("pyfb_basic_user_media_p1_next.json", List),
    ("pyfb_basic_user_media_p2_previous_only.json", List),
    (
        "pyfb_graph_hashtag_top_media_multiscript_captions.json",
        List,
    ),
    (
        "pyfb_graph_ig_user_fields_profile.json",
        Fails(200, NOT_A_LIST),
    ),
    (
        "pyfb_graph_single_media_carousel_children.json",
        Fails(200, NOT_A_LIST),
    ),
    ("pyfb_graph_user_media_carousel_video_child.json", List),
    (
        "restfb_batch_response_with_headers.json",
        Fails(200, NOT_A_LIST),
    ),
    (
        "restfb_err_2500_igapiexception_unknown_path.json",
        Fails(400, &[&["unknown path", "2500"]]),
    ),
    (
        "restfb_err_alt_envelope_oauth_error_type.json",
        Fails(400, &[&["verification code", "400"]]),
    ),
    ("solrevdev_basic_me_media_25items.json", List),
    (
        "solrevdev_err_100_33_unsupported_get.json",
        Fails(400, &[&["unsupported get request", "100"]]),
    ),
    (
        "solrevdev_err_190_session_expired.json",
        Fails(400, F_TOKEN_EXPIRED),
    ),
];

fn is_api_error(expect: &Expect) -> bool {
    matches!(expect, Fails(status, _) if *status != 200)
}

fn is_list(expect: &Expect) -> bool {
    matches!(expect, List | Nested)
}

#[test]
fn api_samples_fixtures_are_all_classified() {
    assert_classified(&Corpus::fixtures(), FIXTURES);
}

#[test]
fn api_samples_media_lists_bake_every_post() {
    check_samples(&Corpus::fixtures(), FIXTURES, |expect| {
        matches!(expect, List)
    });
}

#[test]
fn api_samples_nested_media_lists_bake_every_post() {
    check_samples(&Corpus::fixtures(), FIXTURES, |expect| {
        matches!(expect, Nested)
    });
}

#[test]
fn api_samples_api_errors_fail_clearly_with_exit_3() {
    check_samples(&Corpus::fixtures(), FIXTURES, is_api_error);
}

#[test]
fn api_samples_that_are_not_media_lists_fail_clearly_with_exit_3() {
    check_samples(&Corpus::fixtures(), FIXTURES, |expect| {
        matches!(expect, Fails(200, _))
    });
}

// The shared corpus: only where ../shared/api-samples exists (`.ci/run` puts a copy beside its
// clone); elsewhere each test prints `SKIPPED: ...` and passes.

#[test]
fn api_samples_shared_corpus_is_all_classified() {
    let Some(corpus) = Corpus::shared("api_samples_shared_corpus_is_all_classified") else {
        return;
    };
    assert_classified(&corpus, SHARED_SAMPLES);
}

#[test]
fn api_samples_shared_corpus_media_lists_bake_every_post() {
    let Some(corpus) = Corpus::shared("api_samples_shared_corpus_media_lists_bake_every_post")
    else {
        return;
    };
    check_samples(&corpus, SHARED_SAMPLES, is_list);
}

#[test]
fn api_samples_shared_corpus_failures_fail_clearly_with_exit_3() {
    let Some(corpus) =
        Corpus::shared("api_samples_shared_corpus_failures_fail_clearly_with_exit_3")
    else {
        return;
    };
    check_samples(&corpus, SHARED_SAMPLES, |expect| {
        matches!(expect, Fails(..))
    });
}

/// The folder and the table name the same files.
fn assert_classified(corpus: &Corpus, table: &[(&str, Expect)]) {
    let files = corpus.json_files();
    let known: Vec<&str> = table.iter().map(|(name, _)| *name).collect();
    let unclassified: Vec<&String> = files
        .iter()
        .filter(|f| !known.contains(&f.as_str()))
        .collect();
    let gone: Vec<&&str> = known
        .iter()
        .filter(|k| !files.iter().any(|f| f == *k))
        .collect();
    assert!(
        unclassified.is_empty() && gone.is_empty(),
        "{} and its table disagree: unclassified {unclassified:?}, missing {gone:?}",
        corpus.dir().display()
    );
}

/// Run the selected samples, four at a time, and report every failure at once.
fn check_samples(corpus: &Corpus, table: &[(&str, Expect)], select: fn(&Expect) -> bool) {
    let selected: Vec<(&str, Expect)> = table.iter().copied().filter(|(_, e)| select(e)).collect();
    assert!(!selected.is_empty());
    let mut failures = Vec::new();
    for chunk in selected.chunks(4) {
        thread::scope(|scope| {
            let handles: Vec<_> = chunk
                .iter()
                .map(|&(name, expect)| {
                    let raw = corpus.read(name);
                    scope.spawn(move || check_sample(name, &raw, expect))
                })
                .collect();
            for handle in handles {
                if let Err(failure) = handle.join().expect("sample thread") {
                    failures.push(failure);
                }
            }
        });
    }
    assert!(
        failures.is_empty(),
        "{} of {} samples in {} failed:\n\n{}",
        failures.len(),
        selected.len(),
        corpus.dir().display(),
        failures.join("\n\n==========\n\n")
    );
}

fn check_sample(name: &str, raw: &str, expect: Expect) -> Result<(), String> {
    let body = support::samples::rewrite_media_urls(raw);
    let parsed: Value = serde_json::from_str(raw).map_err(|e| format!("{name}: not JSON: {e}"))?;
    // Where the posts are: at the top of a list, one or two levels down in a nested one.
    let list = match expect {
        List => parsed["data"].as_array(),
        Nested => parsed["media"]["data"]
            .as_array()
            .or_else(|| parsed["business_discovery"]["media"]["data"].as_array()),
        Fails(..) => None,
    };
    let items: Vec<Value> = list.cloned().unwrap_or_default();
    if matches!(expect, List | Nested) && !items.iter().any(bakeable) {
        return Err(format!(
            "{name} (expected {expect:?}): no post with something to bake where {expect:?} has \
             its posts: the table or the sample is wrong"
        ));
    }
    let status = match expect {
        Fails(status, _) => status,
        List | Nested => 200,
    };
    // The sample's pictures, smaller than the defaults: the size is not the point, and the
    // biggest sample has 36 posts.
    let mut scenario = Scenario::new()
        .jpeg("portrait.jpg", 432, 540)
        .jpeg("square.jpg", 400, 400)
        .jpeg("small.jpg", 320, 400)
        .png("graphic.png", 360, 360)
        .serve(Route::MediaList, status, &body);
    // Carousel children that come as ids only are fetched by id: answer with a picture each.
    for child in items.iter().flat_map(children) {
        if is_id_only(&child) {
            let id = child["id"].as_str().unwrap_or_default();
            let answer = serde_json::json!({
                "id": id,
                "media_type": "IMAGE",
                "media_url": format!("http://{}/media/c{id}/square.jpg?oh=00_child&oe=6553F1A0", fake_api::HOST_PLACEHOLDER),
            });
            scenario = scenario.serve(Route::Object(id.to_string()), 200, &answer.to_string());
        }
    }
    let fake = FakeApi::start(scenario);
    let site = support::site();
    let limit = items.len().max(1).to_string();
    let run = fake.run_build(site.path(), &["--limit", &limit]);
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| match expect {
        List | Nested => check_list_sample(&fake, site.path(), &run, &items),
        Fails(_, groups) => check_failure(&fake, site.path(), &run, groups),
    }));
    outcome.map_err(|panic| {
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "(panic without message)".into());
        format!("{name} (expected {expect:?}):\n{message}")
    })
}

fn check_failure(fake: &FakeApi, site: &Path, run: &support::Run, groups: &[&[&str]]) {
    run.assert_code(3).assert_no_panic();
    let stderr = run.stderr_lower();
    for group in groups {
        assert!(
            group.iter().any(|word| stderr.contains(word)),
            "stderr names none of {group:?}\n{run}"
        );
    }
    assert_no_feed_published(site);
    fake.assert_no_secret_or_cdn(site, run);
}

fn children(post: &Value) -> Vec<Value> {
    post["children"]["data"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// A carousel child the list call gave as its id only: fetched by id (and answered with a picture).
fn is_id_only(item: &Value) -> bool {
    item.get("media_type").is_none()
        && item.get("media_url").is_none()
        && item.get("thumbnail_url").is_none()
}

/// Something to bake: a picture, a video's poster, or a child fetched by id (answered with one).
/// A video without `thumbnail_url` has nothing to bake (its `media_url` is no picture).
fn bakeable(item: &Value) -> bool {
    match item["media_type"].as_str() {
        Some("IMAGE") => item.get("media_url").is_some(),
        Some("VIDEO") => item.get("thumbnail_url").is_some(),
        Some("CAROUSEL_ALBUM") => children(item).iter().any(bakeable),
        None => is_id_only(item),
        Some(_) => false,
    }
}

fn check_list_sample(fake: &FakeApi, site: &Path, run: &support::Run, items: &[Value]) {
    run.assert_success();
    let data = support::read_data(site);
    assert_eq!(data["schema"], 1);
    // Exactly the sample's posts that have something to bake, in its order: the others are left
    // out (with a warning), never baked empty.
    let baked = support::post_ids(&data);
    let expected: Vec<&str> = items
        .iter()
        .filter(|item| bakeable(item))
        .map(|item| item["id"].as_str().unwrap())
        .collect();
    assert_eq!(baked, expected, "baked posts\n{run}");
    // Links are plain URLs, also from a doubly escaped answer (`https:\/\/...`).
    for post in data["posts"].as_array().unwrap() {
        if let Some(link) = post["permalink"].as_str() {
            assert!(
                link.starts_with("https://www.instagram.com/") && !link.contains('\\'),
                "post {}: permalink {link:?}",
                post["id"]
            );
        }
    }
    for item in items.iter().filter(|item| bakeable(item)) {
        let id = item["id"].as_str().unwrap();
        let post = support::post(&data, id);
        let kind = match item["media_type"].as_str() {
            Some("IMAGE") => "image",
            Some("VIDEO") => "video",
            _ => "carousel",
        };
        assert_eq!(post["kind"], kind, "post {id}");
        // The caption as sent, escapes decoded; absent stays absent.
        assert_eq!(post["caption"], item["caption"], "post {id}: caption");
        let product = item["media_product_type"]
            .as_str()
            .map(|p| Value::from(p.to_lowercase()))
            .unwrap_or(Value::Null);
        assert_eq!(post["product"], product, "post {id}: product");
        // Every item with something to bake, in order: a carousel's bakeable children, else the
        // post itself.
        let media_expected: Vec<String> = if kind == "carousel" {
            children(item)
                .iter()
                .filter(|c| bakeable(c))
                .map(|c| c["id"].as_str().unwrap().to_string())
                .collect()
        } else {
            vec![id.to_string()]
        };
        assert_eq!(media_ids(post), media_expected, "post {id}: media");
    }
    assert_eq!(
        fake.media_list_requests().len(),
        1,
        "--limit was the sample's size: one page is enough"
    );
    assert_media_complete(site, &data);
    fake.assert_token_only_sent_to_api();
    fake.assert_no_secret_or_cdn(site, run);
    support::assert_html_refs_exist(site);
}
