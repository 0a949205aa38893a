//! The jobs API (WEB-51 – WEB-62): launch (202 at once), list with filters and cursor
//! paging, show with hosts, live events over SSE (`Last-Event-ID` resumes) or as JSON pages,
//! raw output, cancel, re-run.

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::stream::{self, Stream, StreamExt};
use serde::Deserialize;
use serde_json::{Value, json};

use om_store::{Job, JobFilter, JobHost, ServerFilter};

use super::{Page, PageQuery};
use crate::auth::{Perm, Principal, Scope};
use crate::error::ApiError;
use crate::jobs::{LaunchRequest, audit, cancel, launch, rerun};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/jobs", get(list).post(create))
        .route("/jobs/{id}", get(show))
        .route("/jobs/{id}/hosts", get(hosts))
        .route("/jobs/{id}/events", get(events))
        .route("/jobs/{id}/output", get(output))
        .route("/jobs/{id}/cancel", post(cancel_job))
        .route("/jobs/{id}/rerun", post(rerun_job))
}

fn links(id: i64) -> Value {
    json!({"self": format!("/api/v1/jobs/{id}"), "events": format!("/api/v1/jobs/{id}/events"), "hosts": format!("/api/v1/jobs/{id}/hosts"), "page": format!("/jobs/{id}")})
}

async fn create(
    State(state): State<AppState>,
    who: Principal,
    Json(request): Json<LaunchRequest>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let job = launch(&state, &who, &request, None).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({"id": job.id, "status": job.status, "hosts_total": job.hosts_total, "links": links(job.id)}))))
}

/// Query of `GET /api/v1/jobs`.
#[derive(Debug, Default, Deserialize)]
pub struct JobQuery {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    pub user: Option<String>,
    pub action: Option<i64>,
    pub status: Option<String>,
    pub server: Option<String>,
    pub app_category: Option<i64>,
    pub fun_category: Option<i64>,
    /// Unix milliseconds.
    pub since: Option<i64>,
    pub until: Option<i64>,
}

impl JobQuery {
    /// `limit` and `cursor` (not flattened: query strings carry no types).
    pub fn page(&self) -> PageQuery {
        PageQuery { limit: self.limit, cursor: self.cursor.clone() }
    }
}

/// The filter for `who`: everything with global `job.read`, else their own jobs and jobs
/// touching what they may read.
pub async fn job_filter(state: &AppState, who: &Principal, q: &JobQuery) -> Result<JobFilter, ApiError> {
    let visible_to = if who.access.allows_global(Perm::JobRead) {
        None
    } else {
        let apps = state.store.app_categories(None).await?;
        let allowed = who.access.apps_where(Perm::JobRead, &apps).unwrap_or_default();
        Some((who.user.id, allowed.into_iter().collect()))
    };
    let empty = |s: &Option<String>| s.clone().filter(|v| !v.is_empty());
    Ok(JobFilter {
        user: empty(&q.user),
        action_id: q.action,
        status: empty(&q.status),
        server: empty(&q.server),
        app_category_id: q.app_category,
        fun_category_id: q.fun_category,
        since: q.since,
        until: q.until,
        visible_to,
    })
}

async fn list(State(state): State<AppState>, who: Principal, Query(q): Query<JobQuery>) -> Result<Json<Page<Job>>, ApiError> {
    let filter = job_filter(&state, &who, &q).await?;
    let page = q.page();
    let limit = page.limit();
    let jobs = state.store.jobs(&filter, page.cursor(), limit).await?;
    Ok(Json(Page::new(jobs, limit, |j| j.id)))
}

