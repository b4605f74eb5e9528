#!/usr/bin/env python3
"""instabake vs sharp: the media benchmark.

    python3 bench/run.py                 # 40 posts: full, JPEG only, warm, slow media host, 200 posts;
                                         # then the quality comparison on the report set
    python3 bench/run.py --quick         # 12 posts, no 200-post run, 4 photos in the quality part
    python3 bench/run.py --posts 40 --big 200 --repeat 5 --keep
    python3 bench/run.py --only-quality --set tune --avif   # bytes against looks, for tuning defaults

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
  7. compares bytes against looks (`--no-quality` skips it), on --crops crops of one of two sets of
     wallpapers (PHOTO_SETS: `--set report`, the default, or `--set tune`): both tools at their
     defaults (instabake with no [images] settings, its widths and sizes read back from the data
     file; sharp at its own defaults, at instabake's widths), then both over a quality sweep, every
     image scored with SSIMULACRA2 and DSSIM by examples/score (`cargo build --release --example
     score`) at its display size against a Lanczos3 scale of its source; printed per format and
     width: mean bytes and scores, the BD-rate (bytes at equal score) and instabake's bytes at the
     score of sharp's default. With --avif also AVIF, from instabake built with the avif feature
     (into target/bench/avif) against sharp's AVIF, with the encode time per photo;
  8. prints the tables and writes target/bench/results.json.
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
import math
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
# The ids of the fake posts: post number i has id FIRST_ID + i.
FIRST_ID = 17900000000000000

# The quality comparison. Its photographs are split by wallpaper, so that no picture is in both:
# defaults are tuned on one set (`--set tune`) and reported on the other.
PHOTO_SETS = {"tune": PHOTOS[0::2], "report": PHOTOS[1::2]}
# The quality sweeps (each tool's quality setting), wide enough to cover both tools' defaults.
SWEEP = [50, 60, 70, 80, 90]
AVIF_SWEEP = [30, 40, 50, 60, 70, 80]
# sharp's own defaults (its constructor), in instabake's key names.
SHARP_DEFAULTS = {"webp_quality": 80, "webp_effort": 4, "jpeg_quality": 80, "avif_quality": 50, "avif_effort": 4}
SCORER = ROOT / "target" / "release" / "examples" / "score"
AVIF_TARGET = OUT / "avif"
AVIF_BINARY = AVIF_TARGET / "release" / "instabake"
# The formats in the order the tables list them.
FORMATS = ["avif", "webp", "jpeg"]
# Each metric as a score that grows with quality.
METRICS = {"ssimulacra2": lambda s: s, "dssim": lambda d: -math.log10(max(d, 1e-9))}


def sh(cmd, **kw):
    """Runs a setup command, echoing it; raises on failure."""
    print("$", " ".join(map(str, cmd)), file=sys.stderr)
    return subprocess.run(cmd, check=True, **kw)


# --- setup -------------------------------------------------------------------------------------

def source_photos(names=PHOTOS):
    """The largest JPEG of each of the named wallpapers, or a message on how to get them."""
    found = []
    for name in names:
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


def build_instabake(retries, wait, v3, score, avif):
    """`cargo build --release`, and as asked the x86-64-v3 build, the scorer (examples/score) and the
    build with AVIF (into its own target folder, so that the plain build stays without it); retried a
    few times, since src/ may be mid-edit by someone else."""
    release = ["cargo", "build", "--release"]
    # Each its own cargo run: the example's dev-dependencies would otherwise change the features of
    # crates the binary shares with it, and so the binary measured.
    builds = [(release + ["--bin", "instabake"], {})]
    if v3:
        builds.append((release + ["--bin", "instabake"],
                       {"RUSTFLAGS": "-C target-cpu=x86-64-v3", "CARGO_TARGET_DIR": str(V3_TARGET)}))
    if score:
        builds.append((release + ["--example", "score"], {}))
    if avif:
        builds.append((release + ["--features", "avif", "--bin", "instabake"], {"CARGO_TARGET_DIR": str(AVIF_TARGET)}))
    for attempt in range(retries + 1):
        if all(subprocess.run(cmd, cwd=ROOT, env={**os.environ, **env}).returncode == 0 for cmd, env in builds):
            return
        if attempt < retries:
            print(f"release build failed; retrying in {wait} s", file=sys.stderr)
            time.sleep(wait)
    sys.exit("cargo build --release failed")


def make_photos(count, sources, folder):
    """Distinct 1080x1350 crops of `sources` (taken in turn) into `folder`/NNN.jpg; returns the folder.

    Crops already made by an earlier run with the same plan are reused."""
    crops = []
    for i in range(count):
        src, k = sources[i % len(sources)], i // len(sources)
        # 6 zoom levels (scaled to 1350..1600 high, never upscaled), mirrored or not, and offsets
        # spread over the room left: every (source, k) is a different picture.
        crops.append({"src": str(src), "name": f"{i:03d}.jpg", "height": 1350 + 50 * (k % 6),
                      "flop": (k // 6) % 2 == 1, "fx": round((k * 0.382) % 1, 3), "fy": round((k * 0.618) % 1, 3)})
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
        return {"id": str(FIRST_ID + i), "media_type": "IMAGE", "media_product_type": "FEED",
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


def speed_images(formats):
    """The [images] settings of the speed jobs: the given formats at the fixed WIDTHS and QUALITY."""
    return {"widths": WIDTHS, "formats": formats, **QUALITY}


def instabake(graph, site, posts, images, binary=BINARY):
    """One `instabake build` into `site` (created with its instabake.toml if new), whose [images]
    table is `images` (key: value; none = instabake's defaults)."""
    site.mkdir(parents=True, exist_ok=True)
    config = site / "instabake.toml"
    config.write_text("[images]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in images.items()) if images else "")
    before = graph.counts()
    result = checked(measure([binary, "build", "--site", site, "--config", config, "--limit", posts, "-q"],
                             env={"INSTAGRAM_ACCESS_TOKEN": TOKEN, "INSTABAKE_API_BASE": graph.base}),
                     "instabake build")
    after = graph.counts()
    result["site"] = site
    result["files"], result["bytes"] = folder_stats(site / "static" / "instagram")
    result["api_requests"], result["media_requests"] = after[0] - before[0], after[1] - before[1]
    return result


def sharp(photos, out, posts, formats, widths=WIDTHS, settings=QUALITY):
    """One bench/sharp-bake.mjs run into a fresh `out`; `settings` are instabake's key names
    (jpeg_quality, webp_quality, webp_effort, avif_quality, avif_effort)."""
    shutil.rmtree(out, ignore_errors=True)
    options = [x for k, v in settings.items() for x in ("--" + k.replace("_", "-"), v)]
    result = checked(measure(["node", BENCH / "sharp-bake.mjs", "--src", photos, "--out", out,
                              "--count", posts, "--formats", ",".join(formats),
                              "--widths", ",".join(map(str, widths)), *options], cwd=BENCH), "sharp-bake.mjs")
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


# --- quality -----------------------------------------------------------------------------------
#
# Bytes against how the image looks: both tools' output scored by examples/score (SSIMULACRA2 and
# DSSIM against a Lanczos3 scale of the source to the same size), at each tool's defaults and over a
# quality sweep, per format and width.

def read_variants(site):
    """The images a bake wrote, read back from its data file: one {"photo", "format", "width",
    "height", "bytes", "path"} per file (photo = the post's number in FakeGraph)."""
    data = json.loads((site / "data" / "instagram.json").read_text())
    return [{"photo": int(post["id"]) - FIRST_ID, "format": v["format"], "width": v["width"], "height": v["height"],
             "bytes": v["bytes"], "path": site / "static" / "instagram" / v["url"].rsplit("/", 1)[1]}
            for post in data["posts"] for v in post["media"][0]["variants"]]


def sharp_files(out, posts, formats, widths):
    """The images a sharp-bake.mjs run wrote, in read_variants' shape (height left to the scorer)."""
    ext = {"jpeg": "jpg", "webp": "webp", "avif": "avif"}
    found = []
    for i, f, w in itertools.product(range(posts), formats, widths):
        path = out / f"{i:03d}-{w}.{ext[f]}"
        found.append({"photo": i, "format": f, "width": w, "height": None, "bytes": path.stat().st_size, "path": path})
    return found


def digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def score_variants(variants, photos, work):
    """Adds "ssimulacra2" and "dssim" to each variant, scored at its display size (instabake's size at
    that width) against its source photo.

    Every image is decoded by sharp first (bench/to-png.mjs: mozjpeg, libwebp and libheif, the
    decoders browsers use) and scored as PNG: the scorer's own JPEG decoder (zune-jpeg 0.5.15, in the
    `image` crate) turns the non-interleaved scans of instabake's JPEGs into garbage, and it reads no
    AVIF. Scores are kept in target/bench/scores.json by the content of scorer, image and source, so
    a rerun only scores what changed."""
    display = {v["width"]: v["height"] for v in variants if v["height"]}
    cache_file = OUT / "scores.json"
    cache = json.loads(cache_file.read_text()) if cache_file.exists() else {}
    scorer, sources, todo = digest(SCORER), {}, {}
    for v in variants:
        source = photos / f"{v['photo']:03d}.jpg"
        if source not in sources:
            sources[source] = digest(source)
        size = (v["width"], display[v["width"]])
        v["key"] = hashlib.sha256(f"{scorer} sharp-{SHARP_VERSION} {digest(v['path'])} {sources[source]} {size}"
                                  .encode()).hexdigest()
        if v["key"] not in cache:
            todo[v["key"]] = (source, v["path"], size)
    if todo:
        print(f"scoring {len(todo)} images ({len(variants) - len(todo)} known) ...", file=sys.stderr)
        png = work / "png"
        png.mkdir(parents=True, exist_ok=True)
        (work / "png-plan.json").write_text(json.dumps([[str(image), str(png / f"{key}.png")]
                                                        for key, (_, image, _) in todo.items()]))
        checked(measure(["node", BENCH / "to-png.mjs", work / "png-plan.json"], cwd=BENCH), "to-png.mjs")
        (work / "score-plan.json").write_text(json.dumps([
            {"source": str(source), "image": str(png / f"{key}.png"), "width": w, "height": h}
            for key, (source, _, (w, h)) in todo.items()]))
        result = checked(measure([SCORER, work / "score-plan.json"]), "examples/score")
        cache.update(zip(todo, json.loads(result["stdout"])))
        cache_file.write_text(json.dumps(cache))
        shutil.rmtree(png)
    for v in variants:
        v.update(cache[v["key"]])


def summarise(variants):
    """Means per image, by format and width: {format: {width: {"bytes", "ssimulacra2", "dssim"}}}, plus
    width "all": the bytes of every width added up and the scores averaged over the widths."""
    summary = {}
    by = lambda v: (FORMATS.index(v["format"]), v["width"])
    for (_, w), group in itertools.groupby(sorted(variants, key=by), key=by):
        group = list(group)
        summary.setdefault(group[0]["format"], {})[w] = {k: statistics.fmean(v[k] for v in group)
                                                         for k in ("bytes", *METRICS)}
    for widths in summary.values():
        rows = list(widths.values())
        widths["all"] = {"bytes": sum(r["bytes"] for r in rows), **{k: statistics.fmean(r[k] for r in rows)
                                                                      for k in METRICS}}
    return summary


def log_bytes_at(curve, metric, score):
    """log(bytes) at `score` on `curve` (points with "bytes" and the metric), interpolated linearly
    between the points in score order; None outside the curve."""
    points = sorted((METRICS[metric](p[metric]), math.log(p["bytes"])) for p in curve)
    for (s0, b0), (s1, b1) in zip(points, points[1:]):
        if s0 <= score <= s1:
            return b0 if s1 == s0 else b0 + (b1 - b0) * (score - s0) / (s1 - s0)
    return None


def bd_rate(ours, theirs, metric, steps=200):
    """Bjøntegaard-style rate difference: how many more bytes `ours` takes than `theirs` at equal
    score, as a percentage (negative = fewer), from the mean log(bytes) difference over the score
    range both curves reach. {"percent", "low", "high"} on the metric's scale, or None without overlap."""
    scores = [[METRICS[metric](p[metric]) for p in c] for c in (ours, theirs)]
    low, high = max(min(s) for s in scores), min(max(s) for s in scores)
    if high <= low:
        return None
    gaps = [log_bytes_at(ours, metric, s) - log_bytes_at(theirs, metric, s)
            for s in (low + (high - low) * k / steps for k in range(steps + 1))]
    return {"percent": (math.exp(statistics.fmean(gaps)) - 1) * 100, "low": low, "high": high}


def compare(defaults, sweep):
    """Per format and width: BD-rate by each metric and instabake's bytes at the score sharp's default
    reaches. `defaults` and `sweep` are {tool: summarise(...)} and {tool: {q: summarise(...)}}."""
    out, swept = {}, next(iter(sweep["instabake"].values()))
    for f, widths in defaults["sharp"].items():
        if f not in swept:
            continue
        for w, theirs in widths.items():
            if w == "all":   # scores of different widths averaged: no single picture to compare at
                continue
            curve = lambda tool: [dict(s[f][w], q=q) for q, s in sorted(sweep[tool].items())]
            row = {m: bd_rate(curve("instabake"), curve("sharp"), m) for m in METRICS}
            at = log_bytes_at(curve("instabake"), "ssimulacra2", theirs["ssimulacra2"])
            row["bytes_at_sharp_default"] = math.exp(at) if at is not None else None
            out.setdefault(f, {})[w] = row
    return out


def quality_run(args, work):
    """Bakes, scores and compares both tools on the chosen photo set; returns the figures."""
    names = PHOTO_SETS[args.set]
    n = args.crops
    photos = make_photos(n, source_photos(names), OUT / "quality" / args.set)
    graph = FakeGraph(photos, total=n)
    work.mkdir(parents=True, exist_ok=True)

    def site(name):
        """A fresh site folder: every bake in this part is cold."""
        shutil.rmtree(work / name, ignore_errors=True)
        return work / name

    runs, timing = {}, {}

    print(f"quality: {args.set} set, {n} photos, both tools at their defaults ...", file=sys.stderr)
    runs["instabake", "default"] = read_variants(instabake(graph, site("ib-default"), n, {})["site"])
    widths = sorted({v["width"] for v in runs["instabake", "default"]})
    formats = sorted({v["format"] for v in runs["instabake", "default"]}, key=FORMATS.index)
    sharp(photos, work / "sp-default", n, formats, widths, SHARP_DEFAULTS)
    runs["sharp", "default"] = sharp_files(work / "sp-default", n, formats, widths)
    print(f"quality: sweep {args.sweep} ...", file=sys.stderr)
    for q in args.sweep:
        images = {"formats": ["webp", "jpeg"], "webp_quality": q, "jpeg_quality": q}
        runs["instabake", q] = read_variants(instabake(graph, site(f"ib-{q}"), n, images)["site"])
        sharp(photos, work / f"sp-{q}", n, ["webp", "jpeg"], widths,
              {**SHARP_DEFAULTS, "webp_quality": q, "jpeg_quality": q})
        runs["sharp", q] = sharp_files(work / f"sp-{q}", n, ["webp", "jpeg"], widths)
    if args.avif:
        print("quality: AVIF at the defaults (cold) ...", file=sys.stderr)
        ib = instabake(graph, site("ib-avif-default"), n, {"formats": ["avif"]}, AVIF_BINARY)
        sp = sharp(photos, work / "sp-avif-default", n, ["avif"], widths, SHARP_DEFAULTS)
        timing = {"instabake": ib["wall"] / n, "sharp": sp["wall"] / n,
                  "busy_before": max(ib["busy_before"], sp["busy_before"])}
        runs["instabake", "avif-default"] = read_variants(ib["site"])
        runs["sharp", "avif-default"] = sharp_files(work / "sp-avif-default", n, ["avif"], widths)
        print(f"quality: AVIF sweep {args.avif_sweep} ...", file=sys.stderr)
        for q in args.avif_sweep:
            images = {"formats": ["avif"], "avif_quality": q}
            runs["instabake", f"avif-{q}"] = read_variants(instabake(graph, site(f"ib-avif-{q}"), n, images,
                                                                     AVIF_BINARY)["site"])
            sharp(photos, work / f"sp-avif-{q}", n, ["avif"], widths, {**SHARP_DEFAULTS, "avif_quality": q})
            runs["sharp", f"avif-{q}"] = sharp_files(work / f"sp-avif-{q}", n, ["avif"], widths)
    score_variants([v for vs in runs.values() for v in vs], photos, work)

    tools = ("instabake", "sharp")
    defaults = {t: summarise(runs[t, "default"] + runs.get((t, "avif-default"), [])) for t in tools}
    sweep = {t: {q: summarise(runs[t, q]) for q in args.sweep} for t in tools}
    result = {"set": args.set, "wallpapers": names, "photos": n, "widths": widths, "sweep": args.sweep,
              "sharp_defaults": SHARP_DEFAULTS, "defaults": defaults, "sweeps": sweep,
              "compare": compare(defaults, sweep)}
    if args.avif:
        avif_sweep = {t: {q: summarise(runs[t, f"avif-{q}"]) for q in args.avif_sweep} for t in tools}
        result.update(avif_sweep=args.avif_sweep, avif_sweeps=avif_sweep, avif_seconds_per_photo=timing)
        result["compare"].update(compare(defaults, avif_sweep))
    return result


def print_quality(q):
    """The quality tables: both tools at their defaults, then BD-rate and bytes at equal score."""
    sd = q["sharp_defaults"]
    print(f"\nquality, {q['set']} set: {q['photos']} crops 1080x1350 of {', '.join(q['wallpapers'])}; "
          f"mean per image; SSIMULACRA2 higher is better, DSSIM lower")
    avif = f", AVIF q{sd['avif_quality']} effort {sd['avif_effort']}" if "avif_sweep" in q else ""
    print(f"defaults: instabake with no [images] settings, sharp {SHARP_VERSION} WebP q{sd['webp_quality']} effort "
          f"{sd['webp_effort']}, JPEG q{sd['jpeg_quality']}{avif}, at instabake's widths")
    head = (f"{'format':<6} {'width':>5} | {'instabake: bytes':>16} {'SSIMU2':>6} {'DSSIM':>7} "
            f"| {'sharp: bytes':>12} {'SSIMU2':>6} {'DSSIM':>7} | {'bytes ratio':>11}")
    print(head + "\n" + "-" * len(head))
    for f, widths in q["defaults"]["sharp"].items():
        for w, sp in widths.items():
            ib = q["defaults"]["instabake"][f][w]
            print(f"{f:<6} {w:>5} | {ib['bytes']:>16,.0f} {ib['ssimulacra2']:>6.2f} {ib['dssim']:>7.5f} "
                  f"| {sp['bytes']:>12,.0f} {sp['ssimulacra2']:>6.2f} {sp['dssim']:>7.5f} "
                  f"| {ib['bytes'] / sp['bytes']:>11.3f}")
    sweeps = f"q {', '.join(map(str, q['sweep']))}" + (f" (AVIF q {', '.join(map(str, q['avif_sweep']))})"
                                                      if "avif_sweep" in q else "")
    print(f"\nover the quality sweep, {sweeps}: BD-rate, instabake's bytes against sharp's at equal score "
          f"(negative = instabake smaller; DSSIM as -log10), and instabake's bytes at the SSIMULACRA2 of "
          f"sharp's default")
    head = (f"{'format':<6} {'width':>5} | {'BD-rate SSIMU2':>14} {'over':>11} | {'BD-rate DSSIM':>13} "
            f"| {'sharp default: SSIMU2':>21} {'bytes':>9} | {'instabake there':>15} {'ratio':>6}")
    print(head + "\n" + "-" * len(head))
    pct = lambda r: f"{r['percent']:+.1f}%" if r else "no overlap"
    for f in sorted(q["compare"], key=FORMATS.index):
        for w, c in q["compare"][f].items():
            sp = q["defaults"]["sharp"][f][w]
            at = c["bytes_at_sharp_default"]
            span = f"{c['ssimulacra2']['low']:.1f}-{c['ssimulacra2']['high']:.1f}" if c["ssimulacra2"] else ""
            print(f"{f:<6} {w:>5} | {pct(c['ssimulacra2']):>14} {span:>11} | {pct(c['dssim']):>13} "
                  f"| {sp['ssimulacra2']:>21.2f} {sp['bytes']:>9,.0f} | "
                  + (f"{at:>15,.0f} {at / sp['bytes']:>6.3f}" if at else f"{'out of range':>22}"))
    if "avif_seconds_per_photo" in q:
        t = q["avif_seconds_per_photo"]
        print(f"AVIF encode, cold, wall per photo ({len(q['widths'])} widths): instabake {t['instabake']:.2f} s, "
              f"sharp {t['sharp']:.2f} s" + (f" (WARNING: other processes kept {t['busy_before']:.1f} CPUs busy)"
                                             if t["busy_before"] > 0.1 else ""))


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
    full_ib, full_sp = best_of(args.repeat, lambda: instabake(graph, fresh(), n, speed_images(both)),
                               lambda: sharp(photos, work / "sharp-full", n, both))
    print("instabake warm rebuild ...", file=sys.stderr)
    warm_ib, = best_of(args.repeat, lambda: instabake(graph, full_ib["site"], n, speed_images(both)))
    print("JPEG only, both tools ...", file=sys.stderr)
    jpeg_ib, jpeg_sp = best_of(args.repeat, lambda: instabake(graph, fresh(), n, speed_images(jpeg)),
                               lambda: sharp(photos, work / "sharp-jpeg", n, jpeg))
    rows = [(f"full {n}", full_ib, full_sp), (f"JPEG-only {n}", jpeg_ib, jpeg_sp), ("warm rebuild", warm_ib, None)]
    if args.slow_media:
        # Downloads overlap the encoding: a slow media host should cost about one download's wait,
        # not one per photo, and leave no core idle.
        print(f"{n} posts from a media host that takes {args.slow_media} ms per file ...", file=sys.stderr)
        graph.media_delay = args.slow_media / 1000
        slow_ib, = best_of(args.repeat, lambda: instabake(graph, fresh(), n, speed_images(both)))
        graph.media_delay = 0.0
        slow_ib["media_delay"] = args.slow_media
        rows.append((f"slow host {n}", slow_ib, None))
    if args.v3:
        print(f"{n} posts, x86-64-v3 build of instabake, and sharp again ...", file=sys.stderr)
        v3_ib, v3_sp = best_of(args.repeat, lambda: instabake(graph, fresh(), n, speed_images(both), V3_BINARY),
                               lambda: sharp(photos, work / "sharp-full", n, both))
        rows.insert(1, (f"full {n} v3", v3_ib, v3_sp))
    if args.big:
        print(f"{args.big} posts, both tools ...", file=sys.stderr)
        rows.append((f"{args.big}-post", instabake(graph, fresh(), args.big, speed_images(both)),
                     sharp(photos, work / "sharp-big", args.big, both)))
    return rows


def print_report(args, rows):
    """The speed table and the lines under it."""
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
    print(f"sharp settings: {json.dumps(report['options'])}, concurrency {report['concurrency']} per pipeline, "
          f"{report['uv_threadpool']} libuv threads, {report['queue']} images in flight")


def quality_markdown(q):
    """The quality figures as one Markdown table, the one in README.md's "Performance" section (the
    row of all widths adds their bytes up and averages their scores)."""
    lines = ["| format, width | instabake: bytes, SSIMULACRA2, DSSIM | sharp: bytes, SSIMULACRA2, DSSIM "
             "| BD-rate by SSIMULACRA2, by DSSIM | instabake at sharp's SSIMULACRA2 |",
             "| --- | --- | --- | --- | --- |"]
    pct = lambda r: f"{r['percent']:+.1f}%" if r else "-"
    for f, widths in q["defaults"]["sharp"].items():
        for w, sp in widths.items():
            ib = q["defaults"]["instabake"][f][w]
            c = q["compare"].get(f, {}).get(w)
            at = c and c["bytes_at_sharp_default"]
            label = f"{f} {w}" if w != "all" else f"{f} {'+'.join(map(str, q['widths']))}"
            lines.append(f"| {label} | {ib['bytes']:,.0f} B, {ib['ssimulacra2']:.1f}, {ib['dssim']:.5f} "
                         f"| {sp['bytes']:,.0f} B, {sp['ssimulacra2']:.1f}, {sp['dssim']:.5f} "
                         + (f"| {pct(c['ssimulacra2'])}, {pct(c['dssim'])} " if c else "| " )
                         + (f"| {at:,.0f} B ({at / sp['bytes']:.2f}) |" if at else "| |"))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--posts", type=int, default=40, help="posts in the main jobs (default 40)")
    ap.add_argument("--big", type=int, default=200, help="posts in the scaling run (default 200, 0 = skip)")
    ap.add_argument("--quick", action="store_true", help="12 posts, no scaling run, 4 photos in the quality part")
    ap.add_argument("--repeat", type=int, default=1, help="run each cold job N times, keep the fastest")
    ap.add_argument("--no-build", action="store_true", help="use the binaries in target/ as they are")
    ap.add_argument("--wait-quiet", type=int, default=0, metavar="S",
                    help="first wait up to S seconds for other processes to leave the CPUs idle")
    ap.add_argument("--no-v3", dest="v3", action="store_false",
                    help="skip the x86-64-v3 (AVX2) build of instabake (skipped anyway without AVX2)")
    ap.add_argument("--slow-media", type=int, default=250, metavar="MS",
                    help="also bake the full job from a media host that waits MS ms per file (default 250, 0 = skip)")
    ap.add_argument("--keep", action="store_true", help="keep the sites and outputs in target/bench/work")
    quality = ap.add_argument_group("quality (bytes against SSIMULACRA2 and DSSIM)")
    quality.add_argument("--no-quality", dest="quality", action="store_false", help="skip the quality part")
    quality.add_argument("--only-quality", action="store_true", help="skip the speed jobs")
    quality.add_argument("--set", choices=sorted(PHOTO_SETS), default="report",
                         help="the photos scored: report (default) or tune, for choosing defaults")
    quality.add_argument("--crops", type=int, default=8, help="photos in the quality part (default 8)")
    quality.add_argument("--sweep", type=lambda t: [int(q) for q in t.split(",")], default=SWEEP,
                         help=f"WebP and JPEG qualities of the sweep (default {','.join(map(str, SWEEP))})")
    quality.add_argument("--markdown", action="store_true", help="also print the figures as README.md's table")
    quality.add_argument("--avif", action="store_true",
                         help="also AVIF: instabake built with the avif feature (into target/bench/avif) and sharp")
    quality.add_argument("--avif-sweep", type=lambda t: [int(q) for q in t.split(",")], default=AVIF_SWEEP,
                         help=f"AVIF qualities of the sweep (default {','.join(map(str, AVIF_SWEEP))})")
    args = ap.parse_args()
    if args.quick:
        args.posts, args.big, args.crops = 12, 0, 4
    args.v3 = args.v3 and has_avx2() and not args.only_quality
    args.quality = args.quality or args.only_quality

    OUT.mkdir(parents=True, exist_ok=True)
    ensure_sharp()
    if not args.no_build:
        build_instabake(retries=5, wait=60, v3=args.v3, score=args.quality, avif=args.quality and args.avif)
    if args.wait_quiet:
        wait_quiet(args.wait_quiet)
    work = OUT / "work"
    shutil.rmtree(work, ignore_errors=True)
    rows = []
    if not args.only_quality:
        count = max(args.posts, args.big)
        photos = make_photos(count, source_photos(), OUT / "photos")
        rows = run_jobs(args, FakeGraph(photos, total=count), photos, work)
    scores = quality_run(args, work / "quality") if args.quality else None
    if rows:
        print_report(args, rows)
    if scores:
        print_quality(scores)
        if args.markdown:
            print("\n" + quality_markdown(scores))

    strip = lambda r: {k: str(v) if isinstance(v, Path) else v for k, v in r.items() if k != "stdout"} if r else None
    version = subprocess.run([BINARY, "--version"], capture_output=True, text=True).stdout.strip()
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                if l.startswith("model name")), "?")
    results = {"instabake": version, "node": subprocess.run(["node", "--version"], capture_output=True,
               text=True).stdout.strip(), "cpu": cpu, "cpus": os.cpu_count(), "quality": scores}
    if rows:
        results.update(posts=args.posts, big=args.big, widths=WIDTHS, **QUALITY, sharp_report=rows[0][2]["report"],
                       jobs=[{"job": name, "instabake": strip(ib), "sharp": strip(sp)} for name, ib, sp in rows])
    (OUT / "results.json").write_text(json.dumps(results, indent=2))
    print(f"\nresults: {OUT / 'results.json'}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
