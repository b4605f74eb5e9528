//! The command line: flags, and running a command to an exit code.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::{Config, Overrides, Preset};
use crate::error::{Error, ExitCode, Result};
use crate::report::{self, Verbosity};

/// Bake an Instagram feed into a static site: self-hosted images, an HTML partial and a JSON data
/// file. The token is read from INSTAGRAM_ACCESS_TOKEN, never from the command line.
#[derive(Debug, Parser)]
#[command(name = "instabake", version, about, long_about = None)]
pub struct Cli {
    /// The config file [default: instabake.toml, looked for from the site or current folder upwards].
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The site folder [default: the config file's folder, else the current folder].
    #[arg(long, global = true, value_name = "DIR")]
    pub site: Option<PathBuf>,
    /// Print only warnings and errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more detail.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fetch the posts, bake the images, write the partial and the data file into the site.
    Build(BuildArgs),
}

/// Flags of `build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The site generator's folder layout (used when the config file names none).
    #[arg(long, value_enum)]
    pub preset: Option<Preset>,
    /// How many posts to bake [default: 12].
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Read a recorded feed from this folder instead of the API (no token needed).
    #[arg(long, value_name = "DIR")]
    pub replay: Option<PathBuf>,
    /// Fail instead of falling back to the cached feed when the API fails.
    #[arg(long)]
    pub strict: bool,
    /// Never call the API: bake the cached feed.
    #[arg(long, conflicts_with = "strict")]
    pub offline: bool,
}

/// Runs the parsed command line and returns the process's exit code. Errors are printed here.
pub fn run(cli: Cli) -> ExitCode {
    report::init(if cli.quiet {
        Verbosity::Quiet
    } else if cli.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    });
    match dispatch(cli) {
        Ok(()) => ExitCode::Success,
        Err(error) => {
            report::error(&error);
            error.exit_code()
        }
    }
}

fn dispatch(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Build(args) => {
            let overrides = Overrides {
                config: cli.config,
                site: cli.site,
                preset: args.preset,
                limit: args.limit,
                replay: args.replay,
                strict: args.strict,
                offline: args.offline,
            };
            let config = Config::load(&overrides)?;
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .map_err(|e| Error::io("start the async runtime", ".", e))?;
            let summary = runtime.block_on(crate::build::run(&config))?;
            let e = &summary.emitted;
            report::info(format!(
                "baked {} posts, {} image files ({} new, {} old removed); data file {}, partial {}",
                summary.posts,
                summary.images,
                e.images_written,
                e.pruned,
                if e.data_written {
                    "updated"
                } else {
                    "unchanged"
                },
                if e.partial_written {
                    "updated"
                } else {
                    "unchanged"
                },
            ));
            Ok(())
        }
    }
}
