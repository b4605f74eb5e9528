//! Choosing which fetched posts to bake, and how: the `[filter]` section (kinds, reels, hashtags,
//! words, dates, hidden and pinned posts), the `[posts.SHORTCODE]` overrides, then the newest
//! `limit` of what is left, pinned posts first.
//!
//! Curation runs on the whole list the source read, unfiltered (which is also what the cache
//! keeps), so a change of `[filter]` or `[posts]` applies to the last good feed even when the API
//! is down. The source is told what passes ([`Curation::wanted`]), so that it reads pages until
//! `limit` posts pass, and fetches pins by id that its pages did not reach.

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;
use time::OffsetDateTime;

use crate::caption;
use crate::link::web_url;
use crate::report;
use crate::source::{Feed, Item, Origin, Post, PostKind, Selects, Wanted};

/// The most pages `max_pages` may ask for: the source's own bound on a paging chain.
const MAX_PAGES: usize = 200;

/// `[filter]`: which posts show. Every key narrows the feed; with none set every post shows, as
/// before the section existed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct FilterSettings {
    /// The kinds of post that show.
    pub kinds: Vec<PostKind>,
    /// Which reels show (a reel is a video; `kinds` without `video` leaves out every reel).
    pub reels: Reels,
    /// When not empty, only posts with at least one of these hashtags show.
    pub include_hashtags: Vec<String>,
    /// Posts with any of these hashtags do not show.
    pub exclude_hashtags: Vec<String>,
    /// Posts whose caption holds any of these words (or phrases) do not show: whole words,
    /// case-insensitive.
    pub exclude_words: Vec<String>,
    /// Posts older than this do not show (a date: from its start, UTC).
    pub since: Option<DateBound>,
    /// Posts newer than this do not show (a date: to its end, UTC).
    pub until: Option<DateBound>,
    /// Posts that never show: ids or shortcodes (or permalinks).
    pub hide: Vec<String>,
    /// Posts shown first, in this order: ids or shortcodes (or permalinks).
    pub pin: Vec<String>,
    /// How many pages (of up to 100 posts) the API is read for posts that pass.
    pub max_pages: usize,
}

impl Default for FilterSettings {
    fn default() -> Self {
        FilterSettings {
            kinds: vec![PostKind::Image, PostKind::Carousel, PostKind::Video],
            reels: Reels::All,
            include_hashtags: Vec::new(),
            exclude_hashtags: Vec::new(),
            exclude_words: Vec::new(),
            since: None,
            until: None,
            hide: Vec::new(),
            pin: Vec::new(),
            max_pages: 10,
        }
    }
}

/// `[filter] reels`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Reels {
    /// Only reels that were also shared to the profile's grid (`is_shared_to_feed`).
    Feed,
    /// Every reel, as the API lists them: the default, which is what instabake always did.
    All,
    /// No reel.
    None,
}

/// `since` / `until`: a date (`2026-01-31`, the whole day in UTC) or an RFC 3339 time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DateBound {
    /// The first instant it stands for.
    first: OffsetDateTime,
    /// The last instant it stands for (the end of the day for a date).
    last: OffsetDateTime,
}

impl DateBound {
    fn parse(text: &str) -> Result<DateBound, String> {
        use time::format_description::well_known::Rfc3339;
        let text = text.trim();
        if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
            return Ok(DateBound {
                first: at,
                last: at,
            });
        }
        let day = time::Date::parse(
            text,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .map_err(|_| {
            format!(
                "{text:?} is not a date: write YYYY-MM-DD (e.g. \"2026-01-31\") or an RFC 3339 \
                     time (e.g. \"2026-01-31T18:00:00Z\")"
            )
        })?;
        let first = day.midnight().assume_utc();
        Ok(DateBound {
            first,
            last: first + time::Duration::days(1) - time::Duration::nanoseconds(1),
        })
    }
}

