//! Runs a [`Playbook`]: plays in order, hosts in the play's `order` batched by `serial`, tasks
//! in the linear strategy (every host finishes a task before the next starts) or the free one
//! (each host through a section at its own pace), blocks with rescue and always, handlers
//! flushed at the end of each section, everything reported as [`Event`]s.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use chrono::Utc;
use om_core::{Connector, EVENT_FORMAT_VERSION, Event, Host, HostCounts, Outcome, Recap, Status, Vars};
use om_inventory::{Inventory, Pattern};
use om_template::jinja::{Jinja, Layer, OMIT, hostvars};
use om_template::vault::VaultSecret;
use serde_json::Value as Json;
use tokio::sync::{Semaphore, mpsc};

use crate::PlayError;
use crate::model::{Include, Item, Play, Playbook, Task};
use crate::task::{HostRun, TaskOutcome};
use crate::vars::{HostSlots, HostState, HostVarsView, PlayLayers, Shared};

/// How a playbook run behaves (the command line's choices).
#[derive(Debug, Clone)]
pub struct PlayOptions {
    pub forks: usize,
    pub check: bool,
    pub diff: bool,
    pub extra_vars: Vars,
    pub tags: Vec<String>,
    pub skip_tags: Vec<String>,
    pub limit: Option<Pattern>,
    pub start_at_task: Option<String>,
    pub escalation: om_exec::BecomeOptions,
    pub vault: Vec<VaultSecret>,
    pub force_handlers: bool,
    /// `--step`: ask before each task.
    pub step: bool,
    /// Who answers `vars_prompt` and `--step` questions; `None`: nobody (a run without a
    /// terminal), so prompts take their defaults.
    pub prompter: Option<Prompter>,
    /// Emit `Output` events with live output chunks (a job page that shows output as it
    /// comes); the results carry the output either way.
    pub output_events: bool,
    /// Commands run on exec channels of their own, not through om-agent, so a caller that
    /// cancels the run can signal their process groups (`om serve`'s playbook jobs wrap each
    /// connection in [`om_exec::signal_groups`]).
    pub cancellable: bool,
}

/// Asks the person running om a question and reads the answer.
pub trait Ask: Send + Sync {
    /// The answer to `question` (without echo when `private`); `None` when nobody can answer.
    fn ask(&self, question: &str, private: bool) -> Option<String>;
}

/// A shared [`Ask`].
#[derive(Clone)]
pub struct Prompter(pub Arc<dyn Ask>);

impl std::fmt::Debug for Prompter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Prompter")
    }
}

impl<F: Fn(&str, bool) -> Option<String> + Send + Sync> Ask for F {
    fn ask(&self, question: &str, private: bool) -> Option<String> {
        self(question, private)
    }
}

impl Default for PlayOptions {
    fn default() -> Self {
        Self {
            forks: 50,
            check: false,
            diff: false,
            extra_vars: Vars::new(),
            tags: vec!["all".into()],
            skip_tags: Vec::new(),
            limit: None,
            start_at_task: None,
            escalation: om_exec::BecomeOptions::default(),
            vault: Vec::new(),
            force_handlers: false,
            step: false,
            prompter: None,
            output_events: false,
            cancellable: false,
        }
    }
}

/// Runs playbooks against an inventory through a connector.
pub struct Runner {
    pub(crate) inventory: Arc<Inventory>,
    pub(crate) connector: Arc<dyn Connector>,
    pub(crate) options: PlayOptions,
    pub(crate) shared: Arc<Shared>,
    pub(crate) tx: mpsc::UnboundedSender<Event>,
    pub(crate) recap: Mutex<Recap>,
    task_index: AtomicUsize,
    started: AtomicBool,
    /// Groups made during the run by `group_by`/`add_host`: name → hosts, in order.
    pub(crate) dynamic_groups: Mutex<Vec<(String, Vec<String>)>>,
    /// Hosts `add_host` made, in order.
    pub(crate) added: Mutex<Vec<String>>,
    /// `any_errors_fatal` tripped, or every host of a play failed: the playbook ends.
    ended: AtomicBool,
    forks: Arc<Semaphore>,
    /// `throttle:` slots per task (by the task's address and its limit).
    throttles: Mutex<HashMap<(usize, u64), Arc<Semaphore>>>,
    /// `--step` still asking (answering `c` stops it).
    stepping: AtomicBool,
    /// One question at a time.
    asking: tokio::sync::Mutex<()>,
    /// The play's handlers, and those of roles included at run time.
    handlers: RwLock<Vec<Arc<Task>>>,
    /// The free strategy's run_once warning was given.
    warned_free_run_once: AtomicBool,
    /// The error that stopped the playbook mid-play (the run ends with it).
    aborted: Mutex<Option<PlayError>>,
    /// Tasks files `include_tasks` read, by path.
    include_cache: Mutex<HashMap<std::path::PathBuf, om_template::yaml::Node>>,
}

/// Why an included file or role could not be loaded.
enum IncludeError {
    /// Missing or unreadable: the hosts that included it fail.
    Host(String),
    /// Not valid YAML or not valid tasks: the playbook stops (ansible-core's parser error).
    Parse(PlayError),
}

/// Which hosts a play's section runs on, by index into [`Shared::hosts`].
type Hosts = Vec<usize>;

/// A task that ran: its number, the hosts that failed it, each host's outcome.
struct TaskDone {
    index: usize,
    failed: Hosts,
    results: Vec<(usize, TaskOutcome)>,
}

/// One file (or role) an include named, with the loop variables it was included with and
/// the hosts that included it.
struct Included {
    /// As the include named it (templated).
    name: String,
    /// The resolved path (the role name for `include_role`).
    target: String,
    vars: Vars,
    label: Option<Json>,
    /// `include_role`'s `tasks_from`, templated.
    tasks_from: String,
    hosts: Hosts,
}

