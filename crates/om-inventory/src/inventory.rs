//! The loaded inventory: hosts with their merged variables, groups, and pattern selection.
//!
//! [`Inventory::load`] reads every source once; [`Inventory::select`] evaluates patterns
//! against it as often as needed. Each host's [`Host`] (merged variables, group names) is
//! built the first time something asks for it and shared as an `Arc` afterwards.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use om_core::{Host, Target, Vars};
use serde_json::Value;

use crate::error::{InventoryError, PatternError, Warning};
use crate::model::{ALL, GroupId, HostId, LOCALHOST, Model};
use crate::pattern::{Matcher, Op, Pattern, Term, apply_subscript};
use crate::source::{self, LoadOptions, Source};
use crate::vars_files::{VarsDirs, VarsFileCache};

/// Variables from `group_vars/`/`host_vars/` files, with the index of the directory
/// (inventory sources first, then the playbook's) they came from.
type FileVars = Vec<(usize, Arc<Vars>)>;

/// A parsed inventory. Immutable; cheap to share between threads.
#[derive(Debug)]
pub struct Inventory {
    pub(crate) model: Model,
    /// `inventory_file` of each leaf source, by leaf index.
    leaf_files: Vec<Option<PathBuf>>,
    /// The vars directories: one per `-i` source (or `None`), then the playbook's.
    vars_dirs: Vec<Option<VarsDirs>>,
    /// How many of `vars_dirs` belong to inventory sources.
    inventory_dirs: usize,
    group_file_vars: Vec<FileVars>,
    host_file_vars: Vec<FileVars>,
    built: Vec<OnceLock<Arc<Host>>>,
    group_hosts: Vec<OnceLock<Arc<[HostId]>>>,
}

/// An inventory and what looked wrong while reading it.
#[derive(Debug)]
pub struct Loaded {
    pub inventory: Inventory,
    pub warnings: Vec<Warning>,
}

/// The hosts a pattern selected, and its warnings (terms that matched nothing…).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub target: Target,
    pub warnings: Vec<Warning>,
}

/// A host as a pattern found it: in the inventory, or the implicit `localhost`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HostRef {
    Inventory(HostId),
    Implicit(String),
}

impl Inventory {
    /// Reads the sources in order, then their `group_vars/` and `host_vars/`.
    pub fn load(sources: &[Source], options: &LoadOptions) -> Result<Loaded, InventoryError> {
        let leaves = source::leaves(sources)?;
        let parsed = source::parse_all(&leaves, options)?;
        let mut model = parsed.model;
        let mut warnings = parsed.warnings;
        model.reconcile()?;
        if !parsed.parsed_any {
            warnings.push(Warning::NoInventory);
        }
        let leaf_files = leaves.iter().map(source::Leaf::file).collect();

        let mut vars_dirs = Vec::new();
        for s in sources {
            let base = match s {
                Source::Path(p) if p.is_dir() => Some(p.clone()),
                Source::Path(p) => Some(p.parent().map(PathBuf::from).unwrap_or_default()),
                _ => None,
            };
            let base = base.map(|b| if b.as_os_str().is_empty() { PathBuf::from(".") } else { b });
            vars_dirs.push(match base {
                Some(b) => Some(VarsDirs::open(&std::fs::canonicalize(&b).unwrap_or(b), &mut model.warnings)?),
                None => None,
            });
        }
        let inventory_dirs = vars_dirs.len();
        if let Some(dir) = &options.playbook_dir {
            vars_dirs.push(Some(VarsDirs::open(&std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone()), &mut model.warnings)?));
        }

