//! The commands beside `build` (which lives in [`crate::build`]): `token status|refresh`, `init`,
//! `doctor`, `import`, `record` and `preview`.

pub(crate) mod doctor;
pub(crate) mod import;
pub(crate) mod init;
pub(crate) mod manual;
pub(crate) mod preview;
pub(crate) mod record;
pub(crate) mod token;
