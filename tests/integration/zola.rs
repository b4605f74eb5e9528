//! Zola, without Zola: a bake with the `zola` preset and hostile captions, rendered the way
//! `zola build` renders a site. Zola is a Tera program: it loads every file of the site's
//! `templates/` folder into one Tera instance (autoescape on for `.html`, Tera's own HTML escaping),
//! so the baked partial under `templates/partials/` is itself a Tera template once a site template
//! includes it, and `load_data` hands the data file to a template's loop. The test does the same
//! with the `tera` crate and checks that every post is on the page and that nothing a caption says
//! was evaluated: no arithmetic, no variable, no function, no include, no comment, no markup.

use std::collections::HashMap;
use std::fs;
use std::path::Path;
use std::time::Instant;

use serde_json::{json, Value};

use super::hostile::TEMPLATE_SYNTAX;
use crate::support::{self, FakeApi, Post, Scenario};

/// Where the `zola` preset writes the partial and the data file.
const ZOLA_PARTIAL: &str = "templates/partials/instagram.html";
const ZOLA_DATA: &str = "data/instagram.json";

/// The site's title, printed by its own template: proof that the page was rendered by it.
const TITLE: &str = "instabake Zola test site";
/// A variable of the page's Tera context: a caption that says `{{ secret }}` must not print it.
const SECRET: &str = "ZOLA-CONTEXT-SECRET";
/// The content of a template of the site: a caption that says `{% include %}` must not show it.
const INCLUDED: &str = "ZOLA-INCLUDED-TEMPLATE";

/// Captions in Tera syntax, each of which would print a marker if evaluated; none of the markers
/// is in the caption's own text. Strings are in backticks, which Tera takes as quotes and HTML
/// escaping leaves alone: an expression with `"` would merely fail to parse once escaped.
const CAPTIONS: &[(&str, &str)] = &[
    (
        "7701",
        "Arithmetic: {{ 11111 * 11111 }} and calc:{{ 7*7 }}:end",
    ),
    (
        "7702",
        "Context: {{ secret }} and {{ get_env(name=`INSTABAKE_UNSET_VARIABLE`, \
         default=`ZOLA-ENV-` ~ `MARKER`) }} end",
    ),
    (
        "7703",
        "Tags: {% include `secret.html` %} and {% for i in range(end=2) %}ZOLA-LOOP-{{ i }}\
         {% endfor %} and {# a comment #} and {%- raw -%}{{ 7*7 }}{%- endraw -%} end",
    ),
    (
        "7704",
        "Markup: <script>alert(1)</script><img src=x onerror=alert(2)> \"quoted\" & 'single' \
         </p></li></ul></section>",
    ),
];

/// What any evaluated caption would have printed.
const EVALUATED: &[&str] = &[
    "123454321",
    "calc:49:end",
    SECRET,
    "ZOLA-ENV-MARKER",
    INCLUDED,
    "ZOLA-LOOP-0",
    "and  and",
];

/// The site's template, as a Zola site writes it: the baked partial included, and a loop of its
/// own over the data file.
const INDEX_TEMPLATE: &str = r#"<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ config.title }}</title></head>
<body>
<h1>{{ config.title }}</h1>
{% include "partials/instagram.html" %}
{% set ig = load_data(path="data/instagram.json") %}
<ol class="data-loop">
{%- for post in ig.posts %}
<li id="post-{{ post.id }}"><a href="{{ post.permalink }}"><img src="{{ post.media.0.src }}" alt="{{ post.alt }}"></a><p class="caption">{{ post.caption_text }}</p></li>
{%- endfor %}
</ol>
</body>
</html>
"#;

