//! `om worker`: enrols with a one-time token, then claims jobs of its zone, runs them with
//! the same runner as `om serve`, streams their events back in batches and heartbeats every
//! 10 s (renewing its leases, learning of cancellations). The platform host needs no fleet
//! credentials; the worker holds them.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper::Method;
use tokio::sync::{mpsc, watch};

use crate::client::{ApiClient, ClientError};
use crate::exec::{RunEnd, SshDefaults, connector, run_job};
use crate::grant::GrantVerifier;
use crate::routes::{ClaimResponse, EnrollRequest, EnrollResponse, EventBatch, FinishRequest, GrantKeyResponse, HeartbeatResponse};

/// The file, in the worker's state directory, with the nonces of the grants it has run.
pub const NONCE_JOURNAL: &str = "grant-nonces";

/// How a worker runs.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    pub server: String,
    /// A one-time enrolment token, or a credential from an earlier enrolment (`omc_…`).
    pub token: String,
    pub zone: String,
    pub name: String,
    /// Jobs run at once.
    pub slots: usize,
    pub forks: i64,
    /// Holds `files/` and `playbooks/` for copy and playbook actions.
    pub repo: PathBuf,
    /// Where the worker keeps what must survive a restart ([`NONCE_JOURNAL`]).
    pub state_dir: PathBuf,
    pub ssh: SshDefaults,
}

/// What the worker reports to its caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkerEvent {
    Enrolled { worker_id: i64 },
    Claimed { job_id: i64, hosts: usize },
    Finished { job_id: i64, cancelled: bool },
}

/// Runs until the process is stopped; `report` hears of enrolment and jobs.
pub async fn run(options: WorkerOptions, report: impl Fn(WorkerEvent) + Send + Sync + 'static) -> Result<(), ClientError> {
    let anonymous = ApiClient::new(&options.server, None)?;
    let (credential, grant_key) = if options.token.starts_with("omc_") {
        (options.token.clone(), None)
    } else {
        let request =
            EnrollRequest { token: options.token.clone(), name: options.name.clone(), zone: options.zone.clone(), forks: options.forks };
        let enrolled: EnrollResponse = anonymous.json(Method::POST, "/worker/v1/enroll", Some(&request)).await?;
        report(WorkerEvent::Enrolled { worker_id: enrolled.worker_id });
        (enrolled.credential, Some(enrolled.grant_key))
    };
    let client = anonymous.with_token(credential);
    // The key that signs job grants: from the enrolment, else asked for with the credential.
    let grant_key = match grant_key {
        Some(key) => key,
        None => client.json::<GrantKeyResponse>(Method::GET, "/worker/v1/grant-key", None::<&()>).await?.grant_key,
    };
    let verifier = GrantVerifier::from_hex(&grant_key).ok_or_else(|| ClientError::Status {
        status: 502,
        detail: "the platform sent no valid job-signing key; upgrade om serve".into(),
    })?;
    // Spent grant nonces survive a restart of the worker, so a replay within a grant's
    // claim window is still refused.
    let journal = options.state_dir.join(NONCE_JOURNAL);
    let grants = Arc::new(
        verifier.with_journal(&journal, om_store::now_ms()).map_err(|source| ClientError::State { path: journal.clone(), source })?,
    );
    let report = Arc::new(report);
    let cancels: Arc<Mutex<HashMap<i64, watch::Sender<bool>>>> = Arc::default();
    let heartbeat_client = client.clone();
    let heartbeat_cancels = Arc::clone(&cancels);
    tokio::spawn(async move {
        loop {
            match heartbeat_client.json::<HeartbeatResponse>(Method::POST, "/worker/v1/heartbeat", None::<&()>).await {
                Ok(hb) => {
                    for id in hb.cancel {
                        if let Some(tx) = heartbeat_cancels.lock().expect("the cancels lock is never poisoned").get(&id) {
                            let _ = tx.send(true);
                        }
                    }
                }
                Err(err) => tracing::warn!(error = %err, "heartbeat failed"),
            }
            tokio::time::sleep(Duration::from_secs(10)).await;
        }
    });
    let slots = Arc::new(tokio::sync::Semaphore::new(options.slots.max(1)));
    let options = Arc::new(options);
    loop {
        let permit = Arc::clone(&slots).acquire_owned().await.expect("the semaphore is never closed");
        let claim = match client.raw(Method::POST, "/worker/v1/claim", None::<&()>).await {
            Ok((200, body)) => serde_json::from_slice::<ClaimResponse>(&body)?,
            Ok((204, _)) => continue,
            Ok((401, _)) => {
                return Err(ClientError::Status { status: 401, detail: "the platform does not know this worker's credential".into() });
            }
            Ok((status, body)) => {
                tracing::warn!(status, body = %String::from_utf8_lossy(&body), "claim refused");
                tokio::time::sleep(Duration::from_secs(5)).await;
                continue;
            }
            Err(err) => {
                tracing::warn!(error = %err, "cannot reach the platform");
                tokio::time::sleep(Duration::from_secs(5)).await;
                continue;
            }
        };
        let job_id = claim.spec.job_id;
        report(WorkerEvent::Claimed { job_id, hosts: claim.spec.hosts.len() });
        let (cancel_tx, cancel_rx) = watch::channel(false);
        cancels.lock().expect("the cancels lock is never poisoned").insert(job_id, cancel_tx);
        let (client, options, report, cancels, grants) =
            (client.clone(), Arc::clone(&options), Arc::clone(&report), Arc::clone(&cancels), Arc::clone(&grants));
        tokio::spawn(async move {
            let _permit = permit;
            let cancelled = match grants.verify(&claim.spec, claim.grant.as_ref(), om_store::now_ms()) {
                Ok(_) => run_one(&client, &options, claim, cancel_rx).await,
                Err(err) => {
                    tracing::warn!(job = job_id, error = %err, "refusing the job's grant; nothing runs");
                    finish(&client, job_id, &FinishRequest { cancelled: false, grant_invalid: Some(err.to_string()) }).await;
                    false
                }
            };
            cancels.lock().expect("the cancels lock is never poisoned").remove(&job_id);
            report(WorkerEvent::Finished { job_id, cancelled });
        });
    }
}

