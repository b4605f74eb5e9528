//! `instabake build`: the whole pipeline, config to site.
//!
//! The feed comes from the replay folder, the API, or, when the API fails and `--strict` is not
//! given, the cache's last good feed (with a warning that says what failed and how old the feed
//! is). Nothing is written into the site until every image is baked and the partial rendered, so a
//! run that fails leaves the site as it was.

use std::sync::Arc;

use crate::cache::Cache;
use crate::config::{Account, Config};
use crate::curate::Curation;
use crate::emit::{self, Emitted};
use crate::error::{Error, Result};
use crate::failpoint;
use crate::feed;
use crate::media::{self, Fetcher};
use crate::render;
use crate::report;
use crate::source::{api, cached, replay, Feed, Origin, Wanted};
use crate::upkeep::{self, TokenCheck};

/// What a successful bake did, for the summary line.
#[derive(Debug, Clone)]
pub(crate) struct Summary {
    pub origin: Origin,
    /// Why the API was not used (a fallback's reason), if it was not.
    pub fallback: Option<String>,
    pub posts: usize,
    pub images: usize,
    pub emitted: Emitted,
    pub token: TokenCheck,
}

/// Runs a bake to the end: the site's account, baked on its own.
pub(crate) async fn run(config: &Config) -> Result<Summary> {
    bake(config, &config.account).await
}

/// Bakes one account: its feed, with its token, through its cache, into its files. Settings shared
/// by every account (images, video, render, token policy, the source's API) come from `config`.
pub(crate) async fn bake(config: &Config, account: &Account) -> Result<Summary> {
    failpoint::panic("panic-main", "build");
    let cache = Arc::new(Cache::open(&account.cache_dir)?);
    emit::recover(&account.paths, &cache)?;
    let http = crate::http::client(config.source.timeout)?;
    let curation = Curation::new(&account.filter, &config.posts);
    let wanted = curation.wanted(account.limit);
    let Fetched {
        feed: read,
        fetcher,
        fallback,
        token,
    } = fetch(config, account, &cache, &http, &wanted).await?;
    // A feed from the cache has no media URLs (see `cached::store`): its images are among the
    // cached originals, where a post that was never baked has none.
    let mut feed = curation.curate(read.clone(), account.limit, |item| {
        if read.origin == Origin::Cache {
            cache.has_original(&item.id)
        } else {
            item.image_url.is_some()
        }
    });
    config.profile.apply(&mut feed);
    report::info(format!(
        "baking {} posts ({})",
        feed.posts.len(),
        origin_name(feed.origin)
    ));

    let items: Vec<_> = feed
        .posts
        .iter()
        .flat_map(|p| p.items.iter().cloned())
        .collect();
    let videos = if config.video.download {
        media::bake_videos(
            items.clone(),
            fetcher.clone(),
            cache.clone(),
            config.video.max_bytes(),
        )
        .await
    } else {
        Default::default()
    };
    let mut baked = media::bake_items(
        items,
        fetcher.clone(),
        cache.clone(),
        Arc::new(config.images.clone()),
    )
    .await;
    if let Some(picture) = &feed.account.picture {
        let settings = Arc::new(media::avatar_settings(&config.images));
        baked.extend(
            media::bake_items(vec![picture.clone()], fetcher, cache.clone(), settings).await,
        );
    }
    let (document, images) = feed::assemble(&feed, &baked, &videos, &account.paths.url_prefix);
    if document.posts.is_empty() {
        return Err(Error::NothingBaked(if feed.posts.is_empty() {
            "the account has no posts to show".to_owned()
        } else {
            "every post's media failed (see the warnings above)".to_owned()
        }));
    }
    let html = render::render(&document, &config.render)?;
    let mut data = serde_json::to_string_pretty(&document)
        .map_err(|e| Error::json("write", &account.paths.data, e))?;
    data.push('\n');
    // The feed is kept first: if the run is killed while writing the site, a fallback bake still
    // has the feed whose originals are in the cache. It is kept as read, before curation, so that
    // a change of [filter] or [posts] applies to it when the API is down.
    if read.origin != Origin::Cache {
        cached::store(&cache, &read)?;
    }
    let emitted = emit::emit(&account.paths, &cache, &images, &data, &html)?;
    // The originals of every post in the kept feed stay, shown or not: un-hiding a post baked
    // before then bakes it from the cache, with no download (and offline). Posts never baked
    // have no original to keep, so this costs only the originals of posts filtered out since.
    let originals = media::original_keys(
        read.posts
            .iter()
            .flat_map(|p| p.items.iter().map(|i| i.id.as_str()))
            .chain(feed.account.picture.iter().map(|i| i.id.as_str())),
    );
    let files = images.iter().cloned().collect();
    let forgotten = cache.prune(&originals, &files, |record| {
        media::record_uses_any(record, &files)
    });
    if forgotten > 0 {
        report::detail(format!(
            "removed {forgotten} cache files that no post uses any more"
        ));
    }
    Ok(Summary {
        origin: feed.origin,
        fallback,
        posts: document.posts.len(),
        images: images.len(),
        emitted,
        token,
    })
}

