//! One handler per request kind, named like the request.

pub(crate) mod module;
pub(crate) mod shutdown;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use crate::protocol::Request;
use crate::server::Outbox;

pub(crate) async fn dispatch(id: u32, request: Request, blob: Vec<u8>, out: &Outbox, cancel: Arc<AtomicBool>) {
    match request {
        Request::Module { call, job: Some(job) } => module::start_job(id, job, call, blob, out).await,
        Request::Module { call, job: None } => module::handle(id, call, blob, out, cancel).await,
        Request::Shutdown => shutdown::handle(id, out),
    }
}
