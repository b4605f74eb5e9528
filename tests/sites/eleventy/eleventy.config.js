// A minimal Eleventy site for tests/integration/generators.rs: `instabake build --preset eleventy`
// writes instagram/, _includes/instagram.html and _data/instagram.json, then Eleventy publishes the
// site to _site/.
export default function (eleventyConfig) {
  // The images instabake writes are not templates: copy them into the output as they are.
  eleventyConfig.addPassthroughCopy("instagram");
  // instabake's cache folder is not part of the site.
  eleventyConfig.ignores.add(".instabake/**");
  eleventyConfig.ignores.add("node_modules/**");
}

export const config = {
  dir: {
    input: ".",
    includes: "_includes",
    data: "_data",
    output: "_site",
  },
};
