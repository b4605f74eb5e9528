//! Rendering the HTML partial with Tera, from the same document as the data file.
//!
//! The built-in template is `templates/instagram.html`, embedded in the binary; a site replaces it
//! with its own file (`[render] template = "..."`). Autoescape is always on, with an escape function
//! that also neutralises `{` and `}`: the partial is included by a site generator whose own
//! template language (Hugo's Go templates, Zola's Tera, Jekyll's Liquid, Eleventy's Nunjucks) would
//! otherwise execute `{{ ... }}` written in a caption.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::locale::{Locale, LocaleSettings, Word};
use crate::stylesheet;

/// The built-in partial.
pub(crate) const DEFAULT_TEMPLATE: &str = include_str!("../templates/instagram.html");

/// The `[render]` section: the template, and the settings it reads besides the feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RenderSettings {
    /// A site's own template replacing the built-in one; relative to the site folder in the
    /// config file, joined with it once loaded. Not shown to the template.
    #[serde(skip_serializing)]
    pub template: Option<PathBuf>,
    /// The `sizes` attribute of every tile's `<img>` and `<source>`; by default the layout's own
    /// ([`Layout::sizes`]), so that switching the layout does not leave the browser picking
    /// images for the other one. The template sees it resolved ([`TemplateSettings`]).
    #[serde(skip_serializing)]
    pub sizes: Option<String>,
    /// How many posts load eagerly (the first row).
    pub eager: usize,
    /// Show captions under the tiles.
    pub captions: bool,
    /// Show dates under the tiles.
    pub dates: bool,
    /// Show the account (picture, name, bio, follow link) above the grid.
    pub header: bool,
    /// How the tiles are laid out.
    pub layout: Layout,
    /// Each tile opens a large view of its post (an HTML `popover`, no JavaScript).
    pub lightbox: bool,
    /// `false`: no `<style>` element or `style=` attribute in the partial, for sites with a strict
    /// Content-Security-Policy; the CSS goes into a stylesheet file of its own
    /// ([`crate::stylesheet`]).
    pub inline_css: bool,
    /// The site's language, a BCP 47 tag (`de`, `de-AT`): the words and the form of the shown
    /// dates ([`crate::locale`]). Unset: English words, dates as `2026-11-20`.
    pub lang: Option<String>,
    /// How dates are shown: `long`, `medium`, `short`, `iso` or a `%` pattern. Unset: `long` when
    /// `lang` is set, else `iso`.
    pub date_format: Option<String>,
    /// The time zone the shown dates are in: an IANA name, `UTC` (unset) or an offset.
    pub timezone: Option<String>,
    /// `[render.words]`: words that replace the language's own. The template sees them merged,
    /// as `words`.
    #[serde(skip_serializing)]
    pub words: BTreeMap<String, Word>,
}

/// `[render] layout`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Layout {
    /// Rows of two columns on phones, three from 600 px.
    #[default]
    Grid,
    /// One row that scrolls sideways and snaps to the tiles: 40% of the width on phones, 22.5%
    /// from 600 px, so that the cut-off last tile says there is more.
    Strip,
}

impl Layout {
    /// The `sizes` that matches the layout's tile width in the built-in template's CSS: the
    /// container stops growing at 960 px.
    pub(crate) fn sizes(self) -> &'static str {
        match self {
            Layout::Grid => DEFAULT_SIZES,
            Layout::Strip => STRIP_SIZES,
        }
    }
}

/// The `sizes` of the lightbox's images: the large view is as wide as the viewport less 16 px,
/// up to 1080 px (the largest default width), as the template's CSS says.
pub(crate) const LIGHTBOX_SIZES: &str = "(min-width: 1096px) 1080px, 100vw";

/// The default `sizes`: the grid's tile width, to the pixel, when the feed spans the viewport: three
/// columns with 4 px gaps from 600 px, two below, in a container that stops growing at 960 px. A
/// browser then picks the smallest candidate that fills the tile at its pixel density; a page that
/// puts the feed in a narrower column can say so with `[render] sizes`.
pub(crate) const DEFAULT_SIZES: &str =
    "(min-width: 960px) 318px, (min-width: 600px) calc(33.34vw - 2.66px), calc(50vw - 2px)";

/// The strip's tile width: 22.5% of the container from 600 px (216 px once it stops growing at
/// 960 px), 40% below.
const STRIP_SIZES: &str = "(min-width: 960px) 216px, (min-width: 600px) 22.5vw, 40vw";

