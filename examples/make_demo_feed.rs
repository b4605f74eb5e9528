//! Generates the recorded demo feed in `example-site/demo-feed/`.
//!
//! Rerun it from the repository root with:
//!
//! ```sh
//! cargo run --example make_demo_feed            # writes example-site/demo-feed/
//! cargo run --example make_demo_feed -- OUTDIR  # or anywhere else
//! DEMO_FEED_CONTACT_SHEET=/tmp/sheet.png cargo run --example make_demo_feed  # also a PNG preview
//! ```
//!
//! The output is a replay folder (see `instabake build --replay DIR`): `me.json`, `media.json` and
//! `media-2.json` in the exact shapes the Instagram Graph API answers (two pages, the first one with a
//! `paging.next` that names the second file), and the pictures in `images/`, referenced from the JSON by
//! paths relative to the folder. Every picture is generative artwork computed here (gradients, soft
//! circles, waves and rings in a few palettes), so the demo holds no one's photos and the generator is
//! deterministic: the same source gives byte-identical files (JPEG quality 85).
//!
//! The feed covers what a real account shows: single images in portrait (1080x1350), square
//! (1080x1080) and one landscape (1080x566) format, two carousels (3 and 2 items, children expanded),
//! a reel (VIDEO with a `thumbnail_url` poster and no `media_url`, as Instagram answers for reels with
//! licensed audio), captions with hashtags, mentions and emoji, one hostile caption (HTML and Hugo
//! template syntax that must come out escaped) and one post without a caption. `me.json` carries
//! the profile fields `[account] profile = true` reads, with a generated 320x320 profile picture.

use std::fs;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use image::codecs::jpeg::JpegEncoder;
use image::{Rgb, RgbImage};
use serde_json::{json, Map, Value};

const USERNAME: &str = "instabake.demo";
const USER_ID: &str = "17841400000000001";
const APP_SCOPED_ID: &str = "26000000000000001";
const JPEG_QUALITY: u8 = 85;

// ---------------------------------------------------------------------------------------------------
// Colours and palettes
// ---------------------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
struct Rgbf(f32, f32, f32);

const fn hex(v: u32) -> Rgbf {
    Rgbf(
        ((v >> 16) & 0xff) as f32,
        ((v >> 8) & 0xff) as f32,
        (v & 0xff) as f32,
    )
}

fn mix(a: Rgbf, b: Rgbf, t: f32) -> Rgbf {
    let t = t.clamp(0.0, 1.0);
    Rgbf(
        a.0 + (b.0 - a.0) * t,
        a.1 + (b.1 - a.1) * t,
        a.2 + (b.2 - a.2) * t,
    )
}

/// Colour at `t` along evenly spaced stops, smoothed between stops.
fn ramp(stops: &[Rgbf], t: f32) -> Rgbf {
    let t = t.clamp(0.0, 1.0) * (stops.len() - 1) as f32;
    let i = (t.floor() as usize).min(stops.len() - 2);
    mix(stops[i], stops[i + 1], smooth(t - i as f32))
}

