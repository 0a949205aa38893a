//! What the controller asks.

use om_core::Vars;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Request {
    /// Run a native module; the blob is its input (`copy` content, a rendered template).
    Module {
        #[serde(flatten)]
        call: ModuleRequest,
        /// `async:`: start the module as this background job and answer at once.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        job: Option<om_core::ModuleJob>,
    },
    /// Finish the requests in flight, then exit.
    Shutdown,
}

/// One native module call: what [`Request::Module`] carries, and what a background job keeps
/// on disk until it runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModuleRequest {
    pub module: String,
    pub args: Vars,
    #[serde(default)]
    pub check: bool,
    #[serde(default)]
    pub diff: bool,
    /// `environment:` for the programs the module runs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<(String, String)>,
}
