//! `token status`, `token refresh`, the token checks of `build`, `init` and `doctor`, against the
//! fake API, in each token state: fresh (expiry unknown), too young to refresh, due, expiring,
//! dead. No output and no file may hold a token, except where a new token is asked for.

use std::fs;
use std::path::Path;
use std::time::Duration;

use instabake::token::{Token, TokenState};

use crate::support::{self, Account, FakeApi, Fault, Post, Route, Run, Scenario};

const NEW_TOKEN: &str = "IGQWRrefreshedTOKEN_do_not_leak_0987654321";
const DAY: u64 = 86_400;

fn scenario() -> Scenario {
    Scenario::new()
        .posts(vec![
            Post::image("9951"),
            Post::image("9952").media("small.jpg"),
        ])
        .refreshed_token(NEW_TOKEN, 60 * DAY)
}

/// `instabake ARGS` in `site` with the token and the fake API.
fn run(fake: &FakeApi, site: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    fake.run_command(site, args, env)
}

/// Records a token state as a refresh `refreshed_days_ago` days ago, expiring in `expires_in_days`.
pub(crate) fn record_state(
    site: &Path,
    token: &str,
    refreshed_days_ago: u64,
    expires_in_days: u64,
) {
    let now = time::OffsetDateTime::now_utc();
    let format = |t: time::OffsetDateTime| {
        t.replace_nanosecond(0)
            .unwrap()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let state = TokenState {
        fingerprint: instabake::token::fingerprint(&Token::new(token)),
        refreshed_at: format(now - Duration::from_secs(refreshed_days_ago * DAY)),
        expires_at: format(now + Duration::from_secs(expires_in_days * DAY + 3600)),
    };
    let dir = site.join(support::CACHE_DIR);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("token.json"), serde_json::to_vec(&state).unwrap()).unwrap();
}

/// Neither token is in any file under the site or in the output.
fn assert_no_token(site: &Path, run: &Run) {
    for file in support::files_under(site) {
        let text = fs::read(&file).unwrap();
        for token in [support::TOKEN, NEW_TOKEN] {
            assert!(
                !String::from_utf8_lossy(&text).contains(token),
                "{} holds a token",
                file.display()
            );
        }
    }
    for token in [support::TOKEN, NEW_TOKEN] {
        assert!(
            !run.stdout.contains(token) && !run.stderr.contains(token),
            "a token was printed:\n{run}"
        );
    }
}

#[test]
fn status_of_a_fresh_token_names_the_account_and_an_unknown_expiry() {
    let fake = FakeApi::start(scenario());
    let site = support::site();

    let run = run(&fake, site.path(), &["token", "status"], &[]);

    run.assert_success();
    assert!(run.stdout.contains("token: valid"), "{run}");
    assert!(run.stdout.contains("BUSINESS"), "{run}");
    assert!(run.stdout.contains("expires: unknown"), "{run}");
    assert_eq!(
        fake.api_requests().len(),
        1,
        "one call: {:#?}",
        fake.requests()
    );
    assert_no_token(site.path(), &run);
}

#[test]
fn status_of_a_personal_account_warns() {
    let fake = FakeApi::start(scenario().account(Account {
        user_id: "17841400000000077".into(),
        username: "someone".into(),
        account_type: Some("PERSONAL".into()),
        media_count: Some(3),
    }));
    let site = support::site();

    let run = run(&fake, site.path(), &["token", "status"], &[]);

    run.assert_success();
    assert!(run.stderr.contains("personal account"), "{run}");
    assert!(run.stderr.contains("Business"), "{run}");
}

#[test]
fn status_of_a_dead_token_exits_3_and_says_what_to_do() {
    let fake = FakeApi::start(scenario().fail(Route::Me, Fault::expired_token()));
    let site = support::site();

    let run = run(&fake, site.path(), &["token", "status"], &[]);

    run.assert_code(3).assert_no_panic();
    assert!(run.stderr.contains("no longer valid"), "{run}");
    assert!(run.stderr.contains("Generate token"), "{run}");
    assert_no_token(site.path(), &run);
}

