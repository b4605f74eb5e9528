//! The media engine: for every item of every post, get the source image once (from the cache of
//! originals, else by download), decode it once, and make every configured width in every format.
//!
//! Downloads run on the async runtime, decoding and encoding on the rayon pool. Downloads run ahead
//! of the encoding, several at once, and each original goes to the cache as soon as it arrives: a
//! slow media host never leaves a core idle, and an item waiting for a core holds no memory. Only a
//! few items at a time hold their bytes for the CPU, so memory does not grow with the feed. An
//! original that then does not decode leaves the cache again, so the next run downloads it anew.
//! Cache files are read and written on tokio's blocking threads, never on the async ones.
//! Encoded files go into the cache folder under content-addressed names; the emit stage copies them
//! into the site.

pub(crate) mod encode;
mod error;
pub(crate) mod fetch;
mod webp;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub(crate) use encode::Encoded;
pub(crate) use error::{MediaError, WebpError};
pub(crate) use fetch::Fetcher;

use crate::cache::Cache;
use crate::report;
use crate::report::progress::Tracker;
use crate::source::Item;

/// Bumped for a format whenever the pipeline changes its output bytes, so that cached variants and
/// file names are not reused across such a change, and the other formats are not made again.
fn pipeline_version(format: Format) -> u32 {
    match format {
        // 2: chroma subsampled by averaging.
        Format::Jpeg => 2,
        // libwebp 1.3.1 to 1.6.0 left the bytes as they were (the bench's 120 WebPs, and 70
        // encodes over every method), so WebP is still at 1.
        Format::Webp | Format::Avif => 1,
    }
}

/// Whether this build can encode AVIF (the `avif` cargo feature). The format stays known either
/// way, so that a config asking for it gets an error that says how to get it, not "unknown format".
pub(crate) const AVIF_BUILT_IN: bool = cfg!(feature = "avif");

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Format {
    /// Opt-in: the smallest files, but encoding takes many times longer than WebP.
    Avif,
    Webp,
    Jpeg,
}

impl Format {
    /// File extension.
    pub(crate) fn extension(self) -> &'static str {
        match self {
            Format::Avif => "avif",
            Format::Webp => "webp",
            Format::Jpeg => "jpg",
        }
    }

    /// MIME type, for `<source type=...>` and the feeds' enclosures.
    pub(crate) fn mime(self) -> &'static str {
        match self {
            Format::Avif => "image/avif",
            Format::Webp => "image/webp",
            Format::Jpeg => "image/jpeg",
        }
    }
}

/// How images are resized and encoded: the `[images]` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct MediaSettings {
    pub widths: Vec<u32>,
    pub formats: Vec<Format>,
    pub jpeg_quality: u8,
    pub webp_quality: u8,
    /// libwebp's `method`, 0 (fast) to 6 (small).
    pub webp_effort: u8,
    pub avif_quality: u8,
    /// rav1e's speed, 1 (slow, small) to 10 (fast).
    pub avif_speed: u8,
    /// Also make the grid tile's crop of sources of another shape ([`encode::tile_crop`]). Not a
    /// key: on for posts, off for the profile picture, which no tile shows.
    #[serde(skip, default = "yes")]
    pub tiles: bool,
}

fn yes() -> bool {
    true
}

impl Default for MediaSettings {
    fn default() -> Self {
        MediaSettings {
            widths: vec![320, 640, 1080],
            formats: vec![Format::Webp, Format::Jpeg],
            jpeg_quality: 80,
            webp_quality: 80,
            webp_effort: 4,
            avif_quality: 60,
            avif_speed: 10,
            tiles: true,
        }
    }
}

/// Whether reels' video files are baked too: the `[video]` section.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct VideoSettings {
    /// Download video files so they play from the site; off by default, since a video is often 10
    /// to 50 times the size of its images.
    pub download: bool,
    /// Videos larger than this many MiB are not downloaded (the poster links to the post instead).
    pub max_mb: u64,
}

