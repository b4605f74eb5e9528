//! `instabake init`: a commented `instabake.toml` for the site, and where to include the partial.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::config::{Preset, CONFIG_FILE};
use crate::error::{Error, Result};
use crate::report;

/// Writes `instabake.toml` into `site` for `preset`; never overwrites an existing file. Prints
/// what to put into the site's templates.
pub(crate) fn init(site: &Path, preset: Preset) -> Result<PathBuf> {
    let path = site.join(CONFIG_FILE);
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path);
    let mut file = match file {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Error::Usage(format!(
                "{} already exists: nothing was written (edit it, or remove it to start over)",
                path.display()
            )))
        }
        Err(e) => return Err(Error::io("create", &path, e)),
    };
    file.write_all(config_text(preset).as_bytes())
        .map_err(|e| Error::io("write", &path, e))?;
    report::out(format!("wrote {}", path.display()));
    for line in next_steps(preset) {
        report::out(line);
    }
    Ok(path)
}

/// The config file for a preset: every key at its default, commented.
pub(crate) fn config_text(preset: Preset) -> String {
    let (images, partial, data) = preset.paths();
    let url_prefix = preset.url_prefix();
    format!(
        r#"# instabake: bakes this site's Instagram feed at build time (see its README).
# Every key is optional; the values shown are the defaults for this site generator.

preset = "{preset}"
limit = 12                       # how many posts to bake

# The token is read from this environment variable, or from token_file.
token_env = "INSTAGRAM_ACCESS_TOKEN"
# token_file = ".secrets/instagram-token"

cache_dir = ".instabake"         # keep it between CI runs; keep it out of the published site
timeout = "20s"
api_version = "{api_version}"            # the Graph API version asked for
# max_age = "6h"                 # bake from the cache without calling the API within this age
# merge = false                  # with [[accounts]] (at the end): one merged feed of them all
# site_url = "https://example.com/"   # where the site is published; [pages] needs it

# Instagram's own export of the account (README, "Importing Instagram's export"):
# `instabake import instagram-export.zip` writes it here, and every build reads it (commit it).
# export_dir = "{export_dir}"

[paths]
images = "{images}"
url_prefix = "{url_prefix}"       # the public URL of the images folder
partial = "{partial}"
data = "{data}"

[images]
widths = [320, 640, 1080]
formats = ["webp", "jpeg"]       # add "avif" first for smaller files (slow to encode)
jpeg_quality = 80
webp_quality = 80
webp_effort = 4                  # 0 (fast) to 6 (small)

[token]
warn_days = 14                   # warn when the token expires within this many days
auto_refresh = false             # refresh when due, writing the new token to token_file
refresh_days = 30

[video]
download = false                 # also bake reels' video files
max_mb = 50

# [account]
# profile = false                # read the account's profile (one more API call): name, bio,
                                 # website, follower count; its picture is baked like the posts
# counts = false                 # read each post's likes and comments (null when hidden)

[render]
# template = "instagram.tera.html"   # your own Tera template instead of the built-in one
# sizes = "(min-width: 960px) 318px, (min-width: 600px) calc(33.34vw - 2.66px), calc(50vw - 2px)"   # default: the layout's own
eager = 3
# header = false                 # show the account (picture, name, bio, follow link) above the grid
# layout = "grid"                # or "strip": one row that scrolls sideways
# lightbox = false               # true: a tile opens the post large (HTML popover, no JavaScript)
# inline_css = true              # false: the CSS in a stylesheet file of its own, for a strict
#                                # Content-Security-Policy (README, "A strict Content-Security-Policy")
# lang = "en"                    # the site's language (BCP 47): every word and date (README,
#                                # "Language and dates"); [render.words] replaces single words
# date_format = "long"           # "long", "medium", "short", "iso" or a pattern like "%-d %B %Y"
# timezone = "UTC"               # the day a post shows on: "Europe/Berlin", "+02:00"

# A page per post at instagram/p/SHORTCODE/, which the tiles link to (README, "A page per post").
# Needs site_url above.
# [pages]
# enabled = false
# layout = "post"                # the layout (Zola: template) each page is rendered with

# Feeds of the baked posts in the images folder (README, "Feeds"); they need site_url, the
# address the site is published at, at the top of this file.
# [feeds]
# atom = false                   # feed.xml, Atom 1.0
# json = false                   # feed.json, JSON Feed 1.1

# Which posts show (README, "Choosing what shows"). Filters apply before limit.
# [filter]
# kinds = ["image", "carousel", "video"]
# reels = "all"                  # "feed": only reels shared to the grid; "none": no reels
# include_hashtags = []          # only posts with one of these, e.g. ["bread", "pastry"]
# exclude_hashtags = []
# exclude_words = []             # whole words, any case
# since = "2026-01-01"           # a date (UTC) or an RFC 3339 time
# until = "2026-12-31"
# hide = []                      # post ids or shortcodes
# pin = []                       # shown first, in order: ids (fetched if older) or shortcodes
# max_pages = 10                 # pages of up to 100 posts read to fill limit

# One post, by its shortcode (the part after /p/ in its link).
# [posts.C1a2b3c4d5e]
# alt = "What the picture shows"
# caption = "A caption of your own"
# link = "https://shop.example/item"   # the tile links here instead of to Instagram
# hide = true

# Several accounts: one table each, baked into files named after it (instagram-shop.json,
# instagram-shop.html, images in {images}/shop/), each with its own token and cache. Remove
# token_env and token_file above when you use them; limit above is each account's default.
# [[accounts]]
# name = "shop"                  # lowercase letters, digits, - and _
# token_env = "INSTAGRAM_TOKEN_SHOP"
# limit = 6
# [accounts.filter]              # this account's own [filter]; default: the one above
# include_hashtags = ["shop"]
#
# [[accounts]]
# name = "cafe"
# token_file = ".secrets/cafe-token"
"#,
        preset = preset.name(),
        export_dir = preset.export_dir(),
        api_version = crate::config::DEFAULT_API_VERSION,
    )
}

