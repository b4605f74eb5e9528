//! The error type every stage returns, and the few stable exit codes the binary maps it to.
//!
//! Each variant carries what failed (the path, the key, the post, the API error) and its message says
//! what to do about it. A variant caused by another error keeps it as its
//! [`source`](std::error::Error::source), and its message also includes the cause's text: messages
//! are shown on their own too (a fallback's warning, a `doctor` line, the step summary). The binary
//! prints the whole cause chain with [`report::with_causes`], which skips a cause whose text is
//! already shown, so no cause is printed twice.
//!
//! This module depends only on the error types of the modules below every stage ([`api_error`],
//! [`http`]), never on a stage: every stage returns this error.
//!
//! [`api_error`]: crate::api_error
//! [`http`]: crate::http

use std::path::PathBuf;

use crate::api_error::ApiError;
use crate::report;

/// Exit codes are part of the command-line contract (README, "Exit codes"): CI scripts test them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// The feed was baked (possibly from the cache, with a warning).
    Success = 0,
    /// Something unexpected failed: an I/O error writing the site, a bug.
    Unexpected = 1,
    /// The command line or the configuration is wrong; nothing was done.
    Usage = 2,
    /// No feed could be baked: the API failed and there was no usable cache. The site is untouched.
    /// For `token` and `doctor`: the token is dead or could not be checked.
    NoFeed = 3,
    /// The token expires within the days given (`token status`, `--fail-if-token-expires-within`).
    TokenExpiring = 4,
}

/// Everything that can stop a command.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    /// A configuration value that is out of range or does not go with another.
    #[error("configuration file {path}: {message}")]
    Config { path: PathBuf, message: String },

    /// The configuration file is not TOML, or not of our shape (an unknown key, a wrong type).
    #[error("configuration file {path}: {}", .source.to_string().trim_end())]
    ConfigToml {
        path: PathBuf,
        #[source]
        source: toml::de::Error,
    },

    #[error("{0}")]
    Usage(String),

    #[error("no access token: set the environment variable {var} to a long-lived Instagram access token (see README, \"Getting a token\"), or use --replay DIR to bake a recorded feed")]
    MissingToken { var: String },

    #[error("cannot read the token file {path}: {source}")]
    TokenFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(transparent)]
    Api(Box<ApiError>),

    #[error(transparent)]
    HttpClient(#[from] crate::http::ClientError),

    #[error("could not reach the Instagram API ({what}): {source}")]
    Network {
        what: String,
        #[source]
        source: crate::http::Failure,
    },

    #[error("the Instagram API failed to answer {what}: HTTP {status} with {body}")]
    Server {
        what: String,
        status: u16,
        /// What the body looked like ([`crate::http::describe_body`]).
        body: String,
    },

    #[error(
        "the Instagram API answered {what} with something that is not the expected JSON: {message}"
    )]
    BadResponse { what: String, message: String },

    /// The parser's message is redacted: it can quote the body, and the body can hold a token.
    #[error(
        "the Instagram API answered {what} with something that is not the expected JSON: {}",
        report::redact(&.source.to_string())
    )]
    ResponseJson {
        what: String,
        #[source]
        source: serde_json::Error,
    },

    /// A URL that cannot be made: the API base, or a request path on it.
    #[error("{what}: {source}")]
    BadUrl {
        what: String,
        #[source]
        source: url::ParseError,
    },

    #[error("replay folder {path}: {message}")]
    Replay { path: PathBuf, message: String },

    /// A file of the replay folder cannot be read; `what` says which and why it was needed.
    #[error("replay folder {path}: {what}: {source}")]
    ReplayRead {
        path: PathBuf,
        what: String,
        #[source]
        source: std::io::Error,
    },

    #[error("replay folder {path}: {file}: {source}")]
    ReplayJson {
        path: PathBuf,
        file: String,
        #[source]
        source: serde_json::Error,
    },

    /// `instabake record` found, reading back what it wrote, something that must not be in a
    /// recording. `what` describes it and never quotes it (it may be the token).
    #[error("the recording was not kept: its file {file} holds {what}. Nothing was written. Unless a caption or the profile quotes it, this is a bug in instabake: please report it (without the recording)")]
    RecordLeak { file: String, what: String },

    /// `instabake preview` found no baked partial to show. `hint` names the presets whose partial
    /// is in the site, when the one looked for is another preset's.
    #[error("nothing is baked yet: there is no partial at {}{hint}; run `instabake build` first (`instabake build --replay DIR` bakes a recorded feed without a token), then `instabake preview`", .partial.display())]
    NotBaked { partial: PathBuf, hint: String },

    /// `instabake preview` cannot listen on the port asked for.
    #[error("cannot serve the preview on 127.0.0.1:{port}: {source}; choose another port with --port N, or --port 0 for any free one")]
    PreviewPort {
        port: u16,
        #[source]
        source: std::io::Error,
    },

    #[error("no post could be baked: {0}")]
    NothingBaked(String),

    /// The export given to `import` cannot be read; `what` says what was being done.
    #[error("export {path}: {what}: {source}")]
    ExportRead {
        path: PathBuf,
        what: String,
        #[source]
        source: std::io::Error,
    },

    /// The export given to `import` is not an archive of the expected kind.
    #[error("export {path}: {message}; nothing was imported")]
    ExportArchive { path: PathBuf, message: String },

    /// A zip entry (or a media path named by a post) that would leave the folder: a zip-slip.
    #[error("export {path}: the entry {entry:?} points outside the export (an absolute path or ..): this is not an archive Instagram made, or it was tampered with; nothing was imported")]
    ExportUnsafeEntry { path: PathBuf, entry: String },

    #[error("export {path}: {entry} is larger than {max} bytes, more than any export holds; nothing was imported")]
    ExportTooLarge {
        path: PathBuf,
        entry: String,
        max: u64,
    },

    #[error("export {path}: no posts file in it (your_instagram_activity/content/posts_1.json, content/posts_1.json or media/posts_1.json): request the export in JSON format, not HTML (Accounts Center > Your information and permissions > Export your information), and give the zip or the folder it unpacks into; nothing was imported")]
    ExportNoPosts { path: PathBuf },

    #[error("export {path}: {file} is not the JSON expected: {source}; download the export again; nothing was imported")]
    ExportJson {
        path: PathBuf,
        file: String,
        #[source]
        source: serde_json::Error,
    },

    #[error("export {path}: the post {post} names the media file {file}, which is not in the export: an export that comes in several zips needs every part (unzip them into one folder and import that); nothing was imported")]
    ExportMissingMedia {
        path: PathBuf,
        file: String,
        post: String,
    },

    /// The site's export folder (written by `import`) cannot be read.
    #[error("export folder {path}: {message}: run `instabake import` again with the export, or remove the folder")]
    ExportFolder { path: PathBuf, message: String },

    /// Tera nests the useful part of an error (line, column, what was expected) in its sources,
    /// so the message has them all.
    #[error("template {name}: {}", report::with_causes(.source.to_string(), std::error::Error::source(.source)))]
    Template {
        name: String,
        #[source]
        source: tera::Error,
    },

    #[error("template {path}: cannot read it: {source}")]
    TemplateFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A file we write could not be made into JSON.
    #[error("{action} {path}: {source}")]
    Json {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },

    #[error("the access token expires in {days} days ({date}), within the {within} days allowed: refresh it with `instabake token refresh` (README, \"Keeping the token alive\")")]
    TokenExpiring {
        days: i64,
        date: String,
        within: i64,
    },

    #[error("{0}")]
    ChecksFailed(String),

    /// A command run for each account of a site failed for some of them; `code` is the exit code
    /// of the worst failure.
    #[error("{message}")]
    PerAccount { message: String, code: ExitCode },

    /// Some accounts of a site with several could not be baked (their files were left as they
    /// were); the others, if any, were. `code` is the exit code of their failure.
    #[error("{}", accounts_failed(.failed, .baked, *.merged))]
    AccountsFailed {
        /// Each account not baked, with why.
        failed: Vec<(String, String)>,
        /// The accounts baked.
        baked: Vec<String>,
        /// Whether the accounts are merged into one feed (which the others were baked into).
        merged: bool,
        code: ExitCode,
    },
}

