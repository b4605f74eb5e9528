//! The progress bar of a bake's media on a terminal: images done of all, how many downloaded and
//! encoded so far, and the post (or carousel item) last started.
//!
//! The media engine ticks a [`Tracker`] whatever the output; when no bar is drawn (a pipe, CI,
//! `-q`) the ticks cost an atomic add. While a bar is drawn every line printed through this module
//! clears it first and redraws it after, so a warning never lands in the middle of it; when the
//! bake is done the bar is cleared and leaves only the usual lines.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The bar being drawn, if any: lines printed meanwhile go around it ([`suspend`]).
static ACTIVE: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// A bake's bar: drawn (on a terminal) from [`start`] until it is dropped, which clears it.
pub(crate) struct Progress {
    tracker: Tracker,
}

/// What the media engine ticks: cheap to clone into every task.
#[derive(Clone)]
pub(crate) struct Tracker {
    bar: Option<ProgressBar>,
    counts: Arc<Counts>,
}

#[derive(Default)]
struct Counts {
    downloaded: AtomicUsize,
    encoded: AtomicUsize,
    /// What was last started, "encoding 1789...": shown with the counts.
    doing: Mutex<String>,
    /// The bar is on the screen: it is put there once it knows how many items there are.
    shown: AtomicBool,
}

/// Starts the bar of a bake's media (`account`, on a site of several, names whose), with nothing
/// to do yet: each batch of the media engine adds its items ([`Tracker::expect`]).
pub(crate) fn start(account: Option<&str>) -> Progress {
    let bar = super::terminal::progress_bar().then(|| {
        // Hidden until it knows how many items there are ([`Tracker::expect`]).
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
        // No colour in the template: the bar is the same under NO_COLOR and --color never. The
        // message takes what width is left, and is cut rather than wrapped.
        let style = ProgressStyle::with_template(
            "{spinner} {prefix}[{elapsed}] [{bar:20}] {pos}/{len} images, {wide_msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        if let Some(account) = account {
            bar.set_prefix(format!("{} ", super::redact(account)));
        }
        *ACTIVE.lock().unwrap_or_else(PoisonError::into_inner) = Some(bar.clone());
        bar
    });
    Progress {
        tracker: Tracker {
            bar,
            counts: Arc::default(),
        },
    }
}

impl Progress {
    /// The handle the media engine ticks.
    pub(crate) fn tracker(&self) -> Tracker {
        self.tracker.clone()
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.tracker.bar {
            ACTIVE.lock().unwrap_or_else(PoisonError::into_inner).take();
            bar.finish_and_clear();
        }
    }
}

impl Tracker {
    /// `items` more to do.
    pub(crate) fn expect(&self, items: usize) {
        let Some(bar) = &self.bar else { return };
        bar.inc_length(items as u64);
        if items > 0 && !self.counts.shown.swap(true, Ordering::Relaxed) {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            // An AVIF encode takes seconds: the spinner and the clock show that work goes on.
            bar.enable_steady_tick(Duration::from_millis(120));
        }
    }

    /// The item `id`'s original is being downloaded.
    pub(crate) fn downloading(&self, id: &str) {
        self.show("downloading", id);
    }

    /// An original has arrived.
    pub(crate) fn downloaded(&self) {
        self.counts.downloaded.fetch_add(1, Ordering::Relaxed);
        self.update();
    }

    /// The item `id` is being decoded and encoded.
    pub(crate) fn encoding(&self, id: &str) {
        self.show("encoding", id);
    }

    /// `files` image files were encoded.
    pub(crate) fn encoded(&self, files: usize) {
        self.counts.encoded.fetch_add(files, Ordering::Relaxed);
        self.update();
    }

    /// An item is done, baked or failed.
    pub(crate) fn finished(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    fn show(&self, doing: &str, id: &str) {
        if self.bar.is_some() {
            *self
                .counts
                .doing
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = format!("{doing} {id}");
            self.update();
        }
    }

    /// "3 downloaded, 12 files encoded; encoding 1789...".
    fn update(&self) {
        let Some(bar) = &self.bar else { return };
        let doing = self
            .counts
            .doing
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        bar.set_message(super::redact(&format!(
            "{} downloaded, {} files encoded; {doing}",
            self.counts.downloaded.load(Ordering::Relaxed),
            self.counts.encoded.load(Ordering::Relaxed),
        )));
    }
}

/// Runs `print` with the bar, if one is drawn, cleared from the screen, and draws it again after.
pub(super) fn suspend<R>(print: impl FnOnce() -> R) -> R {
    let bar = ACTIVE
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    match bar {
        Some(bar) => bar.suspend(print),
        None => print(),
    }
}
