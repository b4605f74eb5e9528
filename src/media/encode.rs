//! The CPU side of a bake: decode one source image (with limits, orientation honoured), make every
//! width from it, largest to smallest, each from the one before (a resize cascade), and encode each
//! width in each format. Also the image's dominant colour and a tiny placeholder.
//!
//! This runs on the rayon pool, never on the async runtime. Everything it needs is in its arguments;
//! it writes nothing but the encoded files, each atomically.

use std::io::Cursor;
use std::path::Path;

use base64::Engine as _;
use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::{DynamicImage, ImageDecoder, ImageReader};

use super::{Format, MediaError, MediaSettings, Variant};

/// Largest accepted source side, in pixels. Instagram serves at most 1440 px; anything far larger
/// is a mistake or a decompression bomb.
pub(crate) const MAX_SIDE: u32 = 12_000;
/// Largest decoder allocation.
pub(crate) const MAX_ALLOC: u64 = 512 * 1024 * 1024;
/// Width of the placeholder image.
const PLACEHOLDER_WIDTH: u32 = 8;

/// A decoded, oriented source in RGB.
pub(crate) struct Rgb {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

impl std::fmt::Debug for Rgb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Rgb({}x{})", self.width, self.height)
    }
}

/// What baking one source produced.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Encoded {
    /// Oriented size of the source.
    pub width: u32,
    pub height: u32,
    /// `#rrggbb`.
    pub color: String,
    /// A `data:image/png;base64,...` URI of a few pixels, to show while the image loads.
    pub placeholder: String,
    pub variants: Vec<Variant>,
}

impl Encoded {
    /// The variants `settings` asks for, in the order [`encode_all`] makes them, if every one of
    /// them was made before: then nothing needs decoding.
    pub(crate) fn select(
        &self,
        settings: &MediaSettings,
        name: impl Fn(Format, u32) -> String,
    ) -> Option<Encoded> {
        let mut variants = Vec::new();
        for width in target_widths(&settings.widths, self.width) {
            for &format in &settings.formats {
                let file = name(format, width);
                variants.push(self.variants.iter().find(|v| v.file == file)?.clone());
            }
        }
        Some(Encoded {
            variants,
            ..self.clone()
        })
    }
}

/// Decodes a JPEG, PNG, WebP or GIF from memory, honouring EXIF orientation, with size limits.
pub(crate) fn decode(bytes: &[u8]) -> Result<Rgb, MediaError> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|source| MediaError::ReadImage { source })?;
    if reader.format().is_none() {
        return Err(MediaError::UnknownFormat);
    }
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(decode_error)?;
    let orientation = decoder.orientation().ok();
    let mut image = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    if let Some(orientation) = orientation {
        image.apply_orientation(orientation);
    }
    let (width, height) = (image.width(), image.height());
    if width == 0 || height == 0 {
        return Err(MediaError::Empty);
    }
    let pixels = if image.color().has_alpha() {
        flatten_on_white(image.into_rgba8().as_raw())
    } else {
        image.into_rgb8().into_raw()
    };
    Ok(Rgb {
        width,
        height,
        pixels,
    })
}

/// A decoder error, saying so plainly when it was one of our size limits that refused the image.
fn decode_error(error: image::ImageError) -> MediaError {
    match error {
        image::ImageError::Limits(_) => MediaError::TooLargeToDecode { source: error },
        other => MediaError::Decode { source: other },
    }
}

/// Composites RGBA over white: JPEG has no alpha, and dropping it would show whatever colour the
/// transparent pixels happen to hold.
fn flatten_on_white(rgba: &[u8]) -> Vec<u8> {
    rgba.chunks_exact(4)
        .flat_map(|p| {
            let a = u32::from(p[3]);
            let mix = |c: u8| ((u32::from(c) * a + 255 * (255 - a) + 127) / 255) as u8;
            [mix(p[0]), mix(p[1]), mix(p[2])]
        })
        .collect()
}

