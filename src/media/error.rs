//! Why one media item could not be baked. The item is left out with a warning that prints this
//! error's message, so each message is whole on its own: it includes its cause's text, and keeps
//! the cause as [`std::error::Error::source`] for code that needs its type.

use std::path::PathBuf;

use super::encode::{MAX_ALLOC, MAX_SIDE};

/// Why a media item (an image or a video) could not be baked.
#[derive(Debug, thiserror::Error)]
pub(crate) enum MediaError {
    /// A replay folder's media URL leads outside the folder.
    #[error("{url:?} is not a file inside the replay folder")]
    NotInReplayFolder { url: String },

    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The file is larger than accepted for its kind (by its length, or as it came).
    #[error("the file is larger than {} MiB", .max >> 20)]
    TooLarge { max: u64 },

    #[error("the media URL is not a valid URL")]
    BadUrl {
        #[source]
        source: url::ParseError,
    },

    #[error("the media URL has scheme {scheme:?}")]
    NotHttp { scheme: String },

    /// The media host answered, but not with the file: an expired signed URL, a deleted post.
    #[error("the media host answered HTTP {status} with {body}")]
    HostStatus {
        status: u16,
        /// What the body looked like ([`crate::http::describe_body`]).
        body: String,
    },

    #[error("download failed: {source}")]
    Download {
        #[source]
        source: crate::http::Failure,
    },

    /// A CDN's HTML error page with a 200, say.
    #[error("the download is not an image ({bytes} bytes starting {start:?})")]
    NotAnImage { bytes: usize, start: String },

    #[error("the download is not an MP4 video ({bytes} bytes)")]
    NotAVideo { bytes: usize },

    #[error("the API gave no image URL for it")]
    NoImageUrl,

    #[error("its original vanished from the cache while baking")]
    OriginalVanished,

    /// The cache could not keep something; `what` is e.g. "keep the original".
    #[error("cannot {what} in the cache: {source}")]
    Cache {
        what: &'static str,
        #[source]
        source: std::io::Error,
    },

    /// The record of what was made from a source could not be kept.
    #[error("cannot record the variants in the cache: {source}")]
    Record {
        #[source]
        source: crate::error::Error,
    },

    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A blocking file task did not finish (it panicked, or the runtime is shutting down).
    #[error("a file task failed: {source}")]
    Task {
        #[source]
        source: tokio::task::JoinError,
    },

    #[error("cannot read the image: {source}")]
    ReadImage {
        #[source]
        source: std::io::Error,
    },

    /// The bytes are none of the formats the decoder knows.
    #[error("not an image (the bytes are not JPEG, PNG, WebP or GIF)")]
    UnknownFormat,

    /// One of our decoding limits refused it.
    #[error(
        "the image is larger than instabake accepts (at most {MAX_SIDE} px a side and {} MiB \
         decoded; a decompression bomb?): {source}",
        MAX_ALLOC >> 20
    )]
    TooLargeToDecode {
        #[source]
        source: image::ImageError,
    },

    #[error("cannot decode the image: {source}")]
    Decode {
        #[source]
        source: image::ImageError,
    },

    #[error("the image decoder crashed on this file")]
    DecoderCrashed,

    #[error("the image is empty")]
    Empty,

    #[error("cannot resize to {width} px: {source}")]
    Resize {
        width: u32,
        #[source]
        source: fast_image_resize::ResizeError,
    },

    /// Pixels that do not fit their stated size; `which` is "source" or "resized".
    #[error("bad {which} buffer: {source}")]
    Buffer {
        which: &'static str,
        #[source]
        source: fast_image_resize::ImageBufferError,
    },

    #[error("{width}x{height} is too large for JPEG")]
    TooLargeForJpeg { width: u32, height: u32 },

    #[error("cannot encode JPEG: {source}")]
    Jpeg {
        #[source]
        source: jpeg_encoder::EncodingError,
    },

    #[error(transparent)]
    Webp(#[from] WebpError),

    #[cfg(feature = "avif")]
    #[error("cannot encode AVIF: {source}")]
    Avif {
        #[source]
        source: ravif::Error,
    },

    /// Config validation refuses AVIF in a build without it; this is the last line of defence.
    #[cfg(not(feature = "avif"))]
    #[error("this instabake was built without AVIF (the `avif` feature)")]
    AvifNotBuiltIn,

    #[error("cannot make the placeholder: {source}")]
    PlaceholderResize {
        #[source]
        source: fast_image_resize::ResizeError,
    },

    #[error("cannot encode the placeholder: {source}")]
    PlaceholderEncode {
        #[source]
        source: image::ImageError,
    },

    /// The encoding worker ended without an answer.
    #[error("encoding media {id} crashed")]
    EncoderCrashed { id: String },
}

/// Why libwebp made no WebP. libwebp reports no error value of its own beyond a code.
#[derive(Debug, thiserror::Error)]
pub(crate) enum WebpError {
    #[error("an empty image cannot be encoded")]
    Empty,

    #[error("{width}x{height} is too large for WebP (at most {max} px a side)")]
    TooLarge { width: u32, height: u32, max: u32 },

    #[error("{len} bytes of pixels do not make a {width}x{height} RGB image")]
    PixelCount { len: usize, width: u32, height: u32 },

    /// `what` is "encoder" or "picture".
    #[error("cannot set up the WebP {what}")]
    Setup { what: &'static str },

    #[error("libwebp refused quality {quality} with method {method}")]
    Config { quality: f32, method: u8 },

    #[error("libwebp could not take the {width}x{height} image (out of memory?)")]
    Import { width: u32, height: u32 },

    /// Shown by its name (`VP8_ENC_ERROR_OUT_OF_MEMORY`).
    #[error("libwebp failed to encode ({code:?})")]
    Encode {
        code: libwebp_sys::WebPEncodingError,
    },

    #[error("libwebp produced no output")]
    NoOutput,
}
