// Makes the benchmark's source photos: 1080x1350 crops (Instagram's 4:5 portrait size) of the
// photographs in Debian's plasma-workspace-wallpapers package, as baseline JPEG q90.
//
//   node bench/make-photos.mjs PLAN.json
//
// PLAN.json is written by bench/run.py: {"out": DIR, "crops": [{"src", "height", "fx", "fy",
// "flop", "name"}, ...]}. Each crop scales the source to `height` (Lanczos3; at most the source's
// own height), optionally mirrors it, and cuts 1080x1350 at the fractions (fx, fy) of the room
// left over, so every crop is a different image.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

const plan = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const queue = [...plan.crops];

async function worker() {
  for (let c = queue.shift(); c; c = queue.shift()) {
    // Resize (and mirror) to raw pixels first, so the crop is cut from the scaled image.
    const meta = await sharp(c.src).metadata();
    let scaled = sharp(c.src).resize({ height: Math.min(c.height, meta.height), kernel: 'lanczos3' });
    if (c.flop) scaled = scaled.flop();
    const { data, info } = await scaled.raw().toBuffer({ resolveWithObject: true });
    await sharp(data, { raw: info })
      .extract({
        left: Math.floor(c.fx * (info.width - 1080)), top: Math.floor(c.fy * (info.height - 1350)),
        width: 1080, height: 1350,
      })
      .jpeg({ quality: 90, progressive: false, chromaSubsampling: '4:2:0' })
      .toFile(join(plan.out, c.name));
  }
}

await Promise.all([1, 2, 3, 4].map(worker));
