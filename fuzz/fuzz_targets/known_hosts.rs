//! known_hosts parsing never panics, whatever the file holds.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let mut known = om_ssh::KnownHosts::default();
        known.add_text(text, std::path::Path::new("fuzz"));
    }
});
