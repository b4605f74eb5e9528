//! A scenario: everything the fake API serves, built up before [`FakeApi::start`](super::FakeApi):
//! the account, the posts (newest first, with made-up timestamps where a test gives none), the
//! page size, the token it accepts, the files on the media host, and the faults.

use std::collections::HashMap;
use std::sync::Arc;

use super::super::{images, TOKEN};
use super::faults::{Fault, Route, Rule};
use super::media_host::{MediaFile, Source};
use super::posts::Post;
use super::{USERNAME, USER_ID};

/// The account `/me` answers with.
#[derive(Clone, Debug)]
pub(crate) struct Account {
    pub user_id: String,
    pub username: String,
    pub account_type: Option<String>,
    /// `None`: the number of posts in the scenario.
    pub media_count: Option<u64>,
}

impl Account {
    /// The second account the multi-account tests bake beside the scenario's own: a creator
    /// account, `@studio_demo`.
    pub(crate) fn studio() -> Account {
        Account {
            user_id: "17841400000000002".into(),
            username: "studio_demo".into(),
            account_type: Some("CREATOR".into()),
            media_count: None,
        }
    }
}

/// The profile fields `/me` answers with (`[account] profile = true`); `None` leaves a field out of
/// the answer, as the API does for an account that has not set it.
#[derive(Clone, Debug)]
pub(crate) struct Profile {
    pub name: Option<String>,
    pub biography: Option<String>,
    pub website: Option<String>,
    /// A media host file served as `profile_picture_url` (a signed-looking CDN URL).
    pub picture: Option<String>,
    pub followers_count: Option<u64>,
    pub follows_count: Option<u64>,
}

impl Default for Profile {
    /// A bakery's profile, its picture `profile.jpg` (320x320).
    fn default() -> Self {
        Profile {
            name: Some("Bakery Demo".to_string()),
            biography: Some("Fresh bread every morning.".to_string()),
            website: Some("https://bakery.example/".to_string()),
            picture: Some("profile.jpg".to_string()),
            followers_count: Some(1234),
            follows_count: Some(56),
        }
    }
}

/// Another account served beside the scenario's own, for sites with several accounts: a request
/// with its token sees its `/me`, its posts and its refreshed token.
#[derive(Clone, Debug)]
pub(crate) struct OtherAccount {
    pub token: String,
    pub account: Account,
    pub posts: Vec<Post>,
    pub refreshed_token: String,
}

/// Everything the fake server serves, built up before [`FakeApi::start`].
#[derive(Clone, Debug)]
pub(crate) struct Scenario {
    pub(super) others: Vec<OtherAccount>,
    pub(super) dead_tokens: Vec<String>,
    pub(super) posts: Vec<Post>,
    pub(super) page_size: Option<usize>,
    pub(super) account: Account,
    pub(super) profile: Profile,
    pub(super) expected_token: Option<String>,
    pub(super) refreshed_token: String,
    pub(super) refresh_expires_in: u64,
    pub(super) rules: Vec<Rule>,
    pub(super) media: HashMap<String, MediaFile>,
    pub(super) versioned_next: bool,
    pub(super) usage_header: Option<String>,
    pub(super) generated_size: (u32, u32),
    pub(super) unknown_fields: Vec<String>,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario::new()
    }
}

