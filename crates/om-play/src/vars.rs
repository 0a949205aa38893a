//! Variables per host (PLAY-20 precedence) and `hostvars` across hosts.
//!
//! Each host keeps its inventory vars, facts and registered/set_fact values as shared
//! [`Layer`]s that survive from play to play; a task's scope stacks them with the play's,
//! the role's and the task's layers in ansible-core 2.19's order.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use om_core::{Connection, Host, Vars};
use om_template::jinja::{HostScopes, Jinja, Layer, Scope};
use serde_json::Value as Json;

use crate::model::{Play, Task};

/// One host's state across the run.
pub(crate) struct HostState {
    pub host: Arc<Host>,
    /// Inventory vars and the host's own magic variables.
    pub base: Layer,
    pub facts: Option<Layer>,
    pub facts_map: Vars,
    pub registered: Vars,
    pub registered_layer: Option<Layer>,
    pub conn: Option<Arc<dyn Connection>>,
    /// Left the run: failed (not rescued) or unreachable.
    pub failed: bool,
    pub unreachable: bool,
    /// Handlers notified since the last flush, by index in the play's handler list.
    pub notified: Vec<usize>,
}

impl HostState {
    pub fn new(host: Arc<Host>, base: Layer) -> Self {
        Self {
            host,
            base,
            facts: None,
            facts_map: Vars::new(),
            registered: Vars::new(),
            registered_layer: None,
            conn: None,
            failed: false,
            unreachable: false,
            notified: Vec::new(),
        }
    }

    /// Facts from `setup`: each as a top-level `ansible_<name>` and under `ansible_facts`.
    pub fn add_facts(&mut self, facts: &Vars) {
        for (k, v) in facts {
            let short = k.strip_prefix("ansible_").unwrap_or(k);
            self.facts_map.insert(short.to_string(), v.clone());
        }
        self.rebuild_facts();
    }

    fn rebuild_facts(&mut self) {
        let mut layer = Vars::new();
        for (k, v) in &self.facts_map {
            let top = if k.starts_with("ansible_") { k.clone() } else { format!("ansible_{k}") };
            layer.insert(top, v.clone());
        }
        layer.insert("ansible_facts".into(), Json::Object(self.facts_map.clone()));
        self.facts = Some(Layer::json(layer));
    }

    pub fn set(&mut self, vars: Vars) {
        self.registered.extend(vars);
        self.registered_layer = Some(Layer::json(self.registered.clone()));
    }
}

/// The run's hosts: the inventory's, then those `add_host` made (up to [`HostSlots::SPARE`]),
/// each at a fixed index for the whole run.
pub(crate) struct HostSlots {
    slots: Vec<OnceLock<Mutex<HostState>>>,
    len: AtomicUsize,
    /// Serializes `push`.
    adding: Mutex<()>,
}

impl HostSlots {
    /// How many hosts `add_host` can add to a run.
    pub const SPARE: usize = 1024;

    pub fn new(states: Vec<HostState>) -> Self {
        let len = states.len();
        let mut slots: Vec<OnceLock<Mutex<HostState>>> = states.into_iter().map(|s| OnceLock::from(Mutex::new(s))).collect();
        slots.extend((0..Self::SPARE).map(|_| OnceLock::new()));
        Self { slots, len: AtomicUsize::new(len), adding: Mutex::new(()) }
    }

    pub fn len(&self) -> usize {
        self.len.load(Ordering::Acquire)
    }

    /// Adds a host; its index, or `None` when the spare slots are used up.
    pub fn push(&self, state: HostState) -> Option<usize> {
        let _one = self.adding.lock().unwrap_or_else(|p| p.into_inner());
        let i = self.len();
        self.slots.get(i)?.set(Mutex::new(state)).ok()?;
        self.len.store(i + 1, Ordering::Release);
        Some(i)
    }
}

impl std::ops::Index<usize> for HostSlots {
    type Output = Mutex<HostState>;

    fn index(&self, i: usize) -> &Mutex<HostState> {
        self.slots[i].get().expect("host indexes are handed out only for filled slots")
    }
}

/// Everything a host's scopes are built from, shared by the run's tasks.
pub(crate) struct Shared {
    pub jinja: Jinja,
    pub hosts: HostSlots,
    pub index: RwLock<HashMap<String, usize>>,
    pub extra: Layer,
    /// `hostvars`, `groups` and the other run-wide magic variables.
    pub globals: Layer,
    /// The current play's layers (play vars, vars_files, role defaults/vars), for `hostvars`.
    pub play: RwLock<PlayLayers>,
}

