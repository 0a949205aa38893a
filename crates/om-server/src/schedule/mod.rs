//! Schedules (WEB-70): a cron expression and time zone, an action with parameters, targets
//! (servers, or a category resolved at each run), an owner whose *current* permissions each
//! run has, enabled, next run. The scheduler task of `om serve` calls [`run_due`] every 15 s;
//! a schedule missed during a downtime runs once, then moves to its next slot after now.

mod cron;
mod zone;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Value, json};

use om_store::{Schedule, ScheduleInput, now_ms};

pub use cron::{Cron, CronError, parse_zone};
pub use zone::{Zone, ZoneError};

use crate::auth::{Access, Perm, Principal, PrincipalKind};
use crate::error::ApiError;
use crate::jobs::{LaunchOptions, LaunchRequest, Targets, audit, launch};
use crate::state::AppState;

/// The next run of `cron` in `zone` after `now` (ms), or why there is none.
pub fn next_run(cron: &str, zone: &str, now: i64) -> Result<Option<i64>, CronError> {
    let cron = Cron::parse(cron)?;
    let zone = parse_zone(zone)?;
    let now = chrono::DateTime::from_timestamp_millis(now).unwrap_or_default();
    Ok(cron.next_after(now, &zone).map(|t| t.timestamp_millis()))
}

/// Launches every schedule due at `now` (ms) once, as its owner; returns the jobs launched.
/// `now` is the scheduler's clock (tests move it).
pub async fn run_due(state: &AppState, now: i64) -> Result<Vec<i64>, ApiError> {
    let mut launched = Vec::new();
    for s in state.store.due_schedules(now).await? {
        let Some(due) = s.next_run else { continue };
        // The slot after *now*, not after the missed one: a downtime costs one run, not many.
        let next = next_run(&s.cron, &s.timezone, now).unwrap_or(None);
        if !state.store.claim_schedule_run(s.id, due, next, now).await? {
            continue;
        }
        match launch_as_owner(state, &s).await {
            Ok(job) => {
                state.store.record_schedule_run(s.id, Some(job), "").await?;
                launched.push(job);
            }
            Err(err) => {
                tracing::warn!(schedule = s.id, error = %err, "scheduled run refused");
                state.store.record_schedule_run(s.id, None, &err.detail()).await?;
            }
        }
    }
    Ok(launched)
}

async fn launch_as_owner(state: &AppState, s: &Schedule) -> Result<i64, ApiError> {
    let user = state.store.user(s.owner_id).await?;
    if user.disabled {
        return Err(ApiError::forbidden(format!("the owner `{}` is disabled", user.username)));
    }
    let bindings = state.store.role_bindings(user.id).await?;
    let who = Principal {
        access: Access::new(&bindings, None),
        user,
        kind: PrincipalKind::Schedule(s.id),
        ip: String::new(),
        user_agent: format!("om scheduler (schedule {})", s.id),
    };
    let request = LaunchRequest {
        action_id: s.action_id,
        params: s.params.as_object().cloned().unwrap_or_default(),
        targets: serde_json::from_value(s.targets.clone()).map_err(|e| ApiError::invalid("targets", e.to_string()))?,
        options: LaunchOptions { confirm: true, ..Default::default() },
    };
    Ok(launch(state, &who, &request, None).await?.id)
}

/// Starts the scheduler on the current runtime.
pub fn start(state: &AppState) {
    let state = state.clone();
    tokio::spawn(async move {
        loop {
            if let Err(err) = run_due(&state, now_ms()).await {
                tracing::warn!(error = %crate::error::error_chain(&err), "scheduler tick failed");
            }
            tokio::time::sleep(std::time::Duration::from_secs(15)).await;
        }
    });
}

/// `/api/v1/schedules` and `/api/v1/schedules/{id}`.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/schedules", get(list).post(create)).route("/schedules/{id}", get(show).put(update).delete(remove))
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleRequest {
    pub name: String,
    pub cron: String,
    /// `UTC`, an offset (`+08:00`) or an IANA name (`Asia/Shanghai`); `tz` for short.
    #[serde(default = "utc", alias = "tz")]
    pub timezone: String,
    pub action_id: i64,
    #[serde(default)]
    pub params: serde_json::Map<String, Value>,
    pub targets: Targets,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn utc() -> String {
    "UTC".into()
}

fn yes() -> bool {
    true
}

/// Checks a request and computes its next run; the owner must be allowed to launch it now.
async fn input(state: &AppState, who: &Principal, req: &ScheduleRequest, owner: i64) -> Result<ScheduleInput, ApiError> {
    if req.name.trim().is_empty() || req.name.len() > 255 {
        return Err(ApiError::invalid("name", "1 to 255 characters"));
    }
    if !who.access.allows_somewhere(Perm::JobRun) {
        return Err(ApiError::forbidden("schedules need `job.run`"));
    }
    let next = next_run(&req.cron, &req.timezone, now_ms()).map_err(|e| match e {
        CronError::Zone(_) => ApiError::invalid("timezone", e.to_string()),
        _ => ApiError::invalid("cron", e.to_string()),
    })?;
    let row =
        state.store.action(req.action_id).await.map_err(|_| ApiError::invalid("action_id", format!("no action {}", req.action_id)))?;
    crate::catalog::ActionDef::parse(&row.definition)?.validate(&req.params)?;
    Ok(ScheduleInput {
        name: req.name.trim().to_string(),
        cron: req.cron.split_whitespace().collect::<Vec<_>>().join(" "),
        timezone: req.timezone.trim().to_string(),
        action_id: req.action_id,
        params: Value::Object(req.params.clone()),
        targets: serde_json::to_value(&req.targets).map_err(|e| ApiError::Internal(e.to_string()))?,
        owner_id: owner,
        enabled: req.enabled,
        next_run: next,
    })
}

/// A schedule the caller may see: their own, or any with `user.admin`.
async fn visible(state: &AppState, who: &Principal, id: i64) -> Result<Schedule, ApiError> {
    let s = state.store.schedule(id).await?;
    if s.owner_id != who.user.id && !who.access.allows_global(Perm::UserAdmin) {
        return Err(ApiError::NotFound(format!("schedule `{id}` not found")));
    }
    Ok(s)
}

async fn list(State(state): State<AppState>, who: Principal) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({"items": visible_schedules(&state, &who).await?})))
}

