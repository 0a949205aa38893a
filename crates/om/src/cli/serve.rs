use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

use crate::env::{OM_CONFIG, OM_DATA};

/// Where the platform keeps its state: flags override the configuration file.
#[derive(Debug, Clone, Args)]
pub struct PlatformArgs {
    /// The configuration file (TOML; unknown keys are errors) [default: /etc/om/om.toml when
    /// it exists].
    #[arg(long, env = OM_CONFIG)]
    pub config: Option<PathBuf>,
    /// The data directory: SQLite database, action files, repository files, keys.
    #[arg(long = "data", env = OM_DATA, value_name = "DIR")]
    pub data: Option<PathBuf>,
}

/// Start the web platform: UI, REST API, job runners, SQLite in the data directory.
///
/// A fresh data directory is initialised on first start: the database, the example actions,
/// and an `admin` user whose one-time password is printed once. Without TLS the platform
/// listens on loopback only.
///
///   om serve --data /tmp/om --listen 127.0.0.1:8080
///   om serve --demo --data /tmp/om-demo      # with a lab fleet (or this machine) to run on
///   om serve --config /etc/om/om.toml --workers 0   # jobs only through `om worker`
#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub platform: PlatformArgs,
    /// The address to listen on (default 127.0.0.1:8080).
    #[arg(long)]
    pub listen: Option<SocketAddr>,
    /// In-process job runners; 0 leaves every job to `om worker` processes.
    #[arg(long)]
    pub workers: Option<usize>,
    /// Do not apply database migrations at start.
    #[arg(long)]
    pub no_migrate: bool,
    /// Do not install the example actions on first start.
    #[arg(long)]
    pub no_examples: bool,
    /// Add a demo inventory on first start: three lab hosts on loopback when sshd is
    /// available (the lab lives as long as `om serve`), else this machine.
    #[arg(long)]
    pub demo: bool,
    /// Print the start-up report as JSON.
    #[arg(long)]
    pub json: bool,
}
