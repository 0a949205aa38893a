use std::path::PathBuf;

use clap::Args;

use crate::env::{OM_SERVER, OM_TOKEN};

/// Run the platform's jobs on this machine, near the servers they manage.
///
/// Enrols with a one-time token (Workers page, or POST /api/v1/workers/enrollments), claims
/// jobs of its zone from the platform's queue, streams their output back and heartbeats;
/// the platform needs no SSH keys when every job runs on workers.
///
///   om worker --server https://om.example:8443 --token omw_… --zone lan --ssh-key ~/.ssh/id_ed25519
#[derive(Debug, Args)]
pub struct WorkerArgs {
    #[arg(long, env = OM_SERVER)]
    pub server: String,
    /// The one-time enrolment token (`omw_…`) or an earlier credential (`omc_…`).
    #[arg(long, env = OM_TOKEN, hide_env_values = true)]
    pub token: String,
    /// The zone whose jobs this worker runs.
    #[arg(long, default_value = "default")]
    pub zone: String,
    /// The worker's name on the Workers page (default: the host name).
    #[arg(long)]
    pub name: Option<String>,
    /// Jobs run at once.
    #[arg(long, default_value_t = 4)]
    pub slots: usize,
    /// Hosts per job at once, advertised to the platform.
    #[arg(long, default_value_t = 20)]
    pub forks: i64,
    /// The SSH key and user for servers whose variables name none.
    #[arg(long)]
    pub ssh_key: Option<PathBuf>,
    #[arg(long)]
    pub ssh_user: Option<String>,
    /// A known_hosts file for SSH.
    #[arg(long)]
    pub known_hosts: Option<PathBuf>,
    /// The repository with files/ and playbooks/ for copy and playbook actions.
    #[arg(long, default_value = ".")]
    pub repo: PathBuf,
    /// Where the worker keeps what must survive a restart (the nonces of the job grants it
    /// ran). Default: `$XDG_STATE_HOME/om/worker`, else `~/.local/state/om/worker`.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}
