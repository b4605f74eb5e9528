#!/usr/bin/env python3
"""instabake vs sharp: the media benchmark (issue 3).

    python3 bench/run.py                 # 40 posts: full, JPEG only, warm, slow media host, 200 posts
    python3 bench/run.py --quick         # 12 posts, no 200-post run, 4 quality samples
    python3 bench/run.py --posts 40 --big 200 --repeat 5 --keep

Needs: cargo, node >= 20.9 with npm, and Debian's photos (`apt-get install plasma-workspace-wallpapers`).
In one run it:
  1. crops the package's photographs to distinct 1080x1350 baseline JPEGs (q90), with sharp, into
     target/bench/photos/ (reused while the crop plan is unchanged; no image data is committed);
  2. installs the pinned sharp (bench/package-lock.json) into bench/node_modules with `npm ci`;
  3. serves them through a fake Graph API + media host on 127.0.0.1 (threaded http.server, real
     response shapes, 25 posts a page or `limit` up to 100, absolute `paging.next` URLs);
  4. runs `target/release/instabake build` cold (fresh site and cache) and warm (nothing new), after
     `cargo build --release`;
  5. runs bench/sharp-bake.mjs (eleventy-img style) on the same photos to the same widths, formats,
     qualities and WebP effort;
  6. repeats both for JPEG only and for --big posts, and the full job with instabake built for
     x86-64-v3 (AVX2: RUSTFLAGS="-C target-cpu=x86-64-v3", into target/bench/x86-64-v3; --no-v3 skips);
     bakes the full job again from a media host that waits --slow-media ms before each file, to show
     that downloads overlap the encoding;
  7. compares PSNR/SSIM at 640 wide against a sharp Lanczos3 PNG reference (bench/quality.mjs);
  8. prints the table and writes target/bench/results.json.
Each run is measured as a child process: wall time, CPU time (user+sys) and peak RSS from os.wait4.
Other work on the machine skews every figure: the table warns when it saw any; on a shared machine
use `--wait-quiet 600 --repeat 5` (cold runs of both tools interleaved, fastest kept, and the
median ratio of the back-to-back pairs printed). Standard library only.
"""
import argparse
import base64
import hashlib
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = ROOT / "target" / "bench"
BINARY = ROOT / "target" / "release" / "instabake"
# The same code built for x86-64-v3 (AVX2), which also turns on libwebp's AVX2 build (Cargo.toml).
V3_TARGET = ROOT / "target" / "bench" / "x86-64-v3"
V3_BINARY = V3_TARGET / "release" / "instabake"
SHARP_VERSION = "0.35.5"
TOKEN = "bench-token-123456"
USER_ID = "17841400000000042"
WALLPAPERS = Path("/usr/share/wallpapers")
# The wallpapers of the package that are photographs (the others are renders and drawings).
PHOTOS = ["BytheWater", "ColdRipple", "ColorfulCups", "DarkestHour", "EveningGlow", "FallenLeaf",
          "Grey", "Kite", "OneStandsOut", "Path", "summer_1am"]
WIDTHS = [320, 640, 1080]
QUALITY = {"jpeg_quality": 80, "webp_quality": 80, "webp_effort": 4}


def sh(cmd, **kw):
    """Runs a setup command, echoing it; raises on failure."""
    print("$", " ".join(map(str, cmd)), file=sys.stderr)
    return subprocess.run(cmd, check=True, **kw)


# --- setup -------------------------------------------------------------------------------------

def source_photos():
    """The largest JPEG of every photographic wallpaper, or a message on how to get them."""
    found = []
    for name in PHOTOS:
        jpgs = sorted((WALLPAPERS / name / "contents").glob("images/*x*.jpg"),
                      key=lambda p: [int(n) for n in p.stem.split("x")])
        if jpgs:
            found.append(jpgs[-1])
    if not found:
        sys.exit(f"no photos under {WALLPAPERS}: apt-get install plasma-workspace-wallpapers")
    return found


