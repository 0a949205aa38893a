//! A stopgap inventory for `om run` until `om-inventory` lands: INI files (`[group]`,
//! `[group:vars]`, `[group:children]`, inline host variables), comma-separated host lists
//! (`-i 'h1,h2,'`), and simple patterns (`all`, `*`, names, groups, globs, `a:b`, `a:!b`,
//! `a:&b`). `localhost` is implicit. Replace with `om_inventory::Inventory` when merged.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use om_core::{Host, Target, Vars, args::split_args};
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    #[error("cannot read inventory `{path}`")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Syntax { path: String, line: usize, message: String },
}

/// Hosts and groups, in file order.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    hosts: Vec<Host>,
    groups: BTreeMap<String, Group>,
}

#[derive(Debug, Clone, Default)]
struct Group {
    hosts: Vec<String>,
    children: Vec<String>,
    vars: Vars,
}

impl Inventory {
    /// Loads `source`: a path to an INI file, or a comma-separated host list.
    pub fn load(source: &str) -> Result<Self, InventoryError> {
        if !Path::new(source).exists() && source.contains(',') {
            let mut inv = Inventory::default();
            for name in source.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                inv.add_host(name, Vars::new(), "ungrouped");
            }
            return Ok(inv);
        }
        let text = std::fs::read_to_string(source).map_err(|e| InventoryError::Read { path: source.into(), source: e })?;
        Self::parse(&text, source)
    }

    pub fn parse(text: &str, path: &str) -> Result<Self, InventoryError> {
        let mut inv = Inventory::default();
        let mut section = ("ungrouped".to_string(), "hosts".to_string());
        for (n, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            let syntax = |message: String| InventoryError::Syntax { path: path.into(), line: n + 1, message };
            if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                let (name, kind) = header.split_once(':').unwrap_or((header, "hosts"));
                section = (name.to_string(), kind.to_string());
                inv.groups.entry(name.to_string()).or_default();
                continue;
            }
            let tokens = split_args(line).map_err(|e| syntax(e.to_string()))?;
            match section.1.as_str() {
                "vars" => {
                    let (k, v) = line.split_once('=').ok_or_else(|| syntax(format!("expected key=value, found `{line}`")))?;
                    inv.groups.entry(section.0.clone()).or_default().vars.insert(k.trim().into(), value(v.trim()));
                }
                "children" => inv.groups.entry(section.0.clone()).or_default().children.push(line.to_string()),
                _ => {
                    let mut vars = Vars::new();
                    for token in &tokens[1..] {
                        let (k, v) = token.split_once('=').ok_or_else(|| syntax(format!("expected key=value, found `{token}`")))?;
                        vars.insert(k.into(), value(v));
                    }
                    inv.add_host(&tokens[0], vars, &section.0.clone());
                }
            }
        }
        inv.resolve_vars();
        Ok(inv)
    }

    fn add_host(&mut self, name: &str, vars: Vars, group: &str) {
        match self.hosts.iter_mut().find(|h| h.name == name) {
            Some(h) => h.vars.extend(vars),
            None => {
                let mut h = Host::new(name);
                h.vars = vars;
                self.hosts.push(h);
            }
        }
        let g = self.groups.entry(group.to_string()).or_default();
        if !g.hosts.iter().any(|h| h == name) {
            g.hosts.push(name.to_string());
        }
    }

    /// Group membership (through children) and variables: all < parents < children < host.
    fn resolve_vars(&mut self) {
        let names: Vec<String> = self.hosts.iter().map(|h| h.name.clone()).collect();
        for name in names {
            let groups = self.groups_of(&name);
            let mut vars = self.groups.get("all").map(|g| g.vars.clone()).unwrap_or_default();
            let mut ordered: Vec<(usize, String)> = groups.iter().map(|g| (self.depth(g, 0), g.clone())).collect();
            ordered.sort();
            for (_, g) in &ordered {
                vars.extend(self.groups[g].vars.clone());
            }
            if let Some(host) = self.hosts.iter_mut().find(|h| h.name == name) {
                vars.extend(std::mem::take(&mut host.vars));
                host.vars = vars;
                host.groups = groups.into_iter().filter(|g| g != "all" && g != "ungrouped").collect();
            }
        }
    }

    fn depth(&self, group: &str, level: usize) -> usize {
        if level > 32 {
            return level;
        }
        self.groups
            .iter()
            .filter(|(_, g)| g.children.iter().any(|c| c == group))
            .map(|(p, _)| self.depth(p, level + 1))
            .max()
            .unwrap_or(level)
            + 0
    }

    fn groups_of(&self, host: &str) -> BTreeSet<String> {
        let mut out: BTreeSet<String> =
            self.groups.iter().filter(|(_, g)| g.hosts.iter().any(|h| h == host)).map(|(n, _)| n.clone()).collect();
        loop {
            let parents: Vec<String> = self
                .groups
                .iter()
                .filter(|(n, g)| !out.contains(*n) && g.children.iter().any(|c| out.contains(c)))
                .map(|(n, _)| n.clone())
                .collect();
            if parents.is_empty() {
                break;
            }
            out.extend(parents);
        }
        out
    }

    fn members(&self, group: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![group.to_string()];
        let mut seen = BTreeSet::new();
        while let Some(g) = stack.pop() {
            if !seen.insert(g.clone()) {
                continue;
            }
            if let Some(group) = self.groups.get(&g) {
                out.extend(group.hosts.iter().cloned());
                stack.extend(group.children.iter().rev().cloned());
            }
        }
        out
    }

    /// Every host, in file order.
    pub fn hosts(&self) -> &[Host] {
        &self.hosts
    }

    /// The hosts a pattern selects, in inventory order.
    pub fn select(&self, pattern: &str) -> Target {
        let mut chosen: Vec<String> = Vec::new();
        let parts: Vec<&str> = pattern.split([':', ',']).map(str::trim).filter(|p| !p.is_empty()).collect();
        let (mut plus, mut and, mut not) = (Vec::new(), Vec::new(), Vec::new());
        for part in parts {
            if let Some(p) = part.strip_prefix('!') {
                not.push(p);
            } else if let Some(p) = part.strip_prefix('&') {
                and.push(p);
            } else {
                plus.push(part);
            }
        }
        for p in plus {
            for h in self.matching(p) {
                if !chosen.contains(&h) {
                    chosen.push(h);
                }
            }
        }
        for p in and {
            let keep = self.matching(p);
            chosen.retain(|h| keep.contains(h));
        }
        for p in not {
            let drop = self.matching(p);
            chosen.retain(|h| !drop.contains(h));
        }
        let order = |name: &String| self.hosts.iter().position(|h| &h.name == name).unwrap_or(usize::MAX);
        chosen.sort_by_key(order);
        let hosts = chosen
            .into_iter()
            .map(|name| {
                Arc::new(self.hosts.iter().find(|h| h.name == name).cloned().unwrap_or_else(|| {
                    let mut h = Host::new(&name);
                    h.vars.insert("ansible_connection".into(), "local".into());
                    h
                }))
            })
            .collect();
        Target::new(hosts)
    }

    fn matching(&self, pattern: &str) -> Vec<String> {
        if pattern == "all" || pattern == "*" {
            return self.hosts.iter().map(|h| h.name.clone()).collect();
        }
        if self.groups.contains_key(pattern) {
            return self.members(pattern);
        }
        let hosts: Vec<String> = self.hosts.iter().filter(|h| om_ssh::config::glob(pattern, &h.name)).map(|h| h.name.clone()).collect();
        if hosts.is_empty() && (pattern == "localhost" || pattern == "127.0.0.1") {
            return vec![pattern.to_string()];
        }
        let groups: Vec<String> = self
            .groups
            .keys()
            .filter(|g| pattern.contains('*') && om_ssh::config::glob(pattern, g))
            .flat_map(|g| self.members(g))
            .collect();
        hosts.into_iter().chain(groups).collect()
    }
}

