//! `instabake import PATH`: Instagram's "Export your information" archive, as a folder and as a
//! zip, in each layout we know (`tests/fixtures/export/`, media files generated here), baked alone
//! with no token or merged into the fake API's feed; and exports that are broken, incomplete or
//! hostile, which must leave the site exactly as it was.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{self, images, FakeApi, Fault, Post, Route, Run, Scenario};

/// The newest layout (2024 and later).
const NEW: &str = "2024-your-instagram-activity";
/// Every layout, each a folder of `tests/fixtures/export/`.
const LAYOUTS: [&str; 3] = [NEW, "2021-content", "media-posts"];
/// The poster put beside one reel's video in the newest layout (the export itself has none).
const REEL_POSTER: &str = "media/reels/202408/reel_cover_n.jpg";
/// The export folder in a hugo site.
const FOLDER: &str = "instagram-export";

/// A copy of a layout's fixture with every media file its JSON names: small real JPEG and WebP
/// images, and tiny MP4s.
fn export(layout: &str) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("instabake-export-")
        .tempdir()
        .unwrap();
    let fixture = support::root().join("tests/fixtures/export").join(layout);
    support::copy_sources(&fixture, dir.path(), &[]);
    let mut uris = Vec::new();
    for file in support::files_under(dir.path()) {
        if file.extension().is_some_and(|e| e == "json") {
            let json: Value = serde_json::from_slice(&fs::read(&file).unwrap()).unwrap();
            collect_uris(&json, &mut uris);
        }
    }
    if layout == NEW {
        uris.push(REEL_POSTER.to_owned());
    }
    for uri in uris {
        let seed = images::seed_of(&uri);
        let bytes = if uri.ends_with(".mp4") {
            images::mp4()
        } else if uri.ends_with(".webp") {
            images::webp(40, 30, seed)
        } else {
            images::jpeg(48, 36, seed)
        };
        let path = dir.path().join(&uri);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, &*bytes).unwrap();
    }
    dir
}

fn collect_uris(json: &Value, uris: &mut Vec<String>) {
    match json {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("uri", Value::String(uri)) => uris.push(uri.clone()),
                    _ => collect_uris(value, uris),
                }
            }
        }
        Value::Array(list) => list.iter().for_each(|v| collect_uris(v, uris)),
        _ => {}
    }
}

/// Zips `entries` (name, bytes) into a new file, deflated.
fn zip_entries(entries: &[(String, Vec<u8>)]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::Builder::new()
        .prefix("instabake-zip-")
        .tempdir()
        .unwrap();
    let path = dir.path().join("instagram-cafe-2024-12-01.zip");
    let mut zip = zip::ZipWriter::new(fs::File::create(&path).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        zip.start_file(name.as_str(), options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
    (dir, path)
}

/// Zips the folder `dir`, every name under `top` (`""`, or a folder ending in `/`).
fn zip_folder(dir: &Path, top: &str) -> (tempfile::TempDir, PathBuf) {
    let entries: Vec<(String, Vec<u8>)> = support::relative_files(dir)
        .into_iter()
        .map(|name| {
            let bytes = fs::read(dir.join(&name)).unwrap();
            (format!("{top}{}", name.replace('\\', "/")), bytes)
        })
        .collect();
    zip_entries(&entries)
}

/// `instabake import PATH --site SITE` with `env` (no token unless given).
fn import(site: &Path, path: &Path, env: &[(&str, &str)]) -> Run {
    support::run(
        site,
        &[
            "import",
            path.to_str().unwrap(),
            "--site",
            site.to_str().unwrap(),
        ],
        env,
    )
}

fn posts(data: &Value) -> &Vec<Value> {
    data["posts"].as_array().unwrap()
}

fn post_with_caption<'a>(data: &'a Value, caption: &str) -> &'a Value {
    posts(data)
        .iter()
        .find(|p| p["caption"] == caption)
        .unwrap_or_else(|| panic!("no post with the caption {caption:?}: {data:#}"))
}

