//! `IpNet::parse` on any text: never panics; what parses shows and parses back the same.
#![no_main]
use libfuzzer_sys::fuzz_target;
use om_net::ip::{IpNet, MakeNet, ShowMode};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for mode in [MakeNet::Strict, MakeNet::Lenient] {
        if let Ok(ip) = IpNet::parse(text, mode) {
            let shown = ip.to_string_mode(ShowMode::Prefix);
            assert_eq!(IpNet::parse(&shown, MakeNet::Strict).ok(), Some(ip), "{text:?} -> {shown}");
            assert!(ip.net() <= ip.broadcast());
            let _ = ip.reverse_names();
            let _ = ip.iptype();
        }
    }
});
