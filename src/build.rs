//! `instabake build`: the whole pipeline, config to site.
//!
//! The feed comes from the replay folder, the API, or, when the API fails and `--strict` is not
//! given, the cache's last good feed (with a warning that says what failed and how old the feed
//! is). The site's imported export (`export_dir`) is merged into it, or baked alone when there is
//! no token. Nothing is written into the site until every image is baked and the partial
//! rendered, so a run that fails leaves the site as it was.

use std::collections::HashSet;
use std::sync::Arc;

use crate::cache::Cache;
use crate::config::{Account, Config, Shared};
use crate::curate::Curation;
use crate::emit::{self, Emitted};
use crate::error::{Error, Result};
use crate::failpoint;
use crate::feed;
use crate::feeds;
use crate::media::{self, Fetcher};
use crate::pages;
use crate::render;
use crate::report;
use crate::source::{api, cached, export, replay, Feed, Origin, Wanted};
use crate::stylesheet;
use crate::upkeep::{self, TokenCheck};

/// What a successful bake of one account did, for the summary line.
#[derive(Debug, Clone)]
pub(crate) struct Summary {
    /// The account's `[[accounts]]` name; `None` for a site's single account.
    pub account: Option<String>,
    pub origin: Origin,
    /// Why the API was not used (a fallback's reason), if it was not.
    pub fallback: Option<String>,
    pub posts: usize,
    pub images: usize,
    pub emitted: Emitted,
    pub token: TokenCheck,
}

/// What a bake of the whole site did: each account baked, and each account that could not be
/// (whose files were left as they were), with why.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub baked: Vec<Summary>,
    pub failed: Vec<(String, Error)>,
    /// With `merge = true`: what was written of the merged data file and partial.
    pub merged: Option<Emitted>,
    /// Whether the accounts were baked into one merged feed.
    pub merge: bool,
}

impl Outcome {
    /// `Ok` when every account was baked, else [`Error::AccountsFailed`], which names the
    /// accounts that were not and carries the exit code of their failure.
    pub(crate) fn into_result(self) -> Result<()> {
        if self.failed.is_empty() {
            return Ok(());
        }
        let code = self
            .failed
            .iter()
            .map(|(_, e)| e.exit_code())
            .min_by_key(|code| *code as i32)
            .unwrap_or(crate::error::ExitCode::NoFeed);
        Err(Error::AccountsFailed {
            failed: self
                .failed
                .into_iter()
                .map(|(name, e)| (name, e.to_string()))
                .collect(),
            baked: self.baked.into_iter().filter_map(|s| s.account).collect(),
            merged: self.merge,
            code,
        })
    }
}

/// Bakes the site: its single account, or each of its `[[accounts]]`, into files of their own or,
/// with `merge = true`, into one merged feed. Each account falls back on its own cache; one that
/// cannot be baked at all is reported in the outcome, and the others are baked. A site with a
/// single account fails with its error, as it always has.
pub(crate) async fn run(config: &Config) -> Result<Outcome> {
    if let Some(warning) = config.locale.warning() {
        report::warn(warning);
    }
    let Some(shared) = &config.shared else {
        let summary = bake(config, &config.accounts[0]).await?;
        return Ok(Outcome {
            baked: vec![summary],
            ..Outcome::default()
        });
    };
    let site_cache = Cache::open(&shared.cache_dir)?;
    emit::recover(&shared.paths, &site_cache)?;
    let outcome = if shared.merge {
        merged(config, shared, &site_cache).await?
    } else {
        let mut outcome = Outcome::default();
        for account in &config.accounts {
            match bake(config, account).await {
                Ok(summary) => outcome.baked.push(summary),
                Err(error) => outcome.failed.push(not_baked(account, error, false)),
            }
        }
        outcome
    };
    // What follows is the site's, no account's.
    report::set_account(None);
    if !outcome.baked.is_empty() {
        if !shared.merge {
            // What the site wrote before it had several accounts is no file of any account:
            // its manifest in the top-level cache is pruned to nothing.
            let share = emit::Share {
                site: &shared.paths,
                cache: &site_cache,
                images: &[],
                pages: None,
            };
            let pruned = emit::publish(&[share], &site_cache)?;
            let pruned: usize = pruned.iter().map(|e| e.pruned).sum();
            if pruned > 0 {
                report::info(format!(
                    "removed {pruned} files of the site's single-account bake: each account now \
                     has files of its own"
                ));
            }
        }
        // The top-level cache's originals and variants were a single account's: each account
        // now keeps its own under accounts/NAME/.
        site_cache.prune(&HashSet::new(), &HashSet::new(), |_| false);
    }
    Ok(outcome)
}

