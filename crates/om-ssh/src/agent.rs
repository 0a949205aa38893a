//! Native modules over SSH: `om-agent stdio` on one channel per connection.
//!
//! The first native call on a connection finds the agent on the host by content hash (or
//! uploads it over SFTP), starts it and checks its hello. Later calls are one round trip each
//! on that channel, many in flight at once. A become user (`sudo -n`) gets an agent of its
//! own. Where the agent cannot run, calls fall back to plain shell commands, with one warning
//! per host. When the agent dies, the call fails in phase `module` and the next call starts a
//! new agent.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use om_agent::bootstrap::{BoxReader, BoxWriter, Remote};
use om_agent::{Agent, AgentBinary, Client, ClientError};
use om_core::{Connection, Escalation, EscalationMethod, ExecOutput, ExecRequest, HostError, ModuleCall, ModuleReply, OutputChunk, Phase};
use tracing::{debug, warn};

use crate::SshConnection;

enum State {
    Running(Arc<Client>),
    Fallback(String),
}

/// The agents of one connection, by become user (`""` for the login user).
#[derive(Default)]
pub(crate) struct AgentSlot {
    agents: tokio::sync::Mutex<HashMap<String, State>>,
}

impl AgentSlot {
    pub(crate) async fn close(&self) {
        for (_, state) in self.agents.lock().await.drain() {
            if let State::Running(client) = state {
                let _ = tokio::time::timeout(std::time::Duration::from_secs(2), client.shutdown()).await;
            }
        }
    }
}

/// The agent binary, found once per process.
fn binary() -> Result<&'static AgentBinary, String> {
    static BINARY: OnceLock<Result<AgentBinary, String>> = OnceLock::new();
    BINARY.get_or_init(|| AgentBinary::locate().map_err(|e| e.to_string())).as_ref().map_err(Clone::clone)
}

/// The transport as the bootstrap and the shell fallback see it.
struct SshRemote {
    conn: SshConnection,
    escalation: Option<Escalation>,
}

#[async_trait]
impl Remote for SshRemote {
    fn host(&self) -> &str {
        &self.conn.name
    }

    async fn exec(&self, script: &str, stdin: Option<&[u8]>) -> Result<ExecOutput, HostError> {
        let request = ExecRequest {
            command: script.to_string(),
            stdin: stdin.map(<[u8]>::to_vec),
            pty: false,
            timeout: None,
            escalation: self.escalation.clone(),
        };
        self.conn.exec(request, &|_| {}).await
    }

    async fn upload(&self, data: &[u8], path: &str, mode: u32) -> Result<(), HostError> {
        self.conn.put(data, path, Some(mode)).await.map_err(|mut e| {
            e.phase = Phase::Transfer;
            e
        })
    }

    async fn open(&self, command: &str) -> Result<(BoxReader, BoxWriter), HostError> {
        let stream = self.conn.open_stream(command).await?;
        let (r, w) = tokio::io::split(stream);
        Ok((Box::new(r), Box::new(w)))
    }
}

/// Whether `escalation` can start an agent of its own (sudo without a password prompt).
fn agent_user(escalation: Option<&Escalation>) -> Option<Option<&str>> {
    match escalation {
        None => Some(None),
        Some(e) if e.method == EscalationMethod::Sudo && e.password.is_none() => Some(Some(e.user.as_str())),
        Some(_) => None,
    }
}

fn module_error(host: &str, err: ClientError) -> HostError {
    match err {
        ClientError::Disconnected { reason } => HostError::new(host, Phase::Module, format!("the om-agent channel closed: {reason}"))
            .with_hint("the next task starts a new agent"),
        other => HostError::new(host, Phase::Module, other.to_string()),
    }
}

