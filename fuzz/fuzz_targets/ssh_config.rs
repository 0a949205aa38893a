//! `~/.ssh/config` parsing and resolution never panic, whatever the file holds.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(config) = om_ssh::SshConfig::parse(text, std::path::Path::new("fuzz"))
    {
        let _ = config.resolve("web1.example.com");
        let _ = om_ssh::config::expand_tokens(text, "h", "u", 22);
    }
});
