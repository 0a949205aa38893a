//! The worker API under `/worker/v1` (WEB-11, WEB-12): a worker enrols once with a one-time
//! token and gets its own credential; then it claims jobs of its zone (long poll), streams
//! their events back in batches, heartbeats (renewing its leases and learning of
//! cancellations) and reports the end.

use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use om_store::{AuditRecord, Worker, now_ms, sha256_hex};

use crate::auth::new_token;
use crate::error::ApiError;
use crate::exec::JobSpec;
use crate::grant::SignedGrant;
use crate::jobs::{Recorder, build_spec, job_grant, refuse_grant};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/enroll", post(enroll))
        .route("/claim", post(claim))
        .route("/heartbeat", post(heartbeat))
        .route("/grant-key", axum::routing::get(grant_key))
        .route("/jobs/{id}/events", post(events))
        .route("/jobs/{id}/finish", post(finish))
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrollRequest {
    pub token: String,
    pub name: String,
    pub zone: String,
    pub forks: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrollResponse {
    pub worker_id: i64,
    pub credential: String,
    /// The platform's job-signing public key (hex): grants of claimed jobs must verify
    /// with it (WEB-13).
    #[serde(default)]
    pub grant_key: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClaimResponse {
    pub spec: JobSpec,
    pub lease_seconds: i64,
    /// The job's signed grant, as stored when it was queued.
    #[serde(default)]
    pub grant: Option<SignedGrant>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct HeartbeatResponse {
    /// Jobs of this worker whose cancellation was requested.
    pub cancel: Vec<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EventBatch {
    pub events: Vec<om_core::Event>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FinishRequest {
    pub cancelled: bool,
    /// Why the worker refused the job's grant (it ran nothing).
    #[serde(default)]
    pub grant_invalid: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GrantKeyResponse {
    pub grant_key: String,
}

async fn worker(state: &AppState, headers: &HeaderMap) -> Result<Worker, ApiError> {
    let credential = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(ApiError::Unauthenticated)?;
    let worker = state.store.worker_by_credential(&sha256_hex(credential.trim().as_bytes())).await?.ok_or(ApiError::Unauthenticated)?;
    state.store.touch_worker(worker.id).await?;
    Ok(worker)
}

async fn enroll(State(state): State<AppState>, Json(req): Json<EnrollRequest>) -> Result<(StatusCode, Json<EnrollResponse>), ApiError> {
    let (credential, hash) = new_token("omc_");
    let name: String = req.name.chars().take(255).collect();
    let worker = state
        .store
        .enroll_worker(&sha256_hex(req.token.trim().as_bytes()), &name, &req.zone, req.forks.clamp(1, 4096), &hash)
        .await?
        .ok_or_else(|| ApiError::forbidden("the enrolment token is unknown, used, expired or for another zone"))?;
    state
        .store
        .append_audit(AuditRecord {
            actor_kind: "worker".into(),
            actor_id: worker.id,
            actor_name: worker.name.clone(),
            verb: "worker.enroll".into(),
            object_kind: "worker".into(),
            object_id: worker.id.to_string(),
            details: serde_json::json!({"zone": worker.zone, "forks": worker.forks}),
            ..Default::default()
        })
        .await?;
    Ok((StatusCode::CREATED, Json(EnrollResponse { worker_id: worker.id, credential, grant_key: state.signer.public_hex() })))
}

/// Waits up to 20 s for a queued job of the worker's zone.
async fn claim(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let w = worker(&state, &headers).await?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let lease = now_ms() + state.config.workers.lease_seconds * 1000;
        if let Some(job) = state.store.claim_job(std::slice::from_ref(&w.zone), Some(w.id), lease).await? {
            let recorder = Recorder::new(&state, &job).await?;
            match build_spec(&state, &job).await {
                Ok(spec) => {
                    tracing::info!(job = job.id, worker = w.id, "job claimed by a worker");
                    state.remote_recorders.lock().await.insert(job.id, recorder);
                    let grant = job_grant(&job);
                    return Ok(Json(ClaimResponse { spec, lease_seconds: state.config.workers.lease_seconds, grant }).into_response());
                }
                Err(err) => {
                    recorder.finish("failed", "failed", &err.detail()).await?;
                    continue;
                }
            }
        }
        if tokio::time::Instant::now() >= deadline {
            return Ok(StatusCode::NO_CONTENT.into_response());
        }
        let _ = tokio::time::timeout_at(deadline.min(tokio::time::Instant::now() + Duration::from_secs(1)), state.queued.notified()).await;
    }
}

/// The job-signing public key, for a worker that starts again with its credential.
async fn grant_key(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<GrantKeyResponse>, ApiError> {
    worker(&state, &headers).await?;
    Ok(Json(GrantKeyResponse { grant_key: state.signer.public_hex() }))
}

async fn heartbeat(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<HeartbeatResponse>, ApiError> {
    let w = worker(&state, &headers).await?;
    let cancel = state.store.renew_leases(Some(w.id), now_ms() + state.config.workers.lease_seconds * 1000).await?;
    Ok(Json(HeartbeatResponse { cancel }))
}

async fn owned_job(state: &AppState, w: &Worker, id: i64) -> Result<(), ApiError> {
    let job = state.store.job(id).await?;
    if job.worker_id != Some(w.id) {
        return Err(ApiError::forbidden(format!("job {id} is not claimed by this worker")));
    }
    if job.is_terminal() {
        return Err(ApiError::Conflict(format!("job {id} already ended `{}`: {}", job.status, job.reason)));
    }
    Ok(())
}

async fn events(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(batch): Json<EventBatch>,
) -> Result<StatusCode, ApiError> {
    let w = worker(&state, &headers).await?;
    owned_job(&state, &w, id).await?;
    let mut recorders = state.remote_recorders.lock().await;
    let recorder = match recorders.entry(id) {
        std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
        // The server restarted while the worker ran the job: continue its numbering.
        std::collections::hash_map::Entry::Vacant(e) => e.insert(Recorder::new(&state, &state.store.job(id).await?).await?),
    };
    for event in &batch.events {
        recorder.event(event).await?;
    }
    recorder.flush_starts().await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn finish(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(req): Json<FinishRequest>,
) -> Result<StatusCode, ApiError> {
    let w = worker(&state, &headers).await?;
    owned_job(&state, &w, id).await?;
    if let Some(reason) = &req.grant_invalid {
        state.remote_recorders.lock().await.remove(&id);
        let job = state.store.job(id).await?;
        refuse_grant(&state, &job, reason, ("worker", w.id, &w.name)).await?;
        return Ok(StatusCode::NO_CONTENT);
    }
    let recorder = match state.remote_recorders.lock().await.remove(&id) {
        Some(r) => r,
        None => Recorder::new(&state, &state.store.job(id).await?).await?,
    };
    if req.cancelled {
        recorder.finish("cancelled", "cancelled", "cancelled by request").await?;
    } else {
        recorder.finish("", "lost", "the worker gave no result for this host").await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
