//! The CPU side of a bake: decode one source image (with limits, orientation honoured), make every
//! width from it, largest to smallest, each from the one before (a resize cascade), and encode each
//! width in each format. Also the image's dominant colour and a tiny placeholder, and, for a
//! source whose shape is not the grid tile's, the tile's own crop at the widths a tile is shown at.
//!
//! This runs on the rayon pool, never on the async runtime. Everything it needs is in its arguments;
//! it writes nothing but the encoded files, each atomically.

use std::io::Cursor;
use std::path::Path;

use base64::Engine as _;
use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::{DynamicImage, ImageDecoder, ImageReader};

use super::{Cut, Format, MediaError, MediaSettings, Variant};

/// Largest accepted source side, in pixels. Instagram serves at most 1440 px; anything far larger
/// is a mistake or a decompression bomb.
pub(crate) const MAX_SIDE: u32 = 12_000;
/// Largest decoder allocation.
pub(crate) const MAX_ALLOC: u64 = 512 * 1024 * 1024;
/// Width of the placeholder image.
const PLACEHOLDER_WIDTH: u32 = 8;

/// The shape of the built-in layouts' tiles (`aspect-ratio: 4/5` in the template's CSS), which show
/// their image with `object-fit: cover`.
pub(crate) const TILE_ASPECT: (u32, u32) = (4, 5);
/// The widest a tile crop is made: a tile is at most 318 CSS px wide (a third of the 960 px
/// container) and about 215 on the largest phones, so 640 covers desktops at 2x and phones at 3x.
pub(crate) const TILE_MAX_WIDTH: u32 = 640;

/// The part of a `width` x `height` source a tile shows: `(left, top, width, height)`, centred;
/// `None` when the source is already the tile's shape (within 1%), so its own variants fit.
///
/// A square post in a 4:5 tile shows 80% of its width, a landscape one less than half: without
/// a crop of their own, the browser downloads pixels nobody sees, and picks a candidate by the
/// tile's width that is then stretched to the tile's height.
pub(crate) fn tile_crop(width: u32, height: u32) -> Option<(u32, u32, u32, u32)> {
    let (tw, th) = (u64::from(TILE_ASPECT.0), u64::from(TILE_ASPECT.1));
    let (w, h) = (u64::from(width), u64::from(height));
    // Compare w/h with tw/th without floating point: |w*th - h*tw| <= 1% of h*tw.
    if (w * th).abs_diff(h * tw) * 100 <= h * tw {
        return None;
    }
    if w * th > h * tw {
        let crop = ((h * tw + th / 2) / th).max(1) as u32;
        Some(((width - crop) / 2, 0, crop, height))
    } else {
        let crop = ((w * th + tw / 2) / tw).max(1) as u32;
        Some((0, (height - crop) / 2, width, crop))
    }
}

