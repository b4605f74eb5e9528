//! The site's language (`[render] lang`, `date_format`, `timezone`, `[render.words]`): the demo
//! feed baked in each language with built-in words, checking the shown dates and every label of
//! the partial (header, strip, carousel, lightbox, profile), the alt text of the post without any,
//! and that `<time datetime>` keeps the post's timestamp; then the words a config replaces, a
//! hostile word, the time zone moving a post's day, a language without built-in words, and the
//! post pages and feeds of the `html` preset.

use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::hostile::TEMPLATE_SYNTAX;
use crate::support::{self, demo_feed, Run};

/// The demo feed's carousel of three, posted at 21:10 UTC: already the next day in Tokyo.
const CAROUSEL: &str = "17922270413732257";
const CAROUSEL_TIME: &str = "2026-10-15T21:10:00Z";
/// The demo feed's post with neither caption nor alt text.
const BARE: &str = "17986106823364571";

/// Bakes the demo feed into `site` with `render` as the `[render]` section (and anything after
/// it), the header's profile on. The media are baked once: later bakes of the same site only
/// render again.
fn bake(site: &Path, render: &str) -> Run {
    fs::write(
        site.join("instabake.toml"),
        format!(
            "[account]\nprofile = true\n\n[render]\ndates = true\nlightbox = true\nheader = true\n\
             layout = \"strip\"\n{render}"
        ),
    )
    .unwrap();
    bake_demo(site)
}

/// `instabake build --replay` of the demo feed into `site`, with its config as it is.
fn bake_demo(site: &Path) -> Run {
    let feed = demo_feed();
    let args = [
        "build",
        "--site",
        site.to_str().unwrap(),
        "--replay",
        feed.to_str().unwrap(),
    ];
    support::run(site, &args, &[])
}

fn partial(site: &Path) -> String {
    fs::read_to_string(site.join(support::HUGO_PARTIAL)).unwrap()
}

/// What one language shows.
struct Expected {
    lang: &'static str,
    /// The carousel's date.
    date: &'static str,
    close: &'static str,
    follow: &'static str,
    strip: &'static str,
    album: &'static str,
    view: &'static str,
    /// The alt text of the post without any.
    alt: &'static str,
    section: &'static str,
}

const LANGUAGES: [Expected; 5] = [
    Expected {
        lang: "en",
        date: "15 October 2026",
        close: "Close",
        follow: "Follow on Instagram",
        strip: "Posts: scroll sideways",
        album: "Album of 3: scroll sideways",
        view: "View on Instagram",
        alt: "Photo from Instagram by @instabake.demo",
        section: "Instagram posts by @instabake.demo",
    },
    Expected {
        lang: "de-AT",
        date: "15. Oktober 2026",
        close: "Schließen",
        follow: "Auf Instagram folgen",
        strip: "Beiträge: seitwärts scrollen",
        album: "Album mit 3 Elementen: seitwärts scrollen",
        view: "Auf Instagram ansehen",
        alt: "Instagram-Foto von @instabake.demo",
        section: "Instagram-Beiträge von @instabake.demo",
    },
    Expected {
        lang: "fr",
        date: "15 octobre 2026",
        close: "Fermer",
        follow: "Suivre sur Instagram",
        strip: "Publications\u{a0}: faire défiler horizontalement",
        album: "Album de 3 éléments\u{a0}: faire défiler horizontalement",
        view: "Voir sur Instagram",
        alt: "Photo Instagram de @instabake.demo",
        section: "Publications Instagram de @instabake.demo",
    },
    Expected {
        lang: "es",
        date: "15 de octubre de 2026",
        close: "Cerrar",
        follow: "Seguir en Instagram",
        strip: "Publicaciones: desplázate hacia los lados",
        album: "Álbum de 3: desplázate hacia los lados",
        view: "Ver en Instagram",
        alt: "Foto de Instagram de @instabake.demo",
        section: "Publicaciones de Instagram de @instabake.demo",
    },
    Expected {
        lang: "pt-BR",
        date: "15 de outubro de 2026",
        close: "Fechar",
        follow: "Seguir no Instagram",
        strip: "Publicações: deslize para o lado",
        album: "Álbum de 3: deslize para o lado",
        view: "Ver no Instagram",
        alt: "Foto do Instagram de @instabake.demo",
        section: "Publicações do Instagram de @instabake.demo",
    },
];

