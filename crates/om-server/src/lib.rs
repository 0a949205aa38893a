//! The om web platform (`om serve`): server-rendered UI, REST API under `/api/v1`, live job
//! output over SSE, users, roles and tokens, the operator audit log, the action catalog, the
//! DB-backed job queue with an in-process runner pool, and the worker API for `om worker`.
//!
//! [`router`] builds the whole platform as an axum `Router` without a socket (tests drive it
//! directly); [`Platform::start`] opens the store, applies migrations, initialises a fresh
//! data directory and starts the background tasks; [`Platform::serve`] listens.
//!
//! ```no_run
//! # async fn demo() -> Result<(), om_server::ServeError> {
//! let config = om_server::Config::default();
//! let platform = om_server::Platform::start(config, om_server::StartOptions::default()).await?;
//! platform.serve().await?;
//! # Ok(()) }
//! ```

pub mod auth;
pub mod catalog;
pub mod client;
pub mod config;
pub mod demo;
pub mod error;
pub mod exec;
pub mod grant;
pub mod inventory;
pub mod jobs;
pub mod live;
pub mod routes;
pub mod schedule;
mod server;
pub mod state;
pub mod ui;
pub mod worker;

pub use client::{ApiClient, ClientError};
pub use config::{Config, ConfigError};
pub use error::ApiError;
pub use routes::{openapi, router};
pub use server::{Platform, ServeError, StartOptions, Started};
pub use state::AppState;
