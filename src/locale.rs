//! The site's language, date format and time zone: `[render] lang`, `date_format`, `timezone` and
//! the `[render.words]` that replace built-in words, resolved once into a [`Locale`] that the
//! data file (the shown date, alt text), the partial, the post pages and the feeds read.
//!
//! `lang` is a BCP 47 tag as a site writes it in `<html lang>` (`de`, `de-AT`, `pt-BR`): its
//! primary subtag picks the words ([`crate::words`]), so a regional variant gets its language's.
//! A language without built-in words is not an error (a site in Italian can still give every
//! word in `[render.words]`): it gets the English ones, and a warning at each bake and in
//! `instabake doctor` says so. A tag that is not one (`"english"`, `"en us"`) is a config error.
//!
//! Dates are shown in `timezone` (UTC unless set): a post at 23:30 UTC is shown on the next day in
//! `Europe/Berlin`. IANA names are looked up in the time zone database compiled into the binary
//! (jiff's bundled copy), never the system's, so that a bake shows the same dates everywhere.

use std::collections::{BTreeMap, HashMap};

use jiff::tz::{Offset, TimeZone};
use serde::{Deserialize, Serialize};

use crate::words::{Language, Words, LISTS};

/// One entry of `[render.words]`: a word, or a list of names (`months`, `months_short`,
/// `weekdays`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum Word {
    Text(String),
    List(Vec<String>),
}

/// What `[render]` says of language, dates and words, as written.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LocaleSettings<'a> {
    pub lang: Option<&'a str>,
    pub date_format: Option<&'a str>,
    pub timezone: Option<&'a str>,
    pub words: Option<&'a BTreeMap<String, Word>>,
}

/// The resolved language, words, date format and time zone of a site.
#[derive(Debug, Clone)]
pub(crate) struct Locale {
    /// The `lang` tag (`_` written as `-`); `en` when unset. What `<html lang>` and the feeds say.
    pub tag: String,
    /// The language of the words and date forms; `None` when `lang` names a language without
    /// built-in words, whose words are then English.
    pub language: Option<Language>,
    /// The words, with `[render.words]` applied.
    pub words: Words,
    /// Whether `[render.words]` gives every word (then a language without built-in words needs
    /// no warning).
    every_word_given: bool,
    /// The date pattern (`%-d %B %Y`), with `date_format`'s preset resolved.
    pub pattern: String,
    time_zone: TimeZone,
    /// The time zone as written, `UTC` when unset.
    pub zone_name: String,
}

/// The dates a template shows of a post: `YYYY-MM-DD` and the text in the site's form, both of
/// the day in the site's time zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ShownDate {
    pub iso: String,
    pub text: String,
}

/// A moment as the calendar and clock of the site's time zone show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Civil {
    year: i16,
    month: i8,
    day: i8,
    /// Monday is 0.
    weekday: usize,
    hour: i8,
    minute: i8,
}

impl Default for Locale {
    fn default() -> Self {
        Locale::resolve(LocaleSettings::default()).expect("the defaults resolve")
    }
}

impl Locale {
    /// Resolves the settings; the error names the key and says what to write.
    pub(crate) fn resolve(settings: LocaleSettings<'_>) -> Result<Locale, String> {
        let (tag, language) = match settings.lang {
            Some(lang) => {
                let (tag, primary, _) = parse_tag(lang)?;
                let language = Language::of_subtag(&primary);
                (tag, language)
            }
            None => ("en".to_owned(), Some(Language::En)),
        };
        let (words, every_word_given) =
            with_overrides(Words::of(language.unwrap_or(Language::En)), settings.words)?;
        // Without `lang`, dates stay as they always were (`2026-11-20`); a site that names its
        // language gets its long form.
        let preset = settings.date_format.unwrap_or(if settings.lang.is_some() {
            "long"
        } else {
            "iso"
        });
        let pattern = date_pattern(preset, language, &tag)?;
        let zone_name = settings.timezone.unwrap_or("UTC").trim().to_owned();
        let time_zone = time_zone(&zone_name)?;
        Ok(Locale {
            tag,
            language,
            words,
            every_word_given,
            pattern,
            time_zone,
            zone_name,
        })
    }

