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
/// files. The pipeline runs on this value ([`crate::build::bake`]); a site has one today, and
/// several accounts will be a loop over a list of them.
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
    /// Where its bake is written into the site.
    pub paths: SitePaths,
    /// `[filter]`: which of its posts show.
    pub filter: FilterSettings,
}

impl Account {
    /// The account's token, from its token file or its environment variable.
    pub(crate) fn token(&self) -> Result<Token> {
        Token::load(&self.token_env, self.token_file.as_deref())
    }
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
    /// The account to bake.
    pub account: Account,
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
    /// `[posts.SHORTCODE]`: per-post overrides, by shortcode (or id).
    pub posts: std::collections::BTreeMap<String, PostOverride>,
    /// `[account]`: the profile and the counts, for every account.
    pub profile: ProfileSettings,
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
        let config = merge(parsed, overrides, site, file.clone(), config_dir.as_deref());
        config.validate().map_err(|message| match &file {
            Some(path) => Error::Config {
                path: path.clone(),
                message,
            },
            None => Error::Usage(message),
        })?;
        Ok(config)
    }

    /// Checks each section with its stage's own rules, then what ties sections together. The
    /// message names the key.
    fn validate(&self) -> std::result::Result<(), String> {
        let account = &self.account;
        if account.limit == 0 || account.limit > 10_000 {
            return Err(format!(
                "limit = {} is out of range (1 to 10000)",
                account.limit
            ));
        }
        self.images.validate()?;
        account.filter.validate()?;
        for (key, post) in &self.posts {
            post.validate(key)?;
        }
        self.render.validate()?;
        let url_prefix = &account.paths.url_prefix;
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
        self.token.validate()?;
        if self.token.auto_refresh && account.token_file.is_none() {
            return Err(
                "token.auto_refresh = true needs token_file: the refreshed token must be \
                        written back somewhere (in CI, use `instabake token refresh` and store \
                        the new token as a secret instead; see README)"
                    .to_owned(),
            );
        }
        Ok(())
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
    let account = Account {
        name: None,
        limit: overrides.limit.or(file.limit).unwrap_or(12),
        token_env: file
            .token_env
            .unwrap_or_else(|| DEFAULT_TOKEN_ENV.to_owned()),
        token_file: file.token_file.map(from_config),
        cache_dir: in_site(file.cache_dir, ".instabake"),
        paths: SitePaths {
            root: site.clone(),
            images: in_site(file.paths.images, images),
            url_prefix,
            partial: in_site(file.paths.partial, partial),
            data: in_site(file.paths.data, data),
        },
        filter: file.filter,
    };
    let mut render = file.render;
    render.template = render.template.map(|p| site.join(p));
    Config {
        file: path,
        preset,
        account,
        source: SourceSettings {
            api_base: with_version(&api_base, &api_version),
            api_version,
            timeout: file.timeout.unwrap_or(std::time::Duration::from_secs(20)),
            max_age: file.max_age,
            replay: overrides.replay.clone().or(file.replay.map(from_config)),
        },
        token: file.token,
        images: file.images,
        video: file.video,
        render,
        posts: file.posts,
        profile: file.account,
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
        assert_eq!(config.account.limit, 7);
        assert_eq!(config.preset, Preset::Zola);
        let paths = &config.account.paths;
        assert_eq!(
            paths.partial,
            site.join("templates/partials/instagram.html")
        );
        assert_eq!(paths.data, site.join("data/ig.json"));
        assert_eq!(paths.images, site.join("static/instagram"));
        assert_eq!(paths.url_prefix, "/instagram/");
        assert_eq!(config.account.cache_dir, site.join(".instabake"));
        assert_eq!(config.account.name, None);
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
