//! Playbook actions through om-play, in process: the job's hosts are the inventory (their
//! variables as hostvars), the action's parameters are extra variables (data, never text),
//! live output and per-task results go to the job's events, and the run's recap ends it.
//!
//! The recap ([`Event::RunFinished`]) is held back until the run is over, so a playbook error
//! found while running fails the hosts it left without a result, a timeout fails them all, and
//! a cancelled run sends none (its hosts end `cancelled`). A cancel sends SIGTERM to each
//! running command's process group, SIGKILL after the grace, as for command actions: the
//! playbook's commands run on exec channels of their own (not om-agent's) for that.

use std::path::{Component, Path};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use om_core::{Connection, Connector, Event, Host, HostError, Outcome, Phase, Recap, Signal, Status, Vars};
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};

use super::runner::{JobSpec, RunEnd, wait_cancel};
use crate::catalog::render::Rendered;

/// Runs `spec`'s playbook (under `<repo>/playbooks`) on its hosts.
pub(super) async fn run_playbook(
    spec: &JobSpec,
    connector: Arc<dyn Connector>,
    repo: &Path,
    events: &mpsc::UnboundedSender<Event>,
    mut cancel: watch::Receiver<bool>,
) -> RunEnd {
    let started = Instant::now();
    let send = |e: Event| {
        let _ = events.send(e);
    };
    let prepared = prepare(spec, repo);
    let (book, inventory, extra) = match prepared {
        Ok(p) => p,
        Err(message) => {
            send(run_started(spec));
            let mut recap = Recap::default();
            fail_hosts(spec, &mut recap, events, Phase::Module, &message, |_| true);
            send(Event::RunFinished { recap, elapsed_us: started.elapsed().as_micros() as u64 });
            return RunEnd::Completed;
        }
    };
    let tracked = Arc::new(Tracked { inner: connector, open: Mutex::default() });
    let options =
        om_play::PlayOptions { forks: spec.forks.max(1), extra_vars: extra, output_events: true, cancellable: true, ..Default::default() };
    let (tx, mut rx) = mpsc::unbounded_channel();
    let runner = om_play::Runner::new(Arc::new(inventory), Arc::clone(&tracked) as Arc<dyn Connector>, options, tx);
    let mut held: Option<Event> = None;
    let mut forward = |event: Event| match event {
        Event::RunFinished { .. } => held = Some(event),
        other => {
            let _ = events.send(other);
        }
    };
    let mut run = Box::pin(runner.run(&book));
    let deadline = tokio::time::sleep(Duration::from_secs(spec.timeout.max(1)));
    tokio::pin!(deadline);
    enum End {
        Done(Result<Recap, om_play::PlayError>),
        Cancelled,
        TimedOut,
    }
    let end = loop {
        tokio::select! {
            biased;
            Some(event) = rx.recv() => forward(event),
            result = &mut run => break End::Done(result),
            _ = wait_cancel(&mut cancel) => break End::Cancelled,
            () = &mut deadline => break End::TimedOut,
        }
    };
    if !matches!(end, End::Done(_)) {
        let grace = Duration::from_millis(spec.cancel_grace_ms);
        let stopped = stop(&tracked, run.as_mut(), &mut rx, &mut forward, Signal::Term, grace).await
            || stop(&tracked, run.as_mut(), &mut rx, &mut forward, Signal::Kill, Duration::from_secs(2)).await;
        if !stopped {
            tracing::warn!(job = spec.job_id, "the playbook run did not stop after SIGKILL; dropping it");
        }
    }
    drop(run);
    while let Ok(event) = rx.try_recv() {
        forward(event);
    }
    let mut recap = match held {
        Some(Event::RunFinished { recap, .. }) => recap,
        _ => Recap::default(),
    };
    let elapsed_us = started.elapsed().as_micros() as u64;
    match end {
        End::Cancelled => return RunEnd::Cancelled,
        End::TimedOut => {
            let message = format!("the playbook did not finish within the job's timeout ({} s)", spec.timeout);
            fail_hosts(spec, &mut recap, events, Phase::Timeout, &message, |_| true);
        }
        End::Done(Err(err)) => {
            let message = err.to_string();
            let done = recap.clone();
            fail_hosts(spec, &mut recap, events, Phase::Module, &message, |h| !done.hosts.contains_key(h));
        }
        End::Done(Ok(_)) => {}
    }
    send(Event::RunFinished { recap, elapsed_us });
    if *cancel.borrow() { RunEnd::Cancelled } else { RunEnd::Completed }
}

