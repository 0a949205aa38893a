//! What `ansible-inventory` prints: `--list` (JSON, or YAML with `--yaml`), `--host` and
//! `--graph`, built from an [`Inventory`] the way `ansible/cli/inventory.py` builds them.

use serde_json::{Map, Value};

use crate::Inventory;
use crate::inventory::HostRef;
use crate::model::{ALL, GroupId};

/// Variables `ansible-inventory` never shows (`C.INTERNAL_STATIC_VARS`).
const INTERNAL_VARS: [&str; 33] = [
    "ansible_async_path",
    "ansible_collection_name",
    "ansible_config_file",
    "ansible_dependent_role_names",
    "ansible_diff_mode",
    "ansible_facts",
    "ansible_forks",
    "ansible_inventory_sources",
    "ansible_limit",
    "ansible_play_batch",
    "ansible_play_hosts",
    "ansible_play_hosts_all",
    "ansible_play_role_names",
    "ansible_playbook_python",
    "ansible_role_name",
    "ansible_role_names",
    "ansible_run_tags",
    "ansible_skip_tags",
    "ansible_verbosity",
    "ansible_version",
    "inventory_dir",
    "inventory_file",
    "inventory_hostname",
    "inventory_hostname_short",
    "groups",
    "group_names",
    "hostvars",
    "playbook_dir",
    "play_hosts",
    "role_name",
    "role_names",
    "role_path",
    "role_uuid",
];

