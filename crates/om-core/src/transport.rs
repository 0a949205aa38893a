//! Transports: how the executor reaches a host (local, ssh + om-agent, agent daemon).
//!
//! A [`Connector`] opens one [`Connection`] per host for the whole run; tasks then use it
//! concurrently. Failures are [`HostError`]s that name their [`Phase`](crate::Phase).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::event::Stream;
use crate::{Host, HostError, Phase, Secret, Vars};

/// How to become another user for one command (`-b`, `become: true`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalation {
    pub method: EscalationMethod,
    /// The user to become; `root` unless told otherwise.
    pub user: String,
    /// The password sudo asks for (`-K`, `ansible_become_password`); `None` runs `sudo -n`.
    pub password: Option<Secret<String>>,
}

impl Escalation {
    pub fn sudo(user: impl Into<String>) -> Self {
        Self { method: EscalationMethod::Sudo, user: user.into(), password: None }
    }
}

/// The become methods om knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EscalationMethod {
    Sudo,
    Su,
}

impl EscalationMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            EscalationMethod::Sudo => "sudo",
            EscalationMethod::Su => "su",
        }
    }
}

/// A become method om does not implement (`doas`, `pbrun`, …): refused, never run as sudo.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the become method `{0}` is not supported: om becomes another user with sudo or su")]
pub struct UnknownEscalationMethod(pub String);

impl std::str::FromStr for EscalationMethod {
    type Err = UnknownEscalationMethod;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name.trim() {
            "sudo" => Ok(EscalationMethod::Sudo),
            "su" => Ok(EscalationMethod::Su),
            other => Err(UnknownEscalationMethod(other.to_string())),
        }
    }
}

/// A command to run on a host through its login shell.
#[derive(Debug, Clone, Default)]
pub struct ExecRequest {
    /// The command line, already quoted for `sh -c`.
    pub command: String,
    /// Bytes to write to the command's standard input, then close it.
    pub stdin: Option<Vec<u8>>,
    /// Allocate a pseudo-terminal.
    pub pty: bool,
    /// Give up (and close the channel) after this long.
    pub timeout: Option<Duration>,
    /// Run the command as another user; the password, if any, goes over stdin after the
    /// prompt is seen, never in the command line.
    pub escalation: Option<Escalation>,
}

impl ExecRequest {
    pub fn new(command: impl Into<String>) -> Self {
        Self { command: command.into(), ..Self::default() }
    }
}

/// What a finished command left behind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecOutput {
    /// Exit status; `None` when the command was killed by a signal or the channel closed.
    pub rc: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// A chunk of live output, handed to the caller as it arrives.
#[derive(Debug, Clone, Copy)]
pub struct OutputChunk<'a> {
    pub stream: Stream,
    pub data: &'a [u8],
}

/// Receives live output chunks.
pub type OutputFn<'a> = &'a (dyn Fn(OutputChunk<'_>) + Send + Sync);

/// A native module call with the content it carries and a sink for live output (see
/// [`Connection::call_module`]).
#[derive(Clone, Copy)]
pub struct ModuleCall<'a> {
    pub module: &'a str,
    pub args: &'a Vars,
    pub check: bool,
    pub diff: bool,
    /// Bytes the module works on: `copy`'s content, a rendered template, an archive.
    pub input: Option<&'a [u8]>,
    /// Run the module as another user (the agent is started through sudo).
    pub escalation: Option<&'a Escalation>,
    /// `environment:`: variables for every program the module runs.
    pub environment: &'a [(String, String)],
    pub on_output: OutputFn<'a>,
    /// `async` with a job id: start the module detached on the host and return at once
    /// (the job's result lands where `async_status` reads it).
    pub job: Option<&'a ModuleJob>,
}

impl<'a> ModuleCall<'a> {
    /// A call with arguments only: no content, escalation, environment, output sink or job
    /// (what [`Connection::call`] passes on).
    pub fn plain(module: &'a str, args: &'a Vars, check: bool, diff: bool) -> Self {
        ModuleCall { module, args, check, diff, input: None, escalation: None, environment: &[], on_output: &|_| {}, job: None }
    }
}

/// A native module started as a background job (`async:`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ModuleJob {
    /// The job id (`ansible_job_id`).
    pub id: String,
    /// Seconds the module may run before the job reports a timeout.
    pub limit_s: u64,
}

/// What a native module returned: its result, and bytes it sent back (`fetch`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModuleReply {
    pub result: Vars,
    pub data: Option<Vec<u8>>,
}

/// A signal for the commands a connection runs: how a cancelled job stops them (`Term`
/// first, `Kill` after a grace period).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Term,
    Kill,
}

impl Signal {
    /// The name without `SIG`, as SSH's `signal` request and `kill -s` spell it.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Term => "TERM",
            Signal::Kill => "KILL",
        }
    }
}

/// An open session with one host.
#[async_trait]
pub trait Connection: Send + Sync {
    /// Runs a command, streaming output to `on_output`, and returns when it exits.
    async fn exec(&self, request: ExecRequest, on_output: OutputFn<'_>) -> Result<ExecOutput, HostError>;

    /// Writes `data` to `dest` on the host atomically, with `mode` if given.
    async fn put(&self, data: &[u8], dest: &str, mode: Option<u32>) -> Result<(), HostError>;

    /// Reads the whole file at `src` on the host.
    async fn get(&self, src: &str) -> Result<Vec<u8>, HostError>;

    /// Runs a native module (through om-agent, or in-process for the local transport) and
    /// returns its result in ansible-core's shape.
    async fn call(&self, module: &str, args: &Vars, check: bool, diff: bool) -> Result<Vars, HostError> {
        let _ = (args, check, diff);
        Err(HostError::new(self.host_name(), Phase::Module, format!("module `{module}` needs om-agent, which this transport does not run")))
    }

    /// Runs a native module with content, escalation and live output; the default passes
    /// calls without content or escalation to [`Connection::call`].
    async fn call_module(&self, call: ModuleCall<'_>) -> Result<ModuleReply, HostError> {
        if call.input.is_some() || call.escalation.is_some() {
            return Err(HostError::new(
                self.host_name(),
                Phase::Module,
                format!("module `{}` needs om-agent, which this transport does not run", call.module),
            ));
        }
        let result = self.call(call.module, call.args, call.check, call.diff).await?;
        Ok(ModuleReply { result, data: None })
    }

    /// Sends `signal` to the process group of every command this connection is running
    /// now. Transports that cannot signal ignore it (the caller then drops the command).
    async fn signal(&self, signal: Signal) {
        let _ = signal;
    }

    /// Whether [`Connection::call_module`] can start a module as a detached background job
    /// ([`ModuleCall::job`]): om-agent over SSH can; others run modules in the foreground.
    fn runs_module_jobs(&self) -> bool {
        false
    }

    /// What happened to the connection since the last call (established, reconnected, the
    /// agent started), one line each: what `-vvv` prints, once.
    fn take_notes(&self) -> Vec<String> {
        Vec::new()
    }

    /// The inventory name of the host this connection reaches.
    fn host_name(&self) -> &str;

    /// Closes the session; later calls fail.
    async fn close(&self);
}

/// Opens connections to hosts.
#[async_trait]
pub trait Connector: Send + Sync {
    async fn connect(&self, host: &Host) -> Result<Arc<dyn Connection>, HostError>;
}
