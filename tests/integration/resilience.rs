//! How a bake behaves when Instagram throttles or asks to wait: `Retry-After` is honoured when it
//! is short, throttling and final errors are never hammered, a used-up quota stops further
//! requests, and under GitHub Actions every fallback is an annotation.

use std::time::Duration;

use crate::support::{self, FakeApi, Fault, Post, Route, Scenario};

fn two_posts() -> Vec<Post> {
    vec![Post::image("9301"), Post::image("9302").media("small.jpg")]
}

/// A fake API and a site that has been baked from it once.
fn baked_once(posts: Vec<Post>) -> (FakeApi, tempfile::TempDir) {
    let fake = FakeApi::start(Scenario::new().posts(posts));
    let site = support::site();
    fake.run_build(site.path(), &[]).assert_success();
    fake.clear_requests();
    (fake, site)
}

#[test]
fn a_short_retry_after_is_waited_for_then_the_bake_goes_on() {
    let fake = FakeApi::start(
        Scenario::new().posts(two_posts()).fail_times(
            Route::MediaList,
            Fault::raw(
                503,
                r#"{"error":{"message":"Service unavailable","code":2}}"#,
            )
            .with_header("Retry-After", "2"),
            1,
        ),
    );
    let site = support::site();

    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    let list = fake.media_list_requests();
    assert_eq!(list.len(), 2, "{:#?}", fake.requests());
    let waited = list[1].at - list[0].at;
    assert!(
        waited >= Duration::from_millis(1900),
        "retried after {waited:?}, before the 2 s the server asked for"
    );
    assert_eq!(
        support::post_ids(&support::read_data(site.path())),
        ["9301", "9302"]
    );
}

#[test]
fn a_long_retry_after_falls_back_to_the_cache_without_waiting() {
    let (fake, site) = baked_once(two_posts());
    fake.add_fault(
        Route::MediaList,
        Fault::raw(503, "<html><body>Service Unavailable</body></html>")
            .with_header("Retry-After", "3600"),
        None,
    );

    let started = std::time::Instant::now();
    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(
        fake.media_list_requests().len(),
        1,
        "{:#?}",
        fake.requests()
    );
    assert!(run.stderr.contains("warning:"), "{run}");
    let data = support::read_data(site.path());
    assert_eq!(data["source"], "cache");
    assert_eq!(support::post_ids(&data), ["9301", "9302"]);
    support::assert_html_refs_exist(site.path());
}

/// A first bake against an API that answers every request with `fault`: it must fail (exit 3)
/// after exactly one request. Returns the run and the site.
fn fails_after_one_request(fault: Fault, name: &str) -> (support::Run, tempfile::TempDir) {
    let fake = FakeApi::start(
        Scenario::new()
            .posts(two_posts())
            .fail(Route::AnyApi, fault),
    );
    let site = support::site();
    let run = fake.run_build(site.path(), &[]);
    run.assert_code(3).assert_no_panic();
    assert_eq!(
        fake.api_requests().len(),
        1,
        "{name}: the request was sent again: {:#?}",
        fake.requests()
    );
    (run, site)
}

#[test]
fn throttling_is_never_hammered() {
    let throttles = [
        ("code 4", Fault::rate_limited()),
        (
            "code 17",
            Fault::api_error(400, 17, "(#17) User request limit reached"),
        ),
        (
            "code 32",
            Fault::api_error(400, 32, "(#32) Page request limit reached"),
        ),
        (
            "code 613",
            Fault::api_error(400, 613, "Calls to this api have exceeded the rate limit."),
        ),
        (
            "code 80002",
            Fault::api_error(
                400,
                80002,
                "There have been too many calls to this Instagram account.",
            ),
        ),
        ("HTTP 429", Fault::raw(429, "Too Many Requests")),
    ];
    for (name, fault) in throttles {
        let (run, site) = fails_after_one_request(fault, name);
        let stderr = run.stderr_lower();
        assert!(
            stderr.contains("rate limit") || stderr.contains("too many"),
            "{name}: the message should say it is throttling:\n{run}"
        );
        assert!(
            support::files_under(site.path()).is_empty(),
            "{name}: the site was touched"
        );
    }
}

