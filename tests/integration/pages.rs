//! `[pages] enabled = true`: a page per post in each generator's own form, built by the real
//! generators (Hugo, Jekyll, Eleventy; Zola rendered through Tera as `zola.rs` does), with its
//! head tags (Open Graph, Twitter card, JSON-LD), its caption as text with linked hashtags and
//! mentions, hostile captions that stay text in every build, the grid linking to the pages, and
//! pages of deleted posts pruned.
//!
//! Hugo, Jekyll and Eleventy are found as `example_site.rs` and `generators.rs` find them: a
//! missing tool skips its test with `SKIPPED: ...`, unless `INSTABAKE_REQUIRE_TOOLS=1`.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::example_site;
use crate::generators;
use crate::hostile;
use crate::support::{self, FakeApi, Post, Scenario};

/// Where the test sites are published.
const SITE_URL: &str = "https://example.org/";

/// A caption that tries every way into a page: markup, a script, template syntax of every
/// generator (Hugo's shortcodes too), a line that would end YAML front matter and start keys of
/// its own, quotes, blank lines; with a hashtag and a mention to link.
fn hostile_caption() -> String {
    format!(
        "{}\n\n---\ntitle: \"pwned\"\nlayout: evil\n---\n+++\n{{{{< instagram-post >}}}} \
         {{{{% youtube x %}}}} {{% raw %}}{{{{ 7*7 }}}}{{% endraw %}} {{{{ site.title }}}} \
         '\"\\ Thanks @friend.account. #Sunset",
        hostile::CAPTION
    )
}

/// The posts every test bakes: a hostile caption, a carousel, a post whose tile has an override
/// link, and one with a plain caption.
fn posts() -> Vec<Post> {
    vec![
        Post::image("8801").caption(&hostile_caption()),
        Post::carousel(
            "8802",
            vec![Post::image("8803"), Post::image("8804").media("square.jpg")],
        )
        .caption("Two views #Twin @maker_1"),
        Post::image("8805").caption("Shop this print"),
        Post::image("8806"),
    ]
}

/// The `[posts.X] link` of post 8805.
const OVERRIDE_LINK: &str = "https://shop.example/print";

/// The config of the tests: pages on (with `pages` lines more), site_url, and the override link.
fn config_at(site_url: &str, pages: &str) -> String {
    let shop = Post::image("8805").shortcode();
    format!(
        "site_url = \"{site_url}\"\n\n[pages]\nenabled = true\n{pages}\n\n\
         [posts.{shop}]\nlink = \"{OVERRIDE_LINK}\"\n"
    )
}

fn config() -> String {
    config_at(SITE_URL, "")
}

/// Appends `text` to the site's `instabake.toml` (creating it).
fn write_config(site: &Path, text: &str) {
    let path = site.join("instabake.toml");
    let mut config = fs::read_to_string(&path).unwrap_or_default();
    config.push_str(text);
    fs::write(&path, config).unwrap();
}

