//! The error type every stage returns, and the few stable exit codes the binary maps it to.
//!
//! Each variant carries what failed (the path, the key, the post, the API error) and its message says
//! what to do about it. The binary prints the whole cause chain.

use std::path::PathBuf;

use crate::api_error::ApiError;

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
pub enum Error {
    #[error("configuration file {path}: {message}")]
    Config { path: PathBuf, message: String },

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

    #[error("replay folder {path}: {message}")]
    Replay { path: PathBuf, message: String },

    #[error("no post could be baked: {0}")]
    NothingBaked(String),

    #[error("template {name}: {message}")]
    Template { name: String, message: String },

    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("media {id}: {message}")]
    Media { id: String, message: String },

    #[error("the access token expires in {days} days ({date}), within the {within} days allowed: refresh it with `instabake token refresh` (README, \"Keeping the token alive\")")]
    TokenExpiring {
        days: i64,
        date: String,
        within: i64,
    },

    #[error("{0}")]
    ChecksFailed(String),
}

impl From<ApiError> for Error {
    fn from(error: ApiError) -> Self {
        Error::Api(Box::new(error))
    }
}

impl Error {
    /// Shorthand for an I/O error that names the file and what was being done with it.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// True when the failure came from the feed's source (API, network, replay) rather than from
    /// this machine: such a failure may be answered from the cache's last good feed.
    pub fn is_source_failure(&self) -> bool {
        matches!(
            self,
            Error::Api(_)
                | Error::Network { .. }
                | Error::Server { .. }
                | Error::BadResponse { .. }
                | Error::Replay { .. }
        )
    }

    /// The exit code this error maps to.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Config { .. } | Error::Usage(_) | Error::MissingToken { .. } => ExitCode::Usage,
            Error::TokenFile { .. } | Error::HttpClient(_) => ExitCode::Usage,
            Error::Template { .. } => ExitCode::Usage,
            Error::Api(_)
            | Error::Network { .. }
            | Error::Server { .. }
            | Error::BadResponse { .. }
            | Error::Replay { .. }
            | Error::NothingBaked(_) => ExitCode::NoFeed,
            Error::Io { .. } | Error::Media { .. } => ExitCode::Unexpected,
            Error::TokenExpiring { .. } => ExitCode::TokenExpiring,
            Error::ChecksFailed(_) => ExitCode::NoFeed,
        }
    }
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