impl Runner {
    /// A runner for `inventory`; events go to `tx`.
    pub fn new(
        inventory: Arc<Inventory>,
        connector: Arc<dyn Connector>,
        options: PlayOptions,
        tx: mpsc::UnboundedSender<Event>,
    ) -> Arc<Self> {
        let jinja = Jinja::with_vault(options.vault.clone());
        let hosts: Vec<Arc<Host>> = inventory.hosts();
        let index: HashMap<String, usize> = hosts.iter().enumerate().map(|(i, h)| (h.name.clone(), i)).collect();
        let check = options.check;
        let shared = Arc::new_cyclic(|weak: &std::sync::Weak<Shared>| {
            let states = hosts.iter().map(|h| host_state(Arc::clone(h))).collect();
            let mut globals = vec![
                ("hostvars".to_string(), hostvars(Arc::new(HostVarsView(weak.clone())))),
                ("omit".to_string(), om_template::jinja::Value::from(OMIT)),
                ("ansible_check_mode".to_string(), om_template::jinja::Value::from(check)),
                (
                    "ansible_version".to_string(),
                    om_template::jinja::from_json(
                        &serde_json::json!({"full": "2.19.0", "major": 2, "minor": 19, "revision": 0, "string": "2.19.0"}),
                    ),
                ),
            ];
            globals.push(("ansible_playbook_python".into(), om_template::jinja::Value::from("/usr/bin/python3")));
            Shared {
                jinja,
                hosts: HostSlots::new(states),
                index: RwLock::new(index),
                extra: Layer::json(options.extra_vars.clone()),
                globals: Layer::native(globals),
                play: RwLock::new(PlayLayers::default()),
            }
        });
        let forks = Arc::new(Semaphore::new(options.forks.max(1)));
        let step = options.step;
        Arc::new(Self {
            inventory,
            connector,
            started: AtomicBool::new(options.start_at_task.is_none()),
            ended: AtomicBool::new(false),
            dynamic_groups: Mutex::new(Vec::new()),
            added: Mutex::new(Vec::new()),
            options,
            shared,
            tx,
            recap: Mutex::new(Recap::default()),
            task_index: AtomicUsize::new(0),
            forks,
            throttles: Mutex::new(HashMap::new()),
            stepping: AtomicBool::new(step),
            asking: tokio::sync::Mutex::new(()),
            handlers: RwLock::new(Vec::new()),
            warned_free_run_once: AtomicBool::new(false),
            aborted: Mutex::new(None),
            include_cache: Mutex::new(HashMap::new()),
        })
    }

    pub(crate) fn emit(&self, event: Event) {
        let _ = self.tx.send(event);
    }

    pub(crate) fn count(&self, host: &str, f: impl FnOnce(&mut HostCounts)) {
        let mut recap = self.recap.lock().unwrap_or_else(|p| p.into_inner());
        f(recap.hosts.entry(host.to_string()).or_default());
    }

    /// Runs every play; returns the recap. `Err` only for a playbook error found while
    /// running (a bad `vars_files`, a bad host pattern).
    pub async fn run(self: &Arc<Self>, book: &Playbook) -> Result<Recap, PlayError> {
        let started = Instant::now();
        self.emit(Event::RunStarted {
            version: EVENT_FORMAT_VERSION,
            run_id: format!("{:016x}", rand::random::<u64>()),
            kind: "play".into(),
            hosts: self.shared.hosts.len(),
            at: Utc::now(),
        });
        let mut result = Ok(());
        for play in &book.plays {
            if let Err(err) = self.play(play, book).await {
                result = Err(err);
                break;
            }
            if let Some(err) = self.aborted.lock().unwrap_or_else(|p| p.into_inner()).take() {
                result = Err(err);
                break;
            }
            if self.ended.load(Ordering::Relaxed) {
                self.emit(Event::Warning { message: "NO MORE HOSTS LEFT".into(), host: None });
                break;
            }
        }
        for i in 0..self.shared.hosts.len() {
            let conn = self.shared.hosts[i].lock().unwrap_or_else(|p| p.into_inner()).conn.take();
            if let Some(conn) = conn {
                conn.close().await;
            }
        }
        let recap = self.recap.lock().unwrap_or_else(|p| p.into_inner()).clone();
        self.emit(Event::RunFinished { recap: recap.clone(), elapsed_us: started.elapsed().as_micros() as u64 });
        result.map(|()| recap)
    }

    /// Stops the playbook with `err` (the first one wins): no task starts after this.
    fn abort(&self, err: PlayError) {
        self.aborted.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert(err);
        self.ended.store(true, Ordering::Relaxed);
    }

