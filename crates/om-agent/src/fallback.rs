//! Modules without the agent: the module logic runs on the controller and every file or
//! process operation is a shell command on the host ([`om_modules::os::ShellOs`]).

use std::io;
use std::sync::Arc;

use om_core::Vars;
use om_modules::os::{Shell, ShellOs, ShellOutput, quote};
use om_modules::{Context, ModuleOutput, RunError};

use crate::bootstrap::Remote;

/// [`Shell`] over a [`Remote`], for use on a blocking thread.
pub struct RemoteShell {
    remote: Arc<dyn Remote>,
    handle: tokio::runtime::Handle,
}

impl RemoteShell {
    pub fn new(remote: Arc<dyn Remote>, handle: tokio::runtime::Handle) -> Self {
        Self { remote, handle }
    }
}

impl Shell for RemoteShell {
    fn sh(&self, script: &str, stdin: Option<&[u8]>) -> io::Result<ShellOutput> {
        let out = self
            .handle
            .block_on(self.remote.exec(&format!("sh -c {}", quote(script)), stdin))
            .map_err(|e| io::Error::other(e.to_string()))?;
        Ok(ShellOutput { rc: out.rc.unwrap_or(-1), stdout: out.stdout, stderr: out.stderr })
    }
}

/// Why a fallback call failed before the module ran.
#[derive(Debug, thiserror::Error)]
pub enum FallbackError {
    #[error(transparent)]
    Run(#[from] RunError),
    #[error("module `{module}` needs om-agent on the host, which cannot run there")]
    NeedsAgent { module: String },
    #[error("the module thread stopped: {reason}")]
    Join { reason: String },
}

/// Runs `module` over shell commands on the host.
pub async fn run_module(
    remote: Arc<dyn Remote>,
    module: &str,
    args: &Vars,
    check: bool,
    diff: bool,
    env: Vec<(String, String)>,
    input: Vec<u8>,
) -> Result<ModuleOutput, FallbackError> {
    let m = om_modules::find(module).map_err(RunError::from)?;
    if m.schema().agent_only {
        return Err(FallbackError::NeedsAgent { module: module.to_string() });
    }
    let handle = tokio::runtime::Handle::current();
    let (module, args) = (module.to_string(), args.clone());
    tokio::task::spawn_blocking(move || {
        let os = ShellOs::new(RemoteShell::new(remote, handle));
        let with_env = om_modules::os::WithEnv::new(&os, &env);
        let mut ctx = Context::new(if env.is_empty() { &os } else { &with_env });
        ctx.check = check;
        ctx.diff = diff;
        ctx.input = (!input.is_empty()).then_some(input.as_slice());
        om_modules::run(&module, &args, &mut ctx).map_err(FallbackError::from)
    })
    .await
    .map_err(|e| FallbackError::Join { reason: e.to_string() })?
}
