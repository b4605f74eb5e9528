//! Real Jekyll and Eleventy builds: the test sites in `tests/sites/` are baked from the bundled demo
//! feed with the real binary and the generator's preset, built by the generator itself, and the
//! page it publishes is checked: the partial is in it unchanged, the site's own loop over the data
//! file lists every post, every image URL of the page is a file in the generator's output, and the
//! hostile caption of the demo feed is shown as text, never run.
//!
//! Jekyll is Debian's `jekyll` package on PATH. Eleventy is the version pinned in
//! `tests/sites/eleventy/package-lock.json`, installed once into `target/eleventy-site/` by
//! `npm ci` (see `.ci/run`), run with `node`. A missing tool skips its test with `SKIPPED: ...` on
//! stderr, unless `INSTABAKE_REQUIRE_TOOLS=1` (set by `.ci/run`), which turns that into a failure.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::support;

/// The hostile caption of the demo feed (see `examples/make_demo_feed.rs`).
const HOSTILE_SCRIPT: &str = "<script>alert(1)</script>";
const HOSTILE_TEMPLATE: &str = "{{ .Site.Title }}";

/// How long a generator's build may take before the test kills it and fails.
const GENERATOR_TIMEOUT: Duration = Duration::from_secs(180);

/// One generator's test site and the paths of its preset.
struct Generator {
    /// The `--preset` name, also the folder under `tests/sites/`.
    preset: &'static str,
    /// The `<h1>` of the built page (the site's title), proving the site's own template ran.
    title: &'static str,
    images: &'static str,
    url_prefix: &'static str,
    partial: &'static str,
    data: &'static str,
    /// The generator's output folder, relative to the site.
    output: &'static str,
}

const JEKYLL: Generator = Generator {
    preset: "jekyll",
    title: "instabake Jekyll test site",
    images: "assets/instagram",
    url_prefix: "/assets/instagram/",
    partial: "_includes/instagram.html",
    data: "_data/instagram.json",
    output: "_site",
};

const ELEVENTY: Generator = Generator {
    preset: "eleventy",
    title: "instabake Eleventy test site",
    images: "instagram",
    url_prefix: "/instagram/",
    partial: "_includes/instagram.html",
    data: "_data/instagram.json",
    output: "_site",
};

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn sources(generator: &Generator) -> PathBuf {
    manifest_dir().join("tests/sites").join(generator.preset)
}

/// Where `.ci/run` installs the pinned Eleventy (`npm ci` of the test site's package files).
fn eleventy_install() -> PathBuf {
    manifest_dir().join("target/eleventy-site")
}

/// Skips the test (`None`) or, under `INSTABAKE_REQUIRE_TOOLS`, fails it.
fn missing_tool(why: &str) -> Option<Command> {
    support::skip(why);
    None
}

/// `jekyll build` for `site`, if `jekyll` is on PATH and runs.
pub(crate) fn jekyll_command(site: &Path) -> Option<Command> {
    let version = match Command::new("jekyll").arg("--version").output() {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).trim().to_string(),
        Ok(out) => panic!(
            "`jekyll --version` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(_) => {
            return missing_tool(
                "jekyll is not on PATH (`apt-get install -y --no-install-recommends jekyll`, \
                 see .ci/run)",
            )
        }
    };
    eprintln!("using {version}");
    let mut command = Command::new("jekyll");
    command
        .arg("build")
        .arg("--source")
        .arg(site)
        .arg("--destination")
        .arg(site.join(JEKYLL.output))
        .arg("--disable-disk-cache")
        .env("JEKYLL_ENV", "production");
    Some(command)
}

/// The pinned Eleventy, run by `node` in `site`, if it is installed in [`eleventy_install`] at the
/// version `tests/sites/eleventy/package.json` pins.
pub(crate) fn eleventy_command() -> Option<Command> {
    let manifest = sources(&ELEVENTY).join("package.json");
    let package: Value = serde_json::from_str(
        &fs::read_to_string(&manifest)
            .unwrap_or_else(|e| panic!("read {}: {e}", manifest.display())),
    )
    .expect("package.json is JSON");
    let pinned = package["dependencies"]["@11ty/eleventy"]
        .as_str()
        .expect("@11ty/eleventy in the dependencies of the test site's package.json");
    assert!(
        pinned.chars().all(|c| c.is_ascii_digit() || c == '.'),
        "@11ty/eleventy must be pinned to an exact version, not {pinned:?}"
    );
    let install = eleventy_install();
    let how = format!(
        "copy tests/sites/eleventy/package.json and package-lock.json into {} and run `npm ci` \
         there (see .ci/run)",
        install.display()
    );
    let package_dir = install.join("node_modules/@11ty/eleventy");
    let Ok(text) = fs::read_to_string(package_dir.join("package.json")) else {
        return missing_tool(&format!("Eleventy is not installed: {how}"));
    };
    let installed: Value = serde_json::from_str(&text).expect("Eleventy's package.json is JSON");
    if installed["version"] != pinned {
        return missing_tool(&format!(
            "{} holds Eleventy {}, not the pinned {pinned}: {how}",
            install.display(),
            installed["version"]
        ));
    }
    let bin = installed["bin"]["eleventy"]
        .as_str()
        .expect("Eleventy's package.json names its `eleventy` bin");
    match Command::new("node").arg("--version").output() {
        Ok(out) if out.status.success() => eprintln!(
            "using Eleventy {pinned} on node {}",
            String::from_utf8_lossy(&out.stdout).trim()
        ),
        _ => return missing_tool("node is not on PATH (Eleventy needs Node.js 18 or later)"),
    }
    let mut command = Command::new("node");
    command.arg(package_dir.join(bin));
    Some(command)
}

