//! Host patterns never panic, parsed or evaluated against a small inventory.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use om_inventory::{Inventory, LoadOptions, Pattern, Source};

static INVENTORY: LazyLock<Inventory> = LazyLock::new(|| {
    let text = "lonely\n[web]\nweb[01:06].example.com\n[db]\ndb01 x=1\nweb01.example.com\n[prod:children]\nweb\ndb\n[v6]\nfe80::1\n";
    let source = Source::Text { name: "hosts".into(), text: text.into() };
    Inventory::load(&[source], &LoadOptions::default()).expect("the fuzz inventory loads").inventory
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(pattern) = Pattern::parse(text) {
        let _ = INVENTORY.select_pattern(&pattern, None);
        let _ = INVENTORY.select_names(&pattern, Some(&pattern));
    }
});
