use clap::Args;

use crate::env::{OM_SERVER, OM_TOKEN};

/// How API commands reach the platform.
#[derive(Debug, Clone, Args)]
pub struct RemoteArgs {
    /// The platform's URL.
    #[arg(long, env = OM_SERVER, default_value = "http://127.0.0.1:8080", global = true)]
    pub server: String,
    /// An API token (`om_…`), created under Users in the UI or with POST /api/v1/tokens.
    #[arg(long, env = OM_TOKEN, hide_env_values = true, global = true)]
    pub token: Option<String>,
    /// Print JSON.
    #[arg(long, global = true)]
    pub json: bool,
}
