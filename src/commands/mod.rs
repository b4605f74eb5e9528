//! The commands beside `build` (which lives in [`crate::build`]): `token status|refresh`, `init`
//! and `doctor`.

pub mod doctor;
pub mod init;
pub mod token;