impl Default for VideoSettings {
    fn default() -> Self {
        VideoSettings {
            download: false,
            max_mb: 50,
        }
    }
}

impl VideoSettings {
    /// The size limit in bytes.
    pub(crate) fn max_bytes(&self) -> u64 {
        self.max_mb.saturating_mul(1 << 20)
    }
}

/// The widths a profile picture is baked at: the header shows it 80 px wide, so these cover
/// screens of 1x, 2x and 4x. Instagram serves it 150 or 320 px wide, and nothing is upscaled, so
/// that is usually 150 and 80.
const AVATAR_WIDTHS: &[u32] = &[80, 160, 320];

/// The settings a profile picture is baked with: the site's formats and qualities, at the widths
/// of a small avatar.
pub(crate) fn avatar_settings(images: &MediaSettings) -> MediaSettings {
    MediaSettings {
        widths: AVATAR_WIDTHS.to_vec(),
        tiles: false,
        ..images.clone()
    }
}

impl MediaSettings {
    /// Checks ranges; the message names the key.
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.widths.is_empty() || self.widths.iter().any(|&w| !(16..=8192).contains(&w)) {
            return Err(format!(
                "images.widths = {:?}: give at least one width, each from 16 to 8192",
                self.widths
            ));
        }
        if self.formats.is_empty() {
            return Err(
                "images.formats is empty: give at least one of \"avif\", \"webp\", \"jpeg\"".into(),
            );
        }
        if !(1..=100).contains(&self.jpeg_quality) {
            return Err(format!(
                "images.jpeg_quality = {} is out of range (1 to 100)",
                self.jpeg_quality
            ));
        }
        if !(1..=100).contains(&self.webp_quality) {
            return Err(format!(
                "images.webp_quality = {} is out of range (1 to 100)",
                self.webp_quality
            ));
        }
        if self.webp_effort > 6 {
            return Err(format!(
                "images.webp_effort = {} is out of range (0 to 6)",
                self.webp_effort
            ));
        }
        if self.formats.contains(&Format::Avif) && !AVIF_BUILT_IN {
            return Err(format!(
                "images.formats includes \"avif\", but this instabake was built without AVIF: \
                 use a release binary, `pip install instabake` or `npx instabake` (they have it), \
                 build with `cargo install instabake --features avif`, or leave \"avif\" out \
                 (formats = {:?})",
                self.formats
                    .iter()
                    .filter(|f| **f != Format::Avif)
                    .map(|f| f.extension().replace("jpg", "jpeg"))
                    .collect::<Vec<_>>()
            ));
        }
        if !(1..=100).contains(&self.avif_quality) {
            return Err(format!(
                "images.avif_quality = {} is out of range (1 to 100)",
                self.avif_quality
            ));
        }
        if !(1..=10).contains(&self.avif_speed) {
            return Err(format!(
                "images.avif_speed = {} is out of range (1 to 10)",
                self.avif_speed
            ));
        }
        Ok(())
    }

    /// What, besides the source bytes, decides the output bytes of one format.
    fn fingerprint(&self, format: Format) -> String {
        let quality = match format {
            Format::Jpeg => format!("q{}", self.jpeg_quality),
            Format::Webp => format!("q{}m{}", self.webp_quality, self.webp_effort),
            Format::Avif => format!("q{}s{}", self.avif_quality, self.avif_speed),
        };
        let version = pipeline_version(format);
        format!("v{version}-{}-{quality}", format.extension())
    }
}

/// One encoded file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Variant {
    pub format: Format,
    pub width: u32,
    pub height: u32,
    /// File name, content addressed: `<hash of source and settings>-<width>.<ext>`, or
    /// `-t<width>` for a tile crop.
    pub file: String,
    pub bytes: u64,
    /// The whole image, or the grid tile's crop of it.
    #[serde(default, skip_serializing_if = "Cut::is_full")]
    pub cut: Cut,
}

/// What part of the source a variant shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Cut {
    /// The whole image.
    #[default]
    Full,
    /// The centred part a grid tile shows ([`encode::tile_crop`]).
    Tile,
}

