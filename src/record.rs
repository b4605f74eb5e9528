//! `instabake record DIR`: the live feed written as a replay folder, so that a bake can be
//! reproduced with no token and no network, or attached to a bug report.
//!
//! It reads what a bake reads, with the same client, token upkeep, `[filter]`, `limit` and
//! `[account]` settings (`source::api::Client::read`), keeps of it what
//! [`crate::source::scrub`] lets through (no token, no paging URL, no CDN URL), and downloads
//! every media file a bake of those settings could use into `media/`, by the media fetcher (size
//! caps, content sniffed), each named by its item id.
//!
//! Whole or nothing: the folder is written beside `DIR` under a temporary name, checked, and
//! renamed into place at the end, so a failing API call leaves `DIR` as it was.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::cache::{self, Cache};
use crate::config::{Account, Config};
use crate::curate::Curation;
use crate::error::{Error, Result};
use crate::media::{Fetcher, MediaError};
use crate::report;
use crate::source::scrub::{self, check_clean, scrub_media, scrub_profile, Plan, Role};
use crate::source::{api, wire::WireMedia};
use crate::upkeep;

/// The folder media files are written to, inside the recording.
const MEDIA_DIR: &str = "media";
/// Media downloads at once: a recording is rare, and the CDN need not be hurried.
const DOWNLOADS_AT_ONCE: usize = 4;

/// What a recording holds, for the summary.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Recorded {
    pub posts: usize,
    pub pages: usize,
    pub media_files: usize,
    /// The bytes of the media files.
    pub bytes: u64,
    /// Media that could not be downloaded, left out of the recording.
    pub failed: usize,
}

/// Records the live feed of `account` into `dir`. `force` lets a previous recording there be
/// replaced; anything else in the way is refused before any API call.
pub(crate) async fn record(
    config: &Config,
    account: &Account,
    dir: &Path,
    force: bool,
) -> Result<Recorded> {
    let target = Target::check(dir, force)?;
    if let Some(replay) = &config.source.replay {
        report::warn(format!(
            "the config sets replay = {:?}; a recording reads the live API, so it is ignored",
            replay.display()
        ));
    }
    let cache = Cache::open(&account.cache_dir)?;
    let http = crate::http::client(config.source.timeout)?;
    let token = account.token()?;
    let (token, _) = upkeep::before_build(config, account, &cache, &http, token).await?;
    let client = api::Client::new(http.clone(), &config.source.api_base, token.clone())?
        .with_counts(config.profile.counts);
    let curation = Curation::new(&account.filter, &config.posts);
    let wanted = curation.wanted(account.limit);
    report::info(account.tell("recording the feed from the Instagram API"));
    let mut read = client.read(&wanted).await?;
    let mut profile = if config.profile.profile {
        Some(client.read_profile().await?)
    } else {
        None
    };

    // Which URLs are worth a download: those a bake with these settings could use.
    let videos = config.video.download;
    let shows = |post: &WireMedia| wanted.counts(&post.clone().into_post());
    let mut plan = Plan::default();
    let mut note = |id: &str, role: Role, url: String| {
        plan.want(id, role, &url);
        Some(url)
    };
    for post in read.pages.iter_mut().flatten() {
        let shows = shows(post);
        scrub_media(post, shows, videos, &mut note);
    }
    for post in &mut read.pinned {
        scrub_media(post, true, videos, &mut note);
    }
    if let Some(me) = &mut profile {
        scrub_profile(me, &mut note);
    }

    let parent = parent_of(dir);
    std::fs::create_dir_all(&parent).map_err(|e| Error::io("create the folder", &parent, e))?;
    let staged = tempfile::Builder::new()
        .prefix(&format!(".{}.recording-", file_name_of(dir)))
        .tempdir_in(&parent)
        .map_err(|e| Error::io("create a temporary folder in", &parent, e))?;
    let media_dir = staged.path().join(MEDIA_DIR);
    std::fs::create_dir(&media_dir).map_err(|e| Error::io("create", &media_dir, e))?;
    let hosts = plan.hosts();
    let wants = plan.wants.len();
    let saved = download(
        plan,
        Fetcher::Http(http),
        &media_dir,
        config.video.max_bytes(),
    )
    .await;
    let mut recorded = Recorded {
        posts: read.posts().count(),
        pages: read.pages.len(),
        failed: wants - saved.len(),
        ..Recorded::default()
    };
    for file in saved.values() {
        recorded.media_files += 1;
        recorded.bytes += file.bytes;
    }
    let mut local = |id: &str, role: Role, _: String| {
        saved
            .get(&(id.to_owned(), role))
            .map(|file| file.path.clone())
    };
    for post in read.pages.iter_mut().flatten().chain(&mut read.pinned) {
        // The plan already left out what does not show; this only swaps URLs for paths.
        scrub_media(post, true, videos, &mut local);
    }
    if let Some(me) = &mut profile {
        scrub_profile(me, &mut local);
    }
    scrub::write_folder(staged.path(), read, profile.as_ref())?;
    check_clean(staged.path(), token.expose(), &hosts)?;
    target.replace_with(staged, dir)?;
    Ok(recorded)
}

