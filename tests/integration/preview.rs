//! `instabake preview`: the demo feed baked into a site, the real binary serving it, and the page
//! and every file it names fetched from that server over plain HTTP, the way a browser would.
//!
//! Requests are written by hand on a `TcpStream`: an HTTP client would normalise the `..` and
//! `%2e%2e` of the traversal attempts away before sending them.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use super::support;

/// A running `instabake preview`, killed when dropped (also when a test fails half way).
struct Server {
    child: Child,
    /// The URL it printed, `http://127.0.0.1:PORT/`.
    url: String,
    address: SocketAddr,
    /// What it has printed on stderr so far.
    stderr: Arc<Mutex<String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// `instabake preview --site SITE ARGS...` in `site`, once it has printed its URL.
    fn start(site: &Path, args: &[&str], env: &[(&str, &str)]) -> Server {
        let site_arg = site.to_str().expect("UTF-8 site path");
        let mut all = vec!["preview", "--site", site_arg];
        all.extend_from_slice(args);
        let mut child = support::command(site, &all, env)
            .spawn()
            .expect("start instabake preview");
        let stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let (lines, received) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                if lines.send(line.unwrap_or_default()).is_err() {
                    break;
                }
            }
        });
        let Ok(url) = received.recv_timeout(Duration::from_secs(60)) else {
            let _ = child.kill();
            let _ = child.wait();
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            panic!(
                "instabake {} printed no URL; stderr:\n{text}",
                all.join(" ")
            );
        };
        // Read as it comes, so that the server never blocks on a full pipe.
        let printed = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&printed);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let mut text = sink.lock().unwrap();
                text.push_str(&line);
                text.push('\n');
            }
        });
        let address: SocketAddr = url
            .strip_prefix("http://")
            .and_then(|rest| rest.strip_suffix('/'))
            .and_then(|host| host.parse().ok())
            .unwrap_or_else(|| panic!("the first line is not the page's URL: {url:?}"));
        Server {
            child,
            url,
            address,
            stderr: printed,
        }
    }

    /// Waits up to 30 s for `text` on stderr; returns all of stderr.
    fn stderr_with(&self, text: &str) -> String {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let printed = self.stderr.lock().unwrap().clone();
            if printed.contains(text) || std::time::Instant::now() > deadline {
                return printed;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn get(&self, target: &str) -> Reply {
        request(self.address, "GET", target, &[])
    }
}

/// An HTTP answer.
#[derive(Debug)]
struct Reply {
    status: u16,
    /// Names in lower case.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// `METHOD target HTTP/1.1` with `headers`, the target sent exactly as given.
fn request(address: SocketAddr, method: &str, target: &str, headers: &[(&str, &str)]) -> Reply {
    let mut stream = TcpStream::connect(address).expect("connect to the preview");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut head =
        format!("{method} {target} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("read the answer");
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no complete answer to {method} {target}: {response:?}"));
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Reply {
        status,
        headers,
        body: response[split + 4..].to_vec(),
    }
}

/// Every URL of every `src`, `srcset` and `poster` of `html` (`data:` left out), once each.
fn media_urls(html: &str) -> Vec<String> {
    let mut urls: Vec<String> = support::attributes(html, &["src", "srcset", "poster"])
        .into_iter()
        .flat_map(|(attribute, value)| {
            if attribute == "srcset" {
                value
                    .split(',')
                    .filter_map(|c| c.split_whitespace().next())
                    .map(str::to_owned)
                    .collect()
            } else {
                vec![value.trim().to_owned()]
            }
        })
        .filter(|url| !url.is_empty() && !url.starts_with("data:"))
        .collect();
    urls.sort();
    urls.dedup();
    urls
}

/// The content type a file of this name must be served with.
fn expected_type(url: &str) -> &'static str {
    match url.rsplit('.').next() {
        Some("webp") => "image/webp",
        Some("avif") => "image/avif",
        Some("jpg") => "image/jpeg",
        Some("mp4") => "video/mp4",
        Some("json") => "application/json",
        Some("xml") => "application/atom+xml",
        other => panic!("a file type the test does not know: {other:?} ({url})"),
    }
}

/// Fetches every media URL of `page` from the server and checks each against the file under
/// `images` that `prefix` maps it to: 200, its content type, its bytes. Returns how many.
fn assert_media_served(server: &Server, page: &str, prefix: &str, images: &Path) -> usize {
    let urls = media_urls(page);
    assert!(!urls.is_empty(), "the page names no image:\n{page}");
    for url in &urls {
        let rest = url
            .strip_prefix(prefix)
            .unwrap_or_else(|| panic!("{url} is not under {prefix}"));
        let file = images.join(rest);
        let on_disk = fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let reply = server.get(url);
        assert_eq!(reply.status, 200, "GET {url}: {}", reply.text());
        assert_eq!(
            reply.header("content-type"),
            Some(expected_type(url)),
            "GET {url}"
        );
        assert!(
            reply.body == on_disk,
            "GET {url}: not the bytes of {}",
            file.display()
        );
    }
    urls.len()
}

/// `instabake preview --site SITE ARGS...` expected to stop at once with an error: a server that
/// starts instead fails the test in seconds, not at the run timeout.
fn preview_fails(site: &Path, args: &[&str]) -> support::Run {
    let site_arg = site.to_str().expect("UTF-8 site path");
    let mut all = vec!["preview", "--site", site_arg];
    all.extend_from_slice(args);
    let mut command = support::command(site, &all, &[]);
    match support::run_with_timeout(&mut command, Duration::from_secs(30)) {
        support::Finished::Exited(status, stdout, stderr) => support::Run {
            args: all.iter().map(|a| (*a).to_owned()).collect(),
            code: status.code(),
            stdout,
            stderr,
        },
        support::Finished::TimedOut(stdout, _) => {
            panic!(
                "instabake {} served instead of failing: {stdout}",
                all.join(" ")
            )
        }
    }
}

/// A site with the demo feed baked into it with `args`, and `config` as its instabake.toml.
fn baked_site(config: &str, args: &[&str]) -> tempfile::TempDir {
    let site = support::site();
    if !config.is_empty() {
        fs::write(site.path().join("instabake.toml"), config).unwrap();
    }
    let feed = support::demo_feed();
    let mut all = vec!["--replay", feed.to_str().unwrap()];
    all.extend_from_slice(args);
    support::run_build(site.path(), &all, &[]).assert_success();
    site
}

#[test]
fn preview_serves_the_baked_partial_and_every_file_it_names() {
    let site = baked_site(
        "site_url = \"https://demo.example/\"\n\
         [render]\nlightbox = true\n[feeds]\natom = true\njson = true\n",
        &[],
    );
    fs::write(site.path().join("secret.txt"), "not for the preview").unwrap();
    let partial = fs::read_to_string(site.path().join(support::HUGO_PARTIAL)).unwrap();
    let images = site.path().join(support::HUGO_IMAGES);
    let server = Server::start(site.path(), &["--port", "0"], &[]);
    assert_eq!(
        server.address.ip().to_string(),
        "127.0.0.1",
        "{}",
        server.url
    );

    // The page: a whole document around the partial, byte for byte.
    let page = server.get("/");
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let html = page.text();
    assert!(html.starts_with("<!doctype html>"), "{html}");
    for part in [
        "<meta charset=\"utf-8\">",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
        "<title>Preview: @instabake.demo (instabake)</title>",
    ] {
        assert!(html.contains(part), "no {part} in the page:\n{html}");
    }
    support::assert_partial_included_unchanged(&html, &partial);
    let data = support::read_data(site.path());
    assert_eq!(support::tiles(&html).len(), support::post_ids(&data).len());
    for id in support::post_ids(&data) {
        assert!(html.contains(&id), "post {id} is not on the page");
    }

    // Every image of the page, as the images folder has it; the feeds beside them.
    let fetched = assert_media_served(&server, &html, "/instagram/", &images);
    assert!(fetched > 20, "only {fetched} media URLs on the page");
    for (file, content_type) in [
        ("feed.json", "application/json"),
        ("feed.xml", "application/atom+xml"),
    ] {
        let reply = server.get(&format!("/instagram/{file}"));
        assert_eq!(reply.status, 200, "{file}");
        assert_eq!(reply.header("content-type"), Some(content_type), "{file}");
        assert_eq!(reply.body, fs::read(images.join(file)).unwrap(), "{file}");
    }

    // HEAD: the headers of a GET, no body.
    let url = &media_urls(&html)[0];
    let size = fs::metadata(images.join(url.strip_prefix("/instagram/").unwrap()))
        .unwrap()
        .len();
    let head = request(server.address, "HEAD", url, &[]);
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-type"), Some(expected_type(url)));
    assert_eq!(
        head.header("content-length"),
        Some(size.to_string().as_str())
    );
    assert!(head.body.is_empty(), "HEAD sent a body");
    let head = request(server.address, "HEAD", "/", &[]);
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());

    // A part, as a browser asks for a video's.
    let part = request(server.address, "GET", url, &[("Range", "bytes=2-9")]);
    assert_eq!(part.status, 206);
    assert_eq!(
        part.header("content-range"),
        Some(format!("bytes 2-9/{size}").as_str())
    );
    let whole = fs::read(images.join(url.strip_prefix("/instagram/").unwrap())).unwrap();
    assert_eq!(part.body, whole[2..10]);

    // Nothing else: a missing file, another method, and no way out of the images folder.
    assert_eq!(
        server.get("/instagram/0000000000000000-320.webp").status,
        404
    );
    assert_eq!(server.get("/static/instagram/feed.json").status, 404);
    assert_eq!(request(server.address, "POST", "/", &[]).status, 405);
    for target in [
        "/secret.txt",
        "/instagram/../secret.txt",
        "/instagram/../../secret.txt",
        "/instagram/%2e%2e/%2e%2e/secret.txt",
        "/instagram/%2E%2E%2F%2E%2E%2Fsecret.txt",
        "/instagram/..%2f..%2fsecret.txt",
        "/instagram/..%5c..%5csecret.txt",
        "/instagram/%2e%2e/%2e%2e/instabake.toml",
        "/instagram/../../data/instagram.json",
        "/instagram/%2fetc%2fpasswd",
        "/instagram//etc/passwd",
        "/../secret.txt",
    ] {
        let reply = server.get(target);
        assert!(
            matches!(reply.status, 400 | 403 | 404),
            "GET {target} answered {}: {}",
            reply.status,
            reply.text()
        );
        assert!(
            !reply.text().contains("not for the preview"),
            "GET {target}"
        );
        assert!(!reply.text().contains("site_url"), "GET {target}");
    }

    // Only this machine can connect: the server listens on 127.0.0.1, not on every interface
    // (Linux routes all of 127.0.0.0/8 to the loopback, so 127.0.0.2 reaches a server bound to
    // 0.0.0.0), nor on IPv6.
    let port = server.address.port();
    #[cfg(target_os = "linux")]
    assert!(
        TcpStream::connect(("127.0.0.2", port)).is_err(),
        "the preview answers on 127.0.0.2: it listens on more than 127.0.0.1"
    );
    assert!(
        TcpStream::connect(("::1", port)).is_err(),
        "the preview answers on [::1]"
    );

    // A new bake shows on reload, from the same server.
    support::run_build(
        site.path(),
        &[
            "--replay",
            support::demo_feed().to_str().unwrap(),
            "--limit",
            "3",
        ],
        &[],
    )
    .assert_success();
    let reloaded = server.get("/").text();
    assert_eq!(support::tiles(&reloaded).len(), 3, "{reloaded}");
    assert_media_served(&server, &reloaded, "/instagram/", &images);
}

#[test]
fn preview_maps_each_presets_image_urls_onto_its_images_folder() {
    for (preset, images, prefix) in [
        ("zola", "static/instagram", "/instagram/"),
        ("jekyll", "assets/instagram", "/assets/instagram/"),
        ("eleventy", "instagram", "/instagram/"),
        ("html", "instagram", "/instagram/"),
    ] {
        let site = baked_site("", &["--preset", preset, "--limit", "2"]);
        let server = Server::start(site.path(), &["--port", "0", "--preset", preset], &[]);
        let page = server.get("/");
        assert_eq!(page.status, 200, "{preset}");
        let fetched = assert_media_served(&server, &page.text(), prefix, &site.path().join(images));
        assert!(fetched > 4, "{preset}: {fetched} media URLs");
    }
    // A site whose images are published on another host: the page shows this machine's bake.
    let site = baked_site(
        "[paths]\nurl_prefix = \"https://cdn.example.com/ig/\"\n",
        &["--limit", "2"],
    );
    let partial = fs::read_to_string(site.path().join(support::HUGO_PARTIAL)).unwrap();
    assert!(
        partial.contains("src=\"https://cdn.example.com/ig/"),
        "{partial}"
    );
    let server = Server::start(site.path(), &["--port", "0"], &[]);
    let page = server.get("/").text();
    assert!(!page.contains("cdn.example.com"), "{page}");
    assert_media_served(
        &server,
        &page,
        "/ig/",
        &site.path().join(support::HUGO_IMAGES),
    );
}

/// With `[render] inline_css = false` the partial holds no CSS: the page links the stylesheet the
/// data file names, which the server serves.
#[test]
fn preview_links_the_stylesheet_of_a_bake_without_inline_css() {
    let site = baked_site("[render]\ninline_css = false\n", &["--limit", "2"]);
    let data = support::read_data(site.path());
    let href = data["stylesheet"]
        .as_str()
        .expect("a stylesheet in the data file");
    let server = Server::start(site.path(), &["--port", "0"], &[]);
    let page = server.get("/").text();
    assert!(
        page.contains(&format!("<link rel=\"stylesheet\" href=\"{href}\">")),
        "{page}"
    );
    let sheet = server.get(href);
    assert_eq!(sheet.status, 200, "{href}");
    assert_eq!(
        sheet.header("content-type"),
        Some("text/css; charset=utf-8")
    );
    let file = href.rsplit('/').next().unwrap();
    assert_eq!(
        sheet.text(),
        fs::read_to_string(site.path().join(support::HUGO_IMAGES).join(file)).unwrap()
    );
}

#[test]
fn preview_before_any_build_says_to_run_build_first() {
    let site = support::site();
    let run = preview_fails(site.path(), &["--port", "0"]);
    run.assert_code(2).assert_no_panic();
    assert!(run.stdout.is_empty(), "printed a URL:\n{run}");
    assert!(run.stderr.contains("nothing is baked yet"), "{run}");
    assert!(
        run.stderr.contains("layouts/partials/instagram.html"),
        "{run}"
    );
    assert!(run.stderr.contains("run `instabake build` first"), "{run}");

    // Baked with a preset flag, previewed without: the message says which flag.
    let site = baked_site("", &["--preset", "jekyll", "--limit", "1"]);
    let run = preview_fails(site.path(), &["--port", "0"]);
    run.assert_code(2);
    assert!(run.stderr.contains("--preset jekyll"), "{run}");
}

#[test]
fn preview_on_a_port_in_use_says_so() {
    let site = baked_site("", &["--limit", "1"]);
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let run = preview_fails(site.path(), &["--port", &port]);
    run.assert_code(2).assert_no_panic();
    assert!(run.stderr.contains(&format!("127.0.0.1:{port}")), "{run}");
    assert!(run.stderr.contains("--port"), "{run}");
}

/// `--open` hands the URL to the browser `$BROWSER` names; a browser that cannot be started is a
/// warning, and the page is served all the same.
#[cfg(unix)]
#[test]
fn preview_open_hands_the_url_to_the_browser() {
    use std::os::unix::fs::PermissionsExt as _;
    let site = baked_site("", &["--limit", "1"]);
    let opened: PathBuf = site.path().join("opened.txt");
    let browser = site.path().join("browser.sh");
    fs::write(
        &browser,
        format!("#!/bin/sh\nprintf '%s' \"$1\" > '{}'\n", opened.display()),
    )
    .unwrap();
    fs::set_permissions(&browser, fs::Permissions::from_mode(0o755)).unwrap();
    let server = Server::start(
        site.path(),
        &["--port", "0", "--open"],
        &[("BROWSER", browser.to_str().unwrap())],
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !opened.is_file() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        fs::read_to_string(&opened).ok().as_deref(),
        Some(server.url.as_str())
    );
    drop(server);

    let missing = site.path().join("no-such-browser");
    let server = Server::start(
        site.path(),
        &["--port", "0", "--open"],
        &[("BROWSER", missing.to_str().unwrap())],
    );
    assert_eq!(server.get("/").status, 200);
    let stderr = server.stderr_with("could not open a browser");
    assert!(stderr.contains("could not open a browser"), "{stderr}");
}
