//! The in-process runner pool, lease renewal, the reaper of lapsed leases and retention.
//!
//! Runners claim queued jobs of their zones from the database (so a restarted `om serve` and
//! remote workers share one queue), run them and record them. Leases are renewed every third
//! of their length; a job whose lease lapses ends `lost`, so no job stays running forever.

use std::sync::Arc;
use std::time::Duration;

use om_store::{AuditRecord, Job, Server, ServerFilter, now_ms};
use serde_json::Value;
use tokio::sync::{mpsc, watch};

use super::Recorder;
use crate::catalog::{ActionDef, Values};
use crate::error::ApiError;
use crate::exec::{HostSpec, JobSpec, RunEnd, SshDefaults, connector, run_job};
use crate::grant::{GRANT_INVALID, SignedGrant};
use crate::state::AppState;

/// Starts the runners, the lease renewer, the reaper and retention on the current runtime.
pub fn start_background(state: &AppState) {
    for n in 0..state.config.workers.local {
        let state = state.clone();
        tokio::spawn(async move { local_runner(state, n).await });
    }
    let renew = state.clone();
    tokio::spawn(async move {
        let period = Duration::from_millis((renew.config.workers.lease_seconds * 1000 / 3).max(1000) as u64);
        loop {
            tokio::time::sleep(period).await;
            let lease = now_ms() + renew.config.workers.lease_seconds * 1000;
            match renew.store.renew_leases(None, lease).await {
                Ok(cancelled) => cancelled.into_iter().for_each(|id| signal_cancel(&renew, id)),
                Err(err) => tracing::warn!(error = %err, "cannot renew job leases"),
            }
        }
    });
    let reap = state.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(5)).await;
            if let Err(err) = reap_lapsed(&reap).await {
                tracing::warn!(error = %err, "cannot end jobs with lapsed leases");
            }
        }
    });
    let prune = state.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            match prune.store.prune(&prune.config.retention, now_ms(), false).await {
                Ok(report) => {
                    tracing::info!(events = report.job_events, outputs = report.job_outputs, jobs = report.jobs, "retention pruned")
                }
                Err(err) => tracing::warn!(error = %err, "retention failed"),
            }
        }
    });
}

async fn reap_lapsed(state: &AppState) -> Result<(), ApiError> {
    for job in state.store.expire_leases(now_ms()).await? {
        tracing::warn!(job = job.id, reason = %job.reason, "job lost");
        state.remote_recorders.lock().await.remove(&job.id);
        Recorder::new(state, &job).await?.finish("lost", "lost", &job.reason).await?;
    }
    Ok(())
}

async fn local_runner(state: AppState, n: usize) {
    let zones = state.config.workers.zones.clone();
    loop {
        let lease = now_ms() + state.config.workers.lease_seconds * 1000;
        match state.store.claim_job(&zones, None, lease).await {
            Ok(Some(job)) => {
                tracing::info!(job = job.id, runner = n, "job claimed");
                if let Err(err) = run_local(&state, job).await {
                    tracing::error!(error = %crate::error::error_chain(&err), "job ended with an error");
                }
                continue;
            }
            Ok(None) => {}
            Err(err) => tracing::warn!(error = %err, "cannot claim jobs"),
        }
        // Woken at once for jobs this process queues; the timeout finds the others.
        let _ = tokio::time::timeout(Duration::from_secs(2), state.queued.notified()).await;
    }
}

async fn run_local(state: &AppState, job: Job) -> Result<(), ApiError> {
    let mut recorder = Recorder::new(state, &job).await?;
    let spec = match build_spec(state, &job).await {
        Ok(spec) => spec,
        Err(err) => {
            recorder.finish("failed", "failed", &err.detail()).await?;
            return Ok(());
        }
    };
    if let Err(err) = state.grants.verify(&spec, job_grant(&job).as_ref(), now_ms()) {
        drop(recorder);
        return refuse_grant(state, &job, &err.to_string(), ("system", 0, "om serve")).await;
    }
    let (cancel_tx, cancel_rx) = watch::channel(job.cancel_requested);
    state.cancels.lock().expect("the cancels lock is never poisoned").insert(job.id, cancel_tx);
    let (events_tx, mut events_rx) = mpsc::unbounded_channel();
    let connector = Arc::new(connector(&ssh_defaults(state)));
    let data_dir = state.data_dir.clone();
    let run = tokio::spawn(async move { run_job(&spec, connector, &data_dir, events_tx, cancel_rx).await });
    loop {
        let recorded = match tokio::time::timeout(Duration::from_millis(250), events_rx.recv()).await {
            Ok(Some(event)) => recorder.event(&event).await,
            Ok(None) => break,
            // A quiet moment: hosts that started are written now, not with the next event.
            Err(_) => recorder.flush_starts().await,
        };
        if let Err(err) = recorded {
            tracing::error!(job = job.id, error = %crate::error::error_chain(&err), "cannot record an event");
        }
    }
    let end = run.await.unwrap_or(RunEnd::Completed);
    state.cancels.lock().expect("the cancels lock is never poisoned").remove(&job.id);
    match end {
        RunEnd::Completed => recorder.finish("", "lost", "the runner gave no result for this host").await?,
        RunEnd::Cancelled => recorder.finish("cancelled", "cancelled", "cancelled by request").await?,
    };
    Ok(())
}