    /// The hosts a play targets, in inventory order, without those that left the run.
    pub fn play_hosts(&self, play: &Play) -> Result<Vec<String>, PlayError> {
        let dynamic = self.dynamic_groups.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let added = self.added.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let expanded: Vec<String> = play
            .hosts
            .iter()
            .flat_map(|term| match dynamic.iter().find(|(g, _)| g == term && !self.inventory.has_group(term)) {
                Some((_, hosts)) => hosts.clone(),
                None => vec![term.clone()],
            })
            .collect();
        // Hosts `add_host` made are not in the inventory: their names, `all` and `*`
        // select them here (groups of them were expanded above).
        let mut extra: Vec<String> = Vec::new();
        let mut first: Vec<String> = Vec::new();
        let mut terms: Vec<String> = Vec::new();
        for term in expanded {
            if added.contains(&term) {
                extra.push(term);
                continue;
            }
            if term == "all" || term == "*" {
                // ansible-core puts them straight into `all`, before its child groups' hosts.
                first.extend(added.iter().cloned());
            } else if let Some((_, members)) = dynamic.iter().find(|(g, _)| *g == term) {
                extra.extend(members.iter().filter(|m| added.contains(m)).cloned());
            }
            terms.push(term);
        }
        let mut names = Vec::new();
        if !terms.is_empty() || (extra.is_empty() && first.is_empty()) {
            let pattern = Pattern::from_list(&terms).map_err(|source| PlayError::Pattern { span: play.span.clone(), source })?;
            let (found, warnings) = self
                .inventory
                .select_names(&pattern, self.options.limit.as_ref())
                .map_err(|source| PlayError::Pattern { span: play.span.clone(), source })?;
            for w in warnings {
                self.emit(Event::Warning { message: w.to_string(), host: None });
            }
            names = found;
        }
        for name in extra {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        first.retain(|n| !names.contains(n));
        first.extend(names);
        Ok(first)
    }

    async fn play(self: &Arc<Self>, play: &Play, book: &Playbook) -> Result<(), PlayError> {
        let names = self.play_hosts(play)?;
        let all: Hosts = names
            .iter()
            .filter_map(|n| self.shared.lookup(n))
            .filter(|i| {
                let st = self.shared.hosts[*i].lock().unwrap_or_else(|p| p.into_inner());
                !st.failed && !st.unreachable
            })
            .collect();
        let all = self.ordered(play, all);
        let host_names: Vec<String> = all.iter().map(|i| self.host_name(*i)).collect();
        if all.is_empty() {
            self.emit(Event::PlayStarted { name: play.name.clone(), hosts: host_names.clone(), span: Some(play.span.clone()) });
            self.emit(Event::Warning { message: "skipping: no hosts matched".into(), host: None });
            return Ok(());
        }
        let prompted = Layer::json(self.prompts(play).await?);
        for batch in batches(&all, play.serial.as_ref()) {
            let batch_names: Vec<String> = batch.iter().map(|i| self.host_name(*i)).collect();
            self.emit(Event::PlayStarted { name: play.name.clone(), hosts: batch_names.clone(), span: Some(play.span.clone()) });
            let mut magic = Vars::new();
            magic.insert("playbook_dir".into(), book.dir.display().to_string().into());
            magic.insert("groups".into(), self.groups());
            magic.insert("ansible_play_hosts_all".into(), Json::from(host_names.clone()));
            magic.insert("ansible_play_hosts".into(), Json::from(batch_names.clone()));
            magic.insert("play_hosts".into(), Json::from(batch_names.clone()));
            magic.insert("ansible_play_batch".into(), Json::from(batch_names.clone()));
            magic.insert("ansible_play_name".into(), play.name.clone().into());
            magic.insert("ansible_search_path".into(), Json::from(vec![play.dir.display().to_string()]));
            magic.insert("ansible_diff_mode".into(), self.options.diff.into());
            let magic = Layer::json(magic);
            *self.shared.play.write().unwrap_or_else(|p| p.into_inner()) = PlayLayers::new(play, vec![prompted.clone()], magic.clone());
            let mut files = self.vars_files(play, batch[0])?;
            files.push(prompted.clone());
            *self.shared.play.write().unwrap_or_else(|p| p.into_inner()) = PlayLayers::new(play, files, magic);
            if play.gather_facts {
                self.gather(play, &batch).await;
            }
            *self.handlers.write().unwrap_or_else(|p| p.into_inner()) = play.handlers.clone();
            let mut hosts = self.alive(&batch);
            for section in [&play.pre_tasks, &play.roles, &play.tasks, &play.post_tasks] {
                if section.is_empty() && !std::ptr::eq(section, &play.tasks) {
                    continue;
                }
                let section_hosts = hosts.clone();
                let flushes =
                    std::ptr::eq(section, &play.pre_tasks) || std::ptr::eq(section, &play.tasks) || std::ptr::eq(section, &play.post_tasks);
                let failed = if play.free {
                    // strategy free: each host through the section at its own pace, then
                    // its own handlers.
                    let runs = section_hosts.iter().map(|&h| async move {
                        let failed = self.items(section, &[h], play, false).await;
                        if flushes {
                            self.flush(play, &vec![h]).await;
                        }
                        failed
                    });
                    futures::future::join_all(runs).await.into_iter().flatten().collect()
                } else {
                    self.items(section, &section_hosts, play, false).await
                };
                hosts.retain(|h| !failed.contains(h));
                if flushes && !play.free {
                    self.flush(play, &batch).await;
                }
                hosts = self.alive(&hosts);
                let stop = hosts.is_empty() || (play.any_errors_fatal && hosts.len() < section_hosts.len());
                if stop && !flushes && (play.force_handlers || self.options.force_handlers) {
                    // --force-handlers: what was notified still runs when the play stops early.
                    self.flush(play, &batch).await;
                }
                if stop {
                    break;
                }
            }
            let alive = self.alive(&batch).len();
            if let Some(max) = play.max_fail_percentage
                && ((batch.len() - alive) as f64) * 100.0 / (batch.len() as f64) > max
            {
                self.ended.store(true, Ordering::Relaxed);
            }
            if alive == 0 {
                self.ended.store(true, Ordering::Relaxed);
            }
            if self.ended.load(Ordering::Relaxed) {
                break;
            }
        }
        Ok(())
    }

    /// The play's hosts in its `order:`.
    fn ordered(&self, play: &Play, mut hosts: Hosts) -> Hosts {
        match play.order.as_deref() {
            Some("reverse_inventory") => hosts.reverse(),
            Some("sorted") => hosts.sort_by_cached_key(|h| self.host_name(*h)),
            Some("reverse_sorted") => {
                hosts.sort_by_cached_key(|h| self.host_name(*h));
                hosts.reverse();
            }
            Some("shuffle") => {
                for i in (1..hosts.len()).rev() {
                    let j = (rand::random::<u64>() % (i as u64 + 1)) as usize;
                    hosts.swap(i, j);
                }
            }
            _ => {}
        }
        hosts
    }

    /// Asks `question` through the prompter, one question at a time; `None` when nobody can
    /// answer.
    async fn ask(&self, question: String, private: bool) -> Option<String> {
        let prompter = self.options.prompter.clone()?;
        let _one = self.asking.lock().await;
        tokio::task::spawn_blocking(move || prompter.0.ask(&question, private)).await.ok().flatten()
    }

    /// `vars_prompt`: each variable from `-e`, the terminal, or its default.
    async fn prompts(&self, play: &Play) -> Result<Vars, PlayError> {
        let mut out = Vars::new();
        for p in &play.prompts {
            if self.options.extra_vars.contains_key(&p.name) {
                continue;
            }
            let default_text = p.default.as_ref().map(|d| om_template::jinja::python_str(&om_template::jinja::from_json(d)));
            let question = match &default_text {
                Some(d) => format!("{} [{d}]: ", p.prompt),
                None => format!("{}: ", p.prompt),
            };
            let mut value = None;
            for _ in 0..3 {
                let Some(answer) = self.ask(question.clone(), p.private).await else {
                    self.emit(Event::Warning { message: "Not prompting as we are not in interactive mode".into(), host: None });
                    break;
                };
                if p.confirm {
                    let Some(again) = self.ask(format!("confirm {}: ", p.prompt), p.private).await else { break };
                    if again != answer {
                        self.emit(Event::Warning { message: "***** VALUES ENTERED DO NOT MATCH ****".into(), host: None });
                        continue;
                    }
                }
                value = Some(if answer.is_empty() { p.default.clone().unwrap_or(Json::String(answer)) } else { Json::String(answer) });
                break;
            }
            let value = match value.or_else(|| p.default.clone()) {
                Some(v) => v,
                None => {
                    return Err(PlayError::Syntax {
                        span: p.span.clone(),
                        message: format!("`vars_prompt` has no value for `{}`: no terminal to ask and no `default`", p.name),
                        hint: Some(format!("give it with `-e {}=…`, add `default:`, or run om from a terminal", p.name)),
                    });
                }
            };
            let value = match &p.encrypt {
                Some(scheme) => {
                    let salt = p.salt.as_ref().map(|s| format!(", salt={}", Json::String(s.clone()))).unwrap_or_default();
                    let expr = format!("{{{{ __om_answer | password_hash({}{salt}) }}}}", Json::String(scheme.clone()));
                    let scope = om_template::jinja::Scope::new(
                        &self.shared.jinja,
                        vec![Layer::json([("__om_answer".to_string(), value)].into_iter().collect())],
                    );
                    self.shared
                        .jinja
                        .template(&Json::String(expr), &scope)
                        .map_err(|source| PlayError::Template { span: p.span.clone(), source })?
                }
                None => value,
            };
            out.insert(p.name.clone(), value);
        }
        Ok(out)
    }

    /// `--step`: whether to run `task` ((N)o/(y)es/(c)ontinue, as ansible-playbook asks).
    async fn take_step(&self, task: &Task) -> bool {
        if !self.stepping.load(Ordering::Relaxed) {
            return true;
        }
        let answer = self.ask(format!("Perform task: TASK: {} (N)o/(y)es/(c)ontinue: ", task.display_name()), false).await;
        match answer.as_deref().map(|a| a.trim().to_ascii_lowercase()).as_deref() {
            Some("y" | "yes") => true,
            Some("c" | "continue") => {
                self.stepping.store(false, Ordering::Relaxed);
                true
            }
            _ => false,
        }
    }

    /// The `throttle:` slots of `task`, when it has a throttle below the host count.
    fn throttle(&self, task: &Arc<Task>, first: usize) -> Option<Arc<Semaphore>> {
        let value = task.throttle.as_ref()?;
        let scope = self.shared.scope(first, Some(task), Vec::new());
        let n = match self.shared.jinja.template(value, &scope).ok()? {
            Json::Number(n) => n.as_u64()?,
            Json::String(s) => s.trim().parse().ok()?,
            _ => return None,
        };
        if n == 0 {
            return None;
        }
        let mut map = self.throttles.lock().unwrap_or_else(|p| p.into_inner());
        Some(Arc::clone(map.entry((Arc::as_ptr(task) as usize, n)).or_insert_with(|| Arc::new(Semaphore::new(n as usize)))))
    }

    /// `groups`: the inventory's groups and those `group_by` made.
    fn groups(&self) -> Json {
        let mut groups = serde_json::to_value(self.inventory.groups_dict()).unwrap_or_default();
        if let Json::Object(map) = &mut groups {
            for (name, hosts) in self.dynamic_groups.lock().unwrap_or_else(|p| p.into_inner()).iter() {
                let entry = map.entry(name.clone()).or_insert_with(|| Json::Array(Vec::new()));
                if let Json::Array(list) = entry {
                    let mut at = 0;
                    for h in hosts {
                        if !list.iter().any(|x| x.as_str() == Some(h)) {
                            if name == "all" {
                                // Added hosts sit in `all` itself, before its children's.
                                list.insert(at, Json::String(h.clone()));
                                at += 1;
                            } else {
                                list.push(Json::String(h.clone()));
                            }
                        }
                    }
                }
            }
        }
        groups
    }

    /// `add_host`: a new host (or more groups and vars for a known one), which later plays'
    /// patterns, `groups` and `hostvars` see; whether anything changed.
    pub(crate) fn add_host(&self, name: &str, groups: &[String], vars: Vars) -> Result<bool, String> {
        let mut changed = false;
        match self.shared.lookup(name) {
            Some(i) => {
                let mut st = self.shared.hosts[i].lock().unwrap_or_else(|p| p.into_inner());
                let mut host = (*st.host).clone();
                for g in groups {
                    if !host.groups.contains(g) {
                        host.groups.push(g.clone());
                    }
                }
                host.vars.extend(vars);
                st.base = base_layer(&host);
                st.host = Arc::new(host);
            }
            None => {
                // As ansible-core: the groups' variables under the host's own.
                let mut host = Host::new(name);
                let mut merged = self.inventory.group_vars("all").unwrap_or_default();
                for g in groups {
                    merged.extend(self.inventory.group_vars(g).unwrap_or_default());
                }
                merged.extend(vars);
                host.vars = merged;
                host.groups = std::iter::once("all".to_string())
                    .chain(if groups.is_empty() { vec!["ungrouped".to_string()] } else { groups.to_vec() })
                    .collect();
                let i = self
                    .shared
                    .hosts
                    .push(host_state(Arc::new(host)))
                    .ok_or_else(|| format!("add_host: more than {} hosts added in one run", HostSlots::SPARE))?;
                self.shared.index.write().unwrap_or_else(|p| p.into_inner()).insert(name.to_string(), i);
                self.added.lock().unwrap_or_else(|p| p.into_inner()).push(name.to_string());
                changed = true;
            }
        }
        for g in std::iter::once("all").chain(groups.iter().map(String::as_str)) {
            changed |= self.add_to_group(g, name) && g != "all";
        }
        Ok(changed)
    }

    /// `group_by`: puts `host` in `group`.
    pub(crate) fn add_to_group(&self, group: &str, host: &str) -> bool {
        let joined = self.join_group(group, host);
        if joined && let Some(i) = self.shared.lookup(host) {
            // `group_names` follows, as in ansible-core.
            let mut st = self.shared.hosts[i].lock().unwrap_or_else(|p| p.into_inner());
            if !st.host.groups.iter().any(|g| g == group) {
                let mut h = (*st.host).clone();
                h.groups.push(group.to_string());
                st.base = base_layer(&h);
                st.host = Arc::new(h);
            }
        }
        if joined {
            let groups = Layer::json([("groups".to_string(), self.groups())].into_iter().collect());
            self.shared.play.write().unwrap_or_else(|p| p.into_inner()).groups = Some(groups);
        }
        joined
    }

    fn join_group(&self, group: &str, host: &str) -> bool {
        let mut dynamic = self.dynamic_groups.lock().unwrap_or_else(|p| p.into_inner());
        let pos = match dynamic.iter().position(|(g, _)| g == group) {
            Some(p) => p,
            None => {
                dynamic.push((group.to_string(), Vec::new()));
                dynamic.len() - 1
            }
        };
        let hosts = &mut dynamic[pos].1;
        if hosts.iter().any(|h| h == host) {
            return false;
        }
        hosts.push(host.to_string());
        true
    }

    fn host_name(&self, i: usize) -> String {
        self.shared.hosts[i].lock().unwrap_or_else(|p| p.into_inner()).host.name.clone()
    }

    /// The hosts of `hosts` that have not left the run.
    pub(crate) fn alive(&self, hosts: &[usize]) -> Hosts {
        hosts
            .iter()
            .copied()
            .filter(|i| {
                let st = self.shared.hosts[*i].lock().unwrap_or_else(|p| p.into_inner());
                !st.failed && !st.unreachable
            })
            .collect()
    }

    /// `vars_files`, each path templated at the play level for the first host; the first file
    /// of a list that exists is read.
    fn vars_files(&self, play: &Play, first: usize) -> Result<Vec<Layer>, PlayError> {
        let mut layers = Vec::new();
        for (value, span) in &play.vars_files {
            let scope = self.shared.scope(first, None, Vec::new());
            let candidates: Vec<Json> = match value {
                Json::Array(items) => items.clone(),
                other => vec![other.clone()],
            };
            let mut loaded = false;
            for candidate in &candidates {
                let path =
                    self.shared.jinja.template(candidate, &scope).map_err(|source| PlayError::Template { span: span.clone(), source })?;
                let path = om_template::jinja::python_str(&om_template::jinja::from_json(&path));
                let full = play.dir.join(&path);
                if !full.is_file() {
                    continue;
                }
                let node = crate::load::read_yaml(&full, &self.options.vault)?;
                let vars = node.to_json().as_object().cloned().unwrap_or_default();
                layers.push(Layer::json(vars));
                loaded = true;
                break;
            }
            // ansible-core 2.19 goes on without a missing file (its variables stay undefined);
            // om says so.
            if !loaded {
                let names: Vec<String> =
                    candidates.iter().map(|c| format!("`{}`", c.as_str().map(str::to_string).unwrap_or_else(|| c.to_string()))).collect();
                let what = match names.as_slice() {
                    [one] => format!("vars file {one} was not found"),
                    many => format!("none of the vars files {} was found", many.join(", ")),
                };
                self.emit(Event::Warning { message: format!("{span}: {what}; its variables stay undefined"), host: None });
            }
        }
        Ok(layers)
    }

    async fn gather(self: &Arc<Self>, play: &Play, hosts: &Hosts) {
        if !self.tag_selected(&["always".to_string()]) {
            return;
        }
        let mut args = Vars::new();
        if let Some(subset) = &play.gather_subset {
            args.insert("gather_subset".into(), subset.clone());
        }
        let task = Arc::new(Task {
            name: Some("Gathering Facts".into()),
            module: "setup".into(),
            args,
            span: play.span.clone(),
            when: Vec::new(),
            changed_when: None,
            failed_when: None,
            until: None,
            retries: None,
            delay: None,
            register: None,
            notify: Vec::new(),
            listen: Vec::new(),
            ignore_errors: None,
            ignore_unreachable: false,
            looping: None,
            loop_control: Default::default(),
            tags: vec!["always".into()],
            vars: Vec::new(),
            escalate: None,
            become_user: None,
            become_method: None,
            delegate_to: None,
            run_once: false,
            no_log: false,
            check_mode: Some(Json::Bool(false)),
            diff: None,
            environment: Vec::new(),
            throttle: None,
            async_limit: None,
            poll: None,
            role: None,
        });
        self.task(&task, hosts, play, false, false).await;
    }

    /// Runs items on `hosts`; returns the hosts that failed (and were not rescued).
    pub(crate) fn items<'a>(
        self: &'a Arc<Self>,
        items: &'a [Item],
        hosts: &'a [usize],
        play: &'a Play,
        rescuable: bool,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Hosts> + Send + 'a>> {
        Box::pin(async move {
            let mut active: Hosts = self.alive(hosts);
            let mut failed: Hosts = Vec::new();
            for item in items {
                if active.is_empty() || self.ended.load(Ordering::Relaxed) {
                    break;
                }
                let newly = match item {
                    Item::Task(task) => {
                        if task.module == "meta" {
                            self.meta(task, &active, play).await;
                            Vec::new()
                        } else {
                            self.task(task, &active, play, false, rescuable).await
                        }
                    }
                    Item::Include(include) => self.include(include, &active, play, rescuable).await,
                    Item::Block(block) => {
                        let has_rescue = !block.rescue.is_empty();
                        let block_failed = self.items(&block.block, &active, play, rescuable || has_rescue).await;
                        let mut still_failed = block_failed.clone();
                        if has_rescue && !block_failed.is_empty() {
                            for h in &block_failed {
                                self.shared.hosts[*h].lock().unwrap_or_else(|p| p.into_inner()).failed = false;
                            }
                            still_failed = self.items(&block.rescue, &block_failed, play, rescuable).await;
                        }
                        let always_hosts: Hosts =
                            active.iter().copied().filter(|h| !still_failed.contains(h)).chain(still_failed.iter().copied()).collect();
                        let mut marked = Vec::new();
                        for h in &still_failed {
                            let mut st = self.shared.hosts[*h].lock().unwrap_or_else(|p| p.into_inner());
                            if st.failed && !st.unreachable {
                                st.failed = false;
                                marked.push(*h);
                            }
                        }
                        let always_failed = if block.always.is_empty() {
                            Vec::new()
                        } else {
                            self.items(&block.always, &always_hosts, play, rescuable).await
                        };
                        for h in marked {
                            self.shared.hosts[h].lock().unwrap_or_else(|p| p.into_inner()).failed = true;
                        }
                        let mut out = still_failed;
                        out.extend(always_failed.into_iter().filter(|h| !out_contains(&failed, *h)));
                        out
                    }
                };
                for h in newly {
                    if !failed.contains(&h) {
                        failed.push(h);
                    }
                }
                active.retain(|h| !failed.contains(h));
                active = self.alive(&active);
            }
            failed
        })
    }

