//! `build --json`, `token status --json` and `doctor --json`: stdout is one JSON document, of the
//! shape `docs/schema/instabake-result-1.schema.json` describes, in every outcome (a live bake, a
//! fallback to the cache, a strict failure, a replay, a crash; a token valid, expiring, dead or
//! missing; doctor's checks), with the human lines on stderr. Under GitHub Actions the token's
//! `::add-mask::` still reaches the runner, on stderr, and the document holds no token.

use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::support::{self, FakeApi, Fault, Post, Route, Run, Scenario};
use crate::token::record_state;

const SCHEMA: &str = "docs/schema/instabake-result-1.schema.json";

fn posts() -> Vec<Post> {
    vec![Post::image("9401"), Post::image("9402").media("small.jpg")]
}

/// `instabake ARGS --site SITE` with the token and the fake API.
fn run(fake: &FakeApi, site: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    fake.run_command(site, args, env)
}

/// The run's stdout as its one JSON document: it parses whole, matches the schema, names the
/// command, says the exit code the process exited with, and holds no token and no mask.
fn document(run: &Run, command: &str) -> Value {
    run.assert_no_panic();
    let doc: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{run}"));
    assert_eq!(doc["version"], 1, "{run}");
    assert_eq!(doc["command"], command, "{run}");
    assert_eq!(doc["exit_code"].as_i64(), run.code.map(i64::from), "{run}");
    assert_eq!(
        doc["outcome"],
        if run.success() { "ok" } else { "failed" },
        "{run}"
    );
    assert!(!run.stdout.contains(support::TOKEN), "{run}");
    assert!(!run.stdout.contains("::add-mask::"), "{run}");
    let file = tempfile::Builder::new().suffix(".json").tempfile().unwrap();
    fs::write(file.path(), &run.stdout).unwrap();
    support::assert_matches_schema_file(SCHEMA, &[file.path().to_path_buf()], "the --json output");
    doc
}

/// The only account of a build's document.
fn only_account(doc: &Value) -> &Value {
    let accounts = doc["accounts"].as_array().expect("accounts");
    assert_eq!(accounts.len(), 1, "{doc:#}");
    &accounts[0]
}

#[test]
fn a_live_bake_says_what_it_baked_and_wrote() {
    let fake = FakeApi::start(Scenario::new().posts(posts()));
    let site = support::site();
    record_state(site.path(), support::TOKEN, 3, 40);

    let first = run(&fake, site.path(), &["build", "--json"], &[]);

    first.assert_success();
    let doc = document(&first, "build");
    assert_eq!(doc["error"], Value::Null);
    assert_eq!(doc["merged"], Value::Null);
    let account = only_account(&doc);
    assert_eq!(account["outcome"], "baked");
    assert_eq!(account["name"], Value::Null);
    assert_eq!(account["origin"], "live");
    assert_eq!(account["fallback_reason"], Value::Null);
    assert_eq!(account["posts"], 2);
    let files = &account["files"];
    let images = files["images"].as_u64().unwrap();
    assert!(images >= 2, "{doc:#}");
    assert_eq!(files["images_new"].as_u64(), Some(images), "{doc:#}");
    assert_eq!(files["removed"], 0);
    assert_eq!(files["data_updated"], true);
    assert_eq!(files["partial_updated"], true);
    assert_eq!(account["paths"]["data"], support::HUGO_DATA);
    assert_eq!(account["paths"]["partial"], support::HUGO_PARTIAL);
    assert_eq!(account["paths"]["images"], support::HUGO_IMAGES);
    assert!(site.path().join(support::HUGO_DATA).is_file());
    assert_eq!(account["token"]["days_left"], 40, "{doc:#}");
    assert!(account["token"]["expiry_date"].is_string(), "{doc:#}");
    assert_eq!(doc["warnings"], Value::Array(Vec::new()), "{doc:#}");
    // The human lines are still there, on stderr.
    assert!(first.stderr.contains("baked 2 posts"), "{first}");

    let again = run(&fake, site.path(), &["build", "--json"], &[]);

    let doc = document(&again, "build");
    let files = &only_account(&doc)["files"];
    assert_eq!(files["images_new"], 0, "{doc:#}");
    assert_eq!(files["data_updated"], false, "{doc:#}");
    assert_eq!(files["partial_updated"], false, "{doc:#}");
}

