//! Instagram's export writes text as UTF-8 bytes, each escaped as its own code point: "café" is
//! `"caf\u00c3\u00a9"` in the JSON, which a JSON parser reads as "cafÃ©". [`fix`] puts the bytes
//! back together.

/// The text as it was written: when every character of `text` is at most U+00FF, at least one is
/// above ASCII, and those characters taken as bytes are valid UTF-8, the decoded bytes; otherwise
/// `text` unchanged. A caption that is already correct (an emoji, any character past U+00FF, or
/// Latin-1 letters that do not form UTF-8, like a lone "é") is left alone, so fixing twice is the
/// same as fixing once.
pub(crate) fn fix(text: &str) -> String {
    if text.is_ascii() {
        return text.to_owned();
    }
    let bytes: Option<Vec<u8>> = text.chars().map(|c| u8::try_from(c).ok()).collect();
    bytes
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_else(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::fix;

    /// The text as the export writes it: each UTF-8 byte as its own code point.
    fn mangle(text: &str) -> String {
        text.bytes().map(char::from).collect()
    }

    #[test]
    fn escaped_bytes_become_text_again() {
        for text in [
            "café crème",
            "Ünïcödé ñ ß",
            "New roast ☕🔥 #coffee",
            "👩‍👩‍👧 family",
            "İlk reel denemem",
            "한도윤 바다",
            "line one\nline two",
        ] {
            assert_eq!(fix(&mangle(text)), text, "{text}");
        }
        // As the JSON parser reads it.
        let parsed: String =
            serde_json::from_str(r#""caf\u00c3\u00a9 \u00e2\u0098\u0095""#).unwrap();
        assert_eq!(fix(&parsed), "café ☕");
    }

    #[test]
    fn correct_text_is_left_alone() {
        for text in [
            "plain ascii",
            "",
            "café",      // é alone is not UTF-8 as a byte
            "☕ coffee", // past U+00FF: not the export's form
            "naïve résumé",
            "Ã", // a lone lead byte
        ] {
            assert_eq!(fix(text), text, "{text}");
        }
        // Fixing twice is fixing once.
        let once = fix(&mangle("crème brûlée 🍮"));
        assert_eq!(fix(&once), once);
    }
}
