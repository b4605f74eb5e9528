//! The posts the fake API knows: images, videos and carousels with their children, built with
//! [`Post::image`], [`Post::video`] and [`Post::carousel`] and shaped further with its builder
//! methods.

use super::super::images;

/// `media_type` of a post or carousel child.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MediaType {
    Image,
    Video,
    Carousel,
}

impl MediaType {
    /// The API's spelling.
    pub(crate) fn as_api(self) -> &'static str {
        match self {
            MediaType::Image => "IMAGE",
            MediaType::Video => "VIDEO",
            MediaType::Carousel => "CAROUSEL_ALBUM",
        }
    }

    /// The spelling of `kind` in instabake's data file.
    pub(crate) fn as_kind(self) -> &'static str {
        match self {
            MediaType::Image => "image",
            MediaType::Video => "video",
            MediaType::Carousel => "carousel",
        }
    }
}

/// A post (or a carousel child) as the fake API knows it. Media are names of files on the fake media
/// host (`"101.jpg"`); a name nobody registered is generated when the server starts (`.jpg`: a
/// 1080x1350 JPEG unless [`Scenario::generated_size`] says otherwise, `.png`: an 800x800 PNG,
/// `.mp4`: a tiny MP4), each name its own picture.
#[derive(Clone, Debug)]
pub(crate) struct Post {
    pub id: String,
    pub media_type: MediaType,
    pub caption: Option<String>,
    pub media_url: Option<String>,
    pub thumbnail_url: Option<String>,
    pub permalink: Option<String>,
    /// `None` until [`Scenario::posts`] gives it one (one hour older per position).
    pub timestamp: Option<String>,
    /// `None`: the scenario's account username.
    pub username: Option<String>,
    pub alt_text: Option<String>,
    pub product: Option<String>,
    pub is_shared_to_feed: Option<bool>,
    /// `like_count` and `comments_count`, 0 unless set; `None` leaves the field out (the owner
    /// hides the counts).
    pub like_count: Option<u64>,
    pub comments_count: Option<u64>,
    pub children: Vec<Post>,
    /// Answer `children` with `{"data":[{"id":..}]}` even when sub-fields were asked for.
    pub children_ids_only: bool,
    omitted: Vec<String>,
}

impl Post {
    fn new(id: &str, media_type: MediaType) -> Post {
        Post {
            id: id.to_string(),
            media_type,
            caption: None,
            media_url: None,
            thumbnail_url: None,
            permalink: Some(format!("https://www.instagram.com/p/{}/", shortcode(id))),
            timestamp: None,
            username: None,
            alt_text: None,
            product: Some("FEED".to_string()),
            is_shared_to_feed: None,
            like_count: Some(0),
            comments_count: Some(0),
            children: Vec::new(),
            children_ids_only: false,
            omitted: Vec::new(),
        }
    }

    /// An IMAGE post whose picture is `{id}.jpg` (1080x1350, generated).
    pub(crate) fn image(id: &str) -> Post {
        let mut post = Post::new(id, MediaType::Image);
        post.media_url = Some(format!("{id}.jpg"));
        post
    }

    /// A VIDEO post with `media_url` `{id}.mp4` and `thumbnail_url` `{id}-poster.jpg`.
    pub(crate) fn video(id: &str) -> Post {
        let mut post = Post::new(id, MediaType::Video);
        post.media_url = Some(format!("{id}.mp4"));
        post.thumbnail_url = Some(format!("{id}-poster.jpg"));
        post
    }

    /// A CAROUSEL_ALBUM post; its own `media_url` is the first child's picture, as in the real API.
    /// Children are built with [`Post::image`] / [`Post::video`].
    pub(crate) fn carousel(id: &str, children: Vec<Post>) -> Post {
        let mut post = Post::new(id, MediaType::Carousel);
        post.media_url = children
            .first()
            .and_then(|child| child.thumbnail_url.clone().or(child.media_url.clone()));
        post.children = children
            .into_iter()
            .map(|mut child| {
                // Children carry no caption and no product type; keep the rest like the real API.
                child.caption = None;
                child.product = None;
                child
            })
            .collect();
        post
    }

