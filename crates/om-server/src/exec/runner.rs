//! The job runner: renders the action for each host, runs it with at most `forks` hosts at
//! once, and reports everything as `om_core::Event`s. Cancelling stops new hosts and kills
//! running commands; hosts without a result are closed by the recorder.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use om_core::{Connection, Connector, Event, ExecRequest, Host, HostError, Outcome, Phase, Recap, Status, Stream, Vars};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::{Semaphore, mpsc, watch};

use crate::catalog::{ActionDef, Values, render::Rendered};

/// Everything a runner needs for one job; what a worker receives when it claims one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobSpec {
    pub job_id: i64,
    pub action: ActionDef,
    /// Validated values, secrets included (they live only in memory and on the wire to the
    /// worker).
    pub values: Values,
    pub hosts: Vec<HostSpec>,
    pub forks: usize,
    /// Seconds per host.
    pub timeout: u64,
    /// Between SIGTERM and SIGKILL when the job is cancelled.
    #[serde(default = "default_grace")]
    pub cancel_grace_ms: u64,
}

fn default_grace() -> u64 {
    10_000
}

/// What a cancel needs of a host's running command: its connection, once open, and its
/// process group on the host, once the command has said it (see [`GROUP_MARKER`]).
#[derive(Default)]
struct ConnSlot {
    conn: Mutex<Option<Arc<dyn Connection>>>,
    group: Mutex<Option<u32>>,
}

