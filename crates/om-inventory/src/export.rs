//! Any inventory written back as an INI or YAML inventory that loads to the same groups,
//! hosts and variables (group variables stay on their groups, not merged into hosts).

use serde_json::{Map, Value};

use crate::Inventory;
use crate::model::{ALL, GroupId, UNGROUPED};

impl Inventory {
    /// The inventory as a YAML inventory: `all` with its hosts, vars and children.
    pub fn to_yaml(&self) -> String {
        let mut root = Map::new();
        root.insert("all".into(), self.export_group(ALL));
        om_template::yaml::dump(&Value::Object(root))
    }

    fn export_group(&self, g: GroupId) -> Value {
        let group = self.model.group(g);
        let mut body = Map::new();
        let hosts: Vec<_> = if g == ALL { Vec::new() } else { group.hosts.clone() };
        if !hosts.is_empty() {
            let mut map = Map::new();
            for h in hosts {
                let host = self.model.host(h);
                let vars: Map<String, Value> = host.vars.clone();
                map.insert(host.name.clone(), if vars.is_empty() { Value::Null } else { Value::Object(vars) });
            }
            body.insert("hosts".into(), Value::Object(map));
        }
        let vars = self.group_vars(&group.name).unwrap_or_default();
        if !vars.is_empty() {
            body.insert("vars".into(), Value::Object(vars));
        }
        let children: Vec<GroupId> = group.children.iter().copied().filter(|&c| !(g == ALL && c == UNGROUPED)).collect();
        if !children.is_empty() {
            let mut map = Map::new();
            for c in children {
                map.insert(self.model.group(c).name.clone(), self.export_group(c));
            }
            body.insert("children".into(), Value::Object(map));
        }
        if g == ALL
            && let Some(Value::Object(hosts)) = self.export_group(UNGROUPED).get("hosts").cloned()
        {
            body.insert("hosts".into(), Value::Object(hosts));
        }
        if body.is_empty() { Value::Null } else { Value::Object(body) }
    }

    /// The inventory as an INI inventory: ungrouped hosts first, then a section per group.
    pub fn to_ini(&self) -> String {
        let mut out = String::new();
        for &h in &self.model.group(UNGROUPED).hosts {
            out.push_str(&self.ini_host_line(h));
        }
        for (i, group) in self.model.groups.iter().enumerate().skip(2) {
            let _ = i;
            out.push_str(&format!("\n[{}]\n", group.name));
            for &h in &group.hosts {
                out.push_str(&self.ini_host_line(h));
            }
            if !group.children.is_empty() {
                out.push_str(&format!("\n[{}:children]\n", group.name));
                for &c in &group.children {
                    out.push_str(&format!("{}\n", self.model.group(c).name));
                }
            }
        }
        for (i, group) in self.model.groups.iter().enumerate() {
            if i == UNGROUPED.0 as usize {
                continue;
            }
            let vars = self.group_vars(&group.name).unwrap_or_default();
            if !vars.is_empty() {
                out.push_str(&format!("\n[{}:vars]\n", group.name));
                for (k, v) in &vars {
                    out.push_str(&format!("{k}={}\n", ini_value(v)));
                }
            }
        }
        out
    }

    fn ini_host_line(&self, h: crate::model::HostId) -> String {
        let host = self.model.host(h);
        let mut line = host.name.clone();
        for (k, v) in &host.vars {
            line.push(' ');
            line.push_str(&format!("{k}={}", shell_quote(&ini_value(v))));
        }
        line.push('\n');
        line
    }
}

/// A value as INI text that `ast.literal_eval` reads back as the same value: strings that
/// would read as something else are quoted, everything else is its Python literal.
fn ini_value(v: &Value) -> String {
    match v {
        Value::String(s) if crate::pyliteral::literal_eval(s).is_none() && !s.contains(['#', '\'', '"']) && s.trim() == s => s.clone(),
        _ => om_template::python::repr(v),
    }
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty() && !s.chars().any(|c| c.is_whitespace() || "'\"\\#".contains(c)) {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "'\"'\"'"))
}