    /// A reel: a VIDEO post with `media_product_type` `REELS` and a `/reel/` permalink, shared to
    /// the profile's grid or not (`is_shared_to_feed`), as the API lists them.
    pub(crate) fn reel(id: &str, shared_to_feed: bool) -> Post {
        let mut post = Post::video(id).product("REELS");
        post.permalink = Some(format!("https://www.instagram.com/reel/{}/", shortcode(id)));
        post.is_shared_to_feed = Some(shared_to_feed);
        post
    }

    /// The shortcode of this post's permalink (what `[posts.SHORTCODE]` and pins name).
    pub(crate) fn shortcode(&self) -> String {
        let permalink = self.permalink.as_deref().expect("a post with a permalink");
        permalink
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap()
            .to_string()
    }

    pub(crate) fn caption(mut self, text: &str) -> Post {
        self.caption = Some(text.to_string());
        self
    }

    /// Use this media host file as `media_url`.
    pub(crate) fn media(mut self, name: &str) -> Post {
        self.media_url = Some(name.to_string());
        self
    }

    /// Use this media host file as `thumbnail_url`.
    pub(crate) fn thumbnail(mut self, name: &str) -> Post {
        self.thumbnail_url = Some(name.to_string());
        self
    }

    /// No `media_url` (a video with licensed audio, a carousel from some endpoints).
    pub(crate) fn without_media_url(self) -> Post {
        self.without("media_url")
    }

    pub(crate) fn alt(mut self, text: &str) -> Post {
        self.alt_text = Some(text.to_string());
        self
    }

    /// `media_product_type`, e.g. `"REELS"`.
    pub(crate) fn product(mut self, product: &str) -> Post {
        self.product = Some(product.to_string());
        self
    }

    /// `timestamp` in the API's format, e.g. `"2026-01-02T03:04:05+0000"`.
    pub(crate) fn timestamp(mut self, timestamp: &str) -> Post {
        self.timestamp = Some(timestamp.to_string());
        self
    }

    pub(crate) fn permalink(mut self, url: &str) -> Post {
        self.permalink = Some(url.to_string());
        self
    }

    pub(crate) fn username(mut self, username: &str) -> Post {
        self.username = Some(username.to_string());
        self
    }

    /// `like_count` and `comments_count`; `None` leaves each out, as the API does when the owner
    /// hides the counts.
    pub(crate) fn counts(mut self, likes: Option<u64>, comments: Option<u64>) -> Post {
        self.like_count = likes;
        self.comments_count = comments;
        self
    }

    /// Answer this carousel's `children` with ids only, whatever sub-fields the client asked for;
    /// the client then has to fetch each child by id.
    pub(crate) fn children_ids_only(mut self) -> Post {
        self.children_ids_only = true;
        self
    }

    /// Leave `field` out of every answer about this post, even when asked for.
    pub(crate) fn without(mut self, field: &str) -> Post {
        self.omitted.push(field.to_string());
        self
    }

    /// Every media host file this post and its children refer to.
    pub(crate) fn media_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .media_url
            .iter()
            .chain(self.thumbnail_url.iter())
            .cloned()
            .collect();
        for child in &self.children {
            names.extend(child.media_names());
        }
        names
    }

    pub(super) fn has(&self, field: &str) -> bool {
        !self.omitted.iter().any(|omitted| omitted == field)
    }
}

/// A shortcode-looking string derived from the id, for permalinks.
pub(super) fn shortcode(id: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    let mut n = images::seed_of(id);
    let mut code = String::from("C");
    for _ in 0..10 {
        code.push(ALPHABET[(n % 64) as usize] as char);
        n /= 64;
    }
    code
}
