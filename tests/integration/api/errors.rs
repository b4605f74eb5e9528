//! When the API fails. Token errors (expired, invalidated, wrong, missing) exit 3 and say which;
//! a transient failure (an HTML 500, a dropped or truncated answer) is retried, a lasting one a few
//! times only and a permanent one never; garbage instead of JSON is a clear error and a slow answer
//! is waited for. A failed first run publishes no feed.

use std::time::Duration;

use crate::support::{self, FakeApi, Fault, Post, Route, Scenario};

use super::{assert_no_feed_published, ids};

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
