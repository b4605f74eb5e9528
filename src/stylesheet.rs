//! The partial's stylesheet as a file of its own, for sites that send a strict
//! Content-Security-Policy (`style-src 'self'`), under which a browser ignores every `<style>`
//! element and `style=` attribute of the page: `[render] inline_css = false`.
//!
//! The partial is rendered as usual, then every `<style>` element is cut out of it and its rules
//! go into the stylesheet, so that a site's own template (`[render] template`) keeps its CSS in
//! one place too. The placeholder colours, which the inline partial writes as `style=` attributes,
//! become classes (`ib-c-rrggbb`, the [`Colours`] filter) whose rules follow. The stylesheet is
//! then named after a hash of its content (`instagram-0123456789.css`, in the images folder, so
//! it can be served with an immutable cache header like the images), which changes whenever the
//! feed's colours or the settings do; the data file names it (`stylesheet`) and a small head
//! partial beside the partial holds its `<link>`, for the site's layout to include in `<head>`.
//!
//! Nothing of a caption reaches the CSS: only colours that are `#rrggbb` hex make a rule, and a
//! class name is made of those six hex digits alone.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use crate::emit::{SitePaths, TextFile};

/// The prefix of a placeholder colour's class.
const CLASS_PREFIX: &str = "ib-c-";

/// The class of a placeholder colour, `ib-c-rrggbb` (lower case), or `None` for anything but a
/// `#rrggbb` hex colour.
pub(crate) fn colour_class(colour: &str) -> Option<String> {
    let hex = colour.strip_prefix('#')?;
    (hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| format!("{CLASS_PREFIX}{}", hex.to_ascii_lowercase()))
}

/// The placeholder colours a rendering used, each as its class: the template's `colour_class`
/// filter records them, and the stylesheet gets a rule for each.
#[derive(Debug, Clone, Default)]
pub(crate) struct Colours(Arc<Mutex<BTreeSet<String>>>);

impl Colours {
    /// The Tera filter `colour_class`: `{{ m.color | colour_class }}` is the colour's class, or
    /// empty for a value that is not a `#rrggbb` colour (which then shows no placeholder colour).
    pub(crate) fn filter(&self) -> impl tera::Filter {
        let used = self.0.clone();
        move |value: &tera::Value, _: &HashMap<String, tera::Value>| {
            let class = value.as_str().and_then(colour_class);
            if let Some(class) = &class {
                used.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(class.clone());
            }
            Ok(tera::Value::String(class.unwrap_or_default()))
        }
    }

    /// Adds a colour that a page other than the partial uses (a post's page): anything but a
    /// `#rrggbb` colour is left out.
    pub(crate) fn add(&self, colour: &str) {
        if let Some(class) = colour_class(colour) {
            self.0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(class);
        }
    }

    /// The rule of each colour used, sorted, one a line.
    fn rules(&self) -> String {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|class| {
                let hex = &class[CLASS_PREFIX.len()..];
                format!(".{class}{{background-color:#{hex}}}\n")
            })
            .collect()
    }
}

/// Cuts every `<style>...</style>` element out of a rendered partial: returns the partial without
/// them and their rules. A `<style>` without its end is left as it is.
pub(crate) fn split_styles(html: &str) -> (String, String) {
    let mut partial = String::with_capacity(html.len());
    let mut css = String::new();
    let mut rest = html;
    while let Some(start) = rest.find("<style>") {
        let body = &rest[start + "<style>".len()..];
        let Some(end) = body.find("</style>") else {
            break;
        };
        partial.push_str(&rest[..start]);
        let rules = body[..end].trim_matches('\n');
        if !rules.is_empty() {
            css.push_str(rules);
            css.push('\n');
        }
        rest = &body[end + "</style>".len()..];
        // The element's own line goes with it.
        if partial.ends_with('\n') {
            rest = rest.strip_prefix('\n').unwrap_or(rest);
        }
    }
    partial.push_str(rest);
    (partial, css)
}

/// What goes into the stylesheet: the rules cut out of the partial (and those of the post pages),
/// and the placeholder colours used.
#[derive(Debug, Clone, Default)]
pub(crate) struct Styles {
    pub rules: String,
    pub colours: Colours,
}

impl Styles {
    /// The stylesheet's text: the rules, then the colours' rules.
    pub(crate) fn text(&self) -> String {
        format!(
            "/* instabake: the Instagram feed's styles (written by `instabake build`, [render] \
             inline_css = false) */\n{}{}",
            self.rules,
            self.colours.rules()
        )
    }
}

/// Where a whole page of the `html` preset links the stylesheet: the template writes this
/// comment, and [`link_pages`] puts the `<link>` in its place once the stylesheet's name is
/// known. Text from Instagram is escaped, so it cannot write it.
pub(crate) const LINK_MARKER: &str = "<!--instabake:stylesheet-->";

/// The `<link>` to the stylesheet at `url`. The URL is the configured `url_prefix` and a hex
/// name: it is escaped for the attribute, and braces too, as `render::escape` does for the
/// partial (which imports this module, so it cannot be called from here), so that no
/// generator's template syntax gets into the head partial.
fn link(url: &str) -> String {
    let mut href = String::with_capacity(url.len());
    for c in url.chars() {
        match c {
            '&' => href.push_str("&amp;"),
            '<' => href.push_str("&lt;"),
            '>' => href.push_str("&gt;"),
            '"' => href.push_str("&quot;"),
            '\'' => href.push_str("&#39;"),
            '{' => href.push_str("&#123;"),
            '}' => href.push_str("&#125;"),
            _ => href.push(c),
        }
    }
    format!("<link rel=\"stylesheet\" href=\"{href}\">")
}