/// The widths to make for a source `source_width` wide: the configured ones it can fill, largest
/// first, never upscaled; when the source is narrower than the largest configured width, the
/// source's own width takes its place, so there is always a sharpest variant.
pub(crate) fn target_widths(configured: &[u32], source_width: u32) -> Vec<u32> {
    let mut widths: Vec<u32> = configured
        .iter()
        .copied()
        .filter(|&w| w <= source_width)
        .collect();
    if configured.iter().any(|&w| w > source_width) {
        widths.push(source_width);
    }
    widths.sort_unstable_by(|a, b| b.cmp(a));
    widths.dedup();
    widths
}

/// Height for `width` keeping the source's aspect ratio, rounded, at least 1.
pub(crate) fn scaled_height(source: (u32, u32), width: u32) -> u32 {
    let (sw, sh) = source;
    ((u64::from(sh) * u64::from(width) + u64::from(sw) / 2) / u64::from(sw)).max(1) as u32
}

/// Makes every variant of `source` into `out_dir`, largest width first, each width resized from
/// the one before. `name` gives each (format, width) its file name; variants in `existing` (from an
/// earlier bake of the same source) are kept instead of encoded again, so changing one setting
/// re-encodes only what it changes.
pub(crate) fn encode_all(
    source: &Rgb,
    settings: &MediaSettings,
    out_dir: &Path,
    name: impl Fn(Format, u32) -> String,
    existing: &[Variant],
) -> Result<Encoded, MediaError> {
    let mut resizer = Resizer::new();
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    let mut variants = Vec::new();
    let mut current: Option<Image<'static>> = None;
    for width in target_widths(&settings.widths, source.width) {
        let height = scaled_height((source.width, source.height), width);
        let next = if width == source.width {
            None
        } else {
            let mut dst = Image::new(width, height, PixelType::U8x3);
            match &current {
                Some(previous) => resizer.resize(previous, &mut dst, &options),
                None => {
                    let src = source_view(source)?;
                    resizer.resize(&src, &mut dst, &options)
                }
            }
            .map_err(|source| MediaError::Resize { width, source })?;
            Some(dst)
        };
        let pixels: &[u8] = match &next {
            Some(image) => image.buffer(),
            None => &source.pixels,
        };
        for &format in &settings.formats {
            let file = name(format, width);
            if let Some(done) = existing.iter().find(|v| v.file == file) {
                variants.push(done.clone());
                continue;
            }
            let data = encode_one(pixels, width, height, format, settings)?;
            let path = out_dir.join(&file);
            crate::atomic::write(&path, &data)
                .map_err(|source| MediaError::Write { path, source })?;
            variants.push(Variant {
                format,
                width,
                height,
                file,
                bytes: data.len() as u64,
            });
        }
        if next.is_some() {
            current = next;
        }
    }
    // From the smallest width made: the same few pixels for a fraction of the work.
    let smallest = match &current {
        Some(image) => ImageRef::new(
            image.width(),
            image.height(),
            image.buffer(),
            PixelType::U8x3,
        )
        .map_err(|source| MediaError::Buffer {
            which: "resized",
            source,
        })?,
        None => source_view(source)?,
    };
    let (color, placeholder) = colour_and_placeholder(&smallest, &mut resizer)?;
    Ok(Encoded {
        width: source.width,
        height: source.height,
        color,
        placeholder,
        variants,
    })
}

fn source_view(rgb: &Rgb) -> Result<ImageRef<'_>, MediaError> {
    ImageRef::new(rgb.width, rgb.height, &rgb.pixels, PixelType::U8x3).map_err(|source| {
        MediaError::Buffer {
            which: "source",
            source,
        }
    })
}

