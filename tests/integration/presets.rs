//! Site presets and configuration: where each preset writes, paths set in `instabake.toml`, and
//! configuration mistakes that must stop the run before anything is written.

use std::fs;
use std::path::{Path, PathBuf};

use crate::support::{self, demo_feed, FakeApi, Post, Scenario};

fn bake(site: &Path, extra: &[&str]) -> support::Run {
    let feed = demo_feed();
    let mut args = vec![
        "build",
        "--site",
        site.to_str().unwrap(),
        "--replay",
        feed.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    support::run(site, &args, &[])
}

#[test]
fn zola_preset_writes_zola_paths_and_inert_tera() {
    let site = support::site();

    bake(site.path(), &["--preset", "zola", "--limit", "4"]).assert_success();

    let partial =
        fs::read_to_string(site.path().join("templates/partials/instagram.html")).unwrap();
    let data = support::read_data(site.path());
    assert_eq!(support::post_ids(&data).len(), 4);
    assert!(
        !site.path().join("layouts").exists(),
        "hugo paths written for zola"
    );
    // Zola parses the partial as a Tera template: no Tera syntax may come out of it, whatever the
    // captions say (the demo feed has one with `{{ .Site.Title }}` and a script tag).
    for syntax in ["{{", "}}", "{%", "%}", "{#", "#}"] {
        assert!(
            !partial.contains(syntax),
            "{syntax} in the zola partial:\n{partial}"
        );
    }
    support::assert_partial_refs_exist(
        &site.path().join("templates/partials/instagram.html"),
        "/instagram/",
        &site.path().join("static/instagram"),
    );
}

#[test]
fn paths_and_url_prefix_come_from_the_config_file() {
    let site = support::site();
    fs::write(
        site.path().join("instabake.toml"),
        "limit = 2\n[paths]\nimages = \"public/ig\"\nurl_prefix = \"/shop/ig\"\npartial = \"partials/feed.html\"\ndata = \"feed.json\"\n",
    )
    .unwrap();

    bake(site.path(), &[]).assert_success();

    let partial = site.path().join("partials/feed.html");
    support::assert_partial_refs_exist(&partial, "/shop/ig/", &site.path().join("public/ig"));
    let data: serde_json::Value =
        serde_json::from_slice(&fs::read(site.path().join("feed.json")).unwrap()).unwrap();
    assert_eq!(support::post_ids(&data).len(), 2);
    assert!(data["posts"][0]["media"][0]["src"]
        .as_str()
        .unwrap()
        .starts_with("/shop/ig/"));
}

#[test]
fn an_unknown_key_is_a_usage_error_naming_it_and_writes_nothing() {
    let site = support::site();
    fs::write(
        site.path().join("instabake.toml"),
        "preset = \"hugo\"\n\n[images]\nwidht = [320]\n",
    )
    .unwrap();

    let run = bake(site.path(), &[]);

    run.assert_code(2);
    assert!(
        run.stderr.contains("widht") && run.stderr.contains("line 4"),
        "{run}"
    );
    assert_eq!(support::relative_files(site.path()), ["instabake.toml"]);
}

#[test]
fn a_broken_site_template_names_the_file_and_line_and_keeps_the_old_feed() {
    let fake = FakeApi::start(Scenario::new().posts(vec![Post::image("9501")]));
    let site = support::site();
    fake.run_build(site.path(), &[]).assert_success();
    let before = support::snapshot(site.path());
    fs::write(
        site.path().join("mine.html"),
        "<ul>\n{% for p in feed.posts %}\n<li>{{ p.id }</li>\n",
    )
    .unwrap();
    fs::write(
        site.path().join("instabake.toml"),
        "[render]\ntemplate = \"mine.html\"\n",
    )
    .unwrap();

    let run = fake.run_build(site.path(), &[]);

    run.assert_code(2);
    assert!(
        run.stderr.contains("mine.html") && run.stderr.contains("3:"),
        "{run}"
    );
    // Everything but the two files written above and the cache is as the last good bake left it.
    let outside = |path: &PathBuf| {
        !path.ends_with("mine.html")
            && !path.ends_with("instabake.toml")
            && !path.starts_with(support::CACHE_DIR)
    };
    let mut before = before;
    before.retain(|path, _| outside(path));
    let mut after = support::snapshot(site.path());
    after.retain(|path, _| outside(path));
    assert_eq!(after, before, "the site changed although the bake failed");
}
