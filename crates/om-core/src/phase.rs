//! The phase of work on a host in which something went wrong.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where in the life of a host's connection a failure happened.
///
/// Every per-host failure names one, so a reader knows whether to fix DNS, a firewall, a key,
/// a sudo rule or the command itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Resolving the host's name.
    Dns,
    /// Opening the TCP connection (refused, timed out, no route).
    Connect,
    /// Checking the server's host key (unknown, changed, revoked).
    HostKey,
    /// Authenticating (key, agent, password).
    Auth,
    /// Becoming another user (sudo, su).
    Become,
    /// Moving files or the agent to the host.
    Transfer,
    /// Running the module or command itself.
    Module,
    /// A deadline passed.
    Timeout,
    /// The run was cancelled (a job's cancel) before the host finished.
    Cancelled,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Dns => "dns",
            Phase::Connect => "connect",
            Phase::HostKey => "host key",
            Phase::Auth => "auth",
            Phase::Become => "become",
            Phase::Transfer => "transfer",
            Phase::Module => "module",
            Phase::Timeout => "timeout",
            Phase::Cancelled => "cancelled",
        }
    }

    /// Failures before a session exists make a host unreachable; later ones make it failed.
    pub fn is_unreachable(self) -> bool {
        matches!(self, Phase::Dns | Phase::Connect | Phase::HostKey | Phase::Auth)
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