fn smooth(t: f32) -> f32 {
    let t = t.clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

fn smoothstep(e0: f32, e1: f32, x: f32) -> f32 {
    smooth((x - e0) / (e1 - e0))
}

struct Palette {
    sky: [Rgbf; 3],
    accents: [Rgbf; 4],
}

const SUNSET: Palette = Palette {
    sky: [hex(0xffd9a8), hex(0xf7a072), hex(0xc86b85)],
    accents: [hex(0xfff3d6), hex(0x9d4f7a), hex(0x6e3b6e), hex(0x3f2a56)],
};
const OCEAN: Palette = Palette {
    sky: [hex(0xbfe3e0), hex(0x4fa3a5), hex(0x1d4e6b)],
    accents: [hex(0xf4e7d3), hex(0x2f7f8f), hex(0x1b5c73), hex(0x12324a)],
};
const TERRACOTTA: Palette = Palette {
    sky: [hex(0xf6ead8), hex(0xf0d9bd), hex(0xe8c9a6)],
    accents: [hex(0xd8693f), hex(0xe9a93b), hex(0x2e7d7a), hex(0x263a4a)],
};
const SAGE: Palette = Palette {
    sky: [hex(0xeef0e2), hex(0xdfe5cf), hex(0xc9d4b8)],
    accents: [hex(0x7e9a6b), hex(0xd9b44a), hex(0x4f6b4a), hex(0x2b3a2e)],
};
const LILAC: Palette = Palette {
    sky: [hex(0xf3ecf7), hex(0xe5d6ef), hex(0xd3bfe3)],
    accents: [hex(0xa684c8), hex(0xf2a7b8), hex(0x6a5a9c), hex(0x3a3163)],
};
const NIGHT: Palette = Palette {
    sky: [hex(0x0f1633), hex(0x1c2452), hex(0x35306b)],
    accents: [hex(0x59f2b5), hex(0x8a6cf0), hex(0xf06cc0), hex(0xf5f0ff)],
};
const DESERT: Palette = Palette {
    sky: [hex(0xf9c98f), hex(0xf0a37a), hex(0xb9707d)],
    accents: [hex(0xfff0c9), hex(0xd98a4e), hex(0xb8663f), hex(0x7a3f35)],
};
const PASTEL: Palette = Palette {
    sky: [hex(0xfdf1ea), hex(0xf7e3ee), hex(0xe4eef8)],
    accents: [hex(0xf7b2c4), hex(0xa9d8e8), hex(0xc7e8c1), hex(0xfbe3a1)],
};
const FOREST: Palette = Palette {
    sky: [hex(0x1f3a2f), hex(0x2d5141), hex(0x426b55)],
    accents: [hex(0xe9e2c8), hex(0xb6c99a), hex(0x7fa37a), hex(0xd9a55b)],
};
const LEMON: Palette = Palette {
    sky: [hex(0x254a5a), hex(0x20414f), hex(0x1b3744)],
    accents: [hex(0xf7d64a), hex(0xf2c230), hex(0x9bd14b), hex(0xfff6c9)],
};
const MINT: Palette = Palette {
    sky: [hex(0xe6f7f0), hex(0xb9e6d3), hex(0x6cc4a8)],
    accents: [hex(0x3a9e86), hex(0x1f6f63), hex(0xffffff), hex(0xf6c7a6)],
};

// ---------------------------------------------------------------------------------------------------
// A tiny painter: a float canvas and a few anti-aliased primitives
// ---------------------------------------------------------------------------------------------------

struct Canvas {
    w: u32,
    h: u32,
    px: Vec<Rgbf>,
}

impl Canvas {
    fn new(w: u32, h: u32) -> Self {
        Canvas {
            w,
            h,
            px: vec![Rgbf(0.0, 0.0, 0.0); (w * h) as usize],
        }
    }

    /// Paints every pixel with `f(x, y)` where x, y are in 0..1 of the width (y scaled by the same
    /// unit, so circles stay round): returns colour and coverage.
    fn paint(&mut self, f: impl Fn(f32, f32) -> Option<(Rgbf, f32)>) {
        let unit = self.w as f32;
        for y in 0..self.h {
            for x in 0..self.w {
                let (fx, fy) = ((x as f32 + 0.5) / unit, (y as f32 + 0.5) / unit);
                if let Some((c, a)) = f(fx, fy) {
                    if a > 0.0 {
                        let p = &mut self.px[(y * self.w + x) as usize];
                        *p = mix(*p, c, a);
                    }
                }
            }
        }
    }

    fn height_units(&self) -> f32 {
        self.h as f32 / self.w as f32
    }

    /// Linear gradient through `stops` along the direction `angle` (radians, 0 = top to bottom).
    fn gradient(&mut self, stops: &[Rgbf], angle: f32) {
        let hu = self.height_units();
        let (s, c) = angle.sin_cos();
        // Project the four corners to normalise t to 0..1.
        let proj = |x: f32, y: f32| x * s + y * c;
        let corners = [proj(0.0, 0.0), proj(1.0, 0.0), proj(0.0, hu), proj(1.0, hu)];
        let lo = corners.iter().copied().fold(f32::MAX, f32::min);
        let hi = corners.iter().copied().fold(f32::MIN, f32::max);
        self.paint(|x, y| Some((ramp(stops, (proj(x, y) - lo) / (hi - lo)), 1.0)));
    }

    /// Soft-edged disc; `soft` is the blur width in canvas units.
    fn circle(&mut self, cx: f32, cy: f32, r: f32, colour: Rgbf, soft: f32, opacity: f32) {
        let aa = soft.max(1.2 / self.w as f32);
        self.paint(|x, y| {
            let d = ((x - cx).powi(2) + (y - cy).powi(2)).sqrt();
            Some((colour, opacity * (1.0 - smoothstep(r - aa, r + aa, d))))
        });
    }

    /// Radial glow: colour fading out from the centre.
    fn glow(&mut self, cx: f32, cy: f32, r: f32, colour: Rgbf, opacity: f32) {
        self.paint(|x, y| {
            let d = ((x - cx).powi(2) + (y - cy).powi(2)).sqrt() / r;
            Some((colour, opacity * (1.0 - smooth(d)).powf(1.6)))
        });
    }

    /// Fills everything below a wavy line: y = base + sum of sines over x.
    fn wave(&mut self, base: f32, waves: &[(f32, f32, f32)], colour: Rgbf) {
        let aa = 1.2 / self.w as f32;
        self.paint(|x, y| {
            let line = base
                + waves
                    .iter()
                    .map(|&(amp, freq, phase)| {
                        amp * (freq * x * std::f32::consts::TAU + phase).sin()
                    })
                    .sum::<f32>();
            Some((colour, smoothstep(line - aa, line + aa, y)))
        });
    }

    /// A crescent: a disc minus the same disc moved by `offset`.
    fn crescent(&mut self, cx: f32, cy: f32, r: f32, offset: (f32, f32), colour: Rgbf) {
        let aa = 1.5 / self.w as f32;
        self.paint(|x, y| {
            let d = ((x - cx).powi(2) + (y - cy).powi(2)).sqrt();
            let d2 = ((x - cx - offset.0).powi(2) + (y - cy - offset.1).powi(2)).sqrt();
            let a = (1.0 - smoothstep(r - aa, r + aa, d)) * smoothstep(r - aa, r + aa, d2);
            Some((colour, a))
        });
    }

    /// A ring (annulus) of the given width.
    fn ring(&mut self, cx: f32, cy: f32, r: f32, width: f32, colour: Rgbf, opacity: f32) {
        let aa = 1.2 / self.w as f32;
        self.paint(|x, y| {
            let d = ((x - cx).powi(2) + (y - cy).powi(2)).sqrt();
            let inside = smoothstep(r - width / 2.0 - aa, r - width / 2.0 + aa, d)
                * (1.0 - smoothstep(r + width / 2.0 - aa, r + width / 2.0 + aa, d));
            Some((colour, opacity * inside))
        });
    }

    /// Half disc: the part of a disc on the side of the line through its centre at `angle`.
    fn half_circle(&mut self, cx: f32, cy: f32, r: f32, angle: f32, colour: Rgbf) {
        let aa = 1.2 / self.w as f32;
        let (s, c) = angle.sin_cos();
        self.paint(|x, y| {
            let d = ((x - cx).powi(2) + (y - cy).powi(2)).sqrt();
            let side = (x - cx) * c - (y - cy) * s;
            Some((
                colour,
                (1.0 - smoothstep(r - aa, r + aa, d)) * smoothstep(-aa, aa, side),
            ))
        });
    }

    fn into_image(self) -> RgbImage {
        let Canvas { w, h, px } = self;
        RgbImage::from_fn(w, h, |x, y| {
            let p = px[(y * w + x) as usize];
            Rgb([q(p.0), q(p.1), q(p.2)])
        })
    }
}

fn q(v: f32) -> u8 {
    v.round().clamp(0.0, 255.0) as u8
}

/// Small deterministic generator (SplitMix64) for shortcodes, ids and scattered shapes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }

    fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.unit()
    }
}