impl Cut {
    fn is_full(&self) -> bool {
        *self == Cut::Full
    }
}

/// Why one item could not be baked.
pub(crate) type ItemError = MediaError;

/// Bakes every item, returning each one's result by item id. Items that share an id are baked once.
/// `progress` is told of each item, its download, its encoding and its end.
pub(crate) async fn bake_items(
    items: Vec<Item>,
    fetcher: Fetcher,
    cache: Arc<Cache>,
    settings: Arc<MediaSettings>,
    progress: &Tracker,
) -> HashMap<String, Result<Encoded, ItemError>> {
    let workers = rayon::current_num_threads().max(1);
    let stages = Arc::new(Stages {
        downloads: tokio::sync::Semaphore::new(DOWNLOADS_AT_ONCE),
        // Every core busy, and as many items again ready for the next free core.
        cpu: tokio::sync::Semaphore::new(workers * 2),
        work: Work::default(),
    });
    let mut tasks = tokio::task::JoinSet::new();
    let mut seen = HashSet::new();
    let items: Vec<Item> = items
        .into_iter()
        .filter(|item| seen.insert(item.id.clone()))
        .collect();
    progress.expect(items.len());
    for item in items {
        let (fetcher, cache, settings, stages, progress) = (
            fetcher.clone(),
            cache.clone(),
            settings.clone(),
            stages.clone(),
            progress.clone(),
        );
        tasks.spawn(async move {
            let result = bake_item(&item, &fetcher, &cache, &settings, &stages, &progress).await;
            progress.finished();
            (item.id, result)
        });
    }
    let mut results = HashMap::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((id, result)) => {
                results.insert(id, result);
            }
            Err(e) => report::warn(format!("an image task failed: {e}")),
        }
    }
    let work = &stages.work;
    report::detail(format!(
        "media: {} downloaded, {} decoded, {} files encoded",
        work.downloads.load(Ordering::Relaxed),
        work.decodes.load(Ordering::Relaxed),
        work.encodes.load(Ordering::Relaxed),
    ));
    results
}

/// Downloads at once. Enough that a media host answering in a second still keeps two cores
/// busy; each holds at most [`fetch::MAX_SOURCE_BYTES`] while it runs.
const DOWNLOADS_AT_ONCE: usize = 8;

/// The two limits an item passes through: a download slot, then a CPU slot; and what was done.
struct Stages {
    downloads: tokio::sync::Semaphore,
    cpu: tokio::sync::Semaphore,
    work: Work,
}

/// What the media stage did, printed with `-v`: a rebuild with nothing new shows three zeros,
/// which is what makes it cheap (and what the tests check).
#[derive(Default)]
struct Work {
    downloads: AtomicUsize,
    decodes: AtomicUsize,
    /// Files encoded, one per format and width.
    encodes: AtomicUsize,
}

/// Why a worker could not bake an item, which decides whether its original is worth keeping.
enum WorkerError {
    /// The source does not decode (or crashed the decoder): it is dropped from the cache.
    BadSource(MediaError),
    /// Anything after decoding (resizing, encoding, writing): the source is fine.
    Other(MediaError),
}

/// A baked video file: its content-addressed name in the cache's variants folder.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct VideoFile {
    pub file: String,
    pub bytes: u64,
}

/// Downloads the video file of every video item that has one (`media_url`), at most `max_bytes`
/// each, two at a time. Videos are copied as they are: re-encoding is a job for a video tool.
pub(crate) async fn bake_videos(
    items: Vec<Item>,
    fetcher: Fetcher,
    cache: Arc<Cache>,
    max_bytes: u64,
) -> HashMap<String, Result<VideoFile, ItemError>> {
    let slots = Arc::new(tokio::sync::Semaphore::new(2));
    let mut tasks = tokio::task::JoinSet::new();
    for item in items {
        // A feed from the cache has no URLs, but its videos are among the originals.
        if item.video_url.is_none() && !cache.has_original(&video_key(&item.id)) {
            continue;
        }
        let (fetcher, cache, slots) = (fetcher.clone(), cache.clone(), slots.clone());
        tasks.spawn(async move {
            let _slot = slots.acquire_owned().await;
            let url = item.video_url.as_deref().unwrap_or_default();
            let result = bake_video(&item.id, url, &fetcher, &cache, max_bytes).await;
            (item.id, result)
        });
    }
    let mut results = HashMap::new();
    while let Some(joined) = tasks.join_next().await {
        if let Ok((id, result)) = joined {
            results.insert(id, result);
        }
    }
    results
}

