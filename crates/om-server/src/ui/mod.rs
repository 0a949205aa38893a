//! The web UI: server-rendered pages over the same store and rules as the API, with a small
//! script compiled in (no build step, no CDN). Forms post with the session's CSRF token;
//! everything from users, hosts and the CMDB is escaped by the templates.

mod templates;

use std::collections::{BTreeMap, HashSet};

use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use om_store::ServerFilter;

pub use templates::{Templates, format_ts, strip_ansi};

use crate::auth::{ClientIp, Perm, Principal, ROLES};
use crate::catalog::{ActionDef, GROUPS};
use crate::error::ApiError;
use crate::jobs::{LaunchOptions, LaunchRequest, Targets, audit, cancel, launch, rerun};
use crate::routes::{ansible_inventory, check_server, tree_value, visible, visible_servers};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route("/account/password", get(password_page).post(password_submit))
        .route("/", get(dashboard))
        .route("/inventory", get(inventory))
        .route("/inventory/fun-categories", post(add_fun))
        .route("/inventory/app-categories", post(add_app))
        .route("/inventory/servers", post(add_server))
        .route("/inventory/servers/{id}/delete", post(delete_server))
        .route("/inventory/import", post(import))
        .route("/inventory/export.ini", get(export_ini))
        .route("/run", get(run_page).post(run_submit))
        .route("/jobs", get(jobs_page))
        .route("/jobs/{id}", get(job_page))
        .route("/jobs/{id}/cancel", post(job_cancel))
        .route("/jobs/{id}/rerun", post(job_rerun))
        .route("/actions", get(actions_page))
        .route("/actions/new", get(actions_page).post(action_create))
        .route("/audit", get(audit_page))
        .route("/schedules", get(schedules_page).post(schedule_create))
        .route("/schedules/{id}/{verb}", post(schedule_change))
        .route("/admin/users", get(users_page).post(user_create))
        .route("/admin/users/{id}/{verb}", post(user_toggle))
        .route("/admin/tokens", post(token_create))
        .route("/admin/tokens/{id}/revoke", post(token_revoke))
        .route("/admin/workers", get(workers_page).post(worker_token))
        .route("/assets/{name}", get(asset))
}

/// A page error: a redirect to the login page, or an error page.
pub enum UiError {
    Login(String),
    Api(ApiError),
}

impl From<ApiError> for UiError {
    fn from(e: ApiError) -> Self {
        UiError::Api(e)
    }
}

impl From<om_store::StoreError> for UiError {
    fn from(e: om_store::StoreError) -> Self {
        UiError::Api(e.into())
    }
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        match self {
            UiError::Login(next) => Redirect::to(&format!("/login?next={}", urlencode(&next))).into_response(),
            UiError::Api(err) => {
                let status = err.status();
                if status.is_server_error() {
                    tracing::error!(error = %crate::error::error_chain(&err), "page failed");
                }
                let body = Templates::new()
                    .render("error.html", json!({"lang": "en", "status": status.as_u16(), "message": err.detail(), "me": null}))
                    .unwrap_or_else(|_| err.detail());
                (status, Html(body)).into_response()
            }
        }
    }
}

type Page = Result<Response, UiError>;

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).map(|v| v.trim_start_matches('=').to_string()).unwrap_or_default()
}

/// The signed-in user of a page, or a redirect to `/login`.
fn user(who: Option<Extension<Principal>>, path: &str) -> Result<Principal, UiError> {
    who.map(|Extension(p)| p).ok_or_else(|| UiError::Login(path.to_string()))
}

/// The language: `?lang=` (remembered in a cookie), the cookie, else `Accept-Language`.
fn language(headers: &HeaderMap, query: Option<&str>) -> String {
    if let Some(q) = query.and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("lang="))) {
        return if q == "zh" { "zh".into() } else { "en".into() };
    }
    if let Some(c) = crate::auth::cookie(headers, "om_lang") {
        return if c == "zh" { "zh".into() } else { "en".into() };
    }
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if accept.trim_start().starts_with("zh") { "zh".into() } else { "en".into() }
}

/// Renders a page with what every page needs: the user, CSRF token, language, menu rights.
fn render(state: &AppState, who: &Principal, headers: &HeaderMap, query: Option<&str>, page: &str, template: &str, mut ctx: Value) -> Page {
    let lang = language(headers, query);
    ctx["me"] = json!({"id": who.user.id, "username": who.user.username});
    ctx["csrf"] = json!(who.csrf());
    ctx["lang"] = json!(lang);
    ctx["page"] = json!(page);
    ctx["can"] = json!({
        "run": who.access.allows_somewhere(Perm::JobRun),
        "inventory_write": who.access.allows_somewhere(Perm::InventoryWrite),
        "actions_write": who.access.allows_global(Perm::ActionWrite),
        "audit": who.access.allows_global(Perm::AuditRead),
        "users": who.access.allows_global(Perm::UserAdmin),
        "workers": who.access.allows_global(Perm::WorkerAdmin),
    });
    let html = state.templates.render(template, &ctx)?;
    let mut response = Html(html).into_response();
    if let Some(q) = query.and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("lang="))) {
        let value = format!("om_lang={}; Path=/; SameSite=Strict; Max-Age=31536000", if q == "zh" { "zh" } else { "en" });
        if let Ok(v) = header::HeaderValue::from_str(&value) {
            response.headers_mut().insert(header::SET_COOKIE, v);
        }
    }
    Ok(response)
}