impl<'de> Deserialize<'de> for DateBound {
    /// A string, or a TOML date written without quotes (`since = 2026-01-31`).
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = match toml::Value::deserialize(deserializer)? {
            toml::Value::String(text) => text,
            toml::Value::Datetime(datetime) => datetime.to_string(),
            other => {
                return Err(serde::de::Error::custom(format!(
                    "expected a date such as \"2026-01-31\", found {}",
                    other.type_str()
                )))
            }
        };
        DateBound::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// `[posts.SHORTCODE]`: what the site says about one post, over what Instagram says.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct PostOverride {
    /// The alt text of the post (and of its items that have none of their own).
    pub alt: Option<String>,
    /// The caption, in place of Instagram's: its hashtags, text and derived alt text follow it.
    pub caption: Option<String>,
    /// Where the tile links to instead of the post on Instagram (an `http(s)` URL).
    pub link: Option<String>,
    /// Never show the post.
    pub hide: bool,
}

impl FilterSettings {
    /// Checks the values serde cannot; the message names the key.
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.kinds.is_empty() {
            return Err(
                "filter.kinds = [] would leave every post out: name at least one of \"image\", \
                 \"carousel\", \"video\""
                    .to_owned(),
            );
        }
        if !(1..=MAX_PAGES).contains(&self.max_pages) {
            return Err(format!(
                "filter.max_pages = {} is out of range (1 to {MAX_PAGES})",
                self.max_pages
            ));
        }
        for (key, tags) in [
            ("include_hashtags", &self.include_hashtags),
            ("exclude_hashtags", &self.exclude_hashtags),
        ] {
            if let Some(bad) = tags.iter().find(|t| tag_key(t).is_empty()) {
                return Err(format!("filter.{key} holds {bad:?}, which is no hashtag"));
            }
            if let Some(bad) = tags
                .iter()
                .find(|t| tag_key(t).contains(char::is_whitespace))
            {
                return Err(format!(
                    "filter.{key} holds {bad:?}: a hashtag has no spaces (write each tag as its \
                     own string)"
                ));
            }
        }
        if self.exclude_words.iter().any(|w| w.trim().is_empty()) {
            return Err("filter.exclude_words holds an empty word".to_owned());
        }
        if let (Some(since), Some(until)) = (&self.since, &self.until) {
            if since.first > until.last {
                return Err(
                    "filter.since is later than filter.until: no post could show".to_owned(),
                );
            }
        }
        for (key, refs) in [("hide", &self.hide), ("pin", &self.pin)] {
            for text in refs {
                PostRef::parse(text).map_err(|why| format!("filter.{key}: {why}"))?;
            }
        }
        Ok(())
    }

    /// Whether any key can leave a post out (then the source reads further to fill `limit`).
    fn narrows(&self) -> bool {
        [PostKind::Image, PostKind::Carousel, PostKind::Video]
            .iter()
            .any(|kind| !self.kinds.contains(kind))
            || self.reels != Reels::All
            || !self.include_hashtags.is_empty()
            || !self.exclude_hashtags.is_empty()
            || !self.exclude_words.is_empty()
            || self.since.is_some()
            || self.until.is_some()
            || !self.hide.is_empty()
    }
}

impl PostOverride {
    /// Checks one `[posts.KEY]` table; the message names the key.
    pub(crate) fn validate(&self, key: &str) -> Result<(), String> {
        if key.trim().is_empty() {
            return Err("[posts] has a table without a shortcode".to_owned());
        }
        if let Some(link) = &self.link {
            if web_url(link).is_none() {
                return Err(format!(
                    "posts.{key}.link = {link:?} is not an http(s) URL (only web links are put \
                     into a page)"
                ));
            }
        }
        Ok(())
    }
}

/// A post named in `hide` or `pin`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PostRef {
    /// A media id: digits.
    Id(String),
    /// A permalink's shortcode (`https://www.instagram.com/p/SHORTCODE/`).
    Shortcode(String),
}