/// Reports an account that could not be baked, for the outcome: with files of its own, they are
/// left as they were; in a merged feed, it is left out.
fn not_baked(account: &Account, error: Error, merged: bool) -> (String, Error) {
    let what = if merged {
        "It is left out of the merged feed, which is baked from the other accounts"
    } else {
        "Its files are left as they were; the other accounts are baked"
    };
    report::warn(format!("{}: {error}. {what}.", account.label()));
    (account.name.clone().unwrap_or_default(), error)
}

/// Bakes every account into one merged feed: each is fetched and its media baked on its own (an
/// account that fails is left out with a warning), then one data file and one partial are written
/// with every account's images, as one bake.
async fn merged(config: &Config, shared: &Shared, site_cache: &Cache) -> Result<Outcome> {
    let mut outcome = Outcome {
        merge: true,
        ..Outcome::default()
    };
    let mut prepared = Vec::new();
    let mut others = Vec::new();
    for account in &config.accounts {
        let ready = prepare(config, account).await.and_then(|mut ready| {
            // Each account's pages and feeds are its own, in its own images folder.
            others.extend(site_files(config, account, &mut ready.document)?);
            Ok(ready)
        });
        match ready {
            Ok(ready) => prepared.push((account, ready)),
            Err(error) => outcome.failed.push(not_baked(account, error, true)),
        }
    }
    report::set_account(None);
    if prepared.is_empty() {
        return Ok(outcome);
    }
    // Files every account writes alike (the pages' head partial) are written once.
    let mut seen = HashSet::new();
    others.retain(|file| seen.insert(file.path.clone()));
    let mut document = feed::merge(
        prepared
            .iter()
            .map(|(account, ready)| {
                (
                    account.name.clone().unwrap_or_default(),
                    ready.document.clone(),
                )
            })
            .collect(),
    );
    let partial = render::render(&document, &config.render, &config.locale)?;
    let html = partial.html;
    add_stylesheet(
        partial.styles,
        config,
        document.posts.iter().map(|p| &p.post),
        &shared.paths,
        &mut document.stylesheet,
        &mut others,
    );
    let data = to_json(&document, &shared.paths.data)?;
    for (_, ready) in &prepared {
        ready.keep_feed()?;
    }
    let mut shares: Vec<emit::Share<'_>> = prepared
        .iter()
        .map(|(account, ready)| emit::Share {
            site: &account.paths,
            cache: &ready.cache,
            images: &ready.images,
            pages: None,
        })
        .collect();
    shares.push(emit::Share {
        site: &shared.paths,
        cache: site_cache,
        images: &[],
        pages: Some(emit::Pages {
            data: &data,
            partial: &html,
            others: &others,
        }),
    });
    let mut emitted = emit::publish(&shares, site_cache)?;
    outcome.merged = emitted.pop();
    for ((account, ready), emitted) in prepared.into_iter().zip(emitted) {
        ready.prune_cache();
        outcome.baked.push(ready.summary(account, emitted));
    }
    Ok(outcome)
}

