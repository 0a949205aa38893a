//! The agent protocol's frame decoder and payload splitter on arbitrary bytes: no panics,
//! and what decodes re-encodes to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use om_agent::protocol::{Frame, split_payload};

fuzz_target!(|data: &[u8]| {
    let mut rest = data;
    while let Ok(Some((frame, used))) = Frame::decode(rest) {
        assert_eq!(frame.encode(), rest[..used].to_vec());
        if let Ok((json, _blob)) = split_payload(&frame.payload) {
            let _ = serde_json::from_slice::<om_agent::Request>(json);
            let _ = serde_json::from_slice::<om_agent::Response>(json);
        }
        rest = &rest[used..];
    }
});
