#!/usr/bin/env node
// The `instabake` command of the npm package. instabake is a native binary: npm installs the one
// for this platform as an optional dependency (`@instabake/<platform>-<arch>`, each package
// limited to its platform by its `os` and `cpu` fields, so npm skips the others), and this script
// runs it with the same arguments, stdin, stdout and stderr, and ends as it ended: same exit code,
// or killed by the same signal. No dependencies, nothing downloaded at install time.
//
// INSTABAKE_BINARY=/path/to/instabake runs that binary instead (a local build, or a platform npm
// has no package for).
"use strict";

const { spawn } = require("child_process");
const os = require("os");
const path = require("path");

const launcher = require("../package.json");

const ALTERNATIVES = [
  "Other ways to get instabake, none of which needs Node:",
  "  pip install instabake         (or: pipx run instabake, uvx instabake)",
  "  cargo binstall instabake      (the release binary, no compiling)",
  "  a release binary from https://github.com/instabake/instabake/releases",
  "or set INSTABAKE_BINARY to the path of an instabake binary.",
];

function fail(lines) {
  process.stderr.write(lines.join("\n") + "\n");
  process.exit(1);
}

// The platform package's binary, or a clear error naming the package that was looked for.
function installedBinary() {
  const name = `@instabake/${process.platform}-${process.arch}`;
  const exe = process.platform === "win32" ? "instabake.exe" : "instabake";
  try {
    // Resolved from this file, so it works wherever the package manager put the optional
    // dependency: hoisted beside us (npm, yarn) or in a store next to our real path (pnpm).
    const manifest = require.resolve(`${name}/package.json`);
    return path.join(path.dirname(manifest), "bin", exe);
  } catch (error) {
    if (!error || error.code !== "MODULE_NOT_FOUND") throw error;
  }
  const here = `${process.platform} ${process.arch}`;
  // Our own optional dependencies are the platforms that have a package.
  const supported = Object.keys(launcher.optionalDependencies || {});
  if (!supported.includes(name)) {
    const list = supported.map((p) => p.replace(/^@instabake\//, "")).join(", ");
    return fail([
      `instabake: there is no npm package of the instabake binary for this platform (${here}),`,
      `so ${name} was not installed; npm packages exist for: ${list}.`,
      ...ALTERNATIVES,
    ]);
  }
  return fail([
    `instabake: the package ${name}, which holds the instabake binary for this platform`,
    `(${here}), is not installed. npm installs it with ${launcher.name} as an optional dependency`,
    "and leaves it out when optional dependencies are omitted (--omit=optional, --no-optional)",
    "or when node_modules was installed on another platform. Install again with them, e.g.",
    `  npm install --include=optional --save-dev ${launcher.name}@${launcher.version}`,
    ...ALTERNATIVES,
  ]);
}

const binary = process.env.INSTABAKE_BINARY || installedBinary();
const child = spawn(binary, process.argv.slice(2), { stdio: "inherit" });

// A signal sent to this process alone (a CI runner cancelling the step, `kill PID`) is passed on,
// so the binary never outlives us. On Windows there are no signals to pass: Ctrl+C reaches the
// binary itself, and listening only keeps us alive until it has ended.
const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP"];
function forward(signal) {
  if (process.platform !== "win32" && child.exitCode === null && child.signalCode === null) {
    child.kill(signal);
  }
}
for (const signal of FORWARDED) process.on(signal, forward);

child.on("error", (error) => {
  const via = process.env.INSTABAKE_BINARY ? " (INSTABAKE_BINARY)" : "";
  fail([`instabake: cannot run ${binary}${via}: ${error.message}`]);
});

child.on("exit", (code, signal) => {
  if (signal === null) {
    process.exit(code === null ? 1 : code);
  }
  // Killed by a signal: die of the same one, so whatever runs us (a shell, npm, make) sees what
  // it would have seen running the binary itself.
  for (const s of FORWARDED) process.removeListener(s, forward);
  process.kill(process.pid, signal);
  // A signal that does not end Node (it ignores SIGPIPE, say): the shell's convention instead.
  setTimeout(() => process.exit(128 + (os.constants.signals[signal] || 0)), 1000);
});
