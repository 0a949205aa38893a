//! The INI inventory loader never panics: any text loads or fails with an error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use om_inventory::{Inventory, LoadOptions, Source};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // Two ranges on a line already make up to 100,000 hosts (om's cap), which a sanitized
    // build takes seconds over; more ranges only make the fuzzer time out.
    if text.matches('[').count() > 6 {
        return;
    }
    let source = Source::Text { name: "hosts.ini".into(), text: text.into() };
    if let Ok(loaded) = Inventory::load(&[source], &LoadOptions::default()) {
        let inv = loaded.inventory;
        let _ = inv.to_ansible_list_json(None);
        let _ = inv.to_ansible_graph("all", true);
        let _ = inv.select("all:!ungrouped");
    }
});