async fn show(State(state): State<AppState>, who: Principal, Path(id): Path<i64>) -> Result<Json<Schedule>, ApiError> {
    Ok(Json(visible(&state, &who, id).await?))
}

async fn create(
    State(state): State<AppState>,
    who: Principal,
    Json(req): Json<ScheduleRequest>,
) -> Result<(StatusCode, Json<Schedule>), ApiError> {
    Ok((StatusCode::CREATED, Json(create_schedule(&state, &who, &req).await?)))
}

async fn update(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
    Json(req): Json<ScheduleRequest>,
) -> Result<Json<Schedule>, ApiError> {
    Ok(Json(update_schedule(&state, &who, id, &req).await?))
}

async fn remove(State(state): State<AppState>, who: Principal, Path(id): Path<i64>) -> Result<StatusCode, ApiError> {
    delete_schedule(&state, &who, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Creates a schedule owned by `who` (the API's and the UI's way), audited.
pub async fn create_schedule(state: &AppState, who: &Principal, req: &ScheduleRequest) -> Result<Schedule, ApiError> {
    let input = input(state, who, req, who.user.id).await?;
    let s = state.store.create_schedule(&input).await?;
    audit(
        state,
        who,
        "schedule.create",
        "schedule",
        &s.id.to_string(),
        json!({"name": s.name, "cron": s.cron, "timezone": s.timezone, "action_id": s.action_id, "targets": s.targets}),
    )
    .await?;
    Ok(s)
}

/// Replaces schedule `id` (visible to `who`), audited.
pub async fn update_schedule(state: &AppState, who: &Principal, id: i64, req: &ScheduleRequest) -> Result<Schedule, ApiError> {
    let old = visible(state, who, id).await?;
    let input = input(state, who, req, old.owner_id).await?;
    let s = state.store.update_schedule(id, &input).await?;
    audit(
        state,
        who,
        "schedule.update",
        "schedule",
        &id.to_string(),
        json!({"name": s.name, "cron": s.cron, "timezone": s.timezone, "enabled": s.enabled}),
    )
    .await?;
    Ok(s)
}

/// Turns schedule `id` on or off (its next run recomputed), audited.
pub async fn set_enabled(state: &AppState, who: &Principal, id: i64, enabled: bool) -> Result<Schedule, ApiError> {
    let s = visible(state, who, id).await?;
    let req = ScheduleRequest {
        name: s.name,
        cron: s.cron,
        timezone: s.timezone,
        action_id: s.action_id,
        params: s.params.as_object().cloned().unwrap_or_default(),
        targets: serde_json::from_value(s.targets).map_err(|e| ApiError::Internal(e.to_string()))?,
        enabled,
    };
    update_schedule(state, who, id, &req).await
}

/// Deletes schedule `id` (visible to `who`), audited.
pub async fn delete_schedule(state: &AppState, who: &Principal, id: i64) -> Result<(), ApiError> {
    let s = visible(state, who, id).await?;
    state.store.delete_schedule(id).await?;
    audit(state, who, "schedule.delete", "schedule", &id.to_string(), json!({"name": s.name})).await?;
    Ok(())
}

/// The schedules `who` may see: their own, or all with `user.admin`.
pub async fn visible_schedules(state: &AppState, who: &Principal) -> Result<Vec<Schedule>, ApiError> {
    let owner = if who.access.allows_global(Perm::UserAdmin) { None } else { Some(who.user.id) };
    Ok(state.store.schedules(owner).await?)
}

/// The next `count` runs after `now` (ms) as wall-clock times in the schedule's zone
/// (`2026-03-29 03:00 +02:00`).
pub fn upcoming(cron: &str, zone: &str, now: i64, count: usize) -> Vec<String> {
    let (Ok(cron), Ok(zone)) = (Cron::parse(cron), parse_zone(zone)) else { return Vec::new() };
    let mut at = chrono::DateTime::from_timestamp_millis(now).unwrap_or_default();
    let mut out = Vec::new();
    while out.len() < count {
        let Some(next) = cron.next_after(at, &zone) else { break };
        let offset = zone.offset_at(next.timestamp());
        let sign = if offset < 0 { '-' } else { '+' };
        if let Some(local) = zone.local(next.timestamp()) {
            out.push(format!("{} {sign}{:02}:{:02}", local.format("%Y-%m-%d %H:%M"), offset.abs() / 3600, offset.abs() % 3600 / 60));
        }
        at = next;
    }
    out
}
