//! Downloads from the media host: they run ahead of the encoding, eight at once at most, and a
//! picture that cannot be had (a 403, a truncated file, a page instead of an image) leaves its post
//! out with a warning, never a broken reference.

use std::time::Duration;

use crate::support::{self, FakeApi, Fault, Post, Route, Scenario};

use super::assert_media_complete;

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
