//! Caption text: hashtags, mentions, and the caption without its trailing hashtag block.
//!
//! Instagram captions often end in a wall of hashtags (after a few filler lines of dots). Sites want
//! the text without that wall, and the tags as a list. Everything here works on Unicode text: tags
//! are written in every script.

/// Hashtags in the order they appear, without `#`, each once (compared case-insensitively).
pub(crate) fn hashtags(caption: &str) -> Vec<String> {
    tokens_after(caption, '#', |c| c.is_alphanumeric() || c == '_')
}

/// Mentioned usernames in the order they appear, without `@`, each once.
pub(crate) fn mentions(caption: &str) -> Vec<String> {
    tokens_after(caption, '@', |c| {
        c.is_ascii_alphanumeric() || c == '_' || c == '.'
    })
    .into_iter()
    .map(|m| m.trim_end_matches('.').to_owned())
    .filter(|m| !m.is_empty())
    .collect()
}

/// The caption without its trailing block of hashtags and filler lines (`.`, `•`, `-`), trimmed.
pub(crate) fn without_trailing_hashtags(caption: &str) -> String {
    let mut lines: Vec<&str> = caption.lines().collect();
    while let Some(last) = lines.last() {
        if is_tag_or_filler_line(last) {
            lines.pop();
        } else {
            break;
        }
    }
    let Some(last) = lines.pop() else {
        return String::new();
    };
    // Tags at the end of the last real line go too: "Sunny day #beach #sun" -> "Sunny day".
    let mut words: Vec<&str> = last.split_whitespace().collect();
    let mut cut = false;
    while words.last().is_some_and(|w| is_tag(w)) {
        words.pop();
        cut = true;
    }
    let last = if cut {
        words.join(" ")
    } else {
        last.trim_end().to_owned()
    };
    lines.push(&last);
    lines.join("\n").trim().to_owned()
}

fn is_tag(word: &str) -> bool {
    word.len() > 1 && word.starts_with('#') && !hashtags(word).is_empty()
}

fn is_tag_or_filler_line(line: &str) -> bool {
    line.split_whitespace().all(|w| {
        is_tag(w)
            || w.chars()
                .all(|c| matches!(c, '.' | '•' | '·' | '-' | '_' | '⠀'))
    })
}

fn tokens_after(text: &str, marker: char, allowed: impl Fn(char) -> bool) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut previous: Option<char> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((index, c)) = chars.next() {
        let starts = c == marker && !previous.is_some_and(|p| p.is_alphanumeric() || p == '_');
        previous = Some(c);
        if !starts {
            continue;
        }
        let start = index + c.len_utf8();
        let mut end = start;
        while let Some(&(i, next)) = chars.peek() {
            if !allowed(next) {
                break;
            }
            end = i + next.len_utf8();
            previous = Some(next);
            chars.next();
        }
        let token = &text[start..end];
        if !token.is_empty()
            && !found
                .iter()
                .any(|f| f.to_lowercase() == token.to_lowercase())
        {
            found.push(token.to_owned());
        }
    }
    found
}

/// A piece of a caption as a page shows it: text, a hashtag or mention to link, or a line break.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub(crate) enum Piece {
    Text {
        text: String,
    },
    /// `#tag`, to link to Instagram's page of the tag.
    Tag {
        text: String,
        tag: String,
    },
    /// `@user`, to link to the user's profile.
    Mention {
        text: String,
        user: String,
    },
    Break,
}

/// The caption in pieces, by the same rules as [`hashtags`] and [`mentions`]: a `#` or `@` after a
/// letter, digit or `_` (an e-mail address) starts nothing, and a mention's trailing dots are
/// text. Line breaks are pieces of their own, so a page can show them without raw newlines.
pub(crate) fn pieces(caption: &str) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::new();
    let mut text = String::new();
    let flush = |text: &mut String, out: &mut Vec<Piece>| {
        if !text.is_empty() {
            out.push(Piece::Text {
                text: std::mem::take(text),
            });
        }
    };
    let chars: Vec<char> = caption.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let after_word = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if c == '\n' {
            flush(&mut text, &mut out);
            out.push(Piece::Break);
            i += 1;
            continue;
        }
        if c == '\r' {
            i += 1;
            continue;
        }
        if (c == '#' || c == '@') && !after_word {
            let allowed = |ch: char| {
                if c == '#' {
                    ch.is_alphanumeric() || ch == '_'
                } else {
                    ch.is_ascii_alphanumeric() || ch == '_' || ch == '.'
                }
            };
            let mut end = i + 1;
            while end < chars.len() && allowed(chars[end]) {
                end += 1;
            }
            let mut token: String = chars[i + 1..end].iter().collect();
            if c == '@' {
                let trimmed = token.trim_end_matches('.').len();
                end -= token.len() - trimmed;
                token.truncate(trimmed);
            }
            if !token.is_empty() {
                flush(&mut text, &mut out);
                let shown: String = chars[i..end].iter().collect();
                out.push(if c == '#' {
                    Piece::Tag {
                        text: shown,
                        tag: token,
                    }
                } else {
                    Piece::Mention {
                        text: shown,
                        user: token,
                    }
                });
                i = end;
                continue;
            }
        }
        text.push(c);
        i += 1;
    }
    flush(&mut text, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_tags_and_mentions() {
        let caption =
            "Coffee with @jane.doe and @bob_1. #Coffee #latte #coffee email@example.com #café";
        assert_eq!(hashtags(caption), ["Coffee", "latte", "café"]);
        assert_eq!(mentions(caption), ["jane.doe", "bob_1"]);
    }

    #[test]
    fn strips_the_trailing_block() {
        let caption = "New roast is in!\nCome by #today\n.\n.\n.\n#coffee #roastery\n#beans";
        assert_eq!(
            without_trailing_hashtags(caption),
            "New roast is in!\nCome by"
        );
        assert_eq!(without_trailing_hashtags("#only #tags"), "");
        assert_eq!(
            without_trailing_hashtags("#1 in town, really"),
            "#1 in town, really"
        );
        assert_eq!(without_trailing_hashtags("Plain text  "), "Plain text");
    }

    #[test]
    fn works_across_scripts() {
        assert_eq!(hashtags("Привет #москва #日本"), ["москва", "日本"]);
    }

    #[test]
    fn pieces_link_tags_and_mentions_only() {
        let pieces = pieces("Hi @jane.doe. #Coffee\nmail a@b.c #");
        assert_eq!(
            pieces,
            [
                Piece::Text { text: "Hi ".into() },
                Piece::Mention {
                    text: "@jane.doe".into(),
                    user: "jane.doe".into()
                },
                Piece::Text { text: ". ".into() },
                Piece::Tag {
                    text: "#Coffee".into(),
                    tag: "Coffee".into()
                },
                Piece::Break,
                Piece::Text {
                    text: "mail a@b.c #".into()
                },
            ]
        );
    }
}
