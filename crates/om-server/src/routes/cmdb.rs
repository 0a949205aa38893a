//! The CMDB API (WEB-30 – WEB-33): function categories, application categories, servers, the
//! scope-filtered tree, Ansible inventory export and import. Every change is audited with a
//! before/after diff; reads are filtered by the caller's scopes before they leave.

use std::collections::HashSet;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use om_store::{AppCategory, FunCategory, Server, ServerFilter, ServerInput};

use crate::auth::{Perm, Principal, Scope};
use crate::error::ApiError;
use crate::jobs::audit;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/fun-categories", get(list_fun).post(create_fun))
        .route("/fun-categories/{id}", axum::routing::put(update_fun).delete(delete_fun))
        .route("/app-categories", get(list_app).post(create_app))
        .route("/app-categories/{id}", axum::routing::put(update_app).delete(delete_app))
        .route("/servers", get(list_servers).post(create_server))
        .route("/servers/{id}", get(get_server).put(update_server).delete(delete_server))
        .route("/inventory/tree", get(tree))
        .route("/inventory/ansible", get(ansible))
        .route("/import/servers", post(import))
}

/// The application categories `who` may read, and the function categories above them.
pub async fn visible(state: &AppState, who: &Principal, perm: Perm) -> Result<(Vec<FunCategory>, Vec<AppCategory>), ApiError> {
    let funs = state.store.fun_categories().await?;
    let apps = state.store.app_categories(None).await?;
    let allowed = who.access.apps_where(perm, &apps);
    let apps: Vec<AppCategory> = apps.into_iter().filter(|a| allowed.as_ref().is_none_or(|s| s.contains(&a.id))).collect();
    let global = allowed.is_none();
    let funs = funs
        .into_iter()
        .filter(|f| global || who.access.allows(perm, Scope { fun_id: f.id, app_id: 0 }) || apps.iter().any(|a| a.fun_category_id == f.id))
        .collect();
    Ok((funs, apps))
}

/// Servers `who` may read under `filter`.
pub async fn visible_servers(state: &AppState, who: &Principal, filter: &ServerFilter) -> Result<Vec<Server>, ApiError> {
    let (_, apps) = visible(state, who, Perm::InventoryRead).await?;
    let ids: HashSet<i64> = apps.iter().map(|a| a.id).collect();
    Ok(state.store.servers(filter).await?.into_iter().filter(|s| ids.contains(&s.app_category_id)).collect())
}

fn need(who: &Principal, perm: Perm, scope: Scope) -> Result<(), ApiError> {
    if who.access.allows(perm, scope) { Ok(()) } else { Err(ApiError::forbidden(format!("you lack `{}` here", perm.as_str()))) }
}

