//! One file per subcommand; each turns parsed arguments into library calls and output.

mod completions;
mod facts;
mod inventory;
mod lab;
mod proc;
mod run;

use crate::ExitStatus;
use crate::cli::{Cli, Command};

pub(crate) fn run(cli: Cli) -> anyhow::Result<ExitStatus> {
    match cli.command {
        Command::Inventory(args) => inventory::run(args),
        Command::Lab(args) => lab::run(args),
        Command::Facts(args) => facts::run(args),
        Command::Proc(args) => proc::run(args),
        Command::Run(args) => run::run(*args),
        Command::Completions { shell } => completions::run(shell),
    }
}
