//! Who is asking (session cookie or bearer token), CSRF and origin checks for cookie sessions
//! (WEB-93), and the security headers of every response (WEB-103).

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::auth::{ClientIp, Principal, PrincipalKind, resolve};
use crate::error::ApiError;
use crate::state::AppState;

/// The client's address: the peer, or the last `X-Forwarded-For` hop when the peer is a
/// trusted proxy.
pub fn client_ip(state: &AppState, peer: Option<SocketAddr>, headers: &HeaderMap) -> String {
    let peer_ip = peer.map(|p| p.ip().to_string()).unwrap_or_else(|| "127.0.0.1".into());
    if state.config.server.trusted_proxies.iter().any(|p| p == &peer_ip)
        && let Some(forwarded) = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok())
        && let Some(last) = forwarded.rsplit(',').next()
    {
        return last.trim().to_string();
    }
    peer_ip
}

/// Unsafe requests without a principal reach their handler (which answers 401); those from a
/// cookie session need the session's CSRF token (header `X-CSRF-Token` or form field `csrf`)
/// and, when the browser sends one, an `Origin` of this host.
pub async fn authenticate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    let ip = client_ip(&state, peer, request.headers());
    let principal = match resolve(&state, request.headers(), &ip).await {
        Ok(p) => p,
        Err(err) => return err.into_response(),
    };
    let (mut parts, body) = request.into_parts();
    let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    let path = parts.uri.path().to_string();
    let mut body = body;
    if unsafe_method && !path.starts_with("/worker/v1/") {
        if !origin_matches(&parts.headers) {
            return ApiError::forbidden("cross-origin request refused").into_response();
        }
        if let Some(Principal { kind: PrincipalKind::Session(session), .. }) = &principal {
            let header_token = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).map(str::to_string);
            let token = match header_token {
                Some(t) => Some(t),
                None if is_form(&parts.headers) => {
                    let bytes = match axum::body::to_bytes(body, 8 << 20).await {
                        Ok(b) => b,
                        Err(_) => return ApiError::BadRequest("the form is too large".into()).into_response(),
                    };
                    let token = form_field(&bytes, "csrf");
                    body = Body::from(bytes);
                    token
                }
                None => None,
            };
            if !token.is_some_and(|t| constant_time_eq(t.as_bytes(), session.csrf.as_bytes())) {
                return ApiError::forbidden("missing or wrong CSRF token; reload the page").into_response();
            }
        }
    }
    // Sessions only: a session whose password must change can mint no token, so tokens come
    // from users who changed it or from `om admin create-token` on the platform host.
    let must_change = principal.as_ref().is_some_and(|p| p.user.must_change_password && matches!(p.kind, PrincipalKind::Session(_)));
    if must_change && !allowed_before_password_change(&parts.method, &path) {
        if path.starts_with("/api/") {
            return ApiError::PasswordChangeRequired.into_response();
        }
        return axum::response::Redirect::to("/account/password").into_response();
    }
    parts.extensions.insert(ClientIp(ip));
    if let Some(p) = principal {
        parts.extensions.insert(p);
    }
    next.run(Request::from_parts(parts, body)).await
}

/// What a user whose password must change may still do (WEB-90): change it, see who they
/// are, sign out, and load the page's assets.
fn allowed_before_password_change(method: &Method, path: &str) -> bool {
    matches!(
        (method, path),
        (_, "/api/v1/me/password" | "/account/password" | "/api/v1/auth/logout" | "/logout" | "/login" | "/api/v1/auth/login")
            | (&Method::GET, "/api/v1/me")
    ) || path.starts_with("/assets/")
}

fn is_form(headers: &HeaderMap) -> bool {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

fn form_field(bytes: &[u8], name: &str) -> Option<String> {
    serde_urlencoded_pairs(bytes).into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

fn serde_urlencoded_pairs(bytes: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(bytes).unwrap_or_default()
}

/// No `Origin` (non-browser clients), or one whose host is this request's `Host`.
fn origin_matches(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else { return true };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or(origin);
    !host.is_empty() && origin_host == host
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// CSP (no inline script), no sniffing, no framing, same-origin referrers, and no caching
/// of anything but assets.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let is_asset = request.uri().path().starts_with("/assets/");
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !is_asset && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
