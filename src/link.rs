//! Which links may be put into a page: every `href` the bake writes from text it did not write
//! itself (a permalink or a website from the API, a `[posts.SHORTCODE] link` from the config)
//! goes through [`web_url`].

/// The link as an `http(s)` URL, written as parsed, or `None`: a `javascript:` permalink must not
/// reach a page. Written as parsed, an odd link (`https:\/\/...` from a doubly escaped answer,
/// spaces around it, a stray quote) comes out as the plain URL a browser would have followed.
pub(crate) fn web_url(url: &str) -> Option<String> {
    // `\/` is a JSON escape that a doubly escaped answer leaves behind; a URL parser would read
    // its backslash as one more `/`. The parser itself trims spaces around the link, and an
    // http(s) URL without a host does not parse.
    url::Url::parse(&url.replace("\\/", "/"))
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .map(String::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_links() {
        assert_eq!(
            web_url("https://www.instagram.com/p/abc/").as_deref(),
            Some("https://www.instagram.com/p/abc/")
        );
        assert_eq!(
            web_url(r"https:\/\/www.instagram.com\/reel\/C1a2b3\/").as_deref(),
            Some("https://www.instagram.com/reel/C1a2b3/")
        );
        assert_eq!(
            web_url("  https://shop.example/loaf \n").as_deref(),
            Some("https://shop.example/loaf")
        );
        assert_eq!(web_url("javascript:alert(1)"), None);
        assert_eq!(web_url("not a url"), None);
        assert_eq!(web_url("https://"), None);
        assert_eq!(web_url("mailto:shop@example.com"), None);
    }
}
