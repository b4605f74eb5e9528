// Quality figure for the instabake benchmark: PSNR (RGB) and SSIM (luma) of baked images against a
// reference made by sharp from the same source with the Lanczos3 kernel, written losslessly (PNG).
//
//   node bench/quality.mjs PLAN.json
//
// PLAN.json (written by bench/run.py): {"width": 640, "items": [{"src": "photo.jpg",
// "candidates": {"instabake webp": "path", "sharp jpeg": "path", ...}}, ...]}. Everything is decoded
// to raw 8-bit RGB by sharp. Prints one JSON line: per label, the mean PSNR over the images, the
// PSNR of the pooled error, the mean SSIM and the number of images compared.
import { readFileSync } from 'node:fs';
import sharp from 'sharp';

const plan = JSON.parse(readFileSync(process.argv[2], 'utf8'));

/** Decodes any image (file path or buffer) to raw RGB. */
async function rgb(input) {
  const { data, info } = await sharp(input).removeAlpha().toColourspace('srgb').raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Sum of squared errors over all RGB samples. */
function sse(a, b) {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = a.data[i] - b.data[i];
    sum += d * d;
  }
  return sum;
}

function luma(img) {
  const y = new Float64Array(img.width * img.height);
  for (let i = 0, j = 0; i < y.length; i++, j += 3) {
    y[i] = 0.299 * img.data[j] + 0.587 * img.data[j + 1] + 0.114 * img.data[j + 2];
  }
  return y;
}

/** Mean SSIM of the luma planes over 8x8 windows with a stride of 4 (uniform weights). */
function ssim(a, b) {
  const ya = luma(a);
  const yb = luma(b);
  const w = a.width;
  const c1 = (0.01 * 255) ** 2;
  const c2 = (0.03 * 255) ** 2;
  let total = 0;
  let windows = 0;
  for (let y0 = 0; y0 + 8 <= a.height; y0 += 4) {
    for (let x0 = 0; x0 + 8 <= w; x0 += 4) {
      let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
      for (let y = y0; y < y0 + 8; y++) {
        for (let x = x0; x < x0 + 8; x++) {
          const p = ya[y * w + x];
          const q = yb[y * w + x];
          sa += p; sb += q; saa += p * p; sbb += q * q; sab += p * q;
        }
      }
      const n = 64;
      const ma = sa / n, mb = sb / n;
      const va = saa / n - ma * ma, vb = sbb / n - mb * mb, cov = sab / n - ma * mb;
      total += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
      windows++;
    }
  }
  return total / windows;
}

const psnr = (mse) => (mse === 0 ? 99 : 10 * Math.log10((255 * 255) / mse));
const stats = {};
for (const item of plan.items) {
  const png = await sharp(item.src).resize({ width: plan.width, kernel: 'lanczos3' }).png().toBuffer();
  const ref = await rgb(png);
  for (const [label, path] of Object.entries(item.candidates)) {
    const img = await rgb(path);
    const s = (stats[label] ??= { psnr: [], sse: 0, samples: 0, ssim: [], skipped: 0 });
    if (img.width !== ref.width || img.height !== ref.height) {
      s.skipped++;
      continue;
    }
    const e = sse(ref, img);
    s.sse += e;
    s.samples += ref.data.length;
    s.psnr.push(psnr(e / ref.data.length));
    s.ssim.push(ssim(ref, img));
  }
}
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
const out = {};
for (const [label, s] of Object.entries(stats)) {
  out[label] = {
    psnr_mean: mean(s.psnr), psnr_pooled: psnr(s.sse / Math.max(s.samples, 1)),
    ssim_mean: mean(s.ssim), images: s.psnr.length, skipped: s.skipped,
  };
}
console.log(JSON.stringify(out));
