//! om-agent: the helper that runs on managed hosts, and the protocol the controller speaks
//! to it.
//!
//! * [`protocol`]: frames, requests, responses, the hello with its version.
//! * [`client`]: the controller side; many requests in flight over one byte stream.
//! * [`server`]: the agent side; each request in its own task, modules from `om-modules`.
//! * [`bootstrap`]: finding or uploading the agent on a host by content hash, and starting it.
//! * [`fallback`]: modules over plain shell where the agent cannot run.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let (client, _child) = om_agent::process::spawn("om-agent".as_ref(), &[]).await?;
//! let args = serde_json::json!({"path": "/etc/hostname"});
//! let out = client.module("stat", args.as_object().expect("a map"), false, false, &[], None).await?;
//! assert_eq!(out.result["stat"]["exists"], true);
//! # Ok(()) }
//! ```

pub mod bootstrap;
pub mod client;
pub mod fallback;
mod handler;
pub mod job;
pub mod process;
pub mod protocol;
pub mod server;

pub use bootstrap::{Agent, AgentBinary, Remote};
pub use client::{Client, ClientError, Reply};
pub use protocol::{AgentError, ErrorKind, Hello, PROTOCOL_VERSION, Request, Response};

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
