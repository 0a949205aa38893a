//! A loaded playbook: plays, blocks and tasks with every inherited keyword already applied,
//! each with the span where it was written.

use std::path::PathBuf;
use std::sync::Arc;

use om_core::{Span, Vars};
use serde_json::Value as Json;

/// A whole playbook, `import_playbook`s expanded.
#[derive(Debug, Clone)]
pub struct Playbook {
    pub path: PathBuf,
    pub dir: PathBuf,
    pub plays: Vec<Play>,
}

/// One play.
#[derive(Debug, Clone)]
pub struct Play {
    /// What the banner shows: the name, else the host pattern.
    pub name: String,
    pub hosts: Vec<String>,
    pub span: Span,
    pub dir: PathBuf,
    pub vars: Arc<Vars>,
    pub vars_files: Vec<(Json, Span)>,
    pub gather_facts: bool,
    pub gather_subset: Option<Json>,
    pub remote_user: Option<String>,
    pub serial: Option<Json>,
    pub any_errors_fatal: bool,
    pub max_fail_percentage: Option<f64>,
    pub force_handlers: bool,
    /// `strategy: free`: each host runs through the task list at its own pace.
    pub free: bool,
    /// `order:` — `inventory`, `reverse_inventory`, `sorted`, `reverse_sorted`, `shuffle`.
    pub order: Option<String>,
    /// `vars_prompt`: the questions asked before the play runs.
    pub prompts: Vec<Prompt>,
    pub pre_tasks: Vec<Item>,
    /// The roles' tasks, each role a block.
    pub roles: Vec<Item>,
    pub tasks: Vec<Item>,
    pub post_tasks: Vec<Item>,
    pub handlers: Vec<Arc<Task>>,
    /// Every role of the play (dependencies first), for defaults and vars.
    pub role_list: Vec<Arc<Role>>,
    pub tags: Vec<String>,
}

/// One `vars_prompt` entry.
#[derive(Debug, Clone)]
pub struct Prompt {
    pub name: String,
    /// The question; the variable's name when none is written.
    pub prompt: String,
    pub default: Option<Json>,
    pub private: bool,
    pub confirm: bool,
    /// `encrypt`: the answer hashed with `password_hash(encrypt, salt)`.
    pub encrypt: Option<String>,
    pub salt: Option<String>,
    pub span: Span,
}

/// A role as a play uses it.
#[derive(Debug, Clone)]
pub struct Role {
    pub name: String,
    pub path: PathBuf,
    pub defaults: Arc<Vars>,
    pub vars: Arc<Vars>,
    pub params: Arc<Vars>,
}

/// A task or a block.
#[derive(Debug, Clone)]
pub enum Item {
    Task(Arc<Task>),
    Block(Arc<Block>),
    /// `include_tasks`/`include_role`: loaded when a host reaches it.
    Include(Arc<Include>),
}

/// A dynamic include: the include task itself (its `when`, `loop`, `tags`, `vars`, which
/// template the file or role name per host), and what the included tasks inherit.
#[derive(Debug, Clone)]
pub struct Include {
    /// `include_tasks` (module `include_tasks`, `file` in its args) or `include_role`
    /// (`name`, `tasks_from` in its args).
    pub task: Arc<Task>,
    /// Where a relative tasks file is looked for.
    pub dir: PathBuf,
    /// The included tasks' keywords: the enclosing blocks', the include's `vars`, `apply`.
    pub(crate) inherit: crate::load::Inherit,
    /// The playbook directory and load options, for loading the file.
    pub(crate) context: Arc<crate::load::Context>,
}

#[derive(Debug, Clone)]
pub struct Block {
    pub name: Option<String>,
    pub span: Span,
    pub block: Vec<Item>,
    pub rescue: Vec<Item>,
    pub always: Vec<Item>,
}

/// An expression (`when`, `changed_when`…) and where it was written.
#[derive(Debug, Clone)]
pub struct Cond {
    pub expr: String,
    /// As written (`{{ … }}` kept): what a skipped result's `false_condition` shows.
    pub text: Json,
    pub span: Span,
}

/// A loop: `loop` or `with_<lookup>` and its (untemplated) value.
#[derive(Debug, Clone)]
pub struct Loop {
    /// `loop`, or the lookup of `with_<lookup>`.
    pub kind: String,
    pub value: Json,
    pub span: Span,
}

#[derive(Debug, Clone, Default)]
pub struct LoopControl {
    pub loop_var: Option<String>,
    pub index_var: Option<String>,
    pub label: Option<String>,
    pub pause: Option<f64>,
    pub extended: bool,
}

/// One task, with what it inherited from its blocks, role and play.
#[derive(Debug, Clone)]
pub struct Task {
    pub name: Option<String>,
    /// The canonical module (`copy`), or an om-play action (`debug`, `set_fact`…).
    pub module: String,
    pub args: Vars,
    pub span: Span,
    /// Every condition that must hold: the blocks' and role's first, then the task's.
    pub when: Vec<Cond>,
    pub changed_when: Option<Vec<Cond>>,
    pub failed_when: Option<Vec<Cond>>,
    pub until: Option<Cond>,
    pub retries: Option<Json>,
    pub delay: Option<Json>,
    pub register: Option<String>,
    pub notify: Vec<String>,
    pub listen: Vec<String>,
    pub ignore_errors: Option<Json>,
    pub ignore_unreachable: bool,
    pub looping: Option<Loop>,
    pub loop_control: LoopControl,
    pub tags: Vec<String>,
    /// Block vars then task vars, lowest first.
    pub vars: Vec<Arc<Vars>>,
    pub escalate: Option<Json>,
    pub become_user: Option<Json>,
    pub become_method: Option<String>,
    pub delegate_to: Option<Json>,
    pub run_once: bool,
    pub no_log: bool,
    pub check_mode: Option<Json>,
    pub diff: Option<Json>,
    /// `environment:` of the play, role, blocks and task, outermost first (inner wins).
    pub environment: Vec<Json>,
    /// `throttle:` — at most this many hosts run the task at once.
    pub throttle: Option<Json>,
    /// `async:` seconds and `poll:` interval.
    pub async_limit: Option<Json>,
    pub poll: Option<Json>,
    pub role: Option<Arc<Role>>,
}

impl Task {
    /// The name as banners show it: `role : name`, the name, or the action.
    pub fn display_name(&self) -> String {
        let base = self.name.clone().unwrap_or_else(|| self.module.clone());
        match &self.role {
            Some(role) => format!("{} : {base}", role.name),
            None => base,
        }
    }
}

impl Item {
    /// Every task inside, depth first (for `--list-tasks`).
    pub fn tasks(&self) -> Vec<Arc<Task>> {
        match self {
            Item::Task(t) => vec![Arc::clone(t)],
            Item::Block(b) => b.block.iter().chain(&b.rescue).chain(&b.always).flat_map(Item::tasks).collect(),
            Item::Include(i) => vec![Arc::clone(&i.task)],
        }
    }
}
