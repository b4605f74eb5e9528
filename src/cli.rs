//! The command line: flags, and running a command to an exit code.

use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand};

use crate::build::{Outcome, Summary};
use crate::commands;
use crate::config::{Config, Overrides, Preset};
use crate::error::{Error, ExitCode, Result};
use crate::json_output::{self, Results};
use crate::report::{self, Verbosity};
use crate::source::Origin;

/// Bake an Instagram feed into a static site: self-hosted images, an HTML partial and a JSON data
/// file. The token is read from INSTAGRAM_ACCESS_TOKEN, never from the command line.
#[derive(Debug, Parser)]
#[command(name = "instabake", version, about, long_about = None)]
pub struct Cli {
    /// The config file [default: instabake.toml, looked for from the site or current folder upwards].
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// The site folder [default: the config file's folder, else the current folder].
    #[arg(long, global = true, value_name = "DIR")]
    pub(crate) site: Option<PathBuf>,
    /// Print only warnings and errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub(crate) quiet: bool,
    /// Print more detail.
    #[arg(short, long, global = true)]
    pub(crate) verbose: bool,
    /// When to colour "warning:" and "error:": auto (on a terminal, unless NO_COLOR is set or in
    /// CI), always, never.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t)]
    pub(crate) color: report::ColorChoice,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Fetch the posts, bake the images, write the partial and the data file into the site.
    Build(BuildArgs),
    /// Check or refresh the access token.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Write a commented instabake.toml for the site (never overwrites one).
    Init(InitArgs),
    /// Check the config, templates, folders, token, account and cache, one line each.
    Doctor(DoctorArgs),
    /// Record the live feed into a replay folder, to reproduce a bake (`build --replay DIR`) or
    /// attach to a bug report. The token, paging URLs and CDN URLs with their signatures are
    /// scrubbed (media are downloaded beside the JSON); captions, permalinks and the profile are
    /// kept. Reads what `build` reads: the same [filter], limit, [account] and [video] settings.
    Record(RecordArgs),
    /// Import Instagram's "Export your information" archive (JSON) into the site, then bake.
    ///
    /// PATH is the zip Instagram sends, or the folder it unpacks into. Its posts, carousels and
    /// reels are written into the site's export folder (`export_dir`, default instagram-export/:
    /// commit it), which every later `build` reads: alone when no token is set (a personal
    /// account), else merged into the API's feed, newest first. A broken or incomplete export
    /// changes nothing.
    Import(ImportArgs),
    /// Serve the baked partial in a page of its own on 127.0.0.1, to see a bake without running
    /// the site's generator. Prints the page's URL; reload it after `build` to see a new bake.
    /// Runs until Ctrl-C.
    Preview(PreviewArgs),
    /// Print the completion script for a shell on stdout.
    ///
    /// bash: add `source <(instabake completions bash)` to ~/.bashrc. zsh: save it as `_instabake`
    /// in a folder on $fpath. fish: save it as ~/.config/fish/completions/instabake.fish.
    /// PowerShell: add `instabake completions powershell | Out-String | Invoke-Expression` to
    /// $PROFILE.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page on stdout (`instabake man | man -l -`), or write it and one page per
    /// command into a folder.
    Man {
        /// Write instabake.1, instabake-build.1, ... into this folder instead.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// Flags of `preview`.
#[derive(Debug, Args)]
pub(crate) struct PreviewArgs {
    /// The port to listen on (127.0.0.1 only); 0 for any free port [default: 8765, or any free
    /// port when 8765 is taken].
    #[arg(long, value_name = "N")]
    pub port: Option<u16>,
    /// Open the page in the default browser (or $BROWSER).
    #[arg(long)]
    pub open: bool,
    /// The site generator's folder layout (used when the config file names none).
    #[arg(long, value_enum)]
    pub preset: Option<Preset>,
}

/// Flags of `record`.
#[derive(Debug, Args)]
pub(crate) struct RecordArgs {
    /// The folder to write: new, empty, or a previous recording (with --force). It is written
    /// whole or not at all.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The account to record, by its name in [[accounts]] (required on a site with several).
    #[arg(long, value_name = "NAME")]
    pub account: Option<String>,
    /// How many posts to record [default: the config's limit, else 12].
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Replace a previous recording in DIR (a folder with a media.json); any other folder is
    /// never replaced.
    #[arg(long)]
    pub force: bool,
}

/// Flags of `import`.
#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// The export: a .zip file, or the folder it unpacks into.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// The site generator's folder layout (used when the config file names none).
    #[arg(long, value_enum)]
    pub preset: Option<Preset>,
}

/// `token` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum TokenCommand {
    /// Check the token with one API call; print the account and the expiry when known.
    /// Exit code 0: valid; 4: expires within --warn-days; 3: dead or cannot be checked.
    /// On a site with [[accounts]], every account's token unless --account names one.
    Status {
        /// Exit with 4 when the token expires within this many days.
        #[arg(long, value_name = "DAYS", default_value_t = 14)]
        warn_days: i64,
        /// The account to check, by its name in [[accounts]].
        #[arg(long, value_name = "NAME")]
        account: Option<String>,
        /// Print the result as one JSON document on stdout (the lines go to stderr).
        #[arg(long)]
        json: bool,
    },
    /// Refresh the token (it then lives 60 days again) and record its new expiry in the cache.
    /// The new token is handed over only where asked. On a site with [[accounts]], --account is
    /// required: one token is refreshed and handed over at a time.
    Refresh {
        /// The account whose token to refresh, by its name in [[accounts]].
        #[arg(long, value_name = "NAME")]
        account: Option<String>,
        /// Write the new token to this file (created readable by its owner only).
        #[arg(long, value_name = "FILE")]
        write_token: Option<PathBuf>,
        /// Print the new token on stdout, alone (masked first under GitHub Actions; the other
        /// lines go to stderr).
        #[arg(long)]
        print_token: bool,
    },
}