#[test]
fn final_errors_are_never_retried() {
    let finals = [
        (
            190,
            "Error validating access token: The session has been invalidated.",
        ),
        (10, "Application does not have permission for this action"),
        (100, "(#100) The parameter after is invalid"),
        (200, "Permissions error"),
        (250, "Permissions error"),
        (299, "Permissions error"),
    ];
    for (code, message) in finals {
        // Even with a Retry-After and is_transient, these answers are final.
        let fault = Fault::json(
            400,
            &serde_json::json!({"error": {
                "message": message, "type": "OAuthException", "code": code,
                "is_transient": true, "fbtrace_id": "Ab12"
            }}),
        )
        .with_header("Retry-After", "1");
        let (run, _site) = fails_after_one_request(fault, &format!("code {code}"));
        assert!(run.stderr.contains(&format!("code {code}")), "{run}");
    }
}

#[test]
fn a_used_up_quota_stops_further_requests() {
    let posts: Vec<Post> = (1..=5).map(|i| Post::image(&format!("940{i}"))).collect();
    let fake = FakeApi::start(Scenario::new().posts(posts).page_size(2).usage_header(Some(
        r#"{"call_count":100,"total_cputime":3,"total_time":5}"#,
    )));
    let site = support::site();

    let run = fake.run_build(site.path(), &[]);

    // Page 1 said the quota is used up: page 2 is never asked for, and a partial feed is not
    // published.
    run.assert_code(3).assert_no_panic();
    assert_eq!(
        fake.media_list_requests().len(),
        1,
        "{:#?}",
        fake.requests()
    );
    assert!(run.stderr_lower().contains("rate limit"), "{run}");
    assert!(support::files_under(site.path()).is_empty());
}

#[test]
fn a_nearly_used_up_quota_warns_and_is_not_spent_on_retries() {
    let fake = FakeApi::start(Scenario::new().posts(two_posts()).usage_header(Some(
        r#"{"call_count":95,"total_cputime":3,"total_time":5}"#,
    )));
    let site = support::site();
    let run = fake.run_build(site.path(), &[]);
    run.assert_success();
    assert!(
        run.stderr.contains("95%"),
        "the usage should be reported:\n{run}"
    );

    // With 95% used, a transient failure is not retried: the cache answers.
    fake.clear_requests();
    fake.add_fault(Route::MediaList, Fault::Html500, None);
    let run = fake.run_build(site.path(), &[]);
    run.assert_success();
    assert_eq!(
        fake.media_list_requests().len(),
        1,
        "{:#?}",
        fake.requests()
    );
    assert_eq!(support::read_data(site.path())["source"], "cache");
}

#[test]
fn under_github_actions_a_fallback_is_a_warning_annotation_and_the_token_is_masked_first() {
    let (fake, site) = baked_once(two_posts());
    fake.add_fault(Route::AnyApi, Fault::expired_token(), None);

    let run = fake.run_build_env(site.path(), &[], &[("GITHUB_ACTIONS", "true")]);

    run.assert_success();
    let mask = format!("::add-mask::{}", support::TOKEN);
    assert!(
        run.stderr.starts_with(&mask),
        "the token must be masked before anything is printed:\n{run}"
    );
    let warning = run
        .stderr
        .lines()
        .find(|l| l.starts_with("::warning"))
        .unwrap_or_else(|| panic!("no ::warning annotation:\n{run}"));
    assert!(warning.contains("access token"), "{warning}");
    assert!(warning.contains("cache"), "{warning}");
    // An annotation is one line: newlines in the message are escaped.
    assert!(!warning.contains('\r'));
    // Outside the mask line, the token is nowhere.
    let printed = format!("{}{}", run.stdout, run.stderr.replacen(&mask, "", 1));
    assert!(!printed.contains(support::TOKEN), "{run}");

    let strict = fake.run_build_env(site.path(), &["--strict"], &[("GITHUB_ACTIONS", "true")]);
    strict.assert_code(3);
    assert!(
        strict.stderr.lines().any(|l| l.starts_with("::error")),
        "--strict under GitHub Actions ends with an ::error annotation:\n{strict}"
    );
}

