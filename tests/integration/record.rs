//! `instabake record DIR`: the live feed written as a replay folder, scrubbed of the token,
//! paging URLs and CDN URLs. Recorded from the fake API, then baked twice with the same config,
//! once live and once with `--replay DIR`: the images and the partial are byte for byte the same,
//! and the data file differs only in `source` and `fetched_at`. A failing API leaves no folder;
//! a folder in the way is refused; `--account` records one of several accounts; and a recording
//! that would leak fails instead of being kept.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{self, Account, FakeApi, Fault, Post, Route, Run, Scenario};

/// The profile with its header, video files, and a pin beyond the pages the limit reads.
const CONFIG: &str = "preset = \"hugo\"\nlimit = 4\n\n\
                      [account]\nprofile = true\ncounts = true\n\n\
                      [render]\nheader = true\n\n\
                      [video]\ndownload = true\n\n\
                      [filter]\npin = [\"107\"]\n";

/// Pages of two: an image, a carousel (its children given as ids only, fetched one by one), a
/// video, a PNG, a reel, another image, and the pinned 107 that the limit does not reach.
fn scenario() -> Scenario {
    Scenario::new()
        .generated_size(400, 500)
        .page_size(2)
        .posts(vec![
            Post::image("101")
                .caption("First loaf #bread")
                .alt("A loaf"),
            Post::carousel("102", vec![Post::image("1021"), Post::video("1022")])
                .children_ids_only()
                .caption("Two things"),
            Post::video("103").caption("A clip"),
            Post::image("104").media("graphic.png"),
            Post::reel("105", true),
            Post::image("106"),
            Post::image("107").caption("Pinned"),
        ])
}

/// A site with [`CONFIG`] (or `config`).
fn site_with(config: &str) -> tempfile::TempDir {
    let site = support::site();
    fs::write(site.path().join("instabake.toml"), config).unwrap();
    site
}

