//! Checks of the fake server's own logic (they run inside the integration test binary): if these
//! fail, fix the fake first.

use super::listing::{decode_cursor, encode_cursor, parse_fields};
use super::routes::{normalize_path, target_of, Target};
use super::scenario::timestamp_hours_before;

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