/// The widths a tile crop `crop_width` wide is made at: the configured ones, none above
/// [`TILE_MAX_WIDTH`], never upscaled (as [`target_widths`]).
pub(crate) fn tile_widths(configured: &[u32], crop_width: u32) -> Vec<u32> {
    let capped: Vec<u32> = configured.iter().map(|&w| w.min(TILE_MAX_WIDTH)).collect();
    target_widths(&capped, crop_width)
}

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
        name: impl Fn(Format, u32, Cut) -> String,
    ) -> Option<Encoded> {
        let mut variants = Vec::new();
        for (cut, width) in cuts(settings, self.width, self.height) {
            for &format in &settings.formats {
                let file = name(format, width, cut);
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
    let image = if in_separate_scans(bytes) {
        decode_separate_scans(bytes)?
    } else {
        decode_any(bytes)?
    };
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

/// Decodes with the `image` crate, oriented.
fn decode_any(bytes: &[u8]) -> Result<DynamicImage, MediaError> {
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
    Ok(image)
}

/// Whether `bytes` is a sequential (baseline or extended) JPEG whose first scan holds fewer
/// components than the frame: each component in a scan of its own, as jpeg-encoder writes with
/// optimised Huffman tables and `cjpeg -scans` can. Valid JPEG, which zune-jpeg 0.5 (the `image`
/// crate's decoder) decodes into wrong colours without an error.
fn in_separate_scans(bytes: &[u8]) -> bool {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return false;
    }
    let mut at = 2;
    let mut frame_components = None;
    // Marker segments up to the first scan: 0xFF, the marker, a two-byte length that counts
    // itself, the segment.
    while at + 4 <= bytes.len() && bytes[at] == 0xFF {
        let marker = bytes[at + 1];
        if marker == 0xFF {
            at += 1; // a fill byte
            continue;
        }
        let length = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
        let segment = bytes.get(at + 4..at + 2 + length).unwrap_or_default();
        match marker {
            // SOF0 (baseline) and SOF1 (extended sequential): Nf is the sixth byte.
            0xC0 | 0xC1 => frame_components = segment.get(5).copied(),
            // Progressive, lossless or arithmetic frames: zune-jpeg's other paths.
            0xC2..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => return false,
            // SOS: Ns is its first byte.
            0xDA => {
                return matches!((frame_components, segment.first()), (Some(nf), Some(&ns)) if ns < nf)
            }
            _ => {}
        }
        at += 2 + length;
    }
    false
}

/// Decodes a JPEG of [`in_separate_scans`] with jpeg-decoder, which reads it as libjpeg does,
/// with the same limits and orientation as [`decode_any`].
fn decode_separate_scans(bytes: &[u8]) -> Result<DynamicImage, MediaError> {
    let failed = |e: jpeg_decoder::Error| {
        decode_error(image::ImageError::Decoding(
            image::error::DecodingError::new(image::ImageFormat::Jpeg.into(), e),
        ))
    };
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    decoder.set_max_decoding_buffer_size(usize::try_from(MAX_ALLOC).unwrap_or(usize::MAX));
    decoder.read_info().map_err(failed)?;
    let info = decoder.info().ok_or(MediaError::UnknownFormat)?;
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(decode_error(image::ImageError::Limits(
            image::error::LimitError::from_kind(image::error::LimitErrorKind::DimensionError),
        )));
    }
    let pixels = decoder.decode().map_err(failed)?;
    let image = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => {
            image::RgbImage::from_raw(width, height, pixels).map(DynamicImage::ImageRgb8)
        }
        jpeg_decoder::PixelFormat::L8 => {
            image::GrayImage::from_raw(width, height, pixels).map(DynamicImage::ImageLuma8)
        }
        // CMYK and 16-bit JPEGs in separate scans: rare enough to leave to the usual decoder.
        _ => return decode_any(bytes),
    };
    let mut image = image.ok_or(MediaError::Empty)?;
    if let Some(orientation) = decoder
        .exif_data()
        .and_then(image::metadata::Orientation::from_exif_chunk)
    {
        image.apply_orientation(orientation);
    }
    Ok(image)
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

/// Every (cut, width) to make of a `width` x `height` source, in the order they are made: the
/// whole image largest first, then the tile crop's widths, largest first, when it needs one.
fn cuts(settings: &MediaSettings, width: u32, height: u32) -> Vec<(Cut, u32)> {
    let mut cuts: Vec<(Cut, u32)> = target_widths(&settings.widths, width)
        .into_iter()
        .map(|w| (Cut::Full, w))
        .collect();
    if let Some((_, _, crop_width, _)) = tile_crop(width, height).filter(|_| settings.tiles) {
        cuts.extend(
            tile_widths(&settings.widths, crop_width)
                .into_iter()
                .map(|w| (Cut::Tile, w)),
        );
    }
    cuts
}

/// Height for `width` keeping the source's aspect ratio, rounded, at least 1.
pub(crate) fn scaled_height(source: (u32, u32), width: u32) -> u32 {
    let (sw, sh) = source;
    ((u64::from(sh) * u64::from(width) + u64::from(sw) / 2) / u64::from(sw)).max(1) as u32
}

/// Makes every variant of `source` into `out_dir`, largest width first, each width resized from
/// the one before; then, when the source is not the tile's shape, the tile crop's widths the same
/// way. `name` gives each (format, width, cut) its file name; variants in `existing` (from an
/// earlier bake of the same source) are kept instead of encoded again, so changing one setting
/// re-encodes only what it changes.
pub(crate) fn encode_all(
    source: &Rgb,
    settings: &MediaSettings,
    out_dir: &Path,
    name: impl Fn(Format, u32, Cut) -> String,
    existing: &[Variant],
) -> Result<Encoded, MediaError> {
    let mut resizer = Resizer::new();
    let mut made = Made {
        settings,
        out_dir,
        name: &name,
        existing,
        variants: Vec::new(),
    };
    let widths = target_widths(&settings.widths, source.width);
    let smallest = made.cascade(source, None, &widths, &mut resizer)?;
    // From the smallest width made: the same few pixels for a fraction of the work.
    let smallest = match &smallest {
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
    if let Some(crop) = tile_crop(source.width, source.height).filter(|_| settings.tiles) {
        let widths = tile_widths(&settings.widths, crop.2);
        made.cascade(source, Some(crop), &widths, &mut resizer)?;
    }
    Ok(Encoded {
        width: source.width,
        height: source.height,
        color,
        placeholder,
        variants: made.variants,
    })
}

/// The variants of one source, as [`encode_all`] makes them.
struct Made<'a, N> {
    settings: &'a MediaSettings,
    out_dir: &'a Path,
    name: &'a N,
    existing: &'a [Variant],
    variants: Vec<Variant>,
}

impl<N: Fn(Format, u32, Cut) -> String> Made<'_, N> {
    /// Resizes `source` (or its `crop`, `(left, top, width, height)`) to each of `widths`,
    /// largest first, each from the one before, and encodes each in every format. Returns the
    /// smallest image resized, if any was (the full-size width is the source itself).
    fn cascade(
        &mut self,
        source: &Rgb,
        crop: Option<(u32, u32, u32, u32)>,
        widths: &[u32],
        resizer: &mut Resizer,
    ) -> Result<Option<Image<'static>>, MediaError> {
        let cut = if crop.is_some() { Cut::Tile } else { Cut::Full };
        let (left, top, area_width, area_height) =
            crop.unwrap_or((0, 0, source.width, source.height));
        let lanczos = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
        let mut current: Option<Image<'static>> = None;
        for &width in widths {
            let height = scaled_height((area_width, area_height), width);
            let next = if crop.is_none() && width == source.width {
                None
            } else {
                let mut dst = Image::new(width, height, PixelType::U8x3);
                match &current {
                    Some(previous) => resizer.resize(previous, &mut dst, &lanczos),
                    None => {
                        let src = source_view(source)?;
                        let options = lanczos.crop(
                            f64::from(left),
                            f64::from(top),
                            f64::from(area_width),
                            f64::from(area_height),
                        );
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
            for &format in &self.settings.formats {
                let file = (self.name)(format, width, cut);
                if let Some(done) = self.existing.iter().find(|v| v.file == file) {
                    self.variants.push(done.clone());
                    continue;
                }
                let data = encode_one(pixels, width, height, format, self.settings)?;
                let path = self.out_dir.join(&file);
                crate::atomic::write(&path, &data)
                    .map_err(|source| MediaError::Write { path, source })?;
                self.variants.push(Variant {
                    format,
                    width,
                    height,
                    file,
                    bytes: data.len() as u64,
                    cut,
                });
            }
            if next.is_some() {
                current = next;
            }
        }
        Ok(current)
    }
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
            |f, w, _| format!("x-{w}.{}", f.extension()),
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
    fn a_tile_crop_is_the_centred_4_5_part_of_other_shapes() {
        assert_eq!(tile_crop(1080, 1350), None);
        // Within 1% of 4:5 is close enough: the tile shows all but a sliver.
        assert_eq!(tile_crop(1080, 1345), None);
        assert_eq!(tile_crop(1080, 1080), Some((108, 0, 864, 1080)));
        assert_eq!(tile_crop(1080, 566), Some((313, 0, 453, 566)));
        // Taller than the tile (a 9:16 reel poster): the middle, full width.
        assert_eq!(tile_crop(1080, 1920), Some((0, 285, 1080, 1350)));
        assert_eq!(tile_widths(&[320, 640, 1080], 864), [640, 320]);
        assert_eq!(tile_widths(&[320, 640, 1080], 453), [453, 320]);
        assert_eq!(tile_widths(&[1080], 864), [640]);
    }

    #[test]
    fn a_square_source_also_gets_the_tiles_crop_and_a_4_5_one_does_not() {
        let dir = tempfile::tempdir().unwrap();
        // Red at the sides, blue in the middle 800 columns: the crop must keep just the middle.
        let image = image::RgbImage::from_fn(1000, 1000, |x, _| {
            if (100..900).contains(&x) {
                image::Rgb([0, 0, 255])
            } else {
                image::Rgb([255, 0, 0])
            }
        });
        let mut png = Vec::new();
        image::DynamicImage::ImageRgb8(image)
            .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let source = decode(&png).unwrap();
        let settings = MediaSettings {
            formats: vec![Format::Webp],
            ..MediaSettings::default()
        };
        let name = |f: Format, w, cut: Cut| format!("{cut:?}-{w}.{}", f.extension());
        let encoded = encode_all(&source, &settings, dir.path(), name, &[]).unwrap();
        let tiles: Vec<&Variant> = encoded
            .variants
            .iter()
            .filter(|v| v.cut == Cut::Tile)
            .collect();
        let sizes: Vec<(u32, u32)> = tiles.iter().map(|v| (v.width, v.height)).collect();
        assert_eq!(sizes, [(640, 800), (320, 400)]);
        for tile in tiles {
            let decoded = image::open(dir.path().join(&tile.file)).unwrap().to_rgb8();
            assert_eq!(decoded.dimensions(), (tile.width, tile.height));
            // 800 of 1000 columns, centred: no red, bar what the filter blends into the edges.
            for x in [3, tile.width / 2, tile.width - 4] {
                let p = decoded.get_pixel(x, tile.height / 2);
                assert!(p[2] > 200 && p[0] < 60, "{} at x={x}: {p:?}", tile.file);
            }
        }
        // The same settings, read back from what was made, need no decode.
        let again = encoded
            .select(&settings, name)
            .expect("every variant was made");
        assert_eq!(again.variants, encoded.variants);

        let portrait = decode(&gradient(800, 1000)).unwrap();
        let encoded = encode_all(&portrait, &settings, dir.path(), name, &[]).unwrap();
        assert!(encoded.variants.iter().all(|v| v.cut == Cut::Full));
        let avatar = MediaSettings {
            tiles: false,
            ..settings
        };
        let encoded = encode_all(&source, &avatar, dir.path(), name, &[]).unwrap();
        assert!(encoded.variants.iter().all(|v| v.cut == Cut::Full));
    }

    #[test]
    fn a_jpeg_whose_components_come_in_separate_scans_decodes_to_its_colours() {
        // Blocks of red, green, blue and grey; jpeg-encoder with optimised Huffman tables (as
        // instabake writes JPEGs) puts each component in a scan of its own.
        let colours = [[200, 30, 30], [30, 180, 40], [40, 60, 210], [128, 128, 128]];
        let (width, height) = (96, 64);
        let pixels: Vec<u8> = (0..width * height)
            .flat_map(|i| colours[((i % width) / 24) as usize])
            .collect();
        let jpeg = encode_one(
            &pixels,
            width,
            height,
            Format::Jpeg,
            &MediaSettings::default(),
        )
        .unwrap();
        assert!(in_separate_scans(&jpeg));
        let decoded = decode(&jpeg).unwrap();
        assert_eq!((decoded.width, decoded.height), (width, height));
        for (block, colour) in colours.iter().enumerate() {
            let x = block as u32 * 24 + 12;
            let at = ((32 * width + x) * 3) as usize;
            let got = &decoded.pixels[at..at + 3];
            for (g, c) in got.iter().zip(colour) {
                assert!(
                    g.abs_diff(*c) <= 12,
                    "block {block}: {got:?}, not {colour:?}"
                );
            }
        }
        // An interleaved baseline JPEG and a PNG keep the usual decoder.
        assert!(!in_separate_scans(&gradient(64, 64)));
        assert!(!in_separate_scans(b"\x89PNG\r\n"));
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
