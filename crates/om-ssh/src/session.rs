//! Dialling one endpoint: TCP (or a `direct-tcpip` channel of the previous hop), the SSH
//! handshake with the host-key check, and authentication in SSH-2's order.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use om_core::{HostError, Phase, Secret};
use russh::client::{self, AuthResult, Handle, KeyboardInteractiveAuthResponse};
use russh::keys::agent::client::AgentClient;
use russh::keys::{PrivateKey, PrivateKeyWithHashAlg, PublicKey, PublicKeyOrCertificate};
use tokio::io::{AsyncRead, AsyncWrite};
use tracing::{debug, warn};

use crate::known_hosts::{self, KnownHosts, Verdict};
use crate::{Endpoint, HostKeyPolicy, Prompter, error};

/// An authenticated SSH session.
pub(crate) type Client = Handle<Checker>;

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// What every connection of a run shares: known_hosts files, decrypted keys, the prompter.
pub(crate) struct Shared {
    pub prompter: Arc<dyn Prompter>,
    known: Mutex<HashMap<Vec<PathBuf>, Arc<Mutex<KnownHosts>>>>,
    keys: tokio::sync::Mutex<HashMap<PathBuf, Option<Arc<PrivateKey>>>>,
    prompt: Mutex<()>,
}

impl Shared {
    pub fn new(prompter: Arc<dyn Prompter>) -> Self {
        Self { prompter, known: Mutex::default(), keys: tokio::sync::Mutex::default(), prompt: Mutex::new(()) }
    }

    fn known_hosts(&self, files: &[PathBuf]) -> Arc<Mutex<KnownHosts>> {
        let mut map = lock(&self.known);
        Arc::clone(map.entry(files.to_vec()).or_insert_with(|| {
            let mut all = files.to_vec();
            all.push(PathBuf::from("/etc/ssh/ssh_known_hosts"));
            Arc::new(Mutex::new(KnownHosts::load(&all)))
        }))
    }

    /// Loads a key once per run; an encrypted key is tried with the password, then the
    /// prompter is asked once. `None` when the key cannot be used.
    async fn key(&self, path: &Path, password: Option<&Secret<String>>) -> Option<Arc<PrivateKey>> {
        let mut keys = self.keys.lock().await;
        if let Some(key) = keys.get(path) {
            return key.clone();
        }
        let key = match russh::keys::load_secret_key(path, None) {
            Ok(key) => Some(Arc::new(key)),
            Err(russh::keys::Error::KeyIsEncrypted) => {
                let with_password = password.and_then(|p| russh::keys::load_secret_key(path, Some(p.expose())).ok());
                with_password
                    .or_else(|| {
                        let _guard = lock(&self.prompt);
                        let phrase = self.prompter.passphrase(path)?;
                        russh::keys::load_secret_key(path, Some(phrase.expose()))
                            .map_err(|err| warn!(key = %path.display(), error = %err, "cannot decrypt the key; skipping it"))
                            .ok()
                    })
                    .map(Arc::new)
            }
            Err(russh::keys::Error::IO(err)) if err.kind() == std::io::ErrorKind::NotFound => None,
            Err(err) => {
                warn!(key = %path.display(), error = %err, "cannot read the key; skipping it");
                None
            }
        };
        keys.insert(path.to_path_buf(), key.clone());
        key
    }
}

/// The russh handler: checks the server's key against known_hosts under the endpoint's policy
/// and records why it refused, so the failure can be classified.
pub(crate) struct Checker {
    endpoint: Arc<Endpoint>,
    shared: Arc<Shared>,
    refusal: Arc<Mutex<Option<HostError>>>,
}

impl client::Handler for Checker {
    type Error = russh::Error;

    async fn check_server_key(&mut self, key: &PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        let key: PublicKey = match key {
            PublicKeyOrCertificate::PublicKey { key, .. } => key.clone(),
            PublicKeyOrCertificate::Certificate(cert) => PublicKey::new(cert.public_key().clone(), ""),
        };
        match self.verdict(&key) {
            Ok(()) => Ok(true),
            Err(refusal) => {
                *lock(&self.refusal) = Some(refusal);
                Ok(false)
            }
        }
    }
}