/// Bakes one account: its feed, with its token, through its cache, into its files. Settings shared
/// by every account (images, video, render, token policy, the source's API) come from `config`.
pub(crate) async fn bake(config: &Config, account: &Account) -> Result<Summary> {
    let mut ready = prepare(config, account).await?;
    let mut others = site_files(config, account, &mut ready.document)?;
    let partial = render::render(&ready.document, &config.render, &config.locale)?;
    let html = partial.html;
    add_stylesheet(
        partial.styles,
        config,
        &ready.document.posts,
        &account.paths,
        &mut ready.document.stylesheet,
        &mut others,
    );
    let data = to_json(&ready.document, &account.paths.data)?;
    // The feed is kept first: if the run is killed while writing the site, a fallback bake still
    // has the feed whose originals are in the cache.
    ready.keep_feed()?;
    let emitted = emit::emit(
        &account.paths,
        &ready.cache,
        &ready.images,
        &data,
        &html,
        &others,
    )?;
    ready.prune_cache();
    Ok(ready.summary(account, emitted))
}

/// The files an account's bake writes beside its data file and partial: a page per post (which
/// also sets where each post links to, so it comes before rendering) and the feeds.
fn site_files(
    config: &Config,
    account: &Account,
    document: &mut feed::Document,
) -> Result<Vec<emit::TextFile>> {
    let mut files = pages::files(config, account, document)?;
    files.extend(feeds::files(config, account, document)?);
    Ok(files)
}

/// With `[render] inline_css = false`, the stylesheet of the partial and of the pages of `posts`:
/// named in the data file (`stylesheet`), linked from the `html` preset's whole pages among
/// `others`, and written with its head partial beside the data file and partial at `paths`, under
/// the same journal, so the partial and the stylesheet it needs change together. The name changes
/// with the content, so the previous bake's stylesheet is pruned like an image no post uses.
fn add_stylesheet<'a>(
    styles: Option<stylesheet::Styles>,
    config: &Config,
    posts: impl IntoIterator<Item = &'a feed::PostDoc>,
    paths: &emit::SitePaths,
    stylesheet: &mut Option<String>,
    others: &mut Vec<emit::TextFile>,
) {
    if let Some(mut styles) = styles {
        pages::add_styles(config, posts, &mut styles);
        let written = stylesheet::files(styles.text(), paths);
        stylesheet::link_pages(others, &written.url);
        *stylesheet = Some(written.url);
        others.extend(written.files);
    }
}

/// A data file's text.
fn to_json(document: &impl serde::Serialize, path: &std::path::Path) -> Result<String> {
    let mut data =
        serde_json::to_string_pretty(document).map_err(|e| Error::json("write", path, e))?;
    data.push('\n');
    Ok(data)
}

/// One account's feed, fetched, curated and with its media baked into its cache: all that is left
/// is writing it into the site.
struct Prepared {
    cache: Arc<Cache>,
    /// The feed as the source read it, before curation: what the cache keeps. `None` when the
    /// export was baked alone (it is in the site, and needs no keeping).
    read: Option<Feed>,
    /// Every post read, the export's merged in, before curation.
    all: Feed,
    /// The posts that show.
    feed: Feed,
    document: feed::Document,
    /// The variant files the document refers to.
    images: Vec<String>,
    fallback: Option<String>,
    token: TokenCheck,
}

