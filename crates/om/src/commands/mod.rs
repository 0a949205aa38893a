//! One file per subcommand; each turns parsed arguments into library calls and output.

mod action;
mod admin;
mod completions;
mod inventory;
mod jobs;
mod lab;
mod run;
mod serve;
mod worker;

use crate::ExitStatus;
use crate::cli::{Cli, Command};

pub(crate) fn run(cli: Cli) -> anyhow::Result<ExitStatus> {
    match cli.command {
        Command::Inventory(args) => inventory::run(args),
        Command::Lab(args) => lab::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Admin(args) => admin::run(args),
        Command::Jobs(args) => jobs::run(args),
        Command::Action(args) => action::run(args),
        Command::Worker(args) => worker::run(args),
        Command::Run(args) => run::run(*args),
        Command::Completions { shell } => completions::run(shell),
    }
}
