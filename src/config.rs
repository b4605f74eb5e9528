//! The configuration: `instabake.toml`, the site preset, environment and flags merged into one
//! typed, validated [`Config`].
//!
//! Precedence is flags > environment > file > preset defaults. Unknown keys are errors that name the
//! key and its line, because a misspelt key that is silently ignored is a bake that silently does the
//! wrong thing.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::curate::{FilterSettings, PostOverride};
use crate::emit::SitePaths;
use crate::error::{Error, Result};
use crate::locale::Locale;
use crate::media::{MediaSettings, VideoSettings};
use crate::render::RenderSettings;
use crate::source::api::is_api_version;
use crate::source::{ProfileSettings, SourceSettings};
use crate::token::{Token, TokenSettings, DEFAULT_TOKEN_ENV};

/// The name of the configuration file looked for from the current folder upwards.
pub(crate) const CONFIG_FILE: &str = "instabake.toml";

/// The default Graph API host (Instagram API with Instagram Login).
pub(crate) const DEFAULT_API_BASE: &str = "https://graph.instagram.com";

/// The Graph API version asked for by default: the newest as of 2026-07-29. Each version lives
/// about two years; an unversioned call would get whatever version Meta picks.
pub(crate) const DEFAULT_API_VERSION: &str = "v26.0";

/// The environment variable that overrides the API base (tests, proxies, recorded replays).
pub(crate) const API_BASE_ENV: &str = "INSTABAKE_API_BASE";

/// A site generator's folder layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Preset {
    Hugo,
    Zola,
    Jekyll,
    Eleventy,
    /// A hand-written site: everything in the site folder, which is what gets published.
    Html,
}

impl Preset {
    /// Default paths, relative to the site folder: (images folder, partial, data file).
    pub(crate) fn paths(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Preset::Hugo => (
                "static/instagram",
                "layouts/partials/instagram.html",
                "data/instagram.json",
            ),
            Preset::Zola => (
                "static/instagram",
                "templates/partials/instagram.html",
                "data/instagram.json",
            ),
            Preset::Jekyll => (
                "assets/instagram",
                "_includes/instagram.html",
                "_data/instagram.json",
            ),
            // The images folder needs a passthrough copy in the Eleventy config.
            Preset::Eleventy => (
                "instagram",
                "_includes/instagram.html",
                "_data/instagram.json",
            ),
            Preset::Html => ("instagram", "instagram.html", "instagram.json"),
        }
    }

    /// The public URL of the images folder on the built site.
    pub(crate) fn url_prefix(self) -> &'static str {
        match self {
            Preset::Jekyll => "/assets/instagram/",
            _ => "/instagram/",
        }
    }

    /// Where `instabake import` keeps the export, relative to the site: a folder the generator
    /// does not publish (Jekyll copies every folder whose name does not start with `_`).
    pub(crate) fn export_dir(self) -> &'static str {
        match self {
            Preset::Jekyll => "_instagram-export",
            _ => "instagram-export",
        }
    }

    /// The lowercase name used in the config file and on the command line.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Preset::Hugo => "hugo",
            Preset::Zola => "zola",
            Preset::Jekyll => "jekyll",
            Preset::Eleventy => "eleventy",
            Preset::Html => "html",
        }
    }
}

/// `instabake.toml` as written by the user. Every key is optional. The top-level keys and `[paths]`
/// take their defaults from the preset, the environment and the flags; every other section is the
/// settings of the stage that reads it, with that stage's defaults.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FileConfig {
    preset: Option<Preset>,
    limit: Option<usize>,
    api_base: Option<String>,
    api_version: Option<String>,
    token_env: Option<String>,
    token_file: Option<PathBuf>,
    cache_dir: Option<PathBuf>,
    replay: Option<PathBuf>,
    /// The imported export's folder, relative to the site (`instabake import`).
    export_dir: Option<PathBuf>,
    #[serde(deserialize_with = "duration")]
    max_age: Option<std::time::Duration>,
    #[serde(deserialize_with = "duration")]
    timeout: Option<std::time::Duration>,
    paths: FilePaths,
    token: TokenSettings,
    images: MediaSettings,
    video: VideoSettings,
    render: RenderSettings,
    filter: FilterSettings,
    posts: std::collections::BTreeMap<String, PostOverride>,
    /// `[account]`: read by every account's bake.
    account: ProfileSettings,
    /// With `[[accounts]]`: bake every account into one data file and one partial.
    merge: bool,
    accounts: Vec<FileAccount>,
    /// The published site's address, for absolute links in pages and feeds.
    site_url: Option<String>,
    pages: PageSettings,
    feeds: FeedSettings,
}

