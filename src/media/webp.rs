//! Lossy WebP through libwebp, called directly.
//!
//! The RGB pixels go straight into libwebp's YUV picture (`use_argb = 0`), as libvips does. The
//! usual Rust wrapper imports them into an ARGB picture first, which for lossy output costs a
//! 4-byte-per-pixel copy and then a scalar RGB→YUV conversion instead of libwebp's SIMD one: about
//! 3% of a whole bake's CPU time by profile, for the same output bytes.
//!
//! The one module where unsafe code is allowed (the crate denies it elsewhere): every call into
//! libwebp is here, each with what makes it sound.
#![allow(unsafe_code)]

use std::ffi::c_void;

use libwebp_sys as ffi;

use super::WebpError;

/// Encodes tightly packed 8-bit RGB rows as a lossy WebP at `quality` (0 to 100) with libwebp's
/// `method` (0 fast to 6 small).
pub(super) fn encode_rgb(
    pixels: &[u8],
    width: u32,
    height: u32,
    quality: f32,
    method: u8,
) -> Result<Vec<u8>, WebpError> {
    if width == 0 || height == 0 {
        return Err(WebpError::Empty);
    }
    let max = ffi::WEBP_MAX_DIMENSION;
    if width > max || height > max {
        return Err(WebpError::TooLarge { width, height, max });
    }
    let stride = width as usize * 3;
    if pixels.len() != stride * height as usize {
        return Err(WebpError::PixelCount {
            len: pixels.len(),
            width,
            height,
        });
    }

    let mut config = ffi::WebPConfig::new().map_err(|()| WebpError::Setup { what: "encoder" })?;
    config.quality = quality;
    config.method = i32::from(method);
    // `thread_level` stays 0, libwebp's default: a bake already keeps every core busy with one
    // image each (rayon), and a helper thread per encode has not been measured to help.
    // SAFETY: `config` is an initialised WebPConfig.
    if unsafe { ffi::WebPValidateConfig(&config) } == 0 {
        return Err(WebpError::Config { quality, method });
    }

    let mut picture =
        Picture(ffi::WebPPicture::new().map_err(|()| WebpError::Setup { what: "picture" })?);
    picture.0.use_argb = 0;
    picture.0.width = width as i32;
    picture.0.height = height as i32;
    // SAFETY: `pixels` holds `height` rows of `stride` bytes (checked above); libwebp copies them
    // into planes it allocates and `Picture` frees.
    if unsafe { ffi::WebPPictureImportRGB(&mut picture.0, pixels.as_ptr(), stride as i32) } == 0 {
        return Err(WebpError::Import { width, height });
    }

    // SAFETY: WebPMemoryWriter is plain data (a null pointer and sizes); WebPMemoryWriterInit sets
    // it up.
    let mut writer = Writer(unsafe { std::mem::zeroed() });
    unsafe { ffi::WebPMemoryWriterInit(&mut writer.0) };
    picture.0.writer = Some(ffi::WebPMemoryWrite);
    // `writer` stays where it is until WebPEncode returns: the pointer is used only within it.
    picture.0.custom_ptr = &mut writer.0 as *mut ffi::WebPMemoryWriter as *mut c_void;
    // SAFETY: config was validated, picture holds YUV planes and a writer that appends to `writer`.
    let ok = unsafe { ffi::WebPEncode(&config, &mut picture.0) } != 0;
    picture.0.custom_ptr = std::ptr::null_mut();
    if !ok {
        return Err(WebpError::Encode {
            code: picture.0.error_code,
        });
    }
    if writer.0.mem.is_null() || writer.0.size == 0 {
        return Err(WebpError::NoOutput);
    }
    // SAFETY: libwebp wrote `size` bytes at `mem`, which `Writer` frees after this copy.
    Ok(unsafe { std::slice::from_raw_parts(writer.0.mem, writer.0.size) }.to_vec())
}

/// Frees the picture's planes however the encoding ends.
struct Picture(ffi::WebPPicture);

impl Drop for Picture {
    fn drop(&mut self) {
        // SAFETY: initialised by WebPPictureInit; freeing an empty picture is a no-op.
        unsafe { ffi::WebPPictureFree(&mut self.0) }
    }
}

/// Frees the encoded bytes however the encoding ends.
struct Writer(ffi::WebPMemoryWriter);

impl Drop for Writer {
    fn drop(&mut self) {
        // SAFETY: initialised by WebPMemoryWriterInit; clearing an empty writer is a no-op.
        unsafe { ffi::WebPMemoryWriterClear(&mut self.0) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient(width: u32, height: u32) -> Vec<u8> {
        (0..height)
            .flat_map(|y| {
                (0..width)
                    .flat_map(move |x| [(x * 255 / width) as u8, (y * 255 / height) as u8, 90])
            })
            .collect()
    }

    #[test]
    fn encodes_a_lossy_webp_of_the_given_size_and_colours() {
        let pixels = gradient(97, 61);
        let data = encode_rgb(&pixels, 97, 61, 80.0, 4).unwrap();
        assert_eq!(&data[..4], b"RIFF");
        assert_eq!(&data[8..16], b"WEBPVP8 ", "lossy, no alpha chunk");
        let decoded = image::load_from_memory(&data).unwrap().into_rgb8();
        assert_eq!(decoded.dimensions(), (97, 61));
        let error: f64 = decoded
            .as_raw()
            .iter()
            .zip(&pixels)
            .map(|(&a, &b)| (f64::from(a) - f64::from(b)).abs())
            .sum::<f64>()
            / pixels.len() as f64;
        assert!(error < 3.0, "mean error {error}");
    }

    #[test]
    fn refuses_sizes_and_buffers_that_do_not_fit() {
        assert!(encode_rgb(&[0; 3 * 6], 3, 3, 80.0, 4)
            .unwrap_err()
            .to_string()
            .contains("do not make"));
        assert!(encode_rgb(&[], 0, 0, 80.0, 4)
            .unwrap_err()
            .to_string()
            .contains("empty"));
        assert!(encode_rgb(&[], 20_000, 1, 80.0, 4)
            .unwrap_err()
            .to_string()
            .contains("too large"));
        assert!(encode_rgb(&[0; 3], 1, 1, 80.0, 9)
            .unwrap_err()
            .to_string()
            .contains("refused"));
    }
}
