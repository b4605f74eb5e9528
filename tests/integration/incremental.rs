//! A rebuild does only the work that changed: nothing new means no download and no encode, a new
//! post costs only its own work, changed settings re-encode only what they change from the cached
//! originals, and `max_age` saves the API call altogether.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::time::SystemTime;

use crate::support::{self, FakeApi, Post, Scenario};

/// Every cached variant file with its modification time: a file encoded again is a new file.
fn variant_files(site: &Path) -> BTreeMap<String, SystemTime> {
    let dir = site.join(support::CACHE_DIR).join("variants");
    fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|entry| entry.unwrap())
        .filter(|entry| !entry.file_name().to_string_lossy().ends_with(".json"))
        .map(|entry| {
            (
                entry.file_name().to_string_lossy().into_owned(),
                entry.metadata().unwrap().modified().unwrap(),
            )
        })
        .collect()
}

/// Files in `after` that are not in `before`; fails if a file of `before` was written again (files
/// no longer used may be gone: the cache forgets them).
fn made_between(
    before: &BTreeMap<String, SystemTime>,
    after: &BTreeMap<String, SystemTime>,
) -> Vec<String> {
    let changed: Vec<String> = before
        .iter()
        .filter(|(name, time)| after.get(*name).is_some_and(|t| t != *time))
        .map(|(name, _)| name.clone())
        .collect();
    assert!(
        changed.is_empty(),
        "cached variants were encoded again: {changed:?}"
    );
    after
        .keys()
        .filter(|name| !before.contains_key(*name))
        .cloned()
        .collect()
}

fn three_posts() -> Vec<Post> {
    vec![
        Post::image("9101"),
        Post::image("9102").media("square.jpg"),
        Post::carousel(
            "9103",
            vec![Post::image("9104").media("small.jpg"), Post::image("9105")],
        ),
    ]
}

fn config(site: &Path, images: &str) {
    fs::write(
        site.join("instabake.toml"),
        format!("preset = \"hugo\"\n\n[images]\n{images}\n"),
    )
    .unwrap();
}

#[test]
fn a_new_width_is_encoded_from_cached_originals_and_nothing_else_is() {
    let fake = FakeApi::start(Scenario::new().posts(three_posts()));
    let site = support::site();
    fake.run_build(site.path(), &[]).assert_success();
    let before = variant_files(site.path());
    // Three 1080-wide images in three widths, small.jpg (640 wide) in two, and square.jpg's tile
    // crop (864 wide) in 320 and 640; two formats each.
    assert_eq!(before.len(), (3 * 3 + 2 + 2) * 2);
    fake.clear_requests();

    config(site.path(), "widths = [320, 480, 640, 1080]");
    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    assert!(
        fake.media_requests().is_empty(),
        "downloaded again: {:#?}",
        fake.media_requests()
    );
    let new = made_between(&before, &variant_files(site.path()));
    assert_eq!(
        new.len(),
        (4 + 1) * 2,
        "one new width in two formats per image and for the square one's tile: {new:?}"
    );
    assert!(
        new.iter()
            .all(|name| name.contains("-480.") || name.contains("-t480.")),
        "{new:?}"
    );
    let data = support::read_data(site.path());
    let widths: Vec<u64> = support::post(&data, "9101")["media"][0]["variants"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["format"] == "jpeg")
        .map(|v| v["width"].as_u64().unwrap())
        .collect();
    assert_eq!(widths, [1080, 640, 480, 320]);
    support::assert_html_refs_exist(site.path());
}

