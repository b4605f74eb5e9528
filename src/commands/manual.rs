//! `instabake completions SHELL` and `instabake man`: shell completions and man pages, generated
//! from the same clap definitions that parse the command line, so a new flag appears in both
//! without anyone remembering to add it. The release archives carry their output (see
//! `.github/workflows/release.yml`); a `cargo install` user runs the commands.

use std::io::Write;
use std::path::Path;

use clap_complete::Shell;

use crate::error::{Error, Result};
use crate::report;

/// The name the scripts complete and the man pages document.
const BIN: &str = "instabake";

/// Prints the completion script for `shell` on stdout. `command` is the command line's definition
/// (`Cli::command()`, handed in so that this module does not import the one that calls it).
pub(crate) fn completions(shell: Shell, mut command: clap::Command) -> Result<()> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, BIN, &mut script);
    to_stdout(&script)
}

/// Without `dir`, prints the man page of `instabake` (its commands listed) on stdout. With it,
/// writes that page and one per command (`instabake-build.1`, ...) into `dir`, which it creates.
/// `command` is as for [`completions`].
pub(crate) fn man(dir: Option<&Path>, mut command: clap::Command) -> Result<()> {
    // Built, so that the page on stdout lists the `help` command that `generate_to` (which builds
    // it) gives a page of its own.
    command.build();
    let Some(dir) = dir else {
        let mut page = Vec::new();
        clap_mangen::Man::new(command)
            .render(&mut page)
            .map_err(|e| Error::io("render the man page", "-", e))?;
        return to_stdout(&page);
    };
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
    clap_mangen::generate_to(command, dir)
        .map_err(|e| Error::io("write man pages into", dir, e))?;
    report::info(format!("wrote the man pages into {}", dir.display()));
    Ok(())
}

fn to_stdout(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| Error::io("write to", "standard output", e))
}