def ensure_sharp():
    """Installs the pinned sharp into bench/node_modules unless it is already there."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        sys.exit("node and npm are needed for the sharp side (node >= 20.9)")
    pkg = BENCH / "node_modules" / "sharp" / "package.json"
    if not pkg.exists() or json.loads(pkg.read_text())["version"] != SHARP_VERSION:
        sh(["npm", "ci", "--no-audit", "--no-fund"], cwd=BENCH)


def has_avx2():
    return any(l.startswith("flags") and " avx2" in l for l in Path("/proc/cpuinfo").read_text().splitlines())


def build_instabake(retries, wait, v3):
    """`cargo build --release` (and the x86-64-v3 build if `v3`); retried a few times, since src/ may
    be mid-edit by someone else."""
    v3_env = {**os.environ, "RUSTFLAGS": "-C target-cpu=x86-64-v3", "CARGO_TARGET_DIR": str(V3_TARGET)}
    for attempt in range(retries + 1):
        default = subprocess.run(["cargo", "build", "--release", "--bin", "instabake"], cwd=ROOT).returncode == 0
        if default and (not v3 or subprocess.run(["cargo", "build", "--release", "--bin", "instabake"],
                                                   cwd=ROOT, env=v3_env).returncode == 0):
            return
        if attempt < retries:
            print(f"release build failed; retrying in {wait} s", file=sys.stderr)
            time.sleep(wait)
    sys.exit("cargo build --release failed")


def make_photos(count):
    """Distinct 1080x1350 crops of the photos into target/bench/photos/NNN.jpg; returns the folder.

    Crops already made by an earlier run with the same plan are reused."""
    sources = source_photos()
    crops = []
    for i in range(count):
        src, k = sources[i % len(sources)], i // len(sources)
        # 6 zoom levels (scaled to 1350..1600 high, never upscaled), mirrored or not, and offsets
        # spread over the room left: every (source, k) is a different picture.
        crops.append({"src": str(src), "name": f"{i:03d}.jpg", "height": 1350 + 50 * (k % 6),
                      "flop": (k // 6) % 2 == 1, "fx": round((k * 0.382) % 1, 3), "fy": round((k * 0.618) % 1, 3)})
    folder = OUT / "photos"
    plan_file = folder / "plan.json"
    old = json.loads(plan_file.read_text())["crops"] if plan_file.exists() else []
    todo = [c for i, c in enumerate(crops)
            if i >= len(old) or old[i] != c or not (folder / c["name"]).exists()]
    if todo:
        folder.mkdir(parents=True, exist_ok=True)
        (OUT / "photo-plan.json").write_text(json.dumps({"out": str(folder), "crops": todo}))
        started = time.perf_counter()
        sh(["node", BENCH / "make-photos.mjs", OUT / "photo-plan.json"], cwd=BENCH)
        print(f"made {len(todo)} photos from {len(sources)} wallpapers in {time.perf_counter() - started:.1f} s",
              file=sys.stderr)
        merged = crops + old[len(crops):] if len(old) > len(crops) else crops
        plan_file.write_text(json.dumps({"crops": merged}))
    digests = {hashlib.sha256((folder / c["name"]).read_bytes()).hexdigest() for c in crops}
    assert len(digests) == count, "two crops came out identical"
    return folder


# --- the fake Graph API and media host ---------------------------------------------------------

class FakeGraph:
    """Serves /me, /me/media (and /{user-id}/media) pages and /media/N.jpg on 127.0.0.1."""

    FIELDS = ("id,caption,media_type,media_product_type,media_url,permalink,timestamp,username")

    def __init__(self, photos, total):
        self.photos, self.total = photos, total
        self.api_requests = self.media_requests = 0
        # Seconds each media file waits before its answer: a slow CDN (the API answers at once).
        self.media_delay = 0.0
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def counts(self):
        with self.lock:
            return self.api_requests, self.media_requests

    def post(self, i):
        """Post number i, newest first, in the Graph API's shape."""
        tags = " ".join(f"#{t}" for t in ("photography", "bench", f"day{i % 7}"))
        return {"id": str(17900000000000000 + i), "media_type": "IMAGE", "media_product_type": "FEED",
                "media_url": f"{self.base}/media/{i:03d}.jpg?_nc_cat=10{i % 10}&oe=68A0B1C2",
                "permalink": f"https://www.instagram.com/p/BENCH{i:05d}/", "username": "instabake.bench",
                "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(1767225600 - 3600 * 7 * i)),
                "caption": f"Photo {i} from the bench, with @friend_{i % 5}.\n\n{tags}"}

    def page(self, query):
        """One /me/media page: `limit` posts (25 by default, at most 100) after the cursor."""
        limit = min(int(query.get("limit", ["25"])[0]), 100)
        start = int(base64.b64decode(query["after"][0])) if "after" in query else 0
        end = min(start + limit, self.total)
        cursor = lambda n: base64.b64encode(str(n).encode()).decode()
        body = {"data": [self.post(i) for i in range(start, end)],
                "paging": {"cursors": {"before": cursor(start), "after": cursor(end)}}}
        if end < self.total:
            rest = {"access_token": TOKEN, "fields": query.get("fields", [self.FIELDS])[0],
                    "limit": limit, "after": cursor(end)}
            body["paging"]["next"] = f"{self.base}/v25.0/{USER_ID}/media?{urlencode(rest)}"
        return body

    def _handler(graph):
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def send(self, status, body, kind="application/json"):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def error(self, status, code, message):
                self.send(status, json.dumps({"error": {"message": message, "type": "OAuthException",
                                                        "code": code, "fbtrace_id": "Abench"}}).encode())

            def do_GET(self):
                url = urlsplit(self.path)
                path, query = url.path, parse_qs(url.query)
                if path.startswith("/media/"):
                    with graph.lock:
                        graph.media_requests += 1
                    file = graph.photos / Path(path).name
                    time.sleep(graph.media_delay)
                    return self.send(200, file.read_bytes(), "image/jpeg") if file.exists() else \
                        self.send(404, b"not found", "text/plain")
                with graph.lock:
                    graph.api_requests += 1
                if path.startswith("/v") and path[2:3].isdigit():
                    path = "/" + path.split("/", 2)[2]
                if query.get("access_token") != [TOKEN]:
                    return self.error(400, 190, "Error validating access token: Session has expired.")
                if path == "/me":
                    return self.send(200, json.dumps({"user_id": USER_ID, "id": USER_ID, "username": "instabake.bench",
                                                      "account_type": "BUSINESS", "media_count": graph.total}).encode())
                if path in ("/me/media", f"/{USER_ID}/media"):
                    return self.send(200, json.dumps(graph.page(query)).encode())
                self.error(400, 100, f"Unsupported get request. Object with ID '{path[1:]}' does not exist.")
        return Handler


