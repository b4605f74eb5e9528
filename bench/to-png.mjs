// Decodes images to lossless PNG for bench/run.py, so that examples/score compares pixels as a
// browser decodes them: sharp's mozjpeg (libjpeg-turbo), libwebp and libheif, where the scorer's
// own decoders read no AVIF and mis-decode some valid JPEGs (non-interleaved scans, zune-jpeg 0.5.15).
//
//   node bench/to-png.mjs PLAN.json
//
// PLAN.json is a list of [input, output] paths. Each input becomes 8-bit sRGB without alpha, written
// as PNG at the fastest compression; two at a time, as the machine has few cores.
import { readFileSync } from 'node:fs';
import sharp from 'sharp';

const queue = JSON.parse(readFileSync(process.argv[2], 'utf8'));

async function worker() {
  for (let pair = queue.shift(); pair; pair = queue.shift()) {
    await sharp(pair[0]).removeAlpha().toColourspace('srgb').png({ compressionLevel: 1 }).toFile(pair[1]);
  }
}

await Promise.all([1, 2].map(worker));