/// The English words that must not be left in a partial of another language.
const ENGLISH: [&str; 5] = [
    "scroll sideways",
    "View on Instagram",
    "Follow on Instagram",
    "aria-label=\"Close\"",
    "Instagram posts",
];

fn post<'a>(data: &'a Value, id: &str) -> &'a Value {
    support::post(data, id)
}

#[test]
fn each_language_shows_its_dates_and_words() {
    let site = support::site();
    let site = site.path();
    for expected in &LANGUAGES {
        let lang = expected.lang;
        bake(site, &format!("lang = \"{lang}\"\n")).assert_success();
        let html = partial(site);
        let data = support::read_data(site);
        // The carousel's date: its own form in the tile and the lightbox, the timestamp in
        // `datetime`; the data file has both.
        let time = format!(
            "<time datetime=\"{CAROUSEL_TIME}\">{}</time>",
            expected.date
        );
        assert_eq!(html.matches(&time).count(), 2, "{lang}: {time} in\n{html}");
        let carousel = post(&data, CAROUSEL);
        assert_eq!(carousel["date"], "2026-10-15", "{lang}");
        assert_eq!(carousel["date_text"], expected.date, "{lang}");
        assert_eq!(carousel["timestamp"], CAROUSEL_TIME, "{lang}");
        // Every post's date is shown in the language's form; `datetime` stays the timestamp.
        for p in data["posts"].as_array().unwrap() {
            let time = format!(
                "<time datetime=\"{}\">{}</time>",
                p["timestamp"].as_str().unwrap(),
                p["date_text"].as_str().unwrap()
            );
            assert!(html.contains(&time), "{lang}: no {time}");
        }
        let escaped = |text: &str| support::decode_entities(text);
        let shown = escaped(&html);
        for (what, word) in [
            ("close", format!("aria-label=\"{}\"", expected.close)),
            ("follow", format!(">{}</a>", expected.follow)),
            ("strip", format!("aria-label=\"{}\"", expected.strip)),
            ("album", format!("aria-label=\"{}\"", expected.album)),
            ("album count", format!(">{}</p>", expected.album)),
            ("view", format!(">{}</a>", expected.view)),
            ("section", format!("aria-label=\"{}\"", expected.section)),
        ] {
            assert!(
                shown.contains(&word),
                "{lang}: {what}: no {word} in\n{html}"
            );
        }
        // The post without alt text or caption is described in the language.
        let bare = post(&data, BARE);
        assert_eq!(bare["alt"], expected.alt, "{lang}");
        assert!(
            shown.contains(&format!("alt=\"{}\"", expected.alt)),
            "{lang}"
        );
        if !lang.starts_with("en") {
            for english in ENGLISH {
                assert!(
                    !shown.contains(english),
                    "{lang}: {english} left in\n{html}"
                );
            }
        }
    }
}

/// Words from the config replace the language's, and are text: a word with markup or template
/// syntax comes out escaped. The date format and the time zone are the config's.
#[test]
fn config_words_date_format_and_time_zone() {
    let site = support::site();
    let site = site.path();
    bake(
        site,
        "lang = \"de\"\ndate_format = \"%A, %-d. %B %Y\"\ntimezone = \"Asia/Tokyo\"\n\n\
         [render.words]\nclose = \"Zumachen\"\n\
         follow = \"<b onclick=alert(1)>{{ .Site.Title }}{% raw %}</b>\"\n\
         months = [\"Jän\", \"Feb\", \"Mär\", \"Apr\", \"Mai\", \"Jun\", \"Jul\", \"Aug\", \
         \"Sep\", \"Okt\", \"Nov\", \"Dez\"]\n",
    )
    .assert_success();
    let html = partial(site);
    let data = support::read_data(site);
    // 21:10 UTC is 06:10 the next morning in Tokyo: the day moves, `datetime` does not.
    let time = format!("<time datetime=\"{CAROUSEL_TIME}\">Freitag, 16. Okt 2026</time>");
    assert!(html.contains(&time), "no {time} in\n{html}");
    assert_eq!(post(&data, CAROUSEL)["date"], "2026-10-16");
    assert!(html.contains("aria-label=\"Zumachen\""), "{html}");
    assert!(!html.contains("Schließen"), "{html}");
    // German words where the config gives none.
    assert!(html.contains("Auf Instagram ansehen"), "{html}");
    // The hostile word is text.
    assert!(
        html.contains(
            ">&lt;b onclick=alert(1)&gt;&#123;&#123; .Site.Title &#125;&#125;&#123;% raw \
             %&#125;&lt;/b&gt;</a>"
        ),
        "{html}"
    );
    assert!(!html.contains("<b "), "{html}");
    let follow = support::between(&html, "class=\"ib-follow\"", "</a>").unwrap();
    for syntax in TEMPLATE_SYNTAX {
        assert!(!follow.contains(syntax), "{syntax} in {follow}");
    }

    // In UTC, the carousel is on the 15th again.
    bake(site, "lang = \"de\"\ntimezone = \"UTC\"\n").assert_success();
    let html = partial(site);
    assert!(
        html.contains(&format!(
            "<time datetime=\"{CAROUSEL_TIME}\">15. Oktober 2026</time>"
        )),
        "{html}"
    );
    assert!(html.contains("aria-label=\"Schließen\""), "{html}");
}