impl Checker {
    fn verdict(&self, key: &PublicKey) -> Result<(), HostError> {
        let ep = &self.endpoint;
        let known = self.shared.known_hosts(&ep.known_hosts_files);
        let mut names = vec![ep.address.as_str()];
        if ep.name != ep.address {
            names.push(ep.name.as_str());
        }
        let verdict = lock(&known).check(&names, ep.port, key);
        let fingerprint = known_hosts::fingerprint(key);
        let first_file = ep.known_hosts_files.first().cloned().unwrap_or_else(|| PathBuf::from("~/.ssh/known_hosts"));
        match (verdict, ep.policy) {
            (Verdict::Known, _) => Ok(()),
            (Verdict::Revoked { file, line }, _) => {
                Err(HostError::new(&ep.name, Phase::HostKey, format!("host key {fingerprint} is revoked ({}:{line})", file.display()))
                    .with_hint("this key must not be trusted; ask the host's owner for its new key"))
            }
            (Verdict::Changed { file, line, old_fingerprint }, HostKeyPolicy::Off) => {
                warn!(host = %ep.name, old = %old_fingerprint, new = %fingerprint, known_hosts = %format!("{}:{line}", file.display()), "HOST KEY CHANGED, accepted because host key checking is off");
                Ok(())
            }
            (Verdict::Changed { file, line, old_fingerprint }, _) => Err(HostError::new(
                &ep.name,
                Phase::HostKey,
                format!("host key changed: was {old_fingerprint}, now {fingerprint} ({}:{line})", file.display()),
            )
            .with_hint(format!(
                "if the host was reinstalled, remove the old entry: ssh-keygen -R '{}' -f {}",
                known_hosts::lookup_name(&ep.address, ep.port),
                file.display()
            ))),
            (Verdict::Unknown, HostKeyPolicy::Off) => Ok(()),
            (Verdict::Unknown, HostKeyPolicy::AcceptNew) => {
                if let Err(err) = known_hosts::append(&first_file, &ep.address, ep.port, key, ep.hash_known_hosts) {
                    warn!(host = %ep.name, file = %first_file.display(), error = %err, "cannot write known_hosts");
                }
                lock(&known).remember(&ep.address, ep.port, key, &first_file);
                warn!(host = %ep.name, fingerprint = %fingerprint, file = %first_file.display(), "new host key accepted and added to known_hosts");
                Ok(())
            }
            (Verdict::Unknown, HostKeyPolicy::Ask) => {
                let accepted = {
                    let _guard = lock(&self.shared.prompt);
                    // Another host may have answered for the same key while we waited.
                    lock(&known).check(&names, ep.port, key) == Verdict::Known
                        || self.shared.prompter.confirm_host_key(&ep.name, &format!("{}:{}", ep.address, ep.port), &fingerprint)
                };
                if accepted {
                    if let Err(err) = known_hosts::append(&first_file, &ep.address, ep.port, key, ep.hash_known_hosts) {
                        warn!(host = %ep.name, error = %err, "cannot write known_hosts");
                    }
                    lock(&known).remember(&ep.address, ep.port, key, &first_file);
                    Ok(())
                } else {
                    Err(unknown_key(ep, &fingerprint, &first_file))
                }
            }
            (Verdict::Unknown, HostKeyPolicy::Strict) => Err(unknown_key(ep, &fingerprint, &first_file)),
        }
    }
}

fn unknown_key(ep: &Endpoint, fingerprint: &str, file: &Path) -> HostError {
    HostError::new(&ep.name, Phase::HostKey, format!("host key {fingerprint} of {}:{} is not in {}", ep.address, ep.port, file.display()))
        .with_hint("check the fingerprint, then run once with --host-key-checking accept-new (or ssh-keyscan it into known_hosts)")
}

/// Dials `ep` directly or through `via`, checks its key, and authenticates.
pub(crate) async fn connect(ep: Arc<Endpoint>, via: Option<&Client>, shared: &Arc<Shared>) -> Result<Client, HostError> {
    let deadline = ep.connect_timeout;
    let stream: Box<dyn Stream> = match via {
        None => Box::new(tcp(&ep).await?),
        Some(parent) => {
            let opened =
                tokio::time::timeout(deadline, parent.channel_open_direct_tcpip(ep.address.clone(), u32::from(ep.port), "127.0.0.1", 0))
                    .await
                    .map_err(|_| error::connect_timeout(&ep, deadline))?;
            let channel = opened.map_err(|err| error::jump(&ep, &ep, &err))?;
            Box::new(channel.into_stream())
        }
    };
    let config = Arc::new(client::Config {
        keepalive_interval: ep.keepalive_interval,
        keepalive_max: ep.keepalive_max,
        nodelay: true,
        ..client::Config::default()
    });
    let refusal = Arc::new(Mutex::new(None));
    let checker = Checker { endpoint: Arc::clone(&ep), shared: Arc::clone(shared), refusal: Arc::clone(&refusal) };
    let handshake = tokio::time::timeout(deadline, client::connect_stream(config, stream, checker)).await;
    let mut handle = match handshake {
        Err(_) => return Err(error::connect_timeout(&ep, deadline)),
        Ok(Err(err)) => return Err(lock(&refusal).take().unwrap_or_else(|| error::handshake(&ep, &err))),
        Ok(Ok(handle)) => handle,
    };
    match tokio::time::timeout(deadline.max(std::time::Duration::from_secs(60)), authenticate(&mut handle, &ep, shared)).await {
        Ok(result) => result?,
        Err(_) => {
            return Err(HostError::new(&ep.name, Phase::Auth, "authentication timed out")
                .with_hint("a passphrase or password prompt may be waiting; check the key"));
        }
    }
    Ok(handle)
}

