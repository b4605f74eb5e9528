//! The standalone page of `instabake preview`: the baked partial as the site's page would include
//! it, in a bare HTML document of its own.
//!
//! The partial is included as it is on disk, byte for byte, so that what the preview shows is what
//! the generator will publish. Only a `url_prefix` that is a full URL (images published on another
//! host) is rewritten to its path, so that the page shows the images baked on this machine,
//! which that host may not have yet.

use crate::render::escape;

/// One partial shown on the page.
pub(crate) struct Shown<'a> {
    /// The account's name on a site with several accounts, shown as a heading above its feed.
    pub account: Option<&'a str>,
    /// Where the partial is, as the page names it.
    pub source: &'a str,
    /// The partial's HTML.
    pub html: &'a str,
}

/// What the page shows besides the partials.
pub(crate) struct Head<'a> {
    /// The account's username, for the title.
    pub username: Option<&'a str>,
    /// When the feed was fetched (the data file's `fetched_at`).
    pub fetched_at: Option<&'a str>,
    /// Stylesheets the bake wrote for the partial, linked from the head.
    pub stylesheets: &'a [String],
}

/// The whole page. Text that comes from the feed (the username) is escaped.
pub(crate) fn page(head: &Head<'_>, shown: &[Shown<'_>]) -> String {
    let title = match head.username {
        Some(username) => format!("Preview: @{} (instabake)", escape(username)),
        None => "Preview (instabake)".to_owned(),
    };
    let mut page = format!(
        "<!doctype html>\n\
         <html lang=\"en\">\n\
         <head>\n\
         <meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n\
         <title>{title}</title>\n"
    );
    for href in head.stylesheets {
        page.push_str(&format!(
            "<link rel=\"stylesheet\" href=\"{}\">\n",
            escape(href)
        ));
    }
    // The page's own look stays out of the feed's way: a system font and a margin, as a plain
    // site page would have, and the notes in small grey type.
    page.push_str(
        "<style>\
         body{margin:0;padding:16px;font-family:system-ui,sans-serif}\
         .instabake-preview-note{margin:0 0 16px;font-size:13px;color:GrayText}\
         </style>\n\
         </head>\n\
         <body>\n",
    );
    let sources: Vec<String> = shown.iter().map(|s| escape(s.source)).collect();
    let fetched = head
        .fetched_at
        .map(|at| format!(", fetched {}", escape(at)))
        .unwrap_or_default();
    page.push_str(&format!(
        "<p class=\"instabake-preview-note\">Preview of {}{fetched}. Reload after \
         <code>instabake build</code> to see a new bake.</p>\n",
        sources.join(", ")
    ));
    for partial in shown {
        if let Some(account) = partial.account {
            page.push_str(&format!(
                "<h2 class=\"instabake-preview-note\">Account {}</h2>\n",
                escape(account)
            ));
        }
        page.push_str(partial.html);
        if !partial.html.ends_with('\n') {
            page.push('\n');
        }
    }
    page.push_str("</body>\n</html>\n");
    page
}

/// `html` with every URL under `from` (a full URL prefix, as written raw or escaped in attributes)
/// pointing under the local path `to` instead.
pub(crate) fn rebase(html: &str, from: &str, to: &str) -> String {
    let escaped = escape(from);
    let html = html.replace(from, to);
    if escaped == from {
        html
    } else {
        html.replace(&escaped, to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_is_a_whole_document_around_the_partials_as_they_are() {
        let partial = "<div class=\"ib-feed\"><img src=\"/instagram/a-320.webp\" alt=\"x\"></div>";
        let sheets = ["/instagram/instagram-1a2b.css".to_owned()];
        let html = page(
            &Head {
                username: Some("cafe<b>"),
                fetched_at: Some("2026-11-29T08:00:00Z"),
                stylesheets: &sheets,
            },
            &[
                Shown {
                    account: None,
                    source: "layouts/partials/instagram.html",
                    html: partial,
                },
                Shown {
                    account: Some("shop"),
                    source: "layouts/partials/instagram-shop.html",
                    html: "<p>shop</p>\n",
                },
            ],
        );
        assert!(html.starts_with(
            "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        ));
        assert!(html.contains("<meta name=\"viewport\""));
        assert!(
            html.contains("<title>Preview: @cafe&lt;b&gt; (instabake)</title>"),
            "{html}"
        );
        assert!(html.contains("<link rel=\"stylesheet\" href=\"/instagram/instagram-1a2b.css\">"));
        assert!(
            html.contains(&format!("{partial}\n")),
            "the partial unchanged"
        );
        assert!(html.contains("Account shop</h2>\n<p>shop</p>\n"));
        assert!(html.contains("2026-11-29T08:00:00Z"));
        assert!(html.ends_with("</body>\n</html>\n"));
        assert_eq!(html.matches("<body>").count(), 1);
    }

    #[test]
    fn a_full_url_prefix_is_rebased_onto_the_local_server() {
        let html = "<img src=\"https://cdn.example.com/ig/a.jpg\" srcset=\"https://cdn.example.com/ig/a.jpg 320w\">\
                    <a href=\"https://www.instagram.com/p/x/\">";
        assert_eq!(
            rebase(html, "https://cdn.example.com/ig/", "/ig/"),
            "<img src=\"/ig/a.jpg\" srcset=\"/ig/a.jpg 320w\"><a href=\"https://www.instagram.com/p/x/\">"
        );
        assert_eq!(
            rebase(
                "src=\"https://x.example/?a=1&amp;b=2/f.jpg\"",
                "https://x.example/?a=1&b=2/",
                "/"
            ),
            "src=\"/f.jpg\""
        );
    }
}