/// Encodes RGB pixels in one format.
pub(crate) fn encode_one(
    pixels: &[u8],
    width: u32,
    height: u32,
    format: Format,
    settings: &MediaSettings,
) -> Result<Vec<u8>, MediaError> {
    match format {
        Format::Jpeg => {
            let mut out = Vec::new();
            let mut encoder = jpeg_encoder::Encoder::new(&mut out, settings.jpeg_quality);
            encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
            // Each chroma sample the average of its 2x2 pixels, as libjpeg does, rather than the
            // top-left one: about 0.4 dB better and free of colour aliasing on fine edges.
            encoder.set_chroma_subsampling_method(jpeg_encoder::ChromaSubsamplingMethod::Average);
            encoder.set_optimized_huffman_tables(true);
            let (w, h) = (u16::try_from(width), u16::try_from(height));
            let (Ok(w), Ok(h)) = (w, h) else {
                return Err(MediaError::TooLargeForJpeg { width, height });
            };
            encoder
                .encode(pixels, w, h, jpeg_encoder::ColorType::Rgb)
                .map_err(|source| MediaError::Jpeg { source })?;
            Ok(out)
        }
        Format::Webp => Ok(super::webp::encode_rgb(
            pixels,
            width,
            height,
            f32::from(settings.webp_quality),
            settings.webp_effort,
        )?),
        #[cfg(feature = "avif")]
        Format::Avif => {
            use rgb::FromSlice as _;
            let rgb: &[ravif::RGB8] = pixels.as_rgb();
            // One thread per image: images are already encoded in parallel, one per core.
            let encoded = ravif::Encoder::new()
                .with_quality(f32::from(settings.avif_quality))
                .with_speed(settings.avif_speed)
                .with_bit_depth(ravif::BitDepth::Eight)
                .with_num_threads(Some(1))
                .encode_rgb(ravif::Img::new(rgb, width as usize, height as usize))
                .map_err(|source| MediaError::Avif { source })?;
            Ok(encoded.avif_file)
        }
        // Config validation refuses AVIF in a build without it; this is the last line of defence.
        #[cfg(not(feature = "avif"))]
        Format::Avif => Err(MediaError::AvifNotBuiltIn),
    }
}

/// The average colour (a good stand-in for the dominant one at this size) and a few-pixel PNG.
fn colour_and_placeholder(
    image: &ImageRef<'_>,
    resizer: &mut Resizer,
) -> Result<(String, String), MediaError> {
    let width = PLACEHOLDER_WIDTH.min(image.width());
    let height = scaled_height((image.width(), image.height()), width).min(4 * width);
    let mut small = Image::new(width, height, PixelType::U8x3);
    let options = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(FilterType::Box))
        .fit_into_destination(None);
    resizer
        .resize(image, &mut small, &options)
        .map_err(|source| MediaError::PlaceholderResize { source })?;
    let pixels = small.buffer();
    let count = (pixels.len() / 3).max(1) as u64;
    let mut sum = [0u64; 3];
    for p in pixels.chunks_exact(3) {
        for (s, &c) in sum.iter_mut().zip(p) {
            *s += u64::from(c);
        }
    }
    let color = format!(
        "#{:02x}{:02x}{:02x}",
        sum[0] / count,
        sum[1] / count,
        sum[2] / count
    );
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new_with_quality(
        &mut png,
        image::codecs::png::CompressionType::Best,
        image::codecs::png::FilterType::Adaptive,
    )
    .write_image(pixels, width, height, image::ExtendedColorType::Rgb8)
    .map_err(|source| MediaError::PlaceholderEncode { source })?;
    let placeholder = format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&png)
    );
    Ok((color, placeholder))
}

