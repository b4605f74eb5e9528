//! Checks of the fake server's own logic (they run inside the integration test binary): if these
//! fail, fix the fake first.

use super::listing::{decode_cursor, encode_cursor, parse_fields};
use super::routes::{normalize_path, target_of, Target};
use super::scenario::timestamp_hours_before;
use crate::support::{self, FakeApi, Fault, Post, Route, Scenario, TOKEN};

#[test]
fn fake_api_cursors_fields_paths_and_timestamps() {
    for offset in [0, 1, 5, 123] {
        assert_eq!(decode_cursor(&encode_cursor(offset)), Some(offset));
    }
    assert_eq!(decode_cursor("bogus"), None);
    let fields = parse_fields("id,caption,children{id,media_type,media_url},timestamp").unwrap();
    assert_eq!(fields.len(), 4);
    assert_eq!(fields[2].name, "children");
    assert_eq!(fields[2].sub.as_ref().unwrap().len(), 3);
    assert_eq!(
        parse_fields("children.limit(5){id}").unwrap()[0].name,
        "children"
    );
    assert!(parse_fields("children{id").is_err());
    assert_eq!(normalize_path("/v25.0/me/media"), "/me/media");
    assert_eq!(
        normalize_path("//media//s0//clip.mp4"),
        "/media/s0/clip.mp4"
    );
    assert_eq!(target_of("/17841400000000001/media"), Target::MediaList);
    assert_eq!(target_of("/123"), Target::Object("123".into()));
    assert_eq!(
        target_of("/media/v/x/a.jpg"),
        Target::MediaFile("a.jpg".into())
    );
    assert_eq!(timestamp_hours_before(0), "2026-11-20T12:00:00+0000");
    assert_eq!(timestamp_hours_before(13), "2026-11-19T23:00:00+0000");
    assert_eq!(timestamp_hours_before(36), "2026-11-19T00:00:00+0000");
}

#[test]
fn fake_api_pages_like_the_real_api() {
    let posts = (1..=7).map(|i| Post::image(&format!("10{i}"))).collect();
    let fake = FakeApi::start(Scenario::new().posts(posts).page_size(3));
    let fields = "id,caption,media_type,media_url,children%7Bid,media_type,media_url%7D";
    let first = format!(
        "{}/me/media?fields={fields}&limit=50&access_token={TOKEN}",
        fake.base_url()
    );
    let (status, page) = support::http_get_json(&first);
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["data"].as_array().unwrap().len(), 3);
    assert!(
        page["data"][0].get("caption").is_none(),
        "caption must be absent, not null"
    );
    let next = page["paging"]["next"].as_str().unwrap().to_string();
    assert!(
        next.starts_with(&format!("{}/me/media?", fake.base_url())),
        "{next}"
    );
    assert!(next.contains(&format!("access_token={TOKEN}")), "{next}");
    let (_, page2) = support::http_get_json(&next);
    let (_, page3) = support::http_get_json(page2["paging"]["next"].as_str().unwrap());
    assert_eq!(page3["data"].as_array().unwrap().len(), 1);
    assert_eq!(page3["data"][0]["id"], "107");
    assert!(page3["paging"].get("next").is_none(), "{page3}");
    assert!(page3["paging"]["cursors"]["after"].is_string());
    // The media URL is served, without a token.
    let media = page["data"][0]["media_url"].as_str().unwrap();
    let (status, bytes) = support::http_get(media);
    assert_eq!(status, 200);
    let picture = image::load_from_memory(&bytes).unwrap();
    assert_eq!((picture.width(), picture.height()), (1080, 1350));
    assert_eq!(fake.media_list_requests().len(), 3);
    fake.assert_token_only_sent_to_api();
}

#[test]
fn fake_api_children_ids_only_errors_and_faults() {
    let carousel = Post::carousel(
        "300",
        vec![Post::image("301"), Post::video("302").without_media_url()],
    )
    .children_ids_only();
    let fake = FakeApi::start(
        Scenario::new()
            .posts(vec![carousel])
            .fail(Route::MediaFile("301.jpg".into()), Fault::Forbidden)
            .fail_times(Route::Me, Fault::Html500, 1),
    );
    let base = fake.base_url();
    let (_, page) = support::http_get_json(&format!(
        "{base}/me/media?fields=id,children%7Bid,media_url%7D&access_token={TOKEN}"
    ));
    assert_eq!(
        page["data"][0]["children"]["data"][1],
        serde_json::json!({"id": "302"})
    );
    let (_, child) = support::http_get_json(&format!(
        "{base}/v25.0/302?fields=id,media_type,media_url,thumbnail_url&access_token={TOKEN}"
    ));
    assert_eq!(child["media_type"], "VIDEO");
    assert!(child.get("media_url").is_none(), "{child}");
    assert!(child["thumbnail_url"].as_str().unwrap().contains("/media/"));
    let (status, error) =
        support::http_get_json(&format!("{base}/me/media?fields=id&access_token=wrong"));
    assert_eq!((status, error["error"]["code"].as_u64()), (400, Some(190)));
    let (status, error) = support::http_get_json(&format!(
        "{base}/me/media?fields=id,bogus&access_token={TOKEN}"
    ));
    assert_eq!((status, error["error"]["code"].as_u64()), (400, Some(100)));
    let (status, body) = support::http_get(&fake.media_url("301.jpg"));
    assert_eq!(
        (status, body.as_slice()),
        (403, &b"URL signature expired"[..])
    );
    let (status, _) = support::http_get(&format!("{base}/me?access_token={TOKEN}"));
    assert_eq!(status, 500);
    let (status, _) = support::http_get(&format!("{base}/me?access_token={TOKEN}"));
    assert_eq!(status, 200, "the 500 was injected once only");
}