    /// Whether a task with `tags` runs under `--tags`/`--skip-tags`.
    pub(crate) fn tag_selected(&self, tags: &[String]) -> bool {
        tag_selected(tags, &self.options.tags, &self.options.skip_tags)
    }

    async fn meta(self: &Arc<Self>, task: &Arc<Task>, hosts: &Hosts, play: &Play) {
        if !self.tag_selected(&task.tags) {
            return;
        }
        let what = task.args.get("_raw_params").and_then(Json::as_str).unwrap_or("");
        // ansible-core prints the banner of a meta task, and no result.
        let index = self.task_index.fetch_add(1, Ordering::Relaxed);
        self.emit(Event::TaskStarted {
            task: index,
            name: task.display_name(),
            module: "meta".into(),
            hosts: hosts.len(),
            span: Some(task.span.clone()),
        });
        self.emit(Event::TaskFinished { task: index });
        match what {
            "flush_handlers" => self.flush(play, hosts).await,
            "end_play" => {
                for h in hosts {
                    self.shared.hosts[*h].lock().unwrap_or_else(|p| p.into_inner()).unreachable = false;
                }
            }
            "clear_facts" => {
                for h in hosts {
                    let mut st = self.shared.hosts[*h].lock().unwrap_or_else(|p| p.into_inner());
                    st.facts = None;
                    st.facts_map.clear();
                }
            }
            _ => {}
        }
    }

