//! The YAML inventory loader never panics: any text loads or fails with an error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use om_inventory::{Inventory, LoadOptions, Source};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let source = Source::Text { name: "hosts.yml".into(), text: text.into() };
    if let Ok(loaded) = Inventory::load(&[source], &LoadOptions::default()) {
        let inv = loaded.inventory;
        let _ = inv.to_ansible_list_json(None);
        let _ = inv.to_yaml();
        let _ = inv.to_ini();
    }
});
