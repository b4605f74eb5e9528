//! Every word the built-in templates show, in the languages instabake speaks: the labels of the
//! partial, the lightbox and the post pages, the alt text of posts that have none, and the names
//! of months and weekdays the shown dates are written with.
//!
//! A site picks its language with `[render] lang`; each word can be replaced in
//! `[render.words]`, under the name of its field here ([`crate::locale`] merges the two). A word
//! may hold placeholders that the template fills in: `{account}` (an `@username`, or several
//! joined with commas), `{count}` (a number) and `{what}` (the `alt_photo`, `alt_video` or
//! `alt_album` word). Words are text: the templates escape them like any text from Instagram.

use serde::{Deserialize, Serialize};

/// The languages with built-in words. A `lang` whose primary subtag is none of them gets the
/// English words (with a warning).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Language {
    En,
    De,
    Fr,
    Es,
    Pt,
}

impl Language {
    /// Every language with built-in words, in the order the README lists them.
    pub(crate) const ALL: [Language; 5] = [
        Language::En,
        Language::De,
        Language::Fr,
        Language::Es,
        Language::Pt,
    ];

    /// The language of a primary subtag (`de` of `de-AT`), in any case.
    pub(crate) fn of_subtag(subtag: &str) -> Option<Language> {
        Language::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(subtag))
    }

    /// The ISO 639-1 code: `en`, `de`, `fr`, `es`, `pt`.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::De => "de",
            Language::Fr => "fr",
            Language::Es => "es",
            Language::Pt => "pt",
        }
    }

    /// The language's name in English, for messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Language::En => "English",
            Language::De => "German",
            Language::Fr => "French",
            Language::Es => "Spanish",
            Language::Pt => "Portuguese",
        }
    }

    /// Whether `n` takes the singular word (`like`, `comment`): in French and Portuguese 0 does
    /// too ("0 commentaire"), as the Unicode plural rules say.
    pub(crate) fn is_singular(self, n: u64) -> bool {
        match self {
            Language::Fr | Language::Pt => n <= 1,
            Language::En | Language::De | Language::Es => n == 1,
        }
    }
}

/// The words of one language. The field names are the keys of `[render.words]` and of `words`
/// in templates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Words {
    /// The feed's label, when no username is known.
    pub posts: String,
    /// The feed's label: `{account}`.
    pub posts_by: String,
    /// The label of the strip layout's scroller.
    pub scroll_posts: String,
    /// The label of a carousel's scroller: `{count}` items.
    pub album: String,
    /// The small link of a carousel or video tile to the post on Instagram.
    pub instagram: String,
    /// The small link of a carousel or video tile to a `[posts.X] link` or the post's page.
    pub open: String,
    /// The lightbox's close button.
    pub close: String,
    /// The lightbox's link to the post's page on the site (`[pages]`).
    pub open_post: String,
    /// The lightbox's link to a `[posts.X] link`.
    pub open_link: String,
    /// The link to the post on Instagram (lightbox, post pages).
    pub view_on_instagram: String,
    /// The header's follow button.
    pub follow: String,
    /// The link to a profile under the grid, and the feeds' title: `{account}`.
    pub on_instagram: String,
    /// `{count}` likes, one of them (see [`Language::is_singular`]).
    pub like: String,
    /// `{count}` likes, several.
    pub likes: String,
    /// `{count}` comments, one of them.
    pub comment: String,
    /// `{count}` comments, several.
    pub comments: String,
    /// The alt text of a photo without alt text or caption.
    pub alt_photo: String,
    /// The alt text of a video without alt text or caption.
    pub alt_video: String,
    /// The alt text of a carousel without alt text or caption.
    pub alt_album: String,
    /// One of the three above (`{what}`) with its author (`{account}`).
    pub alt_by: String,
    /// The profile picture's alt text, without a name.
    pub alt_profile: String,
    /// The profile picture's alt text: `{account}`.
    pub alt_profile_of: String,
    /// January to December, for `%B` in `date_format`.
    pub months: Vec<String>,
    /// January to December, short, for `%b`.
    pub months_short: Vec<String>,
    /// Monday to Sunday, for `%A`.
    pub weekdays: Vec<String>,
}

/// How many names each list holds.
pub(crate) const LISTS: [(&str, usize); 3] =
    [("months", 12), ("months_short", 12), ("weekdays", 7)];