/// A post as checked: (caption, kind, number of media, product).
type Shown = (&'static str, &'static str, usize, &'static str);

/// What each layout must give: the username, and each post, newest first.
fn expected(layout: &str) -> (Option<&'static str>, Vec<Shown>) {
    match layout {
        NEW => (
            Some("cafe.example"),
            vec![
                (
                    "New roast is in ☕ crème brûlée notes #coffee",
                    "image",
                    1,
                    "feed",
                ),
                (
                    "Autumn menu 🍂 — Ünïcödé test @friend #autumn",
                    "carousel",
                    2,
                    "feed",
                ),
                // The video of this carousel has no poster: the photo is left.
                ("Latte art practice", "image", 1, "feed"),
                ("Pouring 🎬", "video", 1, "reels"),
                ("Opening day", "image", 1, "feed"),
            ],
        ),
        "2021-content" => (
            Some("terrace_2021"),
            vec![
                ("Summer terrace ☀️ à bientôt", "image", 1, "feed"),
                ("Three cakes", "carousel", 3, "feed"),
            ],
        ),
        _ => (None, vec![("Winter ❄️ naïve café", "image", 1, "feed")]),
    }
}

/// Checks a site baked from `layout`'s export alone.
fn assert_baked_export(site: &Path, layout: &str, run: &Run) {
    let data = support::read_data(site);
    assert_eq!(data["source"], "export", "{run}");
    let (username, want) = expected(layout);
    assert_eq!(data["account"]["username"].as_str(), username);
    let got: Vec<(&str, &str, usize, &str)> = posts(&data)
        .iter()
        .map(|p| {
            (
                p["caption"].as_str().unwrap_or(""),
                p["kind"].as_str().unwrap(),
                p["media"].as_array().unwrap().len(),
                p["product"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(got, want, "{run}");
    let profile = username.map(|u| format!("https://www.instagram.com/{u}/"));
    for post in posts(&data) {
        assert_eq!(post["source"], "export", "{post:#}");
        assert!(post["id"].as_str().unwrap().starts_with("export-"));
        assert_eq!(post["permalink"], Value::Null);
        // No permalink: the tile links to the profile, when the export names the account.
        assert_eq!(post["link"].as_str(), profile.as_deref(), "{post:#}");
    }
    // The mojibake is fixed in the data file's text too, not only as parsed.
    let text = fs::read_to_string(site.join(support::HUGO_DATA)).unwrap();
    assert!(!text.contains("Ã") && !text.contains("â"), "{text}");
    support::assert_matches_schema_file(
        "docs/schema/instagram-data-1.schema.json",
        &[site.join(support::HUGO_DATA)],
        "data files of an imported export",
    );
    let partial = fs::read_to_string(site.join(support::HUGO_PARTIAL)).unwrap();
    assert_eq!(support::tiles(&partial).len(), want.len(), "{partial}");
}

#[test]
fn each_layout_imports_from_a_folder_and_a_zip_with_stable_ids() {
    for layout in LAYOUTS {
        let exported = export(layout);
        let site = support::site();
        let run = import(site.path(), exported.path(), &[]);
        run.assert_success();
        assert_baked_export(site.path(), layout, &run);
        let first = support::read_data(site.path());
        assert!(site.path().join(FOLDER).join("media.json").is_file());
        if layout == NEW {
            assert!(
                run.stderr.contains("reel_only_n.mp4") && run.stderr.contains("467402_n.mp4"),
                "the videos with no image are named in warnings: {run}"
            );
            let roast = post_with_caption(&first, "New roast is in ☕ crème brûlée notes #coffee");
            assert_eq!(roast["hashtags"], serde_json::json!(["coffee"]));
            assert_eq!(roast["timestamp"], "2024-11-20T10:00:00Z");
        }

        // The same export again, as a zip (the newest layout zipped inside a folder): the same
        // posts under the same ids, and the same files.
        let top = if layout == NEW {
            "instagram-cafe-20241201/"
        } else {
            ""
        };
        let (_zips, zip) = zip_folder(exported.path(), top);
        let zipped = support::site();
        let run = import(zipped.path(), &zip, &[]);
        run.assert_success();
        assert_eq!(
            posts(&support::read_data(zipped.path())),
            posts(&first),
            "{run}"
        );

        // Imported twice: nothing changes.
        let run = import(site.path(), exported.path(), &[]);
        run.assert_success();
        assert_eq!(
            posts(&support::read_data(site.path())),
            posts(&first),
            "{run}"
        );
        assert!(
            run.stderr.contains("data file unchanged"),
            "a second import of the same export rewrote the data file: {run}"
        );

        // A fresh machine (no cache, no output, only the committed sources): `build` bakes the
        // export folder again, with no token.
        let fresh = support::site();
        support::copy_sources(
            site.path(),
            fresh.path(),
            &[support::CACHE_DIR, "static", "data", "layouts"],
        );
        let site_arg = fresh.path().to_str().unwrap();
        let run = support::run(fresh.path(), &["build", "--site", site_arg], &[]);
        run.assert_success();
        assert_eq!(
            posts(&support::read_data(fresh.path())),
            posts(&first),
            "{run}"
        );
    }
}

#[test]
fn the_export_merges_into_the_api_feed_newest_first() {
    let fake = FakeApi::start(
        Scenario::new()
            .posts(vec![
                Post::image("9003")
                    .caption("Fresh from the API")
                    .timestamp("2024-12-01T09:00:00+0000"),
                // The export's newest photo, 40 s off, with the same caption (white space
                // aside): one post, the API's.
                Post::image("9001")
                    .caption("New roast is in ☕  crème brûlée notes\n#coffee")
                    .timestamp("2024-11-20T10:00:40+0000"),
                // The export's carousel's time to the second, another caption: two posts.
                Post::image("9002")
                    .caption("Another post that minute")
                    .timestamp("2024-10-21T08:40:00+0000"),
            ])
            .generated_size(48, 36),
    );
    let exported = export(NEW);
    let site = support::site();
    let base = fake.base_url();
    let env = [
        ("INSTAGRAM_ACCESS_TOKEN", support::TOKEN),
        ("INSTABAKE_API_BASE", base.as_str()),
    ];
    let run = import(site.path(), exported.path(), &env);
    run.assert_success();
    let data = support::read_data(site.path());
    assert_eq!(data["source"], "live", "{run}");
    let autumn = "Autumn menu 🍂 — Ünïcödé test @friend #autumn";
    let order: Vec<(String, String)> = posts(&data)
        .iter()
        .map(|p| {
            let id = p["id"].as_str().unwrap();
            let name = if id.starts_with("export-") {
                p["caption"].as_str().unwrap().to_owned()
            } else {
                id.to_owned()
            };
            (name, p["source"].as_str().unwrap().to_owned())
        })
        .collect();
    let s = |a: &str, b: &str| (a.to_owned(), b.to_owned());
    assert_eq!(
        order,
        [
            s("9003", "api"),
            s("9001", "both"),
            s("9002", "api"),
            s(autumn, "export"),
            s("Latte art practice", "export"),
            s("Pouring 🎬", "export"),
            s("Opening day", "export"),
        ],
        "{run}"
    );
    // The post in both keeps the API's permalink and link.
    let both = support::post(&data, "9001");
    assert!(both["permalink"]
        .as_str()
        .unwrap()
        .starts_with("https://www.instagram.com/p/"));
    assert_eq!(both["link"], both["permalink"]);
    fake.assert_no_secret_or_cdn(site.path(), &run);

    // Curation applies to the merged list: a hidden export post, and the limit.
    let autumn_id = post_with_caption(&data, autumn)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    fs::write(
        site.path().join("instabake.toml"),
        format!("limit = 4\n\n[posts.{autumn_id}]\nhide = true\n"),
    )
    .unwrap();
    let run = fake.run_build(site.path(), &[]);
    run.assert_success();
    let shown = support::read_data(site.path());
    let ids = support::post_ids(&shown);
    assert_eq!(ids.len(), 4, "{run}");
    assert_eq!(&ids[..3], ["9003", "9001", "9002"], "{run}");
    assert!(!ids.contains(&autumn_id), "{run}");
    assert_eq!(
        post_with_caption(&shown, "Latte art practice")["source"],
        "export"
    );

    // The API fails: the cached feed is baked, and the export still merges into it.
    fake.add_fault(Route::AnyApi, Fault::expired_token(), None);
    let run = fake.run_build(site.path(), &[]);
    run.assert_success();
    let fallback = support::read_data(site.path());
    assert_eq!(fallback["source"], "cache", "{run}");
    assert_eq!(support::post_ids(&fallback), ids, "{run}");
    assert_eq!(support::post(&fallback, "9001")["source"], "both");
}

/// A site with an export imported, and what is in it.
fn imported_site() -> (
    tempfile::TempDir,
    std::collections::BTreeMap<PathBuf, Vec<u8>>,
) {
    let site = support::site();
    let exported = export(NEW);
    import(site.path(), exported.path(), &[]).assert_success();
    let before = support::snapshot(site.path());
    (site, before)
}

/// Fails unless the import failed with exit code 2 and `parts` in its message, and left the site
/// exactly as it was (no staging folder left behind either).
fn assert_refused(
    site: &Path,
    before: &std::collections::BTreeMap<PathBuf, Vec<u8>>,
    run: &Run,
    parts: &[&str],
) {
    run.assert_code(2).assert_no_panic();
    let error = run
        .stderr
        .lines()
        .find(|l| l.starts_with("error:"))
        .unwrap_or("");
    for part in parts {
        assert!(
            error.contains(part),
            "the error does not say {part:?}: {run}"
        );
    }
    assert!(error.contains("nothing was imported"), "{run}");
    assert!(
        support::snapshot(site) == *before,
        "a failed import changed the site: {run}"
    );
    let names: Vec<String> = fs::read_dir(site)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names.iter().any(|n| n.starts_with(".instagram-export")),
        "a staging folder was left: {names:?}"
    );
}

#[test]
fn broken_incomplete_and_hostile_exports_change_nothing() {
    let (site, before) = imported_site();
    let site = site.path();

    // A media file a post names is missing (a multi-part export with a part left out).
    let exported = export(NEW);
    fs::remove_file(exported.path().join("media/posts/202410/467302_n.webp")).unwrap();
    let run = import(site, exported.path(), &[]);
    assert_refused(
        site,
        &before,
        &run,
        &["media/posts/202410/467302_n.webp", "not in the export"],
    );

    // A posts file that is not whole.
    let exported = export(NEW);
    let posts = exported
        .path()
        .join("your_instagram_activity/content/posts_1.json");
    let text = fs::read_to_string(&posts).unwrap();
    fs::write(&posts, &text[..text.len() / 2]).unwrap();
    let run = import(site, exported.path(), &[]);
    assert_refused(
        site,
        &before,
        &run,
        &["posts_1.json", "not the JSON expected"],
    );
    // The same, zipped.
    let (_zips, zip) = zip_folder(exported.path(), "");
    let run = import(site, &zip, &[]);
    assert_refused(
        site,
        &before,
        &run,
        &["posts_1.json", "not the JSON expected"],
    );

    // A zip whose entries would be written outside the folder (zip-slip), each way.
    let good = fs::read(fixture_posts()).unwrap();
    for evil in [
        "../evil.txt",
        "content/../../evil.txt",
        "/tmp/instabake-evil.txt",
    ] {
        let (zips, zip) = zip_entries(&[
            ("content/posts_1.json".to_owned(), good.clone()),
            (evil.to_owned(), b"pwned".to_vec()),
        ]);
        let run = import(site, &zip, &[]);
        assert_refused(site, &before, &run, &[evil, "outside the export"]);
        assert!(!zips.path().parent().unwrap().join("evil.txt").exists());
        assert!(!Path::new("/tmp/instabake-evil.txt").exists());
    }
    // A post naming a file outside the export.
    let exported = export(NEW);
    fs::write(
        exported
            .path()
            .join("your_instagram_activity/content/posts_2.json"),
        r#"[{"media":[{"uri":"../../secret.jpg","creation_timestamp":1557000000,"title":"x"}]}]"#,
    )
    .unwrap();
    let run = import(site, exported.path(), &[]);
    assert_refused(
        site,
        &before,
        &run,
        &["../../secret.jpg", "outside the export"],
    );

    // Not the JSON export (the HTML one), and not an archive at all.
    let html = tempfile::tempdir().unwrap();
    fs::write(html.path().join("index.html"), "<html></html>").unwrap();
    let run = import(site, html.path(), &[]);
    assert_refused(site, &before, &run, &["no posts file", "JSON format"]);
    let run = import(site, &html.path().join("index.html"), &[]);
    assert_refused(
        site,
        &before,
        &run,
        &["neither a folder nor a readable zip"],
    );

    // A bake that fails after a good export was read (a token, and the API unreachable with
    // no cache of its feed) puts the export folder back as it was.
    fs::remove_dir_all(site.join(support::CACHE_DIR)).unwrap();
    let before = support::snapshot(site);
    let exported = export("2021-content");
    let run = import(
        site,
        exported.path(),
        &[("INSTAGRAM_ACCESS_TOKEN", support::TOKEN)],
    );
    run.assert_code(3).assert_no_panic();
    assert!(
        support::snapshot(site) == before,
        "a failed bake changed the site: {run}"
    );
}

/// The 2021 layout's posts file, which names only its own media.
fn fixture_posts() -> PathBuf {
    support::root().join("tests/fixtures/export/2021-content/content/posts_1.json")
}

#[test]
fn with_video_download_a_reel_with_a_poster_keeps_its_video() {
    let exported = export(NEW);
    let site = support::site();
    fs::write(
        site.path().join("instabake.toml"),
        "[video]\ndownload = true\n",
    )
    .unwrap();
    let run = import(site.path(), exported.path(), &[]);
    run.assert_success();
    let data = support::read_data(site.path());
    let reel = post_with_caption(&data, "Pouring 🎬");
    let video = &reel["media"][0]["video"];
    assert!(
        video["url"].as_str().is_some_and(|u| u.ends_with(".mp4")),
        "{reel:#}"
    );
    assert!(site
        .path()
        .join(FOLDER)
        .join("media/reels/202408/reel_cover_n.mp4")
        .is_file());
    // A video with no poster is not copied: it is not shown.
    assert!(!site
        .path()
        .join(FOLDER)
        .join("media/reels/202407/reel_only_n.mp4")
        .exists());
}
