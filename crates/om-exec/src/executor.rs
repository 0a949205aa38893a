//! The executor: runs a [`Plan`] on a [`Target`] as per-host pipelines (each host goes
//! through the tasks at its own pace; results are still shown task by task, as the linear
//! strategy shows them), at most `forks` hosts in flight as tokio tasks, one connection per
//! host for the whole run, and every happening as an [`Event`].
//!
//! Events leave through one bounded channel; the executor never prints. A host that failed
//! or became unreachable sits out the remaining tasks, as in ansible-core.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::Utc;
use om_core::{
    Connection, Connector, EVENT_FORMAT_VERSION, Escalation, EscalationMethod, Event, Host, HostError, Outcome, Phase, Recap, Secret,
    Status, Target, Task, Vars,
};
use tokio::sync::{Semaphore, mpsc, oneshot, watch};
use tracing::{Instrument, debug, info_span};

use crate::action::{self, Action, Background, Ctx};
use crate::schema::parse_bool;
use crate::template;

/// The tasks of a run, in order.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub tasks: Vec<Task>,
    /// Arguments the caller rendered for one host's task (host name, task index), used as
    /// data: validated like the task's own, never templated again. An error fails that host's
    /// task with its text. Hosts without an entry render the task's arguments.
    pub host_args: HashMap<(String, usize), Result<Vars, String>>,
}

impl Plan {
    pub fn new(tasks: Vec<Task>) -> Self {
        Self { tasks, host_args: HashMap::new() }
    }
}

/// `-b`, `--become-method`, `--become-user`, `-K`: the defaults that host variables override.
#[derive(Debug, Clone, Default)]
pub struct BecomeOptions {
    pub enabled: bool,
    pub method: Option<EscalationMethod>,
    pub user: Option<String>,
    pub password: Option<Secret<String>>,
}

/// How a run behaves.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Hosts in flight at once (`-f`, 50).
    pub forks: usize,
    /// Per-task deadline for commands (`--task-timeout`).
    pub task_timeout: Option<Duration>,
    pub escalation: BecomeOptions,
    /// `-B`/`-P`.
    pub background: Option<Background>,
    /// Emit `Output` events with live output chunks (for `--events`).
    pub output_events: bool,
    /// What started the run (`run`, `play`…), for `run_started`.
    pub kind: String,
    /// Where `setup` results are kept across runs (SPD-5), for `G@` targeting and `smart`
    /// gathering.
    pub fact_cache: Option<om_facts::FactCache>,
    /// In a cancellable run ([`Executor::run_until`]), how long a cancelled command has
    /// between SIGTERM and SIGKILL.
    pub cancel_grace: Duration,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            forks: 50,
            task_timeout: None,
            escalation: BecomeOptions::default(),
            background: None,
            output_events: false,
            kind: "run".into(),
            fact_cache: None,
            cancel_grace: Duration::from_secs(10),
        }
    }
}

/// Runs plans through a connector.
pub struct Executor {
    connector: Arc<dyn Connector>,
    options: RunOptions,
}

/// One host's progress through the run.
struct HostRun {
    host: Arc<Host>,
    /// The host's connection once open (shared: a cancel signals its commands meanwhile).
    conn: Mutex<Option<Arc<dyn Connection>>>,
}

impl HostRun {
    fn conn(&self) -> Option<Arc<dyn Connection>> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn set_conn(&self, conn: Option<Arc<dyn Connection>>) {
        *self.conn.lock().unwrap_or_else(PoisonError::into_inner) = conn;
    }
}

