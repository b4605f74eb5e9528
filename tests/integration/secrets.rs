//! The token never leaks: every fault scenario, with and without a cache, at the highest verbosity,
//! with and without GitHub Actions, and then every file under the site (cache included) and every
//! line printed is searched for it.

use crate::support::{self, FakeApi, Fault, Post, Route, Run, Scenario};

/// The exit codes of a scenario's three fault runs, as the README's "What happens when ..." table
/// gives them: the first bake (no cache yet), a bake with a cache, and `--strict` with a cache.
type Codes = [i32; 3];
/// An API fault: exit 3 without a cache, the cached feed (0) with one, 3 under `--strict`.
const API_FAULT: Codes = [3, 0, 3];
/// Every download fails: nothing to bake at first (3); once the originals are cached the API is
/// fine and nothing needs downloading (0), `--strict` or not.
const MEDIA_FAULT: Codes = [3, 0, 0];

/// Every fault the fake server can inject, on the route where it matters, with its exit codes.
fn scenarios() -> Vec<(&'static str, Route, Fault, Codes)> {
    let echo = format!(
        r#"{{"error":{{"message":"Invalid OAuth access token - Cannot parse access token: {}","type":"OAuthException","code":190,"fbtrace_id":"AKx"}}}}"#,
        support::TOKEN
    );
    let odd_next = format!(
        r#"{{"data":[{{"id":"9801","media_type":"IMAGE","media_url":"http://{host}/media/9801.jpg"}}],"paging":{{"next":"http://elsewhere.invalid/me/media?access_token={token}&after=X"}}}}"#,
        host = support::fake_api::HOST_PLACEHOLDER,
        token = support::TOKEN
    );
    vec![
        ("API HTML 500", Route::AnyApi, Fault::Html500, API_FAULT),
        ("API garbage", Route::AnyApi, Fault::Garbage, API_FAULT),
        ("API truncated", Route::AnyApi, Fault::Truncated, API_FAULT),
        (
            "API connection closed",
            Route::AnyApi,
            Fault::Close,
            API_FAULT,
        ),
        (
            "token expired",
            Route::AnyApi,
            Fault::expired_token(),
            API_FAULT,
        ),
        (
            "rate limited",
            Route::AnyApi,
            Fault::rate_limited(),
            API_FAULT,
        ),
        (
            "429 with Retry-After",
            Route::AnyApi,
            Fault::raw(429, "slow down").with_header("Retry-After", "1"),
            API_FAULT,
        ),
        (
            "error echoing the token",
            Route::AnyApi,
            Fault::raw(400, &echo),
            API_FAULT,
        ),
        (
            "next link carrying the token elsewhere",
            Route::MediaList,
            Fault::raw(200, &odd_next),
            // The link is followed on our own API base, answers the same page, and paging stops
            // at the loop: post 9801 is baked every time.
            [0, 0, 0],
        ),
        (
            "media 403",
            Route::AnyMediaFile,
            Fault::Forbidden,
            MEDIA_FAULT,
        ),
        (
            "media truncated",
            Route::AnyMediaFile,
            Fault::Truncated,
            MEDIA_FAULT,
        ),
        (
            "media not an image",
            Route::AnyMediaFile,
            Fault::NotAnImage,
            MEDIA_FAULT,
        ),
        (
            "media connection closed",
            Route::AnyMediaFile,
            Fault::Close,
            MEDIA_FAULT,
        ),
    ]
}

/// The run as a user would read it: under GitHub Actions the first stderr line is the mask
/// registration, which the runner consumes and never shows (stdout is left to a command's data).
fn as_shown(run: &Run, github: bool) -> Run {
    let mut shown = run.clone();
    if github {
        let mask = format!("::add-mask::{}\n", support::TOKEN);
        assert!(
            run.stderr.starts_with(&mask),
            "the token must be masked before anything is printed:\n{run}"
        );
        assert!(!run.stdout.contains("::add-mask::"), "{run}");
        shown.stderr = run.stderr.replacen(&mask, "", 1);
    }
    shown
}

/// The whole check for one scenario: a first bake into the fault, a good bake, the fault again
/// (the fallback path), and `--strict`.
fn check_scenario(name: &str, route: Route, fault: Fault, codes: Codes, github: bool) {
    let env: &[(&str, &str)] = if github {
        &[("GITHUB_ACTIONS", "true")]
    } else {
        &[]
    };
    let posts = vec![Post::image("9801"), Post::image("9802").media("small.jpg")];
    let fake = FakeApi::start(
        Scenario::new()
            .posts(posts)
            .fail(route.clone(), fault.clone()),
    );
    let site = support::site();
    let check = |run: &Run, when: &str, code: i32| {
        assert_eq!(
            run.code,
            Some(code),
            "{name} ({when}, github {github}): unexpected exit code\n{run}"
        );
        run.assert_no_panic();
        let shown = as_shown(run, github);
        assert!(
            !shown.stdout.contains(support::TOKEN) && !shown.stderr.contains(support::TOKEN),
            "{name} ({when}, github {github}): the token was printed:\n{run}"
        );
        fake.assert_no_secret_or_cdn(site.path(), &shown);
    };

    // No cache yet: the fault hits a first bake.
    let first = fake.run_build_env(site.path(), &["-v"], env);
    check(&first, "first bake", codes[0]);
    // A good bake, then the fault again: the fallback path.
    fake.clear_faults();
    fake.run_build_env(site.path(), &["-v"], env)
        .assert_success();
    fake.add_fault(route, fault, None);
    let fallback = fake.run_build_env(site.path(), &["-v"], env);
    check(&fallback, "with a cache", codes[1]);
    let strict = fake.run_build_env(site.path(), &["-v", "--strict"], env);
    check(&strict, "--strict", codes[2]);
}

#[test]
fn no_fault_scenario_leaks_the_token_anywhere() {
    // The scenarios mostly wait (retry backoff), so they run side by side.
    std::thread::scope(|scope| {
        for github in [false, true] {
            for (name, route, fault, codes) in scenarios() {
                scope.spawn(move || check_scenario(name, route, fault, codes, github));
            }
        }
    });
}
