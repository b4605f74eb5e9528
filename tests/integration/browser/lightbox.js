// Run by tests/integration/lightbox.rs with node:
//
//   node lightbox.js CHROMIUM BASE_URL LAYOUT SCREENSHOT_DIR
//
// Drives Chromium through its DevTools protocol (puppeteer-core, pinned in package.json beside
// this file, installed into target/browser-driver/ by .ci/run) so that key presses and clicks are
// the browser's own trusted input: synthetic events cannot close a popover with Escape or a click
// outside. Loads the baked page at a desktop and a phone size, in light and dark, opens and closes
// the large view of a few posts every way a visitor can, scrolls the strip, and prints what it
// saw as JSON on stdout; the Rust test judges it. Nothing is asserted here.
"use strict";

const launch = require("./launch.js");

const [chromium, base, layout, shots] = process.argv.slice(2);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const VIEWPORTS = [
  { name: "desktop", width: 1280, height: 900, deviceScaleFactor: 1 },
  { name: "phone", width: 375, height: 800, deviceScaleFactor: 2, isMobile: true, hasTouch: false },
];

// What the browser chose for each image matched by `selector`.
function images(page, selector) {
  return page.$$eval(selector, (imgs) =>
    imgs.map((img) => {
      const source = img.parentElement.querySelector("source");
      return {
        current: img.currentSrc,
        natural: img.naturalWidth,
        rendered: img.getBoundingClientRect().width,
        alt: img.getAttribute("alt"),
        candidates: (source ? source.srcset : img.srcset) || "",
      };
    }),
  );
}

// Every URL an element in `selector` may load (src, srcset candidates, poster).
function urls(page, selector) {
  return page.$$eval(selector, (els) =>
    els.flatMap((el) => {
      const out = [];
      for (const attr of ["src", "poster"]) if (el.getAttribute(attr)) out.push(new URL(el.getAttribute(attr), location.href).href);
      for (const c of (el.getAttribute("srcset") || "").split(",")) {
        const url = c.trim().split(/\s+/)[0];
        if (url) out.push(new URL(url, location.href).href);
      }
      return out;
    }),
  );
}

// The state of the page around the popover of tile `index`.
function state(page, index) {
  return page.evaluate((index) => {
    const post = document.querySelectorAll(".ib-feed .ib-post")[index];
    const tile = post.querySelector("button.ib-link");
    const box = document.getElementById(tile.getAttribute("popovertarget"));
    const active = document.activeElement;
    return {
      open: box.matches(":popover-open"),
      focus_in_box: box.contains(active),
      focus_on_close: active === box.querySelector(".ib-close"),
      focus_on_tile: active === tile,
      active: active ? active.tagName.toLowerCase() + (active.className ? "." + active.className : "") : null,
    };
  }, index);
}

// Scrolls through the open popover's items so that each lazy image loads, then waits for them.
async function loadOpenBox(page, index) {
  await page.evaluate(async (index) => {
    const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    const tile = document.querySelectorAll(".ib-feed .ib-post")[index].querySelector("button.ib-link");
    const box = document.getElementById(tile.getAttribute("popovertarget"));
    const slides = box.querySelector(".ib-lb-slides");
    for (let x = 0; x <= slides.scrollWidth; x += slides.clientWidth) {
      slides.scrollLeft = x;
      await sleep(200);
    }
    slides.scrollLeft = 0;
    const imgs = [...box.querySelectorAll("img")];
    await Promise.race([Promise.all(imgs.map((img) => img.decode().catch(() => {}))), sleep(5000)]);
  }, index);
}

async function exercise(page, index, what, record) {
  const tiles = await page.$$(".ib-feed .ib-post button.ib-link");
  const tile = tiles[index];
  const id = await tile.evaluate((el) => el.getAttribute("popovertarget"));
  const close = await page.$(`[id="${id}"] .ib-close`);
  const settle = () => sleep(400);
  const result = { index, id };

  // The keyboard: focus the tile, Enter opens; Escape closes.
  await tile.focus();
  await page.keyboard.press("Enter");
  await settle();
  result.enter = await state(page, index);
  await loadOpenBox(page, index);
  result.images = await images(page, `[id="${id}"] img`);
  result.videos = await page.$$eval(`[id="${id}"] video`, (vs) => vs.map((v) => v.getBoundingClientRect().width));
  if (record.shot) {
    await page.screenshot({ path: record.shot });
  }
  await page.keyboard.press("Escape");
  await settle();
  result.escape = await state(page, index);

  // The keyboard again: Enter on the close button, which has the focus.
  await page.keyboard.press("Enter");
  await settle();
  result.enter_again = await state(page, index);
  await page.keyboard.press("Enter");
  await settle();
  result.close_by_keyboard = await state(page, index);

  // The mouse: a click opens; a click outside the popover closes it.
  await tile.click();
  await settle();
  result.click = await state(page, index);
  await page.mouse.click(4, 4);
  await settle();
  result.click_outside = await state(page, index);

  // The mouse: a click opens; the close button closes.
  await tile.click();
  await settle();
  result.click_again = await state(page, index);
  await close.click();
  await settle();
  result.close_button = await state(page, index);
  result.what = what;
  return result;
}

