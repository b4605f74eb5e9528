//! Real encoded test images for the fake media host, generated with the `image` crate.
//!
//! The pictures are a diagonal colour gradient, a few soft bands and per-pixel noise, so that JPEG and
//! WebP encoders have real work to do (a flat colour would compress to nothing and hide size bugs).
//! They are deterministic: the same `(width, height, seed)` always gives the same bytes, which keeps
//! the content-addressed file names of the baked output stable from run to run. Each distinct image
//! is encoded once per test process and shared.

use std::collections::HashMap;
use std::io::Cursor;
use std::sync::{Arc, Mutex, OnceLock};

use image::codecs::jpeg::JpegEncoder;
use image::{ImageFormat, RgbImage};

/// Encoded formats the media host can serve.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Format {
    Jpeg,
    Png,
    WebP,
}

/// A JPEG (quality 85) of `width` x `height` whose colours depend on `seed`.
pub(crate) fn jpeg(width: u32, height: u32, seed: u64) -> Arc<Vec<u8>> {
    cached(Format::Jpeg, width, height, seed)
}

/// A PNG of `width` x `height` whose colours depend on `seed`.
pub(crate) fn png(width: u32, height: u32, seed: u64) -> Arc<Vec<u8>> {
    cached(Format::Png, width, height, seed)
}

/// A lossless WebP of `width` x `height` whose colours depend on `seed`.
pub(crate) fn webp(width: u32, height: u32, seed: u64) -> Arc<Vec<u8>> {
    cached(Format::WebP, width, height, seed)
}

/// A tiny but well-formed MP4 (an `ftyp` box and an empty `mdat` box): enough for anything that
/// downloads a video file and sniffs its type, not playable.
pub(crate) fn mp4() -> Arc<Vec<u8>> {
    static MP4: OnceLock<Arc<Vec<u8>>> = OnceLock::new();
    MP4.get_or_init(|| {
        let mut bytes = Vec::new();
        // ftyp box: size 24, major brand isom, minor version 512, compatible brands isom, mp41.
        bytes.extend_from_slice(&24u32.to_be_bytes());
        bytes.extend_from_slice(b"ftypisom");
        bytes.extend_from_slice(&512u32.to_be_bytes());
        bytes.extend_from_slice(b"isommp41");
        // mdat box with a few payload bytes.
        let payload = b"instabake test video payload";
        bytes.extend_from_slice(&(8 + payload.len() as u32).to_be_bytes());
        bytes.extend_from_slice(b"mdat");
        bytes.extend_from_slice(payload);
        Arc::new(bytes)
    })
    .clone()
}

/// A stable seed for a name (FNV-1a), so `"101.jpg"` always gets the same picture.
pub(crate) fn seed_of(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn cached(format: Format, width: u32, height: u32, seed: u64) -> Arc<Vec<u8>> {
    type Cache = Mutex<HashMap<(Format, u32, u32, u64), Arc<Vec<u8>>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = (format, width, height, seed);
    if let Some(bytes) = cache.lock().unwrap().get(&key) {
        return bytes.clone();
    }
    // Encode outside the lock: tests running in parallel can generate different images at once.
    let bytes = Arc::new(encode(format, &picture(width, height, seed)));
    cache.lock().unwrap().entry(key).or_insert(bytes).clone()
}

fn encode(format: Format, picture: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    match format {
        Format::Jpeg => {
            JpegEncoder::new_with_quality(&mut out, 85)
                .encode_image(picture)
                .expect("encode test JPEG");
        }
        Format::Png => picture
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .expect("encode test PNG"),
        Format::WebP => picture
            .write_to(&mut Cursor::new(&mut out), ImageFormat::WebP)
            .expect("encode test WebP"),
    }
    out
}

/// The picture itself: gradient between two seed-dependent colours, horizontal bands and noise.
/// Integer arithmetic on a flat buffer: the test crate is built without optimisation.
fn picture(width: u32, height: u32, seed: u64) -> RgbImage {
    let mut rng = XorShift(seed | 1);
    let from = [
        i32::from(rng.byte()),
        i32::from(rng.byte()),
        i32::from(rng.byte()),
    ];
    let to = [
        i32::from(rng.byte()),
        i32::from(rng.byte()),
        i32::from(rng.byte()),
    ];
    let band = 16 + (rng.next() % 48) as u32;
    let span = (width + height).max(1) as i32;
    let mut pixels = Vec::with_capacity(width as usize * height as usize * 3);
    let mut noise_state = rng.next() as u32 | 1;
    for y in 0..height {
        let stripe = if (y / band) % 2 == 0 { 18 } else { -18 };
        for x in 0..width {
            let t = ((x + y) as i32 * 256) / span;
            // A cheap 32-bit xorshift per pixel.
            noise_state ^= noise_state << 13;
            noise_state ^= noise_state >> 17;
            noise_state ^= noise_state << 5;
            let noise = (noise_state % 25) as i32 - 12;
            for c in 0..3 {
                let value = ((from[c] * (256 - t) + to[c] * t) >> 8) + stripe + noise;
                pixels.push(value.clamp(0, 255) as u8);
            }
        }
    }
    RgbImage::from_raw(width, height, pixels).expect("buffer of the right size")
}

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn byte(&mut self) -> u8 {
        (self.next() >> 24) as u8
    }
}
