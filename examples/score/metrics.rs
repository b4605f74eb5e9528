//! SSIMULACRA2 and DSSIM of an image against its source, at a given display size. Shared by
//! `examples/score/main.rs` (the bench) and the page-weight browser test (`tests/integration/weight.rs`).

use std::path::{Path, PathBuf};

use dssim_core::Dssim;
use fast_image_resize::images::Image;
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use serde::Deserialize;
use ssimulacra2::{compute_frame_ssimulacra2, ColorPrimaries, Rgb, TransferCharacteristic};

/// One image to score: see `examples/score/main.rs`.
#[derive(Deserialize)]
pub(crate) struct Pair {
    pub(crate) source: PathBuf,
    pub(crate) image: PathBuf,
    pub(crate) width: Option<u32>,
    pub(crate) height: Option<u32>,
}

/// 8-bit RGB pixels, tightly packed.
struct Pixels {
    width: u32,
    height: u32,
    rgb: Vec<u8>,
}

fn load(path: &Path) -> Result<Pixels, String> {
    let failed = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let bytes = std::fs::read(path).map_err(|e| failed(&e))?;
    // `image` decodes JPEG with zune-jpeg, which misreads baseline JPEGs whose components come in
    // separate scans (as jpeg-encoder writes them with optimised Huffman tables): jpeg-decoder
    // reads them as browsers do.
    if bytes.starts_with(&[0xFF, 0xD8]) {
        let mut decoder = jpeg_decoder::Decoder::new(bytes.as_slice());
        let pixels = decoder.decode().map_err(|e| failed(&e))?;
        let info = decoder.info().ok_or_else(|| failed(&"no JPEG header"))?;
        let rgb = match info.pixel_format {
            jpeg_decoder::PixelFormat::RGB24 => pixels,
            jpeg_decoder::PixelFormat::L8 => pixels.iter().flat_map(|&v| [v, v, v]).collect(),
            other => return Err(failed(&format!("unsupported JPEG pixels {other:?}"))),
        };
        return Ok(Pixels {
            width: u32::from(info.width),
            height: u32::from(info.height),
            rgb,
        });
    }
    let image = image::load_from_memory(&bytes).map_err(|e| failed(&e))?;
    let rgb = image.to_rgb8();
    Ok(Pixels {
        width: rgb.width(),
        height: rgb.height(),
        rgb: rgb.into_raw(),
    })
}

/// `pixels` scaled with Lanczos3 to cover `width` x `height`, cropped at the centre.
fn cover(pixels: Pixels, width: u32, height: u32) -> Result<Pixels, String> {
    if (pixels.width, pixels.height) == (width, height) {
        return Ok(pixels);
    }
    let src = Image::from_vec_u8(pixels.width, pixels.height, pixels.rgb, PixelType::U8x3)
        .map_err(|e| e.to_string())?;
    let mut dst = Image::new(width, height, PixelType::U8x3);
    let options = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3))
        .fit_into_destination(Some((0.5, 0.5)));
    Resizer::new()
        .resize(&src, &mut dst, &options)
        .map_err(|e| e.to_string())?;
    Ok(Pixels {
        width,
        height,
        rgb: dst.into_vec(),
    })
}

fn ssimulacra2(reference: &Pixels, image: &Pixels) -> Result<f64, String> {
    let frame = |p: &Pixels| {
        let data = p
            .rgb
            .chunks_exact(3)
            .map(|c| [c[0], c[1], c[2]].map(|v| f32::from(v) / 255.0))
            .collect();
        Rgb::new(
            data,
            p.width as usize,
            p.height as usize,
            TransferCharacteristic::SRGB,
            ColorPrimaries::BT709,
        )
        .map_err(|e| format!("{e:?}"))
    };
    compute_frame_ssimulacra2(frame(reference)?, frame(image)?).map_err(|e| e.to_string())
}

fn dssim(reference: &Pixels, image: &Pixels) -> Result<f64, String> {
    let attr = Dssim::new();
    let frame = |p: &Pixels| {
        let rgb: Vec<rgb::RGB<u8>> = p
            .rgb
            .chunks_exact(3)
            .map(|c| rgb::RGB::new(c[0], c[1], c[2]))
            .collect();
        attr.create_image_rgb(&rgb, p.width as usize, p.height as usize)
            .ok_or("image too small for DSSIM")
    };
    let (value, _) = attr.compare(&frame(reference)?, frame(image)?);
    Ok(f64::from(value))
}

/// The pair's scores as `{"ssimulacra2": S, "dssim": D}`.
pub(crate) fn score(pair: &Pair) -> Result<serde_json::Value, String> {
    let image = load(&pair.image)?;
    let (width, height) = match (pair.width, pair.height) {
        (Some(w), Some(h)) => (w, h),
        _ => (image.width, image.height),
    };
    let reference = cover(load(&pair.source)?, width, height)?;
    let image = cover(image, width, height)?;
    Ok(serde_json::json!({
        "ssimulacra2": ssimulacra2(&reference, &image)?,
        "dssim": dssim(&reference, &image)?,
    }))
}