/// INI values: quotes removed; numbers and booleans stay strings as in ansible's INI.
fn value(text: &str) -> Value {
    let t = text.trim();
    let unquoted = if t.len() >= 2 && (t.starts_with('\'') && t.ends_with('\'') || t.starts_with('"') && t.ends_with('"')) {
        &t[1..t.len() - 1]
    } else {
        t
    };
    Value::String(unquoted.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const INI: &str = "h1 ansible_host=10.0.0.1 ansible_port=2222\nh2\n[web]\nh1\nh3 x='a b'\n[db]\nh2\n[prod:children]\nweb\n[all:vars]\nansible_user=ops\n[web:vars]\nansible_user=web\n";

    #[test]
    fn groups_patterns_and_vars() {
        let inv = Inventory::parse(INI, "hosts").expect("parses");
        let names = |p: &str| inv.select(p).names().map(str::to_string).collect::<Vec<_>>();
        assert_eq!(names("all"), ["h1", "h2", "h3"]);
        assert_eq!(names("web"), ["h1", "h3"]);
        assert_eq!(names("prod:!h3"), ["h1"]);
        assert_eq!(names("all:&db"), ["h2"]);
        assert_eq!(names("h*"), ["h1", "h2", "h3"]);
        let h1 = &inv.select("h1").hosts[0];
        assert_eq!(h1.var_str(&["ansible_user"]).as_deref(), Some("web"));
        assert_eq!(h1.groups, ["prod", "web"]);
        assert_eq!(inv.select("h3").hosts[0].var_str(&["x"]).as_deref(), Some("a b"));
        assert_eq!(inv.select("h2").hosts[0].var_str(&["ansible_user"]).as_deref(), Some("ops"));
        assert_eq!(names("localhost"), ["localhost"]);
    }
}
