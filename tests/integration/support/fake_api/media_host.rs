//! The fake media host under `/media/...`, like Instagram's CDN: the files it serves (registered
//! by a test or generated for the names the posts use), the signed-looking URLs the API hands out
//! for them, and its answers.

use std::sync::Arc;

use super::super::http::{Request, Response};
use super::super::images;
use super::posts::Post;
use super::scenario::Scenario;

/// A media host file; generated pictures are encoded when first asked for (and then shared by
/// every test in the process), so a scenario pays only for what the binary downloads.
#[derive(Clone, Debug)]
pub(super) struct MediaFile {
    pub(super) source: Source,
    pub(super) content_type: String,
}

#[derive(Clone, Debug)]
pub(super) enum Source {
    Bytes(Arc<Vec<u8>>),
    Jpeg(u32, u32, u64),
    Png(u32, u32, u64),
}

impl MediaFile {
    pub(super) fn jpeg(width: u32, height: u32, seed: u64) -> MediaFile {
        MediaFile {
            source: Source::Jpeg(width, height, seed),
            content_type: "image/jpeg".into(),
        }
    }

    pub(super) fn png(width: u32, height: u32, seed: u64) -> MediaFile {
        MediaFile {
            source: Source::Png(width, height, seed),
            content_type: "image/png".into(),
        }
    }

    pub(super) fn bytes(&self) -> Arc<Vec<u8>> {
        match self.source {
            Source::Bytes(ref bytes) => bytes.clone(),
            Source::Jpeg(width, height, seed) => images::jpeg(width, height, seed),
            Source::Png(width, height, seed) => images::png(width, height, seed),
        }
    }
}

impl Scenario {
    /// Generate every media file a post refers to that was not registered.
    pub(super) fn generate_missing_media(&mut self) {
        let names: Vec<String> = self
            .posts
            .iter()
            .chain(self.others.iter().flat_map(|other| &other.posts))
            .flat_map(Post::media_names)
            .collect();
        let profile = self.profile.picture.iter().cloned();
        for name in names
            .into_iter()
            .chain(["profile.jpg".to_string()])
            .chain(profile)
        {
            if self.media.contains_key(&name) {
                continue;
            }
            let seed = images::seed_of(&name);
            let file = if name.ends_with(".mp4") {
                MediaFile {
                    source: Source::Bytes(images::mp4()),
                    content_type: "video/mp4".into(),
                }
            } else if name.ends_with(".png") {
                MediaFile::png(800, 800, seed)
            } else if name.ends_with(".jpg") || name.ends_with(".jpeg") {
                if name.starts_with("profile") {
                    MediaFile::jpeg(320, 320, seed)
                } else {
                    let (width, height) = self.generated_size;
                    MediaFile::jpeg(width, height, seed)
                }
            } else {
                panic!("fake media host: no file {name:?} registered and no way to generate it")
            };
            self.media.insert(name, file);
        }
    }
}

/// The URL the API hands out for the media host file `name`.
pub(super) fn media_url(host: &str, name: &str) -> String {
    // Shaped like a signed CDN URL; the signature is fake but stable.
    let signature = images::seed_of(name);
    format!(
        "http://{host}/media/v/t51.29350-15/{name}?_nc_cat=1&ccb=1-7&_nc_sid=8ae9d6&oh=00_{signature:016x}&oe=6553F1A0"
    )
}

pub(super) fn media_response(request: &Request, name: &str, scenario: &Scenario) -> Response {
    match scenario.media.get(name) {
        Some(file) => Response {
            status: 200,
            content_type: file.content_type.clone(),
            headers: vec![(
                "Cache-Control".into(),
                "max-age=1209600, no-transform".into(),
            )],
            body: if request.method == "HEAD" {
                Vec::new()
            } else {
                file.bytes().to_vec()
            },
        },
        None => Response {
            status: 404,
            content_type: "text/plain".into(),
            headers: Vec::new(),
            body: b"Not Found".to_vec(),
        },
    }
}
