//! The commands beside `build` (which lives in [`crate::build`]): `token status|refresh`, `init`
//! and `doctor`.

pub(crate) mod doctor;
pub(crate) mod init;
pub(crate) mod token;
