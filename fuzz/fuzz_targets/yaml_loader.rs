//! The YAML loader (YAML 1.1 scalars, anchors, merges, tags) never panics, and what it
//! loads converts to JSON and dumps back to YAML.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(doc) = om_template::yaml::load_document(text, "fuzz.yml") {
        let json = doc.root.to_json();
        let _ = om_template::yaml::dump(&json);
        let _ = om_template::python::json_dumps(&json, 4);
    }
});