/// Flags of `doctor`.
#[derive(Debug, Args)]
pub(crate) struct DoctorArgs {
    /// Print the checks as one JSON document on stdout (the lines go to stderr).
    #[arg(long)]
    pub json: bool,
}

/// Flags of `init`.
#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// The site generator.
    #[arg(long, value_enum, default_value = "hugo")]
    pub preset: Preset,
}

/// Flags of `build`.
#[derive(Debug, Args)]
pub(crate) struct BuildArgs {
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
    /// Fail (exit 4) when the token is known to expire within this many days.
    #[arg(long, value_name = "DAYS")]
    pub fail_if_token_expires_within: Option<i64>,
    /// Print what was baked as one JSON document on stdout (the lines stay on stderr).
    #[arg(long)]
    pub json: bool,
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
    report::init_terminal(cli.color);
    let is_build = matches!(cli.command, Command::Build(_) | Command::Import(_));
    // With `--json`, the results the command fills in as it runs, printed when it ends.
    let mut results = match &cli.command {
        Command::Build(args) if args.json => Some(Results::build()),
        Command::Token(TokenCommand::Status { json: true, .. }) => Some(Results::token()),
        Command::Doctor(DoctorArgs { json: true }) => Some(Results::doctor()),
        _ => None,
    };
    let print_token = matches!(
        cli.command,
        Command::Token(TokenCommand::Refresh {
            print_token: true,
            ..
        })
    );
    if results.is_some() || print_token {
        report::keep_stdout_for_data();
    }
    let Some(mut results) = results.take() else {
        return exit_code(dispatch(cli, None), is_build);
    };
    // One document whatever happens: a crash too gets one (the panic hook prints the message;
    // `main` maps it to exit code 1).
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        dispatch(cli, Some(&mut results))
    }));
    match result {
        Ok(result) => {
            json_output::print(results, result.as_ref().map(drop));
            exit_code(result, is_build)
        }
        Err(panic) => {
            json_output::print_crash(results);
            std::panic::resume_unwind(panic)
        }
    }
}

/// Prints a command's error and gives its exit code.
fn exit_code(result: Result<()>, is_build: bool) -> ExitCode {
    match result {
        Ok(()) => ExitCode::Success,
        Err(error) => {
            report::error(&error);
            if is_build {
                report::step_summary(&format!("### Instagram feed\n\nThe bake failed: {error}\n"));
            }
            error.exit_code()
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::io("start the async runtime", ".", e))
}

/// Runs the command; with `--json`, `results` is filled in as it goes.
fn dispatch(cli: Cli, results: Option<&mut Results>) -> Result<()> {
    let overrides = Overrides {
        config: cli.config,
        site: cli.site,
        ..Overrides::default()
    };
    match cli.command {
        Command::Token(command) => {
            let config = Config::load(&overrides)?;
            runtime()?.block_on(async {
                match command {
                    TokenCommand::Status {
                        warn_days, account, ..
                    } => {
                        commands::token::status(&config, account.as_deref(), warn_days, results)
                            .await
                    }
                    TokenCommand::Refresh {
                        account,
                        write_token,
                        print_token,
                    } => {
                        let handover = commands::token::Handover {
                            file: write_token.as_deref(),
                            stdout: print_token,
                        };
                        let account = config.account(account.as_deref())?;
                        commands::token::refresh(&config, account, handover).await
                    }
                }
            })
        }
        Command::Init(args) => {
            let site = overrides.site.unwrap_or_else(|| PathBuf::from("."));
            if !site.is_dir() {
                return Err(Error::Usage(format!(
                    "the site folder {} does not exist",
                    site.display()
                )));
            }
            commands::init::init(&site, args.preset).map(drop)
        }
        Command::Doctor(_) => runtime()?.block_on(commands::doctor::doctor(&overrides, results)),
        Command::Completions { shell } => commands::manual::completions(shell, Cli::command()),
        Command::Man { dir } => commands::manual::man(dir.as_deref(), Cli::command()),
        Command::Record(args) => {
            let overrides = Overrides {
                limit: args.limit,
                ..overrides
            };
            let config = Config::load(&overrides)?;
            runtime()?.block_on(commands::record::record(
                &config,
                args.account.as_deref(),
                &args.dir,
                args.force,
            ))
        }
        Command::Build(args) => {
            let overrides = Overrides {
                preset: args.preset,
                limit: args.limit,
                replay: args.replay,
                strict: args.strict,
                offline: args.offline,
                fail_if_token_expires_within: args.fail_if_token_expires_within,
                ..overrides
            };
            let config = Config::load(&overrides)?;
            let outcome = runtime()?.block_on(crate::build::run(&config));
            if let Some(results) = results {
                results.record_build(&config, outcome.as_ref());
            }
            finish(outcome?)
        }
        Command::Preview(args) => {
            let overrides = Overrides {
                preset: args.preset,
                ..overrides
            };
            let config = Config::load(&overrides)?;
            runtime()?.block_on(commands::preview::preview(&config, args.port, args.open))
        }
        Command::Import(args) => {
            let overrides = Overrides {
                preset: args.preset,
                ..overrides
            };
            let config = Config::load(&overrides)?;
            let outcome = runtime()?.block_on(commands::import::import(&config, &args.path))?;
            finish(outcome)
        }
    }
}

/// Reports a bake: the step summary and the last lines; the result is the bake's.
fn finish(outcome: Outcome) -> Result<()> {
    report::step_summary(&step_summary(&outcome));
    for summary in &outcome.baked {
        report::info(summary_line(summary));
    }
    if let Some(merged) = &outcome.merged {
        report::info(format!(
            "merged feed of {} accounts: data file {}, partial {}",
            outcome.baked.len(),
            updated(merged.data_written),
            updated(merged.partial_written)
        ));
    }
    outcome.into_result()
}

/// "updated" or "unchanged".
fn updated(written: bool) -> &'static str {
    if written {
        "updated"
    } else {
        "unchanged"
    }
}

