//! A page per post (`[pages] enabled = true`): each post as a page of the site itself, in the
//! generator's own form, with the tags that search engines and link previews read.
//!
//! Every preset gets the same page at the same URL: `<path of site_url>instagram/p/SLUG/`
//! (`instagram/NAME/p/SLUG/` for an account of `[[accounts]]`), where SLUG is the post's
//! shortcode. What differs is how the generator is handed the page:
//!
//! | preset | files | the page's `<head>` |
//! | --- | --- | --- |
//! | hugo | `content/instagram/p/SLUG.md` and the shortcode that prints its body | `instagram-meta.html` partial |
//! | zola | `content/instagram/SLUG.md` (a section of pages, `path` set) | `instagram-meta.html` partial |
//! | jekyll | `_instagram/SLUG.html`, a collection | `instagram-meta.html` include |
//! | eleventy | `instagram-pages.njk`, pagination over the data file | `instagram-meta.html` include |
//! | html | `instagram/p/SLUG/index.html`, whole pages | written into the page |
//!
//! Text from Instagram never reaches a generator's template language: instabake renders the
//! page's body and head tags itself (Tera, autoescape on, braces escaped as in the partial) and
//! hands them over as front matter strings or data, which generators print and never evaluate.
//! The one template each generator runs is instabake's own fixed text (the shortcode call, the
//! pagination template), which holds no caption.

mod eleventy;
mod html;
mod hugo;
mod jekyll;
mod zola;

use serde::Serialize;

use crate::caption::{self, Piece};
use crate::config::{Account, Config, Preset};
use crate::emit::TextFile;
use crate::error::{Error, Result};
use crate::feed::{AccountDoc, Document, MediaDoc, PostDoc};
use crate::locale::Locale;
use crate::media::Format;

/// The `sizes` of a page's images: as wide as the page's column, up to the largest baked width.
const PAGE_SIZES: &str = "(min-width: 1080px) 1080px, 100vw";

/// The width of the JPEG that link previews get (`og:image`), when it was baked.
const PREVIEW_WIDTH: u32 = 1080;

/// The longest `og:title`, in characters.
const MAX_TITLE: usize = 70;
/// The longest `og:description`, in characters.
const MAX_DESCRIPTION: usize = 200;

/// Sets each post's `page` (and the tile's `link`) and returns the files that make the pages.
/// Nothing when pages are off.
pub(crate) fn files(
    config: &Config,
    account: &Account,
    document: &mut Document,
) -> Result<Vec<TextFile>> {
    if !config.pages.enabled {
        return Ok(Vec::new());
    }
    // Config::validate_site_url has made sure of both.
    let config_error = |message: String| Error::Config {
        path: config.file.clone().unwrap_or_default(),
        message,
    };
    let site_url = config
        .site_url
        .as_deref()
        .ok_or_else(|| config_error("[pages] enabled = true needs site_url".to_owned()))?;
    let site = url::Url::parse(site_url)
        .map_err(|e| config_error(format!("site_url = {site_url:?} is not a URL: {e}")))?;
    let base = match &account.name {
        Some(name) => format!("instagram/{name}/"),
        None => "instagram/".to_owned(),
    };
    let mut pages = Vec::new();
    let mut taken = std::collections::HashSet::new();
    for post in &mut document.posts {
        let mut slug = slug(post);
        if !taken.insert(slug.to_ascii_lowercase()) {
            // Two posts whose slugs differ only in case would be one file on a case-insensitive
            // disk: the second gets its id too.
            slug = format!("{slug}-{}", short_hash(&post.id));
            taken.insert(slug.to_ascii_lowercase());
        }
        let rest = format!("{base}p/{slug}/");
        let path = format!("{}{rest}", site.path());
        post.page = Some(path.clone());
        if !post.overridden.iter().any(|f| f == "link") {
            post.link = Some(path.clone());
        }
        pages.push(Page::new(
            post,
            &document.account,
            &site,
            site_url,
            slug,
            rest,
        ));
    }
    let generator = Generator {
        config,
        account,
        pages: &pages,
    };
    let inline_css = config.render.inline_css;
    let locale = &config.locale;
    let rendered: Vec<Rendered> = pages
        .iter()
        .map(|page| render(page, locale, inline_css))
        .collect::<Result<_>>()?;
    match config.preset {
        Preset::Hugo => Ok(hugo::files(&generator, &rendered)),
        Preset::Zola => Ok(zola::files(&generator, &rendered)),
        Preset::Jekyll => Ok(jekyll::files(&generator, &rendered)),
        Preset::Eleventy => eleventy::files(&generator, &rendered),
        Preset::Html => html::files(&generator, &rendered),
    }
}