#[test]
fn a_new_webp_quality_reencodes_only_webp() {
    let fake = FakeApi::start(Scenario::new().posts(three_posts()));
    let site = support::site();
    fake.run_build(site.path(), &[]).assert_success();
    let before = variant_files(site.path());
    fake.clear_requests();

    config(site.path(), "webp_quality = 60");
    fake.run_build(site.path(), &[]).assert_success();

    assert!(fake.media_requests().is_empty());
    let after = variant_files(site.path());
    let new = made_between(&before, &after);
    assert_eq!(new.len(), 3 * 3 + 2 + 2, "{new:?}");
    assert!(new.iter().all(|name| name.ends_with(".webp")), "{new:?}");
    // The JPEG files are kept as they were; the q80 WebP files, used by nothing now, are forgotten.
    let kept: Vec<&String> = before.keys().filter(|n| after.contains_key(*n)).collect();
    assert_eq!(kept.len(), 3 * 3 + 2 + 2, "{kept:?}");
    assert!(kept.iter().all(|name| name.ends_with(".jpg")), "{kept:?}");
    // The old WebP files are no longer referenced, so they are pruned from the site.
    let site_images: Vec<String> = support::relative_files(&site.path().join(support::HUGO_IMAGES));
    assert_eq!(site_images.len(), (3 * 3 + 2 + 2) * 2, "{site_images:?}");
    assert!(new
        .iter()
        .all(|name| site_images.iter().any(|f| f.ends_with(name.as_str()))));
}

#[test]
fn a_new_post_costs_only_its_own_work() {
    let fake = FakeApi::start(Scenario::new().posts(three_posts()));
    let site = support::site();
    fake.run_build(site.path(), &[]).assert_success();
    let before = variant_files(site.path());
    fake.clear_requests();

    let mut posts = vec![Post::image("9100").media("new.jpg")];
    posts.extend(three_posts());
    fake.set_posts(posts);
    fake.run_build(site.path(), &[]).assert_success();

    let fetched: Vec<String> = fake
        .media_requests()
        .iter()
        .filter_map(super::support::http::Request::media_name)
        .collect();
    assert_eq!(fetched, ["new.jpg"]);
    let new = made_between(&before, &variant_files(site.path()));
    assert_eq!(new.len(), 3 * 2, "{new:?}");
    assert_eq!(
        support::post_ids(&support::read_data(site.path()))[0],
        "9100"
    );
}

#[test]
fn within_max_age_no_request_is_made() {
    let fake = FakeApi::start(Scenario::new().posts(three_posts()));
    let site = support::site();
    fs::write(site.path().join("instabake.toml"), "max_age = \"1h\"\n").unwrap();
    fake.run_build(site.path(), &[]).assert_success();
    assert_eq!(fake.media_list_requests().len(), 1);
    fake.clear_requests();

    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    assert!(fake.requests().is_empty(), "{:#?}", fake.requests());
    assert!(run.stderr.contains("max_age"), "{run}");
    let data = support::read_data(site.path());
    assert_eq!(support::post_ids(&data), ["9101", "9102", "9103"]);
    support::assert_html_refs_exist(site.path());
}

#[test]
fn one_api_request_per_hundred_posts() {
    let posts: Vec<Post> = (0..150)
        .map(|i| Post::image(&format!("{}", 20_000 + i)))
        .collect();
    let fake = FakeApi::start(Scenario::new().posts(posts).generated_size(48, 60));
    let site = support::site();

    fake.run_build(site.path(), &["--limit", "150"])
        .assert_success();

    assert_eq!(fake.api_requests().len(), 2, "{:#?}", fake.api_requests());
    assert_eq!(
        support::post_ids(&support::read_data(site.path())).len(),
        150
    );
}