impl PostRef {
    /// An id (all digits), a shortcode, or a permalink (its shortcode).
    fn parse(text: &str) -> Result<PostRef, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("an empty entry".to_owned());
        }
        if text.contains("://") {
            return shortcode(text)
                .map(PostRef::Shortcode)
                .ok_or_else(|| format!("{text:?} is not a post's permalink"));
        }
        if text.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(PostRef::Id(text.to_owned()));
        }
        if text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Ok(PostRef::Shortcode(text.to_owned()));
        }
        Err(format!(
            "{text:?} is neither a post id (digits) nor a shortcode (the part after /p/ in the \
             post's link)"
        ))
    }

    fn matches(&self, post: &Post) -> bool {
        match self {
            PostRef::Id(id) => post.id == *id,
            PostRef::Shortcode(code) => {
                post.permalink.as_deref().and_then(shortcode).as_ref() == Some(code)
            }
        }
    }
}

impl std::fmt::Display for PostRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PostRef::Id(id) | PostRef::Shortcode(id) => f.write_str(id),
        }
    }
}

/// The shortcode of a permalink: the segment after `/p/`, `/reel/`, `/reels/` or `/tv/`.
pub(crate) fn shortcode(permalink: &str) -> Option<String> {
    let url = url::Url::parse(&permalink.replace("\\/", "/")).ok()?;
    let segments: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    segments
        .windows(2)
        .find(|pair| matches!(pair[0], "p" | "reel" | "reels" | "tv"))
        .map(|pair| pair[1].to_owned())
}

/// A hashtag as compared: without `#`, lowercased.
fn tag_key(tag: &str) -> String {
    tag.trim().trim_start_matches('#').to_lowercase()
}

