//! instabake bakes an Instagram account's recent posts into a static site at build time.
//!
//! One run pulls the posts once from Instagram's API (or a recorded replay folder, or the cache's last
//! good feed), downloads every photo, carousel item and video poster, resizes and encodes them, renders
//! an HTML partial through Tera and writes a JSON data file, all into the site's own folders. The
//! published site then makes no request to Instagram or Meta at all.
//!
//! Data flows one way through the modules:
//!
//! ```text
//! config ─► source ─► curate ─► media ─► render ─► emit
//!            │                    │                  │
//!            └───── cache (last good feed, originals, variants, manifest) ─┘
//! ```
//!
//! `build::run` wires the stages together (`record::record` reads the source alone, for
//! `instabake record`); `main.rs` only parses flags and maps the result to an
//! exit code.

mod api_error;
mod atomic;
mod build;
mod cache;
mod caption;
mod cli;
mod commands;
mod config;
mod curate;
mod emit;
mod error;
mod failpoint;
mod feed;
mod feeds;
mod http;
mod import;
mod json_output;
mod link;
mod locale;
mod media;
mod mojibake;
mod pages;
mod paths;
mod record;
mod render;
mod report;
mod source;
mod stylesheet;
pub mod token;
mod upkeep;
mod words;

// What the binary uses: the command line, the exit codes, the panic hook.
pub use cli::{run, Cli};
pub use error::ExitCode;
pub use report::install_panic_hook;
