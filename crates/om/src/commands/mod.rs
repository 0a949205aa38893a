//! One file per subcommand; each turns parsed arguments into library calls and output.

mod completions;
mod inventory;
mod lab;
mod run;

use crate::ExitStatus;
use crate::cli::{Cli, Command};

pub(crate) fn run(cli: Cli) -> anyhow::Result<ExitStatus> {
    match cli.command {
        Command::Inventory(args) => inventory::run(args),
        Command::Lab(args) => lab::run(args),
        Command::Run(args) => run::run(*args),
        Command::Completions { shell } => completions::run(shell),
    }
}