#[test]
fn paging_that_loops_is_cut_off_and_repeats_no_post() {
    // Every page answers the same post and a `next` link back to itself.
    let page = format!(
        r#"{{"data":[{{"id":"9601","media_type":"IMAGE","media_url":"http://{host}/media/9601.jpg","permalink":"https://www.instagram.com/p/LOOP/","timestamp":"2026-11-20T10:15:00+0000"}}],"paging":{{"cursors":{{"after":"QVFI"}},"next":"http://{host}/me/media?after=QVFI"}}}}"#,
        host = support::fake_api::HOST_PLACEHOLDER
    );
    let fake = FakeApi::start(Scenario::new().posts(vec![Post::image("9601")]).serve(
        Route::MediaList,
        200,
        &page,
    ));
    let site = support::site();

    let run = fake.run_build(site.path(), &["--limit", "5"]);

    run.assert_success();
    assert_eq!(
        fake.media_list_requests().len(),
        2,
        "{:#?}",
        fake.requests()
    );
    assert!(run.stderr.contains("loop"), "{run}");
    assert_eq!(
        support::post_ids(&support::read_data(site.path())),
        ["9601"]
    );
}

#[test]
fn a_post_whose_media_cannot_be_had_is_left_out_with_a_warning_naming_it() {
    let posts = vec![
        Post::image("9701"),
        Post::image("9702"),
        Post::image("9703"),
        Post::image("9704"),
        Post::image("9705"),
        Post::image("9706").media("small.jpg"),
    ];
    let fake = FakeApi::start(
        Scenario::new()
            .posts(posts)
            .fail(Route::MediaFile("9702.jpg".into()), Fault::Forbidden)
            .fail(Route::MediaFile("9703.jpg".into()), Fault::Truncated)
            .fail(Route::MediaFile("9704.jpg".into()), Fault::NotAnImage)
            .fail(
                Route::MediaFile("9705.jpg".into()),
                Fault::raw(404, "Not Found"),
            ),
    );
    let site = support::site();

    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    let data = support::read_data(site.path());
    assert_eq!(support::post_ids(&data), ["9701", "9706"]);
    for (id, why) in [
        ("9702", "403"),
        ("9703", "broke off"),
        ("9704", "not an image"),
        ("9705", "404"),
    ] {
        let line = run
            .stderr
            .lines()
            .find(|l| l.contains("warning") && l.contains(&format!("post {id}")))
            .unwrap_or_else(|| panic!("no warning names post {id}:\n{run}"));
        assert!(line.to_lowercase().contains(why), "{line}");
    }
    support::assert_html_refs_exist(site.path());
    fake.assert_no_secret_or_cdn(site.path(), &run);
}

#[test]
fn expired_media_urls_do_not_matter_once_the_originals_are_cached() {
    let (fake, site) = baked_once(two_posts());
    // Every signed URL has expired, and the widths change: the cached originals serve.
    fake.add_fault(Route::AnyMediaFile, Fault::Forbidden, None);
    std::fs::write(
        site.path().join("instabake.toml"),
        "preset = \"hugo\"\n[images]\nwidths = [300, 600]\n",
    )
    .unwrap();

    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    assert!(fake.media_requests().is_empty());
    assert!(!run.stderr.contains("warning"), "{run}");
    let data = support::read_data(site.path());
    assert_eq!(support::post_ids(&data), ["9301", "9302"]);
    support::assert_html_refs_exist(site.path());
}

#[test]
fn an_api_that_times_out_or_cannot_be_reached_gives_the_cached_feed_and_its_age() {
    let (fake, site) = baked_once(two_posts());
    std::fs::write(
        site.path().join("instabake.toml"),
        "preset = \"hugo\"\ntimeout = \"1s\"\n",
    )
    .unwrap();
    fake.add_fault(Route::MediaList, Fault::Slow(Duration::from_secs(5)), None);

    let started = std::time::Instant::now();
    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    assert!(run.stderr_lower().contains("timed out"), "{run}");
    assert!(
        run.stderr.contains("hours ago"),
        "the warning says how old the feed is:\n{run}"
    );
    assert_eq!(support::read_data(site.path())["source"], "cache");

    // Nothing listening at all.
    let run = support::run_build(site.path(), &[], &[]);
    run.assert_success();
    assert!(run.stderr_lower().contains("could not connect"), "{run}");
    assert_eq!(support::read_data(site.path())["source"], "cache");
    support::assert_html_refs_exist(site.path());
}

/// A 200 `image/jpeg` answer with these bytes.
fn image_body(bytes: Vec<u8>) -> Fault {
    Fault::Raw {
        status: 200,
        content_type: "image/jpeg".to_string(),
        headers: Vec::new(),
        body: bytes,
    }
}

