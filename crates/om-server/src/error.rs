//! One error type for every handler: it becomes an `application/problem+json` response
//! (RFC 9457) and is logged once, in the request's span.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use om_store::StoreError;

/// What went wrong while answering a request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("sign in first")]
    Unauthenticated,
    /// One message for every failed login, whatever the cause.
    #[error("wrong username or password")]
    LoginFailed,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// A request that parsed but is not acceptable; `errors` name the fields.
    #[error("{message}")]
    Invalid { message: String, errors: Vec<FieldError> },
    #[error("{0}")]
    BadRequest(String),
    #[error("the platform is not ready: {0}")]
    Unavailable(String),
    #[error("too many attempts; wait and try again")]
    TooManyRequests,
    /// A first-start or reset password: only changing it is allowed (WEB-90).
    #[error("change your password first: POST /api/v1/me/password (or the page /account/password)")]
    PasswordChangeRequired,
    #[error("internal error")]
    Store(#[from] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl ApiError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        let (field, message) = (field.into(), message.into());
        ApiError::Invalid { message: format!("`{field}`: {message}"), errors: vec![FieldError { field, message }] }
    }

    pub fn forbidden(what: impl Into<String>) -> ApiError {
        ApiError::Forbidden(what.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthenticated | ApiError::LoginFailed => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) | ApiError::PasswordChangeRequired => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Store(StoreError::NotFound { .. }) => StatusCode::NOT_FOUND,
            ApiError::Store(StoreError::Conflict { .. } | StoreError::NotEmpty { .. }) => StatusCode::CONFLICT,
            ApiError::Store(_) | ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The text a client sees: store conflicts and absences say what; internals do not leak.
    pub fn detail(&self) -> String {
        match self {
            ApiError::Store(e @ (StoreError::NotFound { .. } | StoreError::Conflict { .. } | StoreError::NotEmpty { .. })) => e.to_string(),
            ApiError::Store(_) | ApiError::Internal(_) => "internal error; the server log has the cause".into(),
            other => other.to_string(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            let chain = error_chain(&self);
            tracing::error!(error = %chain, "request failed");
        } else {
            tracing::debug!(error = %self, status = status.as_u16(), "request refused");
        }
        let problem = match &self {
            ApiError::PasswordChangeRequired => "/problems/password_change_required",
            _ => "about:blank",
        };
        let mut body = json!({
            "type": problem,
            "title": status.canonical_reason().unwrap_or("error"),
            "status": status.as_u16(),
            "detail": self.detail(),
        });
        if let ApiError::Invalid { errors, .. } = &self {
            body["errors"] = json!(errors);
        }
        if let ApiError::PasswordChangeRequired = &self {
            body["code"] = json!("password_change_required");
        }
        let mut response = (status, Json(body)).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/problem+json"));
        response
    }
}

/// An error with its causes, for the log.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
