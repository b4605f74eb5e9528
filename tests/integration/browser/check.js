// Injected into the built page by tests/integration/browser.rs. Scrolls through the page and
// every carousel so that lazy images load, then reports what a visitor's browser did: the
// image chosen from each srcset, whether it loaded, every request made, layout shifts, alt
// texts and keyboard focus. The report goes into <pre id="ib-check"> (or to the parent page
// when the page runs in the narrow-viewport frame).
(async () => {
  let shift = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) shift += entry.value;
  }).observe({ type: "layout-shift", buffered: true });
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  if (document.readyState !== "complete") await new Promise((r) => addEventListener("load", r));
  const height = () => document.documentElement.scrollHeight;
  for (let y = 0; y <= height(); y += innerHeight / 2) {
    scrollTo(0, y);
    await sleep(150);
  }
  for (const slides of document.querySelectorAll(".ib-slides")) {
    slides.scrollIntoView();
    for (let x = 0; x <= slides.scrollWidth; x += slides.clientWidth / 2) {
      slides.scrollLeft = x;
      await sleep(150);
    }
  }
  const images = [...document.querySelectorAll(".ib-feed img")];
  // An image that never loads must be reported, not wait forever.
  await Promise.race([Promise.all(images.map((img) => img.decode().catch(() => {}))), sleep(5000)]);
  const focusable = [...document.querySelectorAll(".ib-feed a[href], .ib-feed video[controls], .ib-feed .ib-slides")];
  const report = {
    width: innerWidth,
    dpr: devicePixelRatio,
    shift,
    scheme: matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light",
    posts: document.querySelectorAll(".ib-feed .ib-post").length,
    images: images.map((img) => {
      const source = img.parentElement.querySelector("source");
      return {
        current: img.currentSrc,
        natural: img.naturalWidth,
        rendered: img.getBoundingClientRect().width,
        alt: img.getAttribute("alt"),
        candidates: (source ? source.srcset : img.srcset) || "",
      };
    }),
    resources: performance.getEntriesByType("resource").map((entry) => entry.name),
    references: [...document.querySelectorAll("[src], [srcset], [poster], link[href]")].map(
      (el) => el.getAttribute("src") || el.getAttribute("srcset") || el.getAttribute("poster") || el.getAttribute("href")),
    focus: focusable.map((el) => {
      el.focus();
      return document.activeElement === el && el.tabIndex >= 0;
    }),
  };
  const text = JSON.stringify(report);
  if (parent !== window) {
    parent.postMessage(text, "*");
  } else {
    const pre = document.createElement("pre");
    pre.id = "ib-check";
    pre.textContent = text;
    document.body.appendChild(pre);
  }
})();
