//! Health, readiness, Prometheus metrics, the OpenAPI document, the audit log API and the
//! worker administration API.

use std::sync::atomic::Ordering;

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Page, PageQuery};
use crate::auth::{Perm, Principal, new_token};
use crate::error::ApiError;
use crate::jobs::audit;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz)).route("/metrics", get(metrics))
}

pub fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/audit-log", get(audit_log))
        .route("/audit-log/verify", get(verify))
        .route("/workers", get(workers))
        .route("/workers/enrollments", post(enroll_token))
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    if state.store.ping().await { (StatusCode::OK, "ready\n") } else { (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n") }
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let (queued, running) = state.store.queue_depth().await.unwrap_or((-1, -1));
    let (fill, capacity) = state.writer.fill();
    let workers = state.store.workers().await.unwrap_or_default();
    let now = om_store::now_ms();
    let alive = workers.iter().filter(|w| now - w.last_seen < 30_000).count();
    let stats = state.writer.stats();
    let text = format!(
        "# HELP om_jobs_queued Jobs waiting for a runner.\n# TYPE om_jobs_queued gauge\nom_jobs_queued {queued}\n\
         # HELP om_jobs_running Jobs being run.\n# TYPE om_jobs_running gauge\nom_jobs_running {running}\n\
         # HELP om_jobs_launched_total Jobs launched by this process.\n# TYPE om_jobs_launched_total counter\nom_jobs_launched_total {}\n\
         # HELP om_workers_alive Remote workers seen in the last 30 s.\n# TYPE om_workers_alive gauge\nom_workers_alive {alive}\n\
         # HELP om_workers Remote workers enrolled.\n# TYPE om_workers gauge\nom_workers {}\n\
         # HELP om_event_channel_fill Events waiting for the database writer.\n# TYPE om_event_channel_fill gauge\nom_event_channel_fill {fill}\n\
         # HELP om_event_channel_capacity Size of the event channel.\n# TYPE om_event_channel_capacity gauge\nom_event_channel_capacity {capacity}\n\
         # HELP om_events_ingested_total Job events received.\n# TYPE om_events_ingested_total counter\nom_events_ingested_total {}\n\
         # HELP om_events_stored_total Job events written to the database.\n# TYPE om_events_stored_total counter\nom_events_stored_total {}\n\
         # HELP om_event_batches_total Batches written.\n# TYPE om_event_batches_total counter\nom_event_batches_total {}\n\
         # HELP om_event_write_failures_total Failed batch writes (retried).\n# TYPE om_event_write_failures_total counter\nom_event_write_failures_total {}\n\
         # HELP om_live_jobs Jobs with a live stream in memory.\n# TYPE om_live_jobs gauge\nom_live_jobs {}\n\
         # HELP om_logins_failed_total Failed logins.\n# TYPE om_logins_failed_total counter\nom_logins_failed_total {}\n\
         # HELP om_uptime_seconds Seconds since start.\n# TYPE om_uptime_seconds gauge\nom_uptime_seconds {}\n",
        state.metrics.jobs_launched.load(Ordering::Relaxed),
        workers.len(),
        state.metrics.events.load(Ordering::Relaxed),
        stats.written.load(Ordering::Relaxed),
        stats.batches.load(Ordering::Relaxed),
        stats.failed.load(Ordering::Relaxed),
        state.live.len(),
        state.metrics.logins_failed.load(Ordering::Relaxed),
        state.started_at.elapsed().as_secs(),
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}

async fn openapi() -> Json<Value> {
    Json(super::openapi())
}

#[derive(Debug, Deserialize)]
struct AuditQuery {
    limit: Option<i64>,
    cursor: Option<String>,
    verb: Option<String>,
    actor: Option<String>,
}

async fn audit_log(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Page<om_store::AuditEntry>>, ApiError> {
    if !who.access.allows_global(Perm::AuditRead) {
        return Err(ApiError::forbidden("reading the audit log needs `audit.read`"));
    }
    let page = PageQuery { limit: q.limit, cursor: q.cursor.clone() };
    let limit = page.limit();
    let entries = state
        .store
        .audit_entries(page.cursor(), limit, q.verb.as_deref().filter(|v| !v.is_empty()), q.actor.as_deref().filter(|v| !v.is_empty()))
        .await?;
    Ok(Json(Page::new(entries, limit, |e| e.seq)))
}

#[derive(Debug, Deserialize)]
struct VerifyQuery {
    from: Option<i64>,
    to: Option<i64>,
}

async fn verify(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<VerifyQuery>,
) -> Result<Json<om_store::AuditVerification>, ApiError> {
    if !who.access.allows_global(Perm::AuditRead) {
        return Err(ApiError::forbidden("verifying the audit log needs `audit.read`"));
    }
    Ok(Json(state.store.verify_audit_log(q.from, q.to).await?))
}

async fn workers(State(state): State<AppState>, who: Principal) -> Result<Json<Vec<om_store::Worker>>, ApiError> {
    if !who.access.allows_global(Perm::WorkerAdmin) {
        return Err(ApiError::forbidden("listing workers needs `worker.admin`"));
    }
    Ok(Json(state.store.workers().await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EnrollmentInput {
    zone: String,
    #[serde(default)]
    expires_hours: Option<i64>,
}

/// A one-time enrolment token for `om worker --token`.
async fn enroll_token(
    State(state): State<AppState>,
    who: Principal,
    Json(input): Json<EnrollmentInput>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    if !who.access.allows_global(Perm::WorkerAdmin) {
        return Err(ApiError::forbidden("enrolling workers needs `worker.admin`"));
    }
    if input.zone.is_empty() || input.zone.len() > 64 {
        return Err(ApiError::invalid("zone", "must have 1 to 64 characters"));
    }
    let (token, hash) = new_token("omw_");
    let expires = om_store::now_ms() + input.expires_hours.unwrap_or(24).clamp(1, 720) * 3_600_000;
    let e = state.store.create_enrollment(&hash, &input.zone, &who.user.username, expires).await?;
    audit(&state, &who, "worker.enrollment_create", "worker_enrollment", &e.id.to_string(), json!({"zone": e.zone})).await?;
    Ok((StatusCode::CREATED, Json(json!({"token": token, "zone": e.zone, "expires_at": e.expires_at}))))
}
