//! The agent protocol: length-prefixed frames on one byte stream (an SSH channel, a pipe),
//! multiplexed by request id, versioned by a hello the agent sends first.
//!
//! ```text
//! frame    = length:u32be kind:u8 id:u32be payload        (length counts kind, id, payload)
//! HELLO    payload = JSON Hello                           agent → controller, id 0, first
//! REQUEST  payload = json_len:u32be JSON Request blob     controller → agent
//! RESPONSE payload = json_len:u32be JSON Response blob    agent → controller, ends the id
//! CHUNK    payload = stream:u8 bytes                      agent → controller, live output
//! CANCEL   payload = (empty)                              controller → agent
//! ERROR    payload = JSON AgentError                      agent → controller, ends the id
//! ```
//!
//! Many requests may be in flight at once; responses come back in any order. A `blob` carries
//! file content (what `copy` writes, what `fetch` reads) without JSON escaping.

mod error;
mod frame;
mod hello;
mod request;
mod response;

pub use error::{AgentError, ErrorKind};
pub use frame::{Frame, FrameError, Kind, MAX_FRAME, read_frame, write_frame};
pub use hello::{Hello, PROTOCOL_VERSION};
pub use request::{ModuleRequest, Request};
pub use response::Response;

/// Splits a REQUEST/RESPONSE payload into its JSON header and blob.
pub fn split_payload(payload: &[u8]) -> Result<(&[u8], &[u8]), FrameError> {
    if payload.len() < 4 {
        return Err(FrameError::Truncated);
    }
    let n = u32::from_be_bytes([payload[0], payload[1], payload[2], payload[3]]) as usize;
    if payload.len() < 4 + n {
        return Err(FrameError::Truncated);
    }
    Ok((&payload[4..4 + n], &payload[4 + n..]))
}

/// Joins a JSON header and a blob into a payload.
pub fn join_payload(json: &[u8], blob: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + json.len() + blob.len());
    out.extend_from_slice(&(json.len() as u32).to_be_bytes());
    out.extend_from_slice(json);
    out.extend_from_slice(blob);
    out
}