/// Runs one claimed job, shipping its events in batches (at most 500, at least every 250 ms).
async fn run_one(client: &ApiClient, options: &WorkerOptions, claim: ClaimResponse, cancel: watch::Receiver<bool>) -> bool {
    let job_id = claim.spec.job_id;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let connector = Arc::new(connector(&options.ssh));
    let repo = options.repo.clone();
    let spec = claim.spec;
    let run = tokio::spawn(async move { run_job(&spec, connector, &repo, tx, cancel).await });
    let path = format!("/worker/v1/jobs/{job_id}/events");
    let mut batch = Vec::new();
    loop {
        let next = tokio::time::timeout(Duration::from_millis(250), rx.recv()).await;
        let closed = matches!(next, Ok(None));
        if let Ok(Some(event)) = next {
            batch.push(event);
            while batch.len() < 500 {
                match rx.try_recv() {
                    Ok(e) => batch.push(e),
                    Err(_) => break,
                }
            }
        }
        if !batch.is_empty() {
            let body = EventBatch { events: std::mem::take(&mut batch) };
            let mut delay = Duration::from_millis(200);
            // Keep the batch until the platform has it; it may be restarting.
            loop {
                match client.raw(Method::POST, &path, Some(&body)).await {
                    Ok((204, _)) => break,
                    Ok((409, _)) | Ok((403, _)) => {
                        tracing::warn!(job = job_id, "the platform ended this job; stopping");
                        run.abort();
                        return true;
                    }
                    Ok((status, b)) => {
                        tracing::warn!(job = job_id, status, body = %String::from_utf8_lossy(&b), "events refused; retrying")
                    }
                    Err(err) => tracing::warn!(job = job_id, error = %err, "cannot send events; retrying"),
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
        if closed {
            break;
        }
    }
    let end = run.await.unwrap_or(RunEnd::Completed);
    let cancelled = end == RunEnd::Cancelled;
    finish(client, job_id, &FinishRequest { cancelled, grant_invalid: None }).await;
    cancelled
}

/// Reports a job's end, retrying for 20 s while the platform does not answer.
async fn finish(client: &ApiClient, job_id: i64, request: &FinishRequest) {
    for _ in 0..20 {
        match client.raw(Method::POST, &format!("/worker/v1/jobs/{job_id}/finish"), Some(request)).await {
            Ok((204 | 409 | 403, _)) => break,
            _ => tokio::time::sleep(Duration::from_secs(1)).await,
        }
    }
}
