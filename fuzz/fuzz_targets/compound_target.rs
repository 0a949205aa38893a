//! Compound targets never panic, parsed or matched against a host with grains.
#![no_main]

use libfuzzer_sys::fuzz_target;
use om_inventory::Compound;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(target) = Compound::parse(text) {
        let mut host = lab_host();
        host.vars.insert("ansible_host".into(), "10.0.0.5".into());
        let grains = serde_json_value();
        let _ = target.matches_host(&host, Some(&grains), None, None);
    }
});

fn lab_host() -> om_core::Host {
    om_core::Host::new("web01.example.com")
}

fn serde_json_value() -> serde_json::Value {
    serde_json::json!({"os": "CentOS", "osrelease": "6.4", "roles": ["web", "db"], "ipv4": ["10.0.0.5"], "flow": {"maxconn": 30000}})
}