/// "the account studio could not be baked (...); baked: shop". Why is in the warning printed for
/// each account as it failed, and in the step summary: the last line only names them.
fn accounts_failed(failed: &[(String, String)], baked: &[String], merged: bool) -> String {
    let names: Vec<&str> = failed.iter().map(|(name, _)| name.as_str()).collect();
    let (which, kept) = match names.as_slice() {
        [one] => (
            format!("the account {one}"),
            "its files were left as they were",
        ),
        many => (
            format!("the accounts {}", many.join(", ")),
            "their files were left as they were",
        ),
    };
    let kept = if merged {
        "left out of the merged feed"
    } else {
        kept
    };
    let others = if baked.is_empty() {
        "no account was baked".to_owned()
    } else {
        format!("baked: {}", baked.join(", "))
    };
    format!("{which} could not be baked ({kept}; see the warnings above); {others}")
}

impl From<ApiError> for Error {
    fn from(error: ApiError) -> Self {
        Error::Api(Box::new(error))
    }
}

impl Error {
    /// Shorthand for an I/O error that names the file and what was being done with it.
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// Shorthand for a JSON error that names the file and what was being done with it.
    pub(crate) fn json(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: serde_json::Error,
    ) -> Self {
        Error::Json {
            action,
            path: path.into(),
            source,
        }
    }

    /// True when the failure came from the feed's source (API, network, replay) rather than from
    /// this machine: such a failure may be answered from the cache's last good feed.
    pub(crate) fn is_source_failure(&self) -> bool {
        matches!(
            self,
            Error::Api(_)
                | Error::Network { .. }
                | Error::Server { .. }
                | Error::BadResponse { .. }
                | Error::ResponseJson { .. }
                | Error::Replay { .. }
                | Error::ReplayRead { .. }
                | Error::ReplayJson { .. }
        )
    }

