//! Getting a source image's bytes: over HTTP from Instagram's CDN, or from a replay folder.
//!
//! Downloads are capped in size and their content is sniffed: a CDN that answers an expired URL
//! with an HTML page and a 200 must not end up baked as an image.

use std::path::PathBuf;

use super::MediaError;
use crate::http::{self, Kind, Next};
use crate::paths;

/// The largest source file accepted. Instagram's largest photos are well under 5 MB.
pub(crate) const MAX_SOURCE_BYTES: usize = 40 * 1024 * 1024;

/// Where media bytes come from.
#[derive(Clone)]
pub(crate) enum Fetcher {
    /// Plain GETs (no token: media URLs are signed by Instagram themselves).
    Http(reqwest::Client),
    /// Paths relative to a replay folder.
    Dir(PathBuf),
    /// URLs `export:PATH` read from the site's export folder (the first field), every other URL
    /// from the fetcher of the feed the export was merged into.
    WithExport(PathBuf, Box<Fetcher>),
}

impl Fetcher {
    /// Fetches `url`, at most `max` bytes.
    async fn fetch(&self, url: &str, max: u64) -> Result<Vec<u8>, MediaError> {
        match self {
            Fetcher::Http(client) => fetch_http(client, url, max).await,
            Fetcher::WithExport(dir, other) => {
                match url.strip_prefix(crate::source::export::SCHEME) {
                    Some(path) => Fetcher::Dir(dir.clone()).fetch_boxed(path, max).await,
                    None => other.fetch_boxed(url, max).await,
                }
            }
            Fetcher::Dir(dir) => {
                let path =
                    paths::inside(dir, url).ok_or_else(|| MediaError::NotInReplayFolder {
                        url: url.to_owned(),
                    })?;
                let bytes = match std::fs::read(&path) {
                    Ok(bytes) => bytes,
                    Err(source) => return Err(MediaError::Read { path, source }),
                };
                if bytes.len() as u64 > max {
                    return Err(MediaError::TooLarge { max });
                }
                Ok(bytes)
            }
        }
    }

    /// [`Fetcher::fetch`], boxed: it calls itself for [`Fetcher::WithExport`].
    fn fetch_boxed<'a>(
        &'a self,
        url: &'a str,
        max: u64,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Vec<u8>, MediaError>> + Send + 'a>>
    {
        Box::pin(self.fetch(url, max))
    }

    /// Fetches a video file (MP4 or QuickTime, sniffed from its `ftyp` box), at most `max` bytes.
    pub(crate) async fn fetch_video(&self, url: &str, max: u64) -> Result<Vec<u8>, MediaError> {
        let bytes = self.fetch(url, max).await?;
        if bytes.get(4..8) != Some(b"ftyp".as_slice()) {
            return Err(MediaError::NotAVideo { bytes: bytes.len() });
        }
        Ok(bytes)
    }

    /// Fetches `url` and checks that it is an image.
    pub(crate) async fn fetch_image(&self, url: &str) -> Result<Vec<u8>, MediaError> {
        let bytes = self.fetch(url, MAX_SOURCE_BYTES as u64).await?;
        if image::guess_format(&bytes).is_err() {
            return Err(MediaError::NotAnImage {
                bytes: bytes.len(),
                start: String::from_utf8_lossy(&bytes[..bytes.len().min(60)]).into_owned(),
            });
        }
        Ok(bytes)
    }
}

/// A download, retried by the same policy as API calls ([`http::next_step`]): connection errors,
/// timeouts, broken-off bodies and 5xx are retried (after `Retry-After` when the host sends one),
/// a 429 only once and only when a short `Retry-After` asks for it, and a 403 or 404 (an expired
/// signed URL, a deleted post) never.
async fn fetch_http(client: &reqwest::Client, url: &str, max: u64) -> Result<Vec<u8>, MediaError> {
    let parsed = url::Url::parse(url).map_err(|source| MediaError::BadUrl { source })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(MediaError::NotHttp {
            scheme: parsed.scheme().to_owned(),
        });
    }
    let mut attempt = 1;
    loop {
        let (error, kind, retry_after) = match http::get(client, parsed.clone(), max).await {
            Ok(answer) if (200..300).contains(&answer.status) => return Ok(answer.body),
            Ok(answer) => {
                let kind = match answer.status {
                    429 => Kind::Throttled,
                    500.. => Kind::Transient,
                    _ => Kind::Final,
                };
                let error = MediaError::HostStatus {
                    status: answer.status,
                    body: http::describe_body(&answer.body),
                };
                (error, kind, answer.retry_after())
            }
            Err(http::Failure::TooLarge { max }) => return Err(MediaError::TooLarge { max }),
            Err(transport) => (
                MediaError::Download { source: transport },
                Kind::Transient,
                None,
            ),
        };
        match http::next_step(kind, retry_after, attempt, 0, u64::MAX) {
            Next::Retry(delay) => {
                crate::report::detail(format!("{error}; retrying in {:.1} s", delay.as_secs_f32()));
                tokio::time::sleep(delay).await;
                attempt += 1;
            }
            Next::Stop => return Err(error),
        }
    }
}