/// A host's variables as `--list` and `--host` show them.
pub(crate) fn shown_vars(vars: &om_core::Vars) -> Map<String, Value> {
    vars.iter().filter(|(k, _)| !INTERNAL_VARS.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect()
}

impl Inventory {
    /// `ansible-inventory --list` as a JSON value; `limit` restricts the hosts shown.
    pub fn to_ansible_list_json(&self, limit: Option<&crate::Pattern>) -> Result<Value, crate::PatternError> {
        let available = self.available(limit)?;
        let mut out = Map::new();
        let mut seen = vec![false; self.model.groups.len()];
        self.list_group(ALL, &available, &mut seen, &mut out);
        let mut hostvars = Map::new();
        for h in self.group_host_ids(ALL).iter().filter(|h| available[h.0 as usize]) {
            let host = self.built(*h);
            let vars = shown_vars(&host.vars);
            if !vars.is_empty() {
                hostvars.insert(host.name.clone(), Value::Object(vars));
            }
        }
        let mut meta = Map::new();
        meta.insert("hostvars".into(), Value::Object(hostvars));
        meta.insert("profile".into(), Value::String("inventory_legacy".into()));
        out.insert("_meta".into(), Value::Object(meta));
        Ok(Value::Object(out))
    }

    fn available(&self, limit: Option<&crate::Pattern>) -> Result<Vec<bool>, crate::PatternError> {
        let mut available = vec![limit.is_none(); self.model.hosts.len()];
        if let Some(limit) = limit {
            let all = crate::Pattern::parse("all")?;
            for r in self.resolve(&all, Some(limit))?.0 {
                if let HostRef::Inventory(h) = r {
                    available[h.0 as usize] = true;
                }
            }
        }
        Ok(available)
    }

    fn list_group(&self, g: GroupId, available: &[bool], seen: &mut [bool], out: &mut Map<String, Value>) {
        let group = self.model.group(g);
        let mut body = Map::new();
        if g != ALL {
            let hosts: Vec<Value> =
                group.hosts.iter().filter(|h| available[h.0 as usize]).map(|h| Value::String(self.model.host(*h).name.clone())).collect();
            if !hosts.is_empty() {
                body.insert("hosts".into(), Value::Array(hosts));
            }
        }
        let mut children = Vec::new();
        for &c in &group.children {
            children.push(Value::String(self.model.group(c).name.clone()));
            if !std::mem::replace(&mut seen[c.0 as usize], true) {
                self.list_group(c, available, seen, out);
            }
        }
        if !children.is_empty() {
            body.insert("children".into(), Value::Array(children));
        }
        if !body.is_empty() {
            out.insert(group.name.clone(), Value::Object(body));
        }
    }

    /// `ansible-inventory --list --yaml`: groups nested under `all`, each host's variables
    /// given where it first appears.
    pub fn to_ansible_list_yaml(&self, limit: Option<&crate::Pattern>) -> Result<Value, crate::PatternError> {
        let available = self.available(limit)?;
        let mut seen_hosts = vec![false; self.model.hosts.len()];
        let mut seen_groups = vec![false; self.model.groups.len()];
        let mut out = Map::new();
        if let Some(body) = self.yaml_group(ALL, &available, &mut seen_hosts, &mut seen_groups) {
            out.insert("all".into(), body);
        }
        Ok(Value::Object(out))
    }

    fn yaml_group(&self, g: GroupId, available: &[bool], seen_hosts: &mut [bool], seen_groups: &mut [bool]) -> Option<Value> {
        let group = self.model.group(g);
        let mut body = Map::new();
        let mut children = Map::new();
        for &c in &group.children {
            if c == ALL {
                continue;
            }
            let name = self.model.group(c).name.clone();
            if std::mem::replace(&mut seen_groups[c.0 as usize], true) {
                children.insert(name, Value::Object(Map::new()));
            } else if let Some(child) = self.yaml_group(c, available, seen_hosts, seen_groups) {
                children.insert(name, child);
            }
        }
        if !children.is_empty() {
            body.insert("children".into(), Value::Object(children));
        }
        if g != ALL {
            let mut hosts = Map::new();
            for &h in group.hosts.iter().filter(|h| available[h.0 as usize]) {
                let vars =
                    if std::mem::replace(&mut seen_hosts[h.0 as usize], true) { Map::new() } else { shown_vars(&self.built(h).vars) };
                hosts.insert(self.model.host(h).name.clone(), Value::Object(vars));
            }
            if !hosts.is_empty() {
                body.insert("hosts".into(), Value::Object(hosts));
            }
        }
        (!body.is_empty()).then_some(Value::Object(body))
    }

    /// `ansible-inventory --host <name>`: the host's variables, or `None` if no single host
    /// has that name.
    pub fn to_ansible_host_json(&self, name: &str) -> Option<Value> {
        let host = self.host(name)?;
        Some(Value::Object(shown_vars(&host.vars)))
    }

    /// `ansible-inventory --graph [group] [--vars]`, one line per entry; `None` if the group
    /// does not exist.
    pub fn to_ansible_graph(&self, group: &str, with_vars: bool) -> Option<String> {
        let g = self.model.group_id(group)?;
        let mut lines = Vec::new();
        self.graph_group(g, 0, with_vars, &mut lines);
        Some(lines.join("\n"))
    }

    fn graph_group(&self, g: GroupId, depth: usize, with_vars: bool, lines: &mut Vec<String>) {
        let group = self.model.group(g);
        lines.push(graph_name(&format!("@{}:", group.name), depth));
        for &c in &group.children {
            self.graph_group(c, depth + 1, with_vars, lines);
        }
        if g != ALL {
            for &h in &group.hosts {
                lines.push(graph_name(&self.model.host(h).name, depth + 1));
                if with_vars {
                    self.graph_vars(&shown_vars(&self.built(h).vars), depth + 2, lines);
                }
            }
        }
        if with_vars && let Some(vars) = self.group_vars(&group.name) {
            self.graph_vars(&shown_vars(&vars), depth + 1, lines);
        }
    }

    fn graph_vars(&self, vars: &Map<String, Value>, depth: usize, lines: &mut Vec<String>) {
        let mut keys: Vec<&String> = vars.keys().collect();
        keys.sort();
        for k in keys {
            lines.push(graph_name(&format!("{{{k} = {}}}", om_template::python::str(&vars[k])), depth));
        }
    }
}

fn graph_name(name: &str, depth: usize) -> String {
    if depth == 0 { name.to_string() } else { format!("{}--{name}", "  |".repeat(depth)) }
}