// ---------------------------------------------------------------------------------------------------
// The artworks
// ---------------------------------------------------------------------------------------------------

const PORTRAIT: (u32, u32) = (1080, 1350);
const SQUARE: (u32, u32) = (1080, 1080);
const LANDSCAPE: (u32, u32) = (1080, 566);

/// Layered hills under a low sun.
fn hills(size: (u32, u32), p: &Palette, seed: u64) -> RgbImage {
    let mut rng = Rng(seed);
    let mut c = Canvas::new(size.0, size.1);
    let hu = c.height_units();
    c.gradient(&p.sky, 0.0);
    c.glow(0.62, hu * 0.42, 0.55, p.accents[0], 0.55);
    c.circle(0.62, hu * 0.42, 0.13, p.accents[0], 0.004, 0.95);
    for (i, colour) in p.accents[1..].iter().enumerate() {
        let base = hu * (0.55 + 0.13 * i as f32);
        let waves = [
            (
                0.025 + 0.01 * i as f32,
                rng.range(0.6, 1.2),
                rng.range(0.0, 6.3),
            ),
            (0.012, rng.range(1.5, 2.5), rng.range(0.0, 6.3)),
        ];
        c.wave(base, &waves, *colour);
    }
    c.into_image()
}

/// Many thin wave bands, like a sea seen from above.
fn sea(size: (u32, u32), p: &Palette, seed: u64) -> RgbImage {
    let mut rng = Rng(seed);
    let mut c = Canvas::new(size.0, size.1);
    let hu = c.height_units();
    c.gradient(&p.sky, 0.0);
    let bands = 9;
    for i in 0..bands {
        let t = i as f32 / (bands - 1) as f32;
        let colour = ramp(&[p.accents[0], p.accents[1], p.accents[2], p.accents[3]], t);
        let base = hu * (0.28 + 0.68 * t);
        let waves = [
            (0.018, rng.range(1.0, 1.6), rng.range(0.0, 6.3)),
            (0.008, rng.range(2.5, 3.5), rng.range(0.0, 6.3)),
        ];
        c.wave(base, &waves, colour);
    }
    c.circle(0.24, hu * 0.14, 0.06, p.accents[0], 0.002, 0.9);
    c.into_image()
}