impl ConnSlot {
    fn conn(&self) -> Option<Arc<dyn Connection>> {
        self.conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    fn group(&self) -> Option<u32> {
        *self.group.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Signals the command's process group: `kill` on a channel of its own when the group is
    /// known (sshd refuses SSH `signal` requests in root sessions), else the transport's
    /// signal.
    async fn signal(&self, signal: om_core::Signal) {
        let Some(conn) = self.conn() else { return };
        match self.group() {
            Some(group) => {
                let command = format!("kill -s {} -- -{group}", signal.name());
                let request = ExecRequest { command, timeout: Some(Duration::from_secs(5)), ..Default::default() };
                if let Err(err) = conn.exec(request, &|_| {}).await {
                    tracing::warn!(host = conn.host_name(), error = %err, "cannot signal the command; asking the transport");
                    conn.signal(signal).await;
                }
            }
            None => conn.signal(signal).await,
        }
    }
}

/// The first line a command prints on stderr: its shell's pid, which is its process group
/// (sshd and the local transport start each command as a group leader). The runner takes the
/// line out of the output.
const GROUP_MARKER: &str = "om-pgid:";

/// One target: its inventory name and variables (`ansible_host`, `ansible_port`, …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostSpec {
    pub name: String,
    pub vars: Vars,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunEnd {
    Completed,
    Cancelled,
}

/// Runs `spec`, sending its events to `events`. `repo` is the platform's repository
/// (`<data>`), holding `files/` and `playbooks/`.
pub async fn run_job(
    spec: &JobSpec,
    connector: Arc<dyn Connector>,
    repo: &Path,
    events: mpsc::UnboundedSender<Event>,
    mut cancel: watch::Receiver<bool>,
) -> RunEnd {
    if matches!(spec.action.run, crate::catalog::RunDef::Playbook { .. }) {
        return super::play::run_playbook(spec, connector, repo, &events, cancel).await;
    }
    let started = Instant::now();
    let send = |e: Event| {
        let _ = events.send(e);
    };
    send(Event::RunStarted {
        version: om_core::EVENT_FORMAT_VERSION,
        run_id: spec.job_id.to_string(),
        kind: "action".into(),
        hosts: spec.hosts.len(),
        at: chrono::Utc::now(),
    });
    send(Event::TaskStarted {
        task: 0,
        name: spec.action.name.clone(),
        module: run_kind(&spec.action).into(),
        hosts: spec.hosts.len(),
        span: None,
    });
    let forks = Arc::new(Semaphore::new(spec.forks.max(1)));
    let recap = Arc::new(Mutex::new(Recap::default()));
    let mut tasks = tokio::task::JoinSet::new();
    let mut cancelled = false;
    for host in &spec.hosts {
        let permit = tokio::select! {
            permit = Arc::clone(&forks).acquire_owned() => permit.expect("the semaphore is never closed"),
            _ = wait_cancel(&mut cancel) => { cancelled = true; break; }
        };
        let (spec, host, connector, events, recap, repo) =
            (spec.clone(), host.clone(), Arc::clone(&connector), events.clone(), Arc::clone(&recap), repo.to_path_buf());
        let mut cancel = cancel.clone();
        tasks.spawn(async move {
            let _permit = permit;
            let slot = ConnSlot::default();
            let work = run_host(&spec, &host, connector.as_ref(), &repo, &events, &slot);
            tokio::pin!(work);
            let outcome = tokio::select! {
                outcome = &mut work => outcome,
                _ = wait_cancel(&mut cancel) => {
                    // The host ends `cancelled` (the recorder closes hosts without a result).
                    stop_host(work, &slot, Duration::from_millis(spec.cancel_grace_ms), &events, &host.name).await;
                    return;
                }
            };
            recap.lock().expect("the recap lock is never poisoned").record(&host.name, outcome.status);
            let _ = events.send(Event::HostResult { host: host.name.clone(), task: 0, outcome });
        });
    }
    while tasks.join_next().await.is_some() {}
    cancelled |= *cancel.borrow();
    send(Event::TaskFinished { task: 0 });
    let recap = recap.lock().expect("the recap lock is never poisoned").clone();
    send(Event::RunFinished { recap, elapsed_us: started.elapsed().as_micros() as u64 });
    if cancelled { RunEnd::Cancelled } else { RunEnd::Completed }
}

/// Stops a cancelled host's command: SIGTERM to its process group, SIGKILL when it is still
/// running after `grace`, then the command is dropped (which closes its channel).
async fn stop_host(
    mut work: std::pin::Pin<&mut impl std::future::Future<Output = Outcome>>,
    slot: &ConnSlot,
    grace: Duration,
    events: &mpsc::UnboundedSender<Event>,
    host: &str,
) {
    if slot.conn().is_none() {
        return;
    }
    let note = |text: String| {
        let _ = events.send(Event::Output { host: host.to_string(), task: 0, stream: Stream::Stderr, data: text });
    };
    note("om: job cancelled; sending SIGTERM\n".into());
    if signal_until(work.as_mut(), slot, om_core::Signal::Term, grace).await {
        return;
    }
    note(format!("om: still running {} ms after SIGTERM; sending SIGKILL\n", grace.as_millis()));
    signal_until(work, slot, om_core::Signal::Kill, Duration::from_secs(2)).await;
}

/// Sends `signal` while the command keeps running (its output still flows); true when the
/// command ended within `limit`.
async fn signal_until(
    mut work: std::pin::Pin<&mut impl std::future::Future<Output = Outcome>>,
    slot: &ConnSlot,
    signal: om_core::Signal,
    limit: Duration,
) -> bool {
    let send = slot.signal(signal);
    tokio::pin!(send);
    let deadline = tokio::time::sleep(limit);
    tokio::pin!(deadline);
    let mut sent = false;
    loop {
        tokio::select! {
            _ = work.as_mut() => return true,
            () = &mut send, if !sent => sent = true,
            () = &mut deadline => return false,
        }
    }
}

pub(super) async fn wait_cancel(cancel: &mut watch::Receiver<bool>) {
    if cancel.wait_for(|c| *c).await.is_err() {
        std::future::pending::<()>().await;
    }
}

fn run_kind(action: &ActionDef) -> &'static str {
    match action.run {
        crate::catalog::RunDef::Command { .. } => "command",
        crate::catalog::RunDef::Shell { .. } => "shell",
        crate::catalog::RunDef::Module { .. } => "module",
        crate::catalog::RunDef::Copy { .. } => "copy",
        crate::catalog::RunDef::Playbook { .. } => "playbook",
    }
}

/// Turns output chunks into `Output` events, keeping split UTF-8 sequences whole.
struct OutputRelay<'a> {
    host: &'a str,
    events: &'a mpsc::UnboundedSender<Event>,
    carry: Mutex<[Vec<u8>; 2]>,
    /// Stderr's start while the [`GROUP_MARKER`] line is awaited, and where the group goes.
    marker: Option<(Mutex<Option<Vec<u8>>>, &'a ConnSlot)>,
}

impl OutputRelay<'_> {
    fn new<'a>(host: &'a str, events: &'a mpsc::UnboundedSender<Event>, group_to: Option<&'a ConnSlot>) -> OutputRelay<'a> {
        OutputRelay { host, events, carry: Mutex::default(), marker: group_to.map(|slot| (Mutex::new(Some(Vec::new())), slot)) }
    }

    fn chunk(&self, stream: Stream, data: &[u8]) {
        if stream == Stream::Stderr
            && let Some((pending, slot)) = &self.marker
        {
            let mut pending = pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(buf) = pending.as_mut() {
                buf.extend_from_slice(data);
                let rest = match buf.iter().position(|b| *b == b'\n') {
                    Some(end) => {
                        let group = std::str::from_utf8(&buf[..end])
                            .ok()
                            .and_then(|line| line.strip_prefix(GROUP_MARKER))
                            .and_then(|pid| pid.trim().parse::<u32>().ok())
                            .filter(|pid| *pid > 1);
                        match group {
                            Some(group) => {
                                *slot.group.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(group);
                                buf.split_off(end + 1)
                            }
                            None => std::mem::take(buf),
                        }
                    }
                    None if buf.len() < 64 => return,
                    None => std::mem::take(buf),
                };
                *pending = None;
                drop(pending);
                if !rest.is_empty() {
                    self.pass(stream, &rest);
                }
                return;
            }
        }
        self.pass(stream, data);
    }

    fn pass(&self, stream: Stream, data: &[u8]) {
        let index = usize::from(stream == Stream::Stderr);
        let mut carry = self.carry.lock().expect("the relay lock is never poisoned");
        let buf = &mut carry[index];
        buf.extend_from_slice(data);
        let keep = match std::str::from_utf8(buf) {
            Ok(_) => 0,
            // An incomplete sequence at the very end waits for the next chunk.
            Err(e) if e.error_len().is_none() => buf.len() - e.valid_up_to(),
            Err(_) => 0,
        };
        let rest = buf.split_off(buf.len() - keep);
        let text = String::from_utf8_lossy(buf).into_owned();
        *buf = rest;
        if !text.is_empty() {
            let _ = self.events.send(Event::Output { host: self.host.to_string(), task: 0, stream, data: text });
        }
    }

    fn flush(&self) {
        if let Some((pending, _)) = &self.marker {
            let start = pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
            if let Some(start) = start.filter(|s| !s.is_empty()) {
                self.pass(Stream::Stderr, &start);
            }
        }
        let mut carry = self.carry.lock().expect("the relay lock is never poisoned");
        for (i, buf) in carry.iter_mut().enumerate() {
            if !buf.is_empty() {
                let stream = if i == 0 { Stream::Stdout } else { Stream::Stderr };
                let _ = self.events.send(Event::Output {
                    host: self.host.to_string(),
                    task: 0,
                    stream,
                    data: String::from_utf8_lossy(buf).into_owned(),
                });
                buf.clear();
            }
        }
    }
}

