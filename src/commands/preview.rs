//! `instabake preview`: the baked partial in a standalone page, served on this machine, so that a
//! user tuning filters or a template sees the result without running the site's generator.
//!
//! The server maps each account's `url_prefix` onto its images folder, as the published site
//! will, and the page itself to `/`. It reads every file from disk when it is asked for, the
//! partial included, so a reload after `instabake build` shows the new bake; nothing is written,
//! into the site or anywhere else.
//!
//! It listens on 127.0.0.1 only: the page is for the person at this machine, and nothing on the
//! network should reach a server that reads the site's folders.

mod files;
mod page;

use std::convert::Infallible;
use std::io::{Read, Seek, SeekFrom};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::Value;
use tokio::net::TcpListener;

use crate::config::{Config, Preset};
use crate::error::{Error, Result};
use crate::report;
use files::{Part, Root};

/// The port asked for without `--port`; when another program has it, any free port.
pub(crate) const DEFAULT_PORT: u16 = 8765;

/// What to serve, worked out once from the configuration. Only paths: the files are read at each
/// request.
#[derive(Debug)]
struct Preview {
    site: PathBuf,
    /// The partials shown on the page: the site's single one, the merged one, or one per account.
    partials: Vec<Partial>,
    /// The data file read for the title and stylesheets: the first partial's.
    data: PathBuf,
    /// The images folders under their URL paths.
    roots: Vec<Root>,
    /// Full-URL prefixes (`https://cdn.example.com/ig/`) and the local path they are served under.
    rebases: Vec<(String, String)>,
}

#[derive(Debug)]
struct Partial {
    account: Option<String>,
    path: PathBuf,
}

/// Serves the preview until the process is stopped (Ctrl-C). Prints the page's URL on stdout,
/// and opens it in the browser with `open`.
pub(crate) async fn preview(config: &Config, port: Option<u16>, open: bool) -> Result<()> {
    let preview = Arc::new(Preview::of(config)?);
    let listener = listen(port).await?;
    let address = listener
        .local_addr()
        .map_err(|e| Error::io("read the preview server's address", &preview.site, e))?;
    let url = format!("http://{address}/");
    report::out(&url);
    let shown: Vec<String> = preview
        .partials
        .iter()
        .map(|p| preview.name(&p.path))
        .collect();
    report::info(format!(
        "serving {} with its images at {url} (127.0.0.1 only); reload the page after \
         `instabake build` to see a new bake; Ctrl-C stops",
        shown.join(", ")
    ));
    if open {
        if let Err(e) = opener::open_browser(&url) {
            report::warn(format!(
                "could not open a browser ({e}): open {url} yourself"
            ));
        }
    }
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // Out of file descriptors, or a connection reset before it was taken: the next
            // connection may do better.
            Err(e) => {
                report::detail(format!(
                    "preview server: accepting a connection failed: {e}"
                ));
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let preview = Arc::clone(&preview);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                let preview = Arc::clone(&preview);
                async move { Ok::<_, Infallible>(respond(preview, &request).await) }
            });
            let served = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .serve_connection(TokioIo::new(stream), service)
                .await;
            if let Err(e) = served {
                report::detail(format!("preview server: a connection failed: {e}"));
            }
        });
    }
}

/// Listens on 127.0.0.1: on `port`, or on [`DEFAULT_PORT`], or any free port when that one is
/// taken.
async fn listen(port: Option<u16>) -> Result<TcpListener> {
    let bind = |port: u16| TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
    match port {
        Some(port) => bind(port)
            .await
            .map_err(|source| Error::PreviewPort { port, source }),
        None => match bind(DEFAULT_PORT).await {
            Ok(listener) => Ok(listener),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                report::info(format!(
                    "port {DEFAULT_PORT} is in use: serving the preview on another"
                ));
                bind(0)
                    .await
                    .map_err(|source| Error::PreviewPort { port: 0, source })
            }
            Err(source) => Err(Error::PreviewPort {
                port: DEFAULT_PORT,
                source,
            }),
        },
    }
}

/// The answer to one request, built off the async runtime's workers (it reads files).
async fn respond(preview: Arc<Preview>, request: &Request<Incoming>) -> Response<Full<Bytes>> {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let range = request
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let head = method == Method::HEAD;
    let answer =
        tokio::task::spawn_blocking(move || preview.answer(&method, &path, range.as_deref()))
            .await
            .unwrap_or_else(|_| {
                Answer::text(StatusCode::INTERNAL_SERVER_ERROR, "the preview failed")
            });
    answer.into_response(head)
}

