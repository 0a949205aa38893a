//! The action catalog API (WEB-40 – WEB-44): list, create (201 with the new id), edit (a new
//! version per change), delete, the parameter schema, the server-rendered form fragment and
//! the repository's files.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Html;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use om_store::ActionRow;

use crate::auth::{Perm, Principal};
use crate::catalog::ActionDef;
use crate::error::ApiError;
use crate::jobs::audit;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/actions", get(list).post(create))
        .route("/actions/{id}", get(show).put(update).delete(remove))
        .route("/actions/{id}/schema", get(schema))
        .route("/actions/{id}/form", get(form))
        .route("/files", get(files))
}

fn summary(row: &ActionRow) -> Value {
    let def = ActionDef::parse(&row.definition).ok();
    json!({
        "id": row.id, "name": row.name, "group": row.group, "caption": row.caption, "enabled": row.enabled,
        "version_id": row.version_id, "danger": def.as_ref().map(|d| d.danger.clone()),
        "max_targets": def.as_ref().map(|d| d.max_targets), "params": def.as_ref().map(|d| d.params.clone()),
    })
}

fn need_read(who: &Principal) -> Result<(), ApiError> {
    if who.access.allows_somewhere(Perm::ActionRead) { Ok(()) } else { Err(ApiError::forbidden("you lack `action.read`")) }
}

fn need_write(who: &Principal) -> Result<(), ApiError> {
    if who.access.allows_global(Perm::ActionWrite) { Ok(()) } else { Err(ApiError::forbidden("editing actions needs `action.write`")) }
}

async fn list(State(state): State<AppState>, who: Principal) -> Result<Json<Vec<Value>>, ApiError> {
    need_read(&who)?;
    Ok(Json(state.store.actions().await?.iter().map(summary).collect()))
}

async fn show(State(state): State<AppState>, who: Principal, Path(id): Path<i64>) -> Result<Json<Value>, ApiError> {
    need_read(&who)?;
    let row = state.store.action(id).await?;
    let mut out = summary(&row);
    out["definition"] = row.definition;
    Ok(Json(out))
}

/// A definition as clients send it: the action plus an optional legacy `id`.
#[derive(Debug, Deserialize)]
struct ActionInput {
    #[serde(default)]
    id: Option<i64>,
    #[serde(default = "yes")]
    enabled: bool,
    #[serde(flatten)]
    definition: serde_json::Map<String, Value>,
}

fn yes() -> bool {
    true
}

/// Creates an action from a definition and audits it; the id is the book's or the next from 1001.
pub async fn create_action(state: &AppState, who: &Principal, id: Option<i64>, def: &ActionDef) -> Result<ActionRow, ApiError> {
    need_write(who)?;
    let value = serde_json::to_value(def).map_err(|e| ApiError::Internal(e.to_string()))?;
    let row = state.store.create_action(id, &def.name, &def.group, &def.caption, &value, &who.user.username).await?;
    audit(state, who, "action.create", "action", &row.id.to_string(), json!({"after": value})).await?;
    Ok(row)
}

async fn create(
    State(state): State<AppState>,
    who: Principal,
    Json(input): Json<ActionInput>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let def = ActionDef::parse(&Value::Object(input.definition))?;
    let row = create_action(&state, &who, input.id, &def).await?;
    Ok((StatusCode::CREATED, Json(summary(&row))))
}

async fn update(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
    Json(input): Json<ActionInput>,
) -> Result<Json<Value>, ApiError> {
    need_write(&who)?;
    let def = ActionDef::parse(&Value::Object(input.definition))?;
    let before = state.store.action(id).await?;
    let value = serde_json::to_value(&def).map_err(|e| ApiError::Internal(e.to_string()))?;
    let row = state.store.update_action(id, &def.name, &def.group, &def.caption, &value, input.enabled, &who.user.username).await?;
    audit(
        &state,
        &who,
        "action.update",
        "action",
        &id.to_string(),
        json!({"before": before.definition, "after": value, "enabled": input.enabled}),
    )
    .await?;
    Ok(Json(summary(&row)))
}

async fn remove(State(state): State<AppState>, who: Principal, Path(id): Path<i64>) -> Result<StatusCode, ApiError> {
    need_write(&who)?;
    let before = state.store.delete_action(id).await?;
    audit(&state, &who, "action.delete", "action", &id.to_string(), json!({"before": before.definition})).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn schema(State(state): State<AppState>, who: Principal, Path(id): Path<i64>) -> Result<Json<Value>, ApiError> {
    need_read(&who)?;
    let row = state.store.action(id).await?;
    let def = ActionDef::parse(&row.definition)?;
    Ok(Json(json!({"id": row.id, "name": def.name, "params": def.params, "danger": def.danger, "max_targets": def.max_targets})))
}

async fn form(State(state): State<AppState>, who: Principal, Path(id): Path<i64>) -> Result<Html<String>, ApiError> {
    need_read(&who)?;
    let row = state.store.action(id).await?;
    let def = ActionDef::parse(&row.definition)?;
    Ok(Html(state.templates.render("form.html", json!({"action": def, "id": row.id, "values": {}}))?))
}

async fn files(State(state): State<AppState>, who: Principal) -> Result<Json<Vec<String>>, ApiError> {
    need_read(&who)?;
    let root = state.data_dir.join("files");
    let mut out = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(rel) = path.strip_prefix(&root) {
                out.push(rel.display().to_string());
            }
        }
    }
    out.sort();
    Ok(Json(out))
}
