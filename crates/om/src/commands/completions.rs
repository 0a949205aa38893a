use clap::CommandFactory;

use crate::ExitStatus;
use crate::cli::Cli;
use crate::output::Printer;

pub(crate) fn run(shell: clap_complete::Shell) -> anyhow::Result<ExitStatus> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "om", &mut script);
    Printer::new().raw(&script)?;
    Ok(ExitStatus::Success)
}
