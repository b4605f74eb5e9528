//! Several accounts on one site (`[[accounts]]`), against a fake API that serves two accounts, each
//! with its own token: each baked into its own files, images folder and cache, or, with
//! `merge = true`, into one feed of schema 2; each falling back on its own cache when its token is
//! dead, and one with nothing to bake leaving its own files as they were (exit 3) while the
//! others are baked; `token status|refresh --account`, `doctor`, and the config's checks.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{self, Account, FakeApi, Post, Run, Scenario};

/// The shop's token is the tests' usual one, so every leak check looks for it.
const SHOP_TOKEN: &str = support::TOKEN;
const STUDIO_TOKEN: &str = "IGQWRstudioTOKEN_do_not_leak_5555555555";
/// A token the fake answers with the real "Session has expired" (code 190).
const DEAD_TOKEN: &str = "IGQWRdeadTOKEN_do_not_leak_6666666666";
const SHOP_NEW: &str = "IGQWRshopNEWtoken_do_not_leak_7777777777";
const STUDIO_NEW: &str = "IGQWRstudioNEWtoken_do_not_leak_8888888888";
const DAY: u64 = 86_400;

/// The shop (the scenario's own account) and the studio, each with its posts. Both have a post
/// of the same picture (`square.jpg`), which bakes to the same content-addressed files.
fn scenario() -> Scenario {
    // The fake names a post's owner only when told (else its default account).
    let shop = |post: Post| post.username("shop_demo");
    let studio = |post: Post| post.username("studio_demo");
    Scenario::new()
        .generated_size(400, 500)
        .username("shop_demo")
        .posts(vec![
            shop(Post::image("101").timestamp("2026-11-20T12:00:00+0000")),
            shop(
                Post::image("102")
                    .media("square.jpg")
                    .timestamp("2026-11-18T12:00:00+0000"),
            ),
        ])
        .refreshed_token(SHOP_NEW, 60 * DAY)
        .dead_token(DEAD_TOKEN)
        .other_account(
            STUDIO_TOKEN,
            Account::studio(),
            vec![
                studio(Post::image("201").timestamp("2026-11-21T12:00:00+0000")),
                studio(
                    Post::image("202")
                        .media("square.jpg")
                        .timestamp("2026-11-19T12:00:00+0000"),
                ),
                // The same time as the shop's 102: the shop, first in the config, goes first.
                studio(Post::image("203").timestamp("2026-11-18T12:00:00+0000")),
            ],
            STUDIO_NEW,
        )
}

/// A Hugo site with the shop and the studio, merged or not.
fn accounts_site(merge: bool) -> tempfile::TempDir {
    let site = support::site();
    let merge = if merge { "merge = true\n" } else { "" };
    fs::write(
        site.path().join("instabake.toml"),
        format!(
            "preset = \"hugo\"\n{merge}\n\
             [[accounts]]\nname = \"shop\"\ntoken_env = \"IG_TOKEN_SHOP\"\n\n\
             [[accounts]]\nname = \"studio\"\ntoken_env = \"IG_TOKEN_STUDIO\"\n"
        ),
    )
    .unwrap();
    site
}

/// `instabake ARGS --site SITE` with the shop's token and `studio_token` in the accounts'
/// variables (and no INSTAGRAM_ACCESS_TOKEN), against the fake.
fn run(fake: &FakeApi, site: &Path, args: &[&str], studio_token: &str) -> Run {
    let base = fake.base_url();
    let mut all_args = args.to_vec();
    all_args.extend(["--site", site.to_str().unwrap()]);
    support::run(
        site,
        &all_args,
        &[
            ("IG_TOKEN_SHOP", SHOP_TOKEN),
            ("IG_TOKEN_STUDIO", studio_token),
            ("INSTABAKE_API_BASE", base.as_str()),
        ],
    )
}

fn json(site: &Path, file: &str) -> Value {
    let text = fs::read_to_string(site.join(file)).unwrap_or_else(|e| {
        panic!(
            "read {file}: {e}; files: {:#?}",
            support::relative_files(site)
        )
    });
    serde_json::from_str(&text).unwrap()
}