    /// Runs the notified handlers, in handler order, on the hosts that notified them.
    async fn flush(self: &Arc<Self>, play: &Play, hosts: &Hosts) {
        let handlers = self.handlers.read().unwrap_or_else(|p| p.into_inner()).clone();
        for (index, handler) in handlers.iter().enumerate() {
            let targets: Hosts = hosts
                .iter()
                .copied()
                .filter(|h| {
                    let st = self.shared.hosts[*h].lock().unwrap_or_else(|p| p.into_inner());
                    st.notified.contains(&index) && !st.unreachable && (!st.failed || play.force_handlers || self.options.force_handlers)
                })
                .collect();
            if targets.is_empty() {
                continue;
            }
            for h in &targets {
                self.shared.hosts[*h].lock().unwrap_or_else(|p| p.into_inner()).notified.retain(|n| *n != index);
            }
            self.task(handler, &targets, play, true, false).await;
        }
        for h in hosts {
            let mut st = self.shared.hosts[*h].lock().unwrap_or_else(|p| p.into_inner());
            if st.failed || st.unreachable {
                continue;
            }
            st.notified.clear();
        }
    }

    /// Runs one task on `hosts` at once (at most `forks` in flight); returns the hosts that
    /// failed it.
    pub(crate) async fn task(self: &Arc<Self>, task: &Arc<Task>, hosts: &Hosts, play: &Play, handler: bool, rescuable: bool) -> Hosts {
        match self.task_results(task, hosts, play, handler, rescuable).await {
            Some(done) => {
                self.emit(Event::TaskFinished { task: done.index });
                done.failed
            }
            None => Vec::new(),
        }
    }