/// AVIF is the `avif` cargo feature: `cargo test --features avif` runs this.
#[cfg(feature = "avif")]
#[test]
fn turning_on_avif_encodes_only_avif_and_lists_it_first() {
    let fake = FakeApi::start(Scenario::new().posts(vec![Post::image("9201").media("small.jpg")]));
    let site = support::site();
    fake.run_build(site.path(), &[]).assert_success();
    let before = variant_files(site.path());
    fake.clear_requests();

    config(
        site.path(),
        "formats = [\"avif\", \"webp\", \"jpeg\"]\navif_speed = 10",
    );
    fake.run_build(site.path(), &[]).assert_success();

    assert!(fake.media_requests().is_empty());
    let new = made_between(&before, &variant_files(site.path()));
    assert_eq!(new.len(), 2, "640 and 320 wide: {new:?}");
    assert!(new.iter().all(|name| name.ends_with(".avif")), "{new:?}");
    let data = support::read_data(site.path());
    let media = &support::post(&data, "9201")["media"][0];
    let avif: Vec<&serde_json::Value> = media["variants"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["format"] == "avif")
        .collect();
    assert_eq!(avif.len(), 2);
    for v in avif {
        let name = v["url"].as_str().unwrap().rsplit('/').next().unwrap();
        let bytes = fs::read(site.path().join(support::HUGO_IMAGES).join(name)).unwrap();
        assert_eq!(
            support::avif_size(&bytes),
            Some((
                v["width"].as_u64().unwrap() as u32,
                v["height"].as_u64().unwrap() as u32
            ))
        );
        assert_eq!(bytes.len() as u64, v["bytes"].as_u64().unwrap());
    }
    // Browsers take the first <source> they support: AVIF, then WebP, then the JPEG <img>.
    let partial = fs::read_to_string(site.path().join(support::HUGO_PARTIAL)).unwrap();
    let avif_at = partial.find("type=\"image/avif\"").expect("no AVIF source");
    let webp_at = partial.find("type=\"image/webp\"").expect("no WebP source");
    assert!(avif_at < webp_at);
    support::assert_html_refs_exist(site.path());
}

/// A build without the `avif` feature refuses `formats = ["avif", ...]` before touching anything,
/// and says how to get a build that has it.
#[cfg(not(feature = "avif"))]
#[test]
fn asking_for_avif_from_a_build_without_it_says_how_to_get_it() {
    let fake = FakeApi::start(Scenario::new().posts(vec![Post::image("9201").media("small.jpg")]));
    let site = support::site();
    fake.run_build(site.path(), &[]).assert_success();
    config(site.path(), "formats = [\"avif\", \"webp\", \"jpeg\"]");
    let before = support::snapshot(site.path());
    fake.clear_requests();

    let run = fake.run_build(site.path(), &[]);
    run.assert_code(2);
    for needle in ["images.formats", "--features avif", "pip install instabake"] {
        assert!(run.stderr.contains(needle), "{needle}: {}", run.stderr);
    }
    assert!(fake.requests().is_empty(), "{:#?}", fake.requests());
    assert!(
        support::snapshot(site.path()) == before,
        "the refused build changed the site"
    );
}

/// A cached variant cut short (a run killed by the machine, a disk that filled up, a cache
/// restored half-way) is not copied into the site: it is encoded again from the original, and the
/// site gets the whole file.
#[test]
fn a_cached_variant_cut_short_is_encoded_again() {
    let fake = FakeApi::start(Scenario::new().posts(vec![Post::image("9201").media("small.jpg")]));
    let site = support::site();
    fake.run_build(site.path(), &[]).assert_success();
    let data = support::read_data(site.path());
    let variant = &support::post(&data, "9201")["media"][0]["variants"][0];
    let name = variant["url"].as_str().unwrap().rsplit('/').next().unwrap();
    let whole = variant["bytes"].as_u64().unwrap();
    let cached = site
        .path()
        .join(support::CACHE_DIR)
        .join("variants")
        .join(name);
    let bytes = fs::read(&cached).unwrap();
    fs::write(&cached, &bytes[..bytes.len() / 2]).unwrap();
    fs::remove_file(site.path().join(support::HUGO_IMAGES).join(name)).unwrap();
    fake.clear_requests();

    let run = fake.run_build(site.path(), &["-v"]);
    run.assert_success();
    assert!(fake.media_requests().is_empty(), "the original is cached");
    assert!(
        run.stderr.contains("1 files encoded"),
        "one file made again: {}",
        run.stderr
    );
    assert_eq!(fs::read(&cached).unwrap().len() as u64, whole);
    let served = fs::read(site.path().join(support::HUGO_IMAGES).join(name)).unwrap();
    assert_eq!(served.len() as u64, whole);
    support::assert_html_refs_exist(site.path());
}

