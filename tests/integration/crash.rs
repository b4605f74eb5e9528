//! A bake killed at any moment leaves the previous feed or the new one, whole: the data file and the
//! partial from the same bake, every file they refer to present. The next run finishes or redoes
//! the work, and nothing a killed run wrote is left behind for good.
//!
//! Two ways in: `INSTABAKE_FAILPOINT` (debug builds abort at a named step of writing the site, so
//! each step is hit for certain), and real `SIGKILL`s at moments spread over a whole bake.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{self, FakeApi, Fault, Post, Route, Scenario};

/// Every step of `emit` that has a failpoint, in order.
const FAILPOINTS: &[&str] = &[
    "manifest-extended",
    "image-written",
    "staged",
    "journal-written",
    "renamed-one",
    "pruning",
];

fn feed_a() -> Vec<Post> {
    vec![
        Post::image("9501"),
        Post::image("9502").media("small.jpg"),
        Post::carousel(
            "9503",
            vec![Post::image("9504").media("square.jpg"), Post::image("9505")],
        ),
    ]
}

/// Feed A with 9502 deleted and three new posts on top.
fn feed_b() -> Vec<Post> {
    vec![
        Post::image("9509"),
        Post::image("9508"),
        Post::image("9507"),
        Post::image("9501"),
        Post::carousel(
            "9503",
            vec![Post::image("9504").media("square.jpg"), Post::image("9505")],
        ),
    ]
}

const IDS_A: &[&str] = &["9501", "9502", "9503"];
const IDS_B: &[&str] = &["9509", "9508", "9507", "9501", "9503"];

/// Every image and video URL the data file refers to.
fn data_urls(data: &Value) -> BTreeSet<String> {
    let mut urls = BTreeSet::new();
    for post in data["posts"].as_array().unwrap() {
        for media in post["media"].as_array().unwrap() {
            let tiles = media["tile"]["variants"].as_array().into_iter().flatten();
            for variant in media["variants"].as_array().unwrap().iter().chain(tiles) {
                urls.insert(variant["url"].as_str().unwrap().to_owned());
            }
            if let Some(url) = media["video"]["url"].as_str() {
                urls.insert(url.to_owned());
            }
        }
    }
    urls
}

fn journal_exists(site: &Path) -> bool {
    site.join(support::CACHE_DIR).join("commit.json").exists()
}

/// Checks that the site holds one whole feed and returns its post ids. While a commit journal is
/// left (killed between the two renames, finished by the next run), it checks only that every
/// file either of them refers to is there.
fn assert_whole_feed(site: &Path, when: &str) -> Vec<String> {
    let data = support::read_data(site);
    let refs = support::assert_html_refs_exist(site);
    let ids = support::post_ids(&data);
    let image_dir = site.join(support::HUGO_IMAGES);
    for url in data_urls(&data) {
        let name = url.rsplit('/').next().unwrap();
        assert!(
            image_dir.join(name).is_file(),
            "{when}: the data file refers to {url}, which is not there"
        );
    }
    if journal_exists(site) {
        return ids;
    }
    // Every file the partial shows is one the data file lists (names are content addressed, so
    // another bake's would differ), and every image of the data file is in the partial: a tile
    // shows a square image's crop rather than its whole-image files, so compare the images (the
    // hash before the width) rather than the files.
    let partial_urls: BTreeSet<String> = refs.into_iter().map(|r| r.url).collect();
    let listed = data_urls(&data);
    let image = |url: &String| {
        url.rsplit_once('-')
            .map_or(url.clone(), |(h, _)| h.to_owned())
    };
    assert!(
        partial_urls.is_subset(&listed)
            && partial_urls.iter().map(image).collect::<BTreeSet<_>>()
                == listed.iter().map(image).collect::<BTreeSet<_>>(),
        "{when}: the partial and the data file are from different bakes:\n{partial_urls:#?}\n{listed:#?}"
    );
    assert!(
        ids == IDS_A || ids == IDS_B,
        "{when}: neither the old feed nor the new one: {ids:?}"
    );
    ids
}