    /// The warning a bake and `instabake doctor` give when `lang` names a language without
    /// built-in words and `[render.words]` does not give them all.
    pub(crate) fn warning(&self) -> Option<String> {
        if self.language.is_some() || self.every_word_given {
            return None;
        }
        let known: Vec<&str> = Language::ALL.iter().map(|l| l.code()).collect();
        Some(format!(
            "render.lang = {:?}: instabake has no words of its own in this language (it has {}), \
             so the partial shows English words and month names: give yours in [render.words] \
             (see README, \"Language and dates\")",
            self.tag,
            known.join(", ")
        ))
    }

    /// One line for `instabake doctor`: the language, an example date, the time zone.
    pub(crate) fn describe(&self) -> String {
        let words = match self.language {
            Some(language) => format!("{} words", language.name()),
            None => "English words (no built-in words in this language)".to_owned(),
        };
        let example = Civil {
            year: 2026,
            month: 12,
            day: 2,
            weekday: 2,
            hour: 12,
            minute: 0,
        };
        format!(
            "lang {}: {words}, dates like \"{}\", time zone {}",
            self.tag,
            format(&self.pattern, example, &self.words),
            self.zone_name
        )
    }

    /// The date of a post's timestamp (the API's `2026-11-20T12:00:00+0000`, or RFC 3339) in the
    /// site's time zone. A text that is no time but starts with a date is taken as that day.
    pub(crate) fn date(&self, timestamp: &str) -> Option<ShownDate> {
        let civil = match parse_time(timestamp) {
            Some(nanos) => {
                let second = i64::try_from(nanos.div_euclid(1_000_000_000)).ok()?;
                let moment = jiff::Timestamp::from_second(second).ok()?;
                let local = self.time_zone.to_datetime(moment);
                Civil {
                    year: local.year(),
                    month: local.month(),
                    day: local.day(),
                    weekday: weekday(local.date()),
                    hour: local.hour(),
                    minute: local.minute(),
                }
            }
            None => {
                let day = timestamp.get(..10)?;
                let mut parts = day.splitn(3, '-');
                let mut next = || parts.next().and_then(|p| p.parse::<i16>().ok());
                let (year, month, day) = (next()?, next()?, next()?);
                let date = jiff::civil::Date::new(
                    year,
                    i8::try_from(month).ok()?,
                    i8::try_from(day).ok()?,
                )
                .ok()?;
                Civil {
                    year,
                    month: date.month(),
                    day: date.day(),
                    weekday: weekday(date),
                    hour: 0,
                    minute: 0,
                }
            }
        };
        Some(ShownDate {
            iso: format!("{:04}-{:02}-{:02}", civil.year, civil.month, civil.day),
            text: format(&self.pattern, civil, &self.words),
        })
    }

    /// Whether `n` takes the singular word in the site's language (English rules for a
    /// language without built-in words).
    fn is_singular(&self, n: u64) -> bool {
        self.language.unwrap_or(Language::En).is_singular(n)
    }

    /// Registers the filters the built-in templates fill their words with, which a site's own
    /// template can use too:
    /// - `fill`: `{{ words.posts_by | fill(account="@shop") }}` replaces `{account}`;
    /// - `plural`: `{{ post.like_count | plural(one=words.like, other=words.likes) }}` picks
    ///   the word for the number, by the language's rule, and puts the number in `{count}`.
    pub(crate) fn register_filters(&self, tera: &mut tera::Tera) {
        tera.register_filter("fill", fill_filter);
        let this = self.clone();
        tera.register_filter(
            "plural",
            move |value: &tera::Value, args: &HashMap<String, tera::Value>| {
                let n = value
                    .as_u64()
                    .ok_or_else(|| tera::Error::msg("plural: the value must be a whole number"))?;
                let key = if this.is_singular(n) { "one" } else { "other" };
                let word = args.get(key).and_then(tera::Value::as_str).ok_or_else(|| {
                    tera::Error::msg(format!(
                        "plural: give `one` and `other` words ({key} missing)"
                    ))
                })?;
                Ok(tera::Value::String(crate::words::fill(
                    word,
                    &[("count", &n.to_string())],
                )))
            },
        );
    }
}

/// A post's time as the API writes it (`2026-11-20T12:00:00+0000`) or as RFC 3339, as a number
/// that sorts by time whatever the offset.
pub(crate) fn parse_time(text: &str) -> Option<i128> {
    use time::format_description::well_known::Rfc3339;
    let api = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory][offset_minute]"
    );
    time::OffsetDateTime::parse(text, &Rfc3339)
        .or_else(|_| time::OffsetDateTime::parse(text, api))
        .ok()
        .map(time::OffsetDateTime::unix_timestamp_nanos)
}

