//! Errors the agent reports for one request, with a kind the controller can act on.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The module name is not one the agent knows.
    UnknownModule,
    /// The arguments do not fit the module's schema.
    Args,
    /// The request was cancelled.
    Cancelled,
    /// The request could not be understood.
    BadRequest,
    /// Something went wrong inside the agent.
    Internal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct AgentError {
    pub kind: ErrorKind,
    pub message: String,
}

impl AgentError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into() }
    }
}