#[test]
fn status_of_an_expiring_token_exits_4() {
    let fake = FakeApi::start(scenario());
    let site = support::site();
    record_state(site.path(), support::TOKEN, 50, 10);

    let expiring = run(&fake, site.path(), &["token", "status"], &[]);
    expiring.assert_code(4);
    assert!(
        expiring.stdout.contains("expires: in 10 days"),
        "{expiring}"
    );

    let relaxed = run(
        &fake,
        site.path(),
        &["token", "status", "--warn-days", "5"],
        &[],
    );
    relaxed.assert_success();
}

#[cfg(unix)]
#[test]
fn refresh_records_the_expiry_and_writes_the_new_token_to_a_private_file() {
    use std::os::unix::fs::PermissionsExt;
    let fake = FakeApi::start(scenario());
    let site = support::site();
    let secrets = tempfile::tempdir().unwrap();
    let file = secrets.path().join("token");

    let run1 = run(
        &fake,
        site.path(),
        &["token", "refresh", "--write-token", file.to_str().unwrap()],
        &[],
    );

    run1.assert_success();
    assert_eq!(fake.requests_to("/refresh_access_token").len(), 1);
    assert!(run1.stdout.contains("now expires in 60 days"), "{run1}");
    assert_eq!(fs::read_to_string(&file).unwrap().trim(), NEW_TOKEN);
    let mode = fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the token file must be private");
    assert_no_token(site.path(), &run1);

    // The new token's expiry is known now.
    let fake_new = FakeApi::start(scenario().token(NEW_TOKEN));
    let status = run(
        &fake_new,
        site.path(),
        &["token", "status"],
        &[("INSTAGRAM_ACCESS_TOKEN", NEW_TOKEN)],
    );
    status.assert_success();
    assert!(status.stdout.contains("expires: in 60 days"), "{status}");

    // Refreshed minutes ago: too young, and no call is made.
    let again = run(
        &fake_new,
        site.path(),
        &["token", "refresh", "--write-token", file.to_str().unwrap()],
        &[("INSTAGRAM_ACCESS_TOKEN", NEW_TOKEN)],
    );
    again.assert_success();
    assert!(again.stdout.contains("24 hours old"), "{again}");
    assert!(fake_new.requests_to("/refresh_access_token").is_empty());
}

#[test]
fn a_refresh_that_does_not_move_the_expiry_says_so() {
    let fake = FakeApi::start(scenario().refreshed_token(support::TOKEN, 60 * DAY));
    let site = support::site();
    // Refreshed 3 days ago with 70 days to go: the refresh (60 days) moves nothing.
    record_state(site.path(), support::TOKEN, 3, 70);

    let run = run(&fake, site.path(), &["token", "refresh"], &[]);

    run.assert_success();
    assert!(run.stdout.contains("did not move the expiry"), "{run}");
    assert!(run.stdout.contains("nothing to save"), "{run}");
}

