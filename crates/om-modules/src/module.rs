//! The module contract: a [`Schema`], and a `run` that checks and changes in one call,
//! honours check mode, and reports `changed` only when something changed.

use std::io;
use std::path::PathBuf;

use serde_json::Value;

use crate::os::{Os, Watch};
use crate::{Args, Schema};
use om_core::Vars;

/// A native module.
pub trait Module: Send + Sync {
    fn schema(&self) -> &'static Schema;
    /// Runs the module. The result is in ansible-core's shape (`changed`, `msg`, `diff`…);
    /// `changed` may be left out when false.
    fn run(&self, args: &Args, ctx: &mut Context<'_>) -> Result<Vars, Fail>;
}

/// Where and how a module runs.
pub struct Context<'a> {
    pub os: &'a dyn Os,
    /// Check mode: report what would change, change nothing.
    pub check: bool,
    /// Return a diff of what changed.
    pub diff: bool,
    /// Content sent along with the call: `copy`'s `src` or `content`, a rendered template.
    pub input: Option<&'a [u8]>,
    /// Live output and cancellation for commands the module runs.
    pub watch: Watch<'a>,
    /// Bytes to send back beside the result (`fetch`).
    pub output: Option<Vec<u8>>,
    warnings: Vec<String>,
}

impl<'a> Context<'a> {
    pub fn new(os: &'a dyn Os) -> Self {
        Self { os, check: false, diff: false, input: None, watch: Watch::default(), output: None, warnings: Vec::new() }
    }

    pub fn warn(&mut self, warning: impl Into<String>) {
        self.warnings.push(warning.into());
    }

    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    /// Expands a leading `~` with the module process's `HOME`.
    pub fn path(&self, path: &str) -> PathBuf {
        if let Some(rest) = path.strip_prefix('~')
            && (rest.is_empty() || rest.starts_with('/'))
            && let Some(home) = self.os.env_var("HOME")
        {
            return PathBuf::from(format!("{home}{rest}"));
        }
        PathBuf::from(path)
    }
}

/// A module failure: `failed: true` with `msg`, plus whatever else the module returns.
#[derive(Debug)]
pub struct Fail {
    pub msg: String,
    pub extra: Vars,
    /// The call was cancelled, not failed.
    pub cancelled: bool,
}

impl Fail {
    pub fn new(msg: impl Into<String>) -> Self {
        Self { msg: msg.into(), extra: Vars::new(), cancelled: false }
    }

    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.extra.insert(key.to_string(), value.into());
        self
    }

    pub fn with_all(mut self, extra: Vars) -> Self {
        self.extra.extend(extra);
        self
    }
}

impl From<io::Error> for Fail {
    fn from(err: io::Error) -> Self {
        let cancelled = err.kind() == io::ErrorKind::Interrupted;
        Self { msg: err.to_string(), extra: Vars::new(), cancelled }
    }
}

/// Builds a result map: `ret!{"changed" => true, "path" => p}`.
#[macro_export]
macro_rules! ret {
    ($($k:expr => $v:expr),* $(,)?) => {{
        #[allow(unused_mut)]
        let mut m = om_core::Vars::new();
        $( m.insert(($k).to_string(), serde_json::Value::from($v)); )*
        m
    }};
}