/// The `fill` filter: each argument's `{name}` in the text replaced by its value.
fn fill_filter(
    value: &tera::Value,
    args: &HashMap<String, tera::Value>,
) -> tera::Result<tera::Value> {
    let text = value
        .as_str()
        .ok_or_else(|| tera::Error::msg("fill: the value must be a text"))?;
    let values: Vec<(&str, String)> = args
        .iter()
        .map(|(name, value)| {
            let value = match value {
                tera::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (name.as_str(), value)
        })
        .collect();
    let pairs: Vec<(&str, &str)> = values.iter().map(|(n, v)| (*n, v.as_str())).collect();
    Ok(tera::Value::String(crate::words::fill(text, &pairs)))
}

fn weekday(date: jiff::civil::Date) -> usize {
    usize::try_from(date.weekday().to_monday_zero_offset()).unwrap_or(0)
}

/// A BCP 47 tag: subtags of 1 to 8 letters or digits joined by `-` (`_` is read as `-`), the
/// first of 2 to 8 letters. Returns the tag as written with `-`, its primary subtag, and its
/// region (`AT` of `de-AT`, after an optional script).
fn parse_tag(lang: &str) -> Result<(String, String, Option<String>), String> {
    let tag = lang.trim().replace('_', "-");
    let subtags: Vec<&str> = tag.split('-').collect();
    let primary = subtags[0];
    let well_formed = (2..=8).contains(&primary.len())
        && primary.bytes().all(|b| b.is_ascii_alphabetic())
        && subtags[1..]
            .iter()
            .all(|s| (1..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()));
    if !well_formed {
        return Err(format!(
            "render.lang = {lang:?} is not a language tag: write one as in <html lang>, such as \
             \"en\", \"de\", \"de-AT\", \"fr\", \"es\" or \"pt-BR\""
        ));
    }
    let region = subtags[1..]
        .iter()
        .find(|s| {
            (s.len() == 2 && s.bytes().all(|b| b.is_ascii_alphabetic()))
                || (s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()))
        })
        .map(|s| s.to_ascii_uppercase());
    Ok((tag.clone(), primary.to_ascii_lowercase(), region))
}

/// The date pattern of `date_format`: a preset (`long`, `medium`, `short` in the language's
/// form, `iso`) or a pattern of its own with `%` directives, which is checked.
fn date_pattern(format: &str, language: Option<Language>, tag: &str) -> Result<String, String> {
    let us = parse_tag(tag)
        .is_ok_and(|(_, primary, region)| primary == "en" && region.as_deref() == Some("US"));
    let language = language.unwrap_or(Language::En);
    let preset = match (format.trim(), language) {
        ("iso", _) => "%Y-%m-%d",
        ("long", Language::En) if us => "%B %-d, %Y",
        ("medium", Language::En) if us => "%b %-d, %Y",
        ("short", Language::En) if us => "%-m/%-d/%Y",
        ("long", Language::En | Language::Fr) => "%-d %B %Y",
        ("long", Language::De) => "%-d. %B %Y",
        ("long", Language::Es | Language::Pt) => "%-d de %B de %Y",
        ("medium", Language::En | Language::Fr | Language::Es) => "%-d %b %Y",
        ("medium", Language::De) => "%-d. %b %Y",
        ("medium", Language::Pt) => "%-d de %b de %Y",
        ("short", Language::De) => "%d.%m.%Y",
        ("short", _) => "%d/%m/%Y",
        _ => "",
    };
    if !preset.is_empty() {
        return Ok(preset.to_owned());
    }
    let hint = "use \"long\", \"medium\", \"short\", \"iso\" or a pattern such as \"%-d %B %Y\" \
                (%d day, %m month, %Y year, %B month name, %b short month name, %A weekday; \
                %-d and %-m without a leading zero; see README)";
    if !format.contains('%') {
        return Err(format!(
            "render.date_format = {format:?} is not a date format: {hint}"
        ));
    }
    let mut rest = format;
    while let Some(at) = rest.find('%') {
        rest = &rest[at + 1..];
        let directive = DIRECTIVES
            .iter()
            .find(|d| rest.starts_with(**d))
            .ok_or_else(|| {
                let bad: String = rest.chars().take(2).collect();
                format!("render.date_format = {format:?}: %{bad} is not a directive instabake knows: {hint}")
            })?;
        rest = &rest[directive.len()..];
    }
    Ok(format.to_owned())
}

