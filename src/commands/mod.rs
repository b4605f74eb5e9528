//! The commands beside `build` (which lives in [`crate::build`]): `token status|refresh`, `init`,
//! `doctor` and `import`.

pub(crate) mod doctor;
pub(crate) mod import;
pub(crate) mod init;
pub(crate) mod token;
