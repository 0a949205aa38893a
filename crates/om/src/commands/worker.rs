use std::ffi::OsString;
use std::path::PathBuf;

use anyhow::Context;
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
        state_dir: match &args.state_dir {
            Some(dir) => std::path::absolute(dir)?,
            None => default_state_dir(std::env::var_os("XDG_STATE_HOME"), std::env::var_os("HOME"))
                .context("no home directory to keep the worker's state in; give --state-dir")?,
        },
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

/// `$XDG_STATE_HOME/om/worker` (when set and absolute, as the XDG spec asks), else
/// `$HOME/.local/state/om/worker`.
fn default_state_dir(xdg_state_home: Option<OsString>, home: Option<OsString>) -> Option<PathBuf> {
    let base = match xdg_state_home.map(PathBuf::from).filter(|p| p.is_absolute()) {
        Some(dir) => dir,
        None => PathBuf::from(home.filter(|h| !h.is_empty())?).join(".local/state"),
    };
    Some(base.join("om").join("worker"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_dir_follows_xdg_then_home() {
        let dir = |xdg: Option<&str>, home: Option<&str>| default_state_dir(xdg.map(Into::into), home.map(Into::into));
        assert_eq!(dir(Some("/var/lib/x"), Some("/home/a")), Some(PathBuf::from("/var/lib/x/om/worker")));
        assert_eq!(dir(Some("relative"), Some("/home/a")), Some(PathBuf::from("/home/a/.local/state/om/worker")));
        assert_eq!(dir(None, Some("/home/a")), Some(PathBuf::from("/home/a/.local/state/om/worker")));
        assert_eq!(dir(None, None), None);
    }
}