/// Whether `text` holds `word` (which may be a phrase) as a whole word, ignoring case: the
/// characters around it are not letters, digits or `_`, so "art" is not found in "party" but is in
/// "#art" and "art!".
fn has_word(text: &str, word: &str) -> bool {
    let text = text.to_lowercase();
    let word = word.trim().to_lowercase();
    if word.is_empty() {
        return false;
    }
    let is_word_char = |c: char| c.is_alphanumeric() || c == '_';
    let mut from = 0;
    while let Some(at) = text[from..].find(&word) {
        let start = from + at;
        let end = start + word.len();
        let before = text[..start].chars().next_back();
        let after = text[end..].chars().next();
        let starts_word = !word.starts_with(is_word_char) || !before.is_some_and(is_word_char);
        let ends_word = !word.ends_with(is_word_char) || !after.is_some_and(is_word_char);
        if starts_word && ends_word {
            return true;
        }
        from = start + text[start..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

/// One account's `[filter]` and the site's `[posts]` overrides, ready to apply.
pub(crate) struct Curation<'a> {
    filter: &'a FilterSettings,
    overrides: &'a BTreeMap<String, PostOverride>,
    pins: Vec<PostRef>,
    hides: Vec<PostRef>,
}

impl<'a> Curation<'a> {
    /// Settings that passed [`FilterSettings::validate`]; an entry that does not parse is ignored.
    pub(crate) fn new(
        filter: &'a FilterSettings,
        overrides: &'a BTreeMap<String, PostOverride>,
    ) -> Curation<'a> {
        let refs = |list: &[String]| list.iter().filter_map(|t| PostRef::parse(t).ok()).collect();
        Curation {
            filter,
            overrides,
            pins: refs(&filter.pin),
            hides: refs(&filter.hide),
        }
    }

    /// What the source is asked for: read until `limit` posts show, following pins by id.
    pub(crate) fn wanted<'s>(&'s self, limit: usize) -> Wanted<'s> {
        Wanted {
            limit,
            shows: self,
            pinned_ids: self
                .pins
                .iter()
                .filter_map(|p| match p {
                    PostRef::Id(id) => Some(id.clone()),
                    PostRef::Shortcode(_) => None,
                })
                .collect(),
            max_pages: self.filter.max_pages,
            narrows: self.filter.narrows() || self.overrides.values().any(|o| o.hide),
        }
    }

    /// The override for a post: by its shortcode, else by its id.
    fn override_for(&self, post: &Post) -> Option<&'a PostOverride> {
        let code = post.permalink.as_deref().and_then(shortcode);
        code.and_then(|code| self.overrides.get(&code))
            .or_else(|| self.overrides.get(&post.id))
    }

    /// Whether the post shows, overrides applied or not: not hidden, and pinned or passing every
    /// filter.
    pub(crate) fn shows(&self, post: &Post) -> bool {
        let over = self.override_for(post);
        if self.hidden(post, over) {
            return false;
        }
        self.pin_rank(post).is_some() || self.passes(post, over.and_then(|o| o.caption.as_deref()))
    }

    fn hidden(&self, post: &Post, over: Option<&PostOverride>) -> bool {
        over.is_some_and(|o| o.hide) || self.hides.iter().any(|h| h.matches(post))
    }

    fn pin_rank(&self, post: &Post) -> Option<usize> {
        self.pins.iter().position(|p| p.matches(post))
    }

    /// Whether a post passes `[filter]` (pins and hides aside), judged by the caption it will
    /// show: the override's when there is one.
    fn passes(&self, post: &Post, caption_override: Option<&str>) -> bool {
        let filter = self.filter;
        if !filter.kinds.contains(&post.kind) {
            return false;
        }
        let reel = post.product.as_deref() == Some("reels");
        let reel_ok = match filter.reels {
            Reels::All => true,
            Reels::None => !reel,
            // Unknown (the field was refused, or an old cache): it shows, as it did before.
            Reels::Feed => !reel || post.shared_to_feed != Some(false),
        };
        if !reel_ok {
            return false;
        }
        let caption = caption_override.or(post.caption.as_deref()).unwrap_or("");
        if !filter.include_hashtags.is_empty() || !filter.exclude_hashtags.is_empty() {
            let tags: HashSet<String> = caption::hashtags(caption)
                .iter()
                .map(|t| tag_key(t))
                .collect();
            let any = |list: &[String]| list.iter().any(|t| tags.contains(&tag_key(t)));
            if !filter.include_hashtags.is_empty() && !any(&filter.include_hashtags) {
                return false;
            }
            if any(&filter.exclude_hashtags) {
                return false;
            }
        }
        if filter.exclude_words.iter().any(|w| has_word(caption, w)) {
            return false;
        }
        if filter.since.is_some() || filter.until.is_some() {
            use time::format_description::well_known::Rfc3339;
            // A post without a readable time cannot be shown to be in range.
            let Some(at) = post
                .timestamp
                .as_deref()
                .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
            else {
                return false;
            };
            if filter.since.as_ref().is_some_and(|s| at < s.first)
                || filter.until.as_ref().is_some_and(|u| at > u.last)
            {
                return false;
            }
        }
        true
    }

    /// Curates the whole list the source read: repeated posts once, overrides applied, hidden
    /// posts and those that fail the filter left out, pinned posts first in their order, then the
    /// rest newest first, up to `limit` posts that have an image to bake (`has_media` says which
    /// items do: a URL for a live feed, a cached original for the cache's). Warns about pins and
    /// overrides that match no post, and about posts left out for want of an image.
    pub(crate) fn curate(
        &self,
        mut feed: Feed,
        limit: usize,
        has_media: impl Fn(&Item) -> bool,
    ) -> Feed {
        let read = std::mem::take(&mut feed.posts);
        let mut seen = HashSet::new();
        let read: Vec<Post> = read
            .into_iter()
            .filter(|post| seen.insert(post.id.clone()))
            .collect();
        self.warn_unmatched(&read, feed.origin);
        let mut pinned: Vec<Option<Post>> = vec![None; self.pins.len()];
        let mut rest = Vec::new();
        for mut post in read {
            let over = self.override_for(&post);
            let rank = self.pin_rank(&post);
            if self.hidden(&post, over) {
                if rank.is_some() {
                    report::warn_post(
                        &post.id,
                        format!(
                            "post {} is both pinned and hidden; hidden wins, it does not show",
                            post.id
                        ),
                    );
                } else {
                    report::detail(format!("post {} is hidden", post.id));
                }
                continue;
            }
            let passes = self.passes(&post, over.and_then(|o| o.caption.as_deref()));
            if let Some(over) = over {
                apply(&mut post, over);
            }
            match rank {
                Some(rank) if pinned[rank].is_none() => pinned[rank] = Some(post),
                _ if passes => rest.push(post),
                _ => {}
            }
        }
        let from_cache = feed.origin == Origin::Cache;
        for post in pinned.into_iter().flatten().chain(rest) {
            if feed.posts.len() == limit {
                break;
            }
            if post.items.iter().any(&has_media) {
                feed.posts.push(post);
            } else if from_cache {
                report::warn_post(
                    &post.id,
                    format!(
                        "post {} is not baked: it was never baked before, so its image is not in \
                         the cache, and the API was not used in this run; it shows after the next \
                         bake with the API",
                        post.id
                    ),
                );
            } else {
                report::warn_post(
                    &post.id,
                    format!(
                        "post {} has no image or video poster to bake (the API sent no media_url \
                         or thumbnail_url); leaving it out",
                        post.id
                    ),
                );
            }
        }
        feed
    }

    /// Warns about each pin and each `[posts.KEY]` table that names no post of those read.
    fn warn_unmatched(&self, read: &[Post], origin: Origin) {
        let whose = if origin == Origin::Cache {
            "the cached feed"
        } else {
            "the posts read"
        };
        for pin in &self.pins {
            if read.iter().any(|post| pin.matches(post)) {
                continue;
            }
            match pin {
                PostRef::Id(id) if origin == Origin::Cache => report::warn_post(
                    id,
                    format!(
                        "pinned post {id} is not in the cached feed (the API was not used in \
                         this run); it is left out"
                    ),
                ),
                PostRef::Id(id) => report::warn_post(
                    id,
                    format!(
                        "pinned post {id} is not on the account any more (or could not be \
                         fetched); it is left out: remove it from [filter] pin"
                    ),
                ),
                PostRef::Shortcode(code) => report::warn(format!(
                    "pinned post {code} is not among {whose} ({} posts): a pin by shortcode is \
                     only looked for there; pin it by its id to reach older posts, or remove it \
                     from [filter] pin if it was deleted",
                    read.len()
                )),
            }
        }
        for key in self.overrides.keys() {
            let matched = read.iter().any(|post| {
                post.id == *key
                    || post.permalink.as_deref().and_then(shortcode).as_ref() == Some(key)
            });
            if !matched {
                report::warn(format!(
                    "[posts.{key}] matches no post among {whose} ({} posts); it has no effect",
                    read.len()
                ));
            }
        }
    }
}