    /// `include_tasks`/`include_role` (PLAY-30): the include runs on `hosts` (its `when`,
    /// `loop`, `vars` per host); each file or role it names, with its loop variables, is
    /// loaded once (files cached by path) and announced (`included: FILE for h1, h2`); then
    /// each one's tasks run, in order, on the hosts that included it. Returns the hosts
    /// that failed.
    async fn include(self: &Arc<Self>, include: &Arc<Include>, hosts: &Hosts, play: &Play, rescuable: bool) -> Hosts {
        let Some(done) = self.task_results(&include.task, hosts, play, false, rescuable).await else { return Vec::new() };
        let role = include.task.module == "include_role";
        let mut failed = done.failed;
        // As ansible-core: an include's result is not counted; each file it loaded counts
        // as `ok` for each host that included it (a file that cannot be loaded, as failed).
        for (h, outcome) in &done.results {
            if outcome.status == Status::Ok && !outcome.ignored {
                self.count(&self.host_name(*h), |c| c.ok = c.ok.saturating_sub(1));
            }
        }
        // ansible-core's IncludedFile: one per (file, loop variables), with its hosts in order.
        let mut files: Vec<Included> = Vec::new();
        for (h, outcome) in &done.results {
            for r in &outcome.includes {
                let name = r.get("include").and_then(Json::as_str).unwrap_or_default();
                let target =
                    if role { name.to_string() } else { crate::load::resolve_tasks_file(&include.dir, name).display().to_string() };
                let mut special = Vars::new();
                for (kind, var) in [("ansible_loop_var", "item"), ("ansible_index_var", "")] {
                    if let Some(name) = r.get(kind).and_then(Json::as_str).or((!var.is_empty()).then_some(var))
                        && let Some(value) = r.get(name)
                    {
                        special.insert(name.to_string(), value.clone());
                        special.insert(kind.to_string(), name.into());
                    }
                }
                let label = r.get("_ansible_item_label").cloned();
                let tasks_from = r
                    .get("include_args")
                    .and_then(|a| a.get("tasks_from"))
                    .map(|t| om_template::jinja::python_str(&om_template::jinja::from_json(t)))
                    .unwrap_or_else(|| "main".into());
                match files.iter_mut().find(|f| f.target == target && f.vars == special && f.tasks_from == tasks_from) {
                    Some(f) => f.hosts.push(*h),
                    None => files.push(Included { name: name.to_string(), target, vars: special, label, tasks_from, hosts: vec![*h] }),
                }
            }
        }
        let mut loaded = Vec::new();
        for file in files {
            match self.load_included(include, &file) {
                Ok(items) => {
                    for &h in &file.hosts {
                        self.count(&self.host_name(h), |c| c.ok += 1);
                        let mut r = Vars::new();
                        r.insert("changed".into(), false.into());
                        r.insert("include".into(), file.target.clone().into());
                        r.insert("_ansible_include".into(), true.into());
                        r.insert("_ansible_included".into(), true.into());
                        if let Some(label) = &file.label {
                            r.insert("_ansible_item_label".into(), label.clone());
                        }
                        r.extend(file.vars.clone());
                        self.emit(Event::HostResult { host: self.host_name(h), task: done.index, outcome: Outcome::new(Status::Ok, r) });
                    }
                    loaded.push((items, file.hosts));
                }
                Err(IncludeError::Parse(err)) => {
                    // As ansible-core: a file that does not parse stops the playbook.
                    self.abort(err);
                    break;
                }
                Err(IncludeError::Host(reason)) => {
                    for &h in &file.hosts {
                        let name = self.host_name(h);
                        let mut r = Vars::new();
                        r.insert("changed".into(), false.into());
                        r.insert("failed".into(), true.into());
                        r.insert("include".into(), file.name.clone().into());
                        r.insert("msg".into(), reason.clone().into());
                        r.insert("reason".into(), reason.clone().into());
                        self.emit(Event::HostResult { host: name.clone(), task: done.index, outcome: Outcome::new(Status::Failed, r) });
                        if rescuable {
                            self.count(&name, |c| c.rescued += 1);
                        } else {
                            self.count(&name, |c| c.failed += 1);
                        }
                        self.shared.hosts[h].lock().unwrap_or_else(|p| p.into_inner()).failed = true;
                        if !failed.contains(&h) {
                            failed.push(h);
                        }
                    }
                }
            }
        }
        self.emit(Event::TaskFinished { task: done.index });
        if play.any_errors_fatal && !failed.is_empty() && !rescuable {
            self.ended.store(true, Ordering::Relaxed);
        }
        for (items, file_hosts) in loaded {
            let alive: Hosts = self.alive(&file_hosts).into_iter().filter(|h| !failed.contains(h)).collect();
            if alive.is_empty() || self.ended.load(Ordering::Relaxed) {
                continue;
            }
            for h in self.items(&items, &alive, play, rescuable).await {
                if !failed.contains(&h) {
                    failed.push(h);
                }
            }
        }
        failed
    }