/// The playbook, the inventory of the job's hosts and the extra variables.
fn prepare(spec: &JobSpec, repo: &Path) -> Result<(om_play::Playbook, om_inventory::Inventory, Vars), String> {
    let (playbook, extra) = match spec.action.render(&spec.values, &json!({}), &json!({})) {
        Ok(Rendered::Playbook { playbook, extra_vars }) => (playbook, extra_vars),
        Ok(_) => return Err("the action does not run a playbook".into()),
        Err(err) => return Err(err.detail()),
    };
    let relative = Path::new(&playbook);
    if playbook.is_empty() || !relative.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err(format!("`{playbook}` is not a playbook of the repository (a relative path without `..`)"));
    }
    let book = om_play::load(&repo.join("playbooks").join(relative), &om_play::LoadOptions::default()).map_err(|e| e.to_string())?;
    let hosts: serde_json::Map<String, Value> = spec.hosts.iter().map(|h| (h.name.clone(), Value::Object(h.vars.clone()))).collect();
    let text = json!({"all": {"hosts": hosts}}).to_string();
    let source = om_inventory::Source::Text { name: "platform.json".into(), text };
    let loaded = om_inventory::Inventory::load(&[source], &om_inventory::LoadOptions::default()).map_err(|e| e.to_string())?;
    let extra = match as_data(extra) {
        Value::Object(map) => map,
        _ => Vars::new(),
    };
    Ok((book, loaded.inventory, extra))
}

/// Parameters as data: every text is `!unsafe`, so `{{ … }}` in a value reaches the host as
/// typed and is never evaluated on the runner.
fn as_data(value: Value) -> Value {
    match value {
        Value::String(text) => json!({ "__ansible_unsafe": text }),
        Value::Array(items) => Value::Array(items.into_iter().map(as_data).collect()),
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, as_data(v))).collect()),
        other => other,
    }
}

fn run_started(spec: &JobSpec) -> Event {
    Event::RunStarted {
        version: om_core::EVENT_FORMAT_VERSION,
        run_id: spec.job_id.to_string(),
        kind: "play".into(),
        hosts: spec.hosts.len(),
        at: chrono::Utc::now(),
    }
}

/// A failed result for each of `spec`'s hosts that `which` picks, counted in `recap`.
fn fail_hosts(
    spec: &JobSpec,
    recap: &mut Recap,
    events: &mpsc::UnboundedSender<Event>,
    phase: Phase,
    message: &str,
    which: impl Fn(&str) -> bool,
) {
    for host in spec.hosts.iter().filter(|h| which(&h.name)) {
        let mut outcome = Outcome::from_error(HostError::new(&host.name, phase, message));
        outcome.result.insert("msg".into(), message.into());
        recap.record(&host.name, Status::Failed);
        let _ = events.send(Event::HostResult { host: host.name.clone(), task: usize::MAX, outcome });
    }
}

/// Signals every command of the run while it keeps going (its events still flow); true when
/// the run ended within `limit`.
async fn stop<F: std::future::Future>(
    tracked: &Tracked,
    mut run: std::pin::Pin<&mut F>,
    rx: &mut mpsc::UnboundedReceiver<Event>,
    forward: &mut impl FnMut(Event),
    signal: Signal,
    limit: Duration,
) -> bool {
    let open: Vec<Arc<dyn Connection>> = tracked.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
    let send = futures_util::future::join_all(open.iter().map(|c| c.signal(signal)));
    tokio::pin!(send);
    let mut sent = false;
    let deadline = tokio::time::sleep(limit);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            Some(event) = rx.recv() => forward(event),
            _ = run.as_mut() => return true,
            _ = &mut send, if !sent => sent = true,
            () = &mut deadline => return false,
        }
    }
}

/// A connector that remembers the connections it opened, so a cancel can signal their
/// commands' process groups.
struct Tracked {
    inner: Arc<dyn Connector>,
    open: Mutex<Vec<Arc<dyn Connection>>>,
}

#[async_trait]
impl Connector for Tracked {
    async fn connect(&self, host: &Host) -> Result<Arc<dyn Connection>, HostError> {
        let conn = om_exec::signal_groups(self.inner.connect(host).await?);
        self.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(Arc::clone(&conn));
        Ok(conn)
    }
}
