//! Integration tests: the real `instabake` binary driven against a fake Graph API and media host
//! (see `support/`), inspecting the files it wrote. All tests link into this one binary to keep the
//! build fast.

mod support;

mod accounts;
mod action;
mod api;
mod api_version;
mod browser;
mod crash;
mod csp;
mod curation;
mod example_site;
mod export;
mod feeds;
mod generators;
mod gitlab;
mod hostile;
mod incremental;
mod json_output;
mod language;
mod lightbox;
mod manual;
mod npm;
mod old_cache;
mod packaging;
mod pages;
mod panics;
mod presets;
mod preview;
mod profile;
mod record;
mod release;
mod resilience;
mod secrets;
mod structure;
mod terminal;
mod token;
mod tools;
mod video;
mod weight;
mod workflows;
mod zola;