/// What a generator module needs: the config, the account, and every page.
pub(crate) struct Generator<'a> {
    pub config: &'a Config,
    pub account: &'a Account,
    pub pages: &'a [Page],
}

impl Generator<'_> {
    /// The file inside the site.
    fn site_file(&self, relative: &str, content: String) -> TextFile {
        TextFile {
            path: self.config.site.join(relative),
            content,
        }
    }

    /// The folder the partial is in (`layouts/partials/`, `_includes/`, ...).
    fn partial_dir(&self) -> std::path::PathBuf {
        self.account
            .paths
            .partial
            .parent()
            .map_or_else(|| self.config.site.clone(), std::path::Path::to_path_buf)
    }
}

/// The part of a post's page that does not depend on the generator.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Page {
    /// The post as in the data file.
    pub post: PostDoc,
    /// Who posted it: `@username`, else `None`.
    pub author: Option<String>,
    /// The account's display name, else its `@username`.
    pub author_name: Option<String>,
    pub profile_url: Option<String>,
    /// The shortcode (or another safe name) in the page's URL.
    pub slug: String,
    /// The page's place relative to the published site's root: `instagram/p/SLUG/`.
    pub rest: String,
    /// The page's path on the server (`page` in the data file): `/instagram/p/SLUG/`.
    pub path: String,
    /// The page's absolute URL.
    pub url: String,
    pub title: String,
    pub description: String,
    /// The timestamp as RFC 3339.
    pub published: Option<String>,
    /// The caption with hashtags and mentions to link.
    pub caption: Vec<PieceView>,
    /// Each media item's JPEG for link previews and JSON-LD, absolute.
    pub images: Vec<Preview>,
    pub sizes: &'static str,
}

/// A caption piece with its link.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PieceView {
    #[serde(flatten)]
    pub piece: Piece,
    pub href: Option<String>,
}

/// The absolute URL of a baked JPEG, with its size and alt text.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Preview {
    pub url: String,
    pub width: u32,
    pub height: u32,
    pub alt: String,
    pub mime: &'static str,
}

impl Page {
    fn new(
        post: &PostDoc,
        account: &AccountDoc,
        site: &url::Url,
        site_url: &str,
        slug: String,
        rest: String,
    ) -> Page {
        let first_line = post
            .caption_text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or_default();
        let title = if first_line.is_empty() {
            squash(&post.alt)
        } else {
            shorten(&squash(first_line), MAX_TITLE)
        };
        let description = if post.caption_text.trim().is_empty() {
            squash(&post.alt)
        } else {
            shorten(&squash(&post.caption_text), MAX_DESCRIPTION)
        };
        let caption = post
            .caption
            .as_deref()
            .map(caption::pieces)
            .unwrap_or_default()
            .into_iter()
            .map(|piece| PieceView {
                href: match &piece {
                    Piece::Tag { tag, .. } => Some(format!(
                        "https://www.instagram.com/explore/tags/{}/",
                        url_segment(&tag.to_lowercase())
                    )),
                    Piece::Mention { user, .. } => {
                        Some(format!("https://www.instagram.com/{user}/"))
                    }
                    _ => None,
                },
                piece,
            })
            .collect();
        let mut post = post.clone();
        for media in &mut post.media {
            media.alt = squash(&media.alt);
        }
        let images = post.media.iter().filter_map(|m| preview(m, site)).collect();
        Page {
            author: account.username.as_ref().map(|u| format!("@{u}")),
            author_name: account
                .name
                .clone()
                .or_else(|| account.username.as_ref().map(|u| format!("@{u}"))),
            profile_url: account.profile_url.clone(),
            path: format!("{}{rest}", site.path()),
            url: format!("{site_url}{rest}"),
            published: post.timestamp.as_deref().and_then(rfc3339),
            slug,
            rest,
            title,
            description,
            caption,
            images,
            sizes: PAGE_SIZES,
            post,
        }
    }

