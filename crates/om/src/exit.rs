//! Exit codes. Fleet commands (`run`, `play`, `inventory`) use ansible-core's codes; toolkit
//! commands use 0 = fine, 1 = found something, 2 = could not do the job.

use std::process::ExitCode;

/// How `om` ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: everything worked; no differences, every host ok.
    Success = 0,
    /// 1: om could not do its job (fleet commands), or a toolkit found something.
    Error = 1,
    /// 2: a host failed (fleet commands); a usage or I/O error (toolkits).
    Failed = 2,
    /// 4: a host was unreachable, or an inventory or playbook did not parse.
    Unreachable = 4,
    /// 5: a bad option on a fleet command.
    BadOption = 5,
    /// 99: interrupted by the user.
    Interrupted = 99,
    /// 250: an unexpected error inside om.
    Unexpected = 250,
}

impl ExitStatus {
    /// The status for a command line clap rejected: ansible-core's 5 for fleet commands,
    /// 2 for everything else.
    pub fn usage_for(args: impl IntoIterator<Item = String>) -> Self {
        let command = args.into_iter().skip(1).find(|a| !a.starts_with('-'));
        match command.as_deref() {
            Some("run" | "play" | "inventory") => ExitStatus::BadOption,
            _ => ExitStatus::Failed,
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(status as u8)
    }
}
