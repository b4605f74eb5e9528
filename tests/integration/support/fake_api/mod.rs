//! A fake Instagram Graph API and media host, served by the tests' HTTP server (`support/http.rs`).
//!
//! One server plays both hosts:
//! - the Graph API (`/me`, `/me/media` with cursor paging, `/{id}`, `/{id}/children`,
//!   `/refresh_access_token`, each optionally under a version prefix such as `/v25.0`), answering in
//!   the real API's shapes: only the requested `fields` come back, `caption` is absent rather than
//!   null, carousel `children` are expanded or ids only, `paging.next` is an absolute URL that echoes
//!   the access token it received, like the real one does;
//! - a CDN-like media host under `/media/...` serving real encoded images (see `images.rs`).
//!
//! Every request is recorded, and faults can be injected per route (see [`Route`] and [`Fault`]).
//!
//! This file holds the running server ([`FakeApi`]): what it recorded, and the helpers that run
//! the binary against it. The rest, one concern a file:
//! - `posts.rs`: the posts and carousel children the fake knows ([`Post`]);
//! - `scenario.rs`: everything it serves, built before it starts ([`Scenario`], [`Account`],
//!   [`Profile`]);
//! - `routes.rs`: which route a request is for, and the answers of `/me`, `/{id}` and
//!   `/{id}/children`;
//! - `listing.rs`: `/me/media`: the requested fields of each post, pages and their cursors;
//! - `token_routes.rs`: the access token every API route checks, and `/refresh_access_token`;
//! - `media_host.rs`: the CDN-like media host and its files;
//! - `faults.rs`: the faults a test injects ([`Fault`] on a [`Route`]), looked at before the
//!   normal answer;
//! - `tests.rs`: checks of the fake itself.

mod faults;
mod listing;
mod media_host;
mod posts;
mod routes;
mod scenario;
#[cfg(test)]
mod tests;
mod token_routes;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::http::{self, Responder};
use super::{Run, TOKEN};

pub(crate) use super::http::Request;
pub(crate) use faults::{Fault, Route};
pub(crate) use listing::cursor;
pub(crate) use posts::{MediaType, Post};
pub(crate) use scenario::{Account, Profile, Scenario};

use faults::{answer, Rule};
use media_host::media_url;
use scenario::with_timestamps;

/// Placeholder replaced by the server's `127.0.0.1:PORT` in every raw body it serves (see
/// [`Fault::raw`]), so bodies can point at the fake media host before the port is known.
pub(crate) const HOST_PLACEHOLDER: &str = "@@FAKE_HOST@@";

/// The default account the fake API answers `/me` with.
pub(crate) const USER_ID: &str = "17841400000000001";
/// The default username of the fake account.
pub(crate) const USERNAME: &str = "bakery_demo";

/// What the connections share: the scenario (faults are used up as they answer), the requests
/// so far, and the media host requests in flight.
struct State {
    scenario: Mutex<Scenario>,
    requests: Mutex<Vec<Request>>,
    media_in_flight: AtomicUsize,
    media_max_in_flight: AtomicUsize,
}

/// A running fake server; stops when dropped.
pub(crate) struct FakeApi {
    server: http::Server,
    state: Arc<State>,
}

impl FakeApi {
    /// Start serving `scenario` on `127.0.0.1:0`.
    pub(crate) fn start(mut scenario: Scenario) -> FakeApi {
        scenario.generate_missing_media();
        let state = Arc::new(State {
            scenario: Mutex::new(scenario),
            requests: Mutex::new(Vec::new()),
            media_in_flight: AtomicUsize::new(0),
            media_max_in_flight: AtomicUsize::new(0),
        });
        let server = {
            let state = state.clone();
            http::Server::start(move |request, responder| serve(request, responder, &state))
        };
        FakeApi { server, state }
    }

    /// `http://127.0.0.1:PORT`, what `INSTABAKE_API_BASE` is set to.
    pub(crate) fn base_url(&self) -> String {
        self.server.url("")
    }

    /// `127.0.0.1:PORT`.
    pub(crate) fn host(&self) -> String {
        self.server.addr().to_string()
    }

    /// `127.0.0.1:PORT/media`: the media host, which must never appear in anything written.
    pub(crate) fn media_host(&self) -> String {
        format!("{}/media", self.server.addr())
    }

    /// The URL the API hands out for a media host file.
    pub(crate) fn media_url(&self, name: &str) -> String {
        media_url(&self.host(), name)
    }

    /// Every request so far, in arrival order.
    pub(crate) fn requests(&self) -> Vec<Request> {
        self.state.requests.lock().unwrap().clone()
    }

