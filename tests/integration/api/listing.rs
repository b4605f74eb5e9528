//! Paging through `/me/media`: every page followed in order up to `--limit` and not one request
//! further, and a `next` URL, versioned or written the way the real API writes it, followed on the
//! API base with our own token and fields.

use crate::support::fake_api;
use crate::support::{self, FakeApi, Post, Route, Scenario, TOKEN};

use super::ids;

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