/// Runs a generator's build in `site` (HOME there too, so nothing of the user's is read or
/// written), killed and failed after [`GENERATOR_TIMEOUT`]. Returns its output, for messages.
pub(crate) fn run_generator(mut command: Command, site: &Path, name: &str) -> String {
    command
        .current_dir(site)
        .env("HOME", site)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    let started = Instant::now();
    let finished = support::run_with_timeout(&mut command, GENERATOR_TIMEOUT);
    let log =
        |stdout: &str, stderr: &str| format!("$ {command:?}\nstdout:\n{stdout}\nstderr:\n{stderr}");
    let (status, log) = match finished {
        support::Finished::Exited(status, stdout, stderr) => (status, log(&stdout, &stderr)),
        support::Finished::TimedOut(stdout, stderr) => panic!(
            "{name} did not finish within {GENERATOR_TIMEOUT:?}\n{}",
            log(&stdout, &stderr)
        ),
    };
    assert!(status.success(), "{name} failed ({status})\n{log}");
    eprintln!("{name} built the site in {:.1?}", started.elapsed());
    log
}

/// The paths the site's `.gitignore` lists (`/x/` and `/x` both give `x`): what `instabake build`
/// and the generator write into the site, left out when the sources are copied.
fn ignored_paths(site: &Path) -> Vec<String> {
    let path = site.join(".gitignore");
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| line.trim_matches('/').to_string())
        .collect()
}