/// Puts the `<link>` to the stylesheet at `url` into the whole pages among `files`.
pub(crate) fn link_pages(files: &mut [TextFile], url: &str) {
    for file in files.iter_mut().filter(|f| f.content.contains(LINK_MARKER)) {
        file.content = file.content.replace(LINK_MARKER, &link(url));
    }
}

/// The stylesheet's file name: `instagram-` and the first 10 hex digits of its BLAKE3 hash.
pub(crate) fn file_name(css: &str) -> String {
    format!(
        "instagram-{}.css",
        &blake3::hash(css.as_bytes()).to_hex()[..10]
    )
}

/// The head partial beside `partial`: `instagram-head.html` beside `instagram.html`,
/// `instagram-shop-head.html` beside `instagram-shop.html`.
pub(crate) fn head_partial(partial: &Path) -> PathBuf {
    let stem = partial
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let file = match partial.extension() {
        Some(ext) => format!("{stem}-head.{}", ext.to_string_lossy()),
        None => format!("{stem}-head"),
    };
    partial.with_file_name(file)
}

/// The stylesheet as written into the site: its public URL (what the data file names) and its
/// files, the stylesheet in the images folder and the head partial that links it.
pub(crate) struct Written {
    pub url: String,
    pub files: Vec<TextFile>,
}

/// The files for `css`, a bake's stylesheet, written with the data file and partial at `paths`.
pub(crate) fn files(css: String, paths: &SitePaths) -> Written {
    let name = file_name(&css);
    let url = format!("{}{name}", paths.url_prefix);
    let link = format!("{}\n", link(&url));
    Written {
        files: vec![
            TextFile {
                path: paths.images.join(&name),
                content: css,
            },
            TextFile {
                path: head_partial(&paths.partial),
                content: link,
            },
        ],
        url,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hex_colours_make_classes() {
        assert_eq!(colour_class("#A0b1C2").as_deref(), Some("ib-c-a0b1c2"));
        for bad in [
            "",
            "#",
            "#abc",
            "#a0b1c2d3",
            "a0b1c2",
            "#a0b1cg",
            "#a0b1c2;}body{display:none",
            "red",
            "#ééé",
        ] {
            assert_eq!(colour_class(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_filter_records_the_colours_it_names() {
        let colours = Colours::default();
        let mut tera = tera::Tera::default();
        tera.register_filter("colour_class", colours.filter());
        tera.add_raw_template("t", "{% for c in cs %}[{{ c | colour_class }}]{% endfor %}")
            .unwrap();
        let mut context = tera::Context::new();
        context.insert("cs", &["#112233", "#FFEEDD", "</style>", "#112233"]);
        let out = tera.render("t", &context).unwrap();
        assert_eq!(out, "[ib-c-112233][ib-c-ffeedd][][ib-c-112233]");
        colours.add("#AABBCC");
        colours.add("url(x)");
        assert_eq!(
            colours.rules(),
            ".ib-c-112233{background-color:#112233}\n.ib-c-aabbcc{background-color:#aabbcc}\n\
             .ib-c-ffeedd{background-color:#ffeedd}\n"
        );
    }

    #[test]
    fn style_elements_are_cut_out_with_their_lines() {
        let html =
            "<section>\n<style>\n.a{b:c}\n</style>\n<ul></ul>\n<style>.d{e:f}</style></section>\n";
        let (partial, css) = split_styles(html);
        assert_eq!(partial, "<section>\n<ul></ul>\n</section>\n");
        assert_eq!(css, ".a{b:c}\n.d{e:f}\n");
        let (partial, css) = split_styles("<p>no styles</p>");
        assert_eq!((partial.as_str(), css.as_str()), ("<p>no styles</p>", ""));
        let (partial, _) = split_styles("<style>.open{");
        assert_eq!(partial, "<style>.open{");
    }

    #[test]
    fn the_link_is_escaped_like_the_partial() {
        let url = "/a\"b<c>{{ .Site }}/instagram-0123456789.css";
        assert_eq!(
            link(url),
            "<link rel=\"stylesheet\" href=\"/a&quot;b&lt;c&gt;&#123;&#123; .Site &#125;&#125;/instagram-0123456789.css\">"
        );
    }

    #[test]
    fn the_name_follows_the_content() {
        let a = file_name(".a{}");
        assert!(
            a.starts_with("instagram-") && a.ends_with(".css") && a.len() == 24,
            "{a}"
        );
        assert_eq!(a, file_name(".a{}"));
        assert_ne!(a, file_name(".b{}"));
    }

    #[test]
    fn the_head_partial_sits_beside_the_partial() {
        assert_eq!(
            head_partial(Path::new("layouts/partials/instagram.html")),
            Path::new("layouts/partials/instagram-head.html")
        );
        assert_eq!(
            head_partial(Path::new("_includes/instagram-shop.html")),
            Path::new("_includes/instagram-shop-head.html")
        );
        let paths = SitePaths {
            root: PathBuf::from("/s"),
            images: PathBuf::from("/s/static/instagram"),
            url_prefix: "/blog/instagram/".to_owned(),
            partial: PathBuf::from("/s/layouts/partials/instagram.html"),
            data: PathBuf::from("/s/data/instagram.json"),
        };
        let written = files(".a{}\n".to_owned(), &paths);
        let name = file_name(".a{}\n");
        assert_eq!(written.url, format!("/blog/instagram/{name}"));
        assert_eq!(written.files[0].path, paths.images.join(&name));
        assert_eq!(
            written.files[1].content,
            format!("<link rel=\"stylesheet\" href=\"/blog/instagram/{name}\">\n")
        );
    }
}