/// The page path (`page` in the data file) of every post, by id.
fn pages_of(data: &Value) -> HashMap<String, String> {
    data["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_owned(),
                p["page"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Checks what every post's built page must hold, in `output` (the generator's output folder,
/// published at [`SITE_URL`]): the head tags with an `og:image` that is a 1080 px JPEG in the
/// output, JSON-LD, the caption as text with its links, every image with `srcset`, the date and
/// the link to the original; and the grid of `index` linking to the page.
fn check_built_pages(output: &Path, data: &Value, index: &str, what: &str) {
    let posts = data["posts"].as_array().unwrap();
    assert_eq!(posts.len(), 4, "{what}: posts");
    for post in posts {
        let id = post["id"].as_str().unwrap();
        let page = post["page"]
            .as_str()
            .unwrap_or_else(|| panic!("{what}: post {id} has no page"));
        assert!(page.starts_with("/instagram/p/"), "{what}: {page}");
        let file = output.join(page.trim_start_matches('/')).join("index.html");
        let html = fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("{what}: post {id}'s page {}: {e}", file.display()));
        let when = format!("{what}, page of post {id}");
        check_page(&html, post, output, &when);

        // The grid links to the page, unless the post has its own link.
        let link = post["link"].as_str().unwrap();
        if id == "8805" {
            assert_eq!(link, OVERRIDE_LINK, "{when}: the override link wins");
        } else {
            assert_eq!(link, page, "{when}: link");
        }
        assert!(
            index.contains(&format!("href=\"{link}\"")),
            "{when}: the built grid does not link to {link}"
        );
    }
}

/// One built page, checked.
fn check_page(html: &str, post: &Value, output: &Path, when: &str) {
    let head = support::between(html, "<head", "</head>")
        .unwrap_or_else(|| panic!("{when}: no <head>:\n{html}"));
    let meta: HashMap<String, String> = meta_tags(head);
    let url = format!(
        "{SITE_URL}{}",
        post["page"].as_str().unwrap().trim_start_matches('/')
    );
    assert_eq!(meta.get("og:url"), Some(&url), "{when}: og:url");
    assert_eq!(meta.get("og:type").map(String::as_str), Some("article"));
    assert_eq!(
        meta.get("twitter:card").map(String::as_str),
        Some("summary_large_image"),
        "{when}"
    );
    // og:image: the baked 1080 px JPEG of the first item, an absolute URL of a file that is in
    // the built site.
    let image = meta
        .get("og:image")
        .unwrap_or_else(|| panic!("{when}: no og:image in {head}"));
    assert_eq!(meta.get("twitter:image"), Some(image), "{when}");
    let path = image
        .strip_prefix(SITE_URL)
        .unwrap_or_else(|| panic!("{when}: og:image {image} is not under {SITE_URL}"));
    let bytes = fs::read(output.join(path))
        .unwrap_or_else(|e| panic!("{when}: og:image {image} is not in the output: {e}"));
    assert!(
        bytes.starts_with(&[0xff, 0xd8]),
        "{when}: {image} is no JPEG"
    );
    assert!(path.ends_with("-1080.jpg"), "{when}: {image}");
    assert_eq!(meta.get("og:image:width").map(String::as_str), Some("1080"));
    let first = &post["media"][0];
    assert_eq!(
        meta.get("og:image:height"),
        Some(&first["height"].to_string()),
        "{when}"
    );
    let title = meta.get("og:title").unwrap();
    assert!(
        !title.is_empty() && !title.contains('\n'),
        "{when}: {title}"
    );

    // JSON-LD: a SocialMediaPosting with an ImageObject per item.
    let ld_text = support::between(head, "<script type=\"application/ld+json\">", "</script>")
        .unwrap_or_else(|| panic!("{when}: no JSON-LD in the head:\n{head}"));
    let ld: Value = serde_json::from_str(ld_text)
        .unwrap_or_else(|e| panic!("{when}: JSON-LD is not JSON ({e}):\n{ld_text}"));
    assert_eq!(ld["@type"], "SocialMediaPosting", "{when}");
    assert_eq!(ld["url"], url.as_str(), "{when}");
    let images = ld["image"].as_array().unwrap();
    assert_eq!(
        images.len(),
        post["media"].as_array().unwrap().len(),
        "{when}: an ImageObject per item"
    );
    for image in images {
        assert_eq!(image["@type"], "ImageObject", "{when}");
        let url = image["contentUrl"].as_str().unwrap();
        let path = url.strip_prefix(SITE_URL).expect("absolute");
        assert!(
            output.join(path).is_file(),
            "{when}: {url} not in the output"
        );
    }
    match post["caption"].as_str() {
        Some(caption) => assert_eq!(ld["articleBody"], caption, "{when}"),
        None => assert!(ld.get("articleBody").is_none(), "{when}"),
    }
    if let Some(date) = post["timestamp"].as_str() {
        assert_eq!(
            ld["datePublished"].as_str().map(|d| &d[..10]),
            Some(&date[..10])
        );
    }

    // No script but the JSON-LD, and no markup of a caption.
    let lower = html.to_ascii_lowercase();
    assert_eq!(
        lower.matches("<script").count(),
        lower
            .matches("<script type=\"application/ld+json\">")
            .count(),
        "{when}: a <script> that is not JSON-LD:\n{html}"
    );
    assert!(
        !lower.contains("<img src=x"),
        "{when}: markup of a caption in\n{html}"
    );
    let smuggled: Vec<(String, String)> = support::tag_attributes(html)
        .into_iter()
        .filter(|(name, _)| name.starts_with("on") || name == "x" || name == "data-x")
        .collect();
    assert!(
        smuggled.is_empty(),
        "{when}: attributes {smuggled:?} in\n{html}"
    );

    // The body: every item at full width with srcset, the caption as text with its links, the
    // date and the link to the original.
    let article = support::between(html, "<article class=\"ib-page\">", "</article>")
        .unwrap_or_else(|| panic!("{when}: no article:\n{html}"));
    let srcsets = support::attributes(article, &["srcset"]);
    assert!(
        srcsets.len() >= post["media"].as_array().unwrap().len(),
        "{when}: srcset of every item"
    );
    for media in post["media"].as_array().unwrap() {
        assert!(
            article.contains(&format!("src=\"{}\"", media["src"].as_str().unwrap())),
            "{when}: item {} is not on the page",
            media["id"]
        );
    }
    if let Some(caption) = post["caption"].as_str() {
        let shown = support::between(article, "<p class=\"ib-page-caption\">", "</p>")
            .unwrap_or_else(|| panic!("{when}: no caption:\n{article}"));
        assert_eq!(caption_text(shown), caption, "{when}: the caption as text");
        for tag in post["hashtags"].as_array().unwrap() {
            let tag = tag.as_str().unwrap();
            let href = format!(
                "https://www.instagram.com/explore/tags/{}/",
                tag.to_lowercase()
            );
            assert!(
                shown.contains(&format!("<a href=\"{href}\" rel=\"noopener\">#{tag}</a>")),
                "{when}: #{tag} is not linked:\n{shown}"
            );
        }
        for user in post["mentions"].as_array().unwrap() {
            let user = user.as_str().unwrap();
            assert!(
                shown.contains(&format!(
                    "<a href=\"https://www.instagram.com/{user}/\" rel=\"noopener\">@{user}</a>"
                )),
                "{when}: @{user} is not linked:\n{shown}"
            );
        }
    }
    if let Some(date) = post["date"].as_str() {
        assert!(article.contains(&format!(">{date}</time>")), "{when}: date");
    }
    let permalink = post["permalink"].as_str().unwrap();
    assert!(
        article.contains(&format!("href=\"{permalink}\"")),
        "{when}: no link to the original"
    );
}

/// `property`/`name` to `content` of the `<meta>` tags of `head`.
fn meta_tags(head: &str) -> HashMap<String, String> {
    let mut found = HashMap::new();
    for tag in head.split("<meta ").skip(1) {
        let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
        let attrs = support::tag_attributes(&format!("<meta {tag}>"));
        let get = |name: &str| {
            attrs
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        if let (Some(key), Some(content)) =
            (get("property").or_else(|| get("name")), get("content"))
        {
            found.entry(key).or_insert(content);
        }
    }
    found
}

/// The text a caption paragraph shows: `<br>` as line breaks, links as their text, entities
/// decoded. Anything else that looks like a tag is markup that a caption smuggled in.
fn caption_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let end = rest[at..].find('>').expect("a closed tag") + at;
        let tag = &rest[at..=end];
        if tag == "<br>" {
            out.push('\n');
        } else {
            assert!(
                tag.starts_with("<a href=\"https://www.instagram.com/") || tag == "</a>",
                "markup in the caption: {tag}"
            );
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    support::decode_entities(&out)
}

#[test]
fn pages_without_site_url_are_a_config_error_naming_the_key() {
    let site = support::site();
    fs::write(
        site.path().join("instabake.toml"),
        "[pages]\nenabled = true\n",
    )
    .unwrap();
    let run = support::run_build(site.path(), &["--replay", "/nowhere"], &[]);
    run.assert_code(2);
    assert!(
        run.stderr.contains("site_url") && run.stderr.contains("[pages] enabled = true"),
        "{run}"
    );
    assert!(support::files_under(site.path()).len() == 1, "{run}");
}

/// A preset, the page file of a slug, its meta partial, and its data file.
type Preset = (
    &'static str,
    fn(&str) -> String,
    Option<&'static str>,
    &'static str,
);

#[test]
fn each_preset_writes_its_pages_and_prunes_those_of_deleted_posts() {
    let fake = FakeApi::start(Scenario::new().posts(posts()));
    let slugs: Vec<String> = posts().iter().map(Post::shortcode).collect();
    let presets: &[Preset] = &[
        (
            "hugo",
            |s| format!("content/instagram/p/{s}.md"),
            Some("layouts/partials/instagram-meta.html"),
            "data/instagram.json",
        ),
        (
            "zola",
            |s| format!("content/instagram/{s}.md"),
            Some("templates/partials/instagram-meta.html"),
            "data/instagram.json",
        ),
        (
            "jekyll",
            |s| format!("_instagram/p/{s}.html"),
            Some("_includes/instagram-meta.html"),
            "_data/instagram.json",
        ),
        (
            "eleventy",
            |_| "instagram-pages.njk".to_owned(),
            Some("_includes/instagram-meta.html"),
            "_data/instagram.json",
        ),
        (
            "html",
            |s| format!("instagram/p/{s}/index.html"),
            None,
            "instagram.json",
        ),
    ];
    for (preset, file, meta, data_file) in presets {
        let site = support::site();
        let root = site.path();
        // Published under a path: the pages' paths start with it.
        write_config(root, &config_at("https://example.org/sub/", ""));
        let run = fake.run_build(root, &["--preset", preset]);
        run.assert_success();
        let data: Value =
            serde_json::from_str(&fs::read_to_string(root.join(data_file)).unwrap()).unwrap();
        let pages = pages_of(&data);
        for (post, slug) in posts().iter().zip(&slugs) {
            assert_eq!(
                pages[&post.id],
                format!("/sub/instagram/p/{slug}/"),
                "{preset}: page of {}",
                post.id
            );
            let path = root.join(file(slug));
            assert!(path.is_file(), "{preset}: no {}\n{run}", path.display());
        }
        if let Some(meta) = meta {
            assert!(root.join(meta).is_file(), "{preset}: no {meta}");
        }
        // Front matter strings are one line each: no caption line ends it or adds a key.
        if *preset == "hugo" || *preset == "jekyll" {
            let text = fs::read_to_string(root.join(file(&slugs[0]))).unwrap();
            let front = support::between(&text, "---\n", "\n---\n").expect("front matter");
            let keys: Vec<&str> = front
                .lines()
                .map(|l| l.split(':').next().unwrap())
                .collect();
            assert!(!keys.contains(&"layout"), "{preset}: {keys:?}");
            for line in front.lines() {
                let value = line.split_once(": ").unwrap().1;
                if value.starts_with('"') {
                    let _: String = serde_json::from_str(value)
                        .unwrap_or_else(|e| panic!("{preset}: {line}: {e}"));
                }
            }
        }
        if *preset == "zola" {
            let text = fs::read_to_string(root.join(file(&slugs[0]))).unwrap();
            let front = support::between(&text, "+++\n", "+++\n").expect("front matter");
            let table: toml::Table = toml::from_str(front).unwrap();
            assert_eq!(
                table["path"].as_str(),
                Some(&*format!("instagram/p/{}/", slugs[0]))
            );
            assert!(table["extra"]["instagram_meta"]
                .as_str()
                .unwrap()
                .contains("og:image"));
        }

        // Post 8806 is deleted on Instagram: its page goes with its images.
        let mut fewer = posts();
        fewer.pop();
        let fake_fewer = FakeApi::start(Scenario::new().posts(fewer));
        fake_fewer
            .run_build(root, &["--preset", preset])
            .assert_success();
        let gone = root.join(file(&slugs[3]));
        if *preset == "eleventy" {
            let text = fs::read_to_string(&gone).unwrap();
            assert!(!text.contains("\"8806\""), "eleventy: 8806 still paginated");
        } else {
            assert!(
                !gone.exists(),
                "{preset}: {} was not pruned",
                gone.display()
            );
            assert!(root.join(file(&slugs[0])).is_file(), "{preset}");
        }
        if *preset == "html" {
            assert!(
                !gone.parent().unwrap().exists(),
                "html: the deleted post's page folder is left"
            );
        }
    }
}

#[test]
fn html_pages_are_whole_pages_with_their_head_tags() {
    let fake = FakeApi::start(Scenario::new().posts(posts()));
    let work = support::site();
    let site = work.path();
    write_config(site, &config());
    fake.run_build(site, &["--preset", "html"]).assert_success();
    let data: Value =
        serde_json::from_str(&fs::read_to_string(site.join("instagram.json")).unwrap()).unwrap();
    // The site folder is what gets published: the partial is the grid.
    let grid = fs::read_to_string(site.join("instagram.html")).unwrap();
    check_built_pages(site, &data, &grid, "html");
    let page = data["posts"][0]["page"].as_str().unwrap();
    let html = fs::read_to_string(site.join(&page[1..]).join("index.html")).unwrap();
    assert!(html.starts_with("<!doctype html>"), "{html}");
    assert!(
        html.contains(&format!(
            "<link rel=\"canonical\" href=\"{SITE_URL}{}\">",
            &page[1..]
        )),
        "{html}"
    );
}

#[test]
fn hugo_builds_the_pages_and_the_grid_links_to_them() {
    if !example_site::hugo_available() {
        support::skip("`hugo` is not on PATH (see .ci/run)");
        return;
    }
    let fake = FakeApi::start(Scenario::new().posts(posts()));
    let work = support::site();
    let site = work.path();
    support::copy_sources(&example_site::example_site(), site, example_site::GENERATED);
    // The example site's own config (pages on, site_url = its baseURL), with this feed's posts.
    let config_path = site.join("instabake.toml");
    let example = fs::read_to_string(&config_path).unwrap();
    let ours = config();
    let (_, posts_table) = ours.split_once("[posts.").unwrap();
    fs::write(
        &config_path,
        format!(
            "{}\n[posts.{posts_table}",
            example.replace("https://demo.instabake.example/", SITE_URL)
        ),
    )
    .unwrap();
    let toml = site.join("hugo.toml");
    let hugo = fs::read_to_string(&toml).unwrap();
    fs::write(
        &toml,
        hugo.replace("https://demo.instabake.example/", SITE_URL),
    )
    .unwrap();
    fake.run_build(site, &[]).assert_success();

    let (public, out) = example_site::hugo_build(site);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "hugo failed: {log}");
    assert!(!log.contains("ERROR"), "{log}");
    let data = support::read_data(site);
    let index = fs::read_to_string(public.join("index.html")).unwrap();
    check_built_pages(&public, &data, &index, "hugo");
}

/// A Jekyll or Eleventy test site copied from `tests/sites/NAME` into `site`.
fn copy_test_site(name: &str, site: &Path) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/sites")
        .join(name);
    support::copy_sources(&from, site, &["_site", "node_modules", ".instabake"]);
}

#[test]
fn jekyll_builds_the_collection() {
    let work = support::site();
    let site = work.path();
    let Some(command) = generators::jekyll_command(site) else {
        return;
    };
    copy_test_site("jekyll", site);
    // The README's snippets: the collection in _config.yml, the include in the layout's head.
    let jekyll_config = site.join("_config.yml");
    let mut text = fs::read_to_string(&jekyll_config).unwrap();
    text.push_str(
        "collections:\n  instagram:\n    output: true\ndefaults:\n  - scope:\n      type: instagram\n    values:\n      layout: default\n",
    );
    fs::write(&jekyll_config, text).unwrap();
    let layout = site.join("_layouts/default.html");
    let text = fs::read_to_string(&layout)
        .unwrap()
        .replace("</head>", "{% include instagram-meta.html %}\n</head>");
    fs::write(&layout, text).unwrap();
    write_config(site, &config());

    let fake = FakeApi::start(Scenario::new().posts(posts()));
    fake.run_build(site, &["--preset", "jekyll"])
        .assert_success();
    generators::run_generator(command, site, "jekyll");
    let output = site.join("_site");
    let data: Value =
        serde_json::from_str(&fs::read_to_string(site.join("_data/instagram.json")).unwrap())
            .unwrap();
    let index = fs::read_to_string(output.join("index.html")).unwrap();
    // Jekyll publishes assets/instagram/ as it is: the og:image paths are under it.
    check_built_pages(&output, &data, &index, "jekyll");
}

#[test]
fn eleventy_paginates_over_the_data_file() {
    let Some(command) = generators::eleventy_command() else {
        return;
    };
    let work = support::site();
    let site = work.path();
    copy_test_site("eleventy", site);
    fs::create_dir_all(site.join("_includes")).unwrap();
    fs::write(
        site.join("_includes/post.njk"),
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{{ title }}</title>\n<meta name=\"description\" content=\"{{ description }}\">\n\
         {% include \"instagram-meta.html\" %}\n</head>\n<body>\n{{ content | safe }}\n</body>\n</html>\n",
    )
    .unwrap();
    write_config(site, &config_at(SITE_URL, "layout = \"post.njk\""));

    let fake = FakeApi::start(Scenario::new().posts(posts()));
    fake.run_build(site, &["--preset", "eleventy"])
        .assert_success();
    generators::run_generator(command, site, "eleventy");
    let output = site.join("_site");
    let data: Value =
        serde_json::from_str(&fs::read_to_string(site.join("_data/instagram.json")).unwrap())
            .unwrap();
    let index = fs::read_to_string(output.join("index.html")).unwrap();
    check_built_pages(&output, &data, &index, "eleventy");
    // The layout's <title> is the page's title, escaped once.
    for post in data["posts"].as_array().unwrap() {
        let page = post["page"].as_str().unwrap();
        let html = fs::read_to_string(output.join(page.trim_start_matches('/')).join("index.html"))
            .unwrap();
        let title = support::between(&html, "<title>", "</title>").unwrap();
        let og = meta_tags(&html)["og:title"].clone();
        assert_eq!(support::decode_entities(title), og, "eleventy: <title>");
    }
}

/// The page template of a Zola site: the partial in its head, the page's content in its body.
const ZOLA_PAGE: &str = r#"<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ page.title }}</title>
{% include "partials/instagram-meta.html" %}
</head>
<body>
{{ page.content | safe }}
</body>
</html>
"#;

/// A Zola index template: the grid partial.
const ZOLA_INDEX: &str = r#"<!doctype html>
<html lang="en"><head><title>index</title>{% include "partials/instagram-meta.html" %}</head>
<body>{% include "partials/instagram.html" %}</body></html>
"#;

#[test]
fn zola_pages_render_as_zola_renders_them() {
    let fake = FakeApi::start(Scenario::new().posts(posts()));
    let work = support::site();
    let site = work.path();
    write_config(site, &config());
    fake.run_build(site, &["--preset", "zola"]).assert_success();
    fs::write(site.join("templates/page.html"), ZOLA_PAGE).unwrap();
    fs::write(site.join("templates/index.html"), ZOLA_INDEX).unwrap();
    let tera = tera::Tera::new(&format!("{}/templates/**/*", site.display()))
        .expect("the site's templates load in Tera");
    let mut tera = tera;
    tera.autoescape_on(vec![".html", ".htm", ".xml"]);

    // Zola publishes static/ at the root and each page at its `path`.
    let output = site.join("public");
    let copy_from = site.join("static");
    for file in support::files_under(&copy_from) {
        let to = output.join(file.strip_prefix(&copy_from).unwrap());
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::copy(&file, &to).unwrap();
    }
    let index = tera.render("index.html", &tera::Context::new()).unwrap();
    let section = fs::read_to_string(site.join("content/instagram/_index.md")).unwrap();
    assert!(section.contains("render = false"), "{section}");
    for file in support::files_under(&site.join("content/instagram")) {
        if file.file_name().unwrap() == "_index.md" {
            continue;
        }
        let text = fs::read_to_string(&file).unwrap();
        let rest = text.strip_prefix("+++\n").expect("TOML front matter");
        let (front, body) = rest.split_once("\n+++\n").expect("front matter closed");
        let front: toml::Table =
            toml::from_str(front).unwrap_or_else(|e| panic!("{}: {e}\n{front}", file.display()));
        // The body is one HTML block: Markdown passes it through as it is.
        assert!(
            !body.contains("\n\n") && body.starts_with("<article"),
            "{}: not one HTML block:\n{body}",
            file.display()
        );
        let path = front["path"].as_str().unwrap();
        let page = json!({
            "title": front["title"],
            "description": front["description"],
            "path": format!("/{path}"),
            "permalink": format!("{SITE_URL}{path}"),
            "content": body,
            "extra": serde_json::to_value(&front["extra"]).unwrap(),
        });
        let mut context = tera::Context::new();
        context.insert("page", &page);
        context.insert("config", &json!({"title": "zola"}));
        let html = tera
            .render("page.html", &context)
            .unwrap_or_else(|e| panic!("Tera: {e:?}"));
        let target = output.join(path).join("index.html");
        fs::create_dir_all(target.parent().unwrap()).unwrap();
        fs::write(target, html).unwrap();
    }
    let data = support::read_data(site);
    check_built_pages(&output, &data, &index, "zola");
}

/// A run killed once every page is staged, before the journal: the next run, even one with pages
/// turned off, leaves no staged page behind, and prunes the pages.
#[test]
fn staged_pages_of_a_killed_run_are_removed() {
    let fake = FakeApi::start(Scenario::new().posts(posts()));
    let work = support::site();
    let site = work.path();
    write_config(site, &config());
    let run = fake.run_build_env(site, &[], &[("INSTABAKE_FAILPOINT", "staged")]);
    assert_ne!(run.code, Some(0), "the failpoint was not reached:\n{run}");
    let staged = |site: &Path| -> Vec<PathBuf> {
        support::files_under(site)
            .into_iter()
            .filter(|f| {
                let name = f.file_name().unwrap().to_string_lossy();
                name.ends_with(".instabake-staged") || name.ends_with(".tmp")
            })
            .collect()
    };
    let left = staged(site);
    assert!(
        left.iter()
            .any(|f| f.starts_with(site.join("content/instagram"))),
        "no page was staged: {left:#?}"
    );

    // Pages off: nothing writes the pages again, so only recovery can remove them.
    fs::write(site.join("instabake.toml"), "").unwrap();
    fake.run_build(site, &[]).assert_success();
    assert_eq!(staged(site), Vec::<PathBuf>::new(), "left behind");
    assert!(
        !site.join("content/instagram/p").exists()
            || support::files_under(&site.join("content/instagram")).is_empty(),
        "pages left: {:#?}",
        support::files_under(&site.join("content/instagram"))
    );
    let data = support::read_data(site);
    assert!(data["posts"][0]["page"].is_null());
    assert_eq!(
        data["posts"][0]["link"], data["posts"][0]["permalink"],
        "without pages the tile links to Instagram"
    );
}

/// The studio's token on the fake (the shop's is the tests' usual one).
const STUDIO_TOKEN: &str = "IGQWRstudioTOKEN_pages_do_not_leak_555";

/// Two accounts, a post each.
fn two_accounts() -> Scenario {
    Scenario::new()
        .username("shop_demo")
        .posts(vec![Post::image("601")
            .username("shop_demo")
            .caption("Shop #one")])
        .other_account(
            STUDIO_TOKEN,
            support::Account {
                user_id: "17841400000000002".into(),
                username: "studio_demo".into(),
                account_type: None,
                media_count: None,
            },
            vec![Post::image("701")
                .username("studio_demo")
                .caption("Studio @shop_demo")],
            "IGQWRstudioNEW_pages_do_not_leak_666",
        )
}

/// With `[[accounts]]`, each account's pages are apart (`instagram/NAME/p/SHORTCODE/`), merged
/// or not; Eleventy builds every one of them (each account's template paginates over its own
/// posts, also in the merged data file, which holds both accounts' posts).
#[test]
fn each_account_has_pages_of_its_own_merged_or_not() {
    let fake = FakeApi::start(two_accounts());
    let eleventy = generators::eleventy_command().is_some();
    for merge in [false, true] {
        let work = support::site();
        let site = work.path();
        if eleventy {
            copy_test_site("eleventy", site);
            fs::write(site.join("index.njk"), "<h1>accounts</h1>\n").unwrap();
            fs::create_dir_all(site.join("_includes")).unwrap();
            fs::write(
                site.join("_includes/post.njk"),
                "<!doctype html><html><head><title>{{ title }}</title>\
                 {% include \"instagram-meta.html\" %}</head><body>{{ content | safe }}</body></html>\n",
            )
            .unwrap();
        }
        fs::write(
            site.join("instabake.toml"),
            format!(
                "preset = \"eleventy\"\nsite_url = \"{SITE_URL}\"\nmerge = {merge}\n\n\
                 [pages]\nenabled = true\nlayout = \"post.njk\"\n\n\
                 [[accounts]]\nname = \"shop\"\ntoken_env = \"IG_TOKEN_SHOP\"\n\n\
                 [[accounts]]\nname = \"studio\"\ntoken_env = \"IG_TOKEN_STUDIO\"\n"
            ),
        )
        .unwrap();
        let base = fake.base_url();
        let run = support::run(
            site,
            &["build", "--site", site.to_str().unwrap()],
            &[
                ("IG_TOKEN_SHOP", support::TOKEN),
                ("IG_TOKEN_STUDIO", STUDIO_TOKEN),
                ("INSTABAKE_API_BASE", base.as_str()),
            ],
        );
        run.assert_success();
        let data_files: &[&str] = if merge {
            &["_data/instagram.json"]
        } else {
            &["_data/instagram-shop.json", "_data/instagram-studio.json"]
        };
        let mut pages = Vec::new();
        for file in data_files {
            let data: Value =
                serde_json::from_str(&fs::read_to_string(site.join(file)).unwrap()).unwrap();
            for post in data["posts"].as_array().unwrap() {
                let account = if post["id"] == "601" {
                    "shop"
                } else {
                    "studio"
                };
                let shortcode = Post::image(post["id"].as_str().unwrap()).shortcode();
                assert_eq!(
                    post["page"],
                    format!("/instagram/{account}/p/{shortcode}/"),
                    "merge = {merge}: {run}"
                );
                pages.push(post["page"].as_str().unwrap().to_owned());
            }
        }
        assert_eq!(pages.len(), 2, "merge = {merge}");
        for name in ["shop", "studio"] {
            assert!(
                site.join(format!("instagram-{name}-pages.njk")).is_file(),
                "merge = {merge}: no template for {name}"
            );
        }
        if let Some(command) = generators::eleventy_command() {
            generators::run_generator(command, site, "eleventy");
            for page in &pages {
                let file = site.join("_site").join(&page[1..]).join("index.html");
                let html = fs::read_to_string(&file)
                    .unwrap_or_else(|e| panic!("merge = {merge}: {}: {e}", file.display()));
                let url = format!("{SITE_URL}{}", &page[1..]);
                assert!(
                    html.contains(&format!("<meta property=\"og:url\" content=\"{url}\">")),
                    "merge = {merge}: {page}:\n{html}"
                );
            }
        }
    }
}
