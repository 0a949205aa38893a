//! `Request::Module`: runs a native module on a blocking thread, streaming command output as
//! CHUNK frames, and answers with its result (and any bytes it sends back).

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use om_core::Stream;
use om_modules::os::{LocalOs, Watch, WithEnv};
use om_modules::{Context, ModuleOutput, RunError};

use crate::protocol::{AgentError, ErrorKind, Frame, Kind, ModuleRequest, Response, join_payload};
use crate::server::Outbox;

/// Runs `call` here with `input` as its content blob, watched by `watch`.
pub(crate) fn run(call: &ModuleRequest, input: &[u8], watch: Watch<'_>) -> Result<ModuleOutput, RunError> {
    let with_env = WithEnv::new(&LocalOs, &call.env);
    let mut ctx = Context::new(if call.env.is_empty() { &LocalOs } else { &with_env });
    ctx.check = call.check;
    ctx.diff = call.diff;
    ctx.input = (!input.is_empty()).then_some(input);
    ctx.watch = watch;
    om_modules::run(&call.module, &call.args, &mut ctx)
}

pub(crate) async fn handle(id: u32, call: ModuleRequest, blob: Vec<u8>, out: &Outbox, cancel: Arc<AtomicBool>) {
    let chunks = out.clone();
    let joined = tokio::task::spawn_blocking(move || {
        let on_output = move |stream: Stream, data: &[u8]| {
            let mut payload = Vec::with_capacity(data.len() + 1);
            payload.push(match stream {
                Stream::Stdout => 1,
                Stream::Stderr => 2,
            });
            payload.extend_from_slice(data);
            chunks.send(Frame::new(Kind::Chunk, id, payload));
        };
        run(&call, &blob, Watch { output: Some(&on_output), cancel: Some(&cancel) })
    })
    .await;
    match joined {
        Ok(Ok(output)) => {
            let json = serde_json::to_vec(&Response::Module { result: output.result }).unwrap_or_default();
            out.send(Frame::new(Kind::Response, id, join_payload(&json, output.data.as_deref().unwrap_or_default())));
        }
        Ok(Err(RunError::UnknownModule(e))) => out.error(id, AgentError::new(ErrorKind::UnknownModule, e.to_string())),
        Ok(Err(RunError::Args(e))) => out.error(id, AgentError::new(ErrorKind::Args, e.to_string())),
        Ok(Err(e @ RunError::Cancelled { .. })) => out.error(id, AgentError::new(ErrorKind::Cancelled, e.to_string())),
        Err(e) => out.error(id, AgentError::new(ErrorKind::Internal, format!("the module crashed: {e}"))),
    }
}

/// `Request::Module` with a job: the module starts detached ([`crate::job`]); the answer is
/// the started job.
pub(crate) async fn start_job(id: u32, job: om_core::ModuleJob, call: ModuleRequest, blob: Vec<u8>, out: &Outbox) {
    let started = tokio::task::spawn_blocking(move || crate::job::start(&job, call, &blob)).await;
    match started {
        Ok(Ok(result)) => {
            let json = serde_json::to_vec(&Response::Module { result }).unwrap_or_default();
            out.send(Frame::new(Kind::Response, id, join_payload(&json, &[])));
        }
        Ok(Err(e)) => out.error(id, AgentError::new(ErrorKind::Internal, e)),
        Err(e) => out.error(id, AgentError::new(ErrorKind::Internal, format!("the job did not start: {e}"))),
    }
}