/// Copy the generator's test site, bake the demo feed into it with its preset, build it with the
/// generator, and check the page.
fn bake_and_build(generator: &Generator, build: impl FnOnce(&Path) -> Option<Command>) {
    let started = Instant::now();
    let tmp = tempfile::Builder::new()
        .prefix(&format!("instabake-{}-", generator.preset))
        .tempdir()
        .expect("create a temporary folder");
    let site = tmp.path();
    let Some(command) = build(site) else {
        return;
    };

    // The sources only: whatever a bake or build left in tests/sites/ (listed by its .gitignore)
    // stays there.
    let ignored = ignored_paths(&sources(generator));
    for path in [
        generator.images,
        generator.partial,
        generator.data,
        ".instabake",
        generator.output,
    ] {
        assert!(
            ignored.iter().any(|i| i == path),
            "tests/sites/{}/.gitignore does not list {path}",
            generator.preset
        );
    }
    let ignored: Vec<&str> = ignored.iter().map(String::as_str).collect();
    support::copy_sources(&sources(generator), site, &ignored);
    let copied = support::relative_files(site);

    // The bake, as the README shows it; no token: a replay must not need one.
    let feed = support::demo_feed();
    let demo = support::demo_posts(&feed);
    let run = support::run(
        site,
        &[
            "build",
            "--site",
            site.to_str().expect("UTF-8 temporary path"),
            "--preset",
            generator.preset,
            "--replay",
            feed.to_str().expect("UTF-8 path"),
        ],
        &[],
    );
    run.assert_success();
    eprintln!("baked the demo feed in {:.1?}", started.elapsed());
    let data_path = site.join(generator.data);
    let data: Value = serde_json::from_str(
        &fs::read_to_string(&data_path)
            .unwrap_or_else(|e| panic!("read {}: {e}\n{run}", data_path.display())),
    )
    .expect("the data file is JSON");
    let posts: Vec<&Value> = data["posts"].as_array().expect("posts[]").iter().collect();
    let ids: Vec<&str> = posts.iter().filter_map(|p| p["id"].as_str()).collect();
    let demo_ids: Vec<&str> = demo.iter().filter_map(|p| p["id"].as_str()).collect();
    assert_eq!(ids, demo_ids, "the data file does not hold the demo feed");
    let partial_html = fs::read_to_string(site.join(generator.partial))
        .unwrap_or_else(|e| panic!("read {}: {e}\n{run}", generator.partial));
    // What starts a Liquid or Nunjucks tag, output or comment (README: the partial never holds
    // them, whatever a caption says; hostile.rs checks the closing ones too).
    for syntax in ["{{", "{%", "{#"] {
        assert!(
            !partial_html.contains(syntax),
            "the partial contains `{syntax}`, which the generator's template language would run"
        );
    }
    assert!(
        fs::read_dir(site.join(generator.images)).is_ok_and(|mut d| d.next().is_some()),
        "no images in {}\n{run}",
        generator.images
    );

    // The generator's own build.
    let log = run_generator(command, site, generator.preset);
    let output = site.join(generator.output);
    let index_path = output.join("index.html");
    let page = fs::read_to_string(&index_path)
        .unwrap_or_else(|e| panic!("read {}: {e}\n{log}", index_path.display()));
    assert!(
        page.contains(&format!("<h1>{}</h1>", generator.title)),
        "the page was not rendered by the site's template:\n{page}"
    );

    // The partial, included by the site's template exactly as instabake wrote it: the template
    // language found nothing to run in it.
    support::assert_partial_included_unchanged(&page, &partial_html);
    let feed_html = support::section(&page, "<section class=\"ib-feed\"", "</section>", "partial");
    for post in &posts {
        let permalink = post["permalink"].as_str().expect("a permalink");
        assert!(
            feed_html.contains(&format!("href=\"{permalink}\"")),
            "post {} ({permalink}) is not in the partial's markup",
            post["id"]
        );
    }

    // The site's own loop over the data file: every post, in order, with its permalink, its first
    // image and its alt text (escaped by the template, so it decodes back to the text).
    let data_loop = support::section(&page, "<div class=\"data-loop\">", "</div>", "data loop");
    let values = |name: &str| -> Vec<String> {
        support::attributes(data_loop, &[name])
            .into_iter()
            .map(|(_, value)| value)
            .collect()
    };
    let field = |pointer: &str| -> Vec<String> {
        posts
            .iter()
            .map(|p| {
                p.pointer(pointer)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            })
            .collect()
    };
    assert_eq!(
        values("href"),
        field("/permalink"),
        "permalinks of the data loop"
    );
    assert_eq!(
        values("src"),
        field("/media/0/src"),
        "first images of the data loop"
    );
    assert_eq!(values("alt"), field("/alt"), "alt texts of the data loop");

    // Every src, srcset and poster URL of the page names an image in the generator's output, as
    // wide as its srcset descriptor says; and the partial's images are all in the page.
    let refs = support::assert_partial_refs_exist(
        &index_path,
        generator.url_prefix,
        &output.join(generator.url_prefix.trim_matches('/')),
    );
    let page_urls: Vec<&str> = refs.iter().map(|r| r.url.as_str()).collect();
    for (attribute, value) in support::attributes(&partial_html, &["src", "srcset", "poster"]) {
        for candidate in value.split(',') {
            let url = candidate.split_whitespace().next().unwrap_or_default();
            if !url.is_empty() && !url.starts_with("data:") {
                assert!(
                    page_urls.contains(&url),
                    "{attribute} {url} of the partial is not in the built page"
                );
            }
        }
    }

    // The hostile caption is text: escaped, its template syntax not run, no script in the page.
    assert!(
        !page.to_ascii_lowercase().contains("<script"),
        "the page contains a <script>: a caption was not escaped\n{page}"
    );
    let text = support::decode_entities(&page);
    assert!(
        text.contains(HOSTILE_SCRIPT),
        "the hostile caption is not in the page at all (so its escaping is not tested)"
    );
    assert!(
        text.contains(&format!("and {HOSTILE_TEMPLATE} and")),
        "`{HOSTILE_TEMPLATE}` of the hostile caption is not in the page as text"
    );
    // The only template syntax left in the page is the caption's, printed as text by the data
    // loop (HTML escaping leaves braces alone): none from the site's templates or the partial.
    let rest = page.replace(HOSTILE_TEMPLATE, "");
    for syntax in ["{{", "{%", "{#"] {
        assert!(
            !rest.contains(syntax),
            "the built page contains `{syntax}`: template syntax that was not run\n{page}"
        );
    }

    // Everything the bake and the build wrote is listed in the site's .gitignore.
    let unlisted: Vec<String> = support::relative_files(site)
        .into_iter()
        .filter(|file| !copied.contains(file))
        .filter(|file| !ignored.iter().any(|i| Path::new(file).starts_with(i)))
        .collect();
    assert!(
        unlisted.is_empty(),
        "files written into the site that tests/sites/{}/.gitignore does not list: {unlisted:#?}",
        generator.preset
    );
    eprintln!(
        "{}: {} posts baked, built and checked in {:.1?}",
        generator.preset,
        posts.len(),
        started.elapsed()
    );
}

#[test]
fn jekyll_builds_the_baked_demo_feed() {
    bake_and_build(&JEKYLL, jekyll_command);
}

#[test]
fn eleventy_builds_the_baked_demo_feed() {
    bake_and_build(&ELEVENTY, |_| eleventy_command());
}