/// The file name of a post's largest JPEG, as the data file refers to it.
fn jpeg_of(data: &Value, id: &str) -> String {
    let src = support::post(data, id)["media"][0]["src"].as_str().unwrap();
    src.rsplit('/').next().unwrap().to_owned()
}

/// No token of any account, old or new, in any file under the site or in the output (besides
/// the shop's token, the media host and CDN hosts, which the fake's own check looks for).
fn assert_no_tokens(fake: &FakeApi, site: &Path, run: &Run) {
    fake.assert_no_secret_or_cdn(site, run);
    for file in support::files_under(site) {
        let text = String::from_utf8_lossy(&fs::read(&file).unwrap()).into_owned();
        for token in [STUDIO_TOKEN, DEAD_TOKEN, SHOP_NEW, STUDIO_NEW] {
            assert!(!text.contains(token), "{} holds a token", file.display());
        }
    }
    for token in [STUDIO_TOKEN, DEAD_TOKEN, SHOP_NEW, STUDIO_NEW] {
        assert!(
            !run.stdout.contains(token) && !run.stderr.contains(token),
            "a token was printed:\n{run}"
        );
    }
}

#[test]
fn two_accounts_bake_into_their_own_files_images_and_caches() {
    let fake = FakeApi::start(scenario());
    let site = accounts_site(false);
    let dir = site.path();

    let first = run(&fake, dir, &["build"], STUDIO_TOKEN);

    first.assert_success();
    let shop = json(dir, "data/instagram-shop.json");
    let studio = json(dir, "data/instagram-studio.json");
    assert_eq!(support::post_ids(&shop), ["101", "102"]);
    assert_eq!(support::post_ids(&studio), ["201", "202", "203"]);
    for (data, username) in [(&shop, "shop_demo"), (&studio, "studio_demo")] {
        assert_eq!(data["schema"], 1, "{data:#}");
        assert_eq!(data["source"], "live");
        assert_eq!(data["account"]["username"], username);
    }
    support::assert_matches_schema_file(
        "docs/schema/instagram-data-1.schema.json",
        &[
            dir.join("data/instagram-shop.json"),
            dir.join("data/instagram-studio.json"),
        ],
        "the accounts' data files",
    );
    for name in ["shop", "studio"] {
        let partial = dir.join(format!("layouts/partials/instagram-{name}.html"));
        support::assert_partial_refs_exist(
            &partial,
            &format!("/instagram/{name}/"),
            &dir.join("static/instagram").join(name),
        );
        let cache = dir.join(".instabake/accounts").join(name);
        for record in ["feed.json", "manifest.json"] {
            assert!(cache.join(record).is_file(), "{name}: no {record}");
        }
    }
    for single in [
        "data/instagram.json",
        "layouts/partials/instagram.html",
        ".instabake/feed.json",
    ] {
        assert!(!dir.join(single).exists(), "{single} was written");
    }
    // The same picture, baked for both accounts, is in each account's folder.
    let square = jpeg_of(&shop, "102");
    assert_eq!(jpeg_of(&studio, "202"), square, "content addressed");
    for name in ["shop", "studio"] {
        assert!(dir
            .join("static/instagram")
            .join(name)
            .join(&square)
            .is_file());
    }
    assert!(
        first.stderr.contains("account shop: baked 2 posts")
            && first.stderr.contains("account studio: baked 3 posts"),
        "{first}"
    );
    assert_no_tokens(&fake, dir, &first);

    // The shop no longer shows the picture: its copy goes, the studio's stays, and the studio's
    // files are not touched.
    let studio_before = fs::read(dir.join("data/instagram-studio.json")).unwrap();
    fake.set_posts(vec![Post::image("101")
        .username("shop_demo")
        .timestamp("2026-11-20T12:00:00+0000")]);
    let second = run(&fake, dir, &["build"], STUDIO_TOKEN);

    second.assert_success();
    assert_eq!(
        support::post_ids(&json(dir, "data/instagram-shop.json")),
        ["101"]
    );
    assert!(!dir.join("static/instagram/shop").join(&square).exists());
    assert!(dir.join("static/instagram/studio").join(&square).is_file());
    support::assert_partial_refs_exist(
        &dir.join("layouts/partials/instagram-studio.html"),
        "/instagram/studio/",
        &dir.join("static/instagram/studio"),
    );
    assert_eq!(
        fs::read(dir.join("data/instagram-studio.json")).unwrap(),
        studio_before
    );
}

