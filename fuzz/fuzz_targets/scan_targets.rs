//! nmap target syntax on any text: never panics; errors point inside the input.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match om_net::scan::parse_targets(text) {
        Ok(specs) => {
            for s in specs.iter().take(4) {
                let _ = s.addresses().take(1000).count();
            }
        }
        Err(e) => assert!(e.position >= 1 && e.position <= text.len() + 1, "{e}"),
    }
});
