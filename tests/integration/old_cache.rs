//! A site baked by an older instabake keeps working after an upgrade: its cache folder, written by
//! the binary at commit 696e2b2 (`tests/fixtures/cache-0.1.0/`, see its README), is read where it
//! is and as it is. Offline, with the API down, from the same replay folder and live, the current
//! binary bakes the same posts from it without downloading anything, every file the new partial
//! and data file refer to is there, and the old bake's files that nothing refers to any more are
//! pruned.
//!
//! What may change: variants can be encoded again from the cached originals (a new WebP pipeline
//! gives new WebP files), so neither the encode count nor the file names are compared.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{self, FakeApi, Post, Run, Scenario};

/// The fixture, relative to the repository.
const FIXTURE: &str = "tests/fixtures/cache-0.1.0";
/// Where the Hugo preset's images are served from.
const URL_PREFIX: &str = "/instagram/";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE)
}

/// The fixture's `site/` and `replay/` copied into a temporary folder: the bakes below write into
/// the site, and the committed fixture must stay as the old binary left it.
struct OldSite {
    dir: tempfile::TempDir,
}

impl OldSite {
    fn copy() -> OldSite {
        let dir = support::site();
        for part in ["site", "replay"] {
            let to = dir.path().join(part);
            fs::create_dir(&to).unwrap();
            support::copy_sources(&fixture().join(part), &to, &[]);
        }
        OldSite { dir }
    }

    fn site(&self) -> PathBuf {
        self.dir.path().join("site")
    }

    fn replay(&self) -> PathBuf {
        self.dir.path().join("replay")
    }
}

/// The post ids of the old bake's data file.
fn old_post_ids() -> Vec<String> {
    support::post_ids(&support::read_data(&fixture().join("site")))
}

/// The names directly in a folder, sorted.
fn names_in(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

/// Every image or video URL under the images prefix in a data file (`src`, variant `url`s,
/// `srcset` candidates, the video's `url`, wherever they sit), as paths under the images folder.
fn data_refs(value: &Value, refs: &mut BTreeSet<String>) {
    match value {
        Value::String(text) => {
            for candidate in text.split(',') {
                let url = candidate.split_whitespace().next().unwrap_or("");
                if let Some(file) = url.strip_prefix(URL_PREFIX) {
                    refs.insert(file.to_owned());
                }
            }
        }
        Value::Array(values) => values.iter().for_each(|v| data_refs(v, refs)),
        Value::Object(map) => map.values().for_each(|v| data_refs(v, refs)),
        _ => {}
    }
}

/// What every bake of the old site must show: success, the old data file's posts, no download,
/// every referenced file there and nothing else left in the images folder, the cache where it was
/// with the same entries, and no token anywhere.
fn assert_baked_cleanly(old: &OldSite, run: &Run, source: &str) {
    run.assert_success().assert_no_panic();
    let site = old.site();
    let data = support::read_data(&site);
    assert_eq!(
        support::post_ids(&data),
        old_post_ids(),
        "not the old bake's posts\n{run}"
    );
    assert_eq!(data["source"], source, "{run}");
    assert_eq!(
        support::media_work(run).0,
        0,
        "the cached originals were not used\n{run}"
    );

    // Every file the partial names is there and decodes; so is every file the data file names.
    let partial_refs: BTreeSet<String> = support::assert_html_refs_exist(&site)
        .iter()
        .map(|r| r.url.strip_prefix(URL_PREFIX).unwrap().to_owned())
        .collect();
    let mut referenced = BTreeSet::new();
    data_refs(&data["posts"], &mut referenced);
    let images_dir = site.join(support::HUGO_IMAGES);
    for file in &referenced {
        assert!(
            images_dir.join(file).is_file(),
            "the data file names {URL_PREFIX}{file}, which is not there\n{run}"
        );
    }
    referenced.extend(partial_refs);

    // The images folder holds exactly what is referenced: the old bake's files that are no longer
    // referenced (the old manifest lists them all) are pruned.
    let in_folder = names_in(&images_dir);
    let stale: Vec<&String> = in_folder.difference(&referenced).collect();
    assert!(
        stale.is_empty(),
        "files of the old bake were left in {}: {stale:?}\n{run}",
        support::HUGO_IMAGES
    );
    let old_manifest: Value =
        serde_json::from_slice(&fs::read(fixture().join("site/.instabake/manifest.json")).unwrap())
            .unwrap();
    for file in old_manifest["files"].as_array().unwrap() {
        let file = file.as_str().unwrap();
        let still_used = file
            .strip_prefix(&format!("{}/", support::HUGO_IMAGES))
            .is_none_or(|name| referenced.contains(name));
        assert_eq!(
            site.join(file).is_file(),
            still_used,
            "{file}, written by the old bake, {}\n{run}",
            if still_used {
                "is still referenced but gone"
            } else {
                "is referenced no more but still there"
            }
        );
    }

    // One account keeps today's cache layout: the same entries in the same folder, each original
    // kept under its media id.
    let cache = site.join(support::CACHE_DIR);
    let fixture_cache = fixture().join("site").join(support::CACHE_DIR);
    assert_eq!(
        names_in(&cache),
        names_in(&fixture_cache),
        "the cache folder's layout changed\n{run}"
    );
    assert_eq!(
        names_in(&cache.join("originals")),
        names_in(&fixture_cache.join("originals")),
        "the cached originals changed\n{run}"
    );

    for file in support::files_under(old.dir.path()) {
        let bytes = fs::read(&file).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(support::TOKEN),
            "{} holds the token",
            file.display()
        );
    }
}

