//! Users, role bindings and API tokens (WEB-90, WEB-94, WEB-95). Passwords and tokens are
//! shown once and stored hashed; a token never has more rights than its owner.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{Perm, Principal, ROLES, hash_password, new_token, random_password};
use crate::error::ApiError;
use crate::jobs::audit;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/users", get(list).post(create))
        .route("/users/{id}", put(update))
        .route("/roles", get(roles))
        .route("/tokens", get(tokens).post(create_token))
        .route("/tokens/{id}", axum::routing::delete(revoke))
}

fn need_admin(who: &Principal) -> Result<(), ApiError> {
    if who.access.allows_global(Perm::UserAdmin) { Ok(()) } else { Err(ApiError::forbidden("managing users needs `user.admin`")) }
}

/// A role at a scope: `global` (id 0), `fun` or `app`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BindingInput {
    pub role: String,
    #[serde(default = "global")]
    pub scope_kind: String,
    #[serde(default)]
    pub scope_id: i64,
}

fn global() -> String {
    "global".into()
}

fn check_bindings(bindings: &[BindingInput]) -> Result<Vec<(String, String, i64)>, ApiError> {
    bindings
        .iter()
        .map(|b| {
            if !ROLES.iter().any(|(r, _)| *r == b.role) {
                return Err(ApiError::invalid(
                    "role",
                    format!("`{}` is not one of {}", b.role, ROLES.iter().map(|(r, _)| *r).collect::<Vec<_>>().join(", ")),
                ));
            }
            if !["global", "fun", "app"].contains(&b.scope_kind.as_str()) {
                return Err(ApiError::invalid("scope_kind", "must be global, fun or app"));
            }
            Ok((b.role.clone(), b.scope_kind.clone(), if b.scope_kind == "global" { 0 } else { b.scope_id }))
        })
        .collect()
}

async fn list(State(state): State<AppState>, who: Principal) -> Result<Json<Vec<Value>>, ApiError> {
    need_admin(&who)?;
    let mut out = Vec::new();
    for u in state.store.users().await? {
        let bindings = state.store.role_bindings(u.id).await?;
        let mut v = serde_json::to_value(&u).map_err(|e| ApiError::Internal(e.to_string()))?;
        v["roles"] = json!(bindings);
        out.push(v);
    }
    Ok(Json(out))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    /// Generated (and returned once) when absent.
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub roles: Vec<BindingInput>,
}

/// Creates a user with role bindings; returns the user and the password if generated.
pub async fn create_user(state: &AppState, who: &Principal, input: &UserInput) -> Result<(om_store::User, Option<String>), ApiError> {
    need_admin(who)?;
    let name_ok = !input.username.is_empty()
        && input.username.len() <= 64
        && input.username.chars().all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c));
    if !name_ok {
        return Err(ApiError::invalid("username", "1 to 64 letters, digits or `._-@`"));
    }
    let bindings = check_bindings(&input.roles)?;
    let (password, generated) = match &input.password {
        Some(p) if p.chars().count() >= 8 => (p.clone(), None),
        Some(_) => return Err(ApiError::invalid("password", "must have at least 8 characters")),
        None => {
            let p = random_password();
            (p.clone(), Some(p))
        }
    };
    let phc = hash_password(password).await?;
    let first_role = bindings.first().map(|b| b.0.clone()).unwrap_or_else(|| "viewer".into());
    let user = state.store.create_user(&input.username, &input.display_name, &phc, &first_role, generated.is_some()).await?;
    if !bindings.is_empty() {
        state.store.set_role_bindings(user.id, &bindings).await?;
    }
    audit(state, who, "user.create", "user", &user.id.to_string(), json!({"username": user.username, "roles": bindings.iter().map(|b| json!({"role": b.0, "scope_kind": b.1, "scope_id": b.2})).collect::<Vec<_>>()})).await?;
    Ok((user, generated))
}