/// Waits until `cancel` turns true; never, when its sender is gone first.
async fn cancelled(cancel: &mut watch::Receiver<bool>) {
    if cancel.wait_for(|c| *c).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// The result of a host the run's cancel stopped.
fn cancelled_outcome(host: &str, what: &str) -> Outcome {
    error_outcome(HostError::new(host, Phase::Cancelled, format!("the run was cancelled {what}")))
}

/// Hands results on in task order, as the linear strategy shows them: `TaskStarted`, every
/// active host's result, `TaskFinished`, then the next task; results of later tasks wait.
struct Sequencer {
    tx: mpsc::UnboundedSender<Event>,
    tasks: Vec<(String, String, Option<om_core::Span>)>,
    waiting: Vec<Vec<Event>>,
    current: usize,
    /// Hosts still in the run, in inventory order, and how many reported the current task.
    active: Vec<String>,
    reported: usize,
    out: std::collections::HashSet<String>,
    recap: Recap,
}

impl Sequencer {
    fn new(target: &Target, tasks: &[Task], tx: mpsc::UnboundedSender<Event>) -> Self {
        let mut s = Sequencer {
            tx,
            tasks: tasks.iter().map(|t| (t.name.clone(), t.module.clone(), t.span.clone())).collect(),
            waiting: vec![Vec::new(); tasks.len()],
            current: 0,
            active: target.hosts.iter().map(|h| h.name.clone()).collect(),
            reported: 0,
            out: Default::default(),
            recap: Recap::default(),
        };
        s.start_current();
        s
    }

    fn start_current(&mut self) {
        if let Some((name, module, span)) = self.tasks.get(self.current).cloned() {
            let hosts = self.active.len();
            let _ = self.tx.send(Event::TaskStarted { task: self.current, name, module, hosts, span });
        }
    }

    fn push(&mut self, event: Event) {
        if let Event::HostResult { task, .. } = &event
            && *task < self.waiting.len()
        {
            self.waiting[*task].push(event);
        }
        self.advance();
    }

    /// Releases what the current task has, and moves on while a task is complete.
    fn advance(&mut self) {
        while self.current < self.tasks.len() {
            for event in std::mem::take(&mut self.waiting[self.current]) {
                if let Event::HostResult { host, outcome, .. } = &event {
                    self.recap.record(host, outcome.status);
                    if matches!(outcome.status, Status::Failed | Status::Unreachable) {
                        self.out.insert(host.clone());
                    }
                    self.reported += 1;
                }
                let _ = self.tx.send(event);
            }
            if self.reported < self.active.len() {
                return;
            }
            self.finish_current();
        }
    }

    fn finish_current(&mut self) {
        let _ = self.tx.send(Event::TaskFinished { task: self.current });
        let out = std::mem::take(&mut self.out);
        self.active.retain(|h| !out.contains(h));
        self.reported = 0;
        self.current += 1;
        self.start_current();
    }

    /// Every host has ended: whatever never reported (a host's task crashed) closes its task.
    fn finish(mut self) -> Recap {
        while self.current < self.tasks.len() {
            self.reported = self.active.len();
            self.advance();
        }
        self.recap
    }
}

impl Executor {
    pub fn new(connector: Arc<dyn Connector>, options: RunOptions) -> Self {
        Self { connector, options }
    }

    /// Runs `plan` on `target`, sending every event to `events`; returns the recap.
    pub async fn run(&self, target: &Target, plan: &Plan, events: mpsc::Sender<Event>) -> Recap {
        self.run_inner(target, plan, events, None).await
    }

    /// [`Executor::run`] that stops when `cancel` turns true: no host starts after that, each
    /// running command gets SIGTERM to its process group, SIGKILL when it still runs
    /// [`RunOptions::cancel_grace`] later, and every host not done ends its current task
    /// `failed` in phase `cancelled`.
    pub async fn run_until(&self, target: &Target, plan: &Plan, events: mpsc::Sender<Event>, cancel: watch::Receiver<bool>) -> Recap {
        self.run_inner(target, plan, events, Some(cancel)).await
    }

    async fn run_inner(&self, target: &Target, plan: &Plan, events: mpsc::Sender<Event>, cancel: Option<watch::Receiver<bool>>) -> Recap {
        let started = Instant::now();
        // A run that cannot be cancelled never sees its sender turn true.
        let (_never, idle) = watch::channel(false);
        let signals = cancel.is_some();
        let cancel = cancel.unwrap_or(idle);
        let host_args = Arc::new(plan.host_args.clone());
        let (tx, mut rx) = mpsc::unbounded_channel::<Event>();
        // Every event goes through one queue so output chunks and results keep their order;
        // the bounded channel behind it gives the sinks backpressure.
        let forward = tokio::spawn(async move {
            while let Some(event) = rx.recv().await {
                if events.send(event).await.is_err() {
                    break;
                }
            }
        });
        let run_id = format!("{:016x}", rand::random::<u64>());
        let _ = tx.send(Event::RunStarted {
            version: EVENT_FORMAT_VERSION,
            run_id,
            kind: self.options.kind.clone(),
            hosts: target.len(),
            at: Utc::now(),
        });
        let tasks: Arc<[(Task, Prepared)]> = plan.tasks.iter().map(|t| (t.clone(), prepare(t))).collect();
        // Each host runs through the whole plan at its own pace (no barrier between tasks);
        // results pass through the sequencer below, which hands them on task by task.
        let (results_tx, mut results) = mpsc::unbounded_channel::<Event>();
        let mut sequencer = Sequencer::new(target, &plan.tasks, tx.clone());
        let forks = Arc::new(Semaphore::new(self.options.forks.max(1)));
        let mut running = tokio::task::JoinSet::new();
        // Hosts take fork slots in inventory order (as ansible's forks do): each waits until
        // the host before it has its slot (the semaphore queues fairly from there).
        let mut previous: Option<oneshot::Receiver<()>> = None;
        for host in &target.hosts {
            let (took_slot, next_waits) = oneshot::channel::<()>();
            let after = previous.replace(next_waits);
            let (tasks, forks, tx, results) = (Arc::clone(&tasks), Arc::clone(&forks), tx.clone(), results_tx.clone());
            let (connector, options, host_args) = (Arc::clone(&self.connector), self.options.clone(), Arc::clone(&host_args));
            let mut cancel = cancel.clone();
            let state = HostRun { host: Arc::clone(host), conn: Mutex::new(None) };
            let span = info_span!("host", host = %host.name);
            running.spawn(
                async move {
                    let slot = async {
                        if let Some(after) = after {
                            let _ = after.await;
                        }
                        forks.acquire_owned().await
                    };
                    let _permit = tokio::select! {
                        permit = slot => {
                            let _ = took_slot.send(());
                            permit.expect("the forks semaphore is never closed")
                        }
                        () = cancelled(&mut cancel) => {
                            if !tasks.is_empty() {
                                let outcome = cancelled_outcome(&state.host.name, "before the host started");
                                let _ = results.send(Event::HostResult { host: state.host.name.clone(), task: 0, outcome });
                            }
                            return;
                        }
                    };
                    for (index, (task, prepared)) in tasks.iter().enumerate() {
                        let job = HostJob {
                            connector: Arc::clone(&connector),
                            options: options.clone(),
                            prepared: prepared.clone(),
                            task: task.clone(),
                            index,
                            tx: tx.clone(),
                            results: results.clone(),
                            // An agent pays for itself when more than one task runs on the host;
                            // in a cancellable run commands keep exec channels of their own, so
                            // a cancel can send them SIGTERM (the agent's cancel only kills).
                            agent_commands: tasks.len() > 1 && !signals,
                            host_args: host_args.get(&(state.host.name.clone(), index)).cloned(),
                            signals,
                        };
                        let outcome = job.run(&state, &mut cancel).await;
                        // A host that failed or became unreachable sits out the rest.
                        if matches!(outcome.status, Status::Failed | Status::Unreachable) {
                            break;
                        }
                    }
                    if let Some(conn) = state.conn() {
                        conn.close().await;
                    }
                }
                .instrument(span),
            );
        }
        drop(results_tx);
        while let Some(event) = results.recv().await {
            sequencer.push(event);
        }
        while running.join_next().await.is_some() {}
        let recap = sequencer.finish();
        let _ = tx.send(Event::RunFinished { recap: recap.clone(), elapsed_us: started.elapsed().as_micros() as u64 });
        drop(tx);
        let _ = forward.await;
        recap
    }
}

/// A task checked once before any host runs it: the action and the validated arguments, or
/// why every host fails it.
#[derive(Clone)]
enum Prepared {
    Ready(&'static dyn Action, Vars),
    Invalid(String),
}

fn prepare(task: &Task) -> Prepared {
    let Some(action) = action::find(&task.module) else {
        return Prepared::Invalid(format!("The module {} was not found in configured module paths", task.module));
    };
    match action.schema().validate(&task.args) {
        Ok(args) => Prepared::Ready(action, args.into_vars()),
        Err(err) => Prepared::Invalid(err.to_string()),
    }
}

struct HostJob {
    connector: Arc<dyn Connector>,
    options: RunOptions,
    prepared: Prepared,
    task: Task,
    index: usize,
    /// Live output, straight to the sinks.
    tx: mpsc::UnboundedSender<Event>,
    /// The host's result, through the sequencer.
    results: mpsc::UnboundedSender<Event>,
    agent_commands: bool,
    /// The caller's arguments for this host (see [`Plan::host_args`]).
    host_args: Option<Result<Vars, String>>,
    /// A cancellable run: connections signal their commands' process groups.
    signals: bool,
}

impl HostJob {
    async fn run(self, state: &HostRun, cancel: &mut watch::Receiver<bool>) -> Outcome {
        let started = Instant::now();
        let attempt = if *cancel.borrow() {
            Ok(cancelled_outcome(&state.host.name, "before the task started"))
        } else {
            let work = self.attempt(state);
            tokio::pin!(work);
            tokio::select! {
                result = &mut work => result,
                () = cancelled(cancel) => {
                    self.stop(state, work).await;
                    Ok(cancelled_outcome(&state.host.name, "while the task ran"))
                }
            }
        };
        let mut outcome = match attempt {
            Ok(outcome) => outcome,
            Err(error) => {
                debug!(phase = %error.phase, error = %error.message, "host failed");
                if error.phase.is_unreachable() {
                    state.set_conn(None);
                }
                error_outcome(error)
            }
        };
        outcome.elapsed_us = started.elapsed().as_micros() as u64;
        self.cache_facts(&state.host.name, &outcome);
        if outcome.status == Status::Failed && outcome.error.is_none() {
            outcome.error = Some(module_error(&state.host.name, &outcome.result));
        }
        let _ = self.results.send(Event::HostResult { host: state.host.name.clone(), task: self.index, outcome: outcome.clone() });
        outcome
    }

    /// Keeps what `setup` gathered in the fact cache, when there is one.
    fn cache_facts(&self, host: &str, outcome: &Outcome) {
        let (Some(cache), Some(facts)) =
            (&self.options.fact_cache, outcome.result.get("ansible_facts").and_then(serde_json::Value::as_object))
        else {
            return;
        };
        if om_modules::registry::canonical(&self.task.module) != "setup" || !matches!(outcome.status, Status::Ok | Status::Changed) {
            return;
        }
        if let Err(err) = cache.set(host, facts) {
            tracing::warn!(host, error = %err, "cannot store facts in the fact cache");
        }
    }

    /// Stops a cancelled task: SIGTERM to the host's commands, SIGKILL when the task still
    /// runs after the grace, then the task is dropped (which closes its channels). Output
    /// keeps flowing meanwhile; notes say what happens.
    async fn stop(&self, state: &HostRun, mut work: std::pin::Pin<&mut impl std::future::Future>) {
        let Some(conn) = state.conn() else { return };
        let grace = self.options.cancel_grace;
        self.note(&state.host.name, "om: run cancelled; sending SIGTERM\n".into());
        if signal_until(work.as_mut(), conn.as_ref(), om_core::Signal::Term, grace).await {
            return;
        }
        self.note(&state.host.name, format!("om: still running {} ms after SIGTERM; sending SIGKILL\n", grace.as_millis()));
        signal_until(work, conn.as_ref(), om_core::Signal::Kill, Duration::from_secs(2)).await;
    }

    /// A line about the run on the host's stderr (with live output), else as a warning.
    fn note(&self, host: &str, text: String) {
        let event = if self.options.output_events {
            Event::Output { host: host.to_string(), task: self.index, stream: om_core::Stream::Stderr, data: text }
        } else {
            Event::Warning { message: text.trim_end().to_string(), host: Some(host.to_string()) }
        };
        let _ = self.tx.send(event);
    }

    async fn attempt(&self, state: &HostRun) -> Result<Outcome, HostError> {
        let host = Arc::clone(&state.host);
        let (action, args) = match (&self.host_args, &self.prepared) {
            (Some(Err(msg)), _) => return Ok(action::failed(msg.clone(), Vars::new())),
            // The caller's arguments are data: validated, not templated.
            (Some(Ok(args)), _) => {
                let Some(action) = action::find(&self.task.module) else {
                    return Ok(action::failed(format!("The module {} was not found", self.task.module), Vars::new()));
                };
                match action.schema().validate(args) {
                    Ok(args) => (action, args.into_vars()),
                    Err(err) => return Ok(action::failed(err.to_string(), Vars::new())),
                }
            }
            (None, Prepared::Invalid(msg)) => return Ok(action::failed(msg.clone(), Vars::new())),
            (None, Prepared::Ready(action, args)) => {
                let vars = template::host_context(&host);
                match template::render_args(args, &vars) {
                    Ok(args) => (*action, args),
                    Err(err) => {
                        return Ok(action::failed(format!("The task includes an option with an undefined variable: {err}"), Vars::new()));
                    }
                }
            }
        };
        let conn = match state.conn() {
            Some(conn) => conn,
            None => {
                let conn = self.connector.connect(&host).await?;
                let conn = if self.signals { crate::signal_groups(conn) } else { conn };
                state.set_conn(Some(Arc::clone(&conn)));
                conn
            }
        };
        let relay = OutputRelay { host: &host.name, task: self.index, tx: &self.tx, carry: Mutex::default() };
        let stream_output = self.options.output_events;
        let on_output = |chunk: om_core::OutputChunk<'_>| {
            if stream_output {
                relay.chunk(chunk.stream, chunk.data);
            }
        };
        let timeout = self.task.timeout_s.map(Duration::from_secs).or(self.options.task_timeout);
        let ctx = Ctx {
            host: &host,
            conn: conn.as_ref(),
            args,
            check: self.task.check,
            diff: self.task.diff,
            escalation: escalation(&host, &self.options.escalation)?,
            timeout,
            output: &on_output,
            background: self.options.background,
            rendered: None,
            agent_commands: self.agent_commands,
            environment: Vec::new(),
        };
        // Transfers and probes have their own deadlines; this one bounds the whole task.
        let result = match timeout {
            Some(limit) => match tokio::time::timeout(limit + Duration::from_secs(5), action.run(&ctx)).await {
                Ok(result) => result,
                Err(_) => Err(HostError::new(&host.name, Phase::Timeout, format!("the task did not finish within {}s", limit.as_secs()))),
            },
            None => action.run(&ctx).await,
        };
        relay.flush();
        result
    }
}

/// Turns output chunks into `Output` events, keeping UTF-8 sequences split across chunks
/// whole.
struct OutputRelay<'a> {
    host: &'a str,
    task: usize,
    tx: &'a mpsc::UnboundedSender<Event>,
    /// An incomplete sequence at the end of the last chunk, per stream (stdout, stderr).
    carry: Mutex<[Vec<u8>; 2]>,
}