/// Where a video's original is kept in the cache, beside its poster's.
pub(crate) fn video_key(id: &str) -> String {
    format!("{id}.video")
}

/// The keys of the originals the cache keeps for these media items: each item's image, and its
/// video's beside it.
pub(crate) fn original_keys<'a>(ids: impl IntoIterator<Item = &'a str>) -> HashSet<String> {
    ids.into_iter()
        .flat_map(|id| [id.to_owned(), video_key(id)])
        .collect()
}

/// Everything made before from the source with this hash, whatever the settings were then: its
/// size, colour, placeholder, and those variants whose files are still in the cache whole.
fn cached_record(cache: &Cache, source_hash: &[u8; 32]) -> Option<Encoded> {
    let mut record: Encoded = cache.record(source_hash)?;
    record
        .variants
        .retain(|v| cache.has_variant(&v.file, v.bytes));
    Some(record)
}

/// Whether a record (as the cache keeps it) names any of `files`: one that names none of them is
/// of no use to the bake that made `files`.
pub(crate) fn record_uses_any(record: &[u8], files: &HashSet<String>) -> bool {
    serde_json::from_slice::<Encoded>(record)
        .is_ok_and(|r| r.variants.iter().any(|v| files.contains(&v.file)))
}

async fn bake_video(
    id: &str,
    url: &str,
    fetcher: &Fetcher,
    cache: &Arc<Cache>,
    max_bytes: u64,
) -> Result<VideoFile, ItemError> {
    let key = video_key(id);
    let cached = {
        let key = key.clone();
        on_disk(cache, move |cache| cache.original(&key)).await?
    };
    let (bytes, downloaded) = match cached {
        Some(bytes) => (bytes, false),
        None => {
            report::detail(format!("downloading video {id}"));
            (fetcher.fetch_video(url, max_bytes).await?, true)
        }
    };
    on_disk(cache, move |cache| {
        if downloaded {
            cache
                .store_original(&key, &bytes)
                .map_err(|source| MediaError::Cache {
                    what: "keep the video",
                    source,
                })?;
        }
        let file = format!("{}.mp4", &blake3::hash(&bytes).to_hex()[..16]);
        let path = cache.variants_dir().join(&file);
        if !std::fs::metadata(&path).is_ok_and(|m| m.len() == bytes.len() as u64) {
            crate::atomic::write(&path, &bytes).map_err(|source| MediaError::Write {
                path: file.clone().into(),
                source,
            })?;
        }
        Ok(VideoFile {
            file,
            bytes: bytes.len() as u64,
        })
    })
    .await?
}

/// Runs file work of the cache on tokio's blocking threads: an original is megabytes (a video,
/// tens of them), and the async threads meanwhile drive every other download.
async fn on_disk<T: Send + 'static>(
    cache: &Arc<Cache>,
    work: impl FnOnce(&Cache) -> T + Send + 'static,
) -> Result<T, ItemError> {
    let cache = cache.clone();
    tokio::task::spawn_blocking(move || work(&cache))
        .await
        .map_err(|source| MediaError::Task { source })
}

