//! Sign in and out: `POST /api/v1/auth/login` sets the `om_session` cookie (rotated at every
//! login), `POST /api/v1/auth/logout` deletes the session, `GET /api/v1/me` says who you are.
//! Every attempt is audited; failures are throttled per account and per address (WEB-91).

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::json;

use om_store::{AuditRecord, User};

use crate::auth::{ClientIp, Principal, PrincipalKind, SESSION_COOKIE, new_token, verify_password};
use crate::error::ApiError;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
        .route("/me", get(me))
        .route("/me/password", post(change_password_api))
}

#[derive(Debug, Deserialize)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// A signed-in session: the cookie value to set and the session's CSRF token.
pub struct SignedIn {
    pub user: User,
    pub cookie: HeaderValue,
    pub csrf: String,
}

/// Checks a password login, throttled and audited; the one message for every failure.
pub async fn sign_in(state: &AppState, username: &str, password: &str, ip: &str, user_agent: &str) -> Result<SignedIn, ApiError> {
    let keys = vec![format!("user:{username}"), format!("ip:{ip}")];
    let delay = state.throttle.delay(&keys);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let user = state.store.user_by_name(username).await?;
    // Verify against a real hash even for unknown users so timing does not tell them apart.
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$8h2R7v3Vw7OeYl8z3M7mVd1Q2yOkZ6y1x9cKq5uUj0c";
    let phc = user.as_ref().map(|u| u.password_hash.clone()).unwrap_or_else(|| DUMMY.to_string());
    let ok = verify_password(password.to_string(), phc).await && user.as_ref().is_some_and(|u| !u.disabled);
    let record = |verb: &str, user: Option<&User>| AuditRecord {
        actor_kind: "user".into(),
        actor_id: user.map(|u| u.id).unwrap_or(0),
        actor_name: username.chars().take(255).collect(),
        source_ip: ip.into(),
        user_agent: user_agent.into(),
        verb: verb.into(),
        object_kind: "user".into(),
        object_id: user.map(|u| u.id.to_string()).unwrap_or_default(),
        details: json!({}),
    };
    let Some(user) = user.filter(|_| ok) else {
        state.throttle.failed(&keys);
        state.metrics.logins_failed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        state.store.append_audit(record("user.login_failed", None)).await?;
        return Err(ApiError::LoginFailed);
    };
    state.throttle.succeeded(&keys);
    let (token, hash) = new_token("");
    let csrf = om_store::hex(&om_store::random_bytes(24));
    state.store.create_session(&hash, user.id, &csrf, ip, user_agent).await?;
    state.store.record_login(user.id).await?;
    state.store.append_audit(record("user.login", Some(&user))).await?;
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    let cookie = HeaderValue::from_str(&format!("{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/{secure}"))
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(SignedIn { user, cookie, csrf })
}

/// Deletes the session and says so in the audit log; the cookie is cleared.
pub async fn sign_out(state: &AppState, who: &Principal) -> Result<HeaderValue, ApiError> {
    if let PrincipalKind::Session(s) = &who.kind {
        state.store.delete_session(s.id).await?;
    }
    crate::jobs::audit(state, who, "user.logout", "user", &who.user.id.to_string(), json!({})).await?;
    Ok(HeaderValue::from_static("om_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"))
}

async fn login(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    headers: HeaderMap,
    Json(req): Json<LoginRequest>,
) -> Result<Response, ApiError> {
    let agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let signed = sign_in(&state, &req.username, &req.password, &ip, agent).await?;
    let body = json!({"user": signed.user, "csrf": signed.csrf});
    let mut response = Json(body).into_response();
    response.headers_mut().insert(header::SET_COOKIE, signed.cookie);
    Ok(response)
}

async fn logout(State(state): State<AppState>, who: Principal) -> Result<Response, ApiError> {
    let cookie = sign_out(&state, &who).await?;
    let mut response = Json(json!({"ok": true})).into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(response)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// Changes the caller's own password after checking the current one; clears
/// must-change-password (WEB-90). Audited as `user.password_change`.
pub async fn change_password(state: &AppState, who: &Principal, change: &PasswordChange) -> Result<(), ApiError> {
    let user = state.store.user(who.user.id).await?;
    if !verify_password(change.current_password.clone(), user.password_hash.clone()).await {
        crate::jobs::audit(state, who, "user.password_change_failed", "user", &user.id.to_string(), json!({})).await?;
        return Err(ApiError::invalid("current_password", "is not your current password"));
    }
    if change.new_password.chars().count() < 8 {
        return Err(ApiError::invalid("new_password", "must have at least 8 characters"));
    }
    if change.new_password == change.current_password {
        return Err(ApiError::invalid("new_password", "must differ from the current password"));
    }
    let phc = crate::auth::hash_password(change.new_password.clone()).await?;
    state.store.set_password(user.id, &phc, false).await?;
    crate::jobs::audit(
        state,
        who,
        "user.password_change",
        "user",
        &user.id.to_string(),
        json!({"was_required": user.must_change_password}),
    )
    .await?;
    Ok(())
}

async fn change_password_api(
    State(state): State<AppState>,
    who: Principal,
    Json(change): Json<PasswordChange>,
) -> Result<Json<serde_json::Value>, ApiError> {
    change_password(&state, &who, &change).await?;
    Ok(Json(json!({"ok": true})))
}

async fn me(State(state): State<AppState>, who: Principal) -> Result<Json<serde_json::Value>, ApiError> {
    let bindings = state.store.role_bindings(who.user.id).await?;
    Ok(Json(json!({
        "user": who.user,
        "roles": bindings,
        "permissions": who.access.names(),
        "csrf": who.csrf(),
        "via": who.actor_kind(),
    })))
}
