//! The job runner: renders the action for each host and runs it through om-exec's executor
//! (forks, per-host timeout, cancel), forwarding its `om_core::Event`s. Hosts without a
//! result (cancelled ones) are closed by the recorder.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use om_core::{Connector, Event, Host, Status, Target, Vars};
use om_exec::{Executor, Plan, RunOptions};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};

use crate::catalog::{ActionDef, RunDef, Values, render::Rendered};

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
/// (`<data>`), holding `files/` and `playbooks/`. Command, module and copy actions run
/// through om-exec's executor: the action rendered for each host as that host's task
/// arguments (data, not templated again), the job's timeout per host, its cancel as the
/// executor's (SIGTERM to each command's process group, SIGKILL after the grace).
pub async fn run_job(
    spec: &JobSpec,
    connector: Arc<dyn Connector>,
    repo: &Path,
    events: mpsc::UnboundedSender<Event>,
    cancel: watch::Receiver<bool>,
) -> RunEnd {
    if matches!(spec.action.run, RunDef::Playbook { .. }) {
        return super::play::run_playbook(spec, connector, repo, &events, cancel).await;
    }
    let (target, plan) = plan(spec, repo);
    let options = RunOptions {
        forks: spec.forks.max(1),
        task_timeout: Some(Duration::from_secs(spec.timeout.max(1))),
        output_events: true,
        kind: "action".into(),
        cancel_grace: Duration::from_millis(spec.cancel_grace_ms),
        ..RunOptions::default()
    };
    let executor = Executor::new(connector, options);
    let (tx, mut rx) = mpsc::channel(1024);
    let exec = matches!(spec.action.run, RunDef::Command { .. } | RunDef::Shell { .. });
    let forward = async {
        while let Some(event) = rx.recv().await {
            let _ = events.send(as_job_event(spec, exec, event));
        }
    };
    tokio::join!(executor.run_until(&target, &plan, tx, cancel.clone()), forward);
    if *cancel.borrow() { RunEnd::Cancelled } else { RunEnd::Completed }
}

/// The job's hosts and its one task, with each host's arguments rendered from the action.
fn plan(spec: &JobSpec, repo: &Path) -> (Target, Plan) {
    let module = match &spec.action.run {
        RunDef::Command { .. } | RunDef::Shell { .. } => "shell".to_string(),
        RunDef::Module { module, .. } => module.clone(),
        RunDef::Copy { .. } => "copy".into(),
        RunDef::Playbook { .. } => "playbook".into(),
    };
    let mut task = om_core::Task::new(module, Vars::new());
    task.name = spec.action.name.clone();
    let mut plan = Plan::new(vec![task]);
    let mut hosts = Vec::new();
    for spec_host in &spec.hosts {
        let host = Host { name: spec_host.name.clone(), vars: spec_host.vars.clone(), groups: Vec::new() };
        let host_ctx = json!({"name": host.name, "ip": host.address()});
        let args = match spec.action.render(&spec.values, &host_ctx, &Value::Object(host.vars.clone())) {
            Ok(rendered) => task_args(rendered, &host.vars, repo),
            Err(err) => Err(err.detail()),
        };
        plan.host_args.insert((host.name.clone(), 0), args);
        hosts.push(Arc::new(host));
    }
    (Target::new(hosts), plan)
}

/// What the executor's task gets for one host.
fn task_args(rendered: Rendered, vars: &Vars, repo: &Path) -> Result<Vars, String> {
    let mut args = Vars::new();
    match rendered {
        Rendered::Exec { command, shell } => {
            args.insert("_raw_params".into(), with_environment(vars, &command).into());
            if let Some(shell) = shell {
                args.insert("executable".into(), shell.into());
            }
        }
        Rendered::Module { args: module_args, .. } => args = module_args,
        Rendered::Copy { src, dest, mode, backup } => {
            args.insert("src".into(), repo.join("files").join(&src).display().to_string().into());
            args.insert("dest".into(), dest.into());
            if let Some(mode) = mode {
                args.insert("mode".into(), format!("{mode:04o}").into());
            }
            args.insert("backup".into(), backup.into());
        }
        Rendered::Playbook { .. } => return Err("playbooks run through om-play, not per host".into()),
    }
    Ok(args)
}

/// An executor event as the job records it: the job's id as the run's, the action's kind
/// as the task's module, and a command's result as before: `ok` when it exits 0 (the platform cannot
/// tell whether it changed anything), without its output (already sent live) or its
/// command line (which may hold secret parameters).
fn as_job_event(spec: &JobSpec, exec: bool, event: Event) -> Event {
    match event {
        Event::RunStarted { version, kind, hosts, at, .. } => {
            Event::RunStarted { version, run_id: spec.job_id.to_string(), kind, hosts, at }
        }
        Event::TaskStarted { task, name, hosts, span, .. } => {
            Event::TaskStarted { task, name, module: run_kind(&spec.action).into(), hosts, span }
        }
        Event::HostResult { host, task, mut outcome } if exec => {
            for key in ["stdout", "stderr", "stdout_lines", "stderr_lines", "cmd"] {
                outcome.result.remove(key);
            }
            if outcome.status == Status::Changed {
                outcome.status = Status::Ok;
                outcome.result.insert("changed".into(), false.into());
            }
            Event::HostResult { host, task, outcome }
        }
        other => other,
    }
}

pub(super) async fn wait_cancel(cancel: &mut watch::Receiver<bool>) {
    if cancel.wait_for(|c| *c).await.is_err() {
        std::future::pending::<()>().await;
    }
}

fn run_kind(action: &ActionDef) -> &'static str {
    match action.run {
        RunDef::Command { .. } => "command",
        RunDef::Shell { .. } => "shell",
        RunDef::Module { .. } => "module",
        RunDef::Copy { .. } => "copy",
        RunDef::Playbook { .. } => "playbook",
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
