//! What the agent answers.

use om_core::Vars;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Response {
    /// A module finished (failed modules too: `failed: true` is in the result); the blob
    /// holds bytes sent back (`fetch`).
    Module { result: Vars },
    /// The agent will exit once the requests in flight are done.
    Shutdown,
}
