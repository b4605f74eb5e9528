// Run by tests/integration/weight.rs with node:
//
//   node weight.js CHROMIUM BASE_URL FEED_SELECTOR
//
// Loads BASE_URL/ in Chromium (puppeteer-core, pinned in package.json beside this file, installed
// into target/browser-driver/ by .ci/run) at four viewports, each in a fresh browser context with
// the cache off, waits until the network has been idle for half a second, scrolls nothing, and
// prints what happened as JSON on stdout: every response's URL and the bytes that came over the
// wire for it (CDP Network.loadingFinished's encodedDataLength, headers included), the largest
// contentful paint, and for every image under FEED_SELECTOR that loaded, the file the browser
// chose (currentSrc) and the size it is shown at in device pixels. The Rust test judges it.
"use strict";

const launch = require("./launch.js");

const [chromium, base, feed] = process.argv.slice(2);

// Phones get mobile emulation (the page's meta viewport applies, and so does the DPR).
const VIEWPORTS = [
  { name: "phone 375x812 @1x", width: 375, height: 812, deviceScaleFactor: 1, isMobile: true, hasTouch: true },
  { name: "phone 375x812 @3x", width: 375, height: 812, deviceScaleFactor: 3, isMobile: true, hasTouch: true },
  { name: "desktop 1280x800 @1x", width: 1280, height: 800, deviceScaleFactor: 1 },
  { name: "desktop 1280x800 @2x", width: 1280, height: 800, deviceScaleFactor: 2 },
];

async function load(browser, viewport) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport(viewport);
  await page.setCacheEnabled(false);
  const cdp = await page.createCDPSession();
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  const urls = new Map();
  const responses = [];
  const failed = [];
  cdp.on("Network.requestWillBeSent", (e) => urls.set(e.requestId, e.request.url));
  cdp.on("Network.loadingFinished", (e) =>
    responses.push({ url: urls.get(e.requestId), bytes: e.encodedDataLength }),
  );
  cdp.on("Network.loadingFailed", (e) =>
    failed.push({ url: urls.get(e.requestId), error: e.errorText }),
  );
  const started = Date.now();
  await page.goto(`${base}/`, { waitUntil: "networkidle0", timeout: 90000 });
  const idle_ms = Date.now() - started;
  const lcp = await page.evaluate(
    () =>
      new Promise((resolve) => {
        new PerformanceObserver((list) => {
          const entries = list.getEntries();
          const last = entries[entries.length - 1];
          resolve({ ms: last.startTime, url: last.url || null });
        }).observe({ type: "largest-contentful-paint", buffered: true });
        setTimeout(() => resolve(null), 2000);
      }),
  );
  const images = await page.$$eval(
    `${feed} img`,
    (imgs, dpr) =>
      imgs
        .filter((img) => img.complete && img.naturalWidth > 0)
        .map((img) => {
          const box = img.getBoundingClientRect();
          return {
            current: img.currentSrc,
            width: Math.round(box.width * dpr),
            height: Math.round(box.height * dpr),
          };
        }),
    viewport.deviceScaleFactor,
  );
  const tiles = await page.$$eval(`${feed} img`, (imgs) => imgs.length);
  await context.close();
  return {
    viewport: viewport.name,
    dpr: viewport.deviceScaleFactor,
    idle_ms,
    lcp,
    tiles,
    images,
    responses,
    failed,
  };
}

(async () => {
  const browser = await launch(chromium);
  try {
    const runs = [];
    for (const viewport of VIEWPORTS) runs.push(await load(browser, viewport));
    process.stdout.write(JSON.stringify({ runs }) + "\n");
  } finally {
    await browser.close();
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