/// The layers a play adds to every host's scope.
#[derive(Clone, Default)]
pub(crate) struct PlayLayers {
    pub defaults: Vec<Layer>,
    pub vars: Vec<Layer>,
    pub role_vars: Vec<Layer>,
    pub magic: Option<Layer>,
    /// `groups` again after `group_by`/`add_host` changed them during the play.
    pub groups: Option<Layer>,
    /// The play's `remote_user`, for hosts whose inventory names no `ansible_user`.
    pub remote_user: Option<String>,
}

impl PlayLayers {
    pub fn new(play: &Play, vars_files: Vec<Layer>, magic: Layer) -> Self {
        let mut vars = vec![Layer::json((*play.vars).clone())];
        vars.extend(vars_files);
        Self {
            defaults: play.role_list.iter().map(|r| Layer::json((*r.defaults).clone())).collect(),
            vars,
            role_vars: play.role_list.iter().map(|r| Layer::json((*r.vars).clone())).collect(),
            magic: Some(magic),
            groups: None,
            remote_user: play.remote_user.clone(),
        }
    }
}

/// The snapshot of one host's layers a task evaluates in.
#[derive(Clone)]
pub(crate) struct HostLayers {
    pub base: Layer,
    pub facts: Option<Layer>,
    pub registered: Option<Layer>,
}

impl Shared {
    /// The index of the host named `name`.
    pub fn lookup(&self, name: &str) -> Option<usize> {
        self.index.read().unwrap_or_else(|p| p.into_inner()).get(name).copied()
    }

    pub fn snapshot(&self, i: usize) -> HostLayers {
        let st = self.hosts[i].lock().unwrap_or_else(|p| p.into_inner());
        HostLayers { base: st.base.clone(), facts: st.facts.clone(), registered: st.registered_layer.clone() }
    }

    /// The scope of host `i` for `task` (or the play level when `None`), with `top` layers
    /// (loop items, registered results) above everything but extra vars.
    pub fn scope(&self, i: usize, task: Option<&Task>, top: Vec<Layer>) -> Scope {
        let host = self.snapshot(i);
        let play = self.play.read().unwrap_or_else(|p| p.into_inner()).clone();
        let mut layers = Vec::with_capacity(16);
        layers.extend(play.defaults.iter().cloned());
        if let Some(role) = task.and_then(|t| t.role.as_ref()) {
            layers.push(Layer::json((*role.defaults).clone()));
        }
        layers.push(host.base);
        layers.extend(host.facts);
        layers.extend(play.vars.iter().cloned());
        layers.extend(play.role_vars.iter().cloned());
        if let Some(task) = task {
            if let Some(role) = &task.role {
                layers.push(Layer::json((*role.vars).clone()));
            }
            layers.extend(task.vars.iter().map(|v| Layer::json((**v).clone())));
        }
        layers.extend(host.registered);
        if let Some(role) = task.and_then(|t| t.role.as_ref()) {
            layers.push(Layer::json((*role.params).clone()));
            let mut r = Vars::new();
            r.insert("role_path".into(), role.path.display().to_string().into());
            r.insert("role_name".into(), role.name.clone().into());
            layers.push(Layer::json(r));
        }
        layers.push(self.globals.clone());
        layers.extend(play.magic);
        layers.extend(play.groups);
        if let Some(role) = task.and_then(|t| t.role.as_ref()) {
            let mut r = Vars::new();
            let dir = play_dir(&self.play);
            r.insert("ansible_search_path".into(), serde_json::json!([role.path.display().to_string(), dir]));
            layers.push(Layer::json(r));
        }
        layers.extend(top);
        layers.push(self.extra.clone());
        Scope::new(&self.jinja, layers)
    }
}

fn play_dir(play: &RwLock<PlayLayers>) -> String {
    let play = play.read().unwrap_or_else(|p| p.into_inner());
    play.magic.as_ref().and_then(|m| m.raw("playbook_dir")).and_then(Json::as_str).map(str::to_string).unwrap_or_default()
}

/// `hostvars`: every host's scope at the play level.
pub(crate) struct HostVarsView(pub std::sync::Weak<Shared>);

impl HostScopes for HostVarsView {
    fn scope(&self, host: &str) -> Option<Scope> {
        let shared = self.0.upgrade()?;
        let i = shared.lookup(host)?;
        Some(shared.scope(i, None, Vec::new()))
    }

    fn hosts(&self) -> Vec<String> {
        let Some(shared) = self.0.upgrade() else { return Vec::new() };
        let mut names: Vec<(usize, String)> =
            shared.index.read().unwrap_or_else(|p| p.into_inner()).iter().map(|(k, v)| (*v, k.clone())).collect();
        names.sort();
        names.into_iter().map(|(_, n)| n).collect()
    }
}
