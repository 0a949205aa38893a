//! The connection pool (SSH-50, SSH-20): one connection per `user@host:port` plus jump chain
//! for the whole run, jump hosts shared by every target behind them, and retries with jitter
//! for connection errors only.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use om_core::{Connection, Connector, Host, HostError, Phase};
use tokio::sync::OnceCell;
use tracing::{debug, warn};

use crate::connection::{Link, SshConnection};
use crate::session::{self, Client, Shared, lock};
use crate::{Endpoint, NoPrompt, Prompter, SshConfig, SshOptions, options};

type Cell<T> = Arc<OnceCell<Result<Arc<T>, HostError>>>;

pub(crate) struct Pool {
    pub options: SshOptions,
    config: SshConfig,
    shared: Arc<Shared>,
    inventory: HashMap<String, Host>,
    links: Mutex<HashMap<String, Cell<Link>>>,
    hops: Mutex<HashMap<String, Cell<Client>>>,
}

/// Opens SSH connections for a run; see the crate docs.
#[derive(Clone)]
pub struct SshConnector {
    pool: Arc<Pool>,
}

impl SshConnector {
    /// `config` is the user's ssh config (or `--ssh-config`); `inventory` lets jump hosts
    /// named like inventory hosts use those hosts' variables.
    pub fn new(options: SshOptions, config: SshConfig, inventory: impl IntoIterator<Item = Host>) -> Self {
        Self::with_prompter(options, config, inventory, Arc::new(NoPrompt))
    }

    pub fn with_prompter(
        options: SshOptions,
        config: SshConfig,
        inventory: impl IntoIterator<Item = Host>,
        prompter: Arc<dyn Prompter>,
    ) -> Self {
        let pool = Pool {
            options,
            config,
            shared: Arc::new(Shared::new(prompter)),
            inventory: inventory.into_iter().map(|h| (h.name.clone(), h)).collect(),
            links: Mutex::default(),
            hops: Mutex::default(),
        };
        Self { pool: Arc::new(pool) }
    }

    /// The endpoint `host` resolves to, without connecting.
    pub fn endpoint(&self, host: &Host) -> Endpoint {
        Endpoint::resolve(host, &self.pool.options, &self.pool.config, &|name| self.pool.inventory.get(name).cloned())
    }

    /// Connects (or reuses the connection) and returns the concrete connection, for callers
    /// that need SFTP or byte streams.
    pub async fn connect_ssh(&self, host: &Host) -> Result<Arc<SshConnection>, HostError> {
        let endpoint = Arc::new(self.endpoint(host));
        options::log_warnings(&endpoint);
        let key = endpoint.pool_key();
        let cell = Arc::clone(lock(&self.pool.links).entry(key).or_default());
        let pool = Arc::clone(&self.pool);
        let link = cell
            .get_or_init(|| async move {
                let client = pool.dial_with_retries(Arc::clone(&endpoint)).await?;
                Ok(Arc::new(Link::new(endpoint, client, pool.options.max_channels, Arc::downgrade(&pool))))
            })
            .await
            .clone()
            .map_err(|e| HostError { host: host.name.clone(), ..e })?;
        if link.is_closed().await {
            debug!(host = %host.name, "pooled connection is closed; it reconnects on first use");
        }
        Ok(Arc::new(SshConnection { name: host.name.clone(), link }))
    }

    /// Closes every connection of the run.
    pub async fn close_all(&self) {
        let links: Vec<Cell<Link>> = lock(&self.pool.links).values().cloned().collect();
        for cell in links {
            if let Some(Ok(link)) = cell.get() {
                link.close().await;
            }
        }
        let hops: Vec<Cell<Client>> = lock(&self.pool.hops).values().cloned().collect();
        for cell in hops {
            if let Some(Ok(client)) = cell.get() {
                let _ = client.disconnect(russh::Disconnect::ByApplication, "", "en").await;
            }
        }
    }
}

#[async_trait]
impl Connector for SshConnector {
    async fn connect(&self, host: &Host) -> Result<Arc<dyn Connection>, HostError> {
        Ok(self.connect_ssh(host).await? as Arc<dyn Connection>)
    }
}

impl Pool {
    /// Dials with up to `retries` more attempts for connect-phase failures (refused,
    /// timed out, dropped handshake), sleeping a jittered backoff in between.
    async fn dial_with_retries(self: &Arc<Self>, endpoint: Arc<Endpoint>) -> Result<Client, HostError> {
        let mut attempt = 0;
        loop {
            match self.dial(Arc::clone(&endpoint)).await {
                Err(err) if err.phase == Phase::Connect && attempt < self.options.retries && !err.message.contains("refused") => {
                    attempt += 1;
                    let backoff = Duration::from_millis(200 * u64::from(attempt) + rand::random::<u64>() % 300);
                    warn!(host = %endpoint.name, attempt, error = %err.message, "connect failed; retrying");
                    tokio::time::sleep(backoff).await;
                }
                other => return other,
            }
        }
    }

    /// Dials the endpoint through its jump chain; hops are shared across targets.
    pub(crate) async fn dial(self: &Arc<Self>, endpoint: Arc<Endpoint>) -> Result<Client, HostError> {
        let mut via: Option<Arc<Client>> = None;
        let mut chain_key = String::new();
        for hop in &endpoint.jumps {
            chain_key.push_str(&format!("{}@{}:{}/", hop.user, hop.address, hop.port));
            let cell = Arc::clone(lock(&self.hops).entry(chain_key.clone()).or_default());
            let hop = Arc::new(hop.clone());
            let shared = Arc::clone(&self.shared);
            let parent = via.clone();
            let client = cell
                .get_or_init(|| async move { session::connect(hop, parent.as_deref(), &shared).await.map(Arc::new) })
                .await
                .clone()
                .map_err(|e| {
                    HostError::new(&endpoint.name, e.phase, format!("jump host `{}`: {}", e.host, e.message))
                        .with_hint(e.hint.unwrap_or_else(|| "check the jump host".into()))
                })?;
            via = Some(client);
        }
        session::connect(endpoint, via.as_deref(), &self.shared).await
    }
}