#[test]
fn switching_to_several_accounts_removes_the_single_accounts_files() {
    let fake = FakeApi::start(scenario());
    let site = support::site();
    let dir = site.path();
    fake.run_build(dir, &[]).assert_success();
    let single_image = jpeg_of(&support::read_data(dir), "101");
    assert!(dir.join("static/instagram").join(&single_image).is_file());
    let keep = dir.join("static/instagram/mine.txt");
    fs::write(&keep, "not instabake's").unwrap();
    let config = accounts_site(false);
    fs::copy(
        config.path().join("instabake.toml"),
        dir.join("instabake.toml"),
    )
    .unwrap();

    let run = run(&fake, dir, &["build"], STUDIO_TOKEN);

    run.assert_success();
    assert!(dir.join("data/instagram-shop.json").is_file());
    for gone in [
        "data/instagram.json",
        "layouts/partials/instagram.html",
        &format!("static/instagram/{single_image}"),
    ] {
        assert!(!dir.join(gone).exists(), "{gone} is still there\n{run}");
    }
    assert!(keep.is_file(), "a file instabake did not write was removed");
    assert!(
        !dir.join(".instabake/originals/101").exists(),
        "the single account's originals are kept"
    );
}

#[test]
fn merged_feed_is_schema_2_newest_first_with_each_post_naming_its_account() {
    let fake = FakeApi::start(scenario());
    let site = accounts_site(true);
    let dir = site.path();

    let first = run(&fake, dir, &["build"], STUDIO_TOKEN);

    first.assert_success();
    let data = json(dir, "data/instagram.json");
    assert_eq!(data["schema"], 2);
    assert!(data.get("account").is_none(), "{data:#}");
    assert_eq!(data["source"], "live");
    let accounts: Vec<(&str, &str)> = data["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["account"].as_str().unwrap(),
                a["username"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(accounts, [("shop", "shop_demo"), ("studio", "studio_demo")]);
    let posts: Vec<(&str, &str)> = data["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["account"].as_str().unwrap(), p["id"].as_str().unwrap()))
        .collect();
    assert_eq!(
        posts,
        [
            ("studio", "201"),
            ("shop", "101"),
            ("studio", "202"),
            ("shop", "102"),
            ("studio", "203"),
        ]
    );
    support::assert_matches_schema_file(
        "docs/schema/instagram-data-2.schema.json",
        &[dir.join("data/instagram.json")],
        "the merged data file",
    );
    // Each account's images in its own folder, all referred to by the one partial.
    let refs = support::assert_partial_refs_exist(
        &dir.join("layouts/partials/instagram.html"),
        "/instagram/",
        &dir.join("static/instagram"),
    );
    for name in ["shop", "studio"] {
        assert!(
            refs.iter()
                .any(|r| r.url.starts_with(&format!("/instagram/{name}/"))),
            "no image of {name}"
        );
        assert!(dir
            .join(".instabake/accounts")
            .join(name)
            .join("feed.json")
            .is_file());
        assert!(!dir.join(format!("data/instagram-{name}.json")).exists());
    }
    let partial = fs::read_to_string(dir.join("layouts/partials/instagram.html")).unwrap();
    assert!(
        partial.contains("aria-label=\"Instagram posts by @shop_demo, @studio_demo\""),
        "{partial}"
    );
    assert!(partial.contains("<li class=\"ib-post ib-image\" data-account=\"studio\">"));
    for profile in ["shop_demo", "studio_demo"] {
        assert!(partial.contains(&format!("https://www.instagram.com/{profile}/")));
    }
    assert_no_tokens(&fake, dir, &first);

    // Nothing new: nothing written.
    let again = run(&fake, dir, &["build"], STUDIO_TOKEN);
    again.assert_success();
    assert!(
        again
            .stderr
            .contains("merged feed of 2 accounts: data file unchanged, partial unchanged"),
        "{again}"
    );

    // The studio's token dies: its posts come from its cache, the shop's live.
    let fallback = run(&fake, dir, &["build"], DEAD_TOKEN);
    fallback.assert_success();
    assert!(
        fallback.stderr.contains("warning: account studio: ")
            && fallback.stderr.contains("from the cache"),
        "{fallback}"
    );
    let data = json(dir, "data/instagram.json");
    assert_eq!(data["source"], "cache");
    assert_eq!(data["accounts"][0]["source"], "live");
    assert_eq!(data["accounts"][1]["source"], "cache");
    assert_eq!(data["posts"].as_array().unwrap().len(), 5);
    support::assert_html_refs_exist(dir);
}

#[test]
fn a_dead_token_bakes_that_account_from_its_cache_and_the_other_live() {
    let fake = FakeApi::start(scenario());
    let site = accounts_site(false);
    let dir = site.path();
    run(&fake, dir, &["build"], STUDIO_TOKEN).assert_success();

    let run = run(&fake, dir, &["build"], DEAD_TOKEN);

    run.assert_success();
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("warning: account studio: ")
                && w.contains("expired")
                && w.contains("from the cache")),
        "{run}"
    );
    assert!(
        !warnings.iter().any(|w| w.contains("shop")),
        "the shop has nothing to warn about\n{run}"
    );
    let studio = json(dir, "data/instagram-studio.json");
    assert_eq!(studio["source"], "cache");
    assert_eq!(support::post_ids(&studio), ["201", "202", "203"]);
    assert_eq!(json(dir, "data/instagram-shop.json")["source"], "live");
    support::assert_partial_refs_exist(
        &dir.join("layouts/partials/instagram-studio.html"),
        "/instagram/studio/",
        &dir.join("static/instagram/studio"),
    );
    assert_no_tokens(&fake, dir, &run);
}

#[test]
fn an_account_with_no_feed_at_all_keeps_its_files_the_other_is_baked_and_the_exit_code_is_3() {
    let fake = FakeApi::start(scenario());
    let site = accounts_site(false);
    let dir = site.path();
    let sentinels = [
        "data/instagram-studio.json",
        "layouts/partials/instagram-studio.html",
        "static/instagram/studio/old.jpg",
    ];
    for file in sentinels {
        fs::create_dir_all(dir.join(file).parent().unwrap()).unwrap();
        fs::write(dir.join(file), "sentinel").unwrap();
    }

    let run = run(&fake, dir, &["build"], DEAD_TOKEN);

    run.assert_code(3).assert_no_panic();
    for file in sentinels {
        assert_eq!(
            fs::read_to_string(dir.join(file)).unwrap(),
            "sentinel",
            "{file}"
        );
    }
    assert_eq!(
        support::post_ids(&json(dir, "data/instagram-shop.json")),
        ["101", "102"]
    );
    assert!(!dir.join(".instabake/accounts/studio/feed.json").exists());
    let last = run.stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: the account studio could not be baked")
            && last.contains("baked: shop"),
        "the last line names the account that failed\n{run}"
    );
    assert_no_tokens(&fake, dir, &run);
}