#[test]
fn a_refreshed_token_is_printed_only_when_asked_and_masked_first() {
    let fake = FakeApi::start(scenario());
    let site = support::site();

    let quiet = run(&fake, site.path(), &["token", "refresh"], &[]);
    quiet.assert_success();
    assert!(quiet.stderr.contains("not saved anywhere"), "{quiet}");
    assert_no_token(site.path(), &quiet);

    let printed = run(
        &fake,
        site.path(),
        &["token", "refresh", "--print-token"],
        &[("GITHUB_ACTIONS", "true")],
    );
    printed.assert_success();
    // stdout is the token alone, as `TOKEN=$(instabake token refresh --print-token)` captures
    // it; the masks are on stderr, which the runner reads too (see report::add_secret).
    assert_eq!(printed.stdout, format!("{NEW_TOKEN}\n"), "{printed}");
    let mask_new = format!("::add-mask::{NEW_TOKEN}");
    assert!(
        printed.stderr.lines().any(|l| l == mask_new),
        "the new token must be masked:\n{printed}"
    );
    assert_eq!(
        printed.stderr.matches(NEW_TOKEN).count(),
        1,
        "the new token is on stderr only in its mask:\n{printed}"
    );
    // In time, the mask comes before the token: both streams into one file, as `2>&1` would,
    // keep the order of the writes.
    let site_arg = site.path().to_str().unwrap();
    let base = fake.base_url();
    let merged = support::run_merged(
        site.path(),
        &["token", "refresh", "--print-token", "--site", site_arg],
        &[
            ("INSTAGRAM_ACCESS_TOKEN", support::TOKEN),
            ("INSTABAKE_API_BASE", base.as_str()),
            ("GITHUB_ACTIONS", "true"),
        ],
    );
    let lines: Vec<&str> = merged.lines().collect();
    let mask_at = lines.iter().position(|l| *l == mask_new);
    let token_at = lines.iter().position(|l| *l == NEW_TOKEN);
    assert!(
        matches!((mask_at, token_at), (Some(m), Some(t)) if m < t),
        "the new token must be masked before it is printed:\n{merged}"
    );
}

#[test]
fn a_dead_token_cannot_be_refreshed() {
    let fake = FakeApi::start(scenario().fail(Route::Refresh, Fault::expired_token()));
    let site = support::site();

    let run = run(&fake, site.path(), &["token", "refresh"], &[]);

    run.assert_code(3).assert_no_panic();
    assert!(run.stderr.contains("no longer valid"), "{run}");
    assert!(!site
        .path()
        .join(support::CACHE_DIR)
        .join("token.json")
        .exists());
}

#[test]
fn build_warns_about_an_expiring_token_and_can_fail_on_it() {
    let fake = FakeApi::start(scenario());
    let site = support::site();
    record_state(site.path(), support::TOKEN, 55, 5);

    let warned = fake.run_build_env(site.path(), &[], &[("GITHUB_ACTIONS", "true")]);
    warned.assert_success();
    assert!(
        warned
            .stderr
            .lines()
            .any(|l| l.starts_with("::warning") && l.contains("expires in 5 days")),
        "{warned}"
    );

    let other = support::site();
    record_state(other.path(), support::TOKEN, 55, 5);
    let failed = fake.run_build(other.path(), &["--fail-if-token-expires-within", "7"]);
    failed.assert_code(4);
    assert!(failed.stderr.contains("token refresh"), "{failed}");
    assert!(!other.path().join(support::HUGO_DATA).exists());
}

