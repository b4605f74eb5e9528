//! `instabake import PATH`: Instagram's "Export your information" archive (a folder, or the zip,
//! in JSON) turned into the site's export folder (`export_dir`, `instagram-export/` by default),
//! which every later bake reads beside the API ([`crate::source::export`]).
//!
//! The folder is meant to be committed: a bake on a fresh CI machine, with no cache, then still
//! has the posts that only the export holds. It is a replay folder's shapes (the API's own):
//! `media.json` lists the posts newest first as one `/me/media` page, `me.json` holds the username
//! when the export has it, and the media files sit at their paths in the export
//! (`media/posts/202301/...jpg`).
//!
//! Nothing is written before the whole export has been read and checked: the zip's entry names
//! and sizes ([`archive`]), every JSON file, and every media file a post names. The new folder is
//! then written beside the old one and swapped in by renames; [`Staged::keep`] drops the old one
//! once the bake that follows has worked, and [`Staged::undo`] puts it back when it has not.

mod archive;
mod layout;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::mojibake;
use crate::paths::inside;
use crate::report;
use crate::source::export::{ACCOUNT_FILE, MEDIA_FILE};
use archive::{Archive, MAX_ENTRY_BYTES, MAX_JSON_BYTES};
use layout::{ExportMedia, ExportPost, PersonalInformation, PostsFile};

/// Image files a video's poster may be: the same name as the video with one of these extensions.
const POSTER_EXTENSIONS: [&str; 4] = ["jpg", "jpeg", "png", "webp"];

/// The largest image file imported; Instagram's own are a few MB.
const MAX_IMAGE_BYTES: u64 = crate::media::fetch::MAX_SOURCE_BYTES as u64;

/// What an import found.
#[derive(Debug, Default)]
pub(crate) struct Found {
    /// Posts imported.
    pub posts: usize,
    /// Posts left out: nothing in them can be shown (a reel with no image).
    pub skipped: usize,
    pub username: Option<String>,
}

/// A converted export, written beside the export folder and swapped in, waiting for the bake.
pub(crate) struct Staged {
    folder: PathBuf,
    /// The folder as it was before, renamed aside; `None` when there was none.
    previous: Option<PathBuf>,
    pub found: Found,
}

/// Reads the export at `path`, checks it whole, and writes it as the export folder `folder` (whose
/// parent must exist). Videos are copied only with `videos` (`[video] download = true`); without,
/// a video shows as its poster, like a video the API sends without its file.
pub(crate) fn import(path: &Path, folder: &Path, videos: bool) -> Result<Staged> {
    let mut archive = Archive::open(path)?;
    let (prefix, files) =
        layout::posts_files(&archive.names().collect::<Vec<_>>()).ok_or_else(|| {
            Error::ExportNoPosts {
                path: path.to_owned(),
            }
        })?;
    let mut read = Vec::new();
    for file in &files {
        let bytes = archive.read(file, MAX_JSON_BYTES)?;
        let posts: PostsFile =
            serde_json::from_slice(&bytes).map_err(|source| Error::ExportJson {
                path: path.to_owned(),
                file: file.clone(),
                source,
            })?;
        let reels = file.ends_with("reels.json");
        read.extend(posts.into_posts().into_iter().map(|post| (post, reels)));
    }
    let username = read_username(&mut archive, &prefix)?;
    let mut posts = Vec::new();
    let mut copies = Vec::new();
    let mut seen = HashSet::new();
    let mut found = Found {
        username: username.clone(),
        ..Found::default()
    };
    for (post, reels) in read {
        match convert(&archive, &prefix, &post, reels, videos)? {
            Some((normal, files)) => {
                if seen.insert(normal.id.clone()) {
                    posts.push(normal);
                    copies.extend(files);
                }
            }
            None => found.skipped += 1,
        }
    }
    found.posts = posts.len();
    // Newest first, as the API lists them; posts without a time last.
    posts.sort_by_key(|p| std::cmp::Reverse(p.time));
    copies.sort();
    copies.dedup();
    let staged = write_folder(
        &mut archive,
        &prefix,
        folder,
        &posts,
        &copies,
        username.as_deref(),
    )?;
    let previous = swap_in(folder, &staged)?;
    Ok(Staged {
        folder: folder.to_owned(),
        previous,
        found,
    })
}

impl Staged {
    /// The bake worked: the previous folder is removed.
    pub(crate) fn keep(self) {
        if let Some(previous) = &self.previous {
            if let Err(e) = std::fs::remove_dir_all(previous) {
                report::warn(format!(
                    "the previous export folder, kept aside at {}, could not be removed ({e}): \
                     remove it by hand",
                    previous.display()
                ));
            }
        }
    }

    /// The bake failed: the folder is put back as it was.
    pub(crate) fn undo(self) -> Result<()> {
        std::fs::remove_dir_all(&self.folder)
            .map_err(|e| Error::io("remove the new export folder", &self.folder, e))?;
        if let Some(previous) = &self.previous {
            std::fs::rename(previous, &self.folder)
                .map_err(|e| Error::io("put back the previous export folder", previous, e))?;
        }
        Ok(())
    }
}