    /// schema.org JSON-LD: a `SocialMediaPosting` with an `ImageObject` per item, as text that
    /// is safe inside `<script>` and inside any generator's template (no `<`, `&`, braces or
    /// quotes of the text left as they are; one brace a line).
    fn json_ld(&self) -> String {
        let images: Vec<serde_json::Value> = self
            .images
            .iter()
            .map(|image| {
                serde_json::json!({
                    "@type": "ImageObject",
                    "contentUrl": image.url,
                    "url": image.url,
                    "width": image.width,
                    "height": image.height,
                    "encodingFormat": image.mime,
                    "description": image.alt,
                })
            })
            .collect();
        let mut ld = serde_json::json!({
            "@context": "https://schema.org",
            "@type": "SocialMediaPosting",
            "@id": self.url,
            "url": self.url,
            "mainEntityOfPage": self.url,
            "headline": self.title,
            "image": images,
        });
        let object = ld.as_object_mut().expect("an object");
        if let Some(text) = self.post.caption.as_deref().filter(|c| !c.is_empty()) {
            object.insert("articleBody".into(), text.into());
        }
        if let Some(published) = &self.published {
            object.insert("datePublished".into(), published.clone().into());
        }
        if let Some(name) = &self.author_name {
            let mut author = serde_json::json!({"@type": "Person", "name": name});
            if let Some(handle) = &self.author {
                author["alternateName"] = handle.clone().into();
            }
            if let Some(url) = &self.profile_url {
                author["url"] = url.clone().into();
            }
            object.insert("author".into(), author);
        }
        if let Some(permalink) = &self.post.permalink {
            object.insert("sameAs".into(), permalink.clone().into());
        }
        if !self.post.hashtags.is_empty() {
            object.insert("keywords".into(), self.post.hashtags.join(", ").into());
        }
        let text = serde_json::to_string_pretty(&ld).expect("JSON values serialise");
        script_safe(&text)
    }
}

/// The page's name in URLs and files: its shortcode, else its id, when made of the characters
/// shortcodes use (a text from the API becomes part of a path only then); else a hash of the id.
fn slug(post: &PostDoc) -> String {
    let safe = |s: &str| {
        !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            && !s.starts_with('-')
    };
    post.permalink
        .as_deref()
        .and_then(crate::curate::shortcode)
        .filter(|code| safe(code))
        .or_else(|| Some(post.id.clone()).filter(|id| safe(id)))
        .unwrap_or_else(|| format!("post-{}", short_hash(&post.id)))
}

fn short_hash(text: &str) -> String {
    blake3::hash(text.as_bytes()).to_hex()[..12].to_owned()
}

/// The JPEG a link preview shows for `media`: the 1080 px one, else the widest JPEG, else the
/// widest variant; as an absolute URL.
fn preview(media: &MediaDoc, site: &url::Url) -> Option<Preview> {
    let jpegs = || media.variants.iter().filter(|v| v.format == Format::Jpeg);
    let variant = jpegs()
        .find(|v| v.width == PREVIEW_WIDTH)
        .or_else(|| jpegs().max_by_key(|v| v.width))
        .or_else(|| media.variants.iter().max_by_key(|v| v.width))?;
    Some(Preview {
        url: site.join(&variant.url).ok()?.to_string(),
        width: variant.width,
        height: variant.height,
        alt: media.alt.clone(),
        mime: match variant.format {
            Format::Jpeg => "image/jpeg",
            Format::Webp => "image/webp",
            Format::Avif => "image/avif",
        },
    })
}

/// A post's time (`2026-11-20T12:00:00+0000` from the API) as RFC 3339, as every generator and
/// `article:published_time` read it.
fn rfc3339(text: &str) -> Option<String> {
    use time::format_description::well_known::Rfc3339;
    let api = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory][offset_minute]"
    );
    time::OffsetDateTime::parse(text, &Rfc3339)
        .or_else(|_| time::OffsetDateTime::parse(text, api))
        .ok()?
        .format(&Rfc3339)
        .ok()
}

/// Whitespace (line breaks too) folded into single spaces.
fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// At most `max` characters, cut at a word with `…`.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{}…", cut.trim_end())
}