async fn tcp(ep: &Endpoint) -> Result<tokio::net::TcpStream, HostError> {
    let deadline = ep.connect_timeout;
    let addresses: Vec<std::net::SocketAddr> = match ep.address.parse::<std::net::IpAddr>() {
        Ok(ip) => vec![(ip, ep.port).into()],
        Err(_) => match tokio::time::timeout(deadline, tokio::net::lookup_host((ep.address.as_str(), ep.port))).await {
            Ok(Ok(found)) => found.collect(),
            Ok(Err(err)) => return Err(error::dns(ep, &err)),
            Err(_) => return Err(error::dns(ep, &std::io::Error::new(std::io::ErrorKind::TimedOut, "lookup timed out"))),
        },
    };
    let mut last = std::io::Error::new(std::io::ErrorKind::NotFound, "no address");
    for address in addresses {
        match tokio::time::timeout(deadline, tokio::net::TcpStream::connect(address)).await {
            Ok(Ok(stream)) => {
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Ok(Err(err)) => last = err,
            Err(_) => return Err(error::connect_timeout(ep, deadline)),
        }
    }
    Err(error::tcp(ep, &last))
}

/// SSH-2: explicit identities, agent keys, default keys, password, keyboard-interactive.
async fn authenticate(handle: &mut Client, ep: &Endpoint, shared: &Shared) -> Result<(), HostError> {
    let mut tried: Vec<String> = Vec::new();
    let mut identities = ep.identities.clone();
    if identities.is_empty()
        && ep.default_keys
        && let Some(home) = crate::config::home_dir()
    {
        identities.extend(["id_ed25519", "id_ecdsa", "id_rsa"].map(|k| home.join(".ssh").join(k)));
    }
    for path in &identities {
        let Some(key) = shared.key(path, ep.password.as_ref()).await else { continue };
        let hash = if key.algorithm().is_rsa() { handle.best_supported_rsa_hash().await.ok().flatten().flatten() } else { None };
        tried.push(format!("key {}", path.display()));
        debug!(host = %ep.name, key = %path.display(), "trying key");
        match handle.authenticate_publickey(&ep.user, PrivateKeyWithHashAlg::new(key, hash)).await {
            Ok(AuthResult::Success) => return Ok(()),
            Ok(AuthResult::Failure { .. }) => {}
            Err(err) => return Err(error::handshake(ep, &err)),
        }
    }
    if ep.agent && !ep.identities_only {
        let agent = match &ep.agent_socket {
            Some(socket) => AgentClient::connect_uds(socket).await.ok().map(AgentClient::dynamic),
            None if std::env::var_os("SSH_AUTH_SOCK").is_some() => AgentClient::connect_env().await.ok().map(AgentClient::dynamic),
            None => None,
        };
        if let Some(mut agent) = agent {
            let identities = agent.request_identities().await.unwrap_or_default();
            for identity in identities {
                let key = identity.public_key().into_owned();
                let hash = if key.algorithm().is_rsa() { handle.best_supported_rsa_hash().await.ok().flatten().flatten() } else { None };
                tried.push("agent key".into());
                match handle.authenticate_publickey_with(&ep.user, key, hash, &mut agent).await {
                    Ok(AuthResult::Success) => return Ok(()),
                    Ok(AuthResult::Failure { .. }) => {}
                    Err(err) => debug!(host = %ep.name, error = ?err, "agent signing failed"),
                }
            }
        }
    }
    if let Some(password) = &ep.password {
        tried.push("password".into());
        match handle.authenticate_password(&ep.user, password.expose()).await {
            Ok(AuthResult::Success) => return Ok(()),
            Ok(AuthResult::Failure { .. }) => {}
            Err(err) => return Err(error::handshake(ep, &err)),
        }
        tried.push("keyboard-interactive".into());
        if keyboard_interactive(handle, ep, password).await? {
            return Ok(());
        }
    }
    let tried =
        if tried.is_empty() { "nothing to try: no key, agent or password".to_string() } else { format!("tried {}", tried.join(", ")) };
    Err(HostError::new(&ep.name, Phase::Auth, format!("permission denied for `{}` ({tried})", ep.user))
        .with_hint("check the user (ansible_user, -u), the key (--private-key, ansible_ssh_private_key_file) or give a password with -k"))
}

/// Answers every password-like prompt with the password.
async fn keyboard_interactive(handle: &mut Client, ep: &Endpoint, password: &Secret<String>) -> Result<bool, HostError> {
    let mut reply = handle.authenticate_keyboard_interactive_start(&ep.user, None).await.map_err(|e| error::handshake(ep, &e))?;
    for _ in 0..5 {
        match reply {
            KeyboardInteractiveAuthResponse::Success => return Ok(true),
            KeyboardInteractiveAuthResponse::Failure { .. } => return Ok(false),
            KeyboardInteractiveAuthResponse::InfoRequest { prompts, .. } => {
                let answers = prompts.iter().map(|p| if p.echo { String::new() } else { password.expose().clone() }).collect();
                reply = handle.authenticate_keyboard_interactive_respond(answers).await.map_err(|e| error::handshake(ep, &e))?;
            }
        }
    }
    Ok(false)
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