impl Default for RenderSettings {
    fn default() -> Self {
        RenderSettings {
            template: None,
            sizes: None,
            eager: 3,
            captions: false,
            dates: false,
            header: false,
            layout: Layout::Grid,
            lightbox: false,
            inline_css: true,
            lang: None,
            date_format: None,
            timezone: None,
            words: BTreeMap::new(),
        }
    }
}

impl RenderSettings {
    /// Checks what serde cannot: the message names the key.
    pub(crate) fn validate(&self) -> std::result::Result<(), String> {
        if self.sizes.as_deref().is_some_and(|s| s.trim().is_empty()) {
            return Err(
                "render.sizes is empty: leave it out to use the layout's own, or write a `sizes` \
                 attribute such as \"(min-width: 600px) 33vw, 50vw\""
                    .to_owned(),
            );
        }
        self.locale().map(drop)
    }

    /// The language, words, date format and time zone these settings name.
    pub(crate) fn locale(&self) -> std::result::Result<Locale, String> {
        Locale::resolve(LocaleSettings {
            lang: self.lang.as_deref(),
            date_format: self.date_format.as_deref(),
            timezone: self.timezone.as_deref(),
            words: Some(&self.words),
        })
    }
}

/// What the template sees as `settings`: the `[render]` section with `sizes` resolved, and the
/// lightbox's own `sizes`.
#[derive(Serialize)]
struct TemplateSettings<'a> {
    #[serde(flatten)]
    render: &'a RenderSettings,
    sizes: &'a str,
    lightbox_sizes: &'static str,
}

impl<'a> TemplateSettings<'a> {
    fn new(render: &'a RenderSettings) -> Self {
        TemplateSettings {
            render,
            sizes: render
                .sizes
                .as_deref()
                .unwrap_or_else(|| render.layout.sizes()),
            lightbox_sizes: LIGHTBOX_SIZES,
        }
    }
}

/// A rendered partial.
#[derive(Debug, Clone)]
pub(crate) struct Partial {
    pub html: String,
    /// With `inline_css = false`, what goes into the stylesheet: the rules of the template's
    /// `<style>` elements, which are no longer in `html`, and the placeholder colours it used.
    pub styles: Option<stylesheet::Styles>,
}

/// Renders the partial, with the site's own template when `settings.template` names one. The
/// document is a data file's: one account's [`crate::feed::Document`], or the merged feed of several
/// ([`crate::feed::Merged`]). `locale` is the config's, resolved from `settings` when it was loaded.
pub(crate) fn render(
    document: &impl Serialize,
    settings: &RenderSettings,
    locale: &Locale,
) -> Result<Partial> {
    let (name, source) = match settings.template.as_deref() {
        Some(path) => (
            path.display().to_string(),
            std::fs::read_to_string(path).map_err(|source| Error::TemplateFile {
                path: path.to_owned(),
                source,
            })?,
        ),
        None => (
            "instagram.html (built in)".to_owned(),
            DEFAULT_TEMPLATE.to_owned(),
        ),
    };
    let template_error = |source: tera::Error| Error::Template {
        name: name.clone(),
        source,
    };
    let mut tera = tera::Tera::default();
    tera.add_raw_template("instagram.html", &source)
        .map_err(template_error)?;
    tera.autoescape_on(vec![".html"]);
    tera.set_escape_fn(escape);
    locale.register_filters(&mut tera);
    let colours = stylesheet::Colours::default();
    tera.register_filter("colour_class", colours.filter());
    let mut context = tera::Context::new();
    context.insert("feed", document);
    context.insert("settings", &TemplateSettings::new(settings));
    context.insert("words", &locale.words);
    context.insert("lang", &locale.tag);
    let html = tera
        .render("instagram.html", &context)
        .map_err(template_error)?;
    if settings.inline_css {
        return Ok(Partial { html, styles: None });
    }
    let (html, rules) = stylesheet::split_styles(&html);
    Ok(Partial {
        html,
        styles: Some(stylesheet::Styles { rules, colours }),
    })
}

