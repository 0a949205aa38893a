//! What happened on one host for one task.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Phase, Vars};

/// The five results Ansible users know, in the recap's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Changed,
    Failed,
    Unreachable,
    Skipped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Changed => "changed",
            Status::Failed => "failed",
            Status::Unreachable => "unreachable",
            Status::Skipped => "skipped",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A classified failure on a host: which host, in which phase, what happened, and what to do.
///
/// Displays as `web3: connect: connection refused (10.0.0.3:22)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{host}: {phase}: {message}")]
pub struct HostError {
    pub host: String,
    pub phase: Phase,
    pub message: String,
    /// One line that says what to do about it, when om knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl HostError {
    pub fn new(host: impl Into<String>, phase: Phase, message: impl Into<String>) -> Self {
        Self { host: host.into(), phase, message: message.into(), hint: None }
    }

    /// A command stopped at its task deadline (`--task-timeout`), on any transport.
    pub fn command_timeout(host: impl Into<String>, limit: std::time::Duration) -> Self {
        Self::new(host, Phase::Timeout, format!("the command did not finish within {}s and was stopped", limit.as_secs()))
            .with_hint("raise the limit with --task-timeout, or run it in the background with -B/-P")
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// The result of one task on one host.
///
/// `result` holds the module's return values in ansible-core's shape (`changed`, `rc`,
/// `stdout`, `msg`…); `error` is set when the host failed or was unreachable for a reason om
/// classified.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub status: Status,
    #[serde(default)]
    pub result: Vars,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<HostError>,
    /// Wall time spent on this host for this task, in microseconds.
    #[serde(default)]
    pub elapsed_us: u64,
}

impl Outcome {
    pub fn new(status: Status, result: Vars) -> Self {
        Self { status, result, error: None, elapsed_us: 0 }
    }

    /// The outcome for a classified failure: unreachable before a session exists, failed after.
    pub fn from_error(error: HostError) -> Self {
        let status = if error.phase.is_unreachable() { Status::Unreachable } else { Status::Failed };
        let mut result = Vars::new();
        result.insert("msg".into(), error.message.clone().into());
        if status == Status::Unreachable {
            result.insert("unreachable".into(), true.into());
        } else {
            result.insert("failed".into(), true.into());
        }
        result.insert("changed".into(), false.into());
        Self { status, result, error: Some(error), elapsed_us: 0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_failures_are_unreachable_and_module_failures_failed() {
        let down = Outcome::from_error(HostError::new("h1", Phase::Connect, "connection refused"));
        assert_eq!(down.status, Status::Unreachable);
        assert_eq!(down.result["unreachable"], true);
        let bad = Outcome::from_error(HostError::new("h1", Phase::Become, "incorrect sudo password"));
        assert_eq!(bad.status, Status::Failed);
        assert_eq!(bad.error.expect("error kept").to_string(), "h1: become: incorrect sudo password");
    }
}
