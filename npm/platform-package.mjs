#!/usr/bin/env node
// Writes the npm package that carries the instabake binary for one platform:
//
//   node npm/platform-package.mjs RUST_TARGET PATH_TO_BINARY OUT_DIR
//
// e.g. `node npm/platform-package.mjs x86_64-unknown-linux-musl target/x86_64-unknown-linux-musl/release/instabake dist/linux-x64`,
// then `npm pack` or `npm publish` OUT_DIR. The release workflow runs it for every binary it
// builds; the npm test runs it for this machine's.
//
// platforms.json, beside this script, is the one table of Rust target -> npm package, `os` and
// `cpu`; the launcher (instabake/) lists the same packages as its optional dependencies and
// finds the one for `${process.platform}-${process.arch}`, which is why every package is named
// `@instabake/<os>-<cpu>` (tests/integration/npm.rs holds the table, the launcher, Cargo.toml and
// the release workflow together). The version is the launcher's, which is Cargo.toml's.
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const readJson = (file) => JSON.parse(readFileSync(join(here, file), "utf8"));

function die(message) {
  process.stderr.write(`platform-package: ${message}\n`);
  process.exit(2);
}

const [target, binary, out] = process.argv.slice(2);
if (!target || !binary || !out || process.argv.length !== 5) {
  die("usage: node npm/platform-package.mjs RUST_TARGET PATH_TO_BINARY OUT_DIR");
}
const platforms = readJson("platforms.json");
const platform = platforms[target];
if (!platform) {
  die(`no npm package for ${target} in platforms.json (known: ${Object.keys(platforms).join(", ")})`);
}
const launcher = readJson("instabake/package.json");

// A fresh folder, so nothing left from an earlier run is packed with the binary.
mkdirSync(out, { recursive: true });
if (readdirSync(out).length > 0) die(`${out} is not empty`);

const names = { linux: "Linux", darwin: "macOS", win32: "Windows" };
const label = `${names[platform.os] || platform.os} ${platform.cpu}`;
const exe = platform.os === "win32" ? "instabake.exe" : "instabake";

mkdirSync(join(out, "bin"));
copyFileSync(binary, join(out, "bin", exe));
// npm packs and installs the mode it finds; the launcher executes this file directly.
chmodSync(join(out, "bin", exe), 0o755);

const manifest = {
  name: platform.package,
  version: launcher.version,
  description: `The instabake binary for ${label} (${target}). Install \`instabake\`, which depends on it.`,
  homepage: launcher.homepage,
  license: launcher.license,
  // npm checks provenance against the repository named here.
  repository: launcher.repository,
  os: [platform.os],
  cpu: [platform.cpu],
  files: [`bin/${exe}`],
  // Yarn 2+ keeps a native binary as a real file on disk instead of inside its zip archive.
  preferUnplugged: true,
};
writeFileSync(join(out, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
writeFileSync(
  join(out, "README.md"),
  `# ${platform.package}

The [instabake](https://www.npmjs.com/package/instabake) binary for ${label} (\`${target}\`).
Do not install this package yourself: install \`instabake\`, which depends on it (and on the
packages for the other platforms, of which npm installs only the one that fits), and run
\`npx instabake\`.

${launcher.homepage}
`,
);
