//! Every API response shape, served as the `/me/media` answer: the project's own fixtures
//! (`tests/fixtures/api`) always, and the captured real responses in `../shared/api-samples` where
//! that folder exists. Each sample is classified in a table (a media list, a nested one, or a
//! failure and the words its error must show), and the binary must handle it that way; a sample
//! missing from its table fails the `*_are_all_classified` / `*_is_all_classified` test.

use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::thread;

use serde_json::Value;

use crate::support::fake_api;
use crate::support::samples::Corpus;
use crate::support::{self, FakeApi, Route, Scenario};

use super::{assert_media_complete, assert_no_feed_published, media_ids};
use Expect::{Fails, List, Nested};

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
            .or_else(|| {
                panic
                    .downcast_ref::<&str>()
                    .map(std::string::ToString::to_string)
            })
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
            .map_or(Value::Null, |p| Value::from(p.to_lowercase()));
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
