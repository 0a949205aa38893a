//! What the controller asks.

use om_core::Vars;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Request {
    /// Run a native module; the blob is its input (`copy` content, a rendered template).
    Module {
        module: String,
        args: Vars,
        #[serde(default)]
        check: bool,
        #[serde(default)]
        diff: bool,
    },
    /// Finish the requests in flight, then exit.
    Shutdown,
}