/// HTML escaping for text and attribute values, plus `{` and `}` so that no generator's template
/// syntax survives into the partial.
pub(crate) fn escape(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + input.len() / 8);
    for c in input.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '{' => out.push_str("&#123;"),
            '}' => out.push_str("&#125;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_html_and_template_syntax() {
        assert_eq!(
            escape(r#"<script>alert("x")</script> {{ .Site.Title }} {% raw %}"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &#123;&#123; .Site.Title &#125;&#125; &#123;% raw %&#125;"
        );
    }

    /// The built-in template renders a merged feed (schema 2: `accounts`, no `account`) with every
    /// option on: the header, which shows one account, is left out rather than failing the bake.
    #[test]
    fn a_merged_feed_renders_with_every_option_on() {
        let media = serde_json::json!({
            "id": "11", "kind": "image", "width": 640, "height": 800, "color": "#808080",
            "placeholder": "", "alt": "A loaf", "src": "/instagram/shop/a-640.jpg",
            "variants": [], "srcset": {"jpeg": "/instagram/shop/a-640.jpg 640w"}, "video": null
        });
        let merged = serde_json::json!({
            "schema": 2,
            "accounts": [
                {"account": "shop", "username": "shop.demo",
                 "profile_url": "https://www.instagram.com/shop.demo/", "name": "Shop"},
                {"account": "cafe", "username": "cafe.demo",
                 "profile_url": "https://www.instagram.com/cafe.demo/", "name": "Cafe"}
            ],
            "posts": [{
                "account": "shop", "id": "1", "kind": "image", "permalink": null, "link": null,
                "timestamp": null, "date": null, "caption_text": "", "alt": "A loaf",
                "like_count": null, "comments_count": null, "media": [media]
            }]
        });
        let settings: RenderSettings =
            toml::from_str("header = true\nlightbox = true\nlayout = \"strip\"").unwrap();
        let html = render(&merged, &settings, &settings.locale().unwrap())
            .unwrap()
            .html;
        assert!(html.contains(r#"data-account="shop""#), "{html}");
        assert!(html.contains("@shop.demo, @cafe.demo"), "{html}");
        assert!(html.contains("@cafe.demo on Instagram"), "{html}");
        assert!(!html.contains(r#"<header class="ib-head">"#), "{html}");
        assert!(html.contains("popover"), "{html}");
    }

    #[test]
    fn sizes_follow_the_layout_unless_set() {
        let text = |settings: &RenderSettings| {
            let mut tera = tera::Tera::default();
            tera.add_raw_template(
                "t.html",
                "{{ settings.sizes }}|{{ settings.layout }}|{{ settings.lightbox_sizes }}",
            )
            .unwrap();
            let mut context = tera::Context::new();
            context.insert("settings", &TemplateSettings::new(settings));
            tera.render("t.html", &context).unwrap()
        };
        let parse = |toml: &str| toml::from_str::<RenderSettings>(toml).unwrap();
        assert_eq!(
            text(&parse("")),
            format!("{DEFAULT_SIZES}|grid|{LIGHTBOX_SIZES}")
        );
        assert_eq!(
            text(&parse("layout = \"strip\"")),
            format!("{}|strip|{LIGHTBOX_SIZES}", Layout::Strip.sizes())
        );
        assert_eq!(
            text(&parse("layout = \"strip\"\nsizes = \"50vw\"")),
            format!("50vw|strip|{LIGHTBOX_SIZES}")
        );
        let err = toml::from_str::<RenderSettings>("layout = \"mosaic\"")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("layout") && err.contains("`grid`, `strip`") || err.contains("strip"),
            "{err}"
        );
        assert!(parse("sizes = \"  \"")
            .validate()
            .unwrap_err()
            .contains("render.sizes"));
    }

    #[test]
    fn template_errors_name_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mine.html");
        std::fs::write(
            &path,
            "<ul>\n{% for p in feed.posts %}\n<li>{{ p.id }</li>\n",
        )
        .unwrap();
        let document = crate::feed::Document {
            schema: 1,
            generator: String::new(),
            source: crate::source::Origin::Live,
            fetched_at: String::new(),
            stylesheet: None,
            account: crate::feed::AccountDoc::default(),
            posts: vec![],
        };
        let settings = RenderSettings {
            template: Some(path),
            ..RenderSettings::default()
        };
        let err = render(&document, &settings, &settings.locale().unwrap())
            .unwrap_err()
            .to_string();
        assert!(err.contains("mine.html"), "{err}");
        assert!(err.contains("3:"), "{err}");
    }
}
