//! Joining a relative name that came from outside (a replay file, a manifest entry) onto a folder,
//! without letting it leave the folder.

use std::path::{Component, Path, PathBuf};

/// `dir/name` when `name` is a plain relative path; `None` for an empty name, an absolute path, or
/// one with `..` (or `.`) in it.
pub(crate) fn inside(dir: &Path, name: &str) -> Option<PathBuf> {
    let relative = Path::new(name);
    let plain = !name.is_empty()
        && relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
    plain.then(|| dir.join(relative))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_leave_the_folder() {
        let dir = Path::new("/replay");
        assert_eq!(
            inside(dir, "images/01.jpg"),
            Some(PathBuf::from("/replay/images/01.jpg"))
        );
        assert_eq!(inside(dir, "../secret"), None);
        assert_eq!(inside(dir, "a/../../secret"), None);
        assert_eq!(inside(dir, "/etc/passwd"), None);
        assert_eq!(inside(dir, ""), None);
    }
}