/// The `%` directives a date pattern may use (longest first, so that `-d` is read before `d`).
const DIRECTIVES: [&str; 13] = [
    "-d", "-m", "-H", "Y", "y", "m", "d", "B", "b", "A", "H", "M", "%",
];

/// A moment written with a checked pattern.
fn format(pattern: &str, t: Civil, words: &Words) -> String {
    let name = |list: &[String], index: usize| list.get(index).cloned().unwrap_or_default();
    let month = usize::try_from(t.month - 1).unwrap_or(0);
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        let Some(directive) = DIRECTIVES.iter().find(|d| rest.starts_with(**d)) else {
            out.push('%');
            continue;
        };
        rest = &rest[directive.len()..];
        let text = match *directive {
            "-d" => t.day.to_string(),
            "-m" => t.month.to_string(),
            "-H" => t.hour.to_string(),
            "Y" => t.year.to_string(),
            "y" => format!("{:02}", t.year.rem_euclid(100)),
            "m" => format!("{:02}", t.month),
            "d" => format!("{:02}", t.day),
            "B" => name(&words.months, month),
            "b" => name(&words.months_short, month),
            "A" => name(&words.weekdays, t.weekday),
            "H" => format!("{:02}", t.hour),
            "M" => format!("{:02}", t.minute),
            _ => "%".to_owned(),
        };
        out.push_str(&text);
    }
    out.push_str(rest);
    out
}

/// `UTC`, a fixed offset (`+02:00`, `-0530`, `+2`) or an IANA name (`Europe/Berlin`).
fn time_zone(text: &str) -> Result<TimeZone, String> {
    if text.eq_ignore_ascii_case("utc") || text == "Z" {
        return Ok(TimeZone::UTC);
    }
    if let Some(offset) = offset(text) {
        return Ok(TimeZone::fixed(offset));
    }
    TimeZone::get(text).map_err(|_| {
        format!(
            "render.timezone = {text:?} is not a time zone: write an IANA name such as \
             \"Europe/Berlin\" or \"America/Sao_Paulo\", \"UTC\", or an offset such as \"+02:00\""
        )
    })
}

/// `+HH:MM`, `+HHMM` or `+HH` (or `-`), up to 18 hours.
fn offset(text: &str) -> Option<Offset> {
    let sign = match text.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = text[1..].chars().filter(|c| *c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) || ![1, 2, 4].contains(&digits.len()) {
        return None;
    }
    let (hours, minutes) = if digits.len() == 4 {
        (
            digits[..2].parse::<i32>().ok()?,
            digits[2..].parse::<i32>().ok()?,
        )
    } else {
        (digits.parse::<i32>().ok()?, 0)
    };
    if hours > 18 || minutes > 59 {
        return None;
    }
    Offset::from_seconds(sign * (hours * 3600 + minutes * 60)).ok()
}

