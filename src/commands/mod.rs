//! The commands beside `build` (which lives in [`crate::build`]): `token status|refresh`, `init`,
//! `doctor`, `import` and `record`.

pub(crate) mod doctor;
pub(crate) mod import;
pub(crate) mod init;
pub(crate) mod manual;
pub(crate) mod record;
pub(crate) mod token;
