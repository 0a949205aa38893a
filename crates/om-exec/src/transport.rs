//! Which transport reaches a host: `ansible_connection` (or `-c`) picks `local` or `ssh`;
//! `localhost` not in the inventory is the controller itself.

use std::sync::Arc;

use async_trait::async_trait;
use om_core::{Connection, Connector, Host, HostError, Phase};
use tracing::warn;

use crate::LocalConnector;

/// Sends each host to the connector its connection type names.
pub struct Transports {
    pub ssh: Arc<dyn Connector>,
    pub local: Arc<dyn Connector>,
    /// `-c`: the connection type for hosts that do not set `ansible_connection`.
    pub default: String,
}

impl Transports {
    pub fn new(ssh: Arc<dyn Connector>, default: impl Into<String>) -> Self {
        Self { ssh, local: Arc::new(LocalConnector), default: default.into() }
    }
}

#[async_trait]
impl Connector for Transports {
    async fn connect(&self, host: &Host) -> Result<Arc<dyn Connection>, HostError> {
        let kind = host.var_str(&["ansible_connection"]).unwrap_or_else(|| self.default.clone());
        match kind.as_str() {
            "local" => self.local.connect(host).await,
            "ssh" | "smart" => self.ssh.connect(host).await,
            "paramiko" | "paramiko_ssh" => {
                warn!(host = %host.name, "ansible_connection={kind} runs as ssh");
                self.ssh.connect(host).await
            }
            other => Err(HostError::new(&host.name, Phase::Connect, format!("connection type `{other}` is not supported"))
                .with_hint("use ssh or local (om_agent comes with the agent daemon)")),
        }
    }
}