/// One `[[accounts]]` table: an account baked beside the others, into files named after it. Its
/// keys are the per-account ones; every other setting is the site's and shared by all accounts.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileAccount {
    /// Lowercase letters, digits, `-` and `_`: it becomes part of file and folder names.
    name: String,
    token_env: Option<String>,
    token_file: Option<PathBuf>,
    /// Default: the top-level `limit`.
    limit: Option<usize>,
    /// `[accounts.filter]`; default: the top-level `[filter]`.
    #[serde(default)]
    filter: Option<FilterSettings>,
}

/// The longest account name: it is part of file names.
const MAX_ACCOUNT_NAME: usize = 64;

/// Whether `name` can name an account: lowercase ASCII letters, digits, `-` and `_`, starting with a
/// letter or a digit. It becomes part of the account's file names (`instagram-NAME.json`), of its
/// images folder and of its cache folder, and of data lookups in every generator, so nothing
/// that a file system, a URL or a template language could read differently is allowed.
pub(crate) fn is_account_name(name: &str) -> bool {
    name.len() <= MAX_ACCOUNT_NAME
        && name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// Checks what only the file as written can tell: the `[[accounts]]` tables, and top-level keys
/// that would be ambiguous beside them. The message names the key.
fn check_accounts(file: &FileConfig) -> std::result::Result<(), String> {
    if file.accounts.is_empty() {
        if file.merge {
            return Err(
                "merge = true merges the feeds of several accounts: add [[accounts]] tables, \
                 or remove merge"
                    .to_owned(),
            );
        }
        return Ok(());
    }
    // One token per account: a top-level token would silently be every account's, or none's.
    for (key, set) in [
        ("token_env", file.token_env.is_some()),
        ("token_file", file.token_file.is_some()),
    ] {
        if set {
            return Err(format!(
                "{key} at the top level names the token of a site with one account: with \
                 [[accounts]], give each account its own token_env or token_file and remove the \
                 top-level {key}"
            ));
        }
    }
    let mut seen = std::collections::HashSet::new();
    for (index, account) in file.accounts.iter().enumerate() {
        let name = &account.name;
        if !is_account_name(name) {
            return Err(format!(
                "accounts[{index}].name = {name:?} is not a usable account name: use 1 to \
                 {MAX_ACCOUNT_NAME} lowercase letters, digits, - and _, starting with a letter or \
                 a digit (it becomes part of file names, e.g. instagram-shop.json)"
            ));
        }
        if !seen.insert(name.as_str()) {
            return Err(format!(
                "accounts: the name {name:?} is used twice: each account needs its own name, \
                 since its files are named after it"
            ));
        }
        if account.token_env.is_none() && account.token_file.is_none() {
            return Err(format!(
                "accounts[{index}] ({name}) has neither token_env nor token_file: say where its \
                 token is, e.g. token_env = \"INSTAGRAM_TOKEN_{}\"",
                name.to_ascii_uppercase().replace('-', "_")
            ));
        }
    }
    Ok(())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FilePaths {
    images: Option<PathBuf>,
    url_prefix: Option<String>,
    partial: Option<PathBuf>,
    data: Option<PathBuf>,
}

/// What the command line can override; the binary fills this from its flags.
#[derive(Debug, Default, Clone)]
pub(crate) struct Overrides {
    pub config: Option<PathBuf>,
    pub site: Option<PathBuf>,
    pub preset: Option<Preset>,
    pub limit: Option<usize>,
    pub replay: Option<PathBuf>,
    pub strict: bool,
    pub offline: bool,
    pub fail_if_token_expires_within: Option<i64>,
}

/// One account's bake: which posts, read with which token, kept in which cache, written to which
/// files. The pipeline runs on this value ([`crate::build::bake`]): once for a site's single
/// account, once per `[[accounts]]` table otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Account {
    /// The account's name in `[[accounts]]`; `None` for a site's single account, which keeps the
    /// plain file names and the cache folder as it is.
    pub name: Option<String>,
    /// How many posts to bake.
    pub limit: usize,
    /// The environment variable that holds the token.
    pub token_env: String,
    /// A file that holds the token (read first, written back by `auto_refresh`).
    pub token_file: Option<PathBuf>,
    /// The account's cache: its last good feed, originals, variants, manifest and token state.
    pub cache_dir: PathBuf,
    /// Where its bake is written into the site: with a name, its own images folder
    /// (`.../instagram/NAME/`) and files (`instagram-NAME.json`, `instagram-NAME.html`). With
    /// `merge = true` only its images folder is written; the data file and partial are the
    /// site's ([`Shared`]).
    pub paths: SitePaths,
    /// `[filter]`: which of its posts show.
    pub filter: FilterSettings,
}

impl Account {
    /// The account's token, from its token file or its environment variable.
    pub(crate) fn token(&self) -> Result<Token> {
        Token::load(&self.token_env, self.token_file.as_deref())
    }

    /// How messages name the account: `account shop`, or nothing for a site's single account.
    pub(crate) fn label(&self) -> String {
        self.name
            .as_deref()
            .map_or_else(String::new, |name| format!("account {name}"))
    }

    /// A message about the account, naming it when the site has several: `account shop: ...`.
    pub(crate) fn tell(&self, message: impl std::fmt::Display) -> String {
        match &self.name {
            Some(_) => format!("{}: {message}", self.label()),
            None => message.to_string(),
        }
    }
}

/// With `[[accounts]]`: what belongs to the site rather than to one account, kept in the top-level
/// cache folder (whose `accounts/NAME/` folders are the accounts' own caches): the merged data file
/// and partial with `merge = true`, and in either case the manifest of the files the site's bake
/// wrote before it had several accounts, so that they are removed once the accounts are baked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Shared {
    /// The top-level cache folder.
    pub cache_dir: PathBuf,
    /// The site's paths as a single account would write them: with `merge = true`, the merged
    /// data file and partial are written there.
    pub paths: SitePaths,
    /// `merge = true`.
    pub merge: bool,
}