/// A media file written into the recording.
#[derive(Debug)]
struct Saved {
    /// Relative to the recording: `media/<id>.<ext>`.
    path: String,
    bytes: u64,
}

/// Downloads every media file of `plan` into `media_dir`, a few at once, by the media fetcher
/// (size caps, content sniffed), each named by its item id and an extension from its content.
/// A file that cannot be downloaded is left out, with a warning; its URL then goes too.
async fn download(
    plan: Plan,
    fetcher: Fetcher,
    media_dir: &Path,
    max_video: u64,
) -> BTreeMap<(String, Role), Saved> {
    let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(DOWNLOADS_AT_ONCE));
    let mut tasks = tokio::task::JoinSet::new();
    for ((id, role), url) in plan.wants {
        let (fetcher, slots, media_dir) = (fetcher.clone(), slots.clone(), media_dir.to_owned());
        tasks.spawn(async move {
            let _slot = slots.acquire_owned().await;
            let saved = save(&fetcher, &id, role, &url, &media_dir, max_video).await;
            ((id, role), saved)
        });
    }
    let mut saved = BTreeMap::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((key, Ok(file))) => {
                saved.insert(key, file);
            }
            Ok(((id, role), Err(error))) => {
                let what = match role {
                    Role::Image => "image",
                    Role::Video => "video file",
                };
                report::warn(format!(
                    "the {what} of {id} could not be downloaded ({error}); it is left out of \
                     the recording"
                ));
            }
            Err(error) => report::warn(format!("a download task failed: {error}")),
        }
    }
    saved
}

async fn save(
    fetcher: &Fetcher,
    id: &str,
    role: Role,
    url: &str,
    media_dir: &Path,
    max_video: u64,
) -> std::result::Result<Saved, MediaError> {
    report::detail(format!("downloading media {id}"));
    let (bytes, extension) = match role {
        Role::Image => {
            let bytes = fetcher.fetch_image(url).await?;
            let extension = image::guess_format(&bytes)
                .ok()
                .and_then(|f| f.extensions_str().first().copied())
                .unwrap_or("img");
            (bytes, extension)
        }
        Role::Video => (fetcher.fetch_video(url, max_video).await?, "mp4"),
    };
    let name = format!("{}.{extension}", cache::file_name_for_id(id));
    let path = media_dir.join(&name);
    let length = bytes.len() as u64;
    let written = path.clone();
    tokio::task::spawn_blocking(move || std::fs::write(&written, &bytes))
        .await
        .map_err(|source| MediaError::Task { source })?
        .map_err(|source| MediaError::Write {
            path: name.clone().into(),
            source,
        })?;
    Ok(Saved {
        path: format!("{MEDIA_DIR}/{name}"),
        bytes: length,
    })
}

/// The folder that holds `dir` (`.` for a bare name).
fn parent_of(dir: &Path) -> PathBuf {
    match dir.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    }
}