/// What to do next, for this generator.
fn next_steps(preset: Preset) -> Vec<String> {
    let (include, data) = usage(preset);
    let (images, partial, data_file) = preset.paths();
    let mut steps = vec![
        String::new(),
        "next:".to_owned(),
        "  1. put a long-lived token in INSTAGRAM_ACCESS_TOKEN (README, \"Getting a token\")"
            .to_owned(),
        "  2. run `instabake build` before the generator's own build".to_owned(),
        format!("  3. show the feed where you want it, in a template: {include}"),
        format!("     or use the data file ({data_file}) yourself: {data}"),
        format!("  4. add to .gitignore: .instabake/, {images}/, {partial}, {data_file}"),
        "  5. check everything with `instabake doctor`".to_owned(),
    ];
    if preset == Preset::Eleventy {
        steps.push(format!(
            "  and copy the images into the output: eleventyConfig.addPassthroughCopy(\"{images}\");"
        ));
    }
    steps
}

/// For each generator: the line that includes the partial, and the one that loops over the data
/// file (README, "Using it on your site").
pub(crate) fn usage(preset: Preset) -> (&'static str, &'static str) {
    match preset {
        Preset::Hugo => (
            r#"{{ partial "instagram.html" . }}"#,
            "{{ range .Site.Data.instagram.posts }} ... {{ end }}",
        ),
        Preset::Zola => (
            r#"{% include "partials/instagram.html" %}"#,
            r#"{% set feed = load_data(path="data/instagram.json") %}{% for post in feed.posts %} ... {% endfor %}"#,
        ),
        Preset::Jekyll => (
            "{% include instagram.html %}",
            "{% for post in site.data.instagram.posts %} ... {% endfor %}",
        ),
        Preset::Eleventy => (
            r#"{% include "instagram.html" %}"#,
            "{% for post in instagram.posts %} ... {% endfor %}",
        ),
        Preset::Html => (
            "<!--#include virtual=\"/instagram.html\" --> (server-side include), or paste instagram.html into the page",
            "fetch(\"/instagram.json\") from your own script",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curate::{FilterSettings, PostOverride};

    /// The commented `[filter]` and `[posts]` examples are valid once uncommented.
    #[test]
    fn the_commented_curation_keys_are_valid() {
        let text = config_text(Preset::Hugo);
        let from = text.find("# [filter]").expect("a [filter] example");
        let to = text[from..]
            .find("# Several accounts")
            .map_or(text.len(), |at| from + at);
        let uncommented: String = text[from..to]
            .lines()
            .filter_map(|line| line.strip_prefix("# "))
            .filter(|line| line.starts_with('[') || line.contains(" = "))
            .map(|line| format!("{line}\n"))
            .collect();
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Curation {
            filter: FilterSettings,
            posts: std::collections::BTreeMap<String, PostOverride>,
        }
        let parsed: Curation = toml::from_str(&uncommented).unwrap();
        parsed.filter.validate().unwrap();
        let defaults = FilterSettings::default();
        assert_eq!(parsed.filter.kinds, defaults.kinds);
        assert_eq!(parsed.filter.reels, defaults.reels);
        assert_eq!(parsed.filter.max_pages, defaults.max_pages);
        for (key, post) in &parsed.posts {
            post.validate(key).unwrap();
        }
        assert_eq!(parsed.posts.len(), 1);
    }

    use crate::config::{Config, Overrides};

    fn load(text: &str) -> Config {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CONFIG_FILE);
        std::fs::write(&path, text).unwrap();
        Config::load(&Overrides {
            config: Some(path),
            ..Overrides::default()
        })
        .unwrap()
    }

    #[test]
    fn the_account_keys_are_written_commented_out_and_work_uncommented() {
        let text = config_text(Preset::Hugo);
        let config = load(&text);
        assert!(!config.profile.profile && !config.profile.counts && !config.render.header);
        let on = text
            .replace("# [account]", "[account]")
            .replace("# profile = false", "profile = true")
            .replace("# counts = false", "counts = true")
            .replace("# header = false", "header = true");
        assert_ne!(on, text);
        let config = load(&on);
        assert!(config.profile.profile && config.profile.counts && config.render.header);
    }

    #[test]
    fn the_pages_keys_are_written_commented_out_and_work_uncommented() {
        for preset in [Preset::Hugo, Preset::Html] {
            let text = config_text(preset);
            assert!(!load(&text).pages.enabled);
            let on = text
                .replace("# site_url = ", "site_url = ")
                .replace("# [pages]", "[pages]")
                .replace("# enabled = false", "enabled = true")
                .replace("# layout = \"post\"", "layout = \"post\"");
            let config = load(&on);
            assert!(config.pages.enabled, "{on}");
            assert_eq!(config.pages.layout.as_deref(), Some("post"));
            assert_eq!(config.site_url.as_deref(), Some("https://example.com/"));
        }
    }

    #[test]
    fn the_feed_keys_are_written_commented_out_and_work_uncommented() {
        for preset in [Preset::Hugo, Preset::Jekyll, Preset::Html] {
            let text = config_text(preset);
            assert!(!load(&text).feeds.any());
            let on = text
                .replace("# [feeds]", "[feeds]")
                .replace("# atom = false", "atom = true")
                .replace("# json = false", "json = true");
            assert_ne!(on, text);
            let on = format!("site_url = \"https://example.com/\"\n{on}");
            let config = load(&on);
            assert!(config.feeds.atom && config.feeds.json);
        }
    }

    #[test]
    fn the_export_folder_is_written_commented_out_at_its_default() {
        for preset in [Preset::Hugo, Preset::Jekyll] {
            let text = config_text(preset);
            let line = format!("# export_dir = \"{}\"", preset.export_dir());
            assert!(text.contains(&line), "{text}");
            let config = load(&text.replace(&line, "export_dir = \"ig-export\""));
            assert!(config.source.export_dir.ends_with("ig-export"));
            let config = load(&text);
            assert!(config.source.export_dir.ends_with(preset.export_dir()));
        }
    }

    #[test]
    fn the_accounts_written_commented_out_work_once_uncommented() {
        for preset in [
            Preset::Hugo,
            Preset::Zola,
            Preset::Jekyll,
            Preset::Eleventy,
            Preset::Html,
        ] {
            let text = config_text(preset);
            assert_eq!(crate::config::accounts_of(&text), Ok(vec![]));
            // Uncomment merge and the accounts, and drop the single account's token_env.
            let (head, tail) = text.split_at(text.find("# [[accounts]]").unwrap());
            let head = head
                .lines()
                .filter(|l| !l.starts_with("token_env"))
                .map(|l| {
                    l.strip_prefix("# ")
                        .filter(|r| r.starts_with("merge"))
                        .unwrap_or(l)
                });
            let tail = tail
                .lines()
                .map(|l| l.strip_prefix("# ").or(l.strip_prefix('#')).unwrap_or(l));
            let uncommented = head.chain(tail).collect::<Vec<_>>().join("\n");
            assert_eq!(
                crate::config::accounts_of(&uncommented),
                Ok(vec![
                    ("shop".to_owned(), Some(6)),
                    ("cafe".to_owned(), None)
                ]),
                "{uncommented}"
            );
        }
    }
}