/// The built-in words with `[render.words]` applied, and whether it gave every word. The error
/// names the key.
fn with_overrides(
    words: Words,
    overrides: Option<&BTreeMap<String, Word>>,
) -> Result<(Words, bool), String> {
    let Some(overrides) = overrides.filter(|o| !o.is_empty()) else {
        return Ok((words, false));
    };
    let serde_json::Value::Object(mut table) =
        serde_json::to_value(&words).expect("words serialise")
    else {
        unreachable!("words are a table")
    };
    let names = table.keys().cloned().collect::<Vec<_>>().join(", ");
    for (key, value) in overrides {
        let Some(current) = table.get(key) else {
            return Err(format!(
                "render.words.{key} is not one of the words: they are {names}"
            ));
        };
        let list = LISTS.iter().find(|(name, _)| name == key);
        let value = match (value, list, current) {
            (Word::Text(text), None, _) => serde_json::Value::from(text.clone()),
            (Word::List(names), Some((_, len)), _) if names.len() == *len => {
                serde_json::Value::from(names.clone())
            }
            (_, Some((_, len)), _) => {
                return Err(format!(
                    "render.words.{key} must be a list of {len} names, as [\"...\", ...]"
                ))
            }
            (Word::List(_), None, _) => {
                return Err(format!("render.words.{key} must be a text, as \"...\""))
            }
        };
        table.insert(key.clone(), value);
    }
    let every = table.keys().all(|key| overrides.contains_key(key));
    let words = serde_json::from_value(serde_json::Value::Object(table))
        .map_err(|e| format!("render.words: {e}"))?;
    Ok((words, every))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locale(lang: Option<&str>, date_format: Option<&str>, timezone: Option<&str>) -> Locale {
        Locale::resolve(LocaleSettings {
            lang,
            date_format,
            timezone,
            words: None,
        })
        .unwrap()
    }

    fn text(locale: &Locale, timestamp: &str) -> String {
        locale.date(timestamp).unwrap().text
    }

    const NOON: &str = "2026-12-02T12:00:00+0000";

    #[test]
    fn each_language_has_its_long_date() {
        for (lang, expected) in [
            ("en", "2 December 2026"),
            ("en-GB", "2 December 2026"),
            ("en-US", "December 2, 2026"),
            ("de", "2. Dezember 2026"),
            ("de-AT", "2. Dezember 2026"),
            ("fr", "2 décembre 2026"),
            ("fr-CA", "2 décembre 2026"),
            ("es", "2 de diciembre de 2026"),
            ("pt", "2 de dezembro de 2026"),
            ("pt_BR", "2 de dezembro de 2026"),
        ] {
            assert_eq!(
                text(&locale(Some(lang), None, None), NOON),
                expected,
                "{lang}"
            );
        }
        // Without `lang`, the date as it always was.
        assert_eq!(text(&locale(None, None, None), NOON), "2026-12-02");
    }

    #[test]
    fn presets_and_patterns() {
        for (lang, format, expected) in [
            ("de", "medium", "2. Dez. 2026"),
            ("de", "short", "02.12.2026"),
            ("fr", "medium", "2 déc. 2026"),
            ("pt", "medium", "2 de dez. de 2026"),
            ("es", "short", "02/12/2026"),
            ("en-US", "short", "12/2/2026"),
            ("en", "iso", "2026-12-02"),
            (
                "fr",
                "%A %-d %B %Y, %H:%M",
                "mercredi 2 décembre 2026, 12:00",
            ),
            ("en", "%d %b %y 100%%", "02 Dec 26 100%"),
        ] {
            assert_eq!(
                text(&locale(Some(lang), Some(format), None), NOON),
                expected,
                "{lang} {format}"
            );
        }
        for bad in ["dd.mm.yyyy", "%-d %Q", "%"] {
            let err = Locale::resolve(LocaleSettings {
                date_format: Some(bad),
                ..LocaleSettings::default()
            })
            .unwrap_err();
            assert!(
                err.contains("render.date_format") && err.contains("%-d %B %Y"),
                "{err}"
            );
        }
    }

    /// A post late in the evening in UTC is on the next day in Berlin, and the day before in
    /// New York when early in the morning; the ISO date moves with it.
    #[test]
    fn the_time_zone_moves_the_day() {
        let late = "2026-12-01T23:30:00+0000";
        let early = "2026-12-02T03:00:00Z";
        let de = |zone| locale(Some("de"), None, Some(zone));
        assert_eq!(text(&de("UTC"), late), "1. Dezember 2026");
        assert_eq!(text(&de("Europe/Berlin"), late), "2. Dezember 2026");
        assert_eq!(de("Europe/Berlin").date(late).unwrap().iso, "2026-12-02");
        assert_eq!(text(&de("+01:00"), late), "2. Dezember 2026");
        assert_eq!(text(&de("+0015"), late), "1. Dezember 2026");
        assert_eq!(text(&de("America/New_York"), early), "1. Dezember 2026");
        assert_eq!(text(&de("-05:00"), early), "1. Dezember 2026");
        // Summer time: Berlin is two hours ahead in July.
        assert_eq!(
            locale(Some("en"), Some("%H:%M"), Some("Europe/Berlin"))
                .date("2026-07-01T22:30:00Z")
                .unwrap()
                .text,
            "00:30"
        );
        for bad in ["Europe/Berln", "+25:00", "CEST+", ""] {
            let err = Locale::resolve(LocaleSettings {
                timezone: Some(bad),
                ..LocaleSettings::default()
            })
            .unwrap_err();
            assert!(
                err.contains("render.timezone") && err.contains("Europe/Berlin"),
                "{err}"
            );
        }
        // A text that is no time but starts with a date is that day, in any zone.
        assert_eq!(
            text(&de("Europe/Berlin"), "2026-12-01 sometime"),
            "1. Dezember 2026"
        );
        assert!(de("UTC").date("yesterday").is_none());
    }

    #[test]
    fn language_tags() {
        let de = locale(Some("de-AT"), None, None);
        assert_eq!(
            (de.tag.as_str(), de.language),
            ("de-AT", Some(Language::De))
        );
        assert_eq!(de.warning(), None);
        let it = locale(Some("it"), None, None);
        assert_eq!(it.language, None);
        assert_eq!(it.words, Words::of(Language::En));
        let warning = it.warning().unwrap();
        assert!(
            warning.contains("\"it\"") && warning.contains("[render.words]"),
            "{warning}"
        );
        assert!(it.describe().contains("English words"), "{}", it.describe());
        for bad in ["english!", "en US", "", "e", "de-", "x-toolongsubtag"] {
            let err = Locale::resolve(LocaleSettings {
                lang: Some(bad),
                ..LocaleSettings::default()
            })
            .unwrap_err();
            assert!(err.contains("render.lang"), "{bad}: {err}");
        }
        assert_eq!(locale(None, None, None).tag, "en");
    }

    #[test]
    fn overrides_replace_words_and_are_checked() {
        let mut words = BTreeMap::new();
        words.insert("close".to_owned(), Word::Text("Zumachen".to_owned()));
        let months: Vec<String> = (1..=12).map(|m| format!("M{m}")).collect();
        words.insert("months".to_owned(), Word::List(months));
        let settings = LocaleSettings {
            lang: Some("de"),
            words: Some(&words),
            ..LocaleSettings::default()
        };
        let locale = Locale::resolve(settings).unwrap();
        assert_eq!(locale.words.close, "Zumachen");
        assert_eq!(locale.words.follow, "Auf Instagram folgen");
        assert_eq!(text(&locale, NOON), "2. M12 2026");
        for (key, value, expected) in [
            (
                "clsoe",
                Word::Text("x".into()),
                "render.words.clsoe is not one of the words",
            ),
            ("months", Word::List(vec!["x".into()]), "list of 12 names"),
            ("months", Word::Text("x".into()), "list of 12 names"),
            ("close", Word::List(vec![]), "must be a text"),
        ] {
            let words = BTreeMap::from([(key.to_owned(), value)]);
            let err = Locale::resolve(LocaleSettings {
                words: Some(&words),
                ..LocaleSettings::default()
            })
            .unwrap_err();
            assert!(err.contains(expected), "{key}: {err}");
        }
        // Every word given: a language without built-in words needs no warning.
        let all: BTreeMap<String, Word> =
            serde_json::from_value(serde_json::to_value(Words::of(Language::Fr)).unwrap()).unwrap();
        let it = Locale::resolve(LocaleSettings {
            lang: Some("it"),
            words: Some(&all),
            ..LocaleSettings::default()
        })
        .unwrap();
        assert_eq!(it.warning(), None);
        assert_eq!(it.words.close, "Fermer");
    }

    #[test]
    fn the_filters_fill_and_pick_the_plural() {
        let render = |lang: &str, template: &str| {
            let locale = locale(Some(lang), None, None);
            let mut tera = tera::Tera::default();
            locale.register_filters(&mut tera);
            tera.add_raw_template("t", template).unwrap();
            let mut context = tera::Context::new();
            context.insert("words", &locale.words);
            tera.render("t", &context).unwrap()
        };
        let counts = "{% for n in [0, 1, 2] %}{{ n | plural(one=words.comment, \
                      other=words.comments) }};{% endfor %}";
        assert_eq!(render("en", counts), "0 comments;1 comment;2 comments;");
        assert_eq!(
            render("fr", counts),
            "0 commentaire;1 commentaire;2 commentaires;"
        );
        assert_eq!(
            render("es", "{{ words.posts_by | fill(account=\"@a, @b\") }}"),
            "Publicaciones de Instagram de @a, @b"
        );
        assert_eq!(
            render("pt", "{{ words.album | fill(count=3) }}"),
            "Álbum de 3: deslize para o lado"
        );
    }
}