    /// Requests to the Graph API (everything but the media host).
    pub(crate) fn api_requests(&self) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(|r| !r.is_media())
            .collect()
    }

    /// Requests to the media host.
    pub(crate) fn media_requests(&self) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(Request::is_media)
            .collect()
    }

    /// `/me/media` page requests.
    pub(crate) fn media_list_requests(&self) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(Request::is_media_list)
            .collect()
    }

    /// Requests whose path (version prefix removed) is exactly `path`, e.g. `"/me"`.
    pub(crate) fn requests_to(&self, path: &str) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(|r| r.route_path() == path)
            .collect()
    }

    /// How many times the media host file `name` was asked for.
    pub(crate) fn media_fetches(&self, name: &str) -> usize {
        self.media_requests()
            .iter()
            .filter(|r| r.media_name().as_deref() == Some(name))
            .count()
    }

    /// The most media host requests that were in flight at once.
    pub(crate) fn max_concurrent_media(&self) -> usize {
        self.state.media_max_in_flight.load(Ordering::SeqCst)
    }

    /// Forget the requests recorded so far (e.g. between two runs).
    pub(crate) fn clear_requests(&self) {
        self.state.requests.lock().unwrap().clear();
    }

    /// Replace the posts (e.g. a new post appears between two runs).
    pub(crate) fn set_posts(&self, posts: Vec<Post>) {
        let mut scenario = self.state.scenario.lock().unwrap();
        scenario.posts = with_timestamps(posts);
        scenario.generate_missing_media();
    }

    /// Replace the profile `/me` answers with (e.g. a new profile picture between two runs).
    pub(crate) fn set_profile(&self, profile: Profile) {
        let mut scenario = self.state.scenario.lock().unwrap();
        scenario.profile = profile;
        scenario.generate_missing_media();
    }

    /// Add a fault while running; `times: None` for every request.
    pub(crate) fn add_fault(&self, route: Route, fault: Fault, times: Option<usize>) {
        self.state.scenario.lock().unwrap().rules.push(Rule {
            route,
            fault,
            remaining: times,
        });
    }

    /// Remove every fault.
    pub(crate) fn clear_faults(&self) {
        self.state.scenario.lock().unwrap().rules.clear();
    }

    /// `instabake build --site SITE ARGS...` with the token set and the API base pointing here.
    pub(crate) fn run_build(&self, site: &Path, args: &[&str]) -> Run {
        self.run_build_env(site, args, &[])
    }

    /// [`FakeApi::run_build`] with more environment variables.
    pub(crate) fn run_build_env(&self, site: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
        let base = self.base_url();
        let mut all = vec![("INSTABAKE_API_BASE", base.as_str())];
        all.extend_from_slice(env);
        super::run_build(site, args, &all)
    }

    /// `instabake ARGS --site SITE` (any command) in `site`, with the token set, the API base
    /// pointing here, and then `env` applied.
    pub(crate) fn run_command(&self, site: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
        let base = self.base_url();
        let mut all = vec![
            ("INSTAGRAM_ACCESS_TOKEN", super::TOKEN),
            ("INSTABAKE_API_BASE", base.as_str()),
        ];
        all.extend_from_slice(env);
        let mut all_args = args.to_vec();
        all_args.extend(["--site", site.to_str().expect("UTF-8 site path")]);
        super::run(site, &all_args, &all)
    }

    /// Fails if the token, this server's media host or an Instagram CDN host appears in any file
    /// under `dir`, in a file name, or in the run's output.
    pub(crate) fn assert_no_secret_or_cdn(&self, dir: &Path, run: &Run) {
        super::assert_no_secret_or_cdn(dir, run, &self.host());
    }

    /// Fails unless every Graph API request carried the token and no media host request did.
    pub(crate) fn assert_token_only_sent_to_api(&self) {
        for request in self.requests() {
            if request.is_media() {
                assert!(
                    !request.carries_token() && !request.target.contains(TOKEN),
                    "the access token was sent to the media host: {}",
                    request.target
                );
            } else {
                assert_eq!(
                    request.token().as_deref(),
                    Some(TOKEN),
                    "API request without the right token: {}",
                    request.target
                );
            }
        }
    }
}

/// Records the request, answers it, and counts the media host requests in flight (until their
/// answer is written).
fn serve(request: &Request, responder: Responder, state: &State) {
    state.requests.lock().unwrap().push(request.clone());
    let is_media = request.is_media();
    if is_media {
        let now = state.media_in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        state.media_max_in_flight.fetch_max(now, Ordering::SeqCst);
    }
    let reply = answer(request, state, &request.server.to_string());
    responder.send(reply);
    if is_media {
        state.media_in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}