/// Bauhaus poster: flat shapes on paper.
fn bauhaus(size: (u32, u32), p: &Palette) -> RgbImage {
    let mut c = Canvas::new(size.0, size.1);
    let hu = c.height_units();
    c.gradient(&p.sky, 0.6);
    c.circle(0.36, hu * 0.38, 0.24, p.accents[0], 0.0, 1.0);
    c.half_circle(0.66, hu * 0.62, 0.22, 0.0, p.accents[1]);
    c.half_circle(0.66, hu * 0.62, 0.22, std::f32::consts::PI, p.accents[2]);
    c.circle(0.74, hu * 0.24, 0.07, p.accents[3], 0.0, 1.0);
    c.ring(0.30, hu * 0.78, 0.10, 0.018, p.accents[3], 1.0);
    c.into_image()
}

/// Northern lights: soft glows on a night sky with a dark horizon.
fn aurora(size: (u32, u32), p: &Palette, seed: u64) -> RgbImage {
    let mut rng = Rng(seed);
    let mut c = Canvas::new(size.0, size.1);
    let hu = c.height_units();
    c.gradient(&p.sky, 0.0);
    for i in 0..7 {
        let colour = p.accents[i % 3];
        let x = rng.range(0.1, 0.9);
        let y = hu * rng.range(0.2, 0.6);
        c.glow(x, y, rng.range(0.25, 0.45), colour, 0.45);
    }
    for _ in 0..40 {
        let (x, y) = (rng.range(0.02, 0.98), hu * rng.range(0.02, 0.45));
        c.circle(x, y, rng.range(0.0015, 0.003), p.accents[3], 0.001, 0.8);
    }
    c.wave(
        hu * 0.8,
        &[(0.02, 0.7, 1.0), (0.01, 2.2, 0.3)],
        hex(0x0a0e22),
    );
    c.into_image()
}

/// Dunes at dusk, for the landscape format.
fn dunes(size: (u32, u32), p: &Palette) -> RgbImage {
    let mut c = Canvas::new(size.0, size.1);
    let hu = c.height_units();
    c.gradient(&p.sky, 0.0);
    c.glow(0.3, hu * 0.45, 0.5, p.accents[0], 0.6);
    c.circle(0.3, hu * 0.45, 0.07, p.accents[0], 0.003, 0.95);
    c.wave(
        hu * 0.62,
        &[(0.04, 0.8, 0.5), (0.015, 1.9, 2.0)],
        p.accents[1],
    );
    c.wave(
        hu * 0.74,
        &[(0.05, 0.6, 2.6), (0.01, 2.7, 0.7)],
        p.accents[2],
    );
    c.wave(hu * 0.88, &[(0.035, 1.1, 4.0)], p.accents[3]);
    c.into_image()
}

/// Overlapping translucent blobs.
fn blobs(size: (u32, u32), p: &Palette, seed: u64) -> RgbImage {
    let mut rng = Rng(seed);
    let mut c = Canvas::new(size.0, size.1);
    let hu = c.height_units();
    c.gradient(&p.sky, 0.9);
    for i in 0..7 {
        // Around a loose ring, so the shapes spread over the whole square.
        let a = i as f32 / 7.0 * std::f32::consts::TAU + rng.range(-0.3, 0.3);
        let d = rng.range(0.18, 0.3);
        let (x, y) = (0.5 + d * a.cos(), hu * 0.5 + d * a.sin());
        let r = rng.range(0.12, 0.22);
        c.circle(x, y, r, p.accents[i % 4], 0.008, 0.8);
    }
    c.into_image()
}