/// A target as a runner reaches it: the server's variables plus its address, port and user.
pub fn host_spec(action: &ActionDef, server: &Server) -> HostSpec {
    let mut vars = server.vars.clone();
    let address =
        if action.address == "hostname" || server.ip_internal.is_empty() { server.hostname.clone() } else { server.ip_internal.clone() };
    vars.entry("ansible_host").or_insert(Value::from(address));
    vars.entry("ansible_port").or_insert(Value::from(server.ssh_port));
    if !server.ssh_user.is_empty() {
        vars.entry("ansible_user").or_insert(Value::from(server.ssh_user.clone()));
    }
    HostSpec { name: server.hostname.clone(), vars }
}

/// The grant stored with `job`, if any.
pub fn job_grant(job: &Job) -> Option<SignedGrant> {
    job.target_spec.get("grant").and_then(|g| serde_json::from_value(g.clone()).ok())
}

/// Ends a job whose grant does not hold: nothing ran, every host `grant_invalid`, audited.
pub async fn refuse_grant(state: &AppState, job: &Job, err: &str, actor: (&str, i64, &str)) -> Result<(), ApiError> {
    tracing::warn!(job = job.id, error = %err, "job grant refused");
    let reason = format!("{GRANT_INVALID}: {err}");
    state
        .store
        .append_audit(AuditRecord {
            actor_kind: actor.0.into(),
            actor_id: actor.1,
            actor_name: actor.2.into(),
            verb: "job.grant_invalid".into(),
            object_kind: "job".into(),
            object_id: job.id.to_string(),
            details: serde_json::json!({"reason": err}),
            ..Default::default()
        })
        .await?;
    Recorder::new(state, job).await?.finish("failed", GRANT_INVALID, &reason).await?;
    Ok(())
}

pub(crate) fn ssh_defaults(state: &AppState) -> SshDefaults {
    let w = &state.config.workers;
    SshDefaults { key: w.ssh_key.clone(), user: w.ssh_user.clone(), known_hosts: w.known_hosts.clone() }
}

fn signal_cancel(state: &AppState, job_id: i64) {
    if let Some(tx) = state.cancels.lock().expect("the cancels lock is never poisoned").get(&job_id) {
        let _ = tx.send(true);
    }
}

/// Asks a job to stop: a queued one ends at once, a running one here is told now, one on a
/// remote worker at its next heartbeat.
pub async fn cancel(state: &AppState, job_id: i64) -> Result<Job, ApiError> {
    let job = state.store.request_cancel(job_id).await?;
    if job.status == "cancelled" && job.started_at.is_none() {
        state.secrets.lock().expect("the secrets lock is never poisoned").remove(&job_id);
        Recorder::new(state, &job).await?.finish("cancelled", "cancelled", "cancelled before it started").await?;
    }
    signal_cancel(state, job_id);
    Ok(job)
}

/// What a runner needs for `job`: the exact action version, the values (secrets from memory)
/// and each target's connection variables from the CMDB.
pub async fn build_spec(state: &AppState, job: &Job) -> Result<JobSpec, ApiError> {
    let version = state.store.action_version(job.action_version_id).await?;
    let action = ActionDef::parse(&version.definition)?;
    let mut values = Values(job.params.as_object().map(|m| m.clone().into_iter().collect()).unwrap_or_default());
    if let Some(secrets) = state.secrets.lock().expect("the secrets lock is never poisoned").remove(&job.id) {
        values = secrets;
    } else if values.0.values().any(|v| v == "****") {
        return Err(ApiError::Invalid {
            message: "the job's secret parameters were lost (om serve restarted before it ran); launch it again".into(),
            errors: Vec::new(),
        });
    }
    let hosts = state.store.job_hosts(job.id).await?;
    let ids: Vec<i64> = hosts.iter().map(|h| h.server_id).collect();
    let servers = state.store.servers(&ServerFilter { ids: Some(ids), ..Default::default() }).await?;
    let mut specs = Vec::new();
    for h in &hosts {
        let Some(server) = servers.iter().find(|s| s.id == h.server_id) else {
            return Err(ApiError::NotFound(format!("server `{}` was deleted after the job was queued", h.hostname)));
        };
        specs.push(host_spec(&action, server));
    }
    let forks = job.target_spec.get("forks").and_then(Value::as_u64).map(|f| f as usize).unwrap_or(action.forks).min(512);
    let timeout = job.target_spec.get("timeout").and_then(Value::as_u64).unwrap_or(action.timeout);
    Ok(JobSpec { job_id: job.id, action, values, hosts: specs, forks, timeout, cancel_grace_ms: state.config.workers.cancel_grace_ms })
}