/// The job and the hosts of it `who` may see; `NotFound` when none of it is theirs.
pub async fn visible_job(state: &AppState, who: &Principal, id: i64) -> Result<(Job, Vec<JobHost>), ApiError> {
    let not_found = || ApiError::NotFound(format!("job `{id}` not found"));
    let job = state.store.job(id).await.map_err(|_| not_found())?;
    let hosts = state.store.job_hosts(id).await?;
    if who.access.allows_global(Perm::JobRead) {
        return Ok((job, hosts));
    }
    let ids: Vec<i64> = hosts.iter().map(|h| h.server_id).collect();
    let servers = state.store.servers(&ServerFilter { ids: Some(ids), ..Default::default() }).await?;
    let scope: HashMap<i64, Scope> =
        servers.iter().map(|s| (s.id, Scope { fun_id: s.fun_category_id, app_id: s.app_category_id })).collect();
    let readable = |h: &JobHost| scope.get(&h.server_id).is_some_and(|s| who.access.allows(Perm::JobRead, *s));
    let own = job.user_id == who.user.id;
    let visible: Vec<JobHost> = hosts.into_iter().filter(|h| readable(h)).collect();
    if !own && visible.is_empty() {
        return Err(not_found());
    }
    Ok((job, visible))
}

async fn show(State(state): State<AppState>, who: Principal, Path(id): Path<i64>) -> Result<Json<Value>, ApiError> {
    let (job, hosts) = visible_job(&state, &who, id).await?;
    let mut out = serde_json::to_value(&job).map_err(|e| ApiError::Internal(e.to_string()))?;
    out["hosts"] = json!(hosts);
    out["links"] = links(id);
    Ok(Json(out))
}

async fn hosts(State(state): State<AppState>, who: Principal, Path(id): Path<i64>) -> Result<Json<Vec<JobHost>>, ApiError> {
    Ok(Json(visible_job(&state, &who, id).await?.1))
}

#[derive(Debug, Deserialize)]
struct EventQuery {
    after: Option<i64>,
    limit: Option<i64>,
}

async fn events(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Query(q): Query<EventQuery>,
) -> Result<Response, ApiError> {
    let (_, hosts) = visible_job(&state, &who, id).await?;
    let wants_sse = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/event-stream"));
    let last_id = headers.get("last-event-id").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok());
    let after = last_id.or(q.after).unwrap_or(0);
    let allowed: Option<Vec<String>> =
        if who.access.allows_global(Perm::JobRead) { None } else { Some(hosts.iter().map(|h| h.hostname.clone()).collect()) };
    if wants_sse {
        return Ok(Sse::new(live_stream(state, id, after, allowed))
            .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
            .into_response());
    }
    let limit = q.limit.unwrap_or(500).clamp(1, 5000);
    let events = state.store.job_events(id, after, limit).await?;
    let events: Vec<_> = events.into_iter().filter(|e| e.host.is_empty() || allowed.as_ref().is_none_or(|a| a.contains(&e.host))).collect();
    Ok(Json(json!({"items": events})).into_response())
}

struct Cursor {
    state: AppState,
    job_id: i64,
    after: i64,
    allowed: Option<Vec<String>>,
    done: bool,
}

type Item = (i64, String, String, String);

/// Events after `after`, live from memory while the job runs, from the database for what
/// memory no longer holds; ends after `job_finished`.
pub fn live_stream(
    state: AppState,
    job_id: i64,
    after: i64,
    allowed: Option<Vec<String>>,
) -> impl Stream<Item = Result<SseEvent, Infallible>> {
    let cursor = Cursor { state, job_id, after, allowed, done: false };
    stream::unfold(cursor, |mut c| async move {
        if c.done {
            return None;
        }
        let items = next_items(&mut c).await;
        Some((items, c))
    })
    .flat_map(|items| {
        stream::iter(items.into_iter().map(|(seq, kind, host, json)| {
            let _ = host;
            Ok(SseEvent::default().id(seq.to_string()).event(kind).data(json))
        }))
    })
}