/// Whether the SSH connection under a closed agent channel went away too (the host is then
/// unreachable, not the module failed). The link may learn it a moment after the channel.
async fn link_lost(conn: &SshConnection) -> bool {
    for _ in 0..4 {
        if conn.link.is_closed().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    false
}

/// The agent for `user`, started if needed.
async fn agent_for(conn: &SshConnection, user: Option<&str>) -> Result<Result<Arc<Client>, String>, HostError> {
    let key = user.unwrap_or_default().to_string();
    let mut agents = conn.link.agent.agents.lock().await;
    match agents.get(&key) {
        Some(State::Running(c)) if !c.is_closed() => return Ok(Ok(Arc::clone(c))),
        Some(State::Fallback(reason)) => return Ok(Err(reason.clone())),
        _ => {}
    }
    let binary = match binary() {
        Ok(b) => b,
        Err(reason) => {
            warn!(host = %conn.name, %reason, "om-agent is not available on the controller; modules use plain shell commands");
            agents.insert(key, State::Fallback(reason.clone()));
            return Ok(Err(reason));
        }
    };
    let remote = SshRemote { conn: conn.clone(), escalation: None };
    let started = match user {
        None => om_agent::bootstrap::start(&remote, binary).await?,
        Some(u) => om_agent::bootstrap::start_as(&remote, binary, &format!("sudo -n -u {} --", om_agent::bootstrap::quote(u))).await?,
    };
    match started {
        Agent::Running { client, path, uploaded } => {
            debug!(host = %conn.name, %path, uploaded, "om-agent started");
            let hello = client.hello();
            conn.link.note(format!(
                "om-agent {} (protocol {}) at {path}{}, {}: started over this connection for every native module{}",
                hello.version,
                hello.protocol,
                if uploaded > 0 { format!(", uploaded ({uploaded} bytes)") } else { ", already there".to_string() },
                hello.arch,
                user.map(|u| format!(" (as {u} through sudo)")).unwrap_or_default()
            ));
            let client = Arc::new(client);
            agents.insert(key, State::Running(Arc::clone(&client)));
            Ok(Ok(client))
        }
        Agent::Fallback { reason } => {
            warn!(host = %conn.name, %reason, "om-agent cannot run here; modules use plain shell commands");
            conn.link.note(format!("om-agent cannot run here ({reason}): native modules run as shell commands"));
            agents.insert(key, State::Fallback(reason.clone()));
            Ok(Err(reason))
        }
    }
}

pub(crate) async fn call_module(conn: &SshConnection, call: ModuleCall<'_>) -> Result<ModuleReply, HostError> {
    let agent = match agent_user(call.escalation) {
        Some(user) => agent_for(conn, user).await?,
        None => Err("become with a password or su runs modules over the shell".to_string()),
    };
    match agent {
        Ok(client) => {
            let on_output = |stream, data: &[u8]| (call.on_output)(OutputChunk { stream, data });
            let out = client
                .module_job(
                    call.module,
                    call.args,
                    call.check,
                    call.diff,
                    call.environment,
                    call.input.unwrap_or_default(),
                    Some(&on_output),
                    call.job,
                )
                .await;
            match out {
                Ok(o) => Ok(ModuleReply { result: o.result, data: o.data }),
                Err(ClientError::Disconnected { .. }) if link_lost(conn).await => Err(crate::error::lost(&conn.name, "running the module")),
                Err(e) => Err(module_error(&conn.name, e)),
            }
        }
        Err(reason) if call.job.is_some() => Err(HostError::new(
            &conn.name,
            Phase::Module,
            format!("`{}` with `async` runs in the background through om-agent, which is not available here ({reason})", call.module),
        )),
        Err(_) => {
            let remote = Arc::new(SshRemote { conn: conn.clone(), escalation: call.escalation.cloned() });
            let input = call.input.map(<[u8]>::to_vec).unwrap_or_default();
            om_agent::fallback::run_module(remote, call.module, call.args, call.check, call.diff, call.environment.to_vec(), input)
                .await
                .map(|o| ModuleReply { result: o.result, data: o.data })
                .map_err(|e| HostError::new(&conn.name, Phase::Module, e.to_string()))
        }
    }
}
