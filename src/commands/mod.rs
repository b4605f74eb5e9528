//! The commands beside `build` (which lives in [`crate::build`]): `token status|refresh`, `init`,
//! `doctor` and `record`.

pub(crate) mod doctor;
pub(crate) mod init;
pub(crate) mod record;
pub(crate) mod token;