# --- measuring ---------------------------------------------------------------------------------

def busy(seconds=0.5):
    """How many CPUs other processes kept busy over the next `seconds` (from /proc/stat)."""
    def ticks():
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return sum(fields), fields[3] + fields[4]          # all, idle + iowait
    (total0, idle0), _, (total1, idle1) = ticks(), time.sleep(seconds), ticks()
    return (os.cpu_count() or 1) * (1 - (idle1 - idle0) / max(total1 - total0, 1))


def wait_quiet(limit):
    """Waits up to `limit` seconds for the machine to be idle (other work skews every figure)."""
    deadline = time.time() + limit
    while (load := busy(1.0)) > 0.1 and time.time() < deadline:
        print(f"waiting for a quiet machine ({load:.1f} CPUs busy) ...", file=sys.stderr)
        time.sleep(10)
    return load


def measure(cmd, env=None, cwd=ROOT):
    """Runs cmd as a child; returns wall s, CPU s (user+sys), peak RSS MiB, exit code, stdout, stderr,
    and how many CPUs other processes used just before (`busy_before`; above ~0.1 the figures are skewed)."""
    busy_before = busy()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen([str(c) for c in cmd], stdout=out, stderr=err, cwd=cwd,
                                 env={**os.environ, **(env or {})})
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        return {"busy_before": busy_before, "wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "user": usage.ru_utime,
                "sys": usage.ru_stime, "rss_mib": usage.ru_maxrss / 1024, "rc": child.returncode,
                "stdout": out.read().decode(errors="replace"), "stderr": err.read().decode(errors="replace")}