#[test]
fn a_merged_feed_without_one_account_is_baked_from_the_others_with_exit_code_3() {
    let fake = FakeApi::start(scenario());
    let site = accounts_site(true);
    let dir = site.path();

    let run = run(&fake, dir, &["build"], DEAD_TOKEN);

    run.assert_code(3).assert_no_panic();
    assert!(
        run.stderr
            .lines()
            .any(|l| l.starts_with("warning: account studio: ")
                && l.ends_with(
                    "It is left out of the merged feed, which is baked from the other accounts."
                )),
        "{run}"
    );
    let data = json(dir, "data/instagram.json");
    let names: Vec<&Value> = data["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["account"])
        .collect();
    assert_eq!(names, ["shop"]);
    assert!(data["posts"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["account"] == "shop"));
    support::assert_html_refs_exist(dir);
    assert!(!dir.join("static/instagram/studio").exists());
    let last = run.stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with(
            "error: the account studio could not be baked (left out of the merged feed"
        ) && last.ends_with("baked: shop"),
        "{run}"
    );
}

#[test]
fn every_account_failing_touches_nothing() {
    let fake = FakeApi::start(scenario());
    let site = accounts_site(true);
    let dir = site.path();
    let base = fake.base_url();

    let run = support::run(
        dir,
        &["build", "--site", dir.to_str().unwrap()],
        &[
            ("IG_TOKEN_SHOP", DEAD_TOKEN),
            ("IG_TOKEN_STUDIO", DEAD_TOKEN),
            ("INSTABAKE_API_BASE", base.as_str()),
        ],
    );

    run.assert_code(3).assert_no_panic();
    assert!(
        run.stderr
            .contains("the accounts shop, studio could not be baked")
            && run.stderr.contains("no account was baked"),
        "{run}"
    );
    let written: Vec<String> = support::relative_files(dir)
        .into_iter()
        .filter(|f| !f.starts_with(".instabake") && f != "instabake.toml")
        .collect();
    assert!(written.is_empty(), "{written:?}");
}