async fn create(
    State(state): State<AppState>,
    who: Principal,
    Json(input): Json<UserInput>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (user, password) = create_user(&state, &who, &input).await?;
    Ok((StatusCode::CREATED, Json(json!({"user": user, "password": password}))))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserUpdate {
    disabled: Option<bool>,
    password: Option<String>,
    roles: Option<Vec<BindingInput>>,
}

async fn update(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
    Json(input): Json<UserUpdate>,
) -> Result<Json<Value>, ApiError> {
    let own_password_only = id == who.user.id && input.disabled.is_none() && input.roles.is_none();
    if !own_password_only {
        need_admin(&who)?;
    }
    let user = state.store.user(id).await?;
    if let Some(p) = &input.password {
        if p.chars().count() < 8 {
            return Err(ApiError::invalid("password", "must have at least 8 characters"));
        }
        // A password set by someone else is a reset: its owner must change it (WEB-90).
        state.store.set_password(id, &hash_password(p.clone()).await?, id != who.user.id).await?;
    }
    if let Some(d) = input.disabled {
        state.store.set_user_disabled(id, d).await?;
    }
    if let Some(roles) = &input.roles {
        state.store.set_role_bindings(id, &check_bindings(roles)?).await?;
    }
    audit(&state, &who, "user.update", "user", &id.to_string(), json!({"username": user.username, "disabled": input.disabled, "password_changed": input.password.is_some(), "roles": input.roles.as_ref().map(|r| r.iter().map(|b| json!({"role": b.role, "scope_kind": b.scope_kind, "scope_id": b.scope_id})).collect::<Vec<_>>())})).await?;
    Ok(Json(json!({"user": state.store.user(id).await?, "roles": state.store.role_bindings(id).await?})))
}

async fn roles() -> Json<Value> {
    Json(json!(
        ROLES
            .iter()
            .map(|(r, perms)| json!({"role": r, "permissions": perms.iter().map(|p| p.as_str()).collect::<Vec<_>>()}))
            .collect::<Vec<_>>()
    ))
}

async fn tokens(State(state): State<AppState>, who: Principal) -> Result<Json<Vec<om_store::ApiToken>>, ApiError> {
    let owner = if who.access.allows_global(Perm::UserAdmin) { None } else { Some(who.user.id) };
    Ok(Json(state.store.tokens(owner).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenInput {
    pub name: String,
    /// `read`, `run` or `admin`.
    #[serde(default = "read")]
    pub scope: String,
    #[serde(default = "global")]
    pub scope_kind: String,
    #[serde(default)]
    pub scope_id: i64,
    #[serde(default)]
    pub expires_days: Option<i64>,
}

fn read() -> String {
    "read".into()
}

/// Creates a token for `who`; the secret is returned once.
pub async fn create_token_for(state: &AppState, who: &Principal, input: &TokenInput) -> Result<(om_store::ApiToken, String), ApiError> {
    if !["read", "run", "admin"].contains(&input.scope.as_str()) {
        return Err(ApiError::invalid("scope", "must be read, run or admin"));
    }
    if !["global", "fun", "app"].contains(&input.scope_kind.as_str()) {
        return Err(ApiError::invalid("scope_kind", "must be global, fun or app"));
    }
    if input.name.trim().is_empty() || input.name.len() > 255 {
        return Err(ApiError::invalid("name", "must have 1 to 255 characters"));
    }
    let category = match input.scope_kind.as_str() {
        "fun" => state.store.fun_category(input.scope_id).await.map(|_| ()),
        "app" => state.store.app_category(input.scope_id).await.map(|_| ()),
        _ => Ok(()),
    };
    match category {
        Err(om_store::StoreError::NotFound { what, .. }) => {
            return Err(ApiError::invalid("scope_id", format!("no {what} {}", input.scope_id)));
        }
        other => other?,
    }
    if matches!(who.kind, crate::auth::PrincipalKind::Token(_)) {
        return Err(ApiError::forbidden("tokens cannot create tokens; sign in"));
    }
    let (secret, hash) = new_token("om_");
    let expires = input.expires_days.map(|d| om_store::now_ms() + d * 86_400_000);
    let scope_id = if input.scope_kind == "global" { 0 } else { input.scope_id };
    let token = state.store.create_token(&hash, input.name.trim(), who.user.id, &input.scope, &input.scope_kind, scope_id, expires).await?;
    audit(
        state,
        who,
        "token.create",
        "token",
        &token.id.to_string(),
        json!({"name": token.name, "scope": token.scope, "scope_kind": token.scope_kind, "scope_id": token.scope_id}),
    )
    .await?;
    Ok((token, secret))
}

async fn create_token(
    State(state): State<AppState>,
    who: Principal,
    Json(input): Json<TokenInput>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (token, secret) = create_token_for(&state, &who, &input).await?;
    Ok((StatusCode::CREATED, Json(json!({"token": secret, "record": token}))))
}

async fn revoke(State(state): State<AppState>, who: Principal, Path(id): Path<i64>) -> Result<StatusCode, ApiError> {
    let token = state.store.token(id).await?;
    if token.user_id != who.user.id && !who.access.allows_global(Perm::UserAdmin) {
        return Err(ApiError::NotFound(format!("token `{id}` not found")));
    }
    state.store.revoke_token(id).await?;
    audit(&state, &who, "token.revoke", "token", &id.to_string(), json!({"name": token.name})).await?;
    Ok(StatusCode::NO_CONTENT)
}
