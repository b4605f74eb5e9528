//! The one HTTP layer that API calls and media downloads share: the client (timeouts, a
//! User-Agent), a GET that reads the body within a size cap, and the retry policy.
//!
//! Request URLs never reach an error or a log line: API URLs carry the token. Every error is
//! turned into text here with [`reqwest::Error::without_url`] and redaction.

use std::time::Duration;

use reqwest::header::HeaderMap;

use crate::report;

/// Attempts for a request that fails transiently.
pub(crate) const ATTEMPTS: u32 = 3;
/// The longest `Retry-After` waited for. A bake runs inside a deploy: when a server asks for a
/// longer pause, the cached feed (or the cached original) is the better answer.
pub(crate) const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

/// The shared HTTP client: timeouts on every request (`timeout` to connect and between two reads,
/// three times that for a whole answer), a User-Agent that names us, and [`tls`].
pub(crate) fn client(timeout: Duration) -> Result<reqwest::Client, ClientError> {
    let tls = tls().map_err(|source| ClientError::Tls { source })?;
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .user_agent(concat!("instabake/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(timeout)
        .timeout(timeout * 3)
        .read_timeout(timeout)
        .build()
        .map_err(|e| ClientError::Build {
            source: e.without_url(),
        })
}

/// The HTTP client could not be set up. A type of this layer's own, so that the layer depends on
/// nothing but [`report`].
#[derive(Debug, thiserror::Error)]
pub(crate) enum ClientError {
    /// The TLS configuration was refused (no usable protocol version for the crypto provider).
    #[error("cannot set up TLS for the HTTP client: {source}")]
    Tls { source: rustls::Error },
    /// reqwest refused the configuration.
    #[error("cannot set up the HTTP client: {}", describe(.source, 0))]
    Build { source: reqwest::Error },
}

/// TLS 1.2 and 1.3 through rustls on ring, trusting the Mozilla roots compiled into the binary:
/// a bake verifies the API and the CDN the same way on every machine, including CI images without
/// a system certificate store. reqwest is handed this config because its own rustls setup would
/// use aws-lc-rs and the platform verifier. The ALPN list is the one reqwest sets itself, so that
/// HTTP/2 is offered.
fn tls() -> Result<rustls::ClientConfig, rustls::Error> {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// An answer read to its end.
pub(crate) struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    /// `Retry-After` in seconds (the HTTP-date form is not used by the Graph API or the CDN and is
    /// ignored).
    pub(crate) fn retry_after(&self) -> Option<Duration> {
        let value = self
            .headers
            .get(reqwest::header::RETRY_AFTER)?
            .to_str()
            .ok()?;
        value.trim().parse::<u64>().ok().map(Duration::from_secs)
    }
}

/// Why a GET brought back no whole answer.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Failure {
    /// No connection, a timeout, or the connection broke off; worth another try.
    #[error("{}", describe(.source, *.received))]
    Transport {
        /// Body bytes received before it broke off.
        received: usize,
        /// The error, without its URL.
        #[source]
        source: reqwest::Error,
    },
    /// The answer is larger than the caller accepts (by its `Content-Length`, or as it came).
    #[error("the answer is larger than {} MiB", .max >> 20)]
    TooLarge { max: u64 },
}

/// One GET of `url`, the body read to its end but never past `max` bytes.
pub(crate) async fn get(
    client: &reqwest::Client,
    url: url::Url,
    max: u64,
) -> Result<Answer, Failure> {
    let transport = |received: usize| {
        move |e: reqwest::Error| Failure::Transport {
            received,
            source: e.without_url(),
        }
    };
    let mut response = client.get(url).send().await.map_err(transport(0))?;
    if response.content_length().is_some_and(|len| len > max) {
        return Err(Failure::TooLarge { max });
    }
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(transport(body.len()))? {
        if (body.len() + chunk.len()) as u64 > max {
            return Err(Failure::TooLarge { max });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Answer {
        status,
        headers,
        body,
    })
}

/// A transport error in words, with its causes, redacted; never its URL (already removed).
fn describe(error: &reqwest::Error, received: usize) -> String {
    let head = if error.is_timeout() {
        "timed out".to_owned()
    } else if error.is_connect() {
        "could not connect".to_owned()
    } else if received > 0 {
        format!("the answer broke off after {received} bytes")
    } else {
        error.to_string()
    };
    report::redact(&report::with_causes(head, std::error::Error::source(error)))
}

/// What a failed attempt says about trying again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A connection error, a timeout, a 5xx, or an error the server calls transient.
    Transient,
    /// Throttled (HTTP 429, or a rate-limit code of the Graph API).
    Throttled,
    /// Anything else: asking again gets the same answer.
    Final,
}

/// What to do after a failed attempt.
#[derive(Debug, PartialEq)]
pub(crate) enum Next {
    Retry(Duration),
    Stop,
}

/// The retry policy of every request. Transient failures are retried with jittered backoff, or
/// after `Retry-After` when the answer gives one; throttling is retried only once and only when a
/// short `Retry-After` asks for it; final answers never. A `Retry-After` longer than
/// [`MAX_RETRY_AFTER`] and a quota at or above `usage_limit` percent (the API's usage headers)
/// end the retries.
pub(crate) fn next_step(
    kind: Kind,
    retry_after: Option<Duration>,
    attempt: u32,
    usage: u64,
    usage_limit: u64,
) -> Next {
    if attempt >= ATTEMPTS || usage >= usage_limit {
        return Next::Stop;
    }
    match (retry_after, kind) {
        (Some(wait), _) if wait > MAX_RETRY_AFTER => Next::Stop,
        (Some(wait), Kind::Transient) => Next::Retry(wait),
        (Some(wait), Kind::Throttled) if attempt == 1 => Next::Retry(wait),
        (None, Kind::Transient) => Next::Retry(backoff(attempt)),
        _ => Next::Stop,
    }
}

/// Exponential backoff with jitter: about 0.4 s, then 1.2 s.
fn backoff(attempt: u32) -> Duration {
    let base = 400u64 * 3u64.pow(attempt - 1);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::from(d.subsec_nanos()));
    Duration::from_millis(base + nanos % (base / 2 + 1))
}

/// A short description of an unexpected body: an error page is named, not dumped into the log.
pub(crate) fn describe_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(200)]);
    let text = text.trim();
    if text.is_empty() {
        "an empty body".to_owned()
    } else if text.starts_with('<') {
        "an HTML page".to_owned()
    } else {
        let snippet: String = text.chars().take(80).collect();
        format!("the body {:?}", report::redact(&snippet))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// reqwest takes the TLS config as `dyn Any` and refuses one from another rustls version only
    /// when the client is built: this catches the two drifting apart in Cargo.lock.
    #[test]
    fn the_client_takes_our_tls_config() {
        client(Duration::from_secs(5)).unwrap();
    }
}
