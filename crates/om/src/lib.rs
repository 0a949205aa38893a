//! The `om` binary: clap definitions that call library APIs, and the one gate to stdout.
//!
//! `cli` holds the argument structs (their doc comments are `--help`), `commands` one file per
//! subcommand (twenty to forty lines each, calling the libraries), `output` everything that
//! writes to stdout, and `exit` the documented exit codes.

pub mod cli;
mod commands;
pub mod env;
pub mod exit;
mod logging;
mod output;
mod settings;

use std::process::ExitCode;

use clap::Parser;

pub use exit::ExitStatus;

/// Parses the command line, runs the command, prints an error once with its chain and hint.
pub fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let status = if err.use_stderr() { ExitStatus::usage_for(std::env::args()) } else { ExitStatus::Success };
            let _ = err.print();
            return status.into();
        }
    };
    logging::init(cli.global.verbose, cli.global.quiet);
    match commands::run(cli) {
        Ok(status) => status.into(),
        // A reader that went away (`om … | head`) is not an error worth a message.
        Err(err) if output::is_broken_pipe(&err) => ExitStatus::Success.into(),
        Err(err) => {
            output::error(&err);
            if err.downcast_ref::<settings::BadOption>().is_some() {
                ExitStatus::BadOption.into()
            } else if err.downcast_ref::<om_inventory::InventoryError>().is_some()
                || err.downcast_ref::<om_inventory::PatternError>().is_some()
            {
                ExitStatus::Unreachable.into()
            } else {
                ExitStatus::Error.into()
            }
        }
    }
}