/// After a finished bake of feed B: the feed is B, and the site and cache hold no leftovers of
/// killed runs: no staged or temporary file, no image that nothing refers to.
fn assert_clean_b(site: &Path, when: &str) {
    assert_eq!(assert_whole_feed(site, when), IDS_B, "{when}");
    assert!(!journal_exists(site), "{when}: the journal was left");
    for file in support::files_under(site) {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            !name.ends_with(".instabake-staged") && !name.ends_with(".tmp"),
            "{when}: left behind: {}",
            file.display()
        );
    }
    let referenced: BTreeSet<String> = data_urls(&support::read_data(site))
        .into_iter()
        .map(|url| url.rsplit('/').next().unwrap().to_owned())
        .collect();
    let present: BTreeSet<String> = support::relative_files(&site.join(support::HUGO_IMAGES))
        .into_iter()
        .collect();
    assert_eq!(
        present, referenced,
        "{when}: the images folder holds files nothing refers to, or misses some"
    );
}

/// Copies a folder tree (a baked site with its cache).
fn copy_tree(from: &Path, to: &Path) {
    for file in support::files_under(from) {
        let target = to.join(file.strip_prefix(from).unwrap());
        fs::create_dir_all(target.parent().unwrap()).unwrap();
        fs::copy(&file, &target).unwrap();
    }
}

/// A site baked from feed A, to copy for each kill.
fn baked_a() -> tempfile::TempDir {
    let fake = FakeApi::start(Scenario::new().posts(feed_a()));
    let site = support::site();
    fake.run_build(site.path(), &[]).assert_success();
    assert_eq!(assert_whole_feed(site.path(), "feed A"), IDS_A);
    site
}

#[test]
fn killed_at_each_step_of_writing_the_site_leaves_a_whole_feed() {
    let a = baked_a();
    let fake_b = FakeApi::start(Scenario::new().posts(feed_b()));
    for point in FAILPOINTS {
        let site = support::site();
        copy_tree(a.path(), site.path());

        let run = fake_b.run_build_env(site.path(), &[], &[("INSTABAKE_FAILPOINT", point)]);

        assert_ne!(
            run.code,
            Some(0),
            "{point}: the failpoint was not reached:\n{run}"
        );
        let when = format!("killed at {point}");
        let ids = assert_whole_feed(site.path(), &when);
        match *point {
            "manifest-extended" | "image-written" | "staged" => assert_eq!(ids, IDS_A, "{when}"),
            "pruning" => assert_eq!(ids, IDS_B, "{when}"),
            _ => {}
        }
        if *point == "renamed-one" {
            assert!(journal_exists(site.path()), "{when}: no journal to finish");
        }

        // The next run finishes the job, even one that cannot reach the API.
        let offline = fake_b.run_build(site.path(), &["--offline"]);
        offline.assert_success();
        if matches!(*point, "journal-written" | "renamed-one") {
            assert!(
                offline.stderr.contains("interrupted run"),
                "{when}: {offline}"
            );
            assert_eq!(support::post_ids(&support::read_data(site.path())), IDS_B);
        }
        fake_b.run_build(site.path(), &[]).assert_success();
        assert_clean_b(site.path(), &format!("{when}, then baked again"));
    }
}

#[test]
fn killed_at_any_moment_leaves_a_whole_feed() {
    let a = baked_a();
    // Slow downloads stretch the bake so the kills land in every stage: fetching, encoding,
    // writing.
    let fake_b = FakeApi::start(
        Scenario::new()
            .posts(feed_b())
            .fail(Route::AnyMediaFile, Fault::Slow(Duration::from_millis(150))),
    );
    let timing = support::site();
    copy_tree(a.path(), timing.path());
    let started = Instant::now();
    fake_b.run_build(timing.path(), &[]).assert_success();
    let whole = started.elapsed();

    let mut kills = 0;
    for step in 1..=12u32 {
        let site = support::site();
        copy_tree(a.path(), site.path());
        let path = site.path().to_str().unwrap().to_owned();
        let base = fake_b.base_url();
        let mut child = support::command(
            site.path(),
            &["build", "--site", &path],
            &[
                ("INSTAGRAM_ACCESS_TOKEN", support::TOKEN),
                ("INSTABAKE_API_BASE", &base),
            ],
        )
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
        std::thread::sleep(whole * step / 16);
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            kills += 1;
        }
        child.wait().unwrap();

        let when = format!("killed at {:?} of {whole:?}", whole * step / 16);
        assert_whole_feed(site.path(), &when);
        fake_b.run_build(site.path(), &[]).assert_success();
        assert_clean_b(site.path(), &format!("{when}, then baked again"));
    }
    // The kills land in the first three quarters of a bake timed on its own; other tests running
    // beside this one make bakes slower, never faster, so most runs are still killed.
    assert!(
        kills >= 6,
        "only {kills} of 12 runs were killed before they ended"
    );
}