/// Concentric rings, slightly off centre, like a cut tree.
fn rings(size: (u32, u32), p: &Palette) -> RgbImage {
    let mut c = Canvas::new(size.0, size.1);
    let hu = c.height_units();
    c.gradient(&p.sky, 0.3);
    c.glow(0.5, hu * 0.5, 0.6, p.accents[2], 0.35);
    for i in 0..11 {
        let r = 0.035 + 0.037 * i as f32 + 0.004 * ((i * 7) % 3) as f32;
        let colour = p.accents[i % 3];
        c.ring(0.48 + 0.004 * i as f32, hu * 0.5, r, 0.011, colour, 0.9);
    }
    c.circle(0.48, hu * 0.5, 0.02, p.accents[3], 0.0, 1.0);
    c.into_image()
}

/// A 4x4 grid of dots, one of them the odd one out.
fn grid(size: (u32, u32), p: &Palette) -> RgbImage {
    let mut c = Canvas::new(size.0, size.1);
    let hu = c.height_units();
    c.gradient(&p.sky, 0.0);
    for row in 0..4 {
        for col in 0..4 {
            let (x, y) = (0.2 + 0.2 * col as f32, hu * (0.2 + 0.2 * row as f32));
            let odd = row == 2 && col == 1;
            let colour = if odd {
                p.accents[2]
            } else {
                p.accents[(row + col) % 2]
            };
            c.circle(x + 0.008, y + 0.01, 0.075, hex(0x0e2530), 0.012, 0.35);
            c.circle(x, y, 0.075, colour, 0.0, 1.0);
            c.circle(x - 0.022, y - 0.024, 0.02, p.accents[3], 0.01, 0.6);
        }
    }
    c.into_image()
}

/// Mint waves crossing diagonally.
fn ribbons(size: (u32, u32), p: &Palette) -> RgbImage {
    let mut c = Canvas::new(size.0, size.1);
    let hu = c.height_units();
    c.gradient(&p.sky, 0.5);
    let n = 6;
    for i in 0..n {
        let t = i as f32 / (n - 1) as f32;
        let colour = ramp(&[p.sky[2], p.accents[0], p.accents[1]], t);
        c.wave(
            hu * (0.4 + 0.5 * t),
            &[(0.045, 0.9, 1.2 + 0.9 * t), (0.012, 2.1, 2.0 * t)],
            colour,
        );
    }
    c.circle(0.76, hu * 0.2, 0.08, p.accents[3], 0.006, 1.0);
    c.into_image()
}

/// The same composition in one palette, for the carousel of palette studies.
fn study(size: (u32, u32), p: &Palette) -> RgbImage {
    let mut c = Canvas::new(size.0, size.1);
    let hu = c.height_units();
    c.gradient(&p.sky, 0.2);
    c.wave(hu * 0.7, &[(0.03, 0.5, 0.4)], p.accents[2]);
    c.circle(0.5, hu * 0.46, 0.25, p.accents[0], 0.0, 1.0);
    c.half_circle(
        0.5,
        hu * 0.46,
        0.25,
        std::f32::consts::FRAC_PI_2,
        p.accents[1],
    );
    c.ring(0.5, hu * 0.46, 0.31, 0.012, p.accents[3], 1.0);
    c.into_image()
}

/// Day or night: a big moon or sun over a calm horizon.
fn orb(size: (u32, u32), p: &Palette, night: bool) -> RgbImage {
    let mut c = Canvas::new(size.0, size.1);
    let hu = c.height_units();
    c.gradient(&p.sky, 0.0);
    let light = if night { p.accents[3] } else { p.accents[0] };
    c.glow(0.5, hu * 0.4, 0.6, light, if night { 0.25 } else { 0.45 });
    if night {
        c.crescent(0.5, hu * 0.4, 0.2, (0.085, -0.05), light);
        for (x, y) in [
            (0.18, 0.12),
            (0.82, 0.2),
            (0.72, 0.55),
            (0.25, 0.6),
            (0.88, 0.08),
        ] {
            c.circle(x, hu * y, 0.004, light, 0.002, 0.9);
        }
        c.wave(hu * 0.74, &[(0.006, 1.0, 0.0)], hex(0x2a2d5e));
        c.wave(hu * 0.86, &[(0.01, 1.4, 2.0)], hex(0x151a3d));
    } else {
        c.circle(0.5, hu * 0.4, 0.2, light, 0.003, 1.0);
        c.wave(hu * 0.74, &[(0.006, 1.0, 0.0)], p.accents[2]);
        c.wave(hu * 0.86, &[(0.01, 1.4, 2.0)], p.accents[3]);
    }
    c.into_image()
}

// ---------------------------------------------------------------------------------------------------
// The feed
// ---------------------------------------------------------------------------------------------------

struct Item {
    file: &'static str,
    image: RgbImage,
    alt: Option<&'static str>,
}

enum Kind {
    Image(Item),
    Reel { poster: Item },
    Carousel(Vec<Item>),
}