#[test]
fn an_original_that_did_not_decode_is_not_kept_and_bakes_when_a_good_file_comes() {
    // Bodies that pass the download's sniffing (they start like a JPEG and a PNG) but do not
    // decode: a corrupt JPEG and a PNG cut short.
    let mut corrupt_jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
    corrupt_jpeg.extend(std::iter::repeat_n(0x5A, 4000));
    let png = support::images::png(300, 300, 11);
    let cut_png = png[..png.len() / 3].to_vec();
    let posts = vec![
        Post::image("9801"),
        Post::image("9802").media("small.jpg"),
        Post::image("9803").media("graphic.png"),
    ];
    let fake = FakeApi::start(
        Scenario::new()
            .posts(posts)
            .fail_times(
                Route::MediaFile("small.jpg".into()),
                image_body(corrupt_jpeg),
                1,
            )
            .fail_times(
                Route::MediaFile("graphic.png".into()),
                image_body(cut_png),
                1,
            ),
    );
    let site = support::site();

    let first = fake.run_build(site.path(), &[]);

    first.assert_success().assert_no_panic();
    assert_eq!(
        support::post_ids(&support::read_data(site.path())),
        ["9801"]
    );
    for id in ["9802", "9803"] {
        assert!(
            first
                .stderr
                .lines()
                .any(|l| l.starts_with("warning:") && l.contains(&format!("post {id}"))),
            "no warning names post {id}:\n{first}"
        );
    }
    let originals = site.path().join(support::CACHE_DIR).join("originals");
    assert!(originals.join("9801").is_file());
    for id in ["9802", "9803"] {
        assert!(
            !originals.join(id).exists(),
            "the original of {id} did not decode, yet it was kept"
        );
    }

    // Instagram serves good files now: they are downloaded again and baked.
    fake.clear_requests();
    let second = fake.run_build(site.path(), &[]);

    second.assert_success().assert_no_panic();
    assert_eq!(
        support::post_ids(&support::read_data(site.path())),
        ["9801", "9802", "9803"]
    );
    assert_eq!(fake.media_fetches("small.jpg"), 1, "{:#?}", fake.requests());
    assert_eq!(
        fake.media_fetches("graphic.png"),
        1,
        "{:#?}",
        fake.requests()
    );
    assert_eq!(fake.media_fetches("9801.jpg"), 0, "a good original is kept");
    support::assert_html_refs_exist(site.path());
}

#[test]
fn a_throttled_download_waits_as_long_as_the_media_host_asks() {
    let fake = FakeApi::start(Scenario::new().posts(two_posts()).fail_times(
        Route::MediaFile("small.jpg".into()),
        Fault::raw(429, "slow down").with_header("Retry-After", "2"),
        1,
    ));
    let site = support::site();

    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    assert_eq!(
        support::post_ids(&support::read_data(site.path())),
        ["9301", "9302"]
    );
    let tries: Vec<_> = fake
        .media_requests()
        .into_iter()
        .filter(|r| r.media_name().as_deref() == Some("small.jpg"))
        .collect();
    assert_eq!(tries.len(), 2, "{:#?}", fake.requests());
    let waited = tries[1].at - tries[0].at;
    assert!(
        waited >= Duration::from_millis(1900),
        "downloaded again after {waited:?}, before the 2 s the host asked for"
    );
}

#[test]
fn an_expired_media_url_is_not_asked_for_again() {
    let fake = FakeApi::start(
        Scenario::new()
            .posts(two_posts())
            .fail(Route::MediaFile("small.jpg".into()), Fault::Forbidden),
    );
    let site = support::site();

    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    assert_eq!(fake.media_fetches("small.jpg"), 1, "{:#?}", fake.requests());
}

#[test]
fn a_server_error_is_reported_as_one_not_as_an_unreachable_api() {
    let fake = FakeApi::start(
        Scenario::new()
            .posts(two_posts())
            .fail(Route::MediaList, Fault::Html500),
    );
    let site = support::site();

    let run = fake.run_build(site.path(), &[]);

    run.assert_code(3).assert_no_panic();
    assert!(
        run.stderr
            .contains("failed to answer the media list: HTTP 500"),
        "{run}"
    );
    assert!(!run.stderr.contains("could not reach"), "{run}");
    // A 5xx is transient: asked three times in all.
    assert_eq!(
        fake.media_list_requests().len(),
        3,
        "{:#?}",
        fake.requests()
    );
}