/// `instagram.json` with `-NAME` before its extension: `instagram-shop.json`.
fn suffixed(path: &Path, name: &str) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let file = match path.extension() {
        Some(ext) => format!("{stem}-{name}.{}", ext.to_string_lossy()),
        None => format!("{stem}-{name}"),
    };
    path.with_file_name(file)
}

/// The merged, validated configuration of one run, a section per stage. Paths are absolute or
/// relative to the current folder, already joined with the site folder.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    /// The config file that was read, if any.
    pub file: Option<PathBuf>,
    /// The site folder.
    pub site: PathBuf,
    pub preset: Preset,
    /// The accounts to bake: one for a single-account site (with no name), else one per
    /// `[[accounts]]` table, in the file's order.
    pub accounts: Vec<Account>,
    /// With `[[accounts]]`: the site's own outputs and cache.
    pub shared: Option<Shared>,
    /// Where the feed comes from.
    pub source: SourceSettings,
    /// `[token]`.
    pub token: TokenSettings,
    /// `[images]`.
    pub images: MediaSettings,
    /// `[video]`.
    pub video: VideoSettings,
    /// `[render]`.
    pub render: RenderSettings,
    /// `[render] lang`, `date_format`, `timezone` and `[render.words]`, resolved.
    pub locale: Locale,
    /// `[posts.SHORTCODE]`: per-post overrides, by shortcode (or id).
    pub posts: std::collections::BTreeMap<String, PostOverride>,
    /// `[account]`: the profile and the counts, for every account.
    pub profile: ProfileSettings,
    /// `site_url`, ending in `/`: where the site is published.
    pub site_url: Option<String>,
    /// `[pages]`.
    pub pages: PageSettings,
    /// `[feeds]`.
    pub feeds: FeedSettings,
    /// Fail the bake when the token expires within this many days.
    pub fail_if_token_expires_within: Option<i64>,
    /// `--strict`: never fall back on the cache's last good feed.
    pub strict: bool,
    /// `--offline`: bake the cache's last good feed without calling the API.
    pub offline: bool,
}