impl OutputRelay<'_> {
    fn chunk(&self, stream: om_core::Stream, data: &[u8]) {
        let mut carry = self.carry.lock().unwrap_or_else(PoisonError::into_inner);
        let buf = &mut carry[usize::from(stream == om_core::Stream::Stderr)];
        buf.extend_from_slice(data);
        let keep = match std::str::from_utf8(buf) {
            Err(e) if e.error_len().is_none() => buf.len() - e.valid_up_to(),
            _ => 0,
        };
        let rest = buf.split_off(buf.len() - keep);
        let text = String::from_utf8_lossy(buf).into_owned();
        *buf = rest;
        self.send(stream, text);
    }

    fn flush(&self) {
        let carry = std::mem::take(&mut *self.carry.lock().unwrap_or_else(PoisonError::into_inner));
        for (buf, stream) in carry.into_iter().zip([om_core::Stream::Stdout, om_core::Stream::Stderr]) {
            self.send(stream, String::from_utf8_lossy(&buf).into_owned());
        }
    }

    fn send(&self, stream: om_core::Stream, data: String) {
        if !data.is_empty() {
            let _ = self.tx.send(Event::Output { host: self.host.to_string(), task: self.task, stream, data });
        }
    }
}

/// Sends `signal` while the task keeps running; true when the task ended within `limit`.
async fn signal_until(
    mut work: std::pin::Pin<&mut impl std::future::Future>,
    conn: &dyn Connection,
    signal: om_core::Signal,
    limit: Duration,
) -> bool {
    let send = conn.signal(signal);
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

/// A module's own failure, classified: phase `module`, with the rc when there is one.
fn module_error(host: &str, result: &Vars) -> HostError {
    let msg = result.get("msg").and_then(|m| m.as_str()).unwrap_or("failed");
    match result.get("rc").and_then(|rc| rc.as_i64()) {
        Some(rc) => HostError::new(host, Phase::Module, format!("{msg} (rc={rc})")),
        None => HostError::new(host, Phase::Module, msg),
    }
}

/// The outcome of a classified failure; `msg` names the phase, `hint` stays on the error.
fn error_outcome(error: HostError) -> Outcome {
    let msg = format!("{}: {}", error.phase, error.message);
    let mut outcome = Outcome::from_error(error);
    outcome.result.insert("msg".into(), msg.into());
    outcome
}

/// The escalation for `host`: its `ansible_become*` variables beat the command line. A
/// become method om does not implement fails the host in phase `become`.
pub fn escalation(host: &Host, defaults: &BecomeOptions) -> Result<Option<Escalation>, HostError> {
    let enabled = host.var_str(&["ansible_become"]).and_then(|v| parse_bool(&v)).unwrap_or(defaults.enabled);
    if !enabled {
        return Ok(None);
    }
    let method = match host.var_str(&["ansible_become_method"]) {
        Some(name) => become_method(&host.name, &name)?,
        None => defaults.method.unwrap_or(EscalationMethod::Sudo),
    };
    let user =
        host.var_str(&["ansible_become_user", "ansible_sudo_user"]).or_else(|| defaults.user.clone()).unwrap_or_else(|| "root".into());
    let password = host
        .var_str(&["ansible_become_password", "ansible_become_pass", "ansible_sudo_pass"])
        .map(Secret::new)
        .or_else(|| defaults.password.clone());
    Ok(Some(Escalation { method, user, password }))
}

/// `name` as a become method, or the host's `become` failure saying which ones om has.
pub fn become_method(host: &str, name: &str) -> Result<EscalationMethod, HostError> {
    name.parse().map_err(|e: om_core::UnknownEscalationMethod| {
        HostError::new(host, Phase::Become, e.to_string()).with_hint("set ansible_become_method (or become_method) to sudo or su")
    })
}