/// The username from the export's personal information, mojibake fixed.
fn read_username(archive: &mut Archive, prefix: &str) -> Result<Option<String>> {
    for place in layout::PERSONAL_INFORMATION {
        let name = format!("{prefix}{place}");
        if !archive.has(&name) {
            continue;
        }
        let bytes = archive.read(&name, MAX_JSON_BYTES)?;
        let info: PersonalInformation =
            serde_json::from_slice(&bytes).map_err(|source| Error::ExportJson {
                path: archive.path().to_owned(),
                file: name.clone(),
                source,
            })?;
        if let Some(username) = info.username() {
            return Ok(Some(mojibake::fix(username.trim())));
        }
    }
    Ok(None)
}

/// One post of the export folder's `media.json`, in the API's shape (see [`crate::source::wire`]).
#[derive(Debug, Serialize)]
struct NormalPost {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    caption: Option<String>,
    media_type: &'static str,
    media_product_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    media_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    thumbnail_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timestamp: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    children: Option<Children>,
    /// For sorting only.
    #[serde(skip)]
    time: Option<i64>,
}

#[derive(Debug, Serialize)]
struct Children {
    data: Vec<NormalItem>,
}

/// A carousel item.
#[derive(Debug, Serialize)]
struct NormalItem {
    id: String,
    media_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    media_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    thumbnail_url: Option<String>,
}

/// The stable id of an export post: `export-` and 16 hex digits of a hash of its first media
/// file's path in the export and its time. Neither changes between two exports of the same post,
/// and no two posts share a first file.
pub(crate) fn post_id(first_uri: &str, time: Option<i64>) -> String {
    let time = time.map(|t| t.to_string()).unwrap_or_default();
    let hash = blake3::hash(format!("{first_uri}\n{time}").as_bytes()).to_hex();
    format!("export-{}", &hash[..16])
}

/// A carousel item's id: from its file's path alone.
fn item_id(uri: &str) -> String {
    let hash = blake3::hash(uri.as_bytes()).to_hex();
    format!("export-{}", &hash[..16])
}