#[test]
fn a_fallback_says_cache_and_why_and_the_mask_stays_off_stdout() {
    let fake = FakeApi::start(Scenario::new().posts(posts()));
    let site = support::site();
    fake.run_build(site.path(), &[]).assert_success();
    fake.add_fault(Route::AnyApi, Fault::expired_token(), None);
    let github = [("GITHUB_ACTIONS", "true")];

    let fallback = run(&fake, site.path(), &["build", "--json"], &github);

    fallback.assert_success();
    let doc = document(&fallback, "build");
    let account = only_account(&doc);
    assert_eq!(account["origin"], "cache", "{doc:#}");
    let why = account["fallback_reason"]
        .as_str()
        .expect("a fallback reason");
    assert!(why.contains("access token"), "{why}");
    let warnings = doc["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().any(|w| w["message"]
            .as_str()
            .is_some_and(|m| m.contains("last good feed from the cache"))
            && w["post_id"].is_null()),
        "{doc:#}"
    );
    // The runner still gets the mask, first, on stderr, which it reads as it reads stdout.
    let mask = format!("::add-mask::{}", support::TOKEN);
    assert_eq!(
        fallback.stderr.lines().next(),
        Some(mask.as_str()),
        "{fallback}"
    );
    assert_eq!(
        fallback.stderr.matches(support::TOKEN).count(),
        1,
        "{fallback}"
    );

    let strict = run(
        &fake,
        site.path(),
        &["build", "--json", "--strict"],
        &github,
    );

    strict.assert_code(3);
    let doc = document(&strict, "build");
    let error = doc["error"].as_str().expect("an error");
    assert!(error.contains("access token"), "{error}");
    let account = only_account(&doc);
    assert_eq!(account["outcome"], "failed", "{doc:#}");
    assert_eq!(account["exit_code"], 3, "{doc:#}");
    assert!(strict.stderr.contains("::error"), "{strict}");
}

