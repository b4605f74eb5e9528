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
//! [`build::run`] wires the stages together; `main.rs` only parses flags and maps the result to an
//! exit code.

pub mod api_error;
mod atomic;
pub mod build;
pub mod cache;
pub mod caption;
pub mod cli;
pub mod commands;
pub mod config;
pub mod curate;
pub mod emit;
pub mod error;
mod failpoint;
pub mod feed;
pub mod http;
pub mod media;
pub mod paths;
pub mod render;
pub mod report;
pub mod source;
pub mod token;
pub mod upkeep;

pub use error::{Error, ExitCode};