/// Mistakes in the language settings stop the bake before anything is written, naming the key.
#[test]
fn bad_language_settings_are_named() {
    let site = support::site();
    let site = site.path();
    for (render, key) in [
        ("lang = \"en us\"\n", "render.lang"),
        ("timezone = \"Europe/Berln\"\n", "render.timezone"),
        ("date_format = \"dd.mm.yyyy\"\n", "render.date_format"),
        ("[render.words]\nclsoe = \"x\"\n", "render.words.clsoe"),
        ("[render.words]\nmonths = [\"x\"]\n", "render.words.months"),
    ] {
        let run = bake(site, render);
        run.assert_code(2);
        assert!(run.stderr.contains(key), "{render}: {}", run.stderr);
        assert!(!site.join(support::HUGO_PARTIAL).exists(), "{render}");
    }
}

/// A language without built-in words gets English ones, with a warning at the bake and in
/// `instabake doctor`; its tag is still the pages' `lang`.
#[test]
fn a_language_without_words_falls_back_to_english_and_says_so() {
    let site = support::site();
    let site = site.path();
    let run = bake(site, "lang = \"it\"\n");
    run.assert_success();
    assert!(
        run.stderr.contains("render.lang = \"it\"") && run.stderr.contains("[render.words]"),
        "{}",
        run.stderr
    );
    let html = partial(site);
    assert!(html.contains("aria-label=\"Close\""), "{html}");
    let doctor = support::run(site, &["doctor"], &[]);
    assert!(
        doctor
            .stdout
            .lines()
            .any(|l| l.starts_with("warn") && l.contains("language") && l.contains("\"it\"")),
        "{}",
        doctor.stdout
    );

    bake(site, "lang = \"fr\"\n").assert_success();
    let doctor = support::run(site, &["doctor"], &[]);
    assert!(
        doctor.stdout.lines().any(|l| l.starts_with("ok")
            && l.contains("language")
            && l.contains("French words")
            && l.contains("2 décembre 2026")),
        "{}",
        doctor.stdout
    );
}

/// The post pages of the `html` preset are in the site's language (`<html lang>`, the date and
/// the link to Instagram), and the feeds name it.
#[test]
fn post_pages_are_in_the_sites_language() {
    let site = support::site();
    let site = site.path();
    fs::write(
        site.join("instabake.toml"),
        "preset = \"html\"\nlimit = 3\nsite_url = \"https://example.com/\"\n\
         [pages]\nenabled = true\n[feeds]\natom = true\njson = true\n\
         [render]\nlang = \"es\"\n",
    )
    .unwrap();
    bake_demo(site).assert_success();
    let data: Value =
        serde_json::from_str(&fs::read_to_string(site.join("instagram.json")).unwrap()).unwrap();
    let first = &data["posts"][0];
    let page = site.join(
        first["page"]
            .as_str()
            .unwrap()
            .trim_start_matches('/')
            .to_owned()
            + "index.html",
    );
    let page = fs::read_to_string(&page).unwrap();
    assert!(page.contains("<html lang=\"es\">"), "{page}");
    assert!(page.contains(">Ver en Instagram</a>"), "{page}");
    assert!(
        page.contains(&format!(">{}</time>", first["date_text"].as_str().unwrap())),
        "{page}"
    );
    assert_eq!(first["date_text"], "20 de noviembre de 2026");
    // The feeds name the language.
    let atom = fs::read_to_string(site.join("instagram/feed.xml")).unwrap();
    assert!(
        atom.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"es\">"),
        "{atom}"
    );
    let json: Value =
        serde_json::from_str(&fs::read_to_string(site.join("instagram/feed.json")).unwrap())
            .unwrap();
    assert_eq!(json["language"], "es");
}