#[test]
fn token_status_shows_every_account_or_the_one_named() {
    let fake = FakeApi::start(scenario());
    let site = accounts_site(false);
    let dir = site.path();

    let one = run(
        &fake,
        dir,
        &["token", "status", "--account", "studio"],
        STUDIO_TOKEN,
    );
    one.assert_success();
    assert!(
        one.stdout.contains("token: valid, for @studio_demo"),
        "{one}"
    );
    assert!(!one.stdout.contains("shop_demo"), "{one}");

    let all = run(&fake, dir, &["token", "status"], STUDIO_TOKEN);
    all.assert_success();
    for line in [
        "account shop: token: valid, for @shop_demo (BUSINESS",
        "account studio: token: valid, for @studio_demo (CREATOR",
    ] {
        assert!(all.stdout.contains(line), "{line}\n{all}");
    }

    let dead = run(&fake, dir, &["token", "status"], DEAD_TOKEN);
    dead.assert_code(3);
    assert!(
        dead.stdout
            .contains("account shop: token: valid, for @shop_demo"),
        "{dead}"
    );
    assert!(
        dead.stderr.contains("error: account studio: ") && dead.stderr.contains("expired"),
        "{dead}"
    );
    assert!(
        dead.stderr
            .lines()
            .last()
            .is_some_and(|l| l.contains("the token of the account studio")),
        "{dead}"
    );
    assert_no_tokens(&fake, dir, &dead);
}