// Whether the strip's first visible tile sits at its left edge (scroll snap).
function snapped(page) {
  return page.$eval(".ib-strip", (strip) => {
    const left = strip.getBoundingClientRect().left;
    const offsets = [...strip.children].map((li) => Math.abs(li.getBoundingClientRect().left - left));
    return Math.min(...offsets) < 1.5;
  });
}

async function strip(page) {
  const handle = await page.$(".ib-strip");
  if (!handle) return null;
  const scrollLeft = () => handle.evaluate((el) => el.scrollLeft);
  await handle.evaluate((el) => {
    el.scrollIntoView({ block: "center" });
    el.scrollLeft = 0;
  });
  await sleep(300);
  const out = {
    overflows: await handle.evaluate((el) => el.scrollWidth > el.clientWidth + 10),
    start: await scrollLeft(),
  };
  await handle.focus();
  out.focused = await handle.evaluate((el) => document.activeElement === el);
  // One key at a time: a press during the smooth scroll of the last one cuts it short.
  for (let i = 0; i < 2; i++) {
    await page.keyboard.press("ArrowRight");
    await sleep(800);
  }
  out.after_keys = await scrollLeft();
  out.snapped_after_keys = await snapped(page);
  const box = await handle.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.wheel({ deltaX: 130 });
  await sleep(1200);
  out.after_wheel = await scrollLeft();
  out.snapped_after_wheel = await snapped(page);
  await handle.evaluate((el) => (el.scrollLeft = 0));
  await sleep(300);
  return out;
}

// A browser without popover support, as far as this Chromium can play one: it drops the
// partial's `@supports selector(:popover-open)` block and the `popover` attributes (which such a
// browser neither knows nor hides by its own style sheet). Then, on every
// tile, the link to the post covers the tile and takes the click and the focus, the button's
// picture still shows but the button takes no focus, and the large view stays hidden.
function fallback(page) {
  return page.evaluate(async () => {
    const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    for (const sheet of document.styleSheets) {
      for (let i = sheet.cssRules.length - 1; i >= 0; i--) {
        const rule = sheet.cssRules[i];
        if (rule instanceof CSSSupportsRule && rule.conditionText.includes(":popover-open")) sheet.deleteRule(i);
      }
    }
    for (const box of document.querySelectorAll(".ib-feed [popover]")) box.removeAttribute("popover");
    const out = [];
    for (const tile of document.querySelectorAll(".ib-feed .ib-tile")) {
      tile.scrollIntoView({ block: "center", inline: "center" });
      await sleep(50);
      const link = tile.querySelector(".ib-fallback");
      const button = tile.querySelector("button.ib-link");
      const box = document.getElementById(button.getAttribute("popovertarget"));
      const t = tile.getBoundingClientRect();
      const l = link ? link.getBoundingClientRect() : { left: -1, top: -1, width: 0, height: 0 };
      const hit = document.elementFromPoint(t.left + t.width / 2, t.top + t.height / 2);
      button.focus();
      const buttonFocus = document.activeElement === button;
      if (link) link.focus();
      out.push({
        link_covers: Math.abs(l.left - t.left) < 1 && Math.abs(l.top - t.top) < 1 && Math.abs(l.width - t.width) < 1 && Math.abs(l.height - t.height) < 1,
        link_takes_click: !!link && hit === link,
        link_takes_focus: !!link && document.activeElement === link,
        button_takes_focus: buttonFocus,
        picture_shows: getComputedStyle(tile.querySelector("img")).visibility === "visible",
        box_hidden: getComputedStyle(box).display === "none",
      });
    }
    return out;
  });
}

