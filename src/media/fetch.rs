//! Getting a source image's bytes: over HTTP from Instagram's CDN, or from a replay folder.
//!
//! Downloads are capped in size and their content is sniffed: a CDN that answers an expired URL
//! with an HTML page and a 200 must not end up baked as an image.

use std::path::PathBuf;
use std::time::Duration;

use crate::paths;
use crate::source::api::{describe_body, describe_reqwest};

/// The largest source file accepted. Instagram's largest photos are well under 5 MB.
pub const MAX_SOURCE_BYTES: usize = 40 * 1024 * 1024;
const ATTEMPTS: u32 = 3;

/// Where media bytes come from.
#[derive(Clone)]
pub enum Fetcher {
    /// Plain GETs (no token: media URLs are signed by Instagram themselves).
    Http(reqwest::Client),
    /// Paths relative to a replay folder.
    Dir(PathBuf),
}

impl Fetcher {
    /// Fetches `url`, at most `max` bytes.
    async fn fetch(&self, url: &str, max: u64) -> Result<Vec<u8>, String> {
        match self {
            Fetcher::Http(client) => fetch_http(client, url, max).await,
            Fetcher::Dir(dir) => {
                let path = paths::inside(dir, url)
                    .ok_or_else(|| format!("{url:?} is not a file inside the replay folder"))?;
                let bytes = std::fs::read(&path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                if bytes.len() as u64 > max {
                    return Err(format!("the file is larger than {} MiB", max >> 20));
                }
                Ok(bytes)
            }
        }
    }

    /// Fetches a video file (MP4 or QuickTime, sniffed from its `ftyp` box), at most `max` bytes.
    pub async fn fetch_video(&self, url: &str, max: u64) -> Result<Vec<u8>, String> {
        let bytes = self.fetch(url, max).await?;
        if bytes.get(4..8) != Some(b"ftyp".as_slice()) {
            return Err(format!(
                "the download is not an MP4 video ({} bytes)",
                bytes.len()
            ));
        }
        Ok(bytes)
    }

    /// Fetches `url` and checks that it is an image.
    pub async fn fetch_image(&self, url: &str) -> Result<Vec<u8>, String> {
        let bytes = self.fetch(url, MAX_SOURCE_BYTES as u64).await?;
        if image::guess_format(&bytes).is_err() {
            let start = String::from_utf8_lossy(&bytes[..bytes.len().min(60)]).into_owned();
            return Err(format!(
                "the download is not an image ({} bytes starting {:?})",
                bytes.len(),
                start
            ));
        }
        Ok(bytes)
    }
}

async fn fetch_http(client: &reqwest::Client, url: &str, max: u64) -> Result<Vec<u8>, String> {
    let parsed = url::Url::parse(url).map_err(|_| "the media URL is not a valid URL".to_owned())?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("the media URL has scheme {:?}", parsed.scheme()));
    }
    let mut attempt = 1;
    loop {
        match fetch_once(client, parsed.clone(), max).await {
            Ok(bytes) => return Ok(bytes),
            Err((message, transient)) if transient && attempt < ATTEMPTS => {
                crate::report::detail(format!("{message}; retrying"));
                tokio::time::sleep(Duration::from_millis(300 * 3u64.pow(attempt - 1))).await;
                attempt += 1;
            }
            Err((message, _)) => return Err(message),
        }
    }
}

/// One GET. The error says whether trying again could help.
async fn fetch_once(
    client: &reqwest::Client,
    url: url::Url,
    max: u64,
) -> Result<Vec<u8>, (String, bool)> {
    let mut response = client
        .get(url)
        .send()
        .await
        .map_err(|e| (format!("download failed: {}", describe_reqwest(e)), true))?;
    let status = response.status();
    if !status.is_success() {
        let transient = status.is_server_error() || status.as_u16() == 429;
        let body = response.bytes().await.unwrap_or_default();
        return Err((
            format!(
                "the media host answered HTTP {} with {}",
                status.as_u16(),
                describe_body(&body)
            ),
            transient,
        ));
    }
    let too_large = || (format!("the file is larger than {} MiB", max >> 20), false);
    if response.content_length().is_some_and(|len| len > max) {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if (bytes.len() + chunk.len()) as u64 > max {
                    return Err(too_large());
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(bytes),
            Err(e) => {
                return Err((
                    format!(
                        "download broke off after {} bytes: {}",
                        bytes.len(),
                        describe_reqwest(e)
                    ),
                    true,
                ))
            }
        }
    }
}
