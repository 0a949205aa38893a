//! The group/host graph while sources are read, with ansible-core's `InventoryData`,
//! `Group` and `Host` semantics: who is a child of whom, group depth and priority,
//! `all` and `ungrouped`, and the quirks (a variable set on a name that is both a host and a
//! group goes to the group).
//!
//! Ids are indices into the model's vectors, so 100,000 hosts cost a few allocations each.

use std::collections::HashMap;

use om_core::{Span, Vars};
use serde_json::Value;

use crate::error::{InventoryError, Problem, Warning};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct GroupId(pub u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct HostId(pub u32);

pub(crate) const ALL: GroupId = GroupId(0);
pub(crate) const UNGROUPED: GroupId = GroupId(1);

/// The names ansible-core treats as the controller itself.
pub(crate) const LOCALHOST: [&str; 3] = ["127.0.0.1", "localhost", "::1"];

#[derive(Debug, Clone)]
pub(crate) struct GroupData {
    pub name: String,
    /// Variables set by inventory sources (not group_vars files).
    pub vars: Vars,
    pub children: Vec<GroupId>,
    pub parents: Vec<GroupId>,
    /// Hosts listed in this group itself, in the order they were added.
    pub hosts: Vec<HostId>,
    pub depth: u32,
    pub priority: i64,
    /// Where the group was first written, for messages.
    pub span: Option<Span>,
}

#[derive(Debug, Clone)]
pub(crate) struct HostData {
    pub name: String,
    pub vars: Vars,
    /// Every group the host is in, ancestors included (`Host.groups`).
    pub groups: Vec<GroupId>,
    /// The groups whose own host list holds this host.
    pub direct: Vec<GroupId>,
    /// The index of the source that first named the host (`inventory_file`).
    pub source: Option<u32>,
    pub span: Option<Span>,
}

#[derive(Debug, Clone)]
pub(crate) struct Model {
    pub groups: Vec<GroupData>,
    pub group_index: HashMap<String, GroupId>,
    pub hosts: Vec<HostData>,
    pub host_index: HashMap<String, HostId>,
    pub localhost: Option<HostId>,
    /// The source being read, set on hosts it creates.
    pub current_source: Option<u32>,
    pub warnings: Vec<Warning>,
}

impl Model {
    pub fn new() -> Self {
        let mut model = Model {
            groups: Vec::new(),
            group_index: HashMap::new(),
            hosts: Vec::new(),
            host_index: HashMap::new(),
            localhost: None,
            current_source: None,
            warnings: Vec::new(),
        };
        model.add_group("all", None);
        model.add_group("ungrouped", None);
        // `all` and `ungrouped` cannot form a loop.
        let _ = model.add_child_group(ALL, UNGROUPED);
        model
    }

    pub fn group(&self, id: GroupId) -> &GroupData {
        &self.groups[id.0 as usize]
    }

    fn group_mut(&mut self, id: GroupId) -> &mut GroupData {
        &mut self.groups[id.0 as usize]
    }

    pub fn host(&self, id: HostId) -> &HostData {
        &self.hosts[id.0 as usize]
    }

    fn host_mut(&mut self, id: HostId) -> &mut HostData {
        &mut self.hosts[id.0 as usize]
    }

    pub fn group_id(&self, name: &str) -> Option<GroupId> {
        self.group_index.get(name).copied()
    }

    pub fn host_id(&self, name: &str) -> Option<HostId> {
        self.host_index.get(name).copied()
    }

    /// `InventoryData.add_group`: creates the group if it is new.
    pub fn add_group(&mut self, name: &str, span: Option<&Span>) -> GroupId {
        if let Some(id) = self.group_id(name) {
            return id;
        }
        if has_invalid_group_chars(name) {
            let warning = Warning::InvalidGroupChars(name.to_string());
            if !self.warnings.contains(&warning) {
                self.warnings.push(warning);
            }
        }
        let id = GroupId(self.groups.len() as u32);
        self.groups.push(GroupData {
            name: name.to_string(),
            vars: Vars::new(),
            children: Vec::new(),
            parents: Vec::new(),
            hosts: Vec::new(),
            depth: 0,
            priority: 1,
            span: span.cloned(),
        });
        self.group_index.insert(name.to_string(), id);
        id
    }

    /// `InventoryData.add_host`: creates the host if it is new (a port only counts then) and
    /// puts it in `group`.
    pub fn add_host(&mut self, name: &str, group: Option<GroupId>, port: Option<i64>, span: Option<&Span>) -> HostId {
        let id = match self.host_id(name) {
            Some(id) => id,
            None => {
                let id = HostId(self.hosts.len() as u32);
                let mut vars = Vars::new();
                if let Some(port) = port.filter(|&p| p != 0) {
                    vars.insert("ansible_port".into(), Value::from(port));
                }
                self.hosts.push(HostData {
                    name: name.to_string(),
                    vars,
                    groups: Vec::new(),
                    direct: Vec::new(),
                    source: self.current_source,
                    span: span.cloned(),
                });
                self.host_index.insert(name.to_string(), id);
                if LOCALHOST.contains(&name) {
                    match self.localhost {
                        None => self.localhost = Some(id),
                        Some(first) => {
                            let first = self.host(first).name.clone();
                            self.warnings.push(Warning::DuplicateLocalhost { name: name.to_string(), first });
                        }
                    }
                }
                id
            }
        };
        if let Some(group) = group {
            self.group_add_host(group, id);
        }
        id
    }

    /// `Group.add_host`.
    fn group_add_host(&mut self, group: GroupId, host: HostId) -> bool {
        if self.host(host).direct.contains(&group) {
            return false;
        }
        self.group_mut(group).hosts.push(host);
        self.host_mut(host).direct.push(group);
        // `Host.add_group`: ancestors first, then the group.
        for ancestor in self.ancestors(group) {
            if !self.host(host).groups.contains(&ancestor) {
                self.host_mut(host).groups.push(ancestor);
            }
        }
        if !self.host(host).groups.contains(&group) {
            self.host_mut(host).groups.push(group);
        }
        true
    }

    /// `InventoryData.add_child`: a group child if one has the name, else a host.
    pub fn add_child(&mut self, parent: GroupId, child: &str) -> Result<(), Problem> {
        if let Some(child) = self.group_id(child) {
            self.add_child_group(parent, child)
        } else if let Some(host) = self.host_id(child) {
            self.group_add_host(parent, host);
            Ok(())
        } else {
            Err(Problem::UnknownMember(child.to_string()))
        }
    }

    /// `Group.add_child_group`, with its loop check and depth update.
    pub fn add_child_group(&mut self, parent: GroupId, child: GroupId) -> Result<(), Problem> {
        if parent == child {
            return Err(Problem::SelfChild(self.group(parent).name.clone()));
        }
        if self.group(parent).children.contains(&child) {
            return Ok(());
        }
        let start_ancestors = self.ancestors(child);
        let mut new_ancestors = self.ancestors(parent);
        if new_ancestors.contains(&child) {
            return Err(Problem::GroupCycle { parent: self.group(parent).name.clone(), child: self.group(child).name.clone() });
        }
        new_ancestors.push(parent);
        new_ancestors.retain(|g| !start_ancestors.contains(g));
        self.group_mut(parent).children.push(child);
        let depth = (self.group(parent).depth + 1).max(self.group(child).depth);
        self.group_mut(child).depth = depth;
        self.check_children_depth(child)?;
        if !self.group(child).parents.contains(&parent) {
            self.group_mut(child).parents.push(parent);
            for host in self.group_hosts(child) {
                for &g in &new_ancestors {
                    if !self.host(host).groups.contains(&g) {
                        self.host_mut(host).groups.push(g);
                    }
                }
            }
        }
        Ok(())
    }

    /// `Group._check_children_depth`: pushes depth down to every descendant.
    fn check_children_depth(&mut self, group: GroupId) -> Result<(), Problem> {
        let start = self.group(group).depth;
        let mut depth = start;
        let mut seen: Vec<GroupId> = Vec::new();
        let mut unprocessed: Vec<GroupId> = self.group(group).children.clone();
        while !unprocessed.is_empty() {
            for g in &unprocessed {
                if !seen.contains(g) {
                    seen.push(*g);
                }
            }
            depth += 1;
            let mut next = Vec::new();
            for g in unprocessed {
                if self.group(g).depth < depth {
                    self.group_mut(g).depth = depth;
                    for &c in &self.group(g).children {
                        if !next.contains(&c) {
                            next.push(c);
                        }
                    }
                }
            }
            unprocessed = next;
            if (depth - start) as usize > seen.len() {
                let name = self.group(group).name.clone();
                return Err(Problem::GroupCycle { parent: name.clone(), child: name });
            }
        }
        Ok(())
    }

    /// Every ancestor of a group (`Group.get_ancestors`), nearest first.
    pub fn ancestors(&self, group: GroupId) -> Vec<GroupId> {
        let mut out: Vec<GroupId> = Vec::new();
        let mut frontier = self.group(group).parents.clone();
        while !frontier.is_empty() {
            let mut next = Vec::new();
            for g in frontier {
                if !out.contains(&g) {
                    out.push(g);
                    next.extend(self.group(g).parents.iter().copied());
                }
            }
            frontier = next;
        }
        out
    }

    /// The group and its descendants in `get_descendants(include_self, preserve_ordering)`
    /// order: the group, its children, then each further level.
    ///
    /// ansible-core walks the levels below the children through a Python `set`, whose order
    /// is that of object addresses; om walks them in child order, which is what ansible-core
    /// gives in the common case.
    pub fn descendants(&self, group: GroupId) -> Vec<GroupId> {
        let mut ordered = vec![group];
        ordered.extend(self.group(group).children.iter().copied());
        let mut seen: Vec<GroupId> = ordered.clone();
        let mut level: Vec<GroupId> = self.group(group).children.clone();
        while !level.is_empty() {
            let mut next = Vec::new();
            for g in level {
                for &c in &self.group(g).children {
                    if !seen.contains(&c) {
                        seen.push(c);
                        ordered.push(c);
                        next.push(c);
                    }
                }
            }
            level = next;
        }
        ordered
    }

    /// `Group.get_hosts`: the hosts of the group and its descendants, each once.
    pub fn group_hosts(&self, group: GroupId) -> Vec<HostId> {
        let descendants = self.descendants(group);
        if descendants.len() == 1 {
            return self.group(group).hosts.clone();
        }
        let mut seen = vec![false; self.hosts.len()];
        let mut out = Vec::new();
        for g in descendants {
            for &h in &self.group(g).hosts {
                if !std::mem::replace(&mut seen[h.0 as usize], true) {
                    out.push(h);
                }
            }
        }
        out
    }

    /// `InventoryData.set_variable`: a name that is both a group and a host means the group.
    pub fn set_variable(&mut self, entity: &str, key: &str, value: Value) -> Result<(), Problem> {
        if let Some(group) = self.group_id(entity) {
            if key == "ansible_group_priority" {
                // Python's `int()`: a TypeError (None, a list) is ignored, a ValueError is not.
                if !matches!(value, Value::Null | Value::Array(_) | Value::Object(_)) {
                    self.group_mut(group).priority = python_int(&value).ok_or_else(|| Problem::BadPriority(value.to_string()))?;
                }
            } else {
                self.group_mut(group).vars.insert(key.to_string(), value);
            }
        } else if let Some(host) = self.host_id(entity) {
            self.host_mut(host).vars.insert(key.to_string(), value);
        } else {
            return Err(Problem::UnknownMember(entity.to_string()));
        }
        Ok(())
    }

    /// `InventoryData.reconcile_inventory`: every group under `all`, hosts in `ungrouped`
    /// exactly when they are in no other group, and a warning for names used twice.
    pub fn reconcile(&mut self) -> Result<(), InventoryError> {
        self.current_source = None;
        for i in 1..self.groups.len() {
            let g = GroupId(i as u32);
            if self.group(g).parents.is_empty() {
                let result = self.add_child_group(ALL, g);
                result.map_err(|p| InventoryError::syntax(self.group(g).span.clone().unwrap_or_else(unknown_span), p, ""))?;
            }
        }
        let mut leave_ungrouped = Vec::new();
        for i in 0..self.hosts.len() {
            let h = HostId(i as u32);
            let groups = &self.host(h).groups;
            if groups.contains(&UNGROUPED) {
                if groups.iter().any(|&g| g != ALL && g != UNGROUPED) {
                    leave_ungrouped.push(h);
                }
            } else if groups.is_empty() || (groups.len() == 1 && groups[0] == ALL) {
                self.group_add_host(UNGROUPED, h);
            }
        }
        if !leave_ungrouped.is_empty() {
            let mut gone = vec![false; self.hosts.len()];
            for &h in &leave_ungrouped {
                gone[h.0 as usize] = true;
                let host = self.host_mut(h);
                host.direct.retain(|&g| g != UNGROUPED);
                host.groups.retain(|&g| g != UNGROUPED);
            }
            self.group_mut(UNGROUPED).hosts.retain(|h| !gone[h.0 as usize]);
        }
        for group in &self.groups {
            if self.host_index.contains_key(&group.name) {
                self.warnings.push(Warning::HostAndGroup(group.name.clone()));
            }
        }
        Ok(())
    }
}

pub(crate) fn unknown_span() -> Span {
    Span::new("<inventory>", 0, 0)
}

/// ansible-core's `INVALID_VARIABLE_NAMES`: `^[\d\W]|[^\w]`.
fn has_invalid_group_chars(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        None => false,
        Some(c) if c.is_numeric() || !(c.is_alphanumeric() || c == '_') => true,
        _ => chars.any(|c| !(c.is_alphanumeric() || c == '_')),
    }
}

/// Python's `int(value)` for what an inventory may hold: ints, floats (truncated), bools and
/// numeric strings.
fn python_int(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f.trunc() as i64)),
        Value::Bool(b) => Some(i64::from(*b)),
        Value::String(s) => s.trim().replace('_', "").parse().ok(),
        _ => None,
    }
}