async fn run_host(
    spec: &JobSpec,
    host: &HostSpec,
    connector: &dyn Connector,
    repo: &Path,
    events: &mpsc::UnboundedSender<Event>,
    slot: &ConnSlot,
) -> Outcome {
    let started = Instant::now();
    let mut outcome = match run_host_inner(spec, host, connector, repo, events, slot).await {
        Ok(outcome) => outcome,
        Err(err) => Outcome::from_error(err),
    };
    outcome.elapsed_us = started.elapsed().as_micros() as u64;
    outcome
}

async fn run_host_inner(
    spec: &JobSpec,
    host: &HostSpec,
    connector: &dyn Connector,
    repo: &Path,
    events: &mpsc::UnboundedSender<Event>,
    slot: &ConnSlot,
) -> Result<Outcome, HostError> {
    let target = Host { name: host.name.clone(), vars: host.vars.clone(), groups: Vec::new() };
    let host_ctx = json!({"name": host.name, "ip": target.address()});
    let rendered = spec
        .action
        .render(&spec.values, &host_ctx, &Value::Object(host.vars.clone()))
        .map_err(|e| HostError::new(&host.name, Phase::Module, e.detail()))?;
    let timeout = Duration::from_secs(spec.timeout);
    let exec = matches!(rendered, Rendered::Exec { .. });
    let relay = OutputRelay::new(&host.name, events, exec.then_some(slot));
    let on_output = |chunk: om_core::OutputChunk<'_>| relay.chunk(chunk.stream, chunk.data);
    let connect = || async {
        let conn = connector.connect(&target).await?;
        *slot.conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Arc::clone(&conn));
        Ok::<_, HostError>(conn)
    };
    let outcome = match rendered {
        Rendered::Exec { command } => {
            let conn = connect().await?;
            let command = format!("printf '{GROUP_MARKER}%s\\n' \"$$\" >&2; {}", with_environment(&host.vars, &command));
            let out = conn.exec(ExecRequest { command, timeout: Some(timeout), ..Default::default() }, &on_output).await;
            conn.close().await;
            let out = out?;
            relay.flush();
            exec_outcome(out.rc)
        }
        Rendered::Copy { src, dest, mode, backup } => {
            let conn = connect().await?;
            let result = copy(conn.as_ref(), &repo.join("files").join(&src), &dest, mode, backup, &on_output).await;
            conn.close().await;
            result?
        }
        Rendered::Module { module, args } => {
            let conn = connect().await?;
            let result = conn.call(&module, &args, false, false).await;
            conn.close().await;
            let result = result?;
            let status = if result.get("failed").and_then(Value::as_bool) == Some(true) {
                Status::Failed
            } else if result.get("changed").and_then(Value::as_bool) == Some(true) {
                Status::Changed
            } else {
                Status::Ok
            };
            Outcome::new(status, result)
        }
        Rendered::Playbook { .. } => {
            return Err(HostError::new(&host.name, Phase::Module, "playbooks run through om-play, not per host"));
        }
    };
    Ok(outcome)
}

