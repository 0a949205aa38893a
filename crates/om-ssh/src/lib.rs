//! The SSH transport of om: russh connections that implement [`om_core::Connection`].
//!
//! [`SshConnector`] opens one connection per `user@host:port` (plus jump chain) for a whole
//! run and shares jump hosts among the targets behind them. A host's settings come from its
//! inventory variables, the command line ([`SshOptions`]) and `~/.ssh/config` ([`SshConfig`]),
//! in that order ([`Endpoint`]). Host keys are checked against `known_hosts` ([`KnownHosts`])
//! under a [`HostKeyPolicy`]; authentication tries keys, the agent, default keys, password and
//! keyboard-interactive. Commands run on exec channels, bounded below sshd's `MaxSessions`,
//! optionally through sudo ([`escalation`]); files move over SFTP ([`Sftp`]). Native modules
//! run in `om-agent stdio` on one channel per connection, uploaded once by content hash.
//!
//! ```no_run
//! # async fn demo() -> Result<(), om_core::HostError> {
//! use om_core::{Connector, ExecRequest, Host};
//! let connector = om_ssh::SshConnector::new(om_ssh::SshOptions::default(), om_ssh::SshConfig::default(), []);
//! let conn = connector.connect(&Host::new("web1")).await?;
//! let out = conn.exec(ExecRequest::new("uname -n"), &|_| {}).await?;
//! # Ok(()) }
//! ```

mod agent;
pub mod config;
mod connection;
mod error;
pub mod escalation;
pub mod known_hosts;
mod options;
mod pool;
mod prompt;
mod session;
mod sftp;

pub use config::{ConfigError, HostConfig, SshConfig};
pub use connection::{ExecStream, SshConnection};
pub use known_hosts::{KnownHosts, Verdict};
pub use om_core::ExecRequest;
pub use options::{Endpoint, HostKeyPolicy, SshOptions};
pub use pool::SshConnector;
pub use prompt::{NoPrompt, Prompter};
pub use sftp::{Metadata, Progress, PutOptions, PutReport, Sftp};
