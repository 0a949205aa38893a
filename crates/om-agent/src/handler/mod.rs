//! One handler per request kind, named like the request.

pub(crate) mod module;
pub(crate) mod shutdown;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use crate::protocol::Request;
use crate::server::Outbox;

pub(crate) async fn dispatch(id: u32, request: Request, blob: Vec<u8>, out: &Outbox, cancel: Arc<AtomicBool>) {
    match request {
        Request::Module { module, args, check, diff, env, job: Some(job) } => {
            module::start_job(id, job, module, args, check, diff, env, blob, out).await
        }
        Request::Module { module, args, check, diff, env, job: None } => {
            module::handle(id, module, args, check, diff, env, blob, out, cancel).await
        }
        Request::Shutdown => shutdown::handle(id, out),
    }
}
