//! What a bake writes: the data file (schema 1, the account, every variant of every picture, in
//! both formats and never upscaled), captions with their hashtags and mentions (escaped in the
//! partial), and no file that holds the token or a media URL, even with `-v`.

use std::fs;

use crate::support::fake_api;
use crate::support::{self, FakeApi, Post, Scenario};

use super::assert_media_complete;

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
