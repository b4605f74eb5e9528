//! The JSON layouts of Instagram's "Export your information" archive, as far as posts go.
//!
//! Each layout is a fixture of ours in `tests/fixtures/export/` (see its README):
//!
//! - since 2024: `your_instagram_activity/content/posts_1.json` (then `posts_2.json`, ...) and
//!   `your_instagram_activity/content/reels.json`, media under `media/posts/YYYYMM/` and
//!   `media/reels/YYYYMM/`, the username in
//!   `personal_information/personal_information/personal_information.json`;
//! - 2020 to 2023: the same files under `content/` (`content/posts_1.json`, `content/reels.json`),
//!   the username in `account_information/personal_information.json`;
//! - some exports of that time: `media/posts_1.json` (and `media/reels.json`).
//!
//! A posts file is a list of posts, each `{media: [{uri, creation_timestamp, title, ...}], title?,
//! creation_timestamp?}`: a carousel has several media, its caption in the top-level `title`; a
//! single photo often has no top-level `title` or time, only its media's. `reels.json` is
//! `{"ig_reels_media": [post, ...]}`. Any of these may sit one folder down in a zip (a zipped
//! folder). Every string is mojibake ([`crate::mojibake`]).

use serde::Deserialize;

/// Where posts files are looked for, relative to the export's top: (folder, is it reels).
const PLACES: [&str; 3] = ["your_instagram_activity/content/", "content/", "media/"];

/// Where the username is looked for, relative to the export's top.
pub(crate) const PERSONAL_INFORMATION: [&str; 3] = [
    "personal_information/personal_information/personal_information.json",
    "account_information/personal_information.json",
    "personal_information/personal_information.json",
];

/// The posts files of an export: `(prefix, files)`, where `prefix` is the folder the export's top
/// is in (empty, or one folder of a zipped folder, ending in `/`), and `files` are the full names
/// of its posts files (`posts_N.json` in order, then `reels.json`) in the first place that has
/// any.
pub(crate) fn posts_files(names: &[&str]) -> Option<(String, Vec<String>)> {
    for place in PLACES {
        let mut found: Vec<(u32, String)> = Vec::new();
        let mut prefix = None;
        for &name in names {
            let Some(at) = name.find(place) else {
                continue;
            };
            let (top, rest) = (&name[..at], &name[at + place.len()..]);
            // The export's top is the archive's, or one folder down.
            if !(top.is_empty() || (top.ends_with('/') && top.matches('/').count() == 1)) {
                continue;
            }
            let order = if rest == "reels.json" {
                u32::MAX
            } else if let Some(n) = rest
                .strip_prefix("posts_")
                .and_then(|r| r.strip_suffix(".json"))
                .and_then(|n| n.parse::<u32>().ok())
            {
                n
            } else {
                continue;
            };
            if prefix.get_or_insert_with(|| top.to_owned()) != top {
                continue;
            }
            found.push((order, name.to_owned()));
        }
        if let Some(prefix) = prefix {
            found.sort();
            return Some((prefix, found.into_iter().map(|(_, name)| name).collect()));
        }
    }
    None
}

/// A posts file: a list of posts, or an object holding one (`{"ig_reels_media": [...]}`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum PostsFile {
    List(Vec<ExportPost>),
    Wrapped(std::collections::BTreeMap<String, Vec<ExportPost>>),
}

impl PostsFile {
    pub(crate) fn into_posts(self) -> Vec<ExportPost> {
        match self {
            PostsFile::List(posts) => posts,
            PostsFile::Wrapped(lists) => lists.into_values().flatten().collect(),
        }
    }
}

/// One post as the export writes it.
#[derive(Debug, Deserialize)]
pub(crate) struct ExportPost {
    #[serde(default)]
    pub media: Vec<ExportMedia>,
    pub title: Option<String>,
    pub creation_timestamp: Option<i64>,
}

/// One media file of a post.
#[derive(Debug, Deserialize)]
pub(crate) struct ExportMedia {
    pub uri: String,
    pub creation_timestamp: Option<i64>,
    pub title: Option<String>,
}

/// `personal_information.json`: `{"profile_user": [{"string_map_data": {"Username": {"value"}}}]}`.
#[derive(Debug, Deserialize)]
pub(crate) struct PersonalInformation {
    #[serde(default)]
    profile_user: Vec<ProfileUser>,
}

#[derive(Debug, Deserialize)]
struct ProfileUser {
    #[serde(default)]
    string_map_data: std::collections::BTreeMap<String, StringValue>,
}

#[derive(Debug, Deserialize)]
struct StringValue {
    value: Option<String>,
}

impl PersonalInformation {
    /// The username, as written (mojibake and all).
    pub(crate) fn username(&self) -> Option<&str> {
        self.profile_user
            .iter()
            .find_map(|user| user.string_map_data.get("Username")?.value.as_deref())
            .filter(|name| !name.trim().is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posts_files_are_found_in_each_layout() {
        let names = [
            "your_instagram_activity/content/posts_2.json",
            "your_instagram_activity/content/posts_1.json",
            "your_instagram_activity/content/reels.json",
            "your_instagram_activity/content/stories.json",
            "media/posts/202301/a.jpg",
        ];
        let (prefix, files) = posts_files(&names).unwrap();
        assert_eq!(prefix, "");
        assert_eq!(
            files,
            [
                "your_instagram_activity/content/posts_1.json",
                "your_instagram_activity/content/posts_2.json",
                "your_instagram_activity/content/reels.json"
            ]
        );
        let names = [
            "instagram-cafe-2021/content/posts_1.json",
            "instagram-cafe-2021/media/posts/1.jpg",
        ];
        let (prefix, files) = posts_files(&names).unwrap();
        assert_eq!(prefix, "instagram-cafe-2021/");
        assert_eq!(files, ["instagram-cafe-2021/content/posts_1.json"]);
        assert_eq!(
            posts_files(&["media/posts_1.json"]).unwrap().1,
            ["media/posts_1.json"]
        );
        // Deeper than one folder, or nothing: not an export.
        assert!(posts_files(&["a/b/content/posts_1.json"]).is_none());
        assert!(posts_files(&["index.html"]).is_none());
    }

    #[test]
    fn both_file_shapes_parse() {
        let list: PostsFile = serde_json::from_str(
            r#"[{"media":[{"uri":"a.jpg","creation_timestamp":1,"title":"x"}]}]"#,
        )
        .unwrap();
        assert_eq!(list.into_posts().len(), 1);
        let reels: PostsFile = serde_json::from_str(
            r#"{"ig_reels_media":[{"media":[{"uri":"r.mp4","creation_timestamp":2,"title":""}]}]}"#,
        )
        .unwrap();
        assert_eq!(reels.into_posts()[0].media[0].uri, "r.mp4");
        let info: PersonalInformation = serde_json::from_str(
            r#"{"profile_user":[{"media_map_data":{},"string_map_data":{"Username":{"href":"","value":"cafe.example","timestamp":0}}}]}"#,
        )
        .unwrap();
        assert_eq!(info.username(), Some("cafe.example"));
    }
}