/// A language's built-in words, as literals.
struct Table {
    words: [&'static str; 22],
    months: [&'static str; 12],
    months_short: [&'static str; 12],
    weekdays: [&'static str; 7],
}

impl Words {
    /// The built-in words of `language`.
    pub(crate) fn of(language: Language) -> Words {
        let table = match language {
            Language::En => &EN,
            Language::De => &DE,
            Language::Fr => &FR,
            Language::Es => &ES,
            Language::Pt => &PT,
        };
        let [posts, posts_by, scroll_posts, album, instagram, open, close, open_post, open_link, view_on_instagram, follow, on_instagram, like, likes, comment, comments, alt_photo, alt_video, alt_album, alt_by, alt_profile, alt_profile_of] =
            table.words.map(str::to_owned);
        let list = |names: &[&str]| names.iter().map(|&n| n.to_owned()).collect();
        Words {
            posts,
            posts_by,
            scroll_posts,
            album,
            instagram,
            open,
            close,
            open_post,
            open_link,
            view_on_instagram,
            follow,
            on_instagram,
            like,
            likes,
            comment,
            comments,
            alt_photo,
            alt_video,
            alt_album,
            alt_by,
            alt_profile,
            alt_profile_of,
            months: list(&table.months),
            months_short: list(&table.months_short),
            weekdays: list(&table.weekdays),
        }
    }
}

/// `text` with each `{name}` of `values` replaced by its value.
pub(crate) fn fill(text: &str, values: &[(&str, &str)]) -> String {
    let mut out = text.to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

// The tables, in the order of the fields of `Words`. French puts a no-break space before a colon.

const EN: Table = Table {
    words: [
        "Instagram posts",
        "Instagram posts by {account}",
        "Posts: scroll sideways",
        "Album of {count}: scroll sideways",
        "Instagram",
        "Open",
        "Close",
        "Open the post",
        "Open the link",
        "View on Instagram",
        "Follow on Instagram",
        "{account} on Instagram",
        "{count} like",
        "{count} likes",
        "{count} comment",
        "{count} comments",
        "Photo from Instagram",
        "Video from Instagram",
        "Photo album from Instagram",
        "{what} by {account}",
        "Profile picture",
        "Profile picture of {account}",
    ],
    months: [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    months_short: [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ],
    weekdays: [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ],
};

const DE: Table = Table {
    words: [
        "Instagram-Beiträge",
        "Instagram-Beiträge von {account}",
        "Beiträge: seitwärts scrollen",
        "Album mit {count} Elementen: seitwärts scrollen",
        "Instagram",
        "Öffnen",
        "Schließen",
        "Beitrag öffnen",
        "Link öffnen",
        "Auf Instagram ansehen",
        "Auf Instagram folgen",
        "{account} auf Instagram",
        "{count} „Gefällt mir“-Angabe",
        "{count} „Gefällt mir“-Angaben",
        "{count} Kommentar",
        "{count} Kommentare",
        "Instagram-Foto",
        "Instagram-Video",
        "Instagram-Fotoalbum",
        "{what} von {account}",
        "Profilbild",
        "Profilbild von {account}",
    ],
    months: [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ],
    months_short: [
        "Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.",
        "Dez.",
    ],
    weekdays: [
        "Montag",
        "Dienstag",
        "Mittwoch",
        "Donnerstag",
        "Freitag",
        "Samstag",
        "Sonntag",
    ],
};

const FR: Table = Table {
    words: [
        "Publications Instagram",
        "Publications Instagram de {account}",
        "Publications\u{a0}: faire défiler horizontalement",
        "Album de {count} éléments\u{a0}: faire défiler horizontalement",
        "Instagram",
        "Ouvrir",
        "Fermer",
        "Ouvrir la publication",
        "Ouvrir le lien",
        "Voir sur Instagram",
        "Suivre sur Instagram",
        "{account} sur Instagram",
        "{count} J’aime",
        "{count} J’aime",
        "{count} commentaire",
        "{count} commentaires",
        "Photo Instagram",
        "Vidéo Instagram",
        "Album photo Instagram",
        "{what} de {account}",
        "Photo de profil",
        "Photo de profil de {account}",
    ],
    months: [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    months_short: [
        "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
        "déc.",
    ],
    weekdays: [
        "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
    ],
};

const ES: Table = Table {
    words: [
        "Publicaciones de Instagram",
        "Publicaciones de Instagram de {account}",
        "Publicaciones: desplázate hacia los lados",
        "Álbum de {count}: desplázate hacia los lados",
        "Instagram",
        "Abrir",
        "Cerrar",
        "Abrir la publicación",
        "Abrir el enlace",
        "Ver en Instagram",
        "Seguir en Instagram",
        "{account} en Instagram",
        "{count} me gusta",
        "{count} me gusta",
        "{count} comentario",
        "{count} comentarios",
        "Foto de Instagram",
        "Vídeo de Instagram",
        "Álbum de fotos de Instagram",
        "{what} de {account}",
        "Foto del perfil",
        "Foto del perfil de {account}",
    ],
    months: [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
    months_short: [
        "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic",
    ],
    weekdays: [
        "lunes",
        "martes",
        "miércoles",
        "jueves",
        "viernes",
        "sábado",
        "domingo",
    ],
};

const PT: Table = Table {
    words: [
        "Publicações do Instagram",
        "Publicações do Instagram de {account}",
        "Publicações: deslize para o lado",
        "Álbum de {count}: deslize para o lado",
        "Instagram",
        "Abrir",
        "Fechar",
        "Abrir a publicação",
        "Abrir o link",
        "Ver no Instagram",
        "Seguir no Instagram",
        "{account} no Instagram",
        "{count} curtida",
        "{count} curtidas",
        "{count} comentário",
        "{count} comentários",
        "Foto do Instagram",
        "Vídeo do Instagram",
        "Álbum de fotos do Instagram",
        "{what} de {account}",
        "Foto do perfil",
        "Foto do perfil de {account}",
    ],
    months: [
        "janeiro",
        "fevereiro",
        "março",
        "abril",
        "maio",
        "junho",
        "julho",
        "agosto",
        "setembro",
        "outubro",
        "novembro",
        "dezembro",
    ],
    months_short: [
        "jan.", "fev.", "mar.", "abr.", "mai.", "jun.", "jul.", "ago.", "set.", "out.", "nov.",
        "dez.",
    ],
    weekdays: [
        "segunda-feira",
        "terça-feira",
        "quarta-feira",
        "quinta-feira",
        "sexta-feira",
        "sábado",
        "domingo",
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    /// Every language has every word, each with the placeholders its use fills in and no other,
    /// and no two languages share a table by mistake.
    #[test]
    fn every_language_has_every_word_with_its_placeholders() {
        let placeholders = |text: &str| -> Vec<String> {
            text.split('{')
                .skip(1)
                .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
                .collect()
        };
        let english = serde_json::to_value(Words::of(Language::En)).unwrap();
        for language in Language::ALL {
            let words = serde_json::to_value(Words::of(language)).unwrap();
            for (key, value) in words.as_object().unwrap() {
                match value {
                    serde_json::Value::String(text) => {
                        assert!(!text.trim().is_empty(), "{language:?}.{key}");
                        assert_eq!(
                            placeholders(text),
                            placeholders(english[key].as_str().unwrap()),
                            "{language:?}.{key} = {text:?}"
                        );
                    }
                    serde_json::Value::Array(names) => {
                        let (_, len) = LISTS.iter().find(|(name, _)| name == key).unwrap();
                        assert_eq!(names.len(), *len, "{language:?}.{key}");
                    }
                    other => panic!("{key}: {other}"),
                }
            }
            if language != Language::En {
                assert_ne!(words["close"], english["close"], "{language:?}");
                assert_ne!(words["months"], english["months"], "{language:?}");
            }
        }
    }

    #[test]
    fn words_per_language() {
        let expect = [
            (Language::En, "Close", "Follow on Instagram", "December"),
            (
                Language::De,
                "Schließen",
                "Auf Instagram folgen",
                "Dezember",
            ),
            (Language::Fr, "Fermer", "Suivre sur Instagram", "décembre"),
            (Language::Es, "Cerrar", "Seguir en Instagram", "diciembre"),
            (Language::Pt, "Fechar", "Seguir no Instagram", "dezembro"),
        ];
        for (language, close, follow, december) in expect {
            let words = Words::of(language);
            assert_eq!(words.close, close);
            assert_eq!(words.follow, follow);
            assert_eq!(words.months[11], december);
            assert_eq!(
                Language::of_subtag(&language.code().to_uppercase()),
                Some(language)
            );
        }
        assert_eq!(
            fill(&Words::of(Language::De).album, &[("count", "3")]),
            "Album mit 3 Elementen: seitwärts scrollen"
        );
        assert!(Language::Fr.is_singular(0) && !Language::En.is_singular(0));
        assert!(Language::De.is_singular(1) && !Language::Pt.is_singular(2));
    }
}