fn is_video(uri: &str) -> bool {
    let lower = uri.to_ascii_lowercase();
    [".mp4", ".mov", ".m4v"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

/// One media file as it is imported: the image to show, and the video file when one is copied.
struct Usable {
    id: String,
    video: bool,
    image: String,
    video_file: Option<String>,
}

/// Turns an export post into the folder's shape, with the files to copy (paths in the export,
/// without `prefix`). `None` (with a warning) when nothing in it can be shown: a video with no
/// image beside it has no poster to bake.
fn convert(
    archive: &Archive,
    prefix: &str,
    post: &ExportPost,
    reels: bool,
    videos: bool,
) -> Result<Option<(NormalPost, Vec<String>)>> {
    let Some(first) = post.media.first() else {
        report::warn("a post of the export has no media; left out");
        return Ok(None);
    };
    let time = post.creation_timestamp.or(first.creation_timestamp);
    let when = time.map_or_else(
        || "with no time".to_owned(),
        |t| format!("of {}", rfc3339(t)),
    );
    let mut usable = Vec::new();
    let mut copies = Vec::new();
    for media in &post.media {
        let Some(item) = usable_media(archive, prefix, media, &when, videos)? else {
            continue;
        };
        copies.push(item.image.clone());
        copies.extend(item.video_file.clone());
        usable.push(item);
    }
    if usable.is_empty() {
        report::warn(format!(
            "the post {when} ({}) is left out: it is only video, and the export has no image of \
             it to show (put a poster image beside the video, same name, .jpg, and import again)",
            first.uri
        ));
        return Ok(None);
    }
    let caption = post
        .title
        .as_deref()
        .filter(|t| !t.trim().is_empty())
        .or_else(|| {
            post.media
                .iter()
                .filter_map(|m| m.title.as_deref())
                .find(|t| !t.trim().is_empty())
        })
        .map(mojibake::fix);
    let id = post_id(&first.uri, time);
    let media_type = |item: &Usable| if item.video { "VIDEO" } else { "IMAGE" };
    let mut normal = NormalPost {
        id,
        caption,
        media_type: "CAROUSEL_ALBUM",
        media_product_type: if reels { "REELS" } else { "FEED" },
        media_url: None,
        thumbnail_url: None,
        timestamp: time.map(rfc3339),
        children: None,
        time,
    };
    if let [item] = usable.as_slice() {
        normal.media_type = media_type(item);
        if item.video {
            normal.thumbnail_url = Some(item.image.clone());
            normal.media_url.clone_from(&item.video_file);
        } else {
            normal.media_url = Some(item.image.clone());
        }
    } else {
        normal.children = Some(Children {
            data: usable
                .iter()
                .map(|item| NormalItem {
                    id: item.id.clone(),
                    media_type: media_type(item),
                    media_url: if item.video {
                        item.video_file.clone()
                    } else {
                        Some(item.image.clone())
                    },
                    thumbnail_url: item.video.then(|| item.image.clone()),
                })
                .collect(),
        });
    }
    Ok(Some((normal, copies)))
}

/// A media file of a post, checked: its path stays in the export and the file is there (else an
/// error: the export is incomplete). A video needs an image of the same name beside it for its
/// poster; without one it is left out with a warning.
fn usable_media(
    archive: &Archive,
    prefix: &str,
    media: &ExportMedia,
    when: &str,
    videos: bool,
) -> Result<Option<Usable>> {
    let uri = media.uri.trim_start_matches("./");
    if inside(Path::new("."), uri).is_none() {
        return Err(Error::ExportUnsafeEntry {
            path: archive.path().to_owned(),
            entry: media.uri.clone(),
        });
    }
    if !archive.has(&format!("{prefix}{uri}")) {
        return Err(Error::ExportMissingMedia {
            path: archive.path().to_owned(),
            file: uri.to_owned(),
            post: when.to_owned(),
        });
    }
    if !is_video(uri) {
        return Ok(Some(Usable {
            id: item_id(uri),
            video: false,
            image: uri.to_owned(),
            video_file: None,
        }));
    }
    let stem = uri.rsplit_once('.').map_or(uri, |(stem, _)| stem);
    let poster = POSTER_EXTENSIONS
        .iter()
        .map(|ext| format!("{stem}.{ext}"))
        .find(|name| archive.has(&format!("{prefix}{name}")));
    let Some(poster) = poster else {
        report::warn(format!(
            "the video {uri} of the post {when} is left out: the export has no image of it to \
             show (put a poster image beside it, same name, .jpg, and import again)"
        ));
        return Ok(None);
    };
    Ok(Some(Usable {
        id: item_id(uri),
        video: true,
        image: poster,
        video_file: videos.then(|| uri.to_owned()),
    }))
}

/// A Unix time as RFC 3339 UTC.
fn rfc3339(seconds: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// Writes the export folder's content into a new folder beside `folder`; returns it.
fn write_folder(
    archive: &mut Archive,
    prefix: &str,
    folder: &Path,
    posts: &[NormalPost],
    copies: &[String],
    username: Option<&str>,
) -> Result<PathBuf> {
    let parent = folder.parent().unwrap_or(Path::new("."));
    let name = folder
        .file_name()
        .map_or_else(|| "export".into(), |n| n.to_string_lossy().into_owned());
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{name}.new-"))
        .tempdir_in(parent)
        .map_err(|e| Error::io("create a folder in", parent, e))?;
    let dir = staging.path();
    for file in copies {
        let max = if is_video(file) {
            MAX_ENTRY_BYTES
        } else {
            MAX_IMAGE_BYTES
        };
        let bytes = archive.read(&format!("{prefix}{file}"), max)?;
        let target = inside(dir, file).ok_or_else(|| Error::ExportUnsafeEntry {
            path: archive.path().to_owned(),
            entry: file.clone(),
        })?;
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io("create", parent, e))?;
        }
        std::fs::write(&target, bytes).map_err(|e| Error::io("write", &target, e))?;
    }
    let page = serde_json::json!({ "data": posts });
    let mut text = serde_json::to_string_pretty(&page)
        .map_err(|e| Error::json("write", dir.join(MEDIA_FILE), e))?;
    text.push('\n');
    std::fs::write(dir.join(MEDIA_FILE), text)
        .map_err(|e| Error::io("write", dir.join(MEDIA_FILE), e))?;
    if let Some(username) = username {
        let text = format!("{}\n", serde_json::json!({ "username": username }));
        std::fs::write(dir.join(ACCOUNT_FILE), text)
            .map_err(|e| Error::io("write", dir.join(ACCOUNT_FILE), e))?;
    }
    Ok(staging.keep())
}

/// Puts the new folder in place of `folder`, the old one renamed aside; returns where it went.
fn swap_in(folder: &Path, staged: &Path) -> Result<Option<PathBuf>> {
    let previous = if folder.exists() {
        let aside = staged.with_file_name(
            staged
                .file_name()
                .map(|n| n.to_string_lossy().replacen(".new-", ".old-", 1))
                .unwrap_or_default(),
        );
        if let Err(e) = std::fs::rename(folder, &aside) {
            let _ = std::fs::remove_dir_all(staged);
            return Err(Error::io("move aside the export folder", folder, e));
        }
        Some(aside)
    } else {
        None
    };
    if let Err(e) = std::fs::rename(staged, folder) {
        let _ = std::fs::remove_dir_all(staged);
        if let Some(aside) = &previous {
            let _ = std::fs::rename(aside, folder);
        }
        return Err(Error::io("put in place the export folder", folder, e));
    }
    Ok(previous)
}