    /// The tasks of one included file or role; a missing file names the include and the
    /// path it resolved to.
    fn load_included(&self, include: &Include, file: &Included) -> Result<Vec<Item>, IncludeError> {
        let task = &include.task;
        let node = if task.module == "include_role" {
            None
        } else {
            let path = std::path::PathBuf::from(&file.target);
            let cached = self.include_cache.lock().unwrap_or_else(|p| p.into_inner()).get(&path).cloned();
            let node = match cached {
                Some(node) => node,
                None => {
                    if !path.is_file() {
                        return Err(IncludeError::Host(format!(
                            "{}: could not find or access '{}' on the controller (include_tasks `{}`)",
                            task.span,
                            path.display(),
                            file.name
                        )));
                    }
                    let node = crate::load::read_yaml(&path, &include.context.options.vault).map_err(|e| match e {
                        e @ PlayError::Yaml(_) => IncludeError::Parse(e),
                        other => IncludeError::Host(format!("{}: {other}", task.span)),
                    })?;
                    self.include_cache.lock().unwrap_or_else(|p| p.into_inner()).insert(path, node.clone());
                    node
                }
            };
            Some(node)
        };
        let mut handlers = Vec::new();
        let items = crate::load::included(
            &include.context,
            include,
            node.as_ref(),
            &file.target,
            &file.tasks_from,
            file.vars.clone(),
            &mut handlers,
        )
        .map_err(|e| match e {
            e @ (PlayError::Syntax { .. } | PlayError::Legacy { .. } | PlayError::Yaml(_)) => IncludeError::Parse(e),
            e @ PlayError::RoleNotFound { .. } => IncludeError::Host(e.to_string()),
            other => IncludeError::Host(format!("{}: {other}", task.span)),
        })?;
        let mut known = self.handlers.write().unwrap_or_else(|p| p.into_inner());
        for h in handlers {
            if !known.iter().any(|k| k.span == h.span && k.name == h.name) {
                known.push(h);
            }
        }
        Ok(items)
    }

    /// A task on `hosts`: its banner and results, the recap counted; `None` when tags,
    /// `--start-at-task` or `--step` leave it out. The caller ends it (`TaskFinished`).
    async fn task_results(
        self: &Arc<Self>,
        task: &Arc<Task>,
        hosts: &Hosts,
        play: &Play,
        handler: bool,
        rescuable: bool,
    ) -> Option<TaskDone> {
        if !handler && !self.tag_selected(&task.tags) {
            return None;
        }
        if !self.started.load(Ordering::Relaxed) {
            let wanted = self.options.start_at_task.as_deref().unwrap_or_default();
            if task.name.as_deref() == Some(wanted) || task.display_name() == wanted {
                self.started.store(true, Ordering::Relaxed);
            } else if task.module != "setup" || task.name.as_deref() != Some("Gathering Facts") {
                return None;
            }
        }
        if !self.take_step(task).await {
            return None;
        }
        if play.free && BYPASS_HOST_LOOP.contains(&task.module.as_str()) {
            // ansible-core's free strategy cannot run these once for the play: it stops
            // the playbook when a host gets there (whatever the task's `when`).
            let message = format!(
                "The '{}' module bypasses the host loop, which is currently not supported in the free strategy and would instead execute for every host in the inventory list.",
                task.module
            );
            self.abort(PlayError::Strategy { span: task.span.clone(), message });
            return None;
        }
        let index = self.task_index.fetch_add(1, Ordering::Relaxed);
        if play.free && task.run_once && !self.warned_free_run_once.swap(true, Ordering::Relaxed) {
            // ansible-core's free strategy ignores run_once, and says so once.
            self.emit(Event::Warning {
                message: "Using run_once with the free strategy is not currently supported. This task will still be executed for every host in the inventory list.".into(),
                host: None,
            });
        }
        // add_host and pause bypass the host loop: they run once, on the first host.
        let hosts: Hosts = if task.run_once || BYPASS_HOST_LOOP.contains(&task.module.as_str()) {
            hosts.iter().copied().take(1).collect()
        } else {
            hosts.clone()
        };
        let (name, module, span) = (task.display_name(), task.module.clone(), Some(task.span.clone()));
        if handler {
            self.emit(Event::HandlerStarted { task: index, name, module, hosts: hosts.len(), span });
        } else {
            self.emit(Event::TaskStarted { task: index, name, module, hosts: hosts.len(), span });
        }
        let mut running = tokio::task::JoinSet::new();
        let throttle = hosts.first().and_then(|h| self.throttle(task, *h));
        for &h in &hosts {
            let runner = Arc::clone(self);
            let task = Arc::clone(task);
            let forks = Arc::clone(&self.forks);
            let play_dir = play.dir.clone();
            // throttle: hosts take the task's slots in order.
            let slot = match &throttle {
                Some(t) => Arc::clone(t).acquire_owned().await.ok(),
                None => None,
            };
            running.spawn(async move {
                let _slot = slot;
                let _permit = forks.acquire_owned().await;
                let outcome = HostRun { runner: &runner, task: &task, host: h, index, play_dir }.run().await;
                (h, outcome)
            });
        }
        let mut results: Vec<(usize, TaskOutcome)> = Vec::new();
        while let Some(joined) = running.join_next().await {
            if let Ok(r) = joined {
                results.push(r);
            }
        }
        results.sort_by_key(|(h, _)| hosts.iter().position(|x| x == h));
        let mut failed = Vec::new();
        let handlers = self.handlers.read().unwrap_or_else(|p| p.into_inner()).clone();
        for (h, out) in &results {
            let (h, out) = (*h, out);
            let name = self.host_name(h);
            match out.status {
                Status::Failed if out.ignored => self.count(&name, |c| {
                    c.ok += 1;
                    c.ignored += 1;
                    c.changed += u32::from(out.changed);
                }),
                Status::Failed if rescuable => self.count(&name, |c| c.rescued += 1),
                Status::Unreachable if out.ignored => self.count(&name, |c| c.ok += 1),
                status => {
                    let mut recap = self.recap.lock().unwrap_or_else(|p| p.into_inner());
                    recap.record(&name, status);
                }
            }
            let mut st = self.shared.hosts[h].lock().unwrap_or_else(|p| p.into_inner());
            if out.changed && !task.notify.is_empty() {
                for n in &task.notify {
                    for (i, hd) in handlers.iter().enumerate() {
                        let matches = hd.name.as_deref() == Some(n.as_str())
                            || hd.role.as_ref().zip(hd.name.as_ref()).is_some_and(|(r, hn)| format!("{} : {hn}", r.name) == *n)
                            || hd.listen.iter().any(|l| l == n);
                        if matches && !st.notified.contains(&i) {
                            st.notified.push(i);
                        }
                    }
                }
            }
            if !out.ignored {
                match out.status {
                    Status::Failed => {
                        st.failed = true;
                        failed.push(h);
                    }
                    Status::Unreachable => {
                        st.unreachable = true;
                        failed.push(h);
                    }
                    _ => {}
                }
            }
        }
        if task.run_once && !play.free {
            // run_once: every host of the batch sees the registered result.
            if let (Some(reg), Some(first)) = (&task.register, hosts.first()) {
                let value = self.shared.hosts[*first].lock().unwrap_or_else(|p| p.into_inner()).registered.get(reg).cloned();
                if let Some(value) = value {
                    for h in self.alive(&(0..self.shared.hosts.len()).collect::<Vec<_>>()) {
                        let mut st = self.shared.hosts[h].lock().unwrap_or_else(|p| p.into_inner());
                        st.set([(reg.clone(), value.clone())].into_iter().collect());
                    }
                }
            }
        }
        if play.any_errors_fatal && !failed.is_empty() && !rescuable {
            self.ended.store(true, Ordering::Relaxed);
        }
        Some(TaskDone { index, failed, results })
    }
}