struct Post {
    kind: Kind,
    caption: Option<&'static str>,
    timestamp: &'static str,
    alt: Option<&'static str>,
}

fn item(file: &'static str, image: RgbImage, alt: Option<&'static str>) -> Item {
    Item { file, image, alt }
}

fn posts() -> Vec<Post> {
    vec![
        Post {
            kind: Kind::Image(item("images/01-golden-hour.jpg", hills(PORTRAIT, &SUNSET, 11), None)),
            caption: Some(
                "Golden hour, rendered 🌅 Every pixel of this one is a sine wave and a smoothstep.\n\n\
                 Palette borrowed from @sol.studio after their last show.\n\n\
                 #generativeart #sunset #gradient #creativecoding",
            ),
            timestamp: "2026-11-20T10:15:00+0000",
            alt: Some("Abstract sunset: a pale sun over four layers of plum hills on a peach sky."),
        },
        Post {
            kind: Kind::Reel {
                poster: item("images/02-aurora-poster.jpg", aurora(PORTRAIT, &NIGHT, 22), None),
            },
            caption: Some(
                "Aurora, in motion ✨ The full loop lives on Instagram, here you get the poster frame 🎬\n\
                 #reels #aurora #motiondesign",
            ),
            timestamp: "2026-11-17T19:42:11+0000",
            alt: None,
        },
        Post {
            kind: Kind::Carousel(vec![
                item(
                    "images/03a-study-terracotta.jpg",
                    study(SQUARE, &TERRACOTTA),
                    Some("Palette study in terracotta, mustard and teal: a disc split in two over a low hill."),
                ),
                item("images/03b-study-sage.jpg", study(SQUARE, &SAGE), Some("The same study in sage and ochre.")),
                item("images/03c-study-lilac.jpg", study(SQUARE, &LILAC), None),
            ]),
            caption: Some(
                "Palette studies 1–3 🎨 Same composition, three moods: swipe → for terracotta, sage and lilac.\n\
                 Which one would you hang? 👇 Thanks @colour.lab for the nudge!\n\n\
                 #palette #colorstudy #carousel",
            ),
            timestamp: "2026-11-14T08:03:27+0000",
            alt: None,
        },
        Post {
            kind: Kind::Image(item("images/04-low-tide.jpg", sea(PORTRAIT, &OCEAN, 44), None)),
            caption: Some("Low tide, high contrast 🌊 Nine layered waves in navy & teal.\n\n#ocean #waves #generativeart"),
            timestamp: "2026-11-09T16:30:00+0000",
            alt: Some("Nine wavy horizontal bands shading from sand to deep navy, a small pale sun top left."),
        },
        Post {
            kind: Kind::Image(item("images/05-bauhaus.jpg", bauhaus(SQUARE, &TERRACOTTA), None)),
            caption: Some(
                "Three circles walk into a square ◐ An homage to the Bauhaus posters we grew up with, \
                 thanks @kleewerk for the palette tips! #bauhaus #geometric #design",
            ),
            timestamp: "2026-11-03T12:00:45+0000",
            alt: None,
        },
        Post {
            kind: Kind::Image(item("images/06-dunes.jpg", dunes(LANDSCAPE, &DESERT), None)),
            caption: Some(
                "Wide format for once: dunes at dusk 🏜️ (1080×566, the only landscape in this feed). \
                 Café-au-lait tones, naïve shapes.\n#desert #landscape",
            ),
            timestamp: "2026-10-28T18:21:09+0000",
            alt: Some("Wide desert scene: three dune ridges in ochre and rust under a low, glowing sun."),
        },
        Post {
            kind: Kind::Image(item(
                "images/07-escaping.jpg",
                ribbons(PORTRAIT, &MINT),
                None,
            )),
            caption: Some(
                "Escaping test: this caption says <script>alert(1)</script> and {{ .Site.Title }} and must show up \
                 as plain text, never run. Also 5 < 6 & \"quotes\" 'too'. #security #hugo",
            ),
            timestamp: "2026-10-22T07:55:30+0000",
            // No alt text: the caption becomes the alt attribute, so the hostile text reaches the
            // partial's attributes as well as the data file.
            alt: None,
        },
        Post {
            kind: Kind::Carousel(vec![
                item(
                    "images/08a-day.jpg",
                    orb(PORTRAIT, &DESERT, false),
                    Some("Day: a large warm sun over a calm horizon."),
                ),
                item(
                    "images/08b-night.jpg",
                    orb(PORTRAIT, &NIGHT, true),
                    Some("Night: a crescent moon over the same horizon."),
                ),
            ]),
            caption: Some("Day / night ☀️🌙 A two-part piece.\n\n#diptych #moon #sun"),
            timestamp: "2026-10-15T21:10:00+0000",
            alt: None,
        },
        Post {
            kind: Kind::Image(item("images/09-soft-shapes.jpg", blobs(SQUARE, &PASTEL, 99), None)),
            caption: Some("Soft shapes for a soft Sunday 🫧 #pastel #abstract"),
            timestamp: "2026-10-11T10:47:52+0000",
            alt: None,
        },
        Post {
            kind: Kind::Image(item("images/10-tree-rings.jpg", rings(PORTRAIT, &FOREST), None)),
            caption: Some(
                "Tree rings, counted in code 🌲 Each ring is one smoothstep.\n\
                 Shout-out to @forest_type and @m.arch for the idea 🙌\n\n\
                 #forest #rings #minimal #generativeart",
            ),
            timestamp: "2026-10-04T14:05:33+0000",
            alt: Some("Eleven concentric cream and green rings on a dark forest-green background."),
        },
        Post {
            kind: Kind::Image(item("images/11-odd-one-out.jpg", grid(SQUARE, &LEMON), None)),
            caption: Some(
                "Sixteen dots, one odd one out. Can you spot it? 🍋🍋🍋🍋‍🟩\n#grid #pattern #generativeart",
            ),
            timestamp: "2026-09-27T09:30:00+0000",
            alt: Some("A four by four grid of yellow dots on dark teal, one of them green."),
        },
        Post {
            kind: Kind::Image(item("images/12-untitled.jpg", hills(SQUARE, &LILAC, 1212), None)),
            caption: None,
            timestamp: "2026-09-19T17:12:40+0000",
            alt: None,
        },
    ]
}