impl Config {
    /// Finds and reads the config file, merges it with the flags, environment and preset, and
    /// validates the result.
    pub(crate) fn load(overrides: &Overrides) -> Result<Config> {
        let file = match &overrides.config {
            Some(path) => {
                if !path.is_file() {
                    return Err(Error::Usage(format!(
                        "the config file {} does not exist",
                        path.display()
                    )));
                }
                Some(path.clone())
            }
            None => {
                let start = match &overrides.site {
                    Some(site) => site.clone(),
                    None => std::env::current_dir()
                        .map_err(|e| Error::io("read the current folder", ".", e))?,
                };
                find_upwards(&start, CONFIG_FILE)
            }
        };
        let parsed = match &file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| Error::io("read the config file", path, e))?;
                parse(&text).map_err(|source| Error::ConfigToml {
                    path: path.clone(),
                    source,
                })?
            }
            None => FileConfig::default(),
        };
        let config_dir = file
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf);
        let site = match (&overrides.site, &config_dir) {
            (Some(site), _) => site.clone(),
            (None, Some(dir)) if dir.as_os_str().is_empty() => PathBuf::from("."),
            (None, Some(dir)) => dir.clone(),
            (None, None) => PathBuf::from("."),
        };
        if !site.is_dir() {
            return Err(Error::Usage(format!(
                "the site folder {} does not exist",
                site.display()
            )));
        }
        let config = check_accounts(&parsed)
            .map(|()| merge(parsed, overrides, site, file.clone(), config_dir.as_deref()))
            .and_then(|config| config.validate().map(|()| config));
        config.map_err(|message| match &file {
            Some(path) => Error::Config {
                path: path.clone(),
                message,
            },
            None => Error::Usage(message),
        })
    }

    /// Whether the site has `[[accounts]]`.
    pub(crate) fn has_accounts(&self) -> bool {
        self.shared.is_some()
    }

    /// The account named `name`, or, without a name, the site's single account. An unknown name,
    /// or none on a site with several accounts, is a usage error that lists the names.
    pub(crate) fn account(&self, name: Option<&str>) -> Result<&Account> {
        let names = || {
            self.accounts
                .iter()
                .filter_map(|a| a.name.as_deref())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match name {
            None if self.has_accounts() => Err(Error::Usage(format!(
                "this site has several accounts ({}): name one with --account NAME",
                names()
            ))),
            None => Ok(&self.accounts[0]),
            Some(name) if !self.has_accounts() => Err(Error::Usage(format!(
                "--account {name}: this site has a single account (no [[accounts]] in its \
                 config): leave --account out"
            ))),
            Some(name) => self
                .accounts
                .iter()
                .find(|a| a.name.as_deref() == Some(name))
                .ok_or_else(|| {
                    Error::Usage(format!(
                        "--account {name}: no such account; the accounts are {}",
                        names()
                    ))
                }),
        }
    }

    /// Checks each section with its stage's own rules, then what ties sections together. The
    /// message names the key.
    fn validate(&self) -> std::result::Result<(), String> {
        for account in &self.accounts {
            if account.limit == 0 || account.limit > 10_000 {
                let key = match &account.name {
                    Some(name) => format!("limit of the account {name}"),
                    None => "limit".to_owned(),
                };
                return Err(format!(
                    "{key} = {} is out of range (1 to 10000)",
                    account.limit
                ));
            }
        }
        if self.has_accounts() && self.source.replay.is_some() {
            return Err(
                "replay (or --replay) bakes one recorded feed, and this site has [[accounts]]: \
                 bake a replay folder with a config of one account"
                    .to_owned(),
            );
        }
        self.images.validate()?;
        for account in &self.accounts {
            account
                .filter
                .validate()
                .map_err(|message| match &account.name {
                    Some(name) => format!("accounts ({name}): {message}"),
                    None => message,
                })?;
        }
        for (key, post) in &self.posts {
            post.validate(key)?;
        }
        self.render.validate()?;
        let url_prefix = &self.accounts[0].paths.url_prefix;
        if !(url_prefix.starts_with('/')
            || url_prefix.starts_with("http://")
            || url_prefix.starts_with("https://"))
        {
            return Err(format!(
                "paths.url_prefix = {url_prefix:?} must start with / or http(s)://"
            ));
        }
        let source = &self.source;
        if source.api_base.is_empty() || url::Url::parse(&source.api_base).is_err() {
            return Err(format!("api_base = {:?} is not a URL", source.api_base));
        }
        if !is_api_version(&source.api_version) {
            return Err(format!(
                "api_version = {:?} is not a Graph API version such as \"{DEFAULT_API_VERSION}\"",
                source.api_version
            ));
        }
        if !(1..=600).contains(&source.timeout.as_secs()) {
            return Err(format!(
                "timeout = \"{}s\" is out of range (1s to 10m)",
                source.timeout.as_secs()
            ));
        }
        self.validate_site_url()?;
        self.token.validate()?;
        if self.token.auto_refresh {
            if let Some(account) = self.accounts.iter().find(|a| a.token_file.is_none()) {
                let whose = match &account.name {
                    Some(name) => format!(" (the account {name} has none)"),
                    None => String::new(),
                };
                return Err(format!(
                    "token.auto_refresh = true needs token_file{whose}: the refreshed token must \
                     be written back somewhere (in CI, use `instabake token refresh` and store \
                     the new token as a secret instead; see README)"
                ));
            }
        }
        Ok(())
    }
}