    /// The exit code this error maps to.
    pub(crate) fn exit_code(&self) -> ExitCode {
        match self {
            Error::Config { .. }
            | Error::ConfigToml { .. }
            | Error::Usage(_)
            | Error::MissingToken { .. }
            | Error::BadUrl { .. } => ExitCode::Usage,
            Error::TokenFile { .. } | Error::HttpClient(_) => ExitCode::Usage,
            Error::Template { .. } | Error::TemplateFile { .. } => ExitCode::Usage,
            Error::Api(_)
            | Error::Network { .. }
            | Error::Server { .. }
            | Error::BadResponse { .. }
            | Error::ResponseJson { .. }
            | Error::Replay { .. }
            | Error::ReplayRead { .. }
            | Error::ReplayJson { .. }
            | Error::NothingBaked(_) => ExitCode::NoFeed,
            Error::ExportRead { .. }
            | Error::ExportArchive { .. }
            | Error::ExportUnsafeEntry { .. }
            | Error::ExportTooLarge { .. }
            | Error::ExportNoPosts { .. }
            | Error::ExportJson { .. }
            | Error::ExportMissingMedia { .. } => ExitCode::Usage,
            Error::ExportFolder { .. } => ExitCode::NoFeed,
            Error::NotBaked { .. } | Error::PreviewPort { .. } => ExitCode::Usage,
            Error::Io { .. } | Error::Json { .. } | Error::RecordLeak { .. } => {
                ExitCode::Unexpected
            }
            Error::TokenExpiring { .. } => ExitCode::TokenExpiring,
            Error::ChecksFailed(_) => ExitCode::NoFeed,
            Error::AccountsFailed { code, .. } | Error::PerAccount { code, .. } => *code,
        }
    }
}

/// Result with this crate's [`Error`].
pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    /// What the binary prints for an error, less its `error: ` prefix.
    fn printed(error: &Error) -> String {
        report::with_causes(error.to_string(), error.source())
    }

    fn io_error() -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::NotFound, "No such file or directory")
    }

    #[test]
    fn causes_are_kept_and_printed_once() {
        let toml = toml::from_str::<toml::Table>("limit = = 3\n").unwrap_err();
        let tera = tera::Tera::default()
            .add_raw_template("t", "<li>{{ p.id }</li>")
            .unwrap_err();
        let json = || serde_json::from_str::<u32>("\"many\"").unwrap_err();
        let cases = [
            (
                Error::ConfigToml {
                    path: "instabake.toml".into(),
                    source: toml,
                },
                ExitCode::Usage,
            ),
            (
                Error::Template {
                    name: "mine.html".into(),
                    source: tera,
                },
                ExitCode::Usage,
            ),
            (
                Error::TemplateFile {
                    path: "mine.html".into(),
                    source: io_error(),
                },
                ExitCode::Usage,
            ),
            (
                Error::BadUrl {
                    what: "api_base \"x\" is not a URL".into(),
                    source: url::Url::parse("x").unwrap_err(),
                },
                ExitCode::Usage,
            ),
            (
                Error::ResponseJson {
                    what: "the account (/me)".into(),
                    source: json(),
                },
                ExitCode::NoFeed,
            ),
            (
                Error::ReplayRead {
                    path: "replay".into(),
                    what: "cannot read media.json".into(),
                    source: io_error(),
                },
                ExitCode::NoFeed,
            ),
            (
                Error::ReplayJson {
                    path: "replay".into(),
                    file: "media.json".into(),
                    source: json(),
                },
                ExitCode::NoFeed,
            ),
            (
                Error::json("write", "data/instagram.json", json()),
                ExitCode::Unexpected,
            ),
            (
                Error::io("write", "data/instagram.json", io_error()),
                ExitCode::Unexpected,
            ),
        ];
        for (error, code) in &cases {
            let cause = error.source().expect("the cause is kept as the source");
            let cause = cause.to_string();
            let shown = printed(error);
            assert_eq!(shown, error.to_string(), "the chain adds to the message");
            assert_eq!(
                shown.matches(cause.trim_end()).count(),
                1,
                "the cause is not shown exactly once: {shown}"
            );
            assert_eq!(error.exit_code(), *code, "{shown}");
        }
        // The causes keep their types.
        assert!(cases[0].0.source().unwrap().is::<toml::de::Error>());
        assert!(cases[1].0.source().unwrap().is::<tera::Error>());
        assert!(cases[7].0.source().unwrap().is::<serde_json::Error>());
        // Tera's line and column are in a nested cause, and shown.
        assert!(
            printed(&cases[1].0).contains("1:"),
            "{}",
            printed(&cases[1].0)
        );
    }

    #[test]
    fn a_token_quoted_by_the_json_parser_is_shown_once_and_redacted() {
        report::add_secret("IGQWRjsonquotedtoken");
        let error = Error::ResponseJson {
            what: "the token refresh".into(),
            source: serde_json::from_str::<u32>("\"IGQWRjsonquotedtoken\"").unwrap_err(),
        };
        let shown = printed(&error);
        assert!(!shown.contains("IGQWRjsonquotedtoken"), "{shown}");
        assert_eq!(shown.matches("***").count(), 1, "{shown}");
    }
}