#[test]
fn a_deleted_post_is_forgotten_by_the_cache_too() {
    let fake = FakeApi::start(Scenario::new().posts(three_posts()));
    let site = support::site();
    fake.run_build(site.path(), &[]).assert_success();
    let originals = site.path().join(support::CACHE_DIR).join("originals");
    let names = |dir: &Path| -> Vec<String> { support::relative_files(dir) };
    assert_eq!(names(&originals), ["9101", "9102", "9104", "9105"]);
    let files_of = |data: &serde_json::Value, id: &str| -> Vec<String> {
        support::post(data, id)["media"][0]["variants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                v["url"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    let data = support::read_data(site.path());
    let (gone, kept) = (files_of(&data, "9102"), files_of(&data, "9101"));

    // 9102 is deleted on Instagram.
    let mut posts = three_posts();
    posts.remove(1);
    let fake = FakeApi::start(Scenario::new().posts(posts));
    fake.run_build(site.path(), &[]).assert_success();

    assert_eq!(names(&originals), ["9101", "9104", "9105"]);
    let cached = variant_files(site.path());
    assert!(gone.iter().all(|f| !cached.contains_key(f)), "{gone:?}");
    assert!(kept.iter().all(|f| cached.contains_key(f)), "{kept:?}");
    // One record per source left: 9101, 9104, 9105.
    let records = names(&site.path().join(support::CACHE_DIR).join("variants"))
        .into_iter()
        .filter(|n| n.ends_with(".json"))
        .count();
    assert_eq!(records, 3);
    // And a fallback bake still has everything it needs.
    fake.add_fault(support::Route::AnyApi, support::Fault::Html500, None);
    fake.run_build(site.path(), &[]).assert_success();
    assert_eq!(
        support::post_ids(&support::read_data(site.path())),
        ["9101", "9103"]
    );
    support::assert_html_refs_exist(site.path());
}

#[test]
fn a_square_posts_tile_offers_its_own_4_5_crop_a_4_5_posts_its_whole_image_the_first_comes_first() {
    let fake = FakeApi::start(Scenario::new().posts(three_posts()));
    let site = support::site();
    fake.run_build(site.path(), &[]).assert_success();
    let data = support::read_data(site.path());
    let partial = fs::read_to_string(site.path().join(support::HUGO_PARTIAL)).unwrap();
    let offered: Vec<String> = support::attributes(&partial, &["srcset"])
        .into_iter()
        .map(|(_, value)| value)
        .collect();

    let square = &support::post(&data, "9102")["media"][0];
    let tile = &square["tile"];
    assert_eq!(
        tile["width"].as_u64().unwrap() * 5,
        tile["height"].as_u64().unwrap() * 4,
        "{tile}"
    );
    // The tile's srcsets are what the partial offers for the square post; its whole image's are
    // left to the data file.
    for (format, srcset) in tile["srcset"].as_object().unwrap() {
        assert!(offered.iter().any(|s| s == srcset), "{format}: {srcset}");
        let whole = square["srcset"][format].as_str().unwrap();
        assert!(!offered.iter().any(|s| s == whole), "{format}: {whole}");
    }
    let portrait = &support::post(&data, "9101")["media"][0];
    assert!(portrait["tile"].is_null(), "{portrait}");
    // The first tile's image, and only it, is fetched before the rest.
    let priorities = support::attributes(&partial, &["fetchpriority"]);
    assert_eq!(priorities.len(), 1, "{priorities:?}");
    let first_img = &partial[partial.find("<img ").unwrap()..];
    assert!(
        first_img[..first_img.find('>').unwrap()].contains("fetchpriority=\"high\""),
        "{first_img}"
    );
    let whole = portrait["srcset"]["webp"].as_str().unwrap();
    assert!(offered.iter().any(|s| s == whole), "{whole}");
}
