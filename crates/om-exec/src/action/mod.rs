//! Controller-side actions: what a module does on a host through a [`Connection`], for the
//! modules that need nothing installed on the target. One file per module, each with its
//! argument [`Schema`]; [`find`] resolves `ansible.builtin.<m>` to the same action.

mod async_status;
mod command;
mod copy;
mod fetch;
pub(crate) mod native;
mod ping;
mod script;

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Local};
use om_core::transport::OutputFn;
use om_core::{Connection, Escalation, ExecOutput, ExecRequest, Host, HostError, Outcome, Phase, Status, Vars};
use serde_json::Value;

use crate::schema::Schema;

pub use command::command_outcome;

/// Everything an action may use while it runs on one host.
pub struct Ctx<'a> {
    pub host: &'a Host,
    pub conn: &'a dyn Connection,
    /// Validated, templated arguments with defaults.
    pub args: Vars,
    pub check: bool,
    pub diff: bool,
    pub escalation: Option<Escalation>,
    /// Per-task deadline for commands.
    pub timeout: Option<Duration>,
    pub output: OutputFn<'a>,
    /// `-B`/`-P`: run in the background.
    pub background: Option<Background>,
    /// The `template` source already rendered by the caller (`om play` renders with Jinja);
    /// `None` renders it here with the minimal templater.
    pub rendered: Option<Vec<u8>>,
    /// `command` and `shell` run through om-agent (one round trip on the agent's channel once
    /// it is up) rather than on an exec channel of their own. Worth it when more tasks follow
    /// on the host; a one-shot command is cheaper without starting an agent.
    pub agent_commands: bool,
    /// `environment:` for the commands the action runs: names checked, values quoted.
    pub environment: Vec<(String, String)>,
}

/// `-B <secs> -P <poll>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Background {
    pub limit_s: u64,
    pub poll_s: u64,
}

impl Ctx<'_> {
    pub fn name(&self) -> &str {
        &self.host.name
    }

    /// Runs a shell command line, as the become user when escalation is on.
    pub async fn exec(&self, command: String, stdin: Option<Vec<u8>>) -> Result<ExecOutput, HostError> {
        let command = self.with_environment(command);
        let request = ExecRequest { command, stdin, pty: false, timeout: self.timeout, escalation: self.escalation.clone() };
        self.conn.exec(request, self.output).await
    }

    /// Runs a helper command (probes, renames) without streaming its output.
    pub async fn probe(&self, command: String) -> Result<ExecOutput, HostError> {
        let command = self.with_environment(command);
        let request = ExecRequest { command, stdin: None, pty: false, timeout: self.timeout, escalation: self.escalation.clone() };
        self.conn.exec(request, &|_| {}).await
    }

    /// `command` after `export NAME='value';` for each `environment:` entry (inside the
    /// escalated shell, so `sudo` does not drop them). Names were checked by the caller.
    fn with_environment(&self, command: String) -> String {
        if self.environment.is_empty() {
            return command;
        }
        let mut line = String::new();
        for (name, value) in &self.environment {
            if valid_env_name(name) {
                line.push_str(&format!("export {name}={}; ", q(value)));
            }
        }
        line.push_str(&command);
        line
    }

    pub fn str(&self, name: &str) -> Option<&str> {
        self.args.get(name).and_then(Value::as_str)
    }

    pub fn flag(&self, name: &str) -> bool {
        self.args.get(name).and_then(Value::as_bool).unwrap_or(false)
    }

    pub fn fail(&self, message: impl Into<String>) -> HostError {
        HostError::new(&self.host.name, Phase::Module, message)
    }
}

/// Whether `name` can be an environment variable's name (`[A-Za-z_][A-Za-z0-9_]*`).
pub fn valid_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_') && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A module's controller side.
#[async_trait]
pub trait Action: Send + Sync {
    fn schema(&self) -> &'static Schema;