async fn next_items(c: &mut Cursor) -> Vec<Item> {
    loop {
        let items = match c.state.live.get(c.job_id) {
            Some(live) => {
                let mut wake = live.subscribe();
                let catchup = live.after(c.after);
                if catchup.gap {
                    let first = catchup.items.first().map(|i| i.seq).unwrap_or(i64::MAX);
                    let stored = c.state.store.job_events(c.job_id, c.after, 2000).await.unwrap_or_default();
                    stored.into_iter().filter(|e| e.seq < first).map(|e| (e.seq, e.kind, e.host, e.data.to_string())).collect::<Vec<_>>()
                } else if !catchup.items.is_empty() {
                    catchup.items.iter().map(|i| (i.seq, i.kind.clone(), host_of(&i.json), i.json.clone())).collect()
                } else if catchup.finished {
                    c.done = true;
                    return Vec::new();
                } else {
                    let _ = tokio::time::timeout(Duration::from_secs(30), wake.changed()).await;
                    continue;
                }
            }
            None => {
                let stored = c.state.store.job_events(c.job_id, c.after, 2000).await.unwrap_or_default();
                if stored.is_empty() {
                    match c.state.store.job(c.job_id).await {
                        Ok(job) if !job.is_terminal() => {
                            // Queued, or run by a worker that has not reported yet: wait here.
                            c.state.live.open(c.job_id, c.after);
                            continue;
                        }
                        _ => {
                            c.done = true;
                            return Vec::new();
                        }
                    }
                }
                stored.into_iter().map(|e| (e.seq, e.kind, e.host, e.data.to_string())).collect()
            }
        };
        if let Some(last) = items.last() {
            c.after = last.0;
        }
        let visible: Vec<Item> =
            items.into_iter().filter(|(_, _, host, _)| host.is_empty() || c.allowed.as_ref().is_none_or(|a| a.contains(host))).collect();
        if !visible.is_empty() {
            return visible;
        }
    }
}

fn host_of(json: &str) -> String {
    serde_json::from_str::<Value>(json).ok().and_then(|v| v.get("host").and_then(Value::as_str).map(str::to_string)).unwrap_or_default()
}

#[derive(Debug, Deserialize)]
struct OutputQuery {
    host: String,
    #[serde(default = "stdout")]
    stream: String,
}

fn stdout() -> String {
    "stdout".into()
}

async fn output(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
    Query(q): Query<OutputQuery>,
) -> Result<Response, ApiError> {
    let (_, hosts) = visible_job(&state, &who, id).await?;
    if !hosts.iter().any(|h| h.hostname == q.host) {
        return Err(ApiError::NotFound(format!("job `{id}` has no host `{}`", q.host)));
    }
    let outputs = state.store.outputs(id, Some(&q.host)).await?;
    let data = outputs.into_iter().find(|o| o.stream == q.stream).map(|o| o.data).unwrap_or_default();
    let name = format!(
        "attachment; filename=\"job{id}-{}-{}.txt\"",
        q.host.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '.', "_"),
        q.stream
    );
    Ok(([(header::CONTENT_TYPE, "application/octet-stream".to_string()), (header::CONTENT_DISPOSITION, name)], data).into_response())
}

async fn cancel_job(State(state): State<AppState>, who: Principal, Path(id): Path<i64>) -> Result<Json<Value>, ApiError> {
    let (job, _) = visible_job(&state, &who, id).await?;
    let may = (job.user_id == who.user.id && who.access.allows_somewhere(Perm::JobRun)) || who.access.allows_global(Perm::JobCancelAny);
    if !may {
        return Err(ApiError::forbidden("you may cancel only your own jobs"));
    }
    if job.is_terminal() {
        return Err(ApiError::Conflict(format!("job {id} already ended `{}`", job.status)));
    }
    let job = cancel(&state, id).await?;
    audit(&state, &who, "job.cancel", "job", &id.to_string(), json!({})).await?;
    Ok(Json(json!({"id": id, "status": job.status, "cancel_requested": true})))
}

#[derive(Debug, Deserialize)]
struct RerunQuery {
    only: Option<String>,
}

async fn rerun_job(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
    Query(q): Query<RerunQuery>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    visible_job(&state, &who, id).await?;
    let job = rerun(&state, &who, id, q.only.as_deref() == Some("failed")).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({"id": job.id, "status": job.status, "rerun_of": id, "links": links(job.id)}))))
}
