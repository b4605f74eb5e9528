// Run by tests/integration/browser.rs (the_example_site_under_a_strict_csp) with node:
//
//   node csp.js CHROMIUM SHOTS_DIR NAME=BASE_URL... -- PATH...
//
// Loads each PATH of each built site (NAME=BASE_URL: the servers the Rust test started, one of
// them sending a strict Content-Security-Policy) at a desktop and a phone size, in light and dark,
// scrolls so that every lazy image loads, and reports for each load the CSP violations the page
// saw (`securitypolicyviolation` events, listened for before the page's first byte is parsed),
// the console's CSP errors, the layout shift, whether the feed's styles applied, and a full-page
// screenshot `SHOTS_DIR/csp-NAME-VIEWPORT-SCHEME-N.png`. JSON on stdout; the Rust test judges it.
"use strict";

const launch = require("./launch.js");

const args = process.argv.slice(2);
const [chromium, shots] = args;
const split = args.indexOf("--");
const sites = args.slice(2, split).map((s) => s.split(/=(.*)/s).slice(0, 2));
const paths = args.slice(split + 1);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const VIEWPORTS = [
  { name: "desktop", width: 1280, height: 900, deviceScaleFactor: 1 },
  { name: "phone", width: 375, height: 800, deviceScaleFactor: 2, isMobile: true, hasTouch: false },
];

(async () => {
  const browser = await launch(chromium);
  const loads = [];
  try {
    for (const [name, base] of sites) {
      for (const viewport of VIEWPORTS) {
        for (const scheme of ["light", "dark"]) {
          for (const [index, path] of paths.entries()) {
            const context = await browser.createBrowserContext();
            const page = await context.newPage();
            const console_csp = [];
            page.on("console", (message) => {
              if (/content security policy/i.test(message.text())) console_csp.push(message.text());
            });
            await page.setViewport(viewport);
            await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: scheme }]);
            await page.evaluateOnNewDocument(() => {
              window.__violations = [];
              document.addEventListener("securitypolicyviolation", (e) =>
                window.__violations.push(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}: ${e.sample}`),
              );
              window.__shift = 0;
              new PerformanceObserver((list) => {
                for (const entry of list.getEntries()) window.__shift += entry.value;
              }).observe({ type: "layout-shift", buffered: true });
            });
            await page.goto(base + path, { waitUntil: "load" });
            await page.evaluate(async () => {
              const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
              for (let y = 0; y <= document.documentElement.scrollHeight; y += innerHeight / 2) {
                scrollTo(0, y);
                await sleep(100);
              }
              for (const slides of document.querySelectorAll(".ib-slides")) {
                for (let x = 0; x <= slides.scrollWidth; x += slides.clientWidth) {
                  slides.scrollLeft = x;
                  await sleep(100);
                }
                slides.scrollLeft = 0;
              }
              scrollTo(0, 0);
              const imgs = [...document.querySelectorAll("img")];
              await Promise.race([Promise.all(imgs.map((img) => img.decode().catch(() => {}))), sleep(5000)]);
            });
            await sleep(300);
            const load = { site: name, path, viewport: viewport.name, scheme };
            Object.assign(
              load,
              await page.evaluate(() => {
                const grid = document.querySelector(".ib-grid, .ib-strip");
                const pictures = [...document.querySelectorAll(".ib-tile img, .ib-page-media img")];
                return {
                  violations: window.__violations,
                  shift: window.__shift,
                  // The feed's own rules applied: its list is a grid, not a bulleted list.
                  feed_styled: grid ? getComputedStyle(grid).display === "grid" : null,
                  // Every picture has its placeholder colour behind it.
                  colours: pictures.map((img) => getComputedStyle(img).backgroundColor),
                };
              }),
            );
            load.console_csp = console_csp;
            load.shot = `${shots}/csp-${name}-${viewport.name}-${scheme}-${index}.png`;
            await page.screenshot({ path: load.shot, fullPage: true });
            loads.push(load);
            await context.close();
          }
        }
      }
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(loads, null, 1));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
