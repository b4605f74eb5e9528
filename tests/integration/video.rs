//! Video files: off by default (the poster links to the post); with `[video] download = true` a
//! reel's file is baked beside its poster and plays from the site, within a size cap.

use std::fs;

use crate::support::{self, FakeApi, Post, Scenario};

fn reels() -> Vec<Post> {
    vec![Post::video("9301"), Post::video("9302").without_media_url()]
}

#[test]
fn videos_are_not_downloaded_by_default() {
    let fake = FakeApi::start(Scenario::new().posts(reels()));
    let site = support::site();

    fake.run_build(site.path(), &[]).assert_success();

    assert_eq!(fake.media_fetches("9301.mp4"), 0);
    let data = support::read_data(site.path());
    assert!(support::post(&data, "9301")["media"][0]["video"].is_null());
    let partial = fs::read_to_string(site.path().join(support::HUGO_PARTIAL)).unwrap();
    assert!(!partial.contains("<video"), "{partial}");
}

#[test]
fn with_download_on_a_reel_plays_from_the_site() {
    let fake = FakeApi::start(Scenario::new().posts(reels()));
    let site = support::site();
    fs::write(
        site.path().join("instabake.toml"),
        "[video]\ndownload = true\n",
    )
    .unwrap();

    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    let data = support::read_data(site.path());
    let video = &support::post(&data, "9301")["media"][0]["video"];
    let url = video["url"].as_str().expect("a baked video");
    assert!(
        url.starts_with("/instagram/") && url.ends_with(".mp4"),
        "{url}"
    );
    let file = site.path().join("static").join(url.trim_start_matches('/'));
    assert_eq!(
        fs::metadata(&file).unwrap().len(),
        video["bytes"].as_u64().unwrap()
    );
    // The reel without media_url keeps its poster, linked to the post.
    assert!(support::post(&data, "9302")["media"][0]["video"].is_null());
    let partial = fs::read_to_string(site.path().join(support::HUGO_PARTIAL)).unwrap();
    assert_eq!(partial.matches("<video").count(), 1, "{partial}");
    assert!(
        partial.contains(&format!("<source src=\"{url}\" type=\"video/mp4\">")),
        "{partial}"
    );
    support::assert_html_refs_exist(site.path());
    fake.assert_no_secret_or_cdn(site.path(), &run);

    // A rebuild downloads nothing, the video included.
    fake.clear_requests();
    fake.run_build(site.path(), &[]).assert_success();
    assert!(
        fake.media_requests().is_empty(),
        "{:#?}",
        fake.media_requests()
    );
}

#[test]
fn a_video_over_the_cap_is_left_as_its_poster() {
    let fake = FakeApi::start(Scenario::new().posts(reels()).file(
        "9301.mp4",
        &[&[0, 0, 0, 24][..], b"ftypisom", &vec![0u8; 2 << 20]].concat(),
        "video/mp4",
    ));
    let site = support::site();
    fs::write(
        site.path().join("instabake.toml"),
        "[video]\ndownload = true\nmax_mb = 1\n",
    )
    .unwrap();

    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    assert!(
        run.stderr.contains("9301") && run.stderr.contains("larger than 1 MiB"),
        "{run}"
    );
    let data = support::read_data(site.path());
    assert!(support::post(&data, "9301")["media"][0]["video"].is_null());
    support::assert_html_refs_exist(site.path());
}