impl Config {
    /// `site_url` is an absolute http(s) URL, and pages and feeds, whose links must be absolute,
    /// have one.
    fn validate_site_url(&self) -> std::result::Result<(), String> {
        match &self.site_url {
            Some(url) => {
                if crate::link::web_url(url).is_none() {
                    return Err(format!(
                        "site_url = {url:?} is not an http(s) URL such as \"https://example.com/\""
                    ));
                }
            }
            None => {
                let needs = if self.pages.enabled {
                    Some("[pages] enabled = true")
                } else if self.feeds.atom {
                    Some("[feeds] atom = true")
                } else if self.feeds.json {
                    Some("[feeds] json = true")
                } else {
                    None
                };
                if let Some(key) = needs {
                    return Err(format!(
                        "{key} needs site_url: set site_url = \"https://your.site/\" at the top \
                         of the config, the address the site is published at (pages and feeds \
                         link to it with absolute URLs)"
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The `[pages]` section (read by the pages stage; here so that the configuration does not
/// import the stage that reads it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct PageSettings {
    /// Write one page per post; needs `site_url`.
    pub enabled: bool,
    /// The layout the generator renders each page with: Hugo's and Jekyll's `layout`, Eleventy's
    /// `layout`, Zola's `template`. Unset, each generator picks its own default (Hugo's lookup,
    /// Jekyll's front matter defaults, Zola's `page.html`); Eleventy then needs one from its data
    /// cascade (README).
    pub layout: Option<String>,
}

/// The `[feeds]` section (read by the feeds stage; here so that the configuration does not
/// import the stage that reads it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct FeedSettings {
    /// `feed.xml`, Atom 1.0.
    pub atom: bool,
    /// `feed.json`, JSON Feed 1.1.
    pub json: bool,
}

impl FeedSettings {
    pub(crate) fn any(&self) -> bool {
        self.atom || self.json
    }
}

/// The API base to call: `base` as it is when one of its path segments is a version (`/v25.0`),
/// so that a pinned base wins; else `base/version`.
fn with_version(base: &str, version: &str) -> String {
    let base = base.trim_end_matches('/');
    let versioned = url::Url::parse(base).is_ok_and(|url| {
        url.path_segments()
            .is_some_and(|mut segments| segments.any(is_api_version))
    });
    if versioned {
        base.to_owned()
    } else {
        format!("{base}/{version}")
    }
}

fn parse(text: &str) -> std::result::Result<FileConfig, toml::de::Error> {
    toml::from_str(text)
}

/// For tests of what other modules write as config: the `[[accounts]]` of a config file's text,
/// as names with their limits, once parsed and checked.
#[cfg(test)]
pub(crate) fn accounts_of(text: &str) -> std::result::Result<Vec<(String, Option<usize>)>, String> {
    let file = parse(text).map_err(|e| e.to_string())?;
    check_accounts(&file)?;
    Ok(file
        .accounts
        .into_iter()
        .map(|a| (a.name, a.limit))
        .collect())
}

fn merge(
    file: FileConfig,
    overrides: &Overrides,
    site: PathBuf,
    path: Option<PathBuf>,
    config_dir: Option<&Path>,
) -> Config {
    let preset = overrides.preset.or(file.preset).unwrap_or(Preset::Hugo);
    let (images, partial, data) = preset.paths();
    let in_site =
        |p: Option<PathBuf>, default: &str| site.join(p.unwrap_or_else(|| default.into()));
    // Paths named in the config file are relative to the file's folder; the replay folder given on
    // the command line is relative to the current folder.
    let from_config = |p: PathBuf| match config_dir {
        Some(dir) => dir.join(p),
        None => p,
    };
    let api_base = std::env::var(API_BASE_ENV)
        .ok()
        .filter(|v| !v.is_empty())
        .or(file.api_base)
        .unwrap_or_else(|| DEFAULT_API_BASE.to_owned());
    let api_version = file
        .api_version
        .unwrap_or_else(|| DEFAULT_API_VERSION.to_owned());
    let mut url_prefix = file
        .paths
        .url_prefix
        .unwrap_or_else(|| preset.url_prefix().to_owned());
    if !url_prefix.ends_with('/') {
        url_prefix.push('/');
    }
    let limit = overrides.limit.or(file.limit).unwrap_or(12);
    let cache_dir = in_site(file.cache_dir, ".instabake");
    let paths = SitePaths {
        root: site.clone(),
        images: in_site(file.paths.images, images),
        url_prefix,
        partial: in_site(file.paths.partial, partial),
        data: in_site(file.paths.data, data),
    };
    let (accounts, shared) = if file.accounts.is_empty() {
        let account = Account {
            name: None,
            limit,
            token_env: file
                .token_env
                .unwrap_or_else(|| DEFAULT_TOKEN_ENV.to_owned()),
            token_file: file.token_file.map(from_config),
            cache_dir,
            paths,
            filter: file.filter,
        };
        (vec![account], None)
    } else {
        // Each account in its own folders and files, named after it: the top-level paths and
        // cache folder are the site's, and the defaults the accounts' are derived from.
        let accounts = file
            .accounts
            .into_iter()
            .map(|account| Account {
                limit: overrides.limit.or(account.limit).unwrap_or(limit),
                token_env: account
                    .token_env
                    .unwrap_or_else(|| DEFAULT_TOKEN_ENV.to_owned()),
                token_file: account.token_file.map(from_config),
                cache_dir: cache_dir.join("accounts").join(&account.name),
                paths: SitePaths {
                    root: site.clone(),
                    images: paths.images.join(&account.name),
                    url_prefix: format!("{}{}/", paths.url_prefix, account.name),
                    partial: suffixed(&paths.partial, &account.name),
                    data: suffixed(&paths.data, &account.name),
                },
                filter: account.filter.unwrap_or_else(|| file.filter.clone()),
                name: Some(account.name),
            })
            .collect();
        let shared = Shared {
            cache_dir,
            paths,
            merge: file.merge,
        };
        (accounts, Some(shared))
    };
    let mut render = file.render;
    render.template = render.template.map(|p| site.join(p));
    // A bad value is reported by `validate`.
    let locale = render.locale().unwrap_or_default();
    Config {
        file: path,
        preset,
        accounts,
        shared,
        source: SourceSettings {
            api_base: with_version(&api_base, &api_version),
            api_version,
            timeout: file.timeout.unwrap_or(std::time::Duration::from_secs(20)),
            max_age: file.max_age,
            replay: overrides.replay.clone().or(file.replay.map(from_config)),
            export_dir: in_site(file.export_dir, preset.export_dir()),
        },
        token: file.token,
        images: file.images,
        video: file.video,
        render,
        locale,
        posts: file.posts,
        profile: file.account,
        site_url: file.site_url.map(|url| {
            let url = url.trim().to_owned();
            if url.ends_with('/') {
                url
            } else {
                url + "/"
            }
        }),
        pages: file.pages,
        feeds: file.feeds,
        fail_if_token_expires_within: overrides.fail_if_token_expires_within,
        strict: overrides.strict,
        offline: overrides.offline,
        site,
    }
}

/// Reads `"90s"`, `"30m"`, `"6h"` or `"2d"`.
fn duration<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Option<std::time::Duration>, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse_duration(&text)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

fn parse_duration(text: &str) -> std::result::Result<std::time::Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let seconds = match unit.trim() {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => 0,
    };
    match number.parse::<u64>() {
        Ok(n) if seconds > 0 => Ok(std::time::Duration::from_secs(n * seconds)),
        _ => Err(format!(
            "{text:?} is not a duration: write a number and a unit, e.g. \"30m\", \"6h\" or \"1d\""
        )),
    }
}

fn find_upwards(start: &Path, name: &str) -> Option<PathBuf> {
    let start = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_owned());
    start
        .ancestors()
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_version_is_pinned_unless_the_base_carries_one() {
        assert_eq!(
            with_version("https://graph.instagram.com", DEFAULT_API_VERSION),
            "https://graph.instagram.com/v26.0"
        );
        assert_eq!(
            with_version("https://graph.instagram.com/", "v25.0"),
            "https://graph.instagram.com/v25.0"
        );
        assert_eq!(
            with_version("https://graph.instagram.com/v24.0/", "v26.0"),
            "https://graph.instagram.com/v24.0"
        );
        assert_eq!(
            with_version("http://127.0.0.1:8080/proxy/v25.0", "v26.0"),
            "http://127.0.0.1:8080/proxy/v25.0"
        );
        assert_eq!(
            with_version("http://127.0.0.1:8080/version-two", "v26.0"),
            "http://127.0.0.1:8080/version-two/v26.0"
        );
        for good in ["v26.0", "v1.10"] {
            assert!(is_api_version(good), "{good}");
        }
        for bad in ["26.0", "v26", "v26.", "v.0", "V26.0", "v26.0a", ""] {
            assert!(!is_api_version(bad), "{bad}");
        }
    }

    #[test]
    fn pages_and_feeds_need_a_site_url() {
        let config = |text: &str| {
            merge(
                parse(text).unwrap(),
                &Overrides::default(),
                PathBuf::from("site"),
                None,
                None,
            )
        };
        for (text, key) in [
            ("[pages]\nenabled = true\n", "[pages] enabled = true"),
            ("[feeds]\natom = true\n", "[feeds] atom = true"),
            ("[feeds]\njson = true\n", "[feeds] json = true"),
        ] {
            let err = config(text).validate().unwrap_err();
            assert!(err.contains(key) && err.contains("site_url"), "{err}");
            let with_url = format!("site_url = \"https://example.com/blog\"\n{text}");
            let ok = config(&with_url);
            assert_eq!(ok.validate(), Ok(()));
            assert_eq!(ok.site_url.as_deref(), Some("https://example.com/blog/"));
        }
        assert_eq!(config("").validate(), Ok(()));
        let err = config("site_url = \"example.com\"\n")
            .validate()
            .unwrap_err();
        assert!(err.contains("site_url"), "{err}");
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = parse("preset = \"hugo\"\nlimt = 3\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("limt"), "{err}");
        assert!(err.contains("line 2"), "{err}");
        let err = parse("[images]\nwidth = [1]\n").unwrap_err().to_string();
        assert!(err.contains("width"), "{err}");
    }

    #[test]
    fn the_account_keys_are_off_by_default_and_named_when_misspelt() {
        let site = PathBuf::from("site");
        let config = merge(parse("").unwrap(), &Overrides::default(), site, None, None);
        assert_eq!(config.profile, ProfileSettings::default());
        assert!(!config.profile.profile && !config.profile.counts && !config.render.header);
        let on =
            parse("[account]\nprofile = true\ncounts = true\n[render]\nheader = true\n").unwrap();
        assert!(on.account.profile && on.account.counts && on.render.header);
        let err = parse("[account]\nprofiel = true\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("profiel"), "{err}");
    }

    #[test]
    fn presets_set_paths_and_flags_win() {
        let site = PathBuf::from("site");
        let file =
            parse("preset = \"hugo\"\nlimit = 5\n[paths]\ndata = \"data/ig.json\"\n").unwrap();
        let overrides = Overrides {
            preset: Some(Preset::Zola),
            limit: Some(7),
            ..Overrides::default()
        };
        let config = merge(file, &overrides, site.clone(), None, None);
        assert_eq!(config.accounts.len(), 1);
        assert_eq!(config.shared, None);
        let account = &config.accounts[0];
        assert_eq!(account.limit, 7);
        assert_eq!(config.preset, Preset::Zola);
        let paths = &account.paths;
        assert_eq!(
            paths.partial,
            site.join("templates/partials/instagram.html")
        );
        assert_eq!(paths.data, site.join("data/ig.json"));
        assert_eq!(paths.images, site.join("static/instagram"));
        assert_eq!(paths.url_prefix, "/instagram/");
        assert_eq!(account.cache_dir, site.join(".instabake"));
        assert_eq!(account.name, None);
    }

    const TWO_ACCOUNTS: &str = "preset = \"jekyll\"\nlimit = 9\ncache_dir = \"cache\"\n\
        [[accounts]]\nname = \"shop\"\ntoken_env = \"IG_SHOP\"\nlimit = 4\n\
        [[accounts]]\nname = \"the_studio-2\"\ntoken_file = \"secrets/studio\"\n";

    #[test]
    fn each_account_has_its_own_files_and_cache() {
        let site = PathBuf::from("site");
        let file = parse(TWO_ACCOUNTS).unwrap();
        check_accounts(&file).unwrap();
        let config = merge(file, &Overrides::default(), site.clone(), None, Some(&site));
        config.validate().unwrap();
        let [shop, studio] = &config.accounts[..] else {
            panic!("{:?}", config.accounts)
        };
        assert_eq!(shop.name.as_deref(), Some("shop"));
        assert_eq!((shop.limit, studio.limit), (4, 9), "limit is the default");
        assert_eq!(shop.token_env, "IG_SHOP");
        assert_eq!(studio.token_file, Some(site.join("secrets/studio")));
        assert_eq!(shop.cache_dir, site.join("cache/accounts/shop"));
        assert_eq!(shop.paths.data, site.join("_data/instagram-shop.json"));
        assert_eq!(
            shop.paths.partial,
            site.join("_includes/instagram-shop.html")
        );
        assert_eq!(shop.paths.images, site.join("assets/instagram/shop"));
        assert_eq!(shop.paths.url_prefix, "/assets/instagram/shop/");
        assert_eq!(
            studio.paths.data,
            site.join("_data/instagram-the_studio-2.json")
        );
        let shared = config.shared.as_ref().unwrap();
        assert!(!shared.merge);
        assert_eq!(shared.cache_dir, site.join("cache"));
        assert_eq!(shared.paths.data, site.join("_data/instagram.json"));
        // --limit is a flag: it wins over every account's own.
        let overrides = Overrides {
            limit: Some(2),
            ..Overrides::default()
        };
        let config = merge(parse(TWO_ACCOUNTS).unwrap(), &overrides, site, None, None);
        assert!(config.accounts.iter().all(|a| a.limit == 2));
        // Looking an account up by name.
        assert_eq!(
            config.account(Some("shop")).unwrap().name.as_deref(),
            Some("shop")
        );
        let err = config.account(Some("shp")).unwrap_err().to_string();
        assert!(
            err.contains("shp") && err.contains("shop, the_studio-2"),
            "{err}"
        );
        let err = config.account(None).unwrap_err().to_string();
        assert!(err.contains("--account"), "{err}");
    }

    #[test]
    fn an_account_filter_replaces_the_sites_and_is_validated_by_name() {
        let text = "[filter]\nexclude_hashtags = [\"sold\"]\n\n\
                    [[accounts]]\nname = \"shop\"\ntoken_env = \"IG_SHOP\"\n\n\
                    [[accounts]]\nname = \"cafe\"\ntoken_env = \"IG_CAFE\"\n\
                    [accounts.filter]\nkinds = [\"image\"]\n";
        let site = PathBuf::from("site");
        let config = merge(
            parse(text).unwrap(),
            &Overrides::default(),
            site,
            None,
            None,
        );
        config.validate().unwrap();
        let [shop, cafe] = &config.accounts[..] else {
            panic!("{:?}", config.accounts)
        };
        assert_eq!(
            shop.filter.exclude_hashtags,
            ["sold"],
            "the site's [filter]"
        );
        assert_eq!(cafe.filter.kinds, [crate::source::PostKind::Image]);
        assert!(cafe.filter.exclude_hashtags.is_empty(), "its own, whole");
        let bad = text.replace("kinds = [\"image\"]", "kinds = []");
        let config = merge(
            parse(&bad).unwrap(),
            &Overrides::default(),
            PathBuf::from("site"),
            None,
            None,
        );
        let err = config.validate().unwrap_err();
        assert!(
            err.contains("cafe") && err.contains("filter.kinds"),
            "{err}"
        );
    }

    #[test]
    fn derived_names_keep_the_extension() {
        assert_eq!(
            suffixed(Path::new("data/ig.feed.json"), "shop"),
            PathBuf::from("data/ig.feed-shop.json")
        );
        assert_eq!(
            suffixed(Path::new("partial"), "shop"),
            PathBuf::from("partial-shop")
        );
    }

    #[test]
    fn account_tables_are_checked() {
        for good in ["shop", "a", "shop-2", "my_shop", "9lives"] {
            assert!(is_account_name(good), "{good}");
        }
        let long = "a".repeat(65);
        for bad in [
            "", "Shop", "-shop", "_shop", "sh op", "shop.x", "../x", "shöp", &long,
        ] {
            assert!(!is_account_name(bad), "{bad}");
        }
        let account = |name: &str| format!("[[accounts]]\nname = \"{name}\"\ntoken_env = \"X\"\n");
        for (text, expected) in [
            (account("Shop"), "accounts[0].name = \"Shop\""),
            (
                format!("{}{}", account("a"), account("a")),
                "\"a\" is used twice",
            ),
            (
                format!("token_env = \"T\"\n{}", account("a")),
                "token_env at the top level",
            ),
            (
                format!("token_file = \"t\"\n{}", account("a")),
                "token_file at the top level",
            ),
            (
                "[[accounts]]\nname = \"shop\"\n".to_owned(),
                "accounts[0] (shop) has neither token_env nor token_file",
            ),
            ("merge = true\n".to_owned(), "merge = true"),
        ] {
            let err = check_accounts(&parse(&text).unwrap()).unwrap_err();
            assert!(err.contains(expected), "{text}: {err}");
        }
        let err = parse("[[accounts]]\nname = \"a\"\ntoken_env = \"X\"\ntokn = 1\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("tokn") && err.contains("line 4"), "{err}");
        let err = parse("[[accounts]]\ntoken_env = \"X\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("name"), "{err}");
        // Settings that need something of each account say which account lacks it.
        let file = parse(&format!(
            "[token]\nauto_refresh = true\n{}",
            account("shop")
        ))
        .unwrap();
        let config = merge(file, &Overrides::default(), PathBuf::from("."), None, None);
        let err = config.validate().unwrap_err();
        assert!(err.contains("the account shop has none"), "{err}");
        let overrides = Overrides {
            replay: Some(PathBuf::from("feed")),
            ..Overrides::default()
        };
        let config = merge(
            parse(&account("shop")).unwrap(),
            &overrides,
            PathBuf::from("."),
            None,
            None,
        );
        assert!(config.validate().unwrap_err().contains("replay"));
    }

    #[test]
    fn max_age_is_a_duration() {
        let file = parse("max_age = \"6h\"\n").unwrap();
        assert_eq!(file.max_age, Some(std::time::Duration::from_secs(6 * 3600)));
        let err = parse("max_age = \"soon\"\n").unwrap_err().to_string();
        assert!(err.contains("max_age") || err.contains("soon"), "{err}");
        assert!(err.contains("line 1"), "{err}");
    }

    #[test]
    fn validation_names_the_bad_value() {
        let site = PathBuf::from(".");
        for (setting, key) in [
            ("webp_quality = 101", "webp_quality"),
            ("avif_speed = 0", "avif_speed"),
            ("avif_quality = 0", "avif_quality"),
            ("formats = []", "formats"),
        ] {
            let file = parse(&format!("[images]\n{setting}\n")).unwrap();
            let config = merge(file, &Overrides::default(), site.clone(), None, None);
            let err = config.validate().unwrap_err();
            assert!(err.contains(key), "{setting}: {err}");
        }
        // AVIF is valid where it is built in, and otherwise an error that says how to get it.
        let file = parse("[images]\nformats = [\"avif\", \"jpeg\"]\n").unwrap();
        let config = merge(file, &Overrides::default(), site, None, None);
        if cfg!(feature = "avif") {
            assert!(config.validate().is_ok());
        } else {
            let err = config.validate().unwrap_err();
            assert!(err.contains("--features avif"), "{err}");
            assert!(err.contains("formats = [\"jpeg\"]"), "{err}");
        }
    }
}