/// Puts an override's values into the post, and notes which fields it set.
fn apply(post: &mut Post, over: &PostOverride) {
    if let Some(alt) = &over.alt {
        post.alt_text = Some(alt.clone());
        // An image's or video's one item is the post itself; a carousel's items keep their own
        // alt text where they have one, and take the override where they have none.
        let single = post.kind != PostKind::Carousel;
        for item in &mut post.items {
            if single || item.alt_text.is_none() {
                item.alt_text = Some(alt.clone());
            }
        }
        post.overridden.push("alt".to_owned());
    }
    if let Some(caption) = &over.caption {
        post.caption = Some(caption.clone()).filter(|c| !c.trim().is_empty());
        post.overridden.push("caption".to_owned());
    }
    if let Some(link) = over.link.as_deref().and_then(web_url) {
        post.link = Some(link);
        post.overridden.push("link".to_owned());
    }
}

impl Selects for Curation<'_> {
    fn shows(&self, post: &Post) -> bool {
        Curation::shows(self, post)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{Account, ItemKind};

    fn post(id: &str, url: Option<&str>) -> Post {
        Post {
            id: id.into(),
            kind: PostKind::Image,
            product: None,
            shared_to_feed: None,
            permalink: Some(format!("https://www.instagram.com/p/C{id}x/")),
            timestamp: None,
            caption: None,
            alt_text: None,
            username: None,
            like_count: None,
            comments_count: None,
            items: vec![Item {
                id: id.into(),
                kind: ItemKind::Image,
                image_url: url.map(Into::into),
                video_url: None,
                alt_text: None,
            }],
            link: None,
            overridden: Vec::new(),
            source: crate::source::PostSource::Api,
        }
    }

    fn feed(posts: Vec<Post>) -> Feed {
        Feed {
            account: Account::default(),
            posts,
            fetched_at: String::new(),
            origin: Origin::Live,
        }
    }

    fn ids(feed: &Feed) -> Vec<&str> {
        feed.posts.iter().map(|p| p.id.as_str()).collect()
    }

    fn parse(text: &str) -> FilterSettings {
        let filter: FilterSettings = toml::from_str(text).unwrap();
        filter.validate().unwrap();
        filter
    }

    fn has_url(item: &Item) -> bool {
        item.image_url.is_some()
    }

    #[test]
    fn keeps_order_drops_empty_and_repeated_and_limits() {
        let posts = vec![
            post("1", Some("a")),
            post("2", None),
            post("1", Some("a2")),
            post("3", Some("c")),
            post("4", Some("d")),
        ];
        let (filter, overrides) = (FilterSettings::default(), BTreeMap::new());
        let curated = Curation::new(&filter, &overrides).curate(feed(posts), 2, has_url);
        assert_eq!(ids(&curated), ["1", "3"]);
        assert!(!filter.narrows());
        assert!(!parse("kinds = [\"video\", \"image\", \"carousel\"]\npin = [\"1\"]").narrows());
        assert!(parse("hide = [\"1\"]").narrows());
    }

    #[test]
    fn whole_words_ignoring_case() {
        assert!(has_word("Big SALE today", "sale"));
        assert!(has_word("sale!", "Sale"));
        assert!(has_word("#sale and more", "sale"));
        assert!(!has_word("wholesale prices", "sale"));
        assert!(!has_word("salesman", "sale"));
        assert!(!has_word("sale_2", "sale"));
        assert!(has_word("Buy one, get one FREE", "get one free"));
        assert!(!has_word("get one freebie", "get one free"));
        assert!(has_word("Ünïcode ÉTÉ", "été"));
        assert!(!has_word("étés", "été"));
        // A word that is not letters matches wherever it stands.
        assert!(has_word("half-price!!", "!!"));
        assert!(!has_word("", "sale"));
    }

    #[test]
    fn hashtags_with_or_without_hash_ignoring_case() {
        let filter =
            parse("include_hashtags = [\"#Bread\", \"cake\"]\nexclude_hashtags = [\"#Sold\"]\n");
        let overrides = BTreeMap::new();
        let curation = Curation::new(&filter, &overrides);
        let with = |caption: &str| {
            let mut p = post("1", Some("a"));
            p.caption = Some(caption.into());
            curation.shows(&p)
        };
        assert!(with("Fresh today #bread"));
        assert!(with("#BREAD"));
        assert!(with("#Cake #more"));
        assert!(!with("bread without a hash"));
        assert!(!with("#breadsticks"));
        assert!(!with("#bread #sold"));
        assert!(!with("#bread #SOLD"));
        assert!(!with(""));
        assert!(filter.narrows());
    }

    #[test]
    fn kinds_reels_and_dates() {
        let reel = |id: &str, shared: Option<bool>| {
            let mut p = post(id, Some("a"));
            p.kind = PostKind::Video;
            p.product = Some("reels".into());
            p.shared_to_feed = shared;
            p
        };
        let overrides = BTreeMap::new();
        let check = |settings: &str, post: &Post| {
            let filter = parse(settings);
            Curation::new(&filter, &overrides).shows(post)
        };
        assert!(check("", &reel("1", Some(false))));
        assert!(check("reels = \"feed\"", &reel("1", Some(true))));
        assert!(!check("reels = \"feed\"", &reel("1", Some(false))));
        assert!(check("reels = \"feed\"", &reel("1", None)));
        assert!(!check("reels = \"none\"", &reel("1", Some(true))));
        assert!(!check("kinds = [\"image\"]", &reel("1", Some(true))));
        assert!(check("kinds = [\"image\"]", &post("2", Some("a"))));

        let mut dated = post("3", Some("a"));
        dated.timestamp = Some("2026-03-10T23:30:00Z".into());
        assert!(check("since = \"2026-03-10\"", &dated));
        assert!(check("until = \"2026-03-10\"", &dated));
        assert!(check("since = 2026-03-10\nuntil = 2026-03-10", &dated));
        assert!(!check("since = \"2026-03-11\"", &dated));
        assert!(!check("until = \"2026-03-09\"", &dated));
        assert!(!check("until = \"2026-03-10T23:00:00Z\"", &dated));
        assert!(!check("since = \"2026-01-01\"", &post("4", Some("a"))));
    }

    #[test]
    fn validation_names_the_key() {
        for (text, key) in [
            ("kinds = []", "filter.kinds"),
            ("max_pages = 0", "filter.max_pages"),
            ("include_hashtags = [\"#\"]", "filter.include_hashtags"),
            (
                "exclude_hashtags = [\"two words\"]",
                "filter.exclude_hashtags",
            ),
            ("exclude_words = [\" \"]", "filter.exclude_words"),
            (
                "since = \"2026-02-01\"\nuntil = \"2026-01-01\"",
                "filter.since",
            ),
            ("pin = [\"not a code!\"]", "filter.pin"),
            ("hide = [\"https://example.com/\"]", "filter.hide"),
        ] {
            let filter: FilterSettings = toml::from_str(text).unwrap();
            let err = filter.validate().unwrap_err();
            assert!(err.contains(key), "{text}: {err}");
        }
        let err = toml::from_str::<FilterSettings>("since = \"last week\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("YYYY-MM-DD"), "{err}");
        let err = toml::from_str::<FilterSettings>("reels = \"some\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("feed"), "{err}");
        let bad = PostOverride {
            link: Some("javascript:alert(1)".into()),
            ..PostOverride::default()
        };
        assert!(bad
            .validate("Cabc")
            .unwrap_err()
            .contains("posts.Cabc.link"));
    }

    #[test]
    fn pins_first_hide_wins_and_overrides_apply() {
        let filter = parse(
            "pin = [\"4\", \"https://www.instagram.com/reel/C3x/\", \"C9x\"]\nhide = [\"C2x\", \"9\"]\nkinds = [\"carousel\"]\n",
        );
        let mut overrides = BTreeMap::new();
        overrides.insert(
            "C3x".to_owned(),
            PostOverride {
                alt: Some("A loaf".into()),
                caption: Some("New text #bread".into()),
                link: Some("https://shop.example/loaf".into()),
                hide: false,
            },
        );
        overrides.insert(
            "C5x".to_owned(),
            PostOverride {
                hide: true,
                ..PostOverride::default()
            },
        );
        let posts = (1..=6).map(|i| post(&i.to_string(), Some("u"))).collect();
        let curation = Curation::new(&filter, &overrides);
        let curated = curation.curate(feed(posts), 10, has_url);
        // Pins pass the filter (kinds would leave every image out); 9 and C9x match nothing.
        assert_eq!(ids(&curated), ["4", "3"]);
        let three = &curated.posts[1];
        assert_eq!(three.caption.as_deref(), Some("New text #bread"));
        assert_eq!(three.alt_text.as_deref(), Some("A loaf"));
        assert_eq!(three.items[0].alt_text.as_deref(), Some("A loaf"));
        assert_eq!(three.link.as_deref(), Some("https://shop.example/loaf"));
        assert_eq!(three.overridden, ["alt", "caption", "link"]);
        let wanted = curation.wanted(10);
        assert_eq!(wanted.pinned_ids, ["4"]);
        assert!(wanted.narrows);
        let mut five = post("5", Some("u"));
        five.kind = PostKind::Carousel;
        assert!(!wanted.counts(&five), "hidden by its override");
        let mut seven = post("7", Some("u"));
        seven.kind = PostKind::Carousel;
        assert!(wanted.counts(&seven));
    }
}
