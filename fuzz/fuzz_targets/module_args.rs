//! Module argument validation, modes, INI local facts and kernel command lines on arbitrary
//! input: errors, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(serde_json::Value::Object(args)) = serde_json::from_slice::<serde_json::Value>(data) {
        for m in om_modules::registry::MODULES {
            let _ = m.schema().validate(&args);
        }
    }
    let _ = om_modules::mode::parse(&serde_json::Value::from(text.as_ref()));
    let _ = om_facts::ansible::local::parse_ini(&text);
    let _ = om_facts::ansible::parse_cmdline(&text);
    let _ = om_facts::users::parse_utmp(data);
});