fn server_scope(s: &Server) -> Scope {
    Scope { fun_id: s.fun_category_id, app_id: s.app_category_id }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FunInput {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    sort_order: i64,
}

fn check_name(name: &str) -> Result<(), ApiError> {
    if name.trim().is_empty() || name.len() > 255 { Err(ApiError::invalid("name", "must have 1 to 255 characters")) } else { Ok(()) }
}

async fn list_fun(State(state): State<AppState>, who: Principal) -> Result<Json<Vec<FunCategory>>, ApiError> {
    Ok(Json(visible(&state, &who, Perm::InventoryRead).await?.0))
}

async fn create_fun(
    State(state): State<AppState>,
    who: Principal,
    Json(input): Json<FunInput>,
) -> Result<(StatusCode, Json<FunCategory>), ApiError> {
    if !who.access.allows_global(Perm::InventoryWrite) {
        return Err(ApiError::forbidden("creating function categories needs `inventory.write` globally"));
    }
    check_name(&input.name)?;
    let created = state.store.create_fun_category(input.name.trim(), &input.description, input.sort_order).await?;
    audit(&state, &who, "fun_category.create", "fun_category", &created.id.to_string(), json!({"after": created})).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

async fn update_fun(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
    Json(input): Json<FunInput>,
) -> Result<Json<FunCategory>, ApiError> {
    need(&who, Perm::InventoryWrite, Scope { fun_id: id, app_id: 0 })?;
    check_name(&input.name)?;
    let before = state.store.fun_category(id).await?;
    let after = state.store.update_fun_category(id, input.name.trim(), &input.description, input.sort_order).await?;
    audit(&state, &who, "fun_category.update", "fun_category", &id.to_string(), json!({"before": before, "after": after})).await?;
    Ok(Json(after))
}

async fn delete_fun(State(state): State<AppState>, who: Principal, Path(id): Path<i64>) -> Result<StatusCode, ApiError> {
    need(&who, Perm::InventoryWrite, Scope { fun_id: id, app_id: 0 })?;
    let before = state.store.delete_fun_category(id).await?;
    audit(&state, &who, "fun_category.delete", "fun_category", &id.to_string(), json!({"before": before})).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
struct AppQuery {
    fun_category: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AppInput {
    fun_category_id: i64,
    name: String,
    #[serde(default)]
    description: String,
}

async fn list_app(State(state): State<AppState>, who: Principal, Query(q): Query<AppQuery>) -> Result<Json<Vec<AppCategory>>, ApiError> {
    let (_, apps) = visible(&state, &who, Perm::InventoryRead).await?;
    Ok(Json(apps.into_iter().filter(|a| q.fun_category.is_none_or(|f| a.fun_category_id == f)).collect()))
}

async fn create_app(
    State(state): State<AppState>,
    who: Principal,
    Json(input): Json<AppInput>,
) -> Result<(StatusCode, Json<AppCategory>), ApiError> {
    need(&who, Perm::InventoryWrite, Scope { fun_id: input.fun_category_id, app_id: 0 })?;
    check_name(&input.name)?;
    let created = state.store.create_app_category(input.fun_category_id, input.name.trim(), &input.description).await?;
    audit(&state, &who, "app_category.create", "app_category", &created.id.to_string(), json!({"after": created})).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

async fn update_app(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
    Json(input): Json<AppInput>,
) -> Result<Json<AppCategory>, ApiError> {
    let before = state.store.app_category(id).await?;
    need(&who, Perm::InventoryWrite, Scope { fun_id: before.fun_category_id, app_id: id })?;
    need(&who, Perm::InventoryWrite, Scope { fun_id: input.fun_category_id, app_id: id })?;
    check_name(&input.name)?;
    let after = state.store.update_app_category(id, input.fun_category_id, input.name.trim(), &input.description).await?;
    audit(&state, &who, "app_category.update", "app_category", &id.to_string(), json!({"before": before, "after": after})).await?;
    Ok(Json(after))
}

async fn delete_app(State(state): State<AppState>, who: Principal, Path(id): Path<i64>) -> Result<StatusCode, ApiError> {
    let before = state.store.app_category(id).await?;
    need(&who, Perm::InventoryWrite, Scope { fun_id: before.fun_category_id, app_id: id })?;
    state.store.delete_app_category(id).await?;
    audit(&state, &who, "app_category.delete", "app_category", &id.to_string(), json!({"before": before})).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
struct ServerQuery {
    app_category: Option<i64>,
    fun_category: Option<i64>,
    q: Option<String>,
}

async fn list_servers(State(state): State<AppState>, who: Principal, Query(q): Query<ServerQuery>) -> Result<Json<Vec<Server>>, ApiError> {
    let filter = ServerFilter {
        app_category_id: q.app_category,
        fun_category_id: q.fun_category,
        q: q.q.filter(|s| !s.is_empty()),
        ..Default::default()
    };
    Ok(Json(visible_servers(&state, &who, &filter).await?))
}

async fn get_server(State(state): State<AppState>, who: Principal, Path(id): Path<i64>) -> Result<Json<Server>, ApiError> {
    let server = state.store.server(id).await?;
    if !who.access.allows(Perm::InventoryRead, server_scope(&server)) {
        return Err(ApiError::NotFound(format!("server `{id}` not found")));
    }
    Ok(Json(server))
}

/// Checks what the store cannot: lengths, address syntax, statuses.
pub fn check_server(input: &ServerInput) -> Result<(), ApiError> {
    if input.hostname.trim().is_empty() || input.hostname.len() > 253 || input.hostname.chars().any(|c| c.is_control()) {
        return Err(ApiError::invalid("hostname", "must have 1 to 253 characters, no control characters"));
    }
    for (field, ip) in [("ip_internal", &input.ip_internal), ("ip_external", &input.ip_external)] {
        if !ip.is_empty() && ip.parse::<std::net::IpAddr>().is_err() {
            return Err(ApiError::invalid(field, format!("`{ip}` is not an IPv4 or IPv6 address")));
        }
    }
    if !["active", "maintenance", "retired"].contains(&input.status.as_str()) {
        return Err(ApiError::invalid("status", "must be active, maintenance or retired"));
    }
    if !(1..=65535).contains(&input.ssh_port) {
        return Err(ApiError::invalid("ssh_port", "must be 1 to 65535"));
    }
    if input.zone.is_empty() || input.zone.len() > 64 {
        return Err(ApiError::invalid("zone", "must have 1 to 64 characters"));
    }
    Ok(())
}

async fn create_server(
    State(state): State<AppState>,
    who: Principal,
    Json(input): Json<ServerInput>,
) -> Result<(StatusCode, Json<Server>), ApiError> {
    check_server(&input)?;
    let app = state
        .store
        .app_category(input.app_category_id)
        .await
        .map_err(|_| ApiError::invalid("app_category_id", "no such application category"))?;
    need(&who, Perm::InventoryWrite, Scope { fun_id: app.fun_category_id, app_id: app.id })?;
    let created = state.store.create_server(&input).await?;
    audit(&state, &who, "server.create", "server", &created.id.to_string(), json!({"after": created})).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

async fn update_server(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
    Json(input): Json<ServerInput>,
) -> Result<Json<Server>, ApiError> {
    check_server(&input)?;
    let before = state.store.server(id).await?;
    need(&who, Perm::InventoryWrite, server_scope(&before))?;
    let app = state
        .store
        .app_category(input.app_category_id)
        .await
        .map_err(|_| ApiError::invalid("app_category_id", "no such application category"))?;
    need(&who, Perm::InventoryWrite, Scope { fun_id: app.fun_category_id, app_id: app.id })?;
    let after = state.store.update_server(id, &input).await?;
    audit(&state, &who, "server.update", "server", &id.to_string(), json!({"before": before, "after": after})).await?;
    Ok(Json(after))
}

async fn delete_server(State(state): State<AppState>, who: Principal, Path(id): Path<i64>) -> Result<StatusCode, ApiError> {
    let before = state.store.server(id).await?;
    need(&who, Perm::InventoryWrite, server_scope(&before))?;
    state.store.delete_server(id).await?;
    audit(&state, &who, "server.delete", "server", &id.to_string(), json!({"before": before})).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Function → application → servers, as far as the caller may read.
pub async fn tree_value(state: &AppState, who: &Principal) -> Result<Value, ApiError> {
    let (funs, apps) = visible(state, who, Perm::InventoryRead).await?;
    let servers = visible_servers(state, who, &ServerFilter::default()).await?;
    Ok(Value::Array(
        funs.iter()
            .map(|f| {
                let children: Vec<Value> = apps
                    .iter()
                    .filter(|a| a.fun_category_id == f.id)
                    .map(|a| {
                        let members: Vec<Value> = servers
                            .iter()
                            .filter(|s| s.app_category_id == a.id)
                            .map(|s| json!({"id": s.id, "hostname": s.hostname, "ip_internal": s.ip_internal, "status": s.status, "enabled": s.enabled}))
                            .collect();
                        json!({"id": a.id, "name": a.name, "servers": members})
                    })
                    .collect();
                json!({"id": f.id, "name": f.name, "app_categories": children})
            })
            .collect(),
    ))
}

async fn tree(State(state): State<AppState>, who: Principal) -> Result<Json<Value>, ApiError> {
    Ok(Json(tree_value(&state, &who).await?))
}

/// A group name Ansible accepts: letters, digits and `_`.
fn group_name(name: &str) -> String {
    let mut g: String = name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    if g.starts_with(|c: char| c.is_ascii_digit()) {
        g.insert(0, '_');
    }
    g
}

/// Ansible dynamic-inventory JSON: a group per function and application category (the
/// application groups are children of their function group), `_meta.hostvars` from `vars`.
pub async fn ansible_inventory(state: &AppState, who: &Principal) -> Result<Value, ApiError> {
    let (funs, apps) = visible(state, who, Perm::InventoryRead).await?;
    let servers = visible_servers(state, who, &ServerFilter::default()).await?;
    let mut out = serde_json::Map::new();
    let mut hostvars = serde_json::Map::new();
    for f in &funs {
        let children: Vec<String> = apps.iter().filter(|a| a.fun_category_id == f.id).map(|a| group_name(&a.name)).collect();
        out.insert(group_name(&f.name), json!({"children": children}));
    }
    for a in &apps {
        let hosts: Vec<&str> = servers.iter().filter(|s| s.app_category_id == a.id).map(|s| s.hostname.as_str()).collect();
        out.insert(group_name(&a.name), json!({"hosts": hosts}));
    }
    for s in &servers {
        let mut vars = s.vars.clone();
        if !s.ip_internal.is_empty() {
            vars.entry("ansible_host").or_insert(json!(s.ip_internal));
        }
        if s.ssh_port != 22 {
            vars.entry("ansible_port").or_insert(json!(s.ssh_port));
        }
        if !s.ssh_user.is_empty() {
            vars.entry("ansible_user").or_insert(json!(s.ssh_user));
        }
        hostvars.insert(s.hostname.clone(), Value::Object(vars));
    }
    out.insert("_meta".into(), json!({"hostvars": hostvars}));
    Ok(Value::Object(out))
}

async fn ansible(State(state): State<AppState>, who: Principal) -> Result<Json<Value>, ApiError> {
    Ok(Json(ansible_inventory(&state, &who).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportRequest {
    /// `ansible` (INI), `omanager` (the book's `Serverinfo.xml` in `text`, its
    /// `ServerOptioninfo.xml` in `categories`) or `json` (a list of servers with category names).
    format: String,
    text: String,
    #[serde(default)]
    categories: String,
    /// The function category that receives groups of an Ansible inventory.
    #[serde(default = "default_fun")]
    fun_category: String,
    #[serde(default = "default_zone")]
    zone: String,
}

fn default_fun() -> String {
    "Imported".into()
}
fn default_zone() -> String {
    "default".into()
}

async fn import(State(state): State<AppState>, who: Principal, Json(req): Json<ImportRequest>) -> Result<Json<Value>, ApiError> {
    if !who.access.allows_global(Perm::InventoryWrite) {
        return Err(ApiError::forbidden("importing needs `inventory.write` globally"));
    }
    let entries = match req.format.as_str() {
        "ansible" | "ini" => crate::inventory::parse_ini(&req.text, &req.fun_category)?,
        "omanager" | "xml" => crate::inventory::parse_omanager(&req.categories, &req.text)?,
        "json" => serde_json::from_str(&req.text).map_err(|e| ApiError::invalid("text", e.to_string()))?,
        other => return Err(ApiError::invalid("format", format!("`{other}` is not `ansible`, `omanager` or `json`"))),
    };
    let report = crate::inventory::import(&state, &entries, &req.zone).await?;
    audit(&state, &who, "server.import", "server", "", json!({"format": req.format, "report": report})).await?;
    Ok(Json(report))
}
