//! The router: the REST API under `/api/v1`, the worker API under `/worker/v1`, the UI, and
//! `/healthz`, `/readyz`, `/metrics`. Routes sit beside their handlers, one file per
//! resource; every request passes the auth middleware (principal, CSRF, origin) and gets the
//! security headers.

mod actions;
mod auth;
mod cmdb;
mod jobs;
mod middleware;
mod openapi;
mod system;
mod users;
mod workers;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use serde::{Deserialize, Serialize};

pub use actions::create_action;
pub use auth::{LoginRequest, PasswordChange, SignedIn, change_password, sign_in, sign_out};
pub use cmdb::{ansible_inventory, check_server, tree_value, visible, visible_servers};
pub use jobs::{JobQuery, job_filter, live_stream, visible_job};
pub use middleware::client_ip;
pub use openapi::openapi;
pub use users::{BindingInput, TokenInput, UserInput, create_token_for, create_user};
pub use workers::{ClaimResponse, EnrollRequest, EnrollResponse, EventBatch, FinishRequest, GrantKeyResponse, HeartbeatResponse};

use crate::state::AppState;

/// The whole platform as one router, without a socket (tests drive it directly).
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .merge(auth::routes())
        .merge(users::routes())
        .merge(cmdb::routes())
        .merge(actions::routes())
        .merge(jobs::routes())
        .merge(crate::schedule::routes())
        .merge(system::api_routes());
    Router::new()
        .nest("/api/v1", api)
        .nest("/worker/v1", workers::routes())
        .merge(system::routes())
        .merge(crate::ui::routes())
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::authenticate))
        .layer(axum::middleware::from_fn(middleware::security_headers))
        .layer(DefaultBodyLimit::max(8 << 20))
        .with_state(state)
}

/// `?limit=&cursor=` of list endpoints.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PageQuery {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn limit(&self) -> i64 {
        self.limit.unwrap_or(50).clamp(1, 500)
    }

    pub fn cursor(&self) -> Option<i64> {
        self.cursor.as_deref().and_then(|c| c.parse().ok())
    }
}

/// A page of a list: `next_cursor` is absent on the last page.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    pub fn new(items: Vec<T>, limit: i64, cursor_of: impl Fn(&T) -> i64) -> Page<T> {
        let next_cursor = (items.len() as i64 == limit).then(|| items.last().map(|i| cursor_of(i).to_string())).flatten();
        Page { items, next_cursor }
    }
}