/// Where the feed came from.
struct Fetched {
    feed: Feed,
    fetcher: Fetcher,
    fallback: Option<String>,
    token: TokenCheck,
}

impl Fetched {
    fn new(feed: Feed, fetcher: Fetcher) -> Fetched {
        Fetched {
            feed,
            fetcher,
            fallback: None,
            token: TokenCheck::default(),
        }
    }
}

/// Gets the feed, and the fetcher for its media.
async fn fetch(
    config: &Config,
    account: &Account,
    cache: &Cache,
    http: &reqwest::Client,
    wanted: &Wanted<'_>,
) -> Result<Fetched> {
    if let Some(dir) = &config.source.replay {
        report::info(format!("reading the recorded feed in {}", dir.display()));
        return Ok(Fetched::new(
            replay::feed(dir, wanted)?,
            Fetcher::Dir(dir.clone()),
        ));
    }
    let fetcher = Fetcher::Http(http.clone());
    if config.offline {
        return match cached::last_feed(cache) {
            Some(feed) => Ok(Fetched::new(feed, fetcher)),
            None => Err(Error::NothingBaked(
                "--offline was given and the cache holds no feed yet; run once online first"
                    .to_owned(),
            )),
        };
    }
    if let (Some(max_age), Some(feed)) = (config.source.max_age, cached::last_feed(cache)) {
        if age_of(&feed.fetched_at).is_some_and(|age| age < max_age) {
            report::info(format!(
                "the cached feed was fetched {}, within max_age: not calling the API",
                age(&feed.fetched_at)
            ));
            return Ok(Fetched::new(feed, fetcher));
        }
    }
    let token = account.token()?;
    let (token, check) = upkeep::before_build(config, account, cache, http, token).await?;
    let client = api::Client::new(http.clone(), &config.source.api_base, token)?
        .with_counts(config.profile.counts);
    report::info("fetching posts from the Instagram API");
    let mut fetched = match client.select(wanted).await {
        Ok(mut feed) => {
            if config.profile.profile {
                add_profile(config, &client, cache, &mut feed).await?;
            }
            Fetched::new(feed, fetcher)
        }
        Err(error) if error.is_source_failure() && !config.strict => {
            match cached::last_feed(cache) {
                Some(feed) => {
                    report::warn(format!(
                        "{error}. Baking the last good feed from the cache instead, fetched {}.",
                        age(&feed.fetched_at)
                    ));
                    let mut fetched = Fetched::new(feed, fetcher);
                    fetched.fallback = Some(error.to_string());
                    fetched
                }
                None => return Err(error),
            }
        }
        Err(error) => return Err(error),
    };
    fetched.token = check;
    Ok(fetched)
}

/// Reads the account's profile into a live feed. A failing profile call costs the header, not the
/// feed: the posts are fresh, so they are baked, with the profile of the last good feed when it
/// has one (the same account's; its picture is among the originals), else with what the posts
/// say (the username), and a warning. `--strict` fails instead, as it does for the feed.
async fn add_profile(
    config: &Config,
    client: &api::Client,
    cache: &Cache,
    feed: &mut Feed,
) -> Result<()> {
    let error = match client.profile().await {
        Ok(mut profile) => {
            profile.username = profile.username.or(feed.account.username.take());
            feed.account = profile;
            return Ok(());
        }
        Err(error) if error.is_source_failure() && !config.strict => error,
        Err(error) => return Err(error),
    };
    let kept = cached::last_feed(cache)
        .map(|last| last.account)
        .filter(|last| {
            last.has_profile()
                && (feed.account.username.is_none() || last.username == feed.account.username)
        });
    match kept {
        Some(last) => {
            report::warn(format!(
                "{error}. The posts are fresh; the account header shows the profile of the last \
                 good bake instead."
            ));
            feed.account = last;
        }
        None => report::warn(format!(
            "{error}. The posts are fresh; the account header shows only the username, as no \
             earlier bake has the profile."
        )),
    }
    Ok(())
}

fn origin_name(origin: Origin) -> &'static str {
    match origin {
        Origin::Live => "live from the API",
        Origin::Replay => "from the replay folder",
        Origin::Cache => "from the cache",
    }
}

/// How long ago an RFC 3339 time was.
fn age_of(fetched_at: &str) -> Option<std::time::Duration> {
    let then =
        time::OffsetDateTime::parse(fetched_at, &time::format_description::well_known::Rfc3339)
            .ok()?;
    (time::OffsetDateTime::now_utc() - then).try_into().ok()
}

/// "3 days ago (2026-11-26T08:00:00Z)".
fn age(fetched_at: &str) -> String {
    match age_of(fetched_at) {
        Some(age) => format!("{} ({fetched_at})", report::ago(age)),
        None => format!("at {fetched_at}"),
    }
}
