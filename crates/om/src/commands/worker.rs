use om_server::exec::SshDefaults;
use om_server::worker::{WorkerEvent, WorkerOptions};

use crate::ExitStatus;
use crate::cli::WorkerArgs;
use crate::settings::runtime;

pub(crate) fn run(args: WorkerArgs) -> anyhow::Result<ExitStatus> {
    let name = args.name.clone().unwrap_or_else(|| {
        std::fs::read_to_string("/proc/sys/kernel/hostname").map(|h| h.trim().to_string()).unwrap_or_else(|_| "worker".into())
    });
    let options = WorkerOptions {
        server: args.server.trim_end_matches('/').to_string(),
        token: args.token,
        zone: args.zone,
        name,
        slots: args.slots,
        forks: args.forks,
        repo: std::path::absolute(&args.repo)?,
        ssh: SshDefaults { key: args.ssh_key, user: args.ssh_user, known_hosts: args.known_hosts },
    };
    runtime()?.block_on(async move {
        om_server::worker::run(options, |event| match event {
            WorkerEvent::Enrolled { worker_id } => tracing::info!(worker_id, "enrolled"),
            WorkerEvent::Claimed { job_id, hosts } => tracing::info!(job = job_id, hosts, "job claimed"),
            WorkerEvent::Finished { job_id, cancelled } => tracing::info!(job = job_id, cancelled, "job done"),
        })
        .await?;
        Ok(ExitStatus::Success)
    })
}