/// A hashtag as one URL path segment.
fn url_segment(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// JSON text with `<`, `>`, `&`, `'`, `{` and `}` inside strings written as `\u` escapes: safe
/// in an HTML `<script>` and in any generator's template. The pretty printing puts each
/// structural brace on a line of its own, so no `{{`, `}}`, `{%` or `{#` can form.
fn script_safe(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in json.chars() {
        if in_string {
            if escaped {
                escaped = false;
                out.push(c);
                continue;
            }
            match c {
                '\\' => {
                    escaped = true;
                    out.push(c);
                }
                '"' => {
                    in_string = false;
                    out.push(c);
                }
                '<' | '>' | '&' | '\'' | '{' | '}' | '\u{2028}' | '\u{2029}' => {
                    out.push_str(&format!("\\u{:04x}", c as u32));
                }
                _ => out.push(c),
            }
        } else {
            if c == '"' {
                in_string = true;
            }
            out.push(c);
        }
    }
    out
}

/// A string as a double-quoted scalar that is the same string in JSON, YAML and TOML: JSON's
/// escapes, plus `\u` escapes for the characters YAML or TOML would not take raw (controls, line
/// and paragraph separators, the byte order mark). Front matter values are written this way, on
/// one line: no caption can end the front matter or add a key.
pub(crate) fn quoted(text: &str) -> String {
    let json = serde_json::to_string(text).expect("a string serialises");
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if (c.is_control() && c != '\n' && c != '\t')
            || matches!(
                c,
                '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
            )
        {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// A front matter value.
pub(crate) enum Value<'a> {
    Str(&'a str),
    List(Vec<&'a str>),
    Bool(bool),
}

/// Front matter lines, `key: value` (YAML) or `key = value` (TOML), every string [`quoted`] on
/// one line. `None` values are left out.
pub(crate) fn front_matter(fields: &[(&str, Option<Value<'_>>)], toml: bool) -> String {
    let mut out = String::new();
    for (key, value) in fields {
        let Some(value) = value else { continue };
        let text = match value {
            Value::Str(s) => quoted(s),
            Value::List(items) => format!(
                "[{}]",
                items
                    .iter()
                    .map(|s| quoted(s))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Value::Bool(b) => b.to_string(),
        };
        if toml {
            out.push_str(&format!("{key} = {text}\n"));
        } else {
            out.push_str(&format!("{key}: {text}\n"));
        }
    }
    out
}

/// `[pages] layout`, for front matter.
fn quoted_layout<'a>(generator: &Generator<'a>) -> Option<Value<'a>> {
    generator.config.pages.layout.as_deref().map(Value::Str)
}

/// A page's file name inside a generator's folder of pages: its place without the leading
/// `instagram/` (`p/SLUG`, `NAME/p/SLUG`).
fn file_stem(page: &Page) -> String {
    let rest = page.rest.trim_end_matches('/');
    rest.strip_prefix("instagram/").unwrap_or(rest).to_owned()
}

/// A page rendered: its body and its head tags, as HTML.
pub(crate) struct Rendered {
    pub body: String,
    pub meta: String,
}

/// The built-in templates of a page.
const BODY_TEMPLATE: &str = include_str!("../../templates/pages/post.html");
const META_TEMPLATE: &str = include_str!("../../templates/pages/meta.html");
const PAGE_TEMPLATE: &str = include_str!("../../templates/pages/page.html");

fn tera(locale: &Locale) -> Result<tera::Tera> {
    let mut tera = tera::Tera::default();
    for (name, source) in [
        ("post.html", BODY_TEMPLATE),
        ("meta.html", META_TEMPLATE),
        ("page.html", PAGE_TEMPLATE),
    ] {
        tera.add_raw_template(name, source)
            .map_err(|source| Error::Template {
                name: format!("pages/{name} (built in)"),
                source,
            })?;
    }
    tera.autoescape_on(vec![".html"]);
    tera.set_escape_fn(crate::render::escape);
    // With `inline_css = false` the stylesheet has a rule for every colour of the pages' posts
    // (see `add_styles`): what the filter records is not needed.
    tera.register_filter(
        "colour_class",
        crate::stylesheet::Colours::default().filter(),
    );
    locale.register_filters(&mut tera);
    Ok(tera)
}

/// The rules of the post pages' body (`post.html`), which `inline_css = false` moves into the
/// stylesheet: what the `style=` attributes say otherwise.
const STYLESHEET_RULES: &str = ".ib-page-media{margin:0 0 12px}
.ib-page-media img,.ib-page-media video{display:block;width:100%;height:auto}
";

/// The rules of the `html` preset's whole pages (`page.html`), scoped to their `<body>`'s class so
/// that they do nothing to the site's own pages that link the same stylesheet.
const WHOLE_PAGE_RULES: &str = ".ib-page-doc{margin:0;font:17px/1.55 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;color-scheme:light dark}
.ib-page-doc>main{max-width:1080px;margin:0 auto;padding:16px}
.ib-page-doc .ib-page-caption{white-space:normal;overflow-wrap:anywhere}
.ib-page-doc .ib-page-meta{opacity:.75;font-size:.9em}
";

/// With `[pages] enabled` and `inline_css = false`: adds the pages' rules and the colours of
/// every media item of `posts` (each has a page) to the stylesheet.
pub(crate) fn add_styles<'a>(
    config: &Config,
    posts: impl IntoIterator<Item = &'a PostDoc>,
    styles: &mut crate::stylesheet::Styles,
) {
    if !config.pages.enabled {
        return;
    }
    styles.rules.push_str(STYLESHEET_RULES);
    if config.preset == Preset::Html {
        styles.rules.push_str(WHOLE_PAGE_RULES);
    }
    for media in posts.into_iter().flat_map(|post| &post.media) {
        styles.colours.add(&media.color);
    }
}

fn render_template(tera: &tera::Tera, name: &str, context: &tera::Context) -> Result<String> {
    tera.render(name, context)
        .map_err(|source| Error::Template {
            name: format!("pages/{name} (built in)"),
            source,
        })
}

/// Renders a page's body and head tags. Neither holds a blank line (a Markdown file keeps an
/// HTML block whole only up to one) nor a raw line break of the caption (those are `<br>`).
fn render(page: &Page, locale: &Locale, inline_css: bool) -> Result<Rendered> {
    let tera = tera(locale)?;
    let mut context = tera::Context::new();
    context.insert("words", &locale.words);
    context.insert("lang", &locale.tag);
    context.insert("page", page);
    context.insert("inline_css", &inline_css);
    context.insert("json_ld", &page.json_ld());
    let body = without_blank_lines(&render_template(&tera, "post.html", &context)?);
    let meta = without_blank_lines(&render_template(&tera, "meta.html", &context)?);
    Ok(Rendered { body, meta })
}

/// A whole HTML page (the `html` preset), in the site's language.
fn render_whole(
    page: &Page,
    rendered: &Rendered,
    locale: &Locale,
    inline_css: bool,
) -> Result<String> {
    let tera = tera(locale)?;
    let mut context = tera::Context::new();
    context.insert("lang", &locale.tag);
    context.insert("page", page);
    context.insert("inline_css", &inline_css);
    context.insert("meta", &rendered.meta);
    context.insert("body", &rendered.body);
    Ok(render_template(&tera, "page.html", &context)?
        .trim_start()
        .to_owned())
}

fn without_blank_lines(text: &str) -> String {
    let mut out: String = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_strings_are_one_line_in_json_yaml_and_toml() {
        let text = "a \"b\"\n---\n\u{7f}\u{85}\u{2028} {{ x }}";
        let q = quoted(text);
        assert!(!q.contains('\n'), "{q}");
        assert_eq!(serde_json::from_str::<String>(&q).unwrap(), text);
        let toml: toml::Table = toml::from_str(&format!("k = {q}")).unwrap();
        assert_eq!(toml["k"].as_str(), Some(text));
    }

    #[test]
    fn json_ld_is_script_and_template_safe() {
        let text = script_safe(
            &serde_json::to_string_pretty(&serde_json::json!({
                "a": "</script><b>{{ x }}{% y %}{# z #}&'",
                "b": [{"c": {"d": 1}}]
            }))
            .unwrap(),
        );
        for needle in ["</", "<b", "{{", "}}", "{%", "{#", "&", "'"] {
            assert!(!text.contains(needle), "{needle} in {text}");
        }
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["a"], "</script><b>{{ x }}{% y %}{# z #}&'");
    }

    #[test]
    fn titles_are_cut_at_a_word() {
        assert_eq!(shorten("one two three", 9), "one two…");
        assert_eq!(shorten("short", 9), "short");
        assert_eq!(
            rfc3339("2026-11-20T12:00:00+0000").as_deref(),
            Some("2026-11-20T12:00:00Z")
        );
        assert_eq!(url_segment("café au"), "caf%C3%A9%20au");
    }
}
