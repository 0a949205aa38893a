//! The principal of a request: a session cookie or a bearer token, resolved once per request
//! by the auth middleware and read by handlers through the [`Principal`] extractor.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;

use om_store::{ApiToken, Session, User, sha256_hex};

use super::Access;
use super::password::base62;
use crate::error::ApiError;
use crate::state::AppState;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "om_session";

#[derive(Debug, Clone)]
pub enum PrincipalKind {
    Session(Session),
    Token(ApiToken),
    /// A schedule running as its owner (WEB-70), with the owner's current permissions.
    Schedule(i64),
}

/// An authenticated user and what they may do.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: User,
    pub kind: PrincipalKind,
    pub access: Access,
    pub ip: String,
    pub user_agent: String,
}

impl Principal {
    /// The session's CSRF token (empty for tokens, which need none).
    pub fn csrf(&self) -> &str {
        match &self.kind {
            PrincipalKind::Session(s) => &s.csrf,
            PrincipalKind::Token(_) | PrincipalKind::Schedule(_) => "",
        }
    }

    /// `user` or `token`, for the audit log.
    pub fn actor_kind(&self) -> &'static str {
        match self.kind {
            PrincipalKind::Session(_) => "user",
            PrincipalKind::Token(_) => "token",
            PrincipalKind::Schedule(_) => "system",
        }
    }
}

/// A fresh secret and its SHA-256: `om_` + base62 for API tokens, hex for sessions.
pub fn new_token(prefix: &str) -> (String, String) {
    let bytes = om_store::random_bytes(32);
    let token = if prefix.is_empty() { om_store::hex(&bytes) } else { format!("{prefix}{}", base62(&bytes)) };
    let hash = sha256_hex(token.as_bytes());
    (token, hash)
}

/// The value of cookie `name`.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Who sent these headers, if anyone: a bearer token first, else the session cookie.
pub async fn resolve(state: &AppState, headers: &HeaderMap, ip: &str) -> Result<Option<Principal>, ApiError> {
    let user_agent = headers.get(axum::http::header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let bearer = headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    let (user_id, kind) = if let Some(token) = bearer {
        match state.store.token_by_hash(&sha256_hex(token.trim().as_bytes()), ip).await? {
            Some(t) => (t.user_id, PrincipalKind::Token(t)),
            None => return Ok(None),
        }
    } else if let Some(value) = cookie(headers, SESSION_COOKIE) {
        let idle = state.config.auth.session_idle_minutes * 60_000;
        let max = state.config.auth.session_max_hours * 3_600_000;
        match state.store.session(&sha256_hex(value.as_bytes()), idle, max).await? {
            Some(s) => (s.user_id, PrincipalKind::Session(s)),
            None => return Ok(None),
        }
    } else {
        return Ok(None);
    };
    let user = state.store.user(user_id).await?;
    if user.disabled {
        return Ok(None);
    }
    let bindings = state.store.role_bindings(user.id).await?;
    let token = match &kind {
        PrincipalKind::Token(t) => Some(t),
        PrincipalKind::Session(_) | PrincipalKind::Schedule(_) => None,
    };
    let access = Access::new(&bindings, token);
    Ok(Some(Principal { user, kind, access, ip: ip.to_string(), user_agent }))
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Principal>().cloned().ok_or(ApiError::Unauthenticated)
    }
}

/// The client address, as the middleware determined it (trusted proxies honoured).
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);
