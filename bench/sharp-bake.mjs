// The sharp side of the instabake benchmark: the same job as `instabake build`, done the way a
// typical sharp-based tool (eleventy-img) does it.
//
//   node bench/sharp-bake.mjs --src DIR --out DIR [--count N] [--widths 320,640,1080]
//       [--formats webp,jpeg] [--jpeg-quality 80] [--webp-quality 80] [--webp-effort 4]
//       [--avif-quality 50] [--avif-effort 4] [--queue N]
//
// Every *.jpg in --src (the first --count of them, by name) is read into memory and its header read
// once (`metadata()`). Then, as in eleventy-img 6 (src/image.js, `resize()`), every output
// (width x format) is its own pipeline, `clone().keepIccProfile()[.rotate()].resize({width,
// withoutEnlargement}).toFormat().toFile()`, all outputs of one image started together
// (Promise.all), so each output decodes the source again (with libvips' shrink-on-load). Images go
// through a queue with eleventy-img's default concurrency, min(max(8, cores), 16); sharp's own
// settings stay at their defaults (sharp.concurrency() threads per pipeline, libuv's 4 threads). Widths above the
// source width give the source width (never upscale). Prints one JSON line: files, bytes, time
// inside node, sharp's versions and the encoder options in effect.
import { readFileSync, readdirSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, basename } from 'node:path';
import { availableParallelism } from 'node:os';
import sharp from 'sharp';

function parseArgs(argv) {
  const args = {
    widths: '320,640,1080', formats: 'webp,jpeg', 'jpeg-quality': '80', 'webp-quality': '80',
    'webp-effort': '4', 'avif-quality': '50', 'avif-effort': '4', count: '1000000',
    queue: String(Math.min(Math.max(8, availableParallelism()), 16)),
  };
  for (let i = 0; i < argv.length; i += 2) args[argv[i].replace(/^--/, '')] = argv[i + 1];
  if (!args.src || !args.out) throw new Error('usage: sharp-bake.mjs --src DIR --out DIR [...]');
  return args;
}

const args = parseArgs(process.argv.slice(2));
const widths = args.widths.split(',').map(Number);
const formats = args.formats.split(',');
// sharp's defaults (dist/constructor.mjs), spelled out so the report says what was used. JPEG:
// sharp's bundled mozjpeg library with mozjpeg's extras off: baseline, 4:2:0, optimised Huffman
// tables, the standard (Annex K) quantisation tables, no trellis. AVIF: libheif with aom, 4:4:4.
const options = {
  jpeg: {
    quality: Number(args['jpeg-quality']), progressive: false, chromaSubsampling: '4:2:0',
    optimiseCoding: true, trellisQuantisation: false, overshootDeringing: false, optimiseScans: false,
    quantisationTable: 0,
  },
  webp: { quality: Number(args['webp-quality']), effort: Number(args['webp-effort']), smartSubsample: false },
  avif: {
    quality: Number(args['avif-quality']), effort: Number(args['avif-effort']), lossless: false,
    chromaSubsampling: '4:4:4', bitdepth: 8,
  },
};
const extension = { jpeg: 'jpg', webp: 'webp', avif: 'avif' };

/** Bakes one source image to every width and format; resolves to [files, bytes] written. */
async function bakeOne(path) {
  const input = await readFile(path);
  const image = sharp(input, { failOn: 'none' });
  const meta = await image.metadata();
  const sizes = [...new Set(widths.map((w) => Math.min(w, meta.width)))];
  const name = basename(path, '.jpg');
  const outputs = [];
  for (const format of formats) {
    for (const width of sizes) {
      let pipeline = image.clone().keepIccProfile();
      if ((meta.orientation ?? 1) > 1) pipeline = pipeline.rotate();
      if (width < meta.width) pipeline = pipeline.resize({ width, withoutEnlargement: true });
      outputs.push(
        pipeline.toFormat(format, options[format])
          .toFile(join(args.out, `${name}-${width}.${extension[format]}`)),
      );
    }
  }
  const infos = await Promise.all(outputs);
  return [infos.length, infos.reduce((sum, info) => sum + info.size, 0)];
}

const started = process.hrtime.bigint();
mkdirSync(args.out, { recursive: true });
const queue = readdirSync(args.src).filter((f) => f.endsWith('.jpg')).sort()
  .slice(0, Number(args.count)).map((f) => join(args.src, f));
const sources = queue.length;
let files = 0;
let bytes = 0;
async function worker() {
  for (let path = queue.shift(); path; path = queue.shift()) {
    const [n, b] = await bakeOne(path);
    files += n;
    bytes += b;
  }
}
await Promise.all(Array.from({ length: Number(args.queue) }, worker));
const ms = Number(process.hrtime.bigint() - started) / 1e6;
const pkg = JSON.parse(readFileSync(new URL('./node_modules/sharp/package.json', import.meta.url)));
console.log(JSON.stringify({
  sources, files, bytes, ms, sharp: pkg.version, libvips: sharp.versions.vips,
  concurrency: sharp.concurrency(), uv_threadpool: Number(process.env.UV_THREADPOOL_SIZE || 4),
  simd: sharp.simd(), queue: Number(args.queue), options,
}));
