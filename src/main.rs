//! The `instabake` binary: parse flags, run, map the result to an exit code. Everything else lives
//! in the library.

use clap::Parser;

fn main() {
    instabake::report::install_panic_hook();
    let cli = instabake::cli::Cli::parse();
    let code = match std::panic::catch_unwind(|| instabake::cli::run(cli)) {
        Ok(code) => code,
        // The hook has printed the (redacted) message already.
        Err(_) => instabake::ExitCode::Unexpected,
    };
    std::process::exit(code as i32);
}
