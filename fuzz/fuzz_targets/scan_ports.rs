//! nmap port syntax on any text: never panics; every port is 1-65535, sorted, unique.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(ports) = om_net::scan::parse_ports(text) {
        assert!(ports.windows(2).all(|w| w[0] < w[1]) && ports.first().is_none_or(|p| *p >= 1));
    }
});