fn write_jpeg(path: &Path, img: &RgbImage) -> u64 {
    let file = fs::File::create(path).unwrap_or_else(|e| panic!("create {}: {e}", path.display()));
    let mut w = BufWriter::new(file);
    JpegEncoder::new_with_quality(&mut w, JPEG_QUALITY)
        .encode_image(img)
        .unwrap_or_else(|e| panic!("encode {}: {e}", path.display()));
    drop(w);
    fs::metadata(path).map_or(0, |m| m.len())
}

fn write_json(path: &Path, value: &Value) {
    let mut text = serde_json::to_string_pretty(value).expect("serialise JSON");
    text.push('\n');
    fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// An Instagram-looking shortcode (11 characters of the URL-safe base64 alphabet).
fn shortcode(rng: &mut Rng) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut s = String::from("D");
    for _ in 0..10 {
        s.push(ALPHABET[(rng.next() % 64) as usize] as char);
    }
    s
}

/// A media id in Instagram's 17-digit form.
fn media_id(rng: &mut Rng) -> String {
    format!(
        "1{}",
        7_900_000_000_000_000 + rng.next() % 99_999_999_999_999
    )
}

/// Tiles the thumbnails into one PNG, five to a row, to preview the feed.
fn contact_sheet(path: &Path, thumbs: &[RgbImage]) {
    let (cell_w, cell_h, per_row) = (224u32, 278u32, 5usize);
    let rows = thumbs.len().div_ceil(per_row) as u32;
    let mut sheet =
        RgbImage::from_pixel(cell_w * per_row as u32, cell_h * rows, Rgb([255, 255, 255]));
    for (i, t) in thumbs.iter().enumerate() {
        let (x, y) = (
            (i % per_row) as u32 * cell_w + 4,
            (i / per_row) as u32 * cell_h + 4,
        );
        image::imageops::replace(&mut sheet, t, i64::from(x), i64::from(y));
    }
    sheet
        .save(path)
        .unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    println!("contact sheet: {}", path.display());
}

fn insert_opt(obj: &mut Map<String, Value>, key: &str, value: Option<&str>) {
    if let Some(v) = value {
        obj.insert(key.to_string(), Value::from(v));
    }
}