fn exec_outcome(rc: Option<i32>) -> Outcome {
    let mut result = Vars::new();
    result.insert("rc".into(), rc.map(Value::from).unwrap_or(Value::Null));
    result.insert("changed".into(), false.into());
    match rc {
        Some(0) => Outcome::new(Status::Ok, result),
        Some(code) => {
            result.insert("msg".into(), format!("non-zero return code {code}").into());
            result.insert("failed".into(), true.into());
            Outcome::new(Status::Failed, result)
        }
        None => {
            result.insert("msg".into(), "killed by a signal".into());
            result.insert("failed".into(), true.into());
            Outcome::new(Status::Failed, result)
        }
    }
}

/// `export K=V; command` for a server's `environment` variable (a map), as Ansible's
/// `environment:` keyword does.
fn with_environment(vars: &Vars, command: &str) -> String {
    let Some(Value::Object(env)) = vars.get("environment") else { return command.to_string() };
    let mut prefix = String::new();
    for (k, v) in env {
        let valid =
            !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !k.starts_with(|c: char| c.is_ascii_digit());
        let value = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if valid {
            prefix.push_str(&format!("export {k}={}; ", shell_words::quote(&value)));
        }
    }
    format!("{prefix}{command}")
}

async fn copy(
    conn: &dyn Connection,
    src: &Path,
    dest: &str,
    mode: Option<u32>,
    backup: bool,
    on_output: om_core::transport::OutputFn<'_>,
) -> Result<Outcome, HostError> {
    let host = conn.host_name().to_string();
    let data = tokio::fs::read(src)
        .await
        .map_err(|e| HostError::new(&host, Phase::Transfer, format!("cannot read the repository file {}: {e}", src.display())))?;
    let current = conn.get(dest).await.ok();
    let mut result = Vars::new();
    result.insert("dest".into(), dest.into());
    if current.as_deref() == Some(data.as_slice()) {
        on_output(om_core::OutputChunk { stream: Stream::Stdout, data: format!("{dest} is up to date\n").as_bytes() });
        result.insert("changed".into(), false.into());
        return Ok(Outcome::new(Status::Ok, result));
    }
    if backup && current.is_some() {
        let q = |s: &str| shell_words::quote(s).into_owned();
        let command = format!("cp -p {} {}", q(dest), q(&format!("{dest}.om-backup")));
        let out = conn.exec(ExecRequest { command, ..Default::default() }, &|_| {}).await?;
        if out.rc != Some(0) {
            return Err(HostError::new(
                &host,
                Phase::Transfer,
                format!("cannot back up {dest}: {}", String::from_utf8_lossy(&out.stderr).trim()),
            ));
        }
    }
    conn.put(&data, dest, mode).await?;
    on_output(om_core::OutputChunk { stream: Stream::Stdout, data: format!("copied {} bytes to {dest}\n", data.len()).as_bytes() });
    result.insert("changed".into(), true.into());
    Ok(Outcome::new(Status::Changed, result))
}