/// A response before it is sent: what [`Preview::answer`] returns, testable without a socket.
#[derive(Debug)]
struct Answer {
    status: StatusCode,
    content_type: &'static str,
    body: Vec<u8>,
    /// `Content-Range` of a 206 or a 416.
    content_range: Option<String>,
}

impl Answer {
    fn text(status: StatusCode, text: &str) -> Answer {
        Answer {
            status,
            content_type: "text/plain; charset=utf-8",
            body: format!("{text}\n").into_bytes(),
            content_range: None,
        }
    }

    fn not_found() -> Answer {
        Answer::text(StatusCode::NOT_FOUND, "not found")
    }

    /// The response. For HEAD, the same headers without the body: hyper sends the
    /// `Content-Length` given.
    fn into_response(self, head: bool) -> Response<Full<Bytes>> {
        let length = self.body.len();
        let mut response = Response::new(Full::new(if head {
            Bytes::new()
        } else {
            Bytes::from(self.body)
        }));
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        );
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
        // A preview is for seeing the latest bake: nothing is kept by the browser.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
        if self.status == StatusCode::METHOD_NOT_ALLOWED {
            headers.insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        }
        if let Some(range) = self
            .content_range
            .and_then(|r| HeaderValue::from_str(&r).ok())
        {
            headers.insert(header::CONTENT_RANGE, range);
        }
        response
    }
}

impl Preview {
    /// What `config` bakes, once at least one of its partials is there.
    fn of(config: &Config) -> Result<Preview> {
        let partials: Vec<Partial> = match &config.shared {
            Some(shared) if shared.merge => vec![Partial {
                account: None,
                path: shared.paths.partial.clone(),
            }],
            _ => config
                .accounts
                .iter()
                .map(|account| Partial {
                    account: account.name.clone(),
                    path: account.paths.partial.clone(),
                })
                .collect(),
        };
        let data = match &config.shared {
            Some(shared) if shared.merge => shared.paths.data.clone(),
            _ => config.accounts[0].paths.data.clone(),
        };
        let mut roots = Vec::new();
        let mut rebases = Vec::new();
        for account in &config.accounts {
            let (prefix, full) = local_prefix(&account.paths.url_prefix);
            if let Some(full) = full {
                rebases.push((full, prefix.clone()));
            }
            let root = Root {
                prefix,
                dir: account.paths.images.clone(),
            };
            if !roots.contains(&root) {
                roots.push(root);
            }
        }
        let preview = Preview {
            site: config.site.clone(),
            partials,
            data,
            roots,
            rebases,
        };
        if !preview.partials.iter().any(|p| p.path.is_file()) {
            let partial = preview.partials[0].path.clone();
            return Err(Error::NotBaked {
                hint: baked_with_another_preset(config, &partial),
                partial,
            });
        }
        Ok(preview)
    }

    /// A path as the page and the messages name it: relative to the site folder.
    fn name(&self, path: &Path) -> String {
        path.strip_prefix(&self.site)
            .unwrap_or(path)
            .display()
            .to_string()
    }

    /// The answer to `method path`, with the request's `Range` header.
    fn answer(&self, method: &Method, path: &str, range: Option<&str>) -> Answer {
        if method != Method::GET && method != Method::HEAD {
            return Answer::text(
                StatusCode::METHOD_NOT_ALLOWED,
                "the preview answers GET and HEAD only",
            );
        }
        if path == "/" || path == "/index.html" {
            return self.page();
        }
        match files::resolve(&self.roots, path) {
            Some(file) => serve_file(&file, range),
            None => Answer::not_found(),
        }
    }

