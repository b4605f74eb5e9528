// Starts the headless Chromium at CHROMIUM for the DevTools-protocol drivers beside this file
// (lightbox.js, weight.js): puppeteer-core, with nothing running in the background, the same
// switches as browser.rs gives it.
"use strict";

const puppeteer = require("puppeteer-core");

module.exports = function launch(chromium) {
  return puppeteer.launch({
    executablePath: chromium,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-default-apps",
      "--hide-scrollbars",
    ],
  });
};
