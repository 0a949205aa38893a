//! The first frame the agent sends: who it is and which protocol it speaks.

use serde::{Deserialize, Serialize};

/// Bumped when a frame, request or response changes incompatibly.
pub const PROTOCOL_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    pub protocol: u32,
    /// The agent's crate version.
    pub version: String,
    pub pid: u32,
    /// `uname -m` of the host.
    pub arch: String,
    pub uid: u32,
}

impl Hello {
    pub fn current() -> Self {
        Self {
            protocol: PROTOCOL_VERSION,
            version: env!("CARGO_PKG_VERSION").to_string(),
            pid: std::process::id(),
            arch: std::env::consts::ARCH.to_string(),
            uid: rustix_uid(),
        }
    }
}

fn rustix_uid() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix("Uid:").and_then(|v| v.split_whitespace().nth(1)).and_then(|v| v.parse().ok())))
        .unwrap_or(u32::MAX)
}
