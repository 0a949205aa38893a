//! A task: one module call with its arguments, control keywords and source span.

use serde::{Deserialize, Serialize};

use crate::{Span, Vars};

/// One step of a plan, as the executor sees it.
///
/// `module` is the canonical module name (`command`, `copy`…); `args` are its arguments after
/// free-form parsing; `span` is where the user wrote it (absent for ad-hoc runs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub name: String,
    pub module: String,
    pub args: Vars,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
    /// Run without changing anything and report what would change.
    #[serde(default)]
    pub check: bool,
    /// Report a diff of what changed.
    #[serde(default)]
    pub diff: bool,
    /// Per-task deadline in seconds; `None` means no deadline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_s: Option<u64>,
}

impl Task {
    pub fn new(module: impl Into<String>, args: Vars) -> Self {
        let module = module.into();
        Self { name: module.clone(), module, args, span: None, check: false, diff: false, timeout_s: None }
    }
}