fn status_page(status: StatusCode, page: Response) -> Response {
    let mut page = page;
    *page.status_mut() = status;
    page
}

#[derive(Debug, Deserialize, Default)]
struct NextQuery {
    next: Option<String>,
}

/// Only local paths are followed after login.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".into(),
    }
}

async fn login_page(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<NextQuery>, RawQuery(raw): RawQuery) -> Page {
    let lang = language(&headers, raw.as_deref());
    let html = state.templates.render("login.html", json!({"lang": lang, "next": safe_next(q.next.as_deref()), "me": null, "csrf": ""}))?;
    Ok(Html(html).into_response())
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: Option<String>,
}

async fn login_submit(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Page {
    let agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    match crate::routes::sign_in(&state, &form.username, &form.password, &ip, agent).await {
        Ok(signed) => {
            let mut response = Redirect::to(&safe_next(form.next.as_deref())).into_response();
            response.headers_mut().insert(header::SET_COOKIE, signed.cookie);
            Ok(response)
        }
        Err(ApiError::LoginFailed) => {
            let lang = language(&headers, None);
            let html = state.templates.render(
                "login.html",
                json!({"lang": lang, "next": safe_next(form.next.as_deref()), "error": ApiError::LoginFailed.to_string(), "username": form.username, "me": null, "csrf": ""}),
            )?;
            Ok((StatusCode::UNAUTHORIZED, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn password_page(State(state): State<AppState>, who: Option<Extension<Principal>>, headers: HeaderMap) -> Page {
    let who = user(who, "/account/password")?;
    let required = who.user.must_change_password;
    render(&state, &who, &headers, None, "password", "password.html", json!({"required": required}))
}

#[derive(Debug, Deserialize)]
struct PasswordForm {
    current_password: String,
    new_password: String,
    repeat_password: String,
}

async fn password_submit(
    State(state): State<AppState>,
    who: Option<Extension<Principal>>,
    headers: HeaderMap,
    Form(form): Form<PasswordForm>,
) -> Page {
    let who = user(who, "/account/password")?;
    let result = if form.new_password != form.repeat_password {
        Err(ApiError::invalid("repeat_password", "the two new passwords differ"))
    } else {
        let change = crate::routes::PasswordChange { current_password: form.current_password, new_password: form.new_password };
        crate::routes::change_password(&state, &who, &change).await
    };
    match result {
        Ok(()) => Ok(Redirect::to("/").into_response()),
        Err(err @ ApiError::Invalid { .. }) => {
            let ctx = json!({"required": who.user.must_change_password, "error": err.detail()});
            let page = render(&state, &who, &headers, None, "password", "password.html", ctx)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(err) => Err(err.into()),
    }
}

async fn logout(State(state): State<AppState>, who: Option<Extension<Principal>>) -> Page {
    let who = user(who, "/")?;
    let cookie = crate::routes::sign_out(&state, &who).await?;
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(response)
}

async fn dashboard(State(state): State<AppState>, who: Option<Extension<Principal>>, headers: HeaderMap, RawQuery(raw): RawQuery) -> Page {
    let who = user(who, "/")?;
    let q = crate::routes::JobQuery::default();
    let filter = crate::routes::job_filter(&state, &who, &q).await?;
    let jobs = state.store.jobs(&filter, None, 10).await?;
    let servers = visible_servers(&state, &who, &ServerFilter::default()).await?.len();
    let (queued, running) = state.store.queue_depth().await?;
    let actions = state.store.actions().await?.len();
    render(
        &state,
        &who,
        &headers,
        raw.as_deref(),
        "dashboard",
        "dashboard.html",
        json!({"jobs": jobs, "counts": {"servers": servers, "queued": queued, "running": running, "actions": actions}}),
    )
}

#[derive(Debug, Deserialize, Default)]
struct InventoryQuery {
    fun: Option<String>,
    app: Option<String>,
    q: Option<String>,
}

fn id_param(v: &Option<String>) -> Option<i64> {
    v.as_deref().and_then(|s| s.parse().ok())
}

async fn inventory(
    State(state): State<AppState>,
    who: Option<Extension<Principal>>,
    headers: HeaderMap,
    Query(q): Query<InventoryQuery>,
    RawQuery(raw): RawQuery,
) -> Page {
    let who = user(who, "/inventory")?;
    let (fun, app) = (id_param(&q.fun), id_param(&q.app));
    let filter =
        ServerFilter { fun_category_id: fun, app_category_id: app, q: q.q.clone().filter(|s| !s.is_empty()), ..Default::default() };
    let servers = visible_servers(&state, &who, &filter).await?;
    let tree = tree_value(&state, &who).await?;
    let (funs, apps) = visible(&state, &who, Perm::InventoryWrite).await?;
    render(
        &state,
        &who,
        &headers,
        raw.as_deref(),
        "inventory",
        "inventory.html",
        json!({"tree": tree, "servers": servers, "fun": fun, "app": app, "q": q.q, "funs": funs, "apps": apps}),
    )
}

fn back(to: &str) -> Page {
    Ok(Redirect::to(to).into_response())
}

#[derive(Debug, Deserialize)]
struct FunForm {
    name: String,
    #[serde(default)]
    description: String,
}

async fn add_fun(State(state): State<AppState>, who: Option<Extension<Principal>>, Form(f): Form<FunForm>) -> Page {
    let who = user(who, "/inventory")?;
    if !who.access.allows_global(Perm::InventoryWrite) {
        return Err(ApiError::forbidden("creating function categories needs `inventory.write`").into());
    }
    let created = state.store.create_fun_category(f.name.trim(), &f.description, 0).await?;
    audit(&state, &who, "fun_category.create", "fun_category", &created.id.to_string(), json!({"after": created})).await?;
    back(&format!("/inventory?fun={}", created.id))
}

#[derive(Debug, Deserialize)]
struct AppForm {
    fun_category_id: i64,
    name: String,
}

async fn add_app(State(state): State<AppState>, who: Option<Extension<Principal>>, Form(f): Form<AppForm>) -> Page {
    let who = user(who, "/inventory")?;
    if !who.access.allows(Perm::InventoryWrite, crate::auth::Scope { fun_id: f.fun_category_id, app_id: 0 }) {
        return Err(ApiError::forbidden("you lack `inventory.write` here").into());
    }
    let created = state.store.create_app_category(f.fun_category_id, f.name.trim(), "").await?;
    audit(&state, &who, "app_category.create", "app_category", &created.id.to_string(), json!({"after": created})).await?;
    back(&format!("/inventory?app={}", created.id))
}

#[derive(Debug, Deserialize)]
struct ServerForm {
    app_category_id: i64,
    hostname: String,
    #[serde(default)]
    ip_internal: String,
    #[serde(default)]
    ip_external: String,
    #[serde(default)]
    ssh_user: String,
    #[serde(default)]
    ssh_port: Option<i64>,
    #[serde(default)]
    zone: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    vars: String,
}

async fn add_server(State(state): State<AppState>, who: Option<Extension<Principal>>, Form(f): Form<ServerForm>) -> Page {
    let who = user(who, "/inventory")?;
    let app = state.store.app_category(f.app_category_id).await?;
    if !who.access.allows(Perm::InventoryWrite, crate::auth::Scope { fun_id: app.fun_category_id, app_id: app.id }) {
        return Err(ApiError::forbidden("you lack `inventory.write` here").into());
    }
    let vars = if f.vars.trim().is_empty() {
        Default::default()
    } else {
        serde_json::from_str(&f.vars).map_err(|e| ApiError::invalid("vars", e.to_string()))?
    };
    let input = om_store::ServerInput {
        hostname: f.hostname.trim().to_string(),
        ip_internal: f.ip_internal.trim().to_string(),
        ip_external: f.ip_external.trim().to_string(),
        os: String::new(),
        app_category_id: app.id,
        zone: if f.zone.trim().is_empty() { "default".into() } else { f.zone.trim().to_string() },
        status: "active".into(),
        ssh_user: f.ssh_user.trim().to_string(),
        ssh_port: f.ssh_port.unwrap_or(22),
        tags: f.tags.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_string).collect(),
        vars,
        enabled: true,
        source: "manual".into(),
    };
    check_server(&input)?;
    let created = state.store.create_server(&input).await?;
    audit(&state, &who, "server.create", "server", &created.id.to_string(), json!({"after": created})).await?;
    back(&format!("/inventory?app={}", app.id))
}

async fn delete_server(State(state): State<AppState>, who: Option<Extension<Principal>>, Path(id): Path<i64>) -> Page {
    let who = user(who, "/inventory")?;
    let before = state.store.server(id).await?;
    if !who.access.allows(Perm::InventoryWrite, crate::auth::Scope { fun_id: before.fun_category_id, app_id: before.app_category_id }) {
        return Err(ApiError::forbidden("you lack `inventory.write` here").into());
    }
    state.store.delete_server(id).await?;
    audit(&state, &who, "server.delete", "server", &id.to_string(), json!({"before": before})).await?;
    back(&format!("/inventory?app={}", before.app_category_id))
}

#[derive(Debug, Deserialize)]
struct ImportForm {
    text: String,
    #[serde(default)]
    fun_category: String,
    /// `omanager`: `text` is the book's `Serverinfo.xml`, `categories` its
    /// `ServerOptioninfo.xml`; else an Ansible INI inventory.
    #[serde(default)]
    format: String,
    #[serde(default)]
    categories: String,
}

async fn import(State(state): State<AppState>, who: Option<Extension<Principal>>, Form(f): Form<ImportForm>) -> Page {
    let who = user(who, "/inventory")?;
    if !who.access.allows_global(Perm::InventoryWrite) {
        return Err(ApiError::forbidden("importing needs `inventory.write` globally").into());
    }
    let fun = if f.fun_category.trim().is_empty() { "Imported" } else { f.fun_category.trim() };
    let (format, entries) = match f.format.as_str() {
        "omanager" => ("omanager", crate::inventory::parse_omanager(&f.categories, &f.text)?),
        _ => ("ansible", crate::inventory::parse_ini(&f.text, fun)?),
    };
    let report = crate::inventory::import(&state, &entries, "default").await?;
    audit(&state, &who, "server.import", "server", "", json!({"format": format, "report": report})).await?;
    back("/inventory")
}

async fn export_ini(State(state): State<AppState>, who: Option<Extension<Principal>>) -> Page {
    let who = user(who, "/inventory")?;
    let inventory = ansible_inventory(&state, &who).await?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], crate::inventory::to_ini(&inventory)).into_response())
}

#[derive(Debug, Deserialize, Default)]
struct RunQuery {
    fun: Option<String>,
    app: Option<String>,
    action: Option<String>,
}

struct RunView {
    fun: Option<i64>,
    app: Option<i64>,
    action_id: Option<i64>,
    selected: Vec<i64>,
    values: BTreeMap<String, Value>,
    errors: BTreeMap<String, String>,
    error: Option<String>,
}

async fn run_view(state: &AppState, who: &Principal, headers: &HeaderMap, raw: Option<&str>, v: RunView) -> Page {
    let (funs, apps) = visible(state, who, Perm::JobRun).await?;
    let apps: Vec<_> = apps.into_iter().filter(|a| v.fun.is_none_or(|f| a.fun_category_id == f)).collect();
    let servers = if v.fun.is_some() || v.app.is_some() {
        let filter = ServerFilter { fun_category_id: v.fun, app_category_id: v.app, ..Default::default() };
        let ids: HashSet<i64> = apps.iter().map(|a| a.id).collect();
        state.store.servers(&filter).await?.into_iter().filter(|s| ids.contains(&s.app_category_id)).collect()
    } else {
        Vec::new()
    };
    let actions = state.store.actions().await?;
    let groups: Vec<Value> = GROUPS
        .iter()
        .map(|(g, label)| (g.to_string(), label.to_string()))
        .chain(actions.iter().filter(|a| !GROUPS.iter().any(|(g, _)| *g == a.group)).map(|a| (a.group.clone(), a.group.clone())))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .filter_map(|(g, label)| {
            let members: Vec<Value> =
                actions.iter().filter(|a| a.group == g && a.enabled).map(|a| json!({"id": a.id, "name": a.name})).collect();
            (!members.is_empty()).then(|| json!({"label": format!("{g} · {label}"), "actions": members}))
        })
        .collect();
    let action = match v.action_id {
        Some(id) => actions.iter().find(|a| a.id == id).and_then(|a| ActionDef::parse(&a.definition).ok()),
        None => None,
    };
    let status = if v.error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = render(
        state,
        who,
        headers,
        raw,
        "run",
        "run.html",
        json!({
            "funs": funs, "apps": apps, "fun": v.fun, "app": v.app, "servers": servers, "selected": v.selected,
            "groups": groups, "action_id": v.action_id, "action": action, "values": v.values, "errors": v.errors, "error": v.error,
        }),
    )?;
    Ok(status_page(status, page))
}

async fn run_page(
    State(state): State<AppState>,
    who: Option<Extension<Principal>>,
    headers: HeaderMap,
    Query(q): Query<RunQuery>,
    RawQuery(raw): RawQuery,
) -> Page {
    let who = user(who, "/run")?;
    let view = RunView {
        fun: id_param(&q.fun),
        app: id_param(&q.app),
        action_id: id_param(&q.action),
        selected: Vec::new(),
        values: BTreeMap::new(),
        errors: BTreeMap::new(),
        error: None,
    };
    run_view(&state, &who, &headers, raw.as_deref(), view).await
}

/// An action form's parameters (`p.NAME` fields); an unticked checkbox sends nothing, which
/// means false.
async fn form_params(state: &AppState, action_id: Option<i64>, fields: &[(String, String)]) -> serde_json::Map<String, Value> {
    let mut params = serde_json::Map::new();
    for (k, v) in fields {
        if let Some(name) = k.strip_prefix("p.") {
            params.insert(name.to_string(), Value::from(v.clone()));
        }
    }
    if let Some(id) = action_id
        && let Ok(row) = state.store.action(id).await
        && let Ok(def) = ActionDef::parse(&row.definition)
    {
        for p in &def.params {
            if matches!(p.kind, crate::catalog::ParamKind::Bool { .. }) && !params.contains_key(&p.name) {
                params.insert(p.name.clone(), Value::from(false));
            }
        }
    }
    params
}

async fn run_submit(
    State(state): State<AppState>,
    who: Option<Extension<Principal>>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Page {
    let who = user(who, "/run")?;
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let servers: Vec<i64> = fields.iter().filter(|(k, _)| k == "servers").filter_map(|(_, v)| v.parse().ok()).collect();
    let action_id = get("action_id").and_then(|v| v.parse::<i64>().ok());
    let params = form_params(&state, action_id, &fields).await;
    let mut view = RunView {
        fun: get("fun").and_then(|v| v.parse().ok()),
        app: get("app").and_then(|v| v.parse().ok()),
        action_id,
        selected: servers.clone(),
        values: params.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        errors: BTreeMap::new(),
        error: None,
    };
    let Some(action_id) = action_id else {
        view.error = Some("pick an action".into());
        return run_view(&state, &who, &headers, None, view).await;
    };
    if servers.is_empty() {
        view.error = Some("select at least one server".into());
        return run_view(&state, &who, &headers, None, view).await;
    }
    let request = LaunchRequest {
        action_id,
        params,
        targets: Targets { servers: servers.iter().map(|s| json!(s)).collect(), ..Default::default() },
        options: LaunchOptions { confirm: get("confirm").as_deref() == Some("true"), ..Default::default() },
    };
    match launch(&state, &who, &request, None).await {
        Ok(job) => Ok(Redirect::to(&format!("/jobs/{}", job.id)).into_response()),
        Err(ApiError::Invalid { message, errors }) => {
            view.errors = errors.into_iter().map(|e| (e.field, e.message)).collect();
            view.error = Some(message);
            run_view(&state, &who, &headers, None, view).await
        }
        Err(ApiError::Forbidden(message)) => {
            view.error = Some(message);
            let page = run_view(&state, &who, &headers, None, view).await?;
            Ok(status_page(StatusCode::FORBIDDEN, page))
        }
        Err(e) => Err(e.into()),
    }
}

async fn jobs_page(
    State(state): State<AppState>,
    who: Option<Extension<Principal>>,
    headers: HeaderMap,
    Query(q): Query<crate::routes::JobQuery>,
    RawQuery(raw): RawQuery,
) -> Page {
    let who = user(who, "/jobs")?;
    let filter = crate::routes::job_filter(&state, &who, &q).await?;
    let page = q.page();
    let limit = page.limit();
    let jobs = state.store.jobs(&filter, page.cursor(), limit).await?;
    let next = (jobs.len() as i64 == limit).then(|| {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (k, v) in [("status", &q.status), ("user", &q.user), ("server", &q.server)] {
            if let Some(v) = v {
                pairs.push((k.into(), v.clone()));
            }
        }
        if let Some(a) = q.action {
            pairs.push(("action".into(), a.to_string()));
        }
        pairs.push(("cursor".into(), jobs.last().map(|j| j.id).unwrap_or_default().to_string()));
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    });
    let actions: Vec<Value> = state.store.actions().await?.iter().map(|a| json!({"id": a.id, "name": a.name})).collect();
    render(
        &state,
        &who,
        &headers,
        raw.as_deref(),
        "jobs",
        "jobs.html",
        json!({"jobs": jobs, "next": next, "actions": actions, "q": {"status": q.status, "user": q.user, "server": q.server, "action": q.action}}),
    )
}

async fn job_page(
    State(state): State<AppState>,
    who: Option<Extension<Principal>>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    RawQuery(raw): RawQuery,
) -> Page {
    let who = user(who, &format!("/jobs/{id}"))?;
    let (job, hosts) = crate::routes::visible_job(&state, &who, id).await?;
    let terminal = job.is_terminal();
    let mut outputs: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    if terminal {
        let visible: HashSet<&str> = hosts.iter().map(|h| h.hostname.as_str()).collect();
        for o in state.store.outputs(id, None).await? {
            if visible.contains(o.host.as_str()) {
                outputs.entry(o.host.clone()).or_default().push(json!({"stream": o.stream, "text": String::from_utf8_lossy(&o.data)}));
            }
        }
    }
    let can_cancel =
        (job.user_id == who.user.id && who.access.allows_somewhere(Perm::JobRun)) || who.access.allows_global(Perm::JobCancelAny);
    render(
        &state,
        &who,
        &headers,
        raw.as_deref(),
        "jobs",
        "job.html",
        json!({"job": job, "hosts": hosts, "terminal": terminal, "outputs": outputs, "can_cancel": can_cancel}),
    )
}

async fn job_cancel(State(state): State<AppState>, who: Option<Extension<Principal>>, Path(id): Path<i64>) -> Page {
    let who = user(who, &format!("/jobs/{id}"))?;
    let (job, _) = crate::routes::visible_job(&state, &who, id).await?;
    let may = (job.user_id == who.user.id && who.access.allows_somewhere(Perm::JobRun)) || who.access.allows_global(Perm::JobCancelAny);
    if !may {
        return Err(ApiError::forbidden("you may cancel only your own jobs").into());
    }
    if !job.is_terminal() {
        cancel(&state, id).await?;
        audit(&state, &who, "job.cancel", "job", &id.to_string(), json!({})).await?;
    }
    back(&format!("/jobs/{id}"))
}

async fn job_rerun(State(state): State<AppState>, who: Option<Extension<Principal>>, Path(id): Path<i64>) -> Page {
    let who = user(who, &format!("/jobs/{id}"))?;
    crate::routes::visible_job(&state, &who, id).await?;
    let job = rerun(&state, &who, id, true).await?;
    back(&format!("/jobs/{}", job.id))
}

const EXAMPLE_ACTION: &str = "name = \"tail log\"\ngroup = \"bas\"\ncaption = \"The last lines of a log file\"\nparams = [{ name = \"lines\", type = \"int\", min = 1, max = 100, default = 30 }]\nrun = { kind = \"command\", argv = [\"tail\", \"-n\", \"{{ lines }}\", \"/var/log/syslog\"] }\n";

async fn actions_view(state: &AppState, who: &Principal, headers: &HeaderMap, raw: Option<&str>, extra: Value) -> Page {
    let actions: Vec<Value> = state
        .store
        .actions()
        .await?
        .iter()
        .map(|a| {
            let def = ActionDef::parse(&a.definition).ok();
            json!({"id": a.id, "name": a.name, "group": a.group, "caption": a.caption, "enabled": a.enabled, "version_id": a.version_id,
                   "danger": def.as_ref().map(|d| d.danger.clone()), "params": def.map(|d| d.params)})
        })
        .collect();
    let ctx = with_extra(json!({"actions": actions, "example": EXAMPLE_ACTION}), extra);
    render(state, who, headers, raw, "actions", "actions.html", ctx)
}

async fn actions_page(
    State(state): State<AppState>,
    who: Option<Extension<Principal>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Page {
    let who = user(who, "/actions")?;
    if !who.access.allows_somewhere(Perm::ActionRead) {
        return Err(ApiError::forbidden("you lack `action.read`").into());
    }
    actions_view(&state, &who, &headers, raw.as_deref(), json!({})).await
}

#[derive(Debug, Deserialize)]
struct ActionForm {
    definition: String,
}

async fn action_create(
    State(state): State<AppState>,
    who: Option<Extension<Principal>>,
    headers: HeaderMap,
    Form(f): Form<ActionForm>,
) -> Page {
    let who = user(who, "/actions")?;
    let parsed: Result<ActionDef, ApiError> = toml::from_str::<toml::Table>(&f.definition)
        .map_err(|e| ApiError::invalid("definition", e.to_string()))
        .and_then(|t| serde_json::to_value(t).map_err(|e| ApiError::invalid("definition", e.to_string())))
        .and_then(|v| ActionDef::parse(&v));
    let result = match parsed {
        Ok(def) => crate::routes::create_action(&state, &who, None, &def).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(row) => actions_view(&state, &who, &headers, None, json!({"created": row.id})).await,
        Err(ApiError::Forbidden(m)) => Err(ApiError::Forbidden(m).into()),
        Err(e) => {
            let page = actions_view(&state, &who, &headers, None, json!({"error": e.detail(), "definition": f.definition})).await?;
            Ok(status_page(StatusCode::UNPROCESSABLE_ENTITY, page))
        }
    }
}

#[derive(Debug, Deserialize, Default)]
struct ScheduleQuery {
    action: Option<String>,
}

/// What the schedule form holds (kept when it is sent back with errors).
#[derive(Default)]
struct ScheduleView {
    action_id: Option<i64>,
    fields: BTreeMap<String, String>,
    values: BTreeMap<String, Value>,
    errors: BTreeMap<String, String>,
    error: Option<String>,
}

async fn schedules_view(state: &AppState, who: &Principal, headers: &HeaderMap, raw: Option<&str>, v: ScheduleView) -> Page {
    let actions = state.store.actions().await?;
    let now = om_store::now_ms();
    let schedules: Vec<Value> = crate::schedule::visible_schedules(state, who)
        .await?
        .into_iter()
        .map(|s| {
            let action = actions.iter().find(|a| a.id == s.action_id).map(|a| a.name.clone()).unwrap_or_default();
            let upcoming = if s.enabled { crate::schedule::upcoming(&s.cron, &s.timezone, now, 3) } else { Vec::new() };
            let targets = match s.targets.get("servers").and_then(Value::as_array) {
                Some(list) => list.iter().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string)).collect::<Vec<_>>().join(", "),
                None => s.targets.to_string(),
            };
            json!({"s": s, "action": action, "upcoming": upcoming, "targets": targets})
        })
        .collect();
    let choices: Vec<Value> = actions.iter().filter(|a| a.enabled).map(|a| json!({"id": a.id, "name": a.name})).collect();
    let action = v.action_id.and_then(|id| actions.iter().find(|a| a.id == id)).and_then(|a| ActionDef::parse(&a.definition).ok());
    let status = if v.error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = render(
        state,
        who,
        headers,
        raw,
        "schedules",
        "schedules.html",
        json!({
            "schedules": schedules, "actions": choices, "action_id": v.action_id, "action": action, "fields": v.fields,
            "values": v.values, "errors": v.errors, "error": v.error,
        }),
    )?;
    Ok(status_page(status, page))
}

async fn schedules_page(
    State(state): State<AppState>,
    who: Option<Extension<Principal>>,
    headers: HeaderMap,
    Query(q): Query<ScheduleQuery>,
    RawQuery(raw): RawQuery,
) -> Page {
    let who = user(who, "/schedules")?;
    let view = ScheduleView { action_id: id_param(&q.action), ..Default::default() };
    schedules_view(&state, &who, &headers, raw.as_deref(), view).await
}

async fn schedule_create(
    State(state): State<AppState>,
    who: Option<Extension<Principal>>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Page {
    let who = user(who, "/schedules")?;
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let action_id = get("action_id").parse::<i64>().ok();
    let params = form_params(&state, action_id, &fields).await;
    let servers: Vec<Value> =
        get("servers").split([',', ' ', '\n']).map(str::trim).filter(|s| !s.is_empty()).map(|s| Value::from(s.to_string())).collect();
    let mut view = ScheduleView {
        action_id,
        fields: ["name", "cron", "tz", "servers"].into_iter().map(|k| (k.to_string(), get(k))).collect(),
        values: params.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        ..Default::default()
    };
    let Some(action_id) = action_id else {
        view.error = Some("pick an action".into());
        return schedules_view(&state, &who, &headers, None, view).await;
    };
    if servers.is_empty() {
        view.errors.insert("servers".into(), "name at least one server".into());
        view.error = Some("name at least one server".into());
        return schedules_view(&state, &who, &headers, None, view).await;
    }
    let tz = get("tz");
    let request = crate::schedule::ScheduleRequest {
        name: get("name"),
        cron: get("cron"),
        timezone: if tz.trim().is_empty() { "UTC".into() } else { tz },
        action_id,
        params,
        targets: Targets { servers, ..Default::default() },
        enabled: true,
    };
    match crate::schedule::create_schedule(&state, &who, &request).await {
        Ok(_) => Ok(Redirect::to("/schedules").into_response()),
        Err(ApiError::Invalid { message, errors }) => {
            view.errors = errors.into_iter().map(|e| (e.field, e.message)).collect();
            view.error = Some(message);
            schedules_view(&state, &who, &headers, None, view).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn schedule_change(State(state): State<AppState>, who: Option<Extension<Principal>>, Path((id, verb)): Path<(i64, String)>) -> Page {
    let who = user(who, "/schedules")?;
    match verb.as_str() {
        "enable" => crate::schedule::set_enabled(&state, &who, id, true).await.map(drop)?,
        "disable" => crate::schedule::set_enabled(&state, &who, id, false).await.map(drop)?,
        "delete" => crate::schedule::delete_schedule(&state, &who, id).await?,
        _ => return Err(ApiError::NotFound(format!("no `{verb}` for schedules")).into()),
    }
    Ok(Redirect::to("/schedules").into_response())
}

#[derive(Debug, Deserialize, Default)]
struct AuditQuery {
    verb: Option<String>,
    actor: Option<String>,
    cursor: Option<i64>,
}

async fn audit_page(
    State(state): State<AppState>,
    who: Option<Extension<Principal>>,
    headers: HeaderMap,
    Query(q): Query<AuditQuery>,
    RawQuery(raw): RawQuery,
) -> Page {
    let who = user(who, "/audit")?;
    if !who.access.allows_global(Perm::AuditRead) {
        return Err(ApiError::forbidden("reading the audit log needs `audit.read`").into());
    }
    let entries = state
        .store
        .audit_entries(q.cursor, 100, q.verb.as_deref().filter(|v| !v.is_empty()), q.actor.as_deref().filter(|v| !v.is_empty()))
        .await?;
    let verification = state.store.verify_audit_log(None, None).await?;
    let next = (entries.len() == 100).then(|| {
        let mut pairs = vec![("cursor".to_string(), entries.last().map(|e| e.seq).unwrap_or_default().to_string())];
        if let Some(v) = &q.verb {
            pairs.push(("verb".into(), v.clone()));
        }
        if let Some(a) = &q.actor {
            pairs.push(("actor".into(), a.clone()));
        }
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    });
    let flat: Vec<Value> = entries
        .iter()
        .map(|e| {
            let mut v = serde_json::to_value(&e.record).unwrap_or_default();
            v["seq"] = json!(e.seq);
            v["ts"] = json!(e.ts);
            v
        })
        .collect();
    render(
        &state,
        &who,
        &headers,
        raw.as_deref(),
        "audit",
        "audit.html",
        json!({"entries": flat, "verification": verification, "q": {"verb": q.verb, "actor": q.actor}, "next": next}),
    )
}

async fn users_view(state: &AppState, who: &Principal, headers: &HeaderMap, extra: Value) -> Page {
    if !who.access.allows_global(Perm::UserAdmin) {
        return Err(ApiError::forbidden("managing users needs `user.admin`").into());
    }
    let mut users = Vec::new();
    for u in state.store.users().await? {
        let mut v = serde_json::to_value(&u).unwrap_or_default();
        v["roles"] = json!(state.store.role_bindings(u.id).await?);
        users.push(v);
    }
    let funs = state.store.fun_categories().await?;
    let apps = state.store.app_categories(None).await?;
    let tokens = state.store.tokens(None).await?;
    let roles: Vec<&str> = ROLES.iter().map(|(r, _)| *r).collect();
    let ctx = with_extra(json!({"users": users, "funs": funs, "apps": apps, "tokens": tokens, "roles": roles}), extra);
    render(state, who, headers, None, "users", "users.html", ctx)
}

async fn users_page(State(state): State<AppState>, who: Option<Extension<Principal>>, headers: HeaderMap) -> Page {
    let who = user(who, "/admin/users")?;
    users_view(&state, &who, &headers, json!({})).await
}

#[derive(Debug, Deserialize)]
struct UserForm {
    username: String,
    role: String,
    scope: String,
}

async fn user_create(
    State(state): State<AppState>,
    who: Option<Extension<Principal>>,
    headers: HeaderMap,
    Form(f): Form<UserForm>,
) -> Page {
    let who = user(who, "/admin/users")?;
    let (kind, id) = f.scope.split_once(':').unwrap_or(("global", "0"));
    let input = crate::routes::UserInput {
        username: f.username.trim().to_string(),
        display_name: String::new(),
        password: None,
        roles: vec![crate::routes::BindingInput { role: f.role, scope_kind: kind.to_string(), scope_id: id.parse().unwrap_or(0) }],
    };
    match crate::routes::create_user(&state, &who, &input).await {
        Ok((user, password)) => {
            users_view(
                &state,
                &who,
                &headers,
                json!({"secret": {"label": format!("One-time password of {}", user.username), "value": password}}),
            )
            .await
        }
        Err(ApiError::Forbidden(m)) => Err(ApiError::Forbidden(m).into()),
        Err(e) => users_view(&state, &who, &headers, json!({"error": e.detail()})).await,
    }
}

async fn user_toggle(State(state): State<AppState>, who: Option<Extension<Principal>>, Path((id, verb)): Path<(i64, String)>) -> Page {
    let who = user(who, "/admin/users")?;
    if !who.access.allows_global(Perm::UserAdmin) {
        return Err(ApiError::forbidden("managing users needs `user.admin`").into());
    }
    let disabled = match verb.as_str() {
        "disable" => true,
        "enable" => false,
        _ => return Err(ApiError::NotFound("no such operation".into()).into()),
    };
    if id == who.user.id {
        return Err(ApiError::invalid("id", "you cannot disable yourself").into());
    }
    state.store.set_user_disabled(id, disabled).await?;
    audit(&state, &who, if disabled { "user.disable" } else { "user.enable" }, "user", &id.to_string(), json!({})).await?;
    back("/admin/users")
}

#[derive(Debug, Deserialize)]
struct TokenForm {
    name: String,
    scope: String,
    /// `global:0`, `fun:<id>` or `app:<id>`.
    #[serde(default = "global_category")]
    category: String,
}

fn global_category() -> String {
    "global:0".into()
}

async fn token_create(
    State(state): State<AppState>,
    who: Option<Extension<Principal>>,
    headers: HeaderMap,
    Form(f): Form<TokenForm>,
) -> Page {
    let who = user(who, "/admin/users")?;
    let created = match f.category.split_once(':').and_then(|(kind, id)| Some((kind, id.parse::<i64>().ok()?))) {
        Some((kind, scope_id)) => {
            let input =
                crate::routes::TokenInput { name: f.name, scope: f.scope, scope_kind: kind.to_string(), scope_id, expires_days: None };
            crate::routes::create_token_for(&state, &who, &input).await
        }
        None => Err(ApiError::invalid("category", "must be global:0, fun:<id> or app:<id>")),
    };
    match created {
        Ok((token, secret)) => {
            users_view(&state, &who, &headers, json!({"secret": {"label": format!("Token {}", token.name), "value": secret}})).await
        }
        Err(e @ ApiError::Invalid { .. }) => users_view(&state, &who, &headers, json!({"error": e.detail()})).await,
        Err(e) => Err(e.into()),
    }
}

async fn token_revoke(State(state): State<AppState>, who: Option<Extension<Principal>>, Path(id): Path<i64>) -> Page {
    let who = user(who, "/admin/users")?;
    let token = state.store.token(id).await?;
    if token.user_id != who.user.id && !who.access.allows_global(Perm::UserAdmin) {
        return Err(ApiError::NotFound(format!("token `{id}` not found")).into());
    }
    state.store.revoke_token(id).await?;
    audit(&state, &who, "token.revoke", "token", &id.to_string(), json!({"name": token.name})).await?;
    back("/admin/users")
}

async fn workers_view(state: &AppState, who: &Principal, headers: &HeaderMap, extra: Value) -> Page {
    if !who.access.allows_global(Perm::WorkerAdmin) {
        return Err(ApiError::forbidden("managing workers needs `worker.admin`").into());
    }
    let now = om_store::now_ms();
    let workers: Vec<Value> = state
        .store
        .workers()
        .await?
        .into_iter()
        .map(|w| {
            let alive = now - w.last_seen < 30_000;
            let mut v = serde_json::to_value(w).unwrap_or_default();
            v["alive"] = json!(alive);
            v
        })
        .collect();
    let ctx = with_extra(json!({"workers": workers}), extra);
    render(state, who, headers, None, "workers", "workers.html", ctx)
}

async fn workers_page(State(state): State<AppState>, who: Option<Extension<Principal>>, headers: HeaderMap) -> Page {
    let who = user(who, "/admin/workers")?;
    workers_view(&state, &who, &headers, json!({})).await
}

#[derive(Debug, Deserialize)]
struct WorkerForm {
    zone: String,
}

async fn worker_token(
    State(state): State<AppState>,
    who: Option<Extension<Principal>>,
    headers: HeaderMap,
    Form(f): Form<WorkerForm>,
) -> Page {
    let who = user(who, "/admin/workers")?;
    if !who.access.allows_global(Perm::WorkerAdmin) {
        return Err(ApiError::forbidden("managing workers needs `worker.admin`").into());
    }
    let (token, hash) = crate::auth::new_token("omw_");
    let e = state.store.create_enrollment(&hash, f.zone.trim(), &who.user.username, om_store::now_ms() + 24 * 3_600_000).await?;
    audit(&state, &who, "worker.enrollment_create", "worker_enrollment", &e.id.to_string(), json!({"zone": e.zone})).await?;
    workers_view(&state, &who, &headers, json!({"secret": {"zone": e.zone, "value": token}})).await
}

async fn asset(Path(name): Path<String>) -> Response {
    let (body, kind) = match name.as_str() {
        "app.js" => (include_str!("assets/app.js"), "text/javascript; charset=utf-8"),
        "app.css" => (include_str!("assets/app.css"), "text/css; charset=utf-8"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    ([(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, "public, max-age=3600")], body).into_response()
}

/// A page's context with `extra` (a form's message or errors) merged over it.
fn with_extra(mut ctx: Value, extra: Value) -> Value {
    if let (Value::Object(c), Value::Object(e)) = (&mut ctx, extra) {
        c.extend(e);
    }
    ctx
}
