// Run by tests/integration/weight.rs with node, NODE_PATH pointing at the pinned sharp
// (bench/package.json, installed into target/bench-sharp/ by .ci/run):
//
//   node weight-images.js PLAN.json
//
// Makes the photos of the page-weight test and sharp's variants of them. PLAN.json:
//
//   {"crops": [{"src", "width", "height", "zoom", "fx", "fy", "flop", "out"}, ...],
//    "variants": {"dir", "widths": [320, 640, 1080], "webp": {...}, "jpeg": {...}}}
//
// Each crop scales its source photograph (Lanczos3) so that it just covers width x height, then
// `zoom` times that (at most the source's own size), optionally mirrors it, and cuts width x
// height at the fractions (fx, fy) of the room left over: the "original" Instagram would serve,
// saved as JPEG q92. Then every original gets sharp's variants, resized with Lanczos3 to each
// width (never upscaled) and saved with the given encoder options, as `dir/STEM-WIDTH.webp|jpg`.
// Prints a JSON list of the variants written: {"original", "format", "width", "height", "path"}.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const sharp = require("sharp");

const plan = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));

async function crop(c) {
  const meta = await sharp(c.src).metadata();
  const cover = Math.max(c.width / meta.width, c.height / meta.height);
  const scale = Math.min(1, cover * c.zoom);
  const width = Math.max(c.width, Math.ceil(meta.width * scale));
  let scaled = sharp(c.src).resize({ width, kernel: "lanczos3" });
  if (c.flop) scaled = scaled.flop();
  // Resize to raw pixels first, so the crop is cut from the scaled image.
  const { data, info } = await scaled.raw().toBuffer({ resolveWithObject: true });
  await sharp(data, { raw: info })
    .extract({
      left: Math.floor(c.fx * (info.width - c.width)),
      top: Math.floor(c.fy * (info.height - c.height)),
      width: c.width,
      height: c.height,
    })
    .jpeg({ quality: 92, chromaSubsampling: "4:2:0" })
    .toFile(c.out);
}

async function variants(original) {
  const { dir, widths, webp, jpeg } = plan.variants;
  const input = fs.readFileSync(original);
  const meta = await sharp(input).metadata();
  const stem = path.basename(original, ".jpg");
  const out = [];
  for (const width of [...new Set(widths.map((w) => Math.min(w, meta.width)))]) {
    for (const [format, ext, options] of [["webp", "webp", webp], ["jpeg", "jpg", jpeg]]) {
      const file = path.join(dir, `${stem}-${width}.${ext}`);
      const info = await sharp(input)
        .resize({ width, kernel: "lanczos3", withoutEnlargement: true })
        .toFormat(format, options)
        .toFile(file);
      out.push({ original, format, width: info.width, height: info.height, path: file });
    }
  }
  return out;
}

(async () => {
  await Promise.all(plan.crops.map(crop));
  fs.mkdirSync(plan.variants.dir, { recursive: true });
  const all = await Promise.all(plan.crops.map((c) => variants(c.out)));
  process.stdout.write(JSON.stringify(all.flat()) + "\n");
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