#[cfg(unix)]
#[test]
fn build_refreshes_a_due_token_into_its_token_file() {
    use std::os::unix::fs::PermissionsExt;
    let fake = FakeApi::start(scenario().any_token());
    let site = support::site();
    fs::write(site.path().join("token.txt"), support::TOKEN).unwrap();
    fs::write(
        site.path().join("instabake.toml"),
        "preset = \"hugo\"\ntoken_file = \"token.txt\"\n\n[token]\nauto_refresh = true\n",
    )
    .unwrap();
    // Refreshed 40 days ago, 20 left: within the default refresh_days (30).
    record_state(site.path(), support::TOKEN, 40, 20);

    let run = fake.run_build(site.path(), &[]);

    run.assert_success();
    assert_eq!(fake.requests_to("/refresh_access_token").len(), 1);
    let file = site.path().join("token.txt");
    assert_eq!(fs::read_to_string(&file).unwrap().trim(), NEW_TOKEN);
    assert_eq!(
        fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // The bake itself used the new token.
    let media_list = fake.media_list_requests();
    assert_eq!(media_list[0].token().as_deref(), Some(NEW_TOKEN));

    // The next bake finds nothing due.
    fake.clear_requests();
    fake.run_build(site.path(), &[]).assert_success();
    assert!(fake.requests_to("/refresh_access_token").is_empty());
}

#[test]
fn auto_refresh_without_a_token_file_is_a_config_error() {
    let site = support::site();
    fs::write(
        site.path().join("instabake.toml"),
        "[token]\nauto_refresh = true\n",
    )
    .unwrap();
    let run = support::run_build(site.path(), &[], &[]);
    run.assert_code(2);
    assert!(run.stderr.contains("token_file"), "{run}");
}

#[test]
fn build_writes_a_step_summary_under_github_actions() {
    let fake = FakeApi::start(scenario());
    let site = support::site();
    let summary = site.path().join("summary.md");
    let actions = [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
    ];
    record_state(site.path(), support::TOKEN, 10, 50);

    fake.run_build_env(site.path(), &[], &actions)
        .assert_success();
    let text = fs::read_to_string(&summary).unwrap();
    assert!(text.contains("| Posts baked | 2 |"), "{text}");
    assert!(text.contains("live from the Instagram API"), "{text}");
    assert!(text.contains("expires in 50 days"), "{text}");

    fake.add_fault(Route::AnyApi, Fault::Html500, None);
    fake.run_build_env(site.path(), &[], &actions)
        .assert_success();
    let text = fs::read_to_string(&summary).unwrap();
    assert!(text.contains("the cache: the API failed"), "{text}");
    assert!(!text.contains(support::TOKEN));
}

#[test]
fn init_writes_a_working_config_once_and_doctor_checks_it() {
    let fake = FakeApi::start(scenario());
    let site = support::site();

    let init = run(&fake, site.path(), &["init", "--preset", "zola"], &[]);
    init.assert_success();
    assert!(
        init.stdout
            .contains(r#"{% include "partials/instagram.html" %}"#),
        "{init}"
    );
    let config = site.path().join("instabake.toml");
    let written = fs::read_to_string(&config).unwrap();
    assert!(written.contains("preset = \"zola\""));

    let again = run(&fake, site.path(), &["init"], &[]);
    again.assert_code(2);
    assert!(again.stderr.contains("already exists"), "{again}");
    assert_eq!(fs::read_to_string(&config).unwrap(), written);

    let before = support::files_under(site.path());
    let doctor = run(&fake, site.path(), &["doctor"], &[]);
    doctor.assert_success();
    for check in [
        "config",
        "template",
        "folders",
        "token",
        "account",
        "permissions",
    ] {
        assert!(
            doctor
                .stdout
                .lines()
                .any(|l| l.starts_with("ok") && l.contains(check)),
            "{check} should pass:\n{doctor}"
        );
    }
    assert_eq!(
        support::files_under(site.path()),
        before,
        "doctor wrote into the site"
    );
    assert_no_token(site.path(), &doctor);

    // The config bakes.
    fake.run_build(site.path(), &[]).assert_success();
    assert!(site
        .path()
        .join("templates/partials/instagram.html")
        .is_file());
}

#[test]
fn doctor_names_each_failure_and_what_to_do() {
    let fake = FakeApi::start(scenario().fail(Route::Me, Fault::expired_token()));
    let site = support::site();
    fs::write(
        site.path().join("instabake.toml"),
        "[render]\ntemplate = \"broken.html\"\n",
    )
    .unwrap();
    fs::write(
        site.path().join("broken.html"),
        "<ul>{% for p in feed.posts %}</ul>",
    )
    .unwrap();

    let run = run(&fake, site.path(), &["doctor"], &[]);

    run.assert_code(3).assert_no_panic();
    let fails: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("FAIL"))
        .collect();
    assert!(
        fails
            .iter()
            .any(|l| l.contains("template") && l.contains("broken.html")),
        "{run}"
    );
    assert!(
        fails
            .iter()
            .any(|l| l.contains("token") && l.contains("Generate token")),
        "{run}"
    );
    assert_no_token(site.path(), &run);

    fs::write(site.path().join("instabake.toml"), "colour = \"blue\"\n").unwrap();
    let bad = support::run(
        site.path(),
        &["doctor", "--site", site.path().to_str().unwrap()],
        &[],
    );
    bad.assert_code(2);
    assert!(bad.stdout.contains("colour"), "{bad}");
}
