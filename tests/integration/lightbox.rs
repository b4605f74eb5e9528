//! `[render] layout` and `lightbox`: the partial they write, and what a visitor's browser does
//! with it.
//!
//! The browser half bakes the example site with `lightbox = true` and the account header, once as
//! a grid and once as a strip, builds it with Hugo, serves it from a local server, and has `browser/lightbox.js` drive
//! Debian's Chromium through its DevTools protocol (puppeteer-core from npm, pinned in
//! `browser/package.json`): only the browser's own, trusted input closes a popover with Escape or
//! a click outside, which no synthetic event in the page can do. Screenshots of each layout, light
//! and dark, closed and open, go to `target/test-output/browser/`.
//!
//! Chromium, Hugo, node and the driver (`npm ci` of `browser/package.json` into
//! `target/browser-driver/`) are optional locally (`SKIPPED: ...`), required under
//! `INSTABAKE_REQUIRE_TOOLS=1` (`.ci/run` installs them).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread;
use std::time::Duration;

use serde_json::Value;

use crate::browser::{self, Server};
use crate::example_site;
use crate::support::{self, FakeApi, Post, Scenario};

/// The grid's `sizes` (render.rs `DEFAULT_SIZES`), the strip's, and the large view's.
const GRID_SIZES: &str =
    "(min-width: 960px) 318px, (min-width: 600px) calc(33.34vw - 2.66px), calc(50vw - 2px)";