/// ansible-core's tag rules, with the special tags `always`, `never`, `tagged`,
/// `untagged` and `all` (PLAY-51).
pub(crate) fn tag_selected(tags: &[String], only: &[String], skip: &[String]) -> bool {
    let has = |t: &str| tags.iter().any(|x| x == t);
    let mut run = if has("always") {
        true
    } else if only.iter().any(|t| t == "all") {
        !has("never")
    } else if only.iter().any(|t| t == "tagged") && !tags.is_empty() {
        !has("never") || only.iter().any(|t| t == "never")
    } else if only.iter().any(|t| t == "untagged") && tags.is_empty() {
        true
    } else {
        tags.iter().any(|t| only.contains(t))
    };
    let skip_has = |t: &str| skip.iter().any(|x| x == t);
    let skipped = (skip_has("all") && (!has("always") || skip_has("always")))
        || (skip_has("tagged") && !tags.is_empty() && !has("always"))
        || (skip_has("untagged") && tags.is_empty())
        || tags.iter().any(|t| skip.contains(t));
    run &= !skipped;
    run
}

/// A host's state at the start: its inventory vars and magic variables.
fn host_state(h: Arc<Host>) -> HostState {
    let base = base_layer(&h);
    HostState::new(h, base)
}

/// A host's inventory vars with `inventory_hostname` and `group_names`.
fn base_layer(h: &Host) -> Layer {
    let mut base = h.vars.clone();
    base.insert("inventory_hostname".into(), h.name.clone().into());
    base.insert("inventory_hostname_short".into(), h.name.split('.').next().unwrap_or(&h.name).into());
    // Sorted, as ansible-core gives them.
    let mut names: Vec<String> = h.groups.iter().filter(|g| *g != "all" && *g != "ungrouped").cloned().collect();
    names.sort();
    base.insert("group_names".into(), Json::from(names));
    Layer::json(base)
}

fn out_contains(list: &[usize], h: usize) -> bool {
    list.contains(&h)
}

/// `serial`: a number, a percentage or a list of them; the last size repeats.
fn batches(hosts: &[usize], serial: Option<&Json>) -> Vec<Vec<usize>> {
    let Some(serial) = serial else { return vec![hosts.to_vec()] };
    let sizes: Vec<Json> = match serial {
        Json::Array(items) => items.clone(),
        other => vec![other.clone()],
    };
    let size_of = |v: &Json| -> usize {
        let n = match v {
            Json::Number(n) => n.as_f64().unwrap_or(0.0) as usize,
            Json::String(s) => match s.trim().strip_suffix('%') {
                Some(p) => ((p.trim().parse::<f64>().unwrap_or(100.0) / 100.0) * hosts.len() as f64) as usize,
                None => s.trim().parse().unwrap_or(0),
            },
            _ => 0,
        };
        if n == 0 { hosts.len().max(1) } else { n }
    };
    let mut out = Vec::new();
    let mut rest = hosts;
    let mut i = 0;
    while !rest.is_empty() {
        let size = size_of(&sizes[i.min(sizes.len() - 1)]).min(rest.len()).max(1);
        out.push(rest[..size].to_vec());
        rest = &rest[size..];
        i += 1;
    }
    out
}

/// Actions that run once for the play's hosts rather than once per host (ansible-core's
/// `BYPASS_HOST_LOOP`).
const BYPASS_HOST_LOOP: &[&str] = &["add_host", "pause"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_batches_repeat_the_last_size() {
        let hosts: Vec<usize> = (0..10).collect();
        let b = batches(&hosts, Some(&serde_json::json!([1, "30%", 5])));
        assert_eq!(b.iter().map(Vec::len).collect::<Vec<_>>(), vec![1, 3, 5, 1]);
        assert_eq!(batches(&hosts, None).len(), 1);
        assert_eq!(batches(&hosts, Some(&serde_json::json!(4))).iter().map(Vec::len).collect::<Vec<_>>(), vec![4, 4, 2]);
    }
}