#[test]
fn the_fixture_is_the_old_binarys_whole_bake() {
    // The checks below mean something only if the fixture holds what they read: the old bake's
    // cache and every file its manifest lists.
    let site = fixture().join("site");
    let cache = site.join(support::CACHE_DIR);
    for entry in [
        "feed.json",
        "manifest.json",
        "token.json",
        "originals",
        "variants",
    ] {
        assert!(cache.join(entry).exists(), "the fixture has no {entry}");
    }
    let manifest: Value =
        serde_json::from_slice(&fs::read(cache.join("manifest.json")).unwrap()).unwrap();
    let listed = manifest["files"].as_array().unwrap();
    assert!(listed.len() > 2, "{manifest:#}");
    for file in listed {
        assert!(
            site.join(file.as_str().unwrap()).is_file(),
            "{file} missing"
        );
    }
    assert_eq!(old_post_ids().len(), 4);
    assert_eq!(support::read_data(&site)["generator"], "instabake 0.1.0");
}

#[test]
fn an_old_cache_bakes_offline() {
    let old = OldSite::copy();

    let run = support::run_build(&old.site(), &["--offline", "-v"], &[]);

    assert_baked_cleanly(&old, &run, "cache");
}

#[test]
fn an_old_cache_bakes_its_last_good_feed_when_the_api_is_down() {
    let old = OldSite::copy();

    // `support::run_build` points the API at a closed port.
    let run = support::run_build(&old.site(), &["-v"], &[]);

    assert_baked_cleanly(&old, &run, "cache");
    assert!(
        run.stderr
            .contains("Baking the last good feed from the cache"),
        "{run}"
    );
}

#[test]
fn an_old_cache_serves_a_bake_of_the_same_replay_folder() {
    let old = OldSite::copy();
    let replay = old.replay();

    let run = support::run_build(
        &old.site(),
        &["--replay", replay.to_str().unwrap(), "-v"],
        &[],
    );

    assert_baked_cleanly(&old, &run, "replay");
}

#[test]
fn an_old_cache_serves_a_live_bake_of_the_same_posts() {
    let fake = FakeApi::start(Scenario::new().posts(vec![
        Post::image("17966763903112683"),
        Post::video("17935595273891731").product("REELS"),
        Post::carousel(
            "17939769336365828",
            vec![
                Post::image("17955825559417667"),
                Post::image("17921898604046818"),
            ],
        ),
        Post::image("17936418190850673"),
    ]));
    let old = OldSite::copy();

    let run = fake.run_build(&old.site(), &["-v"]);

    assert_baked_cleanly(&old, &run, "live");
    assert!(
        fake.media_requests().is_empty(),
        "downloaded although the old cache holds every original: {:#?}",
        fake.media_requests()
    );
    fake.assert_no_secret_or_cdn(&old.site(), &run);
}

#[test]
fn an_old_manifest_lets_a_new_bake_prune_what_it_no_longer_uses() {
    // A bake prunes only files a bake wrote, which it knows from the manifest: one width fewer
    // leaves the old 400 px files unreferenced, and only the old manifest says they are ours.
    let old = OldSite::copy();
    let config = old.site().join("instabake.toml");
    let mut text = fs::read_to_string(&config).unwrap();
    text.push_str("\n[images]\nwidths = [320]\n");
    fs::write(&config, text).unwrap();

    let run = support::run_build(&old.site(), &["--offline", "-v"], &[]);

    assert_baked_cleanly(&old, &run, "cache");
    let images = names_in(&old.site().join(support::HUGO_IMAGES));
    assert!(
        images.iter().any(|name| name.ends_with("-320.jpg")),
        "{images:?}"
    );
    assert!(
        !images.iter().any(|name| name.contains("-400.")),
        "the old 400 px files were not pruned: {images:?}\n{run}"
    );
}

#[test]
fn an_old_token_record_is_still_read() {
    let fake = FakeApi::start(Scenario::new());
    let old = OldSite::copy();
    let site = old.site();
    let record: Value = serde_json::from_slice(
        &fs::read(site.join(support::CACHE_DIR).join("token.json")).unwrap(),
    )
    .unwrap();
    let expiry = &record["expires_at"].as_str().unwrap()[..10];
    let base = fake.base_url();

    let run = support::run(
        &site,
        &["token", "status", "--site", site.to_str().unwrap()],
        &[
            ("INSTAGRAM_ACCESS_TOKEN", support::TOKEN),
            ("INSTABAKE_API_BASE", base.as_str()),
        ],
    );

    run.assert_success();
    assert!(
        run.stdout.contains("expires: in ") && run.stdout.contains(&format!("({expiry})")),
        "the token's expiry recorded by the old binary was not read\n{run}"
    );
}
