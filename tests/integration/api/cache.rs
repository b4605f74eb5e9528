//! The cache: a rebuild with nothing new downloads, decodes and encodes nothing and changes no
//! file; an expired token falls back to the last good bake with a warning (and fails under
//! `--strict`); `--offline` never calls the API.

use std::fs;

use crate::support::{self, FakeApi, Fault, Post, Route, Scenario};

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
    let (downloads, decodes, encodes) = support::media_work(&first);
    assert_eq!((downloads, decodes), (3, 3), "{first}");
    assert!(encodes >= 3 * 2, "{first}");
    let before = support::snapshot(&site.path().join("static"));
    let partial = fs::read(site.path().join(support::HUGO_PARTIAL)).unwrap();
    fake.clear_requests();

    let run = fake.run_build(site.path(), &["-v"]);

    run.assert_success();
    // Byte-identical files could also come from encoding everything again: the work counts show
    // that nothing was downloaded, decoded or encoded.
    assert_eq!(support::media_work(&run), (0, 0, 0), "{run}");
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