/// The last line of an account's bake.
fn summary_line(summary: &Summary) -> String {
    let e = &summary.emitted;
    let mut line = format!(
        "baked {} posts, {} image files ({} new, {} old removed)",
        summary.posts, summary.images, e.images_written, e.pruned,
    );
    if e.others_written > 0 {
        line.push_str(&format!(
            ", {} post pages and feed files written",
            e.others_written
        ));
    }
    match &summary.account {
        None => format!(
            "{line}; data file {}, partial {}",
            updated(e.data_written),
            updated(e.partial_written)
        ),
        // A merged bake writes no file of the account's own: the merged line says those.
        Some(name) if !e.data_written && !e.partial_written => format!("account {name}: {line}"),
        Some(name) => format!(
            "account {name}: {line}; data file {}, partial {}",
            updated(e.data_written),
            updated(e.partial_written)
        ),
    }
}

/// The GitHub Actions step summary of a bake: a table of one account, or a row per account.
fn step_summary(outcome: &Outcome) -> String {
    let source = |summary: &Summary| {
        let text = match (summary.origin, &summary.fallback) {
            (Origin::Live, _) => "live from the Instagram API".to_owned(),
            (Origin::Replay, _) => "a recorded replay folder".to_owned(),
            (Origin::Cache, Some(why)) => format!("the cache: the API failed ({why})"),
            (Origin::Cache, None) => "the cache (offline, or within max_age)".to_owned(),
            (Origin::Export, _) => "the imported export (no token)".to_owned(),
        };
        text.replace('|', "\\|")
    };
    let token = |summary: &Summary| match (summary.token.days_left, &summary.token.expiry_date) {
        (Some(days), Some(date)) => format!("expires in {days} days ({date})"),
        _ => "expiry unknown (learnt from `instabake token refresh`)".to_owned(),
    };
    if let [summary] = outcome.baked.as_slice() {
        if summary.account.is_none() {
            let e = &summary.emitted;
            return format!(
                "### Instagram feed\n\n\
                 | | |\n| --- | --- |\n\
                 | Posts baked | {} |\n\
                 | Image files | {} ({} new, {} removed) |\n\
                 | Feed from | {} |\n\
                 | Token | {} |\n",
                summary.posts,
                summary.images,
                e.images_written,
                e.pruned,
                source(summary),
                token(summary)
            );
        }
    }
    let mut text = "### Instagram feeds\n\n\
                    | Account | Posts baked | Image files | Feed from | Token |\n\
                    | --- | --- | --- | --- | --- |\n"
        .to_owned();
    for summary in &outcome.baked {
        let e = &summary.emitted;
        text.push_str(&format!(
            "| {} | {} | {} ({} new, {} removed) | {} | {} |\n",
            summary.account.as_deref().unwrap_or_default(),
            summary.posts,
            summary.images,
            e.images_written,
            e.pruned,
            source(summary),
            token(summary)
        ));
    }
    for (name, error) in &outcome.failed {
        text.push_str(&format!(
            "| {name} | **not baked**: {} | | | |\n",
            error.to_string().replace('|', "\\|")
        ));
    }
    text
}
