//! Transports of the platform's runner: om-exec's (`local`: commands in process groups of
//! their own on the runner's machine, native modules in process; `ssh` through om-ssh, host
//! keys checked), picked per host by `ansible_connection` as `om run` picks them.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// SSH settings that apply when a host's variables name none.
#[derive(Debug, Clone, Default)]
pub struct SshDefaults {
    pub key: Option<PathBuf>,
    pub user: Option<String>,
    pub known_hosts: Option<PathBuf>,
}

/// The connector a runner reaches its hosts with: `local` for hosts with
/// `ansible_connection: local`, else `ssh` (one connection per host for the job).
pub fn connector(defaults: &SshDefaults) -> om_exec::Transports {
    let options = om_ssh::SshOptions {
        user: defaults.user.clone(),
        private_keys: defaults.key.iter().cloned().collect(),
        connect_timeout: Some(Duration::from_secs(10)),
        common_args: defaults.known_hosts.as_ref().map(|k| format!("-o UserKnownHostsFile={}", k.display())),
        agent: false,
        ..Default::default()
    };
    let config = om_ssh::SshConfig::load_default().unwrap_or_default();
    om_exec::Transports::new(Arc::new(om_ssh::SshConnector::new(options, config, std::iter::empty())), "ssh")
}