impl Scenario {
    /// No posts, the default account, the token [`TOKEN`] expected, and four standard pictures on
    /// the media host: `portrait.jpg` (1080x1350), `square.jpg` (1080x1080), `small.jpg` (640x800)
    /// and `graphic.png` (800x800), plus `clip.mp4`.
    pub(crate) fn new() -> Scenario {
        let scenario = Scenario {
            others: Vec::new(),
            dead_tokens: Vec::new(),
            posts: Vec::new(),
            page_size: None,
            account: Account {
                user_id: USER_ID.to_string(),
                username: USERNAME.to_string(),
                account_type: Some("BUSINESS".to_string()),
                media_count: None,
            },
            profile: Profile::default(),
            expected_token: Some(TOKEN.to_string()),
            refreshed_token: "IGQWRrefreshedTOKEN_do_not_leak_0987654321".to_string(),
            refresh_expires_in: 5_183_944,
            rules: Vec::new(),
            media: HashMap::new(),
            versioned_next: false,
            generated_size: (1080, 1350),
            unknown_fields: Vec::new(),
            usage_header: Some(r#"{"call_count":1,"total_cputime":0,"total_time":1}"#.to_string()),
        };
        scenario
            .jpeg("portrait.jpg", 1080, 1350)
            .jpeg("square.jpg", 1080, 1080)
            .jpeg("small.jpg", 640, 800)
            .png("graphic.png", 800, 800)
            .file("clip.mp4", &images::mp4(), "video/mp4")
    }

    /// The posts, newest first, as `/me/media` lists them. Posts without a timestamp get one, an
    /// hour older per position.
    pub(crate) fn posts(mut self, posts: Vec<Post>) -> Scenario {
        self.posts = with_timestamps(posts);
        self
    }

    /// The largest page the server returns (the client's `limit` is honoured when smaller).
    pub(crate) fn page_size(mut self, size: usize) -> Scenario {
        assert!(size > 0, "page size must be at least 1");
        self.page_size = Some(size);
        self
    }

    pub(crate) fn account(mut self, account: Account) -> Scenario {
        self.account = account;
        self
    }

    /// The profile fields of `/me`.
    pub(crate) fn profile(mut self, profile: Profile) -> Scenario {
        self.profile = profile;
        self
    }

    pub(crate) fn username(mut self, username: &str) -> Scenario {
        self.account.username = username.to_string();
        self
    }

    /// The access token API routes accept (others get a 190). Default [`TOKEN`].
    pub(crate) fn token(mut self, token: &str) -> Scenario {
        self.expected_token = Some(token.to_string());
        self
    }

    /// Serve another account beside the scenario's own: requests with `token` get `account` from
    /// `/me`, `posts` (newest first; their media names must differ from the other accounts') from
    /// `/me/media` and `/{id}`, and `refreshed_token` from `/refresh_access_token`. Faults apply
    /// to every account alike.
    pub(crate) fn other_account(
        mut self,
        token: &str,
        account: Account,
        posts: Vec<Post>,
        refreshed_token: &str,
    ) -> Scenario {
        self.others.push(OtherAccount {
            token: token.to_string(),
            account,
            posts: with_timestamps(posts),
            refreshed_token: refreshed_token.to_string(),
        });
        self
    }

    /// A token that has expired: every API route answers it with the real code 190 answer
    /// ("Session has expired"), whichever account it was.
    pub(crate) fn dead_token(mut self, token: &str) -> Scenario {
        self.dead_tokens.push(token.to_string());
        self
    }

    /// The scenario as a request with `token` sees it: another account's when the token is one
    /// of theirs, else this one.
    pub(super) fn for_token(&self, token: Option<&str>) -> Scenario {
        let Some(other) = self
            .others
            .iter()
            .find(|other| token == Some(other.token.as_str()))
        else {
            return self.clone();
        };
        let mut scenario = self.clone();
        scenario.account = other.account.clone();
        scenario.posts = other.posts.clone();
        scenario.expected_token = Some(other.token.clone());
        scenario.refreshed_token = other.refreshed_token.clone();
        scenario
    }

    /// Accept any access token, and none.
    pub(crate) fn any_token(mut self) -> Scenario {
        self.expected_token = None;
        self
    }

    /// What `/refresh_access_token` hands out.
    pub(crate) fn refreshed_token(mut self, token: &str, expires_in: u64) -> Scenario {
        self.refreshed_token = token.to_string();
        self.refresh_expires_in = expires_in;
        self
    }

    /// Fields this API version does not know: a request asking for any of them (also as a
    /// `children{...}` sub-field, and on `/me`) is answered with code 100 "Tried accessing
    /// nonexisting field".
    pub(crate) fn unknown_fields(mut self, fields: &[&str]) -> Scenario {
        self.unknown_fields = fields
            .iter()
            .map(std::string::ToString::to_string)
            .collect();
        self
    }

    /// `paging.next` as the real API writes it: `/v25.0/{user-id}/media?...` instead of
    /// `/me/media?...`.
    pub(crate) fn versioned_next(mut self) -> Scenario {
        self.versioned_next = true;
        self
    }

    /// The `x-app-usage` header on API answers (`None`: no header).
    pub(crate) fn usage_header(mut self, value: Option<&str>) -> Scenario {
        self.usage_header = value.map(str::to_string);
        self
    }

    /// The size of the JPEGs generated for media names nobody registered (default 1080x1350).
    /// Smaller pictures make a test faster when their size is not the point.
    pub(crate) fn generated_size(mut self, width: u32, height: u32) -> Scenario {
        self.generated_size = (width, height);
        self
    }

    /// A generated JPEG on the media host (its own picture for each name).
    pub(crate) fn jpeg(mut self, name: &str, width: u32, height: u32) -> Scenario {
        let file = MediaFile::jpeg(width, height, images::seed_of(name));
        self.media.insert(name.to_string(), file);
        self
    }

    /// A generated PNG on the media host (its own picture for each name).
    pub(crate) fn png(mut self, name: &str, width: u32, height: u32) -> Scenario {
        let file = MediaFile::png(width, height, images::seed_of(name));
        self.media.insert(name.to_string(), file);
        self
    }

    /// Any bytes on the media host.
    pub(crate) fn file(mut self, name: &str, bytes: &[u8], content_type: &str) -> Scenario {
        self.media.insert(
            name.to_string(),
            MediaFile {
                source: Source::Bytes(Arc::new(bytes.to_vec())),
                content_type: content_type.to_string(),
            },
        );
        self
    }

    /// Answer every request on `route` with `fault`.
    pub(crate) fn fail(self, route: Route, fault: Fault) -> Scenario {
        self.rule(route, fault, None)
    }

    /// Answer the first `times` requests on `route` with `fault`, then normally.
    pub(crate) fn fail_times(self, route: Route, fault: Fault, times: usize) -> Scenario {
        self.rule(route, fault, Some(times))
    }

    /// Serve `body` verbatim (JSON content type) with `status` on `route`.
    pub(crate) fn serve(self, route: Route, status: u16, body: &str) -> Scenario {
        self.fail(route, Fault::raw(status, body))
    }

    fn rule(mut self, route: Route, fault: Fault, remaining: Option<usize>) -> Scenario {
        self.rules.push(Rule {
            route,
            fault,
            remaining,
        });
        self
    }

    pub(super) fn find_object(&self, id: &str) -> Option<&Post> {
        fn find<'a>(posts: &'a [Post], id: &str) -> Option<&'a Post> {
            posts.iter().find_map(|post| {
                if post.id == id {
                    Some(post)
                } else {
                    find(&post.children, id)
                }
            })
        }
        find(&self.posts, id)
    }
}

pub(super) fn with_timestamps(posts: Vec<Post>) -> Vec<Post> {
    posts
        .into_iter()
        .enumerate()
        .map(|(index, mut post)| {
            if post.timestamp.is_none() {
                post.timestamp = Some(timestamp_hours_before(index));
            }
            for child in &mut post.children {
                if child.timestamp.is_none() {
                    child.timestamp = post.timestamp.clone();
                }
            }
            post
        })
        .collect()
}

/// `2026-11-20T12:00:00+0000` minus `hours`, in the API's timestamp format.
pub(super) fn timestamp_hours_before(hours: usize) -> String {
    // Hours since 2026-11-01T00:00.
    let since_first = (19usize * 24 + 12)
        .checked_sub(hours)
        .expect("too many posts for the fake timestamp scheme");
    format!(
        "2026-11-{:02}T{:02}:00:00+0000",
        since_first / 24 + 1,
        since_first % 24
    )
}