/// Fetches an account's feed, curates it and bakes its media into its cache. Nothing is written
/// into the site.
async fn prepare(config: &Config, account: &Account) -> Result<Prepared> {
    failpoint::panic("panic-main", "build");
    report::set_account(account.name.as_deref());
    let cache = Arc::new(Cache::open(&account.cache_dir)?);
    emit::recover(&account.paths, &cache)?;
    let http = crate::http::client(config.source.timeout)?;
    let curation = Curation::new(&account.filter, &config.posts);
    let wanted = curation.wanted(account.limit);
    let exported = export_feed(config)?;
    let Fetched {
        feed: read,
        fetcher,
        fallback,
        token,
    } = fetch(config, account, &cache, &http, &wanted, exported.is_some()).await?;
    let (all, fetcher) = match (&read, exported) {
        (Some(read), None) => (read.clone(), fetcher),
        (Some(read), Some(exported)) => (
            export::merge(read.clone(), exported),
            Fetcher::WithExport(config.source.export_dir.clone(), Box::new(fetcher)),
        ),
        (None, Some(exported)) => (
            exported,
            Fetcher::WithExport(config.source.export_dir.clone(), Box::new(fetcher)),
        ),
        (None, None) => {
            return Err(Error::NothingBaked(
                "there is neither a feed nor an imported export to bake".to_owned(),
            ))
        }
    };
    // A feed from the cache has no media URLs (see `cached::store`): its images are among the
    // cached originals, where a post that was never baked has none. Posts of the export merged
    // into it have their files' paths.
    let mut feed = curation.curate(all.clone(), account.limit, |item| {
        item.image_url.is_some() || (all.origin == Origin::Cache && cache.has_original(&item.id))
    });
    config.profile.apply(&mut feed);
    report::info(account.tell(format!(
        "baking {} posts ({})",
        feed.posts.len(),
        origin_name(feed.origin)
    )));

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
    // One bar on a terminal for the posts' images and the profile picture; cleared when dropped.
    let progress = report::progress::start(account.name.as_deref());
    let mut baked = media::bake_items(
        items,
        fetcher.clone(),
        cache.clone(),
        Arc::new(config.images.clone()),
        &progress.tracker(),
    )
    .await;
    if let Some(picture) = &feed.account.picture {
        let settings = Arc::new(media::avatar_settings(&config.images));
        let picture = vec![picture.clone()];
        let tracker = progress.tracker();
        baked.extend(media::bake_items(picture, fetcher, cache.clone(), settings, &tracker).await);
    }
    drop(progress);
    let (document, images) = feed::assemble(
        &feed,
        &baked,
        &videos,
        &account.paths.url_prefix,
        &config.locale,
    );
    if document.posts.is_empty() {
        return Err(Error::NothingBaked(if feed.posts.is_empty() {
            "the account has no posts to show".to_owned()
        } else {
            "every post's media failed (see the warnings above)".to_owned()
        }));
    }
    Ok(Prepared {
        cache,
        read,
        all,
        feed,
        document,
        images,
        fallback,
        token,
    })
}

impl Prepared {
    /// Keeps a feed that did not come from the cache as the account's last good one. It is kept
    /// as read, before curation, so that a change of [filter] or [posts] applies to it when the
    /// API is down.
    fn keep_feed(&self) -> Result<()> {
        match &self.read {
            Some(read) if read.origin != Origin::Cache => cached::store(&self.cache, read),
            _ => Ok(()),
        }
    }

    /// Forgets what the account's cache holds that this bake no longer uses. The originals of
    /// every post in the kept feed stay, shown or not: un-hiding a post baked before then bakes it
    /// from the cache, with no download (and offline). Posts never baked have no original to
    /// keep, so this costs only the originals of posts filtered out since.
    fn prune_cache(&self) {
        let originals = media::original_keys(
            self.all
                .posts
                .iter()
                .flat_map(|p| p.items.iter().map(|i| i.id.as_str()))
                .chain(self.feed.account.picture.iter().map(|i| i.id.as_str())),
        );
        let files = self.images.iter().cloned().collect();
        let forgotten = self.cache.prune(&originals, &files, |record| {
            media::record_uses_any(record, &files)
        });
        if forgotten > 0 {
            report::detail(format!(
                "removed {forgotten} cache files that no post uses any more"
            ));
        }
    }

    fn summary(self, account: &Account, emitted: Emitted) -> Summary {
        Summary {
            account: account.name.clone(),
            origin: self.feed.origin,
            fallback: self.fallback,
            posts: self.document.posts.len(),
            images: self.images.len(),
            emitted,
            token: self.token,
        }
    }
}