    /// The standalone page, from the partials as they are now on disk.
    fn page(&self) -> Answer {
        let mut read = Vec::new();
        for partial in &self.partials {
            // A partial missing now (an account not baked yet, a bake being cleaned up) is left
            // out; the page says which it shows.
            if let Ok(html) = std::fs::read_to_string(&partial.path) {
                let html = self
                    .rebases
                    .iter()
                    .fold(html, |html, (full, local)| page::rebase(&html, full, local));
                read.push((partial, html));
            }
        }
        if read.is_empty() {
            return Answer::text(
                StatusCode::NOT_FOUND,
                "nothing is baked: run `instabake build`, then reload",
            );
        }
        let data: Value = std::fs::read(&self.data)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or(Value::Null);
        let sources: Vec<String> = read.iter().map(|(p, _)| self.name(&p.path)).collect();
        let all_html: String = read.iter().map(|(_, html)| html.as_str()).collect();
        let stylesheets: Vec<String> = stylesheets(&data)
            .into_iter()
            .map(|href| {
                self.rebases
                    .iter()
                    .fold(href, |href, (full, local)| page::rebase(&href, full, local))
            })
            .filter(|href| !all_html.contains(href.as_str()))
            .collect();
        let shown: Vec<page::Shown<'_>> = read
            .iter()
            .zip(&sources)
            .map(|((partial, html), source)| page::Shown {
                account: partial.account.as_deref(),
                source,
                html,
            })
            .collect();
        let html = page::page(
            &page::Head {
                username: data["account"]["username"].as_str(),
                fetched_at: data["fetched_at"].as_str(),
                stylesheets: &stylesheets,
            },
            &shown,
        );
        Answer {
            status: StatusCode::OK,
            content_type: "text/html; charset=utf-8",
            body: html.into_bytes(),
            content_range: None,
        }
    }
}

/// A file of an images folder, whole or the part asked for.
fn serve_file(file: &Path, range: Option<&str>) -> Answer {
    let Ok(mut reader) = std::fs::File::open(file) else {
        return Answer::not_found();
    };
    let Ok(len) = reader.metadata().map(|m| m.len()) else {
        return Answer::not_found();
    };
    let content_type = files::content_type(file);
    let (status, start, end, content_range) = match files::part(range, len) {
        Part::Whole => (StatusCode::OK, 0, len, None),
        Part::Range { start, end } => (
            StatusCode::PARTIAL_CONTENT,
            start,
            end + 1,
            Some(format!("bytes {start}-{end}/{len}")),
        ),
        Part::Unsatisfiable => {
            return Answer {
                content_range: Some(format!("bytes */{len}")),
                ..Answer::text(StatusCode::RANGE_NOT_SATISFIABLE, "range not satisfiable")
            }
        }
    };
    let mut body = Vec::new();
    let read = reader
        .seek(SeekFrom::Start(start))
        .and_then(|_| reader.take(end - start).read_to_end(&mut body));
    match read {
        Ok(_) => Answer {
            status,
            content_type,
            body,
            content_range,
        },
        Err(_) => Answer::not_found(),
    }
}

/// The URL path a `url_prefix` is served under, and the prefix itself when it is a full URL whose
/// occurrences in the page must be rebased onto that path.
fn local_prefix(prefix: &str) -> (String, Option<String>) {
    if prefix.starts_with('/') {
        return (prefix.to_owned(), None);
    }
    match url::Url::parse(prefix) {
        Ok(url) => {
            let mut path = url.path().to_owned();
            if !path.ends_with('/') {
                path.push('/');
            }
            (path, Some(prefix.to_owned()))
        }
        Err(_) => (prefix.to_owned(), None),
    }
}

/// The stylesheet the data file names for the partial: with `[render] inline_css = false` the
/// partial's CSS is a file of its own, linked by the head partial that a generator's layout
/// includes, which the preview page must link itself.
fn stylesheets(data: &Value) -> Vec<String> {
    data["stylesheet"]
        .as_str()
        .map(|href| vec![href.to_owned()])
        .unwrap_or_default()
}