def folder_stats(folder):
    files = [p for p in Path(folder).rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def checked(result, what):
    if result["rc"] != 0:
        sys.exit(f"{what} failed with exit code {result['rc']}:\n{result['stderr']}{result['stdout']}")
    return result


def instabake(graph, site, posts, formats, binary=BINARY):
    """One `instabake build` into `site` (created with its instabake.toml if new)."""
    site.mkdir(parents=True, exist_ok=True)
    config = site / "instabake.toml"
    config.write_text("[images]\nwidths = %s\nformats = %s\n%s" % (
        json.dumps(WIDTHS), json.dumps(formats), "".join(f"{k} = {v}\n" for k, v in QUALITY.items())))
    before = graph.counts()
    result = checked(measure([binary, "build", "--site", site, "--config", config, "--limit", posts, "-q"],
                             env={"INSTAGRAM_ACCESS_TOKEN": TOKEN, "INSTABAKE_API_BASE": graph.base}),
                     "instabake build")
    after = graph.counts()
    result["site"] = site
    result["files"], result["bytes"] = folder_stats(site / "static" / "instagram")
    result["api_requests"], result["media_requests"] = after[0] - before[0], after[1] - before[1]
    return result


def sharp(photos, out, posts, formats):
    """One bench/sharp-bake.mjs run into a fresh `out`."""
    shutil.rmtree(out, ignore_errors=True)
    result = checked(measure(["node", BENCH / "sharp-bake.mjs", "--src", photos, "--out", out,
                              "--count", posts, "--formats", ",".join(formats),
                              "--widths", ",".join(map(str, WIDTHS)), "--jpeg-quality", QUALITY["jpeg_quality"],
                              "--webp-quality", QUALITY["webp_quality"], "--webp-effort", QUALITY["webp_effort"]],
                             cwd=BENCH), "sharp-bake.mjs")
    result["report"] = json.loads(result["stdout"].strip().splitlines()[-1])
    result["files"], result["bytes"] = folder_stats(out)
    return result


def best_of(repeat, *runs):
    """Each of `runs` `repeat` times, interleaved and taking turns at going first (so both tools see
    the same machine and a drift in its speed favours neither); for each, the run with the least
    wall time, with the wall times of all its runs under "walls"."""
    results = [[] for _ in runs]
    for i in range(repeat):
        order = list(range(len(runs)))[::(-1 if i % 2 else 1)]
        for k in order:
            results[k].append(runs[k]())
    best = []
    for out in results:
        fastest = dict(min(out, key=lambda r: r["wall"]))
        fastest["walls"] = [r["wall"] for r in out]
        best.append(fastest)
    return best


def paired_ratios(ib, sp):
    """instabake/sharp wall ratio of each pair of runs made back to back, sorted."""
    return sorted(a / b for a, b in zip(ib.get("walls", []), sp.get("walls", [])))


def quality(work, site, sharp_out, photos, posts, samples):
    """PSNR/SSIM at 640 wide of both tools' WebP and JPEG against a Lanczos3 reference."""
    data = json.loads((site / "data" / "instagram.json").read_text())
    by_index = {int(p["id"]) - 17900000000000000: p for p in data["posts"]}
    picks = sorted({round(j * (posts - 1) / max(samples - 1, 1)) for j in range(samples)})
    items = []
    for i in picks:
        variants = by_index[i]["media"][0]["variants"]
        url = {v["format"]: v["url"] for v in variants if v["width"] == 640}
        items.append({"src": str(photos / f"{i:03d}.jpg"), "candidates": {
            "instabake webp": str(site / "static" / "instagram" / url["webp"].rsplit("/", 1)[1]),
            "instabake jpeg": str(site / "static" / "instagram" / url["jpeg"].rsplit("/", 1)[1]),
            "sharp webp": str(sharp_out / f"{i:03d}-640.webp"),
            "sharp jpeg": str(sharp_out / f"{i:03d}-640.jpg")}})
    (work / "quality-plan.json").write_text(json.dumps({"width": 640, "items": items}))
    result = checked(measure(["node", BENCH / "quality.mjs", work / "quality-plan.json"], cwd=BENCH), "quality.mjs")
    return json.loads(result["stdout"].strip().splitlines()[-1])


# --- report ------------------------------------------------------------------------------------

def table(rows, cold_wall):
    """The side-by-side table, as text."""
    head = (f"{'job':<16}| {'instabake: wall s':>17} {'CPU s':>6} {'RSS MiB':>7} {'bytes':>10} "
            f"| {'sharp: wall s':>13} {'CPU s':>6} {'RSS MiB':>7} {'bytes':>10} "
            f"| {'ratio: wall':>11} {'CPU':>5} {'RSS':>5} {'bytes':>5}")
    lines = [head, "-" * len(head)]
    for name, ib, sp in rows:
        left = f"{name:<16}| {ib['wall']:>17.2f} {ib['cpu']:>6.2f} {ib['rss_mib']:>7.1f} {ib['bytes']:>10} "
        if sp is None:
            if "media_delay" in ib:
                why = "(sharp reads local files)"
                note = f"slow/fast wall {ib['wall'] / cold_wall:.2f}"
            else:
                why, note = "(no cache in sharp)", f"warm/cold wall {ib['wall'] / cold_wall:.3f}"
            lines.append(left + f"| {why:>40} | {note:>29}")
            continue
        ratio = lambda k: ib[k] / sp[k] if sp[k] else float("nan")
        lines.append(left + f"| {sp['wall']:>13.2f} {sp['cpu']:>6.2f} {sp['rss_mib']:>7.1f} {sp['bytes']:>10} "
                            f"| {ratio('wall'):>11.2f} {ratio('cpu'):>5.2f} {ratio('rss_mib'):>5.2f} "
                            f"{ratio('bytes'):>5.2f}")
    return "\n".join(lines)


def run_jobs(args, graph, photos, work):
    """Every measured run; returns the table rows (name, instabake result, sharp result or None)."""
    sites = itertools.count()
    fresh = lambda: work / f"site-{next(sites)}"
    both, jpeg, n = ["webp", "jpeg"], ["jpeg"], args.posts
    print(f"{n} posts, both tools, cold ...", file=sys.stderr)
    full_ib, full_sp = best_of(args.repeat, lambda: instabake(graph, fresh(), n, both),
                               lambda: sharp(photos, work / "sharp-full", n, both))
    print("instabake warm rebuild ...", file=sys.stderr)
    warm_ib, = best_of(args.repeat, lambda: instabake(graph, full_ib["site"], n, both))
    print("JPEG only, both tools ...", file=sys.stderr)
    jpeg_ib, jpeg_sp = best_of(args.repeat, lambda: instabake(graph, fresh(), n, jpeg),
                               lambda: sharp(photos, work / "sharp-jpeg", n, jpeg))
    rows = [(f"full {n}", full_ib, full_sp), (f"JPEG-only {n}", jpeg_ib, jpeg_sp), ("warm rebuild", warm_ib, None)]
    if args.slow_media:
        # Downloads overlap the encoding: a slow media host should cost about one download's wait,
        # not one per photo, and leave no core idle.
        print(f"{n} posts from a media host that takes {args.slow_media} ms per file ...", file=sys.stderr)
        graph.media_delay = args.slow_media / 1000
        slow_ib, = best_of(args.repeat, lambda: instabake(graph, fresh(), n, both))
        graph.media_delay = 0.0
        slow_ib["media_delay"] = args.slow_media
        rows.append((f"slow host {n}", slow_ib, None))
    if args.v3:
        print(f"{n} posts, x86-64-v3 build of instabake, and sharp again ...", file=sys.stderr)
        v3_ib, v3_sp = best_of(args.repeat, lambda: instabake(graph, fresh(), n, both, V3_BINARY),
                               lambda: sharp(photos, work / "sharp-full", n, both))
        rows.insert(1, (f"full {n} v3", v3_ib, v3_sp))
    if args.big:
        print(f"{args.big} posts, both tools ...", file=sys.stderr)
        rows.append((f"{args.big}-post", instabake(graph, fresh(), args.big, both),
                     sharp(photos, work / "sharp-big", args.big, both)))
    return rows


def print_report(args, rows, scores):
    """The table and the lines under it."""
    (_, full_ib, full_sp), n = rows[0], args.posts
    report = full_sp["report"]
    print(f"\ninstabake vs sharp {report['sharp']} (libvips {report['libvips']}), {n} photos 1080x1350 -> "
          f"{WIDTHS} x WebP q80 effort 4 + JPEG q80, {os.cpu_count()} CPUs")
    print(table(rows, full_ib["wall"]))
    skewed = max(r["busy_before"] for _, ib, sp in rows for r in (ib, sp) if r)
    if skewed > 0.1:
        print(f"WARNING: other processes kept up to {skewed:.1f} CPUs busy around the runs: figures are skewed")
    print("\ncores busy (CPU/wall): " + ", ".join(
        f"{name}: instabake {ib['cpu'] / ib['wall']:.2f}" + (f", sharp {sp['cpu'] / sp['wall']:.2f}" if sp else "")
        for name, ib, sp in rows))
    paired = [(name, paired_ratios(ib, sp)) for name, ib, sp in rows if sp]
    paired = [(name, r) for name, r in paired if len(r) > 1]
    if paired:
        # The machine's speed drifts between runs; the ratio within back-to-back pairs drifts less.
        print("wall ratio of each back-to-back pair: " + ", ".join(
            f"{name}: median {statistics.median(r):.2f} "
            f"({r[0]:.2f} to {r[-1]:.2f}, {len(r)} pairs)" for name, r in paired))
    print("API requests (media downloads): " + ", ".join(
        f"{name} {ib['api_requests']} ({ib['media_requests']})" for name, ib, _ in rows))
    if args.big:
        _, big_ib, big_sp = rows[-1]
        print(f"scaling {n} -> {args.big} posts: instabake wall per post {full_ib['wall'] / n * 1000:.0f} -> "
              f"{big_ib['wall'] / args.big * 1000:.0f} ms, peak RSS x{big_ib['rss_mib'] / full_ib['rss_mib']:.2f}; "
              f"sharp {full_sp['wall'] / n * 1000:.0f} -> {big_sp['wall'] / args.big * 1000:.0f} ms, "
              f"RSS x{big_sp['rss_mib'] / full_sp['rss_mib']:.2f}")
    print(f"quality at 640 wide vs a sharp Lanczos3 PNG ({max(s['images'] for s in scores.values())} images):")
    for label, s in scores.items():
        print(f"  {label:<15} PSNR {s['psnr_mean']:.2f} dB (pooled {s['psnr_pooled']:.2f}), SSIM {s['ssim_mean']:.4f}"
              + (f", {s['skipped']} skipped (size differs)" if s["skipped"] else ""))
    print(f"sharp settings: {json.dumps(report['options'])}, concurrency {report['concurrency']} per pipeline, "
          f"{report['uv_threadpool']} libuv threads, {report['queue']} images in flight")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--posts", type=int, default=40, help="posts in the main jobs (default 40)")
    ap.add_argument("--big", type=int, default=200, help="posts in the scaling run (default 200, 0 = skip)")
    ap.add_argument("--quick", action="store_true", help="12 posts, no scaling run, 4 quality samples")
    ap.add_argument("--repeat", type=int, default=1, help="run each cold job N times, keep the fastest")
    ap.add_argument("--samples", type=int, default=10, help="images in the quality comparison")
    ap.add_argument("--no-build", action="store_true", help="use target/release/instabake as it is")
    ap.add_argument("--wait-quiet", type=int, default=0, metavar="S",
                    help="first wait up to S seconds for other processes to leave the CPUs idle")
    ap.add_argument("--no-v3", dest="v3", action="store_false",
                    help="skip the x86-64-v3 (AVX2) build of instabake (skipped anyway without AVX2)")
    ap.add_argument("--slow-media", type=int, default=250, metavar="MS",
                    help="also bake the full job from a media host that waits MS ms per file (default 250, 0 = skip)")
    ap.add_argument("--keep", action="store_true", help="keep the sites and outputs in target/bench/work")
    args = ap.parse_args()
    if args.quick:
        args.posts, args.big, args.samples = 12, 0, 4
    args.v3 = args.v3 and has_avx2()

    OUT.mkdir(parents=True, exist_ok=True)
    ensure_sharp()
    if not args.no_build:
        build_instabake(retries=5, wait=60, v3=args.v3)
    photos = make_photos(max(args.posts, args.big))
    if args.wait_quiet:
        wait_quiet(args.wait_quiet)
    graph = FakeGraph(photos, total=max(args.posts, args.big))
    work = OUT / "work"
    shutil.rmtree(work, ignore_errors=True)
    rows = run_jobs(args, graph, photos, work)
    print("quality ...", file=sys.stderr)
    scores = quality(work, rows[0][1]["site"], work / "sharp-full", photos, args.posts, min(args.samples, args.posts))
    print_report(args, rows, scores)

    strip = lambda r: {k: str(v) if isinstance(v, Path) else v for k, v in r.items() if k != "stdout"} if r else None
    version = subprocess.run([BINARY, "--version"], capture_output=True, text=True).stdout.strip()
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                if l.startswith("model name")), "?")
    results = {"instabake": version, "node": subprocess.run(["node", "--version"], capture_output=True,
               text=True).stdout.strip(), "cpu": cpu, "cpus": os.cpu_count(), "posts": args.posts, "big": args.big,
               "widths": WIDTHS, **QUALITY, "sharp_report": rows[0][2]["report"], "quality_640": scores,
               "jobs": [{"job": name, "instabake": strip(ib), "sharp": strip(sp)} for name, ib, sp in rows]}
    (OUT / "results.json").write_text(json.dumps(results, indent=2))
    print(f"\nresults: {OUT / 'results.json'}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