        let mut cache = VarsFileCache::default();
        let mut group_file_vars = vec![FileVars::new(); model.groups.len()];
        let mut host_file_vars = vec![FileVars::new(); model.hosts.len()];
        for (d, dirs) in vars_dirs.iter().enumerate() {
            let Some(dirs) = dirs else { continue };
            if let Some(listing) = &dirs.group_vars {
                for (g, group) in model.groups.iter().enumerate() {
                    if let Some(vars) = cache.load(&listing.files_for(&group.name)?, &mut warnings)? {
                        group_file_vars[g].push((d, vars));
                    }
                }
            }
            if let Some(listing) = &dirs.host_vars {
                for (h, host) in model.hosts.iter().enumerate() {
                    if let Some(vars) = cache.load(&listing.files_for(&host.name)?, &mut warnings)? {
                        host_file_vars[h].push((d, vars));
                    }
                }
            }
        }
        let mut all_warnings = std::mem::take(&mut model.warnings);
        all_warnings.append(&mut warnings);
        let inventory = Inventory {
            built: (0..model.hosts.len()).map(|_| OnceLock::new()).collect(),
            group_hosts: (0..model.groups.len()).map(|_| OnceLock::new()).collect(),
            model,
            leaf_files,
            vars_dirs,
            inventory_dirs,
            group_file_vars,
            host_file_vars,
        };
        Ok(Loaded { inventory, warnings: all_warnings })
    }

    /// The host named `name` (an implicit `localhost` too), merged variables and all.
    pub fn host(&self, name: &str) -> Option<Arc<Host>> {
        match self.model.host_id(name) {
            Some(id) => Some(self.built(id)),
            None if LOCALHOST.contains(&name) => Some(self.implicit_localhost(name)),
            None => None,
        }
    }

    /// Where a host was first written (`hosts:12:1`), for messages about it.
    pub fn host_span(&self, name: &str) -> Option<&om_core::Span> {
        self.model.host(self.model.host_id(name)?).span.as_ref()
    }

    /// Every host in `all` order.
    pub fn hosts(&self) -> Vec<Arc<Host>> {
        self.group_host_ids(ALL).iter().map(|&h| self.built(h)).collect()
    }

    /// The number of hosts (the implicit localhost not counted).
    pub fn len(&self) -> usize {
        self.model.hosts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.model.hosts.is_empty()
    }

    /// Group names in the order they were first seen (`all` and `ungrouped` first).
    pub fn group_names(&self) -> impl Iterator<Item = &str> {
        self.model.groups.iter().map(|g| g.name.as_str())
    }

    /// Whether a group of that name exists.
    pub fn has_group(&self, name: &str) -> bool {
        self.model.group_id(name).is_some()
    }

    /// The hosts of a group and of its descendants, in ansible-core's order.
    pub fn group_hosts(&self, name: &str) -> Option<Vec<Arc<Host>>> {
        let id = self.model.group_id(name)?;
        Some(self.group_host_ids(id).iter().map(|&h| self.built(h)).collect())
    }

    /// The variables a group's own definition and its `group_vars/` give it (not its
    /// parents'), as `ansible-inventory --graph --vars` shows them.
    pub fn group_vars(&self, name: &str) -> Option<Vars> {
        let id = self.model.group_id(name)?;
        let group = self.model.group(id);
        let mut vars = group.vars.clone();
        for (_, v) in &self.group_file_vars[id.0 as usize] {
            merge(&mut vars, v);
        }
        if group.priority != 1 {
            vars.insert("ansible_group_priority".into(), Value::from(group.priority));
        }
        Some(vars)
    }

    /// Resolves a pattern to hosts, as `ansible <pattern> --list-hosts` does.
    pub fn select(&self, pattern: &str) -> Result<Selection, PatternError> {
        self.select_pattern(&Pattern::parse(pattern)?, None)
    }

    /// Resolves a parsed pattern, restricted to `limit` when given (`--limit`).
    pub fn select_pattern(&self, pattern: &Pattern, limit: Option<&Pattern>) -> Result<Selection, PatternError> {
        let (refs, warnings) = self.resolve(pattern, limit)?;
        let hosts = refs.into_iter().map(|r| self.host_of(&r)).collect();
        Ok(Selection { target: Target::new(hosts), warnings })
    }

    /// The names a pattern selects, without building hosts (what `--list-hosts` prints).
    pub fn select_names(&self, pattern: &Pattern, limit: Option<&Pattern>) -> Result<(Vec<String>, Vec<Warning>), PatternError> {
        let (refs, warnings) = self.resolve(pattern, limit)?;
        let names = refs
            .into_iter()
            .map(|r| match r {
                HostRef::Inventory(h) => self.model.host(h).name.clone(),
                HostRef::Implicit(name) => name,
            })
            .collect();
        Ok((names, warnings))
    }

    pub(crate) fn resolve(&self, pattern: &Pattern, limit: Option<&Pattern>) -> Result<(Vec<HostRef>, Vec<Warning>), PatternError> {
        let mut warnings = pattern.warnings.clone();
        let mut implicit: Option<String> = None;
        let mut hosts = self.evaluate(pattern, &mut warnings, &mut implicit)?;
        if let Some(limit) = limit {
            warnings.extend(limit.warnings.iter().cloned());
            let allowed = self.evaluate(limit, &mut warnings, &mut implicit)?;
            hosts.retain(|h| allowed.contains(h));
            if hosts.is_empty() && LOCALHOST.contains(&pattern.as_str()) {
                hosts.push(HostRef::Implicit(pattern.as_str().to_string()));
            }
        }
        Ok((hosts, warnings))
    }

    /// `_evaluate_patterns`, then `deduplicate_list`.
    fn evaluate(
        &self,
        pattern: &Pattern,
        warnings: &mut Vec<Warning>,
        implicit: &mut Option<String>,
    ) -> Result<Vec<HostRef>, PatternError> {
        let mut hosts: Vec<HostRef> = Vec::new();
        for term in &pattern.terms {
            if let Some(h) = self.model.host_id(&term.text) {
                hosts.push(HostRef::Inventory(h));
                continue;
            }
            let that = self.match_one(term, warnings, implicit)?;
            match term.op {
                Op::Exclude => {
                    let set = self.membership(&that);
                    hosts.retain(|h| !self.contains(&set, &that, h));
                }
                Op::Intersect => {
                    let set = self.membership(&that);
                    hosts.retain(|h| self.contains(&set, &that, h));
                }
                Op::Union => {
                    let existing = self.membership(&hosts);
                    let new: Vec<HostRef> = that.into_iter().filter(|h| !self.contains(&existing, &hosts, h)).collect();
                    hosts.extend(new);
                }
            }
        }
        let mut seen = vec![false; self.model.hosts.len()];
        let mut implicit_seen = false;
        hosts.retain(|h| match h {
            HostRef::Inventory(id) => !std::mem::replace(&mut seen[id.0 as usize], true),
            HostRef::Implicit(_) => !std::mem::replace(&mut implicit_seen, true),
        });
        Ok(hosts)
    }

    fn membership(&self, hosts: &[HostRef]) -> Vec<bool> {
        let mut set = vec![false; self.model.hosts.len()];
        for h in hosts {
            if let HostRef::Inventory(id) = h {
                set[id.0 as usize] = true;
            }
        }
        set
    }

    fn contains(&self, set: &[bool], list: &[HostRef], h: &HostRef) -> bool {
        match h {
            HostRef::Inventory(id) => set[id.0 as usize],
            HostRef::Implicit(_) => list.iter().any(|x| matches!(x, HostRef::Implicit(_))),
        }
    }

    /// `_match_one_pattern`: matches, then the subscript.
    fn match_one(&self, term: &Term, warnings: &mut Vec<Warning>, implicit: &mut Option<String>) -> Result<Vec<HostRef>, PatternError> {
        let hosts = self.enumerate_matches(term, warnings, implicit);
        apply_subscript(hosts, term.subscript).ok_or_else(|| PatternError::SubscriptOutOfRange(term.bare.clone()))
    }

    /// `_enumerate_matches`: hosts of matching groups (duplicates kept), then matching hosts.
    fn enumerate_matches(&self, term: &Term, warnings: &mut Vec<Warning>, implicit: &mut Option<String>) -> Vec<HostRef> {
        let mut results: Vec<HostRef> = Vec::new();
        let groups: Vec<GroupId> = match &term.matcher {
            Matcher::Exact(name) => self.model.group_id(name).into_iter().collect(),
            m => (0..self.model.groups.len()).map(|i| GroupId(i as u32)).filter(|&g| m.is_match(&self.model.group(g).name)).collect(),
        };
        for &g in &groups {
            results.extend(self.group_host_ids(g).iter().map(|&h| HostRef::Inventory(h)));
        }
        if groups.is_empty() || term.search_hosts {
            match &term.matcher {
                Matcher::Exact(name) => results.extend(self.model.host_id(name).map(HostRef::Inventory)),
                m => results.extend(
                    self.model
                        .hosts
                        .iter()
                        .enumerate()
                        .filter(|(_, h)| m.is_match(&h.name))
                        .map(|(i, _)| HostRef::Inventory(HostId(i as u32))),
                ),
            }
        }
        if results.is_empty() && LOCALHOST.contains(&term.expr.as_str()) {
            let name = implicit.get_or_insert_with(|| term.expr.clone()).clone();
            results.push(HostRef::Implicit(name));
        }
        if results.is_empty() && groups.is_empty() && term.expr != "all" {
            warnings.push(Warning::PatternMatchedNothing(term.expr.clone()));
        }
        results
    }

    pub(crate) fn group_host_ids(&self, g: GroupId) -> Arc<[HostId]> {
        self.group_hosts[g.0 as usize].get_or_init(|| self.model.group_hosts(g).into()).clone()
    }

    pub(crate) fn host_of(&self, r: &HostRef) -> Arc<Host> {
        match r {
            HostRef::Inventory(h) => self.built(*h),
            HostRef::Implicit(name) => self.implicit_localhost(name),
        }
    }

    pub(crate) fn built(&self, h: HostId) -> Arc<Host> {
        self.built[h.0 as usize].get_or_init(|| Arc::new(self.build(h))).clone()
    }

    /// The host's variables merged as `VariableManager.get_vars` merges them for a host:
    /// `all`, then its groups by (depth, priority, name); then `group_vars/all`, then its
    /// groups' `group_vars/` files; then its own inventory variables and `host_vars/`.
    fn build(&self, h: HostId) -> Host {
        let data = self.model.host(h);
        let mut groups: Vec<GroupId> = data.groups.iter().copied().filter(|&g| g != ALL).collect();
        groups.sort_by(|&a, &b| {
            let (ga, gb) = (self.model.group(a), self.model.group(b));
            (ga.depth, ga.priority, &ga.name).cmp(&(gb.depth, gb.priority, &gb.name))
        });
        let mut vars = self.model.group(ALL).vars.clone();
        for &g in &groups {
            merge(&mut vars, &self.model.group(g).vars);
        }
        self.merge_file_vars(&mut vars, &[ALL], &self.group_file_vars);
        self.merge_file_vars(&mut vars, &groups, &self.group_file_vars);
        let file = data.source.and_then(|s| self.leaf_files.get(s as usize).cloned().flatten());
        let dir = file.as_ref().and_then(|f| f.parent().map(|p| p.display().to_string()));
        vars.insert("inventory_file".into(), file.map_or(Value::Null, |f| Value::String(f.display().to_string())));
        vars.insert("inventory_dir".into(), dir.map_or(Value::Null, Value::String));
        merge(&mut vars, &data.vars);
        let host_files = &self.host_file_vars[h.0 as usize];
        for d in 0..self.vars_dirs.len() {
            for (_, v) in host_files.iter().filter(|(vd, _)| *vd == d) {
                merge(&mut vars, v);
            }
        }
        let mut names: Vec<String> = groups.iter().map(|&g| self.model.group(g).name.clone()).collect();
        names.sort();
        Host { name: data.name.clone(), vars, groups: names }
    }

    /// Group file variables, directory by directory (inventory sources in order, then the
    /// playbook's), each directory's groups in `groups` order.
    fn merge_file_vars(&self, vars: &mut Vars, groups: &[GroupId], table: &[FileVars]) {
        let mut order: Vec<usize> = (0..self.inventory_dirs).collect();
        order.extend(self.inventory_dirs..self.vars_dirs.len());
        for d in order {
            for &g in groups {
                for (_, v) in table[g.0 as usize].iter().filter(|(vd, _)| *vd == d) {
                    merge(vars, v);
                }
            }
        }
    }

    /// The implicit `localhost`: `all`'s variables, `ansible_connection=local`, and any
    /// `host_vars/` of that name. It belongs to no group, not even `all`.
    fn implicit_localhost(&self, name: &str) -> Arc<Host> {
        let mut vars = self.model.group(ALL).vars.clone();
        self.merge_file_vars(&mut vars, &[ALL], &self.group_file_vars);
        vars.insert("ansible_connection".into(), Value::String("local".into()));
        for dirs in self.vars_dirs.iter().flatten() {
            if let Some(listing) = &dirs.host_vars
                && let Ok(files) = listing.files_for(name)
                && let Ok(Some(v)) = VarsFileCache::default().load(&files, &mut Vec::new())
            {
                merge(&mut vars, &v);
            }
        }
        Arc::new(Host { name: name.to_string(), vars, groups: Vec::new() })
    }
}

/// `combine_vars` with `hash_behaviour=replace`: later keys replace earlier ones in place.
pub(crate) fn merge(into: &mut Vars, from: &Vars) {
    for (k, v) in from {
        into.insert(k.clone(), v.clone());
    }
}
