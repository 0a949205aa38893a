//! `Request::Shutdown`: acknowledges; the server then stops reading and exits when the
//! requests in flight are done.

use crate::protocol::{Frame, Kind, Response, join_payload};
use crate::server::Outbox;

pub(crate) fn handle(id: u32, out: &Outbox) {
    let json = serde_json::to_vec(&Response::Shutdown).unwrap_or_default();
    out.send(Frame::new(Kind::Response, id, join_payload(&json, &[])));
}
