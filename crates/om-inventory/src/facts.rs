//! Grains for SSH hosts, read from the fact cache (SPD-5, TGT-23): Ansible's `jsonfile`
//! layout, one JSON object of facts per host in `<dir>/<inventory_hostname>`.
//!
//! A host's grains are its cached facts under their own names (`ansible_distribution`),
//! the same without the `ansible_` prefix (`distribution`), and Salt's names for the common
//! ones (`os`, `osrelease`, `kernel`, `num_cpus`, `ipv4`…), so `G@os:CentOS` works on facts
//! gathered by `setup`. A host without a cache file has no grains.

use serde_json::{Map, Value};

/// Where grains come from when a compound target needs them.
pub trait TargetData {
    /// The host's grains (a JSON object), or `None` when nothing is cached for it.
    fn grains(&self, host: &str) -> Option<Value>;

    /// The host's pillar, for `I@`/`J@`; none by default.
    fn pillar(&self, _host: &str) -> Option<Value> {
        None
    }
}

/// The fact cache `om run -m setup` writes (om-facts), read for grains.
pub use om_facts::FactCache;

impl TargetData for FactCache {
    /// An absent, expired or unreadable entry gives no grains.
    fn grains(&self, host: &str) -> Option<Value> {
        self.get(host).ok().flatten().map(|facts| Value::Object(grains_from_facts(host, facts)))
    }
}

/// Salt grain names and the Ansible facts they are read from.
const ALIASES: [(&str, &str); 22] = [
    ("os", "ansible_distribution"),
    ("os_family", "ansible_os_family"),
    ("osrelease", "ansible_distribution_version"),
    ("osmajorrelease", "ansible_distribution_major_version"),
    ("oscodename", "ansible_distribution_release"),
    ("osfullname", "ansible_distribution"),
    ("kernel", "ansible_system"),
    ("kernelrelease", "ansible_kernel"),
    ("kernelversion", "ansible_kernel_version"),
    ("cpuarch", "ansible_architecture"),
    ("num_cpus", "ansible_processor_vcpus"),
    ("cpu_model", "ansible_processor"),
    ("mem_total", "ansible_memtotal_mb"),
    ("host", "ansible_hostname"),
    ("nodename", "ansible_nodename"),
    ("fqdn", "ansible_fqdn"),
    ("domain", "ansible_domain"),
    ("ipv4", "ansible_all_ipv4_addresses"),
    ("ipv6", "ansible_all_ipv6_addresses"),
    ("virtual", "ansible_virtualization_type"),
    ("machine_id", "ansible_machine_id"),
    ("init", "ansible_service_mgr"),
];

/// The grains of a host from its facts: facts as they are, Salt's names, then the facts
/// without their `ansible_` prefix; the first to give a name wins.
pub fn grains_from_facts(host: &str, facts: Map<String, Value>) -> Map<String, Value> {
    let mut grains = facts.clone();
    grains.entry("id").or_insert_with(|| Value::String(host.to_string()));
    for (grain, fact) in ALIASES {
        if let Some(v) = facts.get(fact)
            && !grains.contains_key(grain)
        {
            grains.insert(grain.to_string(), v.clone());
        }
    }
    for (k, v) in &facts {
        if let Some(short) = k.strip_prefix("ansible_")
            && !grains.contains_key(short)
        {
            grains.insert(short.to_string(), v.clone());
        }
    }
    grains
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn salt_names_come_from_ansible_facts() {
        let facts = json!({"ansible_distribution": "CentOS", "ansible_distribution_version": "6.4", "ansible_system": "Linux", "ansible_processor_vcpus": 2});
        let Value::Object(facts) = facts else { unreachable!() };
        let g = grains_from_facts("SN2013-08-021", facts);
        assert_eq!(g["os"], "CentOS");
        assert_eq!(g["osrelease"], "6.4");
        assert_eq!(g["kernel"], "Linux");
        assert_eq!(g["num_cpus"], 2);
        assert_eq!(g["distribution"], "CentOS");
        assert_eq!(g["id"], "SN2013-08-021");
    }
}
