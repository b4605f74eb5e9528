//! The real binary against the fake Graph API (`support::fake_api`), one concern a file:
//! - `listing.rs`: paging through `/me/media` and where it stops;
//! - `carousels.rs`: carousel children, expanded or given as ids only;
//! - `video.rs`: videos and their posters;
//! - `data_file.rs`: what a bake writes (the data file, captions, the partial) and what it never
//!   may (the token, CDN URLs);
//! - `errors.rs`: token errors, retries, and answers that are no answer;
//! - `downloads.rs`: the media host downloads, at once and when they fail;
//! - `cache.rs`: rebuilds, the fallback to the last good bake, `--offline`;
//! - `samples.rs`: every response shape of our fixtures (and of the shared corpus of captured
//!   responses, where it exists).
//!
//! This file holds the checks of what the binary wrote that several of them share. The fake
//! server's own checks are in `support/fake_api/tests.rs`.

mod cache;
mod carousels;
mod data_file;
mod downloads;
mod errors;
mod listing;
mod samples;
mod video;

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support;

/// Checks every media item of every post in the data file against the contract: dimensions,
/// colour, placeholder, variants whose files exist with the stated size, srcset strings.
fn assert_media_complete(site: &Path, data: &Value) {
    for post in data["posts"].as_array().expect("posts array") {
        let id = &post["id"];
        let media = post["media"]
            .as_array()
            .unwrap_or_else(|| panic!("post {id}: no media array: {post:#}"));
        assert!(!media.is_empty(), "post {id}: empty media: {post:#}");
        for item in media {
            let context = format!("post {id}, media {}", item["id"]);
            assert!(
                item["width"].as_u64().unwrap_or(0) > 0,
                "{context}: width: {item:#}"
            );
            assert!(
                item["height"].as_u64().unwrap_or(0) > 0,
                "{context}: height: {item:#}"
            );
            let color = item["color"].as_str().unwrap_or("");
            assert!(
                color.len() == 7
                    && color.starts_with('#')
                    && color[1..].chars().all(|c| c.is_ascii_hexdigit()),
                "{context}: colour {color:?}"
            );
            assert!(
                item["placeholder"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with("data:image/"),
                "{context}: placeholder: {item:#}"
            );
            let variants = item["variants"]
                .as_array()
                .unwrap_or_else(|| panic!("{context}: no variants: {item:#}"));
            assert!(!variants.is_empty(), "{context}: no variants");
            for variant in variants {
                let format = variant["format"].as_str().unwrap_or("");
                assert!(
                    matches!(format, "webp" | "jpeg"),
                    "{context}: variant format {format:?}"
                );
                let url = variant["url"].as_str().unwrap_or("");
                let path = site_file_for_url(site, url).unwrap_or_else(|| {
                    panic!("{context}: variant URL {url:?} not under /instagram/")
                });
                let size = fs::metadata(&path)
                    .unwrap_or_else(|e| {
                        panic!(
                            "{context}: variant {url} has no file {}: {e}",
                            path.display()
                        )
                    })
                    .len();
                assert_eq!(
                    Some(size),
                    variant["bytes"].as_u64(),
                    "{context}: bytes of {url}"
                );
                assert!(
                    variant["width"].as_u64() <= item["width"].as_u64(),
                    "{context}: variant {url} wider than the source (upscaled)"
                );
            }
            for format in ["webp", "jpeg"] {
                let srcset = item["srcset"][format].as_str().unwrap_or("");
                assert!(
                    srcset.contains("/instagram/") && srcset.contains('w'),
                    "{context}: srcset.{format} = {srcset:?}"
                );
            }
            let src = item["src"].as_str().unwrap_or("");
            assert!(
                site_file_for_url(site, src).is_some_and(|p| p.is_file()),
                "{context}: src {src:?} missing"
            );
        }
    }
}

/// `/instagram/x.webp` -> `SITE/static/instagram/x.webp` (hugo preset).
fn site_file_for_url(site: &Path, url: &str) -> Option<PathBuf> {
    url.strip_prefix("/instagram/")
        .map(|rest| site.join(support::HUGO_IMAGES).join(rest))
}

/// The kind of each media item of a post.
fn media_kinds(post: &Value) -> Vec<String> {
    post["media"]
        .as_array()
        .map(|media| {
            media
                .iter()
                .map(|m| m["kind"].as_str().unwrap_or("?").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The media item ids of a post.
fn media_ids(post: &Value) -> Vec<String> {
    post["media"]
        .as_array()
        .map(|media| {
            media
                .iter()
                .map(|m| m["id"].as_str().unwrap_or("?").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// After a failed first run, the site must not hold a feed: no data file, no partial.
fn assert_no_feed_published(site: &Path) {
    for file in [support::HUGO_DATA, support::HUGO_PARTIAL] {
        assert!(
            !site.join(file).exists(),
            "a failed run with no cache published {file}: {:#?}",
            support::relative_files(site)
        );
    }
}

fn ids(range: std::ops::RangeInclusive<u32>) -> Vec<String> {
    range.map(|i| i.to_string()).collect()
}
