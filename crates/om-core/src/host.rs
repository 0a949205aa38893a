//! Hosts and targets: who a run talks to.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// Variables as Ansible sees them: insertion-ordered, JSON-typed.
pub type Vars = serde_json::Map<String, serde_json::Value>;

/// One managed host as the inventory resolved it.
///
/// `vars` are the host's merged inventory variables (group vars by depth and priority, then
/// host vars), so connection settings such as `ansible_host` or `ansible_port` are read from
/// one place. `groups` lists the groups the host belongs to, `all` excluded, in name order,
/// which is what `group_names` shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Host {
    pub name: String,
    #[serde(default)]
    pub vars: Vars,
    #[serde(default)]
    pub groups: Vec<String>,
}

impl Host {
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into(), vars: Vars::new(), groups: Vec::new() }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The first of the given variables that is set, as a string (numbers included).
    pub fn var_str(&self, names: &[&str]) -> Option<String> {
        names.iter().find_map(|name| match self.vars.get(*name)? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            serde_json::Value::Bool(b) => Some(b.to_string()),
            _ => None,
        })
    }

    /// The address to dial: `ansible_host` (or its legacy spelling), else the name.
    pub fn address(&self) -> String {
        self.var_str(&["ansible_host", "ansible_ssh_host"]).unwrap_or_else(|| self.name.clone())
    }
}

/// A resolved, ordered, de-duplicated set of hosts: the answer to "which hosts?".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Target {
    pub hosts: Vec<Arc<Host>>,
}

impl Target {
    pub fn new(hosts: Vec<Arc<Host>>) -> Self {
        Self { hosts }
    }

    pub fn len(&self) -> usize {
        self.hosts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hosts.is_empty()
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.hosts.iter().map(|h| h.name.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_prefers_ansible_host_then_legacy_then_name() {
        let mut h = Host::new("web1");
        assert_eq!(h.address(), "web1");
        h.vars.insert("ansible_ssh_host".into(), "10.0.0.2".into());
        assert_eq!(h.address(), "10.0.0.2");
        h.vars.insert("ansible_host".into(), "10.0.0.1".into());
        assert_eq!(h.address(), "10.0.0.1");
    }
}