/// When no config file names the preset and the site holds another preset's partial, a hint that
/// says which `--preset` it was baked with.
fn baked_with_another_preset(config: &Config, expected: &Path) -> String {
    if config.file.is_some() {
        return String::new();
    }
    use clap::ValueEnum as _;
    let others: Vec<&str> = Preset::value_variants()
        .iter()
        .filter(|preset| {
            let partial = config.site.join(preset.paths().1);
            **preset != config.preset && partial != expected && partial.is_file()
        })
        .map(|preset| preset.name())
        .collect();
    if others.is_empty() {
        return String::new();
    }
    let flags: Vec<String> = others.iter().map(|p| format!("--preset {p}")).collect();
    format!(
        " (the {} preset's), but the site has the partial of a bake with {}: preview it with \
         the same flag",
        config.preset.name(),
        flags.join(" or ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn preview(site: &Path) -> Preview {
        let images = site.join("static/instagram");
        std::fs::create_dir_all(&images).unwrap();
        std::fs::create_dir_all(site.join("layouts/partials")).unwrap();
        std::fs::write(images.join("a-320.webp"), b"RIFF0000WEBPVP8 ").unwrap();
        std::fs::write(images.join("v.mp4"), (0u8..100).collect::<Vec<_>>()).unwrap();
        std::fs::write(
            site.join("layouts/partials/instagram.html"),
            "<img src=\"https://cdn.example.com/ig/a-320.webp\">",
        )
        .unwrap();
        Preview {
            site: site.to_owned(),
            partials: vec![Partial {
                account: None,
                path: site.join("layouts/partials/instagram.html"),
            }],
            data: site.join("data/instagram.json"),
            roots: vec![Root {
                prefix: "/ig/".into(),
                dir: images,
            }],
            rebases: vec![("https://cdn.example.com/ig/".into(), "/ig/".into())],
        }
    }

    #[test]
    fn requests_get_the_page_files_parts_and_errors() {
        let tmp = tempfile::Builder::new()
            .prefix("instabake-preview-")
            .tempdir()
            .unwrap();
        let preview = preview(tmp.path());
        let page = preview.answer(&Method::GET, "/", None);
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(page.content_type, "text/html; charset=utf-8");
        let html = String::from_utf8(page.body).unwrap();
        assert!(html.contains("<img src=\"/ig/a-320.webp\">"), "{html}");
        assert!(
            html.contains("Preview of layouts/partials/instagram.html"),
            "{html}"
        );

        let image = preview.answer(&Method::HEAD, "/ig/a-320.webp", None);
        assert_eq!(
            (image.status, image.content_type),
            (StatusCode::OK, "image/webp")
        );
        assert_eq!(image.body, b"RIFF0000WEBPVP8 ");

        let video = preview.answer(&Method::GET, "/ig/v.mp4", Some("bytes=10-13"));
        assert_eq!(video.status, StatusCode::PARTIAL_CONTENT);
        assert_eq!(video.body, [10, 11, 12, 13]);
        assert_eq!(video.content_range.as_deref(), Some("bytes 10-13/100"));
        let past = preview.answer(&Method::GET, "/ig/v.mp4", Some("bytes=100-"));
        assert_eq!(past.status, StatusCode::RANGE_NOT_SATISFIABLE);
        assert_eq!(past.content_range.as_deref(), Some("bytes */100"));

        for missing in [
            "/ig/none.jpg",
            "/instagram/a-320.webp",
            "/ig/../layouts/partials/instagram.html",
        ] {
            assert_eq!(
                preview.answer(&Method::GET, missing, None).status,
                StatusCode::NOT_FOUND,
                "{missing}"
            );
        }
        let post = preview.answer(&Method::POST, "/", None);
        assert_eq!(post.status, StatusCode::METHOD_NOT_ALLOWED);
        let response = post.into_response(false);
        assert_eq!(response.headers()[header::ALLOW], "GET, HEAD");

        std::fs::remove_file(tmp.path().join("layouts/partials/instagram.html")).unwrap();
        assert_eq!(
            preview.answer(&Method::GET, "/", None).status,
            StatusCode::NOT_FOUND
        );
    }

    #[test]
    fn a_url_prefix_is_served_under_its_path() {
        assert_eq!(
            local_prefix("/instagram/"),
            ("/instagram/".to_owned(), None)
        );
        assert_eq!(
            local_prefix("https://cdn.example.com/ig/"),
            (
                "/ig/".to_owned(),
                Some("https://cdn.example.com/ig/".to_owned())
            )
        );
        assert_eq!(
            local_prefix("https://cdn.example.com/"),
            ("/".to_owned(), Some("https://cdn.example.com/".to_owned()))
        );
    }

    #[test]
    fn the_stylesheet_the_data_file_names_is_linked() {
        let data = serde_json::json!({
            "schema": 1,
            "stylesheet": "/instagram/instagram-1a2b.css",
            "posts": [{"src": "/instagram/not-this.css"}],
        });
        assert_eq!(stylesheets(&data), ["/instagram/instagram-1a2b.css"]);
        assert!(stylesheets(&serde_json::json!({"schema": 1})).is_empty());
    }
}
