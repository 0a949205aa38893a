//! om-agent through a real `om-agent stdio` child process over pipes.

mod bootstrap;
mod modules;
mod protocol;

use om_agent::Client;

pub fn agent_bin() -> &'static std::path::Path {
    std::path::Path::new(env!("CARGO_BIN_EXE_om-agent"))
}

pub async fn agent() -> (Client, tokio::process::Child) {
    om_agent::process::spawn(agent_bin(), &[]).await.expect("om-agent starts")
}

pub fn args(v: serde_json::Value) -> om_core::Vars {
    v.as_object().expect("an object").clone()
}

/// Waits for `cond` with a deadline, polling.
pub async fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !cond() {
        assert!(std::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
