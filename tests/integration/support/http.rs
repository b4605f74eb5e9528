//! The tests' one HTTP/1.1 server, on `127.0.0.1:0`, and a client to check it with.
//!
//! Hand-rolled on purpose: the tests need answers no HTTP library would give (a `Content-Length`
//! larger than the body, a connection closed without a status line, garbage instead of JSON), and
//! full control over which request gets which answer. Every test that serves HTTP uses this server
//! and differs only in its handler: the fake Graph API and media host (`fake_api`), the browser
//! test's static file server (`browser.rs`), and the page-weight test's, which paces its answers
//! to a set bandwidth (`weight.rs`).
//!
//! Each connection gets one answer and is then closed (`Connection: close`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use serde_json::Value;
use url::form_urlencoded;

/// One request as the server received it.
#[derive(Clone, Debug)]
pub(crate) struct Request {
    pub method: String,
    /// Path and query exactly as received.
    pub target: String,
    /// The path part, as received.
    pub path: String,
    /// The query part (without `?`), as received.
    pub query: String,
    pub headers: Vec<(String, String)>,
    /// When the request arrived.
    pub at: Instant,
    /// The server's own `127.0.0.1:PORT`, for answers that point back at it.
    pub server: SocketAddr,
}

impl Request {
    /// A decoded query parameter.
    pub(crate) fn param(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(self.query.as_bytes())
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    }

    /// A header (name case-insensitive).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// A response before it is written.
pub(crate) struct Response {
    pub status: u16,
    pub content_type: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub(crate) fn new(status: u16, content_type: &str, body: Vec<u8>) -> Response {
        Response {
            status,
            content_type: content_type.to_string(),
            headers: Vec::new(),
            body,
        }
    }

    pub(crate) fn json(status: u16, body: &Value) -> Response {
        Response::new(
            status,
            "application/json; charset=UTF-8",
            body.to_string().into_bytes(),
        )
    }
}

/// How a connection is answered.
pub(crate) enum Reply {
    Respond(Response),
    /// The response's headers, with its full `Content-Length`, then half the body and close.
    Truncate(Response),
    /// Close the connection without answering.
    Close,
}

/// The connection a handler answers on. Dropped without [`Responder::send`], the connection is
/// closed unanswered.
pub(crate) struct Responder {
    stream: TcpStream,
}

impl Responder {
    /// Write the reply and close the connection.
    pub(crate) fn send(self, reply: Reply) {
        write_reply(self.stream, reply);
    }

    /// Write `response` in pieces of at most `chunk` bytes, the head first, calling `pace` with
    /// each piece's length before writing it (and waiting as long as it takes), then close the
    /// connection: a server whose bandwidth a test sets (`weight.rs`).
    pub(crate) fn send_paced(self, response: &Response, chunk: usize, pace: impl Fn(usize)) {
        let mut stream = self.stream;
        let head = head(response);
        for piece in head
            .as_bytes()
            .chunks(chunk)
            .chain(response.body.chunks(chunk))
        {
            pace(piece.len());
            if stream.write_all(piece).is_err() {
                return;
            }
        }
        let _ = stream.flush();
        let _ = stream.shutdown(Shutdown::Both);
    }
}

/// A running server; stops accepting when dropped.
pub(crate) struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
}

impl Server {
    /// Start serving on `127.0.0.1:0`: each connection's request goes to `handler` (on a thread of
    /// its own), which answers through the [`Responder`] and may go on working after that.
    pub(crate) fn start<H>(handler: H) -> Server
    where
        H: Fn(&Request, Responder) + Send + Sync + 'static,
    {
        let listener =
            TcpListener::bind("127.0.0.1:0").expect("bind a test HTTP server to 127.0.0.1:0");
        let addr = listener
            .local_addr()
            .expect("local address of the test HTTP server");
        let handler = Arc::new(handler);
        let stop = Arc::new(AtomicBool::new(false));
        let acceptor = {
            let stop = stop.clone();
            thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let handler = handler.clone();
                    thread::spawn(move || serve_connection(stream, addr, &*handler));
                }
            })
        };
        Server {
            addr,
            stop,
            acceptor: Some(acceptor),
        }
    }

    /// `127.0.0.1:PORT`.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the acceptor so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn serve_connection(
    stream: TcpStream,
    server: SocketAddr,
    handler: &(dyn Fn(&Request, Responder) + Send + Sync),
) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let Some(request) = read_request(&stream, server) else {
        return;
    };
    handler(&request, Responder { stream });
}

fn read_request(stream: &TcpStream, server: SocketAddr) -> Option<Request> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 {
            break;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    let length = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.parse::<u64>().ok())
        .unwrap_or(0);
    if length > 0 {
        let mut body = Vec::new();
        let _ = reader.by_ref().take(length).read_to_end(&mut body);
    }
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path.to_string(), query.to_string()),
        None => (target.clone(), String::new()),
    };
    Some(Request {
        method,
        target,
        path,
        query,
        headers,
        at: Instant::now(),
        server,
    })
}

fn write_reply(mut stream: TcpStream, reply: Reply) {
    let (response, truncate) = match reply {
        Reply::Close => {
            let _ = stream.shutdown(Shutdown::Both);
            return;
        }
        Reply::Respond(response) => (response, false),
        Reply::Truncate(response) => (response, true),
    };
    let head = head(&response);
    let body = if truncate {
        &response.body[..response.body.len() / 2]
    } else {
        &response.body[..]
    };
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
    let _ = stream.flush();
    let _ = stream.shutdown(Shutdown::Both);
}

/// The status line and headers of `response`, up to the blank line.
fn head(response: &Response) -> String {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n",
        response.status,
        reason(response.status),
        response.content_type,
        response.body.len()
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    head
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// A plain HTTP/1.1 GET with no dependencies, for checking a test server itself:
/// `(status, body)`.
pub(crate) fn http_get(url: &str) -> (u16, Vec<u8>) {
    let rest = url.strip_prefix("http://").expect("http:// URL");
    let (host, target) = match rest.find('/') {
        Some(pos) => (&rest[..pos], &rest[pos..]),
        None => (rest, "/"),
    };
    let mut stream = TcpStream::connect(host).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete response head");
    let head = String::from_utf8_lossy(&response[..split]);
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status code");
    (status, response[split + 4..].to_vec())
}

/// [`http_get`] of a JSON answer.
pub(crate) fn http_get_json(url: &str) -> (u16, Value) {
    let (status, body) = http_get(url);
    let value = serde_json::from_slice(&body).unwrap_or_else(|e| {
        panic!(
            "{url} answered non-JSON ({e}): {}",
            String::from_utf8_lossy(&body)
        )
    });
    (status, value)
}