(async () => {
  const browser = await launch(chromium);
  const runs = [];
  try {
    for (const viewport of VIEWPORTS) {
      for (const scheme of ["light", "dark"]) {
        const context = await browser.createBrowserContext();
        const page = await context.newPage();
        const requests = [];
        page.on("request", (request) => requests.push(request.url()));
        await page.setViewport(viewport);
        await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: scheme }]);
        await page.evaluateOnNewDocument(() => {
          window.__shift = { all: 0, without_input: 0 };
          new PerformanceObserver((list) => {
            for (const entry of list.getEntries()) {
              window.__shift.all += entry.value;
              if (!entry.hadRecentInput) window.__shift.without_input += entry.value;
            }
          }).observe({ type: "layout-shift", buffered: true });
        });
        await page.goto(base + "/", { waitUntil: "load" });

        // Bring every tile into view, so that every lazy tile image loads, the strip's too.
        await page.evaluate(async () => {
          const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
          for (let y = 0; y <= document.documentElement.scrollHeight; y += innerHeight / 2) {
            scrollTo(0, y);
            await sleep(150);
          }
          for (const strip of document.querySelectorAll(".ib-strip")) {
            strip.scrollIntoView({ block: "center" });
            for (let x = 0; x <= strip.scrollWidth; x += strip.clientWidth / 2) {
              strip.scrollLeft = x;
              await sleep(150);
            }
            strip.scrollLeft = 0;
          }
          scrollTo(0, 0);
          const imgs = [...document.querySelectorAll(".ib-tile img")];
          await Promise.race([Promise.all(imgs.map((img) => img.decode().catch(() => {}))), sleep(5000)]);
        });
        const run = { viewport: viewport.name, width: viewport.width, dpr: viewport.deviceScaleFactor, scheme };
        run.scheme_seen = await page.evaluate(() =>
          matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light",
        );
        run.posts = await page.$$eval(".ib-feed .ib-post", (posts) => posts.length);
        run.tiles = await page.$$eval(".ib-feed .ib-post button.ib-link", (b) => b.length);
        run.popovers = await page.$$eval(".ib-feed [popover]", (p) => p.length);
        run.ids_unique = await page.$$eval("[id]", (els) => new Set(els.map((e) => e.id)).size === els.length);
        run.tile_images = await images(page, ".ib-tile img");

        // Before anything opened: no popover image has loaded or been asked for.
        run.box_images_loaded_before = await page.$$eval(".ib-lightbox img", (imgs) =>
          imgs.filter((img) => img.currentSrc || img.naturalWidth > 0).map((img) => img.currentSrc),
        );
        const tileUrls = new Set(await urls(page, ".ib-tile img, .ib-tile source, .ib-tile video"));
        const boxUrls = new Set(
          (await urls(page, ".ib-lightbox img, .ib-lightbox source, .ib-lightbox video")).filter((u) => !tileUrls.has(u)),
        );
        run.box_urls = boxUrls.size;
        run.box_requests_before = requests.filter((u) => boxUrls.has(u));

        run.strip = await strip(page);
        if (run.strip === null) {
          run.page_overflows_sideways = await page.evaluate(
            () => document.documentElement.scrollWidth > document.documentElement.clientWidth,
          );
        }

        // A photo, the first album and the first video.
        const kinds = await page.$$eval(".ib-feed .ib-post", (posts) =>
          posts.map((p) => [...p.classList].find((c) => c !== "ib-post").replace("ib-", "")),
        );
        const chosen = [];
        for (const kind of ["image", "carousel", "video"]) {
          const index = kinds.indexOf(kind);
          if (index >= 0) chosen.push([index, kind]);
        }
        run.posts_opened = [];
        for (const [index, kind] of chosen) {
          const record = {};
          if (kind === "carousel") record.shot = `${shots}/${layout}-lightbox-${viewport.name === "desktop" ? "" : viewport.name + "-"}${scheme}.png`;
          run.posts_opened.push(await exercise(page, index, kind, record));
        }
        await sleep(300);
        run.shift = await page.evaluate(() => window.__shift);
        run.requests = requests;
        // Last: a full-page screenshot resizes the viewport, which moves things.
        const name = viewport.name === "desktop" ? `${layout}-${scheme}` : `${layout}-${viewport.name}-${scheme}`;
        await page.evaluate(() => scrollTo(0, 0));
        await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
        if (viewport.name === "desktop" && scheme === "light") run.fallback = await fallback(page);
        runs.push(run);
        await context.close();
      }
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify({ layout, runs }, null, 1));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