#[test]
fn a_warning_about_a_post_names_it() {
    let fake = FakeApi::start(
        Scenario::new()
            .posts(vec![Post::image("9411"), Post::image("9412")])
            .fail(Route::MediaFile("9412.jpg".into()), Fault::Forbidden),
    );
    let site = support::site();

    let run = run(&fake, site.path(), &["build", "--json"], &[]);

    run.assert_success();
    let doc = document(&run, "build");
    assert_eq!(only_account(&doc)["posts"], 1);
    let about: Vec<&Value> = doc["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["post_id"] == "9412")
        .collect();
    assert!(!about.is_empty(), "no warning names post 9412:\n{doc:#}");
    assert!(
        about
            .iter()
            .all(|w| w["message"].as_str().unwrap().contains("9412")),
        "{doc:#}"
    );
}

#[test]
fn a_replay_says_replay_and_needs_no_token() {
    let fake = FakeApi::start(Scenario::new().posts(posts()));
    let live = support::site();
    let recording = tempfile::tempdir().unwrap();
    let dir = recording.path().join("feed");
    run(&fake, live.path(), &["record", dir.to_str().unwrap()], &[]).assert_success();
    let site = support::site();

    let replay = support::run(
        site.path(),
        &[
            "build",
            "--json",
            "--site",
            site.path().to_str().unwrap(),
            "--replay",
            dir.to_str().unwrap(),
        ],
        &[],
    );

    replay.assert_success();
    let doc = document(&replay, "build");
    let account = only_account(&doc);
    assert_eq!(account["origin"], "replay", "{doc:#}");
    assert_eq!(account["posts"], 2, "{doc:#}");
    assert_eq!(account["token"]["days_left"], Value::Null, "{doc:#}");
}

#[test]
fn a_failure_before_the_bake_and_a_crash_are_still_one_document() {
    let site = support::site();
    fs::write(site.path().join("instabake.toml"), "colour = \"blue\"\n").unwrap();
    let args = ["build", "--json", "--site", site.path().to_str().unwrap()];

    let bad = support::run(site.path(), &args, &[]);

    bad.assert_code(2);
    let doc = document(&bad, "build");
    assert!(doc["error"].as_str().unwrap().contains("colour"), "{doc:#}");
    assert_eq!(doc["site"], Value::Null, "{doc:#}");
    assert_eq!(doc["accounts"], Value::Array(Vec::new()), "{doc:#}");

    fs::remove_file(site.path().join("instabake.toml")).unwrap();
    let fake = FakeApi::start(Scenario::new().posts(posts()));
    let crash = run(
        &fake,
        site.path(),
        &["build", "--json"],
        &[("INSTABAKE_FAILPOINT", "panic-main")],
    );

    assert_eq!(crash.code, Some(1), "{crash}");
    assert!(crash.stderr.contains("instabake crashed"), "{crash}");
    let doc: Value = serde_json::from_str(&crash.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{crash}"));
    assert_eq!(doc["outcome"], "failed");
    assert_eq!(doc["exit_code"], 1);
}

#[test]
fn token_status_gives_each_state() {
    let fake = FakeApi::start(Scenario::new().posts(posts()));
    let site = support::site();

    let fresh = run(&fake, site.path(), &["token", "status", "--json"], &[]);
    fresh.assert_success();
    let doc = document(&fresh, "token status");
    let account = &doc["accounts"][0];
    assert_eq!(account["state"], "valid", "{doc:#}");
    assert_eq!(account["username"], support::fake_api::USERNAME, "{doc:#}");
    assert_eq!(account["days_left"], Value::Null, "{doc:#}");
    assert_eq!(account["error"], Value::Null, "{doc:#}");
    // The human lines moved to stderr.
    assert!(fresh.stderr.contains("token: valid"), "{fresh}");

    record_state(site.path(), support::TOKEN, 40, 30);
    let valid = run(&fake, site.path(), &["token", "status", "--json"], &[]);
    valid.assert_success();
    let doc = document(&valid, "token status");
    assert_eq!(doc["accounts"][0]["days_left"], 30, "{doc:#}");
    assert!(doc["accounts"][0]["expiry_date"].is_string(), "{doc:#}");

    record_state(site.path(), support::TOKEN, 55, 5);
    let expiring = run(&fake, site.path(), &["token", "status", "--json"], &[]);
    expiring.assert_code(4);
    let doc = document(&expiring, "token status");
    assert_eq!(doc["accounts"][0]["state"], "expiring", "{doc:#}");
    assert_eq!(doc["accounts"][0]["days_left"], 5, "{doc:#}");

    fake.add_fault(Route::Me, Fault::expired_token(), None);
    let dead = run(&fake, site.path(), &["token", "status", "--json"], &[]);
    dead.assert_code(3);
    let doc = document(&dead, "token status");
    assert_eq!(doc["accounts"][0]["state"], "dead", "{doc:#}");
    assert!(doc["accounts"][0]["error"].is_string(), "{doc:#}");

    let missing = support::run(
        site.path(),
        &[
            "token",
            "status",
            "--json",
            "--site",
            site.path().to_str().unwrap(),
        ],
        &[],
    );
    missing.assert_code(2);
    let doc = document(&missing, "token status");
    assert_eq!(doc["accounts"][0]["state"], "missing", "{doc:#}");
}

#[test]
fn doctor_gives_each_check_with_its_state() {
    let fake = FakeApi::start(Scenario::new().posts(posts()));
    let site = support::site();

    let healthy = run(&fake, site.path(), &["doctor", "--json"], &[]);
    healthy.assert_success();
    let doc = document(&healthy, "doctor");
    let state = |doc: &Value, name: &str| {
        doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("no check {name}:\n{doc:#}"))["state"]
            .clone()
    };
    assert_eq!(state(&doc, "token"), "ok");
    assert_eq!(state(&doc, "permissions"), "ok");
    assert_eq!(state(&doc, "config"), "warn");
    assert!(healthy.stderr.contains("valid, for @"), "{healthy}");

    fake.add_fault(Route::Me, Fault::expired_token(), None);
    let sick = run(&fake, site.path(), &["doctor", "--json"], &[]);
    sick.assert_code(3);
    let doc = document(&sick, "doctor");
    assert_eq!(state(&doc, "token"), "fail");
    for skipped in ["account", "permissions", "expiry"] {
        assert_eq!(state(&doc, skipped), "skip", "{skipped}");
    }
}