fn main() {
    let out: PathBuf = std::env::args_os().nth(1).map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("example-site/demo-feed"),
        PathBuf::from,
    );
    let images = out.join("images");
    if images.exists() {
        // Start clean so renamed pictures do not linger.
        fs::remove_dir_all(&images).expect("remove old images");
    }
    fs::create_dir_all(&images).expect("create output folder");

    let mut rng = Rng(0x0001_ba4e_5eed_5eed);
    let mut thumbs = Vec::new();
    let mut total_bytes = 0u64;
    let mut media = Vec::new();
    let posts = posts();
    let post_count = posts.len();

    for post in posts {
        let id = media_id(&mut rng);
        let code = shortcode(&mut rng);
        let mut obj = Map::new();
        obj.insert("id".into(), Value::from(id));
        obj.insert("username".into(), Value::from(USERNAME));
        obj.insert("timestamp".into(), Value::from(post.timestamp));
        insert_opt(&mut obj, "caption", post.caption);
        insert_opt(&mut obj, "alt_text", post.alt);

        let mut save = |it: &Item| {
            let bytes = write_jpeg(&out.join(it.file), &it.image);
            println!(
                "{:<34} {}x{} {:>7} bytes",
                it.file,
                it.image.width(),
                it.image.height(),
                bytes
            );
            total_bytes += bytes;
            thumbs.push(image::imageops::thumbnail(
                &it.image,
                216,
                216 * it.image.height() / it.image.width(),
            ));
        };

        match &post.kind {
            Kind::Image(it) => {
                save(it);
                obj.insert("media_type".into(), json!("IMAGE"));
                obj.insert("media_product_type".into(), json!("FEED"));
                obj.insert("media_url".into(), json!(it.file));
                obj.insert(
                    "permalink".into(),
                    json!(format!("https://www.instagram.com/p/{code}/")),
                );
            }
            Kind::Reel { poster } => {
                save(poster);
                // A reel with licensed audio: Instagram leaves out media_url, only the poster is served.
                obj.insert("media_type".into(), json!("VIDEO"));
                obj.insert("media_product_type".into(), json!("REELS"));
                obj.insert("thumbnail_url".into(), json!(poster.file));
                obj.insert("is_shared_to_feed".into(), json!(true));
                obj.insert(
                    "permalink".into(),
                    json!(format!("https://www.instagram.com/reel/{code}/")),
                );
            }
            Kind::Carousel(items) => {
                let mut children = Vec::new();
                for it in items {
                    save(it);
                    let mut child = Map::new();
                    child.insert("id".into(), Value::from(media_id(&mut rng)));
                    child.insert("media_type".into(), json!("IMAGE"));
                    child.insert("media_url".into(), json!(it.file));
                    insert_opt(&mut child, "alt_text", it.alt);
                    children.push(Value::Object(child));
                }
                obj.insert("media_type".into(), json!("CAROUSEL_ALBUM"));
                obj.insert("media_product_type".into(), json!("FEED"));
                // Instagram gives a carousel the media_url of its first item.
                obj.insert("media_url".into(), json!(items[0].file));
                obj.insert(
                    "permalink".into(),
                    json!(format!("https://www.instagram.com/p/{code}/")),
                );
                obj.insert("children".into(), json!({ "data": children }));
            }
        }
        media.push(Value::Object(obj));
    }

    // Two pages, as the API pages them: the first names the second in paging.next (a file name in the
    // replay folder instead of a graph.instagram.com URL); the last page has cursors but no next.
    let second = media.split_off(7);
    let page1 = json!({
        "data": media,
        "paging": {
            "cursors": { "before": "QVFIUmRlbW9fcGFnZTFfYmVmb3Jl", "after": "QVFIUmRlbW9fcGFnZTFfYWZ0ZXI" },
            "next": "media-2.json"
        }
    });
    let page2 = json!({
        "data": second,
        "paging": {
            "cursors": { "before": "QVFIUmRlbW9fcGFnZTJfYmVmb3Jl", "after": "QVFIUmRlbW9fcGFnZTJfYWZ0ZXI" },
            "previous": "media.json"
        }
    });
    // The profile picture, as `/me` gives it in `profile_picture_url` (a 320 px square).
    let picture = "images/00-profile.jpg";
    total_bytes += write_jpeg(&out.join(picture), &rings((320, 320), &SUNSET));
    let me = json!({
        "id": APP_SCOPED_ID,
        "user_id": USER_ID,
        "username": USERNAME,
        "account_type": "BUSINESS",
        "media_count": post_count,
        "name": "instabake demo",
        "biography": "Generated artwork for instabake's example site.\nEvery picture here was made by a script, none by a camera.",
        "website": "https://example.com/",
        "followers_count": 1280,
        "follows_count": 42,
        "profile_picture_url": picture,
    });
    write_json(&out.join("media.json"), &page1);
    write_json(&out.join("media-2.json"), &page2);
    write_json(&out.join("me.json"), &me);

    if let Some(sheet) = std::env::var_os("DEMO_FEED_CONTACT_SHEET") {
        contact_sheet(Path::new(&sheet), &thumbs);
    }
    println!(
        "wrote {post_count} posts ({total_bytes} bytes of images) to {}",
        out.display()
    );
}
