use clap::{Args, Subcommand};

use super::remote::RemoteArgs;

/// The platform's job history: list, show and cancel jobs through its API.
///
///   export OM_SERVER=http://127.0.0.1:8080 OM_TOKEN=om_…
///   om jobs list --status failed
///   om jobs show 42
///   om jobs cancel 42
#[derive(Debug, Args)]
pub struct JobsArgs {
    #[command(flatten)]
    pub remote: RemoteArgs,
    #[command(subcommand)]
    pub command: JobsCommand,
}

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Recent jobs, newest first.
    List {
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        user: Option<String>,
        /// Jobs that touched this server (by name).
        #[arg(long = "host", value_name = "SERVER")]
        host: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
    /// One job with its hosts.
    Show { id: i64 },
    /// Cancel a queued or running job.
    Cancel { id: i64 },
}