const STRIP_SIZES: &str = "(min-width: 960px) 216px, (min-width: 600px) 22.5vw, 40vw";
const LIGHTBOX_SIZES: &str = "(min-width: 1096px) 1080px, 100vw";

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Copies the example site into `site` with `render` appended to its `[render]` section (the
/// last of its config file) and bakes its demo feed; returns the run.
pub(crate) fn bake_example(site: &Path, render: &str) -> support::Run {
    support::copy_sources(&example_site::example_site(), site, example_site::GENERATED);
    let config = site.join("instabake.toml");
    let mut text = fs::read_to_string(&config).unwrap();
    let last_section = text.rfind("\n[").map(|at| &text[at + 1..]);
    assert!(
        last_section.is_some_and(|section| section.starts_with("[render]\n")),
        "the example site's config no longer ends with its [render] section:\n{text}"
    );
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(render);
    fs::write(&config, text).unwrap();
    example_site::bake_demo_feed(site)
}

fn partial(site: &Path) -> String {
    fs::read_to_string(site.join(support::HUGO_PARTIAL)).unwrap()
}

/// The value of every `name` attribute of the tags in `html`, in order.
fn values(html: &str, name: &str) -> Vec<String> {
    support::attributes(html, &[name])
        .into_iter()
        .map(|(_, v)| v)
        .collect()
}

/// The popovers of a partial, each as its HTML.
fn popovers(html: &str) -> Vec<&str> {
    html.split("<div popover ")
        .skip(1)
        .map(|rest| &rest[..rest.find("</li>").expect("a popover inside its <li>")])
        .collect()
}

#[test]
fn the_default_is_todays_grid_without_a_lightbox() {
    let work = tempfile::tempdir().unwrap();
    bake_example(work.path(), "").assert_success();
    let html = partial(work.path());
    assert!(html.contains("<ul class=\"ib-grid\">"), "{html}");
    for absent in ["popover", "ib-strip", "ib-lightbox", "<button"] {
        assert!(!html.contains(absent), "{absent} in the default partial");
    }
    for sizes in values(&html, "sizes") {
        assert_eq!(sizes, GRID_SIZES);
    }
}

#[test]
fn the_lightbox_holds_every_item_of_each_post_lazily_at_the_large_sizes() {
    let work = tempfile::tempdir().unwrap();
    let site = work.path();
    bake_example(site, "layout = \"strip\"\nlightbox = true\n").assert_success();
    let html = partial(site);
    let data = support::read_data(site);
    let posts = data["posts"].as_array().unwrap();

    assert!(
        html.contains("<ul class=\"ib-strip\" tabindex=\"0\""),
        "the strip is not a keyboard-focusable list:\n{html}"
    );
    // One button per tile, each naming its own popover; ids unique.
    let targets: Vec<String> = support::attributes(&html, &["popovertarget"])
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    let ids = values(&html, "id");
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "duplicate ids: {ids:?}");
    assert_eq!(ids.len(), posts.len());
    let boxes = popovers(&html);
    assert_eq!(boxes.len(), posts.len());
    let first = posts[0]["id"].as_str().unwrap();
    for ((post, id), body) in posts.iter().zip(&ids).zip(&boxes) {
        let post_id = post["id"].as_str().unwrap();
        assert_eq!(id, &format!("ib-lb-{first}-{post_id}"));
        // The tile opens it, its close button hides it, and nothing else names it.
        assert_eq!(targets.iter().filter(|t| *t == id).count(), 2, "{id}");
        assert!(
            body.contains(&format!(
                "popovertarget=\"{id}\" popovertargetaction=\"hide\" autofocus"
            )),
            "{id}: no autofocused close button:\n{body}"
        );
        // Every item, lazy, at the large view's sizes; no poster attribute, which the browser
        // would fetch while the popover is closed.
        let media = post["media"].as_array().unwrap();
        let imgs: Vec<_> = support::attributes(body, &["loading"]);
        assert_eq!(imgs.len(), media.len(), "{id}: {body}");
        assert!(imgs.iter().all(|(_, v)| v == "lazy"), "{id}: {body}");
        let sizes = values(body, "sizes");
        assert!(!sizes.is_empty());
        assert!(sizes.iter().all(|s| s == LIGHTBOX_SIZES), "{id}: {sizes:?}");
        assert!(values(body, "poster").is_empty(), "{id}: {body}");
        for item in media {
            let largest = item["variants"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v["width"].as_u64().unwrap())
                .max()
                .unwrap();
            assert!(
                body.contains(&format!(" {largest}w")),
                "{id}: the largest width ({largest}) is not offered:\n{body}"
            );
        }
        if let Some(permalink) = post["permalink"].as_str() {
            assert!(
                values(body, "href").iter().any(|h| h == permalink),
                "{id}: no link to {permalink}"
            );
        }
        if let Some(date) = post["date"].as_str() {
            assert!(body.contains(&format!(">{date}</time>")), "{id}: no date");
        }
    }
    // The tiles keep the strip's sizes.
    let tile_sizes: Vec<String> = values(&html, "sizes")
        .into_iter()
        .filter(|s| s != LIGHTBOX_SIZES)
        .collect();
    // A `<source>` (WebP) and an `<img>` (JPEG) per tile.
    assert_eq!(tile_sizes.len(), 2 * posts.len());
    assert!(
        tile_sizes.iter().all(|s| s == STRIP_SIZES),
        "{tile_sizes:?}"
    );
    // Without popover support, a link to the post covers each tile.
    assert_eq!(
        html.matches("<a class=\"ib-fallback\"").count(),
        posts.len()
    );
    // The demo feed's hostile caption is text in the large view too.
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(!html.contains("{{"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
}

#[test]
fn a_sizes_of_ones_own_wins_over_the_layouts() {
    let work = tempfile::tempdir().unwrap();
    bake_example(work.path(), "layout = \"strip\"\nsizes = \"50vw\"\n").assert_success();
    let sizes = values(&partial(work.path()), "sizes");
    assert!(!sizes.is_empty());
    assert!(sizes.iter().all(|s| s == "50vw"), "{sizes:?}");
}

#[test]
fn bad_layout_settings_are_errors_naming_the_key() {
    for (setting, expected) in [
        (
            "layout = \"mosaic\"",
            &["layout", "mosaic", "grid", "strip"][..],
        ),
        ("lightbox = \"yes\"", &["lightbox"][..]),
        ("sizes = \" \"", &["render.sizes"][..]),
    ] {
        let work = tempfile::tempdir().unwrap();
        let run = bake_example(work.path(), &format!("{setting}\n"));
        run.assert_clean_failure();
        let stderr = run.stderr.clone();
        for word in expected {
            assert!(stderr.contains(word), "{setting}: {word} not in\n{run}");
        }
        assert!(
            !work.path().join(support::HUGO_PARTIAL).exists(),
            "{setting}: a partial was written"
        );
    }
}

#[test]
fn a_baked_video_plays_in_the_lightbox_over_a_lazy_poster() {
    let fake = FakeApi::start(Scenario::new().posts(vec![
        Post::video("9301").caption("A reel"),
        Post::image("9302"),
    ]));
    let site = support::site();
    fs::write(
        site.path().join("instabake.toml"),
        "[video]\ndownload = true\n[render]\nlightbox = true\n",
    )
    .unwrap();
    fake.run_build(site.path(), &[]).assert_success();
    let html = partial(site.path());
    let boxes = popovers(&html);
    assert_eq!(boxes.len(), 2, "{html}");
    let video = boxes[0];
    assert!(
        video.contains("<video controls preload=\"none\""),
        "{video}"
    );
    assert!(video.contains(".mp4\" type=\"video/mp4\""), "{video}");
    assert!(values(video, "poster").is_empty(), "{video}");
    assert_eq!(values(video, "loading"), ["lazy"], "{video}");
    // The tile is a button showing the poster, not a player.
    let tile = &html[..html.find("<div popover").unwrap()];
    assert!(!tile.contains("<video"), "{tile}");
    assert!(tile.contains("<button type=\"button\" class=\"ib-link\""));
}

/// The driver's `node_modules`, installed at the pinned puppeteer-core version.
pub(crate) fn browser_driver() -> Result<PathBuf, String> {
    let modules = support::pinned_node_modules(
        "tests/integration/browser/package.json",
        "puppeteer-core",
        "target/browser-driver",
    )?;
    if !support::runs("node", "--version") {
        return Err("node is not on PATH".to_owned());
    }
    Ok(modules)
}

/// Whether `image` (as `lightbox.js` reports it) loaded the smallest candidate that covers its
/// displayed width at `dpr`, or the largest there is; else what is wrong.
fn candidate_problem(image: &Value, dpr: f64) -> Option<String> {
    let current = image["current"].as_str().unwrap_or("");
    if image["natural"].as_u64().unwrap_or(0) == 0 {
        return Some(format!("{current:?} did not load"));
    }
    if image["alt"].as_str().unwrap_or("").trim().is_empty() {
        return Some(format!("{current} has no alt text"));
    }
    let needed = image["rendered"].as_f64().unwrap() * dpr;
    let mut widths: Vec<u32> = image["candidates"]
        .as_str()
        .unwrap()
        .split(',')
        .map(|c| browser::width_of(c.split_whitespace().next().unwrap()))
        .collect();
    widths.sort_unstable();
    let expected = widths
        .iter()
        .copied()
        .find(|&w| f64::from(w) >= needed)
        .unwrap_or(*widths.last().unwrap());
    (browser::width_of(current) != expected).then(|| {
        format!("{current} shown {needed:.0} px wide; candidates {widths:?}, expected {expected}")
    })
}

/// Every way the report of one layout falls short; empty when it all holds.
fn judge(report: &Value, layout: &str, posts: usize, local: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut check = |ok: bool, what: String| {
        if !ok {
            problems.push(what);
        }
    };
    let runs = report["runs"].as_array().unwrap();
    check(runs.len() == 4, format!("{layout}: {} runs", runs.len()));
    for run in runs {
        let what = format!(
            "{layout}, {} {}",
            run["viewport"].as_str().unwrap(),
            run["scheme"].as_str().unwrap()
        );
        let dpr = run["dpr"].as_f64().unwrap();
        check(
            run["scheme_seen"] == run["scheme"],
            format!("{what}: the page saw {}", run["scheme_seen"]),
        );
        for key in ["posts", "tiles", "popovers"] {
            check(
                run[key].as_u64() == Some(posts as u64),
                format!("{what}: {} {key}, not {posts}", run[key]),
            );
        }
        check(run["ids_unique"] == true, format!("{what}: duplicate ids"));

        // Nothing of the large views loaded before one opened.
        check(
            run["box_urls"].as_u64().unwrap_or(0) > 0,
            format!("{what}: the large views offer no image of their own"),
        );
        check(
            run["box_images_loaded_before"] == Value::Array(vec![]),
            format!(
                "{what}: large-view images loaded before any opened: {}",
                run["box_images_loaded_before"]
            ),
        );
        check(
            run["box_requests_before"] == Value::Array(vec![]),
            format!(
                "{what}: large-view images requested before any opened: {}",
                run["box_requests_before"]
            ),
        );

        for image in run["tile_images"].as_array().unwrap() {
            if let Some(problem) = candidate_problem(image, dpr) {
                check(false, format!("{what}: tile: {problem}"));
            }
        }

        // The strip scrolls sideways with the keyboard and the wheel, and snaps to a tile; the
        // grid does not scroll sideways at all.
        let strip = &run["strip"];
        if layout == "strip" {
            check(
                strip["overflows"] == true,
                format!("{what}: the strip does not overflow: {strip}"),
            );
            check(
                strip["focused"] == true,
                format!("{what}: the strip takes no focus"),
            );
            let (start, keys, wheel) = (
                strip["start"].as_f64().unwrap_or(0.0),
                strip["after_keys"].as_f64().unwrap_or(0.0),
                strip["after_wheel"].as_f64().unwrap_or(0.0),
            );
            check(
                keys > start,
                format!("{what}: ArrowRight did not scroll the strip: {strip}"),
            );
            check(
                wheel > keys,
                format!("{what}: the wheel did not scroll the strip: {strip}"),
            );
            for key in ["snapped_after_keys", "snapped_after_wheel"] {
                check(
                    strip[key] == true,
                    format!("{what}: no tile at the strip's edge ({key}): {strip}"),
                );
            }
        } else {
            check(strip.is_null(), format!("{what}: a strip in the grid"));
            check(
                run["page_overflows_sideways"] == false,
                format!("{what}: the page scrolls sideways"),
            );
        }

        let opened = run["posts_opened"].as_array().unwrap();
        check(
            opened.len() == 3,
            format!(
                "{what}: {} posts opened (a photo, an album, a video)",
                opened.len()
            ),
        );
        for post in opened {
            let what = format!("{what}, {}", post["what"].as_str().unwrap());
            // Opening, with the keyboard or the mouse: the close button has the focus.
            for step in ["enter", "enter_again", "click", "click_again"] {
                let state = &post[step];
                check(
                    state["open"] == true,
                    format!("{what}: {step} did not open the large view: {state}"),
                );
                check(
                    state["focus_on_close"] == true,
                    format!("{what}: after {step} the focus is not on the close button: {state}"),
                );
            }
            // Closing by Escape, by the close button (keyboard and mouse): focus is back on the
            // tile. A click outside closes too, and focus goes where the visitor clicked, as
            // the browser does for every light-dismissed popover.
            for step in [
                "escape",
                "close_by_keyboard",
                "close_button",
                "click_outside",
            ] {
                let state = &post[step];
                check(
                    state["open"] == false,
                    format!("{what}: {step} did not close the large view: {state}"),
                );
                check(
                    state["focus_in_box"] == false,
                    format!("{what}: after {step} the focus is in the closed view: {state}"),
                );
                if step != "click_outside" {
                    check(
                        state["focus_on_tile"] == true,
                        format!("{what}: after {step} the focus is not back on the tile: {state}"),
                    );
                }
            }
            // Its images loaded, at the large widths: the candidate that covers the view (the
            // largest at the desktop size).
            let images = post["images"].as_array().unwrap();
            check(
                !images.is_empty(),
                format!("{what}: no image in the large view"),
            );
            for image in images {
                if let Some(problem) = candidate_problem(image, dpr) {
                    check(false, format!("{what}: large view: {problem}"));
                }
                let largest = image["candidates"]
                    .as_str()
                    .unwrap()
                    .split(',')
                    .map(|c| browser::width_of(c.split_whitespace().next().unwrap()))
                    .max()
                    .unwrap();
                if run["viewport"] == "desktop" {
                    let current = image["current"].as_str().unwrap_or("");
                    check(
                        !current.is_empty() && browser::width_of(current) == largest,
                        format!("{what}: large view shows {current}, not the {largest} px one"),
                    );
                }
            }
        }

        // Without popover support (played by dropping the `@supports` block), each tile is a
        // link to the post.
        if let Some(tiles) = run["fallback"].as_array() {
            check(
                tiles.len() == posts,
                format!("{what}: {} tiles without popover support", tiles.len()),
            );
            for (i, tile) in tiles.iter().enumerate() {
                for (key, want) in [
                    ("link_covers", true),
                    ("link_takes_click", true),
                    ("link_takes_focus", true),
                    ("button_takes_focus", false),
                    ("picture_shows", true),
                    ("box_hidden", true),
                ] {
                    check(
                        tile[key] == want,
                        format!("{what}: without popover support, tile {i}: {key} is not {want}: {tile}"),
                    );
                }
            }
        } else if run["viewport"] == "desktop" && run["scheme"] == "light" {
            check(false, format!("{what}: no fallback report"));
        }
        check(
            run["shift"]["all"].as_f64() == Some(0.0),
            format!("{what}: the layout shifted: {}", run["shift"]),
        );
        for url in run["requests"].as_array().unwrap() {
            let url = url.as_str().unwrap();
            check(
                url.starts_with(local),
                format!("{what}: a request left the site: {url}"),
            );
        }
    }
    problems
}

#[test]
fn the_lightbox_and_the_strip_in_a_real_browser() {
    let chromium = browser::find_chromium();
    let driver = browser_driver();
    let (Some(chromium), true, Ok(modules)) =
        (chromium, example_site::hugo_available(), driver.clone())
    else {
        support::skip(&format!(
            "the lightbox was not checked in a browser: chromium and hugo must be on PATH \
             (apt-get install chromium; pip install hugo), and the driver installed ({})",
            driver.err().unwrap_or_else(|| "it is".to_owned())
        ));
        return;
    };
    let chromium = crate::browser::chromium_path(&chromium);
    let shots = manifest_dir().join("target/test-output/browser");
    fs::create_dir_all(&shots).unwrap();
    let script = manifest_dir().join("tests/integration/browser/lightbox.js");

    // Both layouts at once: each is a minute of waiting on the browser.
    let layouts: Vec<_> = ["grid", "strip"]
        .into_iter()
        .map(|layout| {
            let (chromium, modules, shots, script) = (
                chromium.clone(),
                modules.clone(),
                shots.clone(),
                script.clone(),
            );
            thread::spawn(move || {
                let work = tempfile::tempdir().unwrap();
                let site = work.path();
                bake_example(
                    site,
                    &format!(
                        "layout = \"{layout}\"\nlightbox = true\nheader = true\n\
                         [account]\nprofile = true\n"
                    ),
                )
                .assert_success();
                let (public, out) = example_site::hugo_build(site);
                assert!(
                    out.status.success(),
                    "hugo failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                let data = support::read_data(site);
                let posts = support::post_ids(&data).len();
                // The account header is on: its baked picture is among what the page shows.
                let picture: Vec<String> = data["account"]["picture"]["variants"]
                    .as_array()
                    .map(|variants| {
                        variants
                            .iter()
                            .filter_map(|v| v["url"].as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                assert!(!picture.is_empty(), "{layout}: no profile picture baked");
                let server = Server::start(public);
                let base = server.url("");
                let shot_names: Vec<String> = ["", "-lightbox", "-phone", "-lightbox-phone"]
                    .iter()
                    .flat_map(|kind| {
                        ["light", "dark"].map(|scheme| format!("{layout}{kind}-{scheme}.png"))
                    })
                    .collect();
                for name in &shot_names {
                    let _ = fs::remove_file(shots.join(name));
                }
                let out = support::succeed(
                    Command::new("node")
                        .arg(&script)
                        .arg(&chromium)
                        .arg(&base)
                        .arg(layout)
                        .arg(&shots)
                        .env("NODE_PATH", &modules),
                    &format!("lightbox.js ({layout})"),
                    Duration::from_secs(300),
                );
                let report: Value = serde_json::from_str(&out)
                    .unwrap_or_else(|e| panic!("{layout}: bad report ({e}):\n{out}"));
                let mut problems = judge(&report, layout, posts, &format!("{base}/"));
                let requests = server.requests.lock().unwrap().clone();
                if !requests.iter().any(|r| picture.contains(r)) {
                    problems.push(format!(
                        "{layout}: the header's picture ({picture:?}) was never requested"
                    ));
                }
                // The local server saw only requests for its own paths.
                for request in &requests {
                    if !request.starts_with('/') {
                        problems.push(format!("{layout}: a request for {request}"));
                    }
                }
                for name in &shot_names {
                    if !shots.join(name).is_file() {
                        problems.push(format!("{layout}: no screenshot {name}"));
                    }
                }
                problems
            })
        })
        .collect();
    let problems: Vec<String> = layouts
        .into_iter()
        .flat_map(|handle| handle.join().expect("a layout's check panicked"))
        .collect();
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    eprintln!("screenshots: {}", shots.display());
}