/// `instabake record DIR --site SITE ARGS` with the token and the API base set.
fn record(fake: &FakeApi, site: &Path, dir: &Path, args: &[&str]) -> Run {
    let base = fake.base_url();
    let mut all = vec![
        "record",
        dir.to_str().unwrap(),
        "--site",
        site.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    support::run(
        site,
        &all,
        &[
            ("INSTAGRAM_ACCESS_TOKEN", support::TOKEN),
            ("INSTABAKE_API_BASE", base.as_str()),
        ],
    )
}

/// A folder to record into, in a folder of its own (so that leftovers beside it show).
fn recording_dir() -> (tempfile::TempDir, PathBuf) {
    let root = tempfile::Builder::new()
        .prefix("instabake-rec-")
        .tempdir()
        .unwrap();
    let dir = root.path().join("feed-recording");
    (root, dir)
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .unwrap()
}

/// The data file without what tells a live bake from a replay.
fn data_but_source(site: &Path) -> Value {
    let mut data = support::read_data(site);
    let object = data.as_object_mut().unwrap();
    object.remove("source").expect("a source key");
    object.remove("fetched_at").expect("a fetched_at key");
    data
}

#[test]
fn a_recording_replays_to_the_same_bake_and_holds_no_secret() {
    let fake = FakeApi::start(scenario());
    let live = site_with(CONFIG);
    let (root, dir) = recording_dir();

    let run = record(&fake, live.path(), &dir, &[]);

    run.assert_success();
    // What a bake reads: two pages of two (the limit is reached), the profile once.
    assert_eq!(fake.media_list_requests().len(), 2, "{run}");
    assert_eq!(fake.requests_to("/me").len(), 1, "{run}");
    fake.assert_token_only_sent_to_api();
    fake.assert_no_secret_or_cdn(&dir, &run);
    assert_eq!(
        support::relative_files(root.path())
            .iter()
            .filter(|f| !f.starts_with("feed-recording/"))
            .count(),
        0,
        "nothing but the recording is left beside it: {:?}",
        support::relative_files(root.path())
    );
    assert!(
        run.stdout.contains("recorded 5 posts (2 pages)")
            && run.stdout.contains("instabake build")
            && run.stdout.contains(&format!("--replay {}", dir.display())),
        "{run}"
    );

    // The layout `--replay` reads: pages chained by file name, no paging URL, no cursor.
    let first = json(&dir.join("media.json"));
    assert_eq!(first["paging"], serde_json::json!({"next": "media-2.json"}));
    let second = json(&dir.join("media-2.json"));
    assert!(second.get("paging").is_none(), "{second:#}");
    let ids: Vec<&str> = [&first, &second]
        .iter()
        .flat_map(|page| page["data"].as_array().unwrap())
        .map(|post| post["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["101", "102", "103", "104"]);
    // Children inline, the pin beyond the pages in its own file, the profile in me.json.
    let carousel = &first["data"][1];
    assert_eq!(
        carousel["children"]["data"][0]["media_url"],
        "media/1021.jpg"
    );
    assert_eq!(
        carousel["children"]["data"][1]["media_url"],
        "media/1022.mp4"
    );
    assert!(carousel.get("media_url").is_none(), "{carousel:#}");
    assert_eq!(json(&dir.join("107.json"))["caption"], "Pinned");
    let me = json(&dir.join("me.json"));
    assert_eq!(me["username"], support::fake_api::USERNAME);
    let picture = me["profile_picture_url"].as_str().unwrap();
    assert!(picture.starts_with("media/profile-"), "{picture}");
    // Public data is kept as it was: permalinks, captions, counts.
    assert_eq!(
        first["data"][0]["permalink"],
        format!(
            "https://www.instagram.com/p/{}/",
            Post::image("101").shortcode()
        )
    );
    assert_eq!(first["data"][0]["caption"], "First loaf #bread");
    // Media by id, with the extension their content has (104 is a PNG), videos as MP4.
    let media = support::relative_files(&dir.join("media"));
    for name in [
        "101.jpg", "1021.jpg", "1022.jpg", "1022.mp4", "103.jpg", "103.mp4", "104.png", "107.jpg",
    ] {
        assert!(media.contains(&name.to_owned()), "{name} in {media:?}");
    }
    assert_eq!(media.len(), 9, "and the profile picture: {media:?}");
    // Nothing that looks like a signed URL in any JSON written.
    for file in support::files_under(&dir) {
        if file.extension().is_some_and(|e| e == "json") {
            let text = fs::read_to_string(&file).unwrap();
            for needle in ["oh=", "oe=", "_nc_", "http://", "access_token"] {
                assert!(!text.contains(needle), "{} holds {needle}", file.display());
            }
        }
    }

    // Baked live, and from the recording with no token and no network, with the same config.
    let run = fake.run_build(live.path(), &[]);
    run.assert_success();
    let replayed = site_with(CONFIG);
    fake.clear_requests();
    replay(replayed.path(), &dir).assert_success();
    assert!(fake.requests().is_empty(), "the replay called the fake");

    assert!(
        support::files_under(&live.path().join(support::HUGO_IMAGES))
            .iter()
            .any(|f| f.extension().is_some_and(|e| e == "mp4"))
    );
    let live_data = assert_same_bake(live.path(), replayed.path());
    assert_eq!(
        support::post_ids(&live_data),
        ["107", "101", "102", "103"],
        "the pin first, then the limit"
    );
    assert!(live_data["account"]["picture"].is_object());
}

/// `instabake build --replay DIR` in `site`, with no token and no API.
fn replay(site: &Path, dir: &Path) -> Run {
    support::run(
        site,
        &[
            "build",
            "--site",
            site.to_str().unwrap(),
            "--replay",
            dir.to_str().unwrap(),
        ],
        &[],
    )
}

/// Fails unless the two sites hold the same bake: the same image files with the same bytes, the
/// same partial, and data files equal but for `source` (`live`, `replay`) and `fetched_at`.
/// Returns the live data file.
fn assert_same_bake(live: &Path, replayed: &Path) -> Value {
    let images = |site: &Path| support::snapshot(&site.join(support::HUGO_IMAGES));
    let (live_images, replayed_images) = (images(live), images(replayed));
    assert!(!live_images.is_empty());
    assert_eq!(
        live_images.keys().collect::<Vec<_>>(),
        replayed_images.keys().collect::<Vec<_>>(),
        "the same image file names"
    );
    assert!(live_images == replayed_images, "the same image bytes");
    let partial = |site: &Path| fs::read(site.join(support::HUGO_PARTIAL)).unwrap();
    assert!(partial(live) == partial(replayed), "the same partial");
    let live_data = support::read_data(live);
    assert_eq!(live_data["source"], "live");
    assert_eq!(support::read_data(replayed)["source"], "replay");
    assert_eq!(data_but_source(live), data_but_source(replayed));
    live_data
}

#[test]
fn a_filtered_recording_keeps_no_media_of_the_posts_that_do_not_show() {
    // Videos are filtered out: pages are read until two images pass.
    let config = "preset = \"hugo\"\nlimit = 2\n\n[filter]\nkinds = [\"image\"]\n";
    let fake = FakeApi::start(
        Scenario::new()
            .generated_size(400, 500)
            .page_size(2)
            .posts(vec![
                Post::video("301").caption("Left out"),
                Post::image("302"),
                Post::video("303"),
                Post::image("304"),
                Post::image("305"),
            ]),
    );
    let live = site_with(config);
    let (_root, dir) = recording_dir();

    let run = record(&fake, live.path(), &dir, &[]);

    run.assert_success();
    fake.assert_no_secret_or_cdn(&dir, &run);
    assert_eq!(
        support::relative_files(&dir.join("media")),
        ["302.jpg", "304.jpg"],
        "only the media of posts that show are downloaded"
    );
    // The videos read are kept for their text, with no media URL.
    let left_out = &json(&dir.join("media.json"))["data"][0];
    assert_eq!(left_out["id"], "301");
    assert_eq!(left_out["caption"], "Left out");
    assert_eq!(left_out["media_type"], "VIDEO");
    assert!(left_out["permalink"].is_string());
    assert!(
        left_out.get("media_url").is_none() && left_out.get("thumbnail_url").is_none(),
        "{left_out:#}"
    );
    assert!(dir.join("media-2.json").is_file() && !dir.join("media-3.json").exists());

    fake.run_build(live.path(), &[]).assert_success();
    let replayed = site_with(config);
    replay(replayed.path(), &dir).assert_success();
    let data = assert_same_bake(live.path(), replayed.path());
    assert_eq!(support::post_ids(&data), ["302", "304"]);
}

#[test]
fn a_failing_api_leaves_no_folder_and_a_previous_recording_as_it_was() {
    let fake = FakeApi::start(scenario().fail(Route::MediaPage(2), Fault::Html500));
    let site = site_with(CONFIG);
    let (root, dir) = recording_dir();

    // The first page was read, and its media could have been fetched: still nothing is left.
    let run = record(&fake, site.path(), &dir, &[]);
    run.assert_clean_failure().assert_code(3);
    assert!(run.stderr.contains("HTTP 500"), "{run}");
    assert!(!dir.exists(), "{run}");
    assert_eq!(support::relative_files(root.path()), Vec::<String>::new());

    // An expired token: a clear error, and the previous recording (replaced only with --force)
    // stays whole.
    fake.clear_faults();
    record(&fake, site.path(), &dir, &[]).assert_success();
    let before = support::snapshot(&dir);
    fake.add_fault(Route::MediaList, Fault::expired_token(), None);
    let run = record(&fake, site.path(), &dir, &["--force"]);
    run.assert_clean_failure();
    assert!(run.stderr_lower().contains("expired"), "{run}");
    assert!(
        support::snapshot(&dir) == before,
        "the previous recording changed"
    );
    assert_eq!(
        fs::read_dir(root.path()).unwrap().count(),
        1,
        "only the recording: {:?}",
        support::relative_files(root.path())
    );
    fake.assert_no_secret_or_cdn(root.path(), &run);
}

#[test]
fn a_folder_in_the_way_is_refused_and_a_previous_recording_replaced_only_with_force() {
    let fake = FakeApi::start(scenario());
    let site = site_with(CONFIG);
    let (_root, dir) = recording_dir();

    // Someone's folder: refused before any API call, with or without --force.
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("notes.txt"), "mine").unwrap();
    for args in [&[][..], &["--force"][..]] {
        let run = record(&fake, site.path(), &dir, args);
        run.assert_code(2);
        assert!(run.stderr.contains("holds no recording"), "{run}");
    }
    assert!(fake.requests().is_empty());
    assert_eq!(support::relative_files(&dir), ["notes.txt"]);

    // An empty folder is fine; a recording there is replaced only with --force.
    fs::remove_file(dir.join("notes.txt")).unwrap();
    record(&fake, site.path(), &dir, &[]).assert_success();
    let run = record(&fake, site.path(), &dir, &[]);
    run.assert_code(2);
    assert!(run.stderr.contains("--force"), "{run}");
    fake.set_posts(vec![Post::image("201")]);
    record(&fake, site.path(), &dir, &["--force", "--limit", "1"]).assert_success();
    let page = json(&dir.join("media.json"));
    assert_eq!(page["data"][0]["id"], "201");
    assert!(
        !dir.join("107.json").exists(),
        "the old recording's files are gone"
    );
}

#[test]
fn one_of_several_accounts_is_recorded_with_its_own_token() {
    const STUDIO_TOKEN: &str = "IGQWRstudioTOKEN_do_not_leak_5555555555";
    let fake = FakeApi::start(
        Scenario::new()
            .generated_size(400, 500)
            .posts(vec![Post::image("101")])
            .other_account(
                STUDIO_TOKEN,
                Account::studio(),
                vec![
                    Post::image("201").username("studio_demo"),
                    Post::image("202").username("studio_demo"),
                ],
                "IGQWRstudioNEW_do_not_leak_8888888888",
            ),
    );
    let site = site_with(
        "preset = \"hugo\"\n\n\
         [[accounts]]\nname = \"shop\"\ntoken_env = \"IG_TOKEN_SHOP\"\n\n\
         [[accounts]]\nname = \"studio\"\ntoken_env = \"IG_TOKEN_STUDIO\"\n",
    );
    let (_root, dir) = recording_dir();
    let base = fake.base_url();
    let run = |args: &[&str]| {
        let mut all = vec![
            "record",
            dir.to_str().unwrap(),
            "--site",
            site.path().to_str().unwrap(),
        ];
        all.extend_from_slice(args);
        support::run(
            site.path(),
            &all,
            &[
                ("IG_TOKEN_SHOP", support::TOKEN),
                ("IG_TOKEN_STUDIO", STUDIO_TOKEN),
                ("INSTABAKE_API_BASE", base.as_str()),
            ],
        )
    };

    let without = run(&[]);
    without.assert_code(2);
    assert!(
        without.stderr.contains("--account") && without.stderr.contains("shop, studio"),
        "{without}"
    );
    assert!(!dir.exists());

    let recorded = run(&["--account", "studio"]);
    recorded.assert_success();
    let page = json(&dir.join("media.json"));
    let ids: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["201", "202"]);
    assert!(
        fake.api_requests()
            .iter()
            .all(|r| r.token().as_deref() == Some(STUDIO_TOKEN)),
        "only the studio's token was used"
    );
    assert!(
        recorded.stdout.contains("a config of this one account"),
        "{recorded}"
    );
    for file in support::files_under(&dir) {
        let bytes = fs::read(&file).unwrap();
        assert!(
            !bytes
                .windows(STUDIO_TOKEN.len())
                .any(|w| w == STUDIO_TOKEN.as_bytes()),
            "{} holds the studio's token",
            file.display()
        );
    }
    fake.assert_no_secret_or_cdn(&dir, &recorded);

    // It replays in a site of that one account.
    let single = site_with("preset = \"hugo\"\n");
    replay(single.path(), &dir).assert_success();
    let data = support::read_data(single.path());
    assert_eq!(support::post_ids(&data), ["201", "202"]);
    assert_eq!(data["account"]["username"], "studio_demo");
}

#[test]
fn a_recording_that_would_leak_is_not_kept() {
    // A caption that quotes the token: the check reading back the recording finds it.
    let fake = FakeApi::start(Scenario::new().generated_size(400, 500).posts(vec![
        Post::image("101").caption(&format!("do not paste {} anywhere", support::TOKEN)),
    ]));
    let site = site_with("preset = \"hugo\"\n");
    let (root, dir) = recording_dir();

    let run = record(&fake, site.path(), &dir, &[]);

    run.assert_clean_failure().assert_code(1);
    assert!(
        run.stderr.contains("media.json holds the access token") && run.stderr.contains("not kept"),
        "{run}"
    );
    assert!(!dir.exists());
    assert_eq!(support::relative_files(root.path()), Vec::<String>::new());
    assert!(!run.stderr.contains(support::TOKEN) && !run.stdout.contains(support::TOKEN));
}
