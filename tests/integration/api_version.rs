//! The Graph API version: pinned by default (`api_version`), overridden by a base that carries its
//! own, and an older version or account type that does not know an optional field (code 100
//! "Tried accessing nonexisting field") costs that field, never the feed.

use std::fs;

use crate::support::{self, FakeApi, Post, Scenario};

fn posts() -> Vec<Post> {
    vec![
        Post::image("9601").alt("A cup of coffee on a wooden table"),
        Post::carousel(
            "9602",
            vec![
                Post::image("9603").media("small.jpg").alt("The roaster"),
                Post::image("9604").media("square.jpg"),
            ],
        )
        .product("FEED")
        .children_ids_only(),
        Post::video("9605").product("REELS"),
    ]
}

#[test]
fn requests_name_the_pinned_version_by_default_and_a_versioned_base_wins() {
    let fake = FakeApi::start(Scenario::new().posts(posts()));
    let site = support::site();

    fake.run_build(site.path(), &[]).assert_success();

    let paths: Vec<String> = fake.api_requests().iter().map(|r| r.path.clone()).collect();
    assert!(!paths.is_empty());
    for path in &paths {
        assert!(path.starts_with("/v26.0/"), "unpinned request {path}");
    }

    // The config moves it...
    fs::write(
        site.path().join("instabake.toml"),
        "api_version = \"v25.0\"\n",
    )
    .unwrap();
    fake.clear_requests();
    fake.run_build(site.path(), &[]).assert_success();
    for request in fake.api_requests() {
        assert!(request.path.starts_with("/v25.0/"), "{}", request.path);
    }

    // ...and a base that carries a version wins over it.
    fake.clear_requests();
    let base = format!("{}/v24.0", fake.base_url());
    support::run_build(site.path(), &[], &[("INSTABAKE_API_BASE", &base)]).assert_success();
    for request in fake.api_requests() {
        assert!(request.path.starts_with("/v24.0/"), "{}", request.path);
    }
}

#[test]
fn a_bad_api_version_is_a_configuration_error_naming_the_key() {
    let site = support::site();
    fs::write(site.path().join("instabake.toml"), "api_version = \"26\"\n").unwrap();

    let run = support::run_build(site.path(), &[], &[]);

    run.assert_code(2).assert_no_panic();
    assert!(run.stderr.contains("api_version = \"26\""), "{run}");
}

#[test]
fn an_unknown_optional_field_is_dropped_with_a_warning_and_the_feed_bakes() {
    let fake = FakeApi::start(Scenario::new().posts(posts()).unknown_fields(&["alt_text"]));
    let site = support::site();

    let run = fake.run_build(site.path(), &[]);

    run.assert_success().assert_no_panic();
    let data = support::read_data(site.path());
    assert_eq!(support::post_ids(&data), ["9601", "9602", "9605"]);
    let warning = run
        .stderr
        .lines()
        .find(|l| l.starts_with("warning:") && l.contains("does not know the field alt_text"))
        .unwrap_or_else(|| panic!("no warning names the dropped field:\n{run}"));
    // Only the field the API refused goes: the reels policy still has media_product_type.
    assert!(warning.ends_with("baking without alt_text"), "{warning}");
    assert_eq!(support::post(&data, "9605")["product"], "reels");
    // One refused list request, then one without the field; no child asks for it again.
    let lists = fake.media_list_requests();
    assert_eq!(lists.len(), 2, "{:#?}", fake.requests());
    assert!(lists[0].param("fields").unwrap().contains("alt_text"));
    for request in fake.api_requests().iter().skip(1) {
        let fields = request.param("fields").unwrap_or_default();
        assert!(
            !fields.contains("alt_text"),
            "asked again: {}",
            request.target
        );
    }
    // Alt text then comes from the caption, as for any post without one.
    let alt = support::post(&data, "9601")["media"][0]["alt"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        !alt.is_empty() && alt != "A cup of coffee on a wooden table",
        "{alt}"
    );
    support::assert_html_refs_exist(site.path());
    fake.assert_no_secret_or_cdn(site.path(), &run);
}

#[test]
fn a_version_that_knows_none_of_the_optional_fields_still_bakes() {
    let fake = FakeApi::start(Scenario::new().posts(posts()).unknown_fields(&[
        "alt_text",
        "media_product_type",
        "is_shared_to_feed",
    ]));
    let site = support::site();

    let run = fake.run_build(site.path(), &[]);

    run.assert_success().assert_no_panic();
    assert_eq!(
        support::post_ids(&support::read_data(site.path())),
        ["9601", "9602", "9605"]
    );
    for field in ["alt_text", "media_product_type", "is_shared_to_feed"] {
        assert!(
            run.stderr
                .lines()
                .any(|l| l.starts_with("warning:") && l.contains(&format!("field {field}"))),
            "no warning names {field}:\n{run}"
        );
    }
    assert_eq!(
        fake.media_list_requests().len(),
        4,
        "{:#?}",
        fake.requests()
    );
}