async fn bake_item(
    item: &Item,
    fetcher: &Fetcher,
    cache: &Arc<Cache>,
    settings: &Arc<MediaSettings>,
    stages: &Stages,
    progress: &Tracker,
) -> Result<Encoded, ItemError> {
    if !cache.has_original(&item.id) {
        let url = item.image_url.as_deref().ok_or(MediaError::NoImageUrl)?;
        let _download = stages.downloads.acquire().await;
        report::detail(format!("downloading media {}", item.id));
        progress.downloading(&item.id);
        let bytes = fetcher.fetch_image(url).await?;
        stages.work.downloads.fetch_add(1, Ordering::Relaxed);
        progress.downloaded();
        let id = item.id.clone();
        on_disk(cache, move |cache| cache.store_original(&id, &bytes))
            .await?
            .map_err(|source| MediaError::Cache {
                what: "keep the original",
                source,
            })?;
    }
    // Until a core is free the original waits in the cache, not in memory.
    let _cpu = stages.cpu.acquire().await;
    let id = item.id.clone();
    let bytes = on_disk(cache, move |cache| cache.original(&id))
        .await?
        .ok_or(MediaError::OriginalVanished)?;
    let source_hash = *blake3::hash(&bytes).as_bytes();
    let prefixes: HashMap<Format, String> = settings
        .formats
        .iter()
        .map(|&f| {
            let mut hasher = blake3::Hasher::new();
            hasher.update(&source_hash);
            hasher.update(settings.fingerprint(f).as_bytes());
            (f, hasher.finalize().to_hex()[..16].to_owned())
        })
        .collect();
    let name = move |format: Format, width: u32, cut: Cut| {
        let tile = if cut == Cut::Tile { "t" } else { "" };
        format!("{}-{tile}{width}.{}", prefixes[&format], format.extension())
    };
    // Everything made from this source before, whatever the settings were then.
    let record = cached_record(cache, &source_hash);
    if let Some(record) = &record {
        if let Some(encoded) = record.select(settings, &name) {
            return Ok(encoded);
        }
    }
    let settings = settings.clone();
    let out_dir = cache.variants_dir();
    let existing = record
        .as_ref()
        .map(|r| r.variants.clone())
        .unwrap_or_default();
    let reused: HashSet<String> = existing.iter().map(|v| v.file.clone()).collect();
    stages.work.decodes.fetch_add(1, Ordering::Relaxed);
    progress.encoding(&item.id);
    let (send, receive) = tokio::sync::oneshot::channel();
    let id = item.id.clone();
    let subject = item.id.clone();
    rayon::spawn(move || {
        // A panic on the rayon pool would abort the whole process; a decoder that chokes on one
        // hostile file must cost only that image.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            crate::failpoint::panic("panic-in-worker", &subject);
            let rgb = encode::decode(&bytes).map_err(WorkerError::BadSource)?;
            drop(bytes);
            encode::encode_all(&rgb, &settings, &out_dir, name, &existing)
                .map_err(WorkerError::Other)
        }))
        .unwrap_or_else(|_| Err(WorkerError::BadSource(MediaError::DecoderCrashed)));
        let _ = send.send(result);
    });
    let encoded = match receive.await {
        Ok(Ok(encoded)) => encoded,
        Ok(Err(WorkerError::Other(error))) => return Err(error),
        // An original that does not decode is not kept: the next run downloads it again, and
        // Instagram may well serve a good file by then.
        Ok(Err(WorkerError::BadSource(error))) => {
            cache.forget_original(&item.id);
            return Err(error);
        }
        Err(_) => {
            cache.forget_original(&item.id);
            return Err(MediaError::EncoderCrashed { id });
        }
    };
    let made = encoded
        .variants
        .iter()
        .filter(|v| !reused.contains(&v.file))
        .count();
    stages.work.encodes.fetch_add(made, Ordering::Relaxed);
    progress.encoded(made);
    let mut merged = encoded.clone();
    if let Some(record) = record {
        let known: HashSet<String> = merged.variants.iter().map(|v| v.file.clone()).collect();
        merged.variants.extend(
            record
                .variants
                .into_iter()
                .filter(|v| !known.contains(&v.file)),
        );
    }
    cache
        .store_record(&source_hash, &merged)
        .map_err(|source| MediaError::Record { source })?;
    Ok(encoded)
}