fn file_name_of(dir: &Path) -> String {
    dir.file_name().map_or_else(
        || "recording".to_owned(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// What is at `DIR` before recording, which decides how the recording takes its place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// Nothing: the recording is renamed to `DIR`.
    Absent,
    /// An empty folder: removed, then the same.
    Empty,
    /// A previous recording (a folder with a `media.json`), to be replaced (`--force`).
    Previous,
}

impl Target {
    /// Refuses, with what to do, a `DIR` that is a file, a folder with other things in it, or a
    /// previous recording without `force`.
    fn check(dir: &Path, force: bool) -> Result<Target> {
        let shown = dir.display();
        if dir.file_name().is_none() {
            return Err(Error::Usage(format!(
                "record: {shown:?} cannot be a recording's folder: name a new folder, e.g. \
                 `instabake record feed-recording`"
            )));
        }
        let Ok(meta) = std::fs::symlink_metadata(dir) else {
            return Ok(Target::Absent);
        };
        if !meta.is_dir() {
            return Err(Error::Usage(format!(
                "record: {shown} exists and is not a folder: name a new folder for the recording"
            )));
        }
        let mut entries = std::fs::read_dir(dir).map_err(|e| Error::io("read", dir, e))?;
        if entries.next().is_none() {
            return Ok(Target::Empty);
        }
        if !dir.join("media.json").is_file() {
            return Err(Error::Usage(format!(
                "record: {shown} is not empty and holds no recording (no media.json): name a new \
                 or empty folder; nothing was written"
            )));
        }
        if !force {
            return Err(Error::Usage(format!(
                "record: {shown} holds a previous recording: pass --force to replace it, or name \
                 a new folder; nothing was written"
            )));
        }
        Ok(Target::Previous)
    }

    /// Puts the recording staged in `staged` at `dir`. A previous recording is moved aside
    /// first, put back if the rename fails, and removed once the new one is in place.
    fn replace_with(self, staged: tempfile::TempDir, dir: &Path) -> Result<()> {
        let staged = staged.keep();
        let rename = |from: &Path, to: &Path| {
            std::fs::rename(from, to).map_err(|e| Error::io("move the recording to", to, e))
        };
        let result = match self {
            Target::Absent => rename(&staged, dir),
            Target::Empty => std::fs::remove_dir(dir)
                .map_err(|e| Error::io("replace the empty folder", dir, e))
                .and_then(|()| rename(&staged, dir)),
            Target::Previous => {
                let aside = parent_of(dir).join(format!(
                    ".{}.previous-{}",
                    file_name_of(dir),
                    std::process::id()
                ));
                rename(dir, &aside).and_then(|()| match rename(&staged, dir) {
                    Ok(()) => {
                        // Only a leftover: the new recording is in place either way.
                        let _ = std::fs::remove_dir_all(&aside);
                        Ok(())
                    }
                    Err(error) => {
                        let _ = std::fs::rename(&aside, dir);
                        Err(error)
                    }
                })
            }
        };
        if result.is_err() {
            let _ = std::fs::remove_dir_all(&staged);
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_empty_folder_or_a_previous_recording_with_force_is_replaced() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("rec");
        assert_eq!(Target::check(&dir, false).unwrap(), Target::Absent);
        std::fs::create_dir(&dir).unwrap();
        assert_eq!(Target::check(&dir, false).unwrap(), Target::Empty);
        std::fs::write(dir.join("notes.txt"), "mine").unwrap();
        for force in [false, true] {
            let error = Target::check(&dir, force).unwrap_err().to_string();
            assert!(error.contains("holds no recording"), "{error}");
        }
        std::fs::write(dir.join("media.json"), "{}").unwrap();
        let error = Target::check(&dir, false).unwrap_err().to_string();
        assert!(error.contains("--force"), "{error}");
        assert_eq!(Target::check(&dir, true).unwrap(), Target::Previous);
        let file = root.path().join("file");
        std::fs::write(&file, "x").unwrap();
        assert!(Target::check(&file, true).is_err());

        // Replacing: the new folder is in place, the old one and the staging folder are gone.
        let staged = tempfile::tempdir_in(root.path()).unwrap();
        std::fs::write(staged.path().join("media.json"), "new").unwrap();
        Target::Previous.replace_with(staged, &dir).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.join("media.json")).unwrap(),
            "new"
        );
        assert!(!dir.join("notes.txt").exists());
        let mut left: Vec<String> = std::fs::read_dir(root.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["file", "rec"]);
    }
}