/// Where the feed came from.
struct Fetched {
    /// `None` when there is no token and the export is baked alone.
    feed: Option<Feed>,
    fetcher: Fetcher,
    fallback: Option<String>,
    token: TokenCheck,
}

impl Fetched {
    fn new(feed: Feed, fetcher: Fetcher) -> Fetched {
        Fetched {
            feed: Some(feed),
            fetcher,
            fallback: None,
            token: TokenCheck::default(),
        }
    }
}

/// The site's imported export, when it has one: read by a site of one account only (a site with
/// `[[accounts]]` cannot say whose it is).
fn export_feed(config: &Config) -> Result<Option<Feed>> {
    if config.shared.is_some() {
        return Ok(None);
    }
    let feed = export::read(&config.source.export_dir)?;
    if let Some(feed) = &feed {
        report::detail(format!(
            "{} posts in the imported export {}",
            feed.posts.len(),
            config.source.export_dir.display()
        ));
    }
    Ok(feed)
}

/// Gets the feed, and the fetcher for its media. With an imported export (`has_export`) and no
/// token, or `--offline` and no cached feed, there is no feed: the export is baked alone.
async fn fetch(
    config: &Config,
    account: &Account,
    cache: &Cache,
    http: &reqwest::Client,
    wanted: &Wanted<'_>,
    has_export: bool,
) -> Result<Fetched> {
    let export_alone = |fetcher: Fetcher| Fetched {
        feed: None,
        fetcher,
        fallback: None,
        token: TokenCheck::default(),
    };
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
            None if has_export => Ok(export_alone(fetcher)),
            None => Err(Error::NothingBaked(
                "--offline was given and the cache holds no feed yet; run once online first"
                    .to_owned(),
            )),
        };
    }
    if let (Some(max_age), Some(feed)) = (config.source.max_age, cached::last_feed(cache)) {
        if age_of(&feed.fetched_at).is_some_and(|age| age < max_age) {
            report::info(account.tell(format!(
                "the cached feed was fetched {}, within max_age: not calling the API",
                age(&feed.fetched_at)
            )));
            return Ok(Fetched::new(feed, fetcher));
        }
    }
    let token = match account.token() {
        Ok(token) => token,
        Err(Error::MissingToken { var }) if has_export => {
            report::info(account.tell(format!(
                "no access token ({var} is not set): baking the imported export alone"
            )));
            return Ok(export_alone(fetcher));
        }
        Err(error) => return Err(error),
    };
    let (token, check) = upkeep::before_build(config, account, cache, http, token).await?;
    let client = api::Client::new(http.clone(), &config.source.api_base, token)?
        .with_counts(config.profile.counts);
    report::info(account.tell("fetching posts from the Instagram API"));
    let mut fetched = match client.select(wanted).await {
        Ok(mut feed) => {
            if config.profile.profile {
                add_profile(config, account, &client, cache, &mut feed).await?;
            }
            Fetched::new(feed, fetcher)
        }
        Err(error) if error.is_source_failure() && !config.strict => {
            match cached::last_feed(cache) {
                Some(feed) => {
                    report::warn(account.tell(format!(
                        "{error}. Baking the last good feed from the cache instead, fetched {}.",
                        age(&feed.fetched_at)
                    )));
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
    account: &Account,
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
            report::warn(account.tell(format!(
                "{error}. The posts are fresh; the account header shows the profile of the last \
                 good bake instead."
            )));
            feed.account = last;
        }
        None => report::warn(account.tell(format!(
            "{error}. The posts are fresh; the account header shows only the username, as no \
             earlier bake has the profile."
        ))),
    }
    Ok(())
}

fn origin_name(origin: Origin) -> &'static str {
    match origin {
        Origin::Live => "live from the API",
        Origin::Replay => "from the replay folder",
        Origin::Cache => "from the cache",
        Origin::Export => "from the imported export",
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
