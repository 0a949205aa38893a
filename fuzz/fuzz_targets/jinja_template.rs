//! Any text as a template, a conditional and a template file: rendered or an error, never a
//! panic or a hang (variables that refer to themselves are an error).
#![no_main]

use libfuzzer_sys::fuzz_target;
use om_template::jinja::{FileOptions, Jinja, Layer, Scope};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let jinja = Jinja::new();
    let vars = serde_json::json!({
        "n": 3, "s": "web-01", "l": [1, "a", null], "d": {"k": "v", "n": [1, 2]},
        "self_ref": text, "other": "{{ self_ref }}"
    });
    let scope = Scope::new(&jinja, vec![Layer::json(vars.as_object().cloned().unwrap_or_default())]);
    let _ = jinja.template(&serde_json::Value::String(text.to_string()), &scope);
    let _ = jinja.condition(text, &scope);
    let _ = jinja.render_file(text, "fuzz.j2", &scope, FileOptions::default());
    let _ = scope.get_json("other");
});