use image::ImageEncoder as _;

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x * 255 / width) as u8, (y * 255 / height) as u8, 128])
        });
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&image)
            .unwrap();
        out
    }

    #[test]
    fn widths_never_upscale() {
        assert_eq!(target_widths(&[320, 640, 1080], 1080), [1080, 640, 320]);
        assert_eq!(target_widths(&[320, 640, 1080], 800), [800, 640, 320]);
        assert_eq!(target_widths(&[320, 640, 1080], 200), [200]);
        assert_eq!(target_widths(&[1080, 320], 1440), [1080, 320]);
    }

    #[test]
    fn encodes_every_width_and_format_at_the_stated_size() {
        let dir = tempfile::tempdir().unwrap();
        let source = decode(&gradient(900, 1125)).unwrap();
        let settings = MediaSettings::default();
        let encoded = encode_all(
            &source,
            &settings,
            dir.path(),
            |f, w| format!("x-{w}.{}", f.extension()),
            &[],
        )
        .unwrap();
        assert_eq!((encoded.width, encoded.height), (900, 1125));
        assert_eq!(encoded.variants.len(), 6);
        for v in &encoded.variants {
            let bytes = std::fs::read(dir.path().join(&v.file)).unwrap();
            assert_eq!(bytes.len() as u64, v.bytes);
            let decoded = image::load_from_memory(&bytes).unwrap();
            assert_eq!(
                (decoded.width(), decoded.height()),
                (v.width, v.height),
                "{}",
                v.file
            );
        }
        assert_eq!(encoded.variants[0].width, 900);
        assert_eq!(encoded.variants[2].height, 800);
        assert!(encoded.placeholder.starts_with("data:image/png;base64,"));
        assert!(encoded.color.starts_with('#') && encoded.color.len() == 7);
    }

    #[test]
    fn rejects_what_is_not_an_image() {
        let error = decode(b"<html>403 URL signature expired</html>").unwrap_err();
        assert!(matches!(error, MediaError::UnknownFormat), "{error:?}");
        assert!(error.to_string().contains("not an image"));
        let truncated = gradient(64, 64);
        assert!(decode(&truncated[..truncated.len() / 3]).is_err());
    }

    /// CRC-32 (ISO-HDLC, as PNG chunks use), bit by bit: only for building test files.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    /// A PNG whose header (checksum intact) claims `width` x `height` RGB pixels, with the pixel data
    /// of a 1x1 image: a decoder that trusts the header allocates `width * height * 3` bytes first.
    fn png_claiming(width: u32, height: u32) -> Vec<u8> {
        let mut png = Vec::new();
        image::codecs::png::PngEncoder::new(&mut png)
            .write_image(&[0u8; 3], 1, 1, image::ExtendedColorType::Rgb8)
            .unwrap();
        // Signature (8), IHDR length and type (8), then width and height; the CRC covers the type
        // and data (bytes 12..29) and follows them.
        png[16..20].copy_from_slice(&width.to_be_bytes());
        png[20..24].copy_from_slice(&height.to_be_bytes());
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        png
    }

    #[test]
    fn rejects_huge_dimensions_without_allocating() {
        // The header is valid, so only the size limit can refuse it. 13,000 px a side is over
        // MAX_SIDE but, at 507 MB, under the decoder's own default allocation cap: without our
        // limit it would be allocated.
        const { assert!(13_000 > MAX_SIDE && 13_000u64 * 13_000 * 3 < MAX_ALLOC) };
        let png = png_claiming(13_000, 13_000);
        let header = ImageReader::new(Cursor::new(&png))
            .with_guessed_format()
            .unwrap()
            .into_dimensions();
        assert_eq!(
            header.unwrap(),
            (13_000, 13_000),
            "the header must be valid"
        );
        let error = decode(&png).unwrap_err();
        assert!(matches!(error, MediaError::TooLargeToDecode { .. }));
        assert!(
            error.to_string().contains("larger than instabake accepts"),
            "refused for another reason: {error}"
        );
    }

    #[test]
    fn orientation_is_honoured() {
        // A 40x20 JPEG tagged "rotate 90" must come out 20x40.
        let jpeg = gradient(40, 20);
        let exif: &[u8] = &[
            0xFF, 0xE1, 0x00, 0x22, b'E', b'x', b'i', b'f', 0, 0, b'M', b'M', 0, 42, 0, 0, 0, 8, 0,
            1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0,
        ];
        let mut tagged = jpeg[..2].to_vec();
        tagged.extend_from_slice(exif);
        tagged.extend_from_slice(&jpeg[2..]);
        let rgb = decode(&tagged).unwrap();
        assert_eq!((rgb.width, rgb.height), (20, 40));
    }
}
