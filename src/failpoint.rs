//! Test hooks: with `INSTABAKE_FAILPOINT=<name>` a debug build misbehaves on purpose at that named
//! point, so that tests can prove what happens when a run dies or a bug strikes there. Release
//! builds compile every hook to nothing.
//!
//! Two kinds of point:
//! - [`kill`]: stops dead, like a run killed there (no destructor runs, so temporary files stay
//!   where they are). Exit code 137, as after SIGKILL; unlike `abort`, no core dump lands in the
//!   site. The steps of writing the site use these.
//! - [`panic`]: panics, like a bug would, so that tests can check that every panic, on the main
//!   thread or in a media worker, is reported and never mistaken for a clean run.

/// True when a debug build was asked to fail at `name`, or at `name:subject` (one media item, say).
fn active(name: &str, subject: &str) -> bool {
    cfg!(debug_assertions)
        && std::env::var("INSTABAKE_FAILPOINT").is_ok_and(|point| {
            point == name
                || point
                    .strip_prefix(name)
                    .and_then(|rest| rest.strip_prefix(':'))
                    .is_some_and(|rest| rest == subject)
        })
}

/// Exits with code 137 at `name`, as if the process were killed there.
pub(crate) fn kill(name: &str) {
    if active(name, "") {
        std::process::exit(137);
    }
}

/// Panics at `name`, or at `name:subject` for this `subject` only.
pub(crate) fn panic(name: &str, subject: &str) {
    if active(name, subject) {
        panic!("failpoint {name} reached ({subject})");
    }
}