#[test]
fn zola_renders_the_baked_partial_and_data_without_evaluating_captions() {
    let started = Instant::now();
    let mut posts: Vec<Post> = CAPTIONS
        .iter()
        .map(|(id, caption)| Post::image(id).caption(caption))
        .collect();
    // No caption, no alt text: the alt names the account.
    posts.push(Post::image("7705"));
    let fake = FakeApi::start(Scenario::new().posts(posts).generated_size(320, 400));
    let site = support::site();
    let root = site.path();
    fs::write(root.join("instabake.toml"), "[render]\ncaptions = true\n").unwrap();

    let run = fake.run_build(root, &["--preset", "zola"]);

    run.assert_success();
    eprintln!("baked in {:.1?}", started.elapsed());
    let data: Value = serde_json::from_str(
        &fs::read_to_string(root.join(ZOLA_DATA))
            .unwrap_or_else(|e| panic!("read {ZOLA_DATA}: {e}\n{run}")),
    )
    .expect("the data file is JSON");
    let posts: &Vec<Value> = data["posts"].as_array().expect("posts[]");
    let ids = support::post_ids(&data);
    assert_eq!(ids, ["7701", "7702", "7703", "7704", "7705"], "{run}");
    for (id, caption) in CAPTIONS {
        assert_eq!(support::post(&data, id)["caption_text"], *caption);
    }
    let partial = fs::read_to_string(root.join(ZOLA_PARTIAL))
        .unwrap_or_else(|e| panic!("read {ZOLA_PARTIAL}: {e}\n{run}"));
    for syntax in TEMPLATE_SYNTAX {
        assert!(
            !partial.contains(syntax),
            "the partial contains `{syntax}`, which Tera would run:\n{partial}"
        );
    }

    // The site, rendered as Zola renders it.
    fs::write(root.join("templates/index.html"), INDEX_TEMPLATE).unwrap();
    fs::write(root.join("templates/secret.html"), INCLUDED).unwrap();
    let page = render_like_zola(root, "index.html");
    assert!(
        page.contains(&format!("<h1>{TITLE}</h1>")),
        "the page was not rendered by the site's template:\n{page}"
    );

    // Nothing was evaluated, and no markup of a caption is markup on the page.
    let evaluated: Vec<&str> = EVALUATED
        .iter()
        .copied()
        .filter(|marker| page.contains(marker))
        .collect();
    assert!(
        evaluated.is_empty(),
        "the page contains {evaluated:?}: captions were evaluated as Tera\n{page}"
    );
    let lower = page.to_ascii_lowercase();
    for needle in ["<script", "<img src=x"] {
        assert!(
            !lower.contains(needle),
            "the page contains {needle:?}: a caption was not escaped\n{page}"
        );
    }

    // The partial, included exactly as instabake wrote it: Tera found nothing to run in it.
    support::assert_partial_included_unchanged(&page, &partial);

    // Every post is in the partial, in order, with its caption and its alt text as text.
    let feed_html = support::section(&page, "<section class=\"ib-feed\"", "</section>", "partial");
    let tiles: Vec<&str> = feed_html.split("<li class=\"ib-post").skip(1).collect();
    assert_eq!(
        tiles.len(),
        posts.len(),
        "tiles of the partial:\n{feed_html}"
    );
    for (tile, post) in tiles.iter().zip(posts) {
        let permalink = post["permalink"].as_str().expect("a permalink");
        let hrefs = support::attributes(tile, &["href"]);
        assert_eq!(hrefs[0].1, permalink, "post {} in the partial", post["id"]);
        let alts = support::attributes(tile, &["alt"]);
        assert_eq!(
            alts[0].1, post["alt"],
            "alt of post {} in the partial",
            post["id"]
        );
        let caption = support::between(tile, "<p class=\"ib-caption\">", "</p>");
        match post["caption_text"].as_str().filter(|c| !c.is_empty()) {
            Some(text) => assert_eq!(
                caption.map(support::decode_entities).as_deref(),
                Some(text),
                "caption of post {} in the partial:\n{tile}",
                post["id"]
            ),
            None => assert_eq!(caption, None, "post {} has no caption:\n{tile}", post["id"]),
        }
    }

    // The site's own loop over the data file lists every post, in order, its caption and alt
    // text printed as text by Tera's autoescape.
    let data_loop = support::section(&page, "<ol class=\"data-loop\">", "</ol>", "data loop");
    let values = |name: &str| -> Vec<String> {
        support::attributes(data_loop, &[name])
            .into_iter()
            .map(|(_, value)| value)
            .collect()
    };
    let field = |name: &str| -> Vec<String> {
        posts
            .iter()
            .map(|p| p[name].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let post_ids: Vec<String> = ids.iter().map(|id| format!("post-{id}")).collect();
    assert_eq!(values("id"), post_ids, "posts of the data loop");
    assert_eq!(
        values("href"),
        field("permalink"),
        "permalinks of the data loop"
    );
    assert_eq!(values("alt"), field("alt"), "alt texts of the data loop");
    let captions: Vec<String> = data_loop
        .split("<p class=\"caption\">")
        .skip(1)
        .map(|rest| support::decode_entities(rest.split("</p>").next().unwrap_or(rest)))
        .collect();
    assert_eq!(captions, field("caption_text"), "captions of the data loop");

    // The only template syntax on the page is the captions' own, printed as text by the data
    // loop (Tera's HTML escaping leaves braces alone): none in the partial, none elsewhere.
    let rest = page.replace(data_loop, "");
    for syntax in ["{{", "{%", "{#"] {
        assert!(
            !rest.contains(syntax),
            "the page contains `{syntax}` outside the data loop\n{page}"
        );
    }
    fake.assert_no_secret_or_cdn(root, &run);
    eprintln!(
        "zola: {} posts baked, rendered and checked in {:.1?}",
        posts.len(),
        started.elapsed()
    );
}

/// Renders `template` of the site at `root` as `zola build` does: every file of `templates/` in
/// one Tera instance with Tera's default autoescape (`.html`, `.htm`, `.xml`) and HTML escaping,
/// `load_data` reading a file relative to the site, `config` in the context, plus a [`SECRET`]
/// variable that no caption may reach.
fn render_like_zola(root: &Path, template: &str) -> String {
    let glob = format!("{}/templates/**/*", root.display());
    let mut tera = tera::Tera::new(&glob)
        .unwrap_or_else(|e| panic!("Tera cannot load the site's templates: {}", causes(&e)));
    tera.autoescape_on(vec![".html", ".htm", ".xml"]);
    let site = root.to_path_buf();
    tera.register_function(
        "load_data",
        move |args: &HashMap<String, Value>| -> tera::Result<Value> {
            let path = args
                .get("path")
                .and_then(Value::as_str)
                .ok_or_else(|| tera::Error::msg("load_data: `path` is required"))?;
            let text = fs::read_to_string(site.join(path))
                .map_err(|e| tera::Error::msg(format!("load_data: {path}: {e}")))?;
            serde_json::from_str(&text)
                .map_err(|e| tera::Error::msg(format!("load_data: {path} is not JSON: {e}")))
        },
    );
    let mut context = tera::Context::new();
    context.insert("config", &json!({ "title": TITLE }));
    context.insert("secret", SECRET);
    tera.render(template, &context)
        .unwrap_or_else(|e| panic!("Tera cannot render {template}: {}", causes(&e)))
}

/// A Tera error with its causes (the line and what went wrong are in the sources).
fn causes(error: &tera::Error) -> String {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    message
}
