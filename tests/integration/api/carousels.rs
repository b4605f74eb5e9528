//! Carousels: children that come as ids only are fetched by id, once each; children that come
//! expanded are not fetched again; every child is baked, in order.

use crate::support::{self, FakeApi, Post, Scenario};

use super::{assert_media_complete, media_ids, media_kinds};

#[test]
fn carousel_children_given_as_ids_only_are_fetched_and_all_baked() {
    let carousel = Post::carousel(
        "2000",
        vec![
            Post::image("2001"),
            Post::image("2002").media("2002.png"),
            Post::video("2003"),
        ],
    )
    .caption("Three of a kind")
    .children_ids_only();
    let fake = FakeApi::start(Scenario::new().posts(vec![carousel, Post::image("2100")]));
    let site = support::site();

    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    for child in ["2001", "2002", "2003"] {
        let fetched: Vec<_> = fake
            .requests()
            .into_iter()
            .filter(|r| r.object_id().as_deref() == Some(child))
            .collect();
        assert_eq!(
            fetched.len(),
            1,
            "child {child} must be fetched by id exactly once: {:#?}",
            fake.requests()
        );
        let fields = fetched[0].param("fields").unwrap_or_default();
        assert!(
            fields.contains("media_url") && fields.contains("thumbnail_url"),
            "child {child} fields: {fields:?}"
        );
    }
    let data = support::read_data(site.path());
    assert_eq!(support::post_ids(&data), ["2000", "2100"]);
    let album = support::post(&data, "2000");
    assert_eq!(album["kind"], "carousel");
    assert_eq!(
        media_ids(album),
        ["2001", "2002", "2003"],
        "every child baked, in order"
    );
    assert_eq!(media_kinds(album), ["image", "image", "video"]);
    assert!(
        fake.media_fetches("2003-poster.jpg") >= 1,
        "the video child's poster was not downloaded"
    );
    assert_media_complete(site.path(), &data);
    fake.assert_token_only_sent_to_api();
    fake.assert_no_secret_or_cdn(site.path(), &run);
    support::assert_html_refs_exist(site.path());
}

#[test]
fn expanded_carousel_children_need_no_extra_calls() {
    let carousel = Post::carousel(
        "2200",
        vec![Post::image("2201"), Post::image("2202").media("square.jpg")],
    );
    let fake = FakeApi::start(Scenario::new().posts(vec![carousel]));
    let site = support::site();

    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    let objects: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.object_id().is_some())
        .collect();
    assert!(
        objects.is_empty(),
        "children came expanded, yet fetched by id: {objects:#?}"
    );
    let data = support::read_data(site.path());
    assert_eq!(media_ids(support::post(&data, "2200")), ["2201", "2202"]);
    assert_media_complete(site.path(), &data);
}