#[test]
fn token_refresh_needs_an_account_and_refreshes_only_that_one() {
    let fake = FakeApi::start(scenario());
    let site = accounts_site(false);
    let dir = site.path();
    let out = dir.join("new-token");
    let out_arg = out.to_str().unwrap();

    let unnamed = run(
        &fake,
        dir,
        &["token", "refresh", "--write-token", out_arg],
        STUDIO_TOKEN,
    );
    unnamed.assert_code(2);
    assert!(
        unnamed.stderr.contains("--account") && unnamed.stderr.contains("shop, studio"),
        "{unnamed}"
    );
    let unknown = run(
        &fake,
        dir,
        &[
            "token",
            "refresh",
            "--account",
            "shoop",
            "--write-token",
            out_arg,
        ],
        STUDIO_TOKEN,
    );
    unknown.assert_code(2);
    assert!(
        unknown.stderr.contains("shoop") && unknown.stderr.contains("shop, studio"),
        "{unknown}"
    );
    assert!(!out.exists());
    assert!(fake.requests_to("/refresh_access_token").is_empty());

    let refresh = run(
        &fake,
        dir,
        &[
            "token",
            "refresh",
            "--account",
            "studio",
            "--write-token",
            out_arg,
        ],
        STUDIO_TOKEN,
    );

    refresh.assert_success();
    assert_eq!(fs::read_to_string(&out).unwrap().trim(), STUDIO_NEW);
    let requests = fake.requests_to("/refresh_access_token");
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].token().as_deref(), Some(STUDIO_TOKEN));
    assert!(dir.join(".instabake/accounts/studio/token.json").is_file());
    assert!(!dir.join(".instabake/accounts/shop/token.json").exists());
    assert!(!dir.join(".instabake/token.json").exists());
    fs::remove_file(&out).unwrap();
    assert_no_tokens(&fake, dir, &refresh);
}

#[test]
fn account_is_refused_on_a_single_account_site() {
    let fake = FakeApi::start(scenario());
    let site = support::site();
    let dir = site.path();

    let run = run(
        &fake,
        dir,
        &["token", "status", "--account", "shop"],
        STUDIO_TOKEN,
    );

    run.assert_code(2);
    assert!(run.stderr.contains("single account"), "{run}");
}

#[test]
fn doctor_checks_every_account() {
    let fake = FakeApi::start(scenario());
    let site = accounts_site(true);
    let dir = site.path();

    let healthy = run(&fake, dir, &["doctor"], STUDIO_TOKEN);
    healthy.assert_success();
    for line in [
        "2 accounts, merged",
        "shop/token",
        "valid, for @shop_demo",
        "studio/token",
        "valid, for @studio_demo",
        "studio/permissions",
        "shop/folders",
    ] {
        assert!(healthy.stdout.contains(line), "{line}\n{healthy}");
    }

    let sick = run(&fake, dir, &["doctor"], DEAD_TOKEN);
    sick.assert_code(3);
    let line = sick
        .stdout
        .lines()
        .find(|l| l.contains("studio/token"))
        .unwrap_or_else(|| panic!("no studio/token line\n{sick}"));
    assert!(line.starts_with("FAIL"), "{sick}");
    assert!(sick.stdout.contains("valid, for @shop_demo"), "{sick}");
    assert_no_tokens(&fake, dir, &sick);
}

#[test]
fn bad_account_tables_are_named_and_nothing_is_baked() {
    let fake = FakeApi::start(scenario());
    let account = |name: &str| format!("[[accounts]]\nname = \"{name}\"\ntoken_env = \"X\"\n");
    for (config, expected) in [
        (
            format!("{}{}", account("shop"), account("shop")),
            "\"shop\" is used twice",
        ),
        (
            format!("{}{}", account("shop"), account("Studio")),
            "accounts[1].name = \"Studio\"",
        ),
        (
            format!("token_env = \"T\"\n{}", account("shop")),
            "token_env at the top level",
        ),
        (
            "[[accounts]]\nname = \"shop\"\n".to_owned(),
            "has neither token_env nor token_file",
        ),
        (
            format!("{}limt = 3\n", account("shop")),
            "unknown field `limt`",
        ),
    ] {
        let site = support::site();
        let dir = site.path();
        fs::write(dir.join("instabake.toml"), &config).unwrap();

        let run = run(&fake, dir, &["build"], STUDIO_TOKEN);

        run.assert_code(2).assert_no_panic();
        assert!(
            run.stderr.contains(expected) && run.stderr.contains("instabake.toml"),
            "{config}\nexpected {expected:?}\n{run}"
        );
        let files: Vec<PathBuf> = support::files_under(dir);
        assert_eq!(files, [dir.join("instabake.toml")], "{config}");
    }
    assert!(fake.requests().is_empty());
}
