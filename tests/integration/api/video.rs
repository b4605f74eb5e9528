//! Videos: a video's poster is baked whether or not the API gives the video's `media_url` (a reel
//! with licensed audio comes without one), and a video without one links to its permalink.

use crate::support::{self, FakeApi, Post, Scenario};

use super::{assert_media_complete, media_kinds};

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