    async fn run(&self, ctx: &Ctx<'_>) -> Result<Outcome, HostError>;
}

static ACTIONS: &[&dyn Action] = &[
    &command::Command,
    &command::Shell,
    &command::Raw,
    &script::Script,
    &ping::Ping,
    &copy::Copy,
    &fetch::Fetch,
    &async_status::AsyncStatus,
];

/// The action for `module`, accepting `ansible.builtin.<m>`, `ansible.legacy.<m>` and
/// `ansible.posix.<m>`/`community.general.<m>` spellings: a controller-side action where
/// there is one, else the native module (run through om-agent).
pub fn find(module: &str) -> Option<&'static dyn Action> {
    let short = om_modules::registry::canonical(module);
    ACTIONS
        .iter()
        .copied()
        .find(|a| a.schema().module == short)
        .or_else(|| native::all().iter().find(|n| n.schema().module == short).map(|n| n as &dyn Action))
}

/// Whether `module` can run as a background job (`-B`, `async:`): the commands (as shell
/// jobs) and the native modules ansible-core runs with async (through om-agent's `job`
/// mode); not those whose ansible-core action plugin refuses async (`copy`, `template`…).
pub fn runs_in_background(module: &str) -> bool {
    let short = om_modules::registry::canonical(module);
    matches!(short, "command" | "shell" | "raw" | "script")
        || (!NO_ASYNC.contains(&short)
            && !ACTIONS.iter().any(|a| a.schema().module == short)
            && native::all().iter().any(|n| n.schema().module == short))
}

/// Whether ansible-core's action plugin for `module` refuses `async` ("This action (…) does
/// not support async.").
pub fn refuses_async(module: &str) -> bool {
    NO_ASYNC.contains(&om_modules::registry::canonical(module))
}

/// Modules whose ansible-core action plugin says "This action (…) does not support async.".
const NO_ASYNC: &[&str] = &["copy", "template", "unarchive", "fetch", "assemble", "reboot", "gather_facts", "wait_for_connection"];

/// Every module this executor runs, in name order.
pub fn modules() -> Vec<&'static Schema> {
    let mut all: Vec<&'static Schema> = ACTIONS.iter().map(|a| a.schema()).collect();
    for n in native::all() {
        if !all.iter().any(|s| s.module == n.schema().module) {
            all.push(n.schema());
        }
    }
    all.sort_by_key(|s| s.module);
    all
}

/// Why a module name is unknown: the valid names and the closest one.
pub fn unknown(module: &str) -> om_modules::UnknownModule {
    om_modules::UnknownModule::new(module)
}

/// A result map with ansible-core's always-present keys.
pub(crate) fn result(changed: bool) -> Vars {
    let mut r = Vars::new();
    r.insert("changed".into(), changed.into());
    r
}

pub(crate) fn outcome(changed: bool, result: Vars) -> Outcome {
    Outcome::new(if changed { Status::Changed } else { Status::Ok }, result)
}

/// A failed result with `msg`, as a module reports it (not a transport failure).
pub(crate) fn failed(msg: impl Into<String>, mut result: Vars) -> Outcome {
    result.insert("failed".into(), true.into());
    result.insert("msg".into(), msg.into().into());
    result.entry("changed").or_insert(false.into());
    Outcome::new(Status::Failed, result)
}

/// ansible-core's timestamp form: `2024-01-02 03:04:05.123456`.
pub(crate) fn timestamp(at: DateTime<Local>) -> String {
    at.format("%Y-%m-%d %H:%M:%S%.6f").to_string()
}

/// ansible-core's delta form: `0:00:00.002345`.
pub(crate) fn delta(elapsed: chrono::Duration) -> String {
    let us = elapsed.num_microseconds().unwrap_or(0).max(0);
    let secs = us / 1_000_000;
    format!("{}:{:02}:{:02}.{:06}", secs / 3600, (secs / 60) % 60, secs % 60, us % 1_000_000)
}

/// Quotes a word for `sh`.
pub(crate) fn q(word: &str) -> String {
    om_ssh::escalation::quote(word)
}

/// sha1 of bytes as hex, the checksum ansible-core reports.
pub(crate) fn sha1_hex(data: &[u8]) -> String {
    use sha1::Digest;
    sha1::Sha1::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}

/// Text without one trailing newline, as ansible-core stores stdout.
pub(crate) fn trim_newline(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    text.strip_suffix('\n').unwrap_or(&text).to_string()
}

pub(crate) fn lines(text: &str) -> Value {
    Value::Array(text.lines().map(|l| Value::String(l.to_string())).collect())
}
