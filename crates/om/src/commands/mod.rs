//! One file per subcommand; each turns parsed arguments into library calls and output.

mod action;
mod admin;
mod completions;
mod dns;
mod facts;
mod http;
mod inventory;
mod ip;
mod jobs;
mod lab;
mod play;
mod proc;
mod run;
mod scan;
mod serve;
mod trace;
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
        Command::Facts(args) => facts::run(args),
        Command::Proc(args) => proc::run(args),
        Command::Run(args) => run::run(*args),
        Command::Play(args) => play::run(*args, cli.global.verbose),
        Command::Completions { shell } => completions::run(shell),
        Command::Ip(args) => toolkit(ip::run(args)),
        Command::Dns(args) => toolkit(dns::run(args, cli.global.verbose)),
        Command::Http(args) => toolkit(http::run(args)),
        Command::Probe(args) => toolkit(http::run_probe(args)),
        Command::Scan(args) => toolkit(scan::run(args)),
        Command::Trace(args) => toolkit(trace::run(args)),
    }
}

/// Toolkit commands exit 2 when om could not do its job (usage, I/O, a bad address), not 1,
/// which means "found something" for them.
fn toolkit(result: anyhow::Result<ExitStatus>) -> anyhow::Result<ExitStatus> {
    result.or_else(|err| {
        crate::output::error(&err);
        Ok(ExitStatus::Failed)
    })
}
