//! Playbook and role loading: YAML (with spans) into [`Playbook`], with imports expanded,
//! roles resolved, inherited keywords applied, handlers checked and the Ansible 1.x
//! constructs of PLAY-70 rejected with their modern form.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use om_core::{Span, Vars};
use om_template::vault::VaultSecret;
use om_template::yaml::{self, Node, Value as YValue};
use serde_json::Value as Json;

use crate::PlayError;
use crate::actions;
use crate::model::{Block, Cond, Include, Item, Loop, LoopControl, Play, Playbook, Prompt, Role, Task};

/// How playbooks are found and read.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `roles_path` (ansible.cfg, `ANSIBLE_ROLES_PATH`), searched after `roles/` beside the playbook.
    pub roles_path: Vec<PathBuf>,
    /// Secrets for vault-encrypted files.
    pub vault: Vec<VaultSecret>,
}

/// Reads a playbook and everything it imports.
pub fn load(path: &Path, options: &LoadOptions) -> Result<Playbook, PlayError> {
    let path = absolute(path);
    let root = read_yaml(&path, &options.vault)?;
    parse(root, &path, options)
}

/// `os.path.abspath`: absolute, with `.` and `..` resolved lexically (as ansible-core shows
/// paths in `included:` lines and error origins).
fn absolute(path: &Path) -> PathBuf {
    use std::path::Component;
    let full = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for part in full.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// A playbook from text, as if read from `path` (imports and roles are found beside it).
pub fn load_str(text: &str, path: &Path, options: &LoadOptions) -> Result<Playbook, PlayError> {
    let root = yaml::load(text, &path.display().to_string())?;
    parse(root, path, options)
}

fn parse(root: Node, path: &Path, options: &LoadOptions) -> Result<Playbook, PlayError> {
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let context = Arc::new(Context { root: dir.clone(), options: options.clone() });
    let loader = Loader { dir: dir.clone(), options, context };
    let mut plays = Vec::new();
    loader.plays(root, path, &mut plays, &Inherit::default())?;
    Ok(Playbook { path: path.to_path_buf(), dir, plays })
}

const PLAY_KEYS: &[&str] = &[
    "hosts",
    "name",
    "vars",
    "vars_files",
    "vars_prompt",
    "gather_facts",
    "gather_subset",
    "gather_timeout",
    "fact_path",
    "remote_user",
    "user",
    "become",
    "become_user",
    "become_method",
    "become_flags",
    "pre_tasks",
    "roles",
    "tasks",
    "post_tasks",
    "handlers",
    "tags",
    "serial",
    "strategy",
    "any_errors_fatal",
    "max_fail_percentage",
    "force_handlers",
    "ignore_errors",
    "ignore_unreachable",
    "environment",
    "connection",
    "port",
    "check_mode",
    "diff",
    "no_log",
    "order",
    "module_defaults",
    "collections",
    "throttle",
    "timeout",
    "run_once",
    "debugger",
];

const TASK_KEYS: &[&str] = &[
    "name",
    "args",
    "vars",
    "notify",
    "register",
    "when",
    "changed_when",
    "failed_when",
    "ignore_errors",
    "ignore_unreachable",
    "loop",
    "loop_control",
    "tags",
    "delegate_to",
    "delegate_facts",
    "run_once",
    "until",
    "retries",
    "delay",
    "async",
    "poll",
    "become",
    "become_user",
    "become_method",
    "become_flags",
    "environment",
    "no_log",
    "timeout",
    "throttle",
    "check_mode",
    "diff",
    "listen",
    "any_errors_fatal",
    "collections",
    "module_defaults",
    "debugger",
    "remote_user",
    "connection",
    "port",
];

const BLOCK_KEYS: &[&str] = &[
    "block",
    "rescue",
    "always",
    "name",
    "when",
    "tags",
    "vars",
    "become",
    "become_user",
    "become_method",
    "become_flags",
    "ignore_errors",
    "ignore_unreachable",
    "environment",
    "no_log",
    "delegate_to",
    "run_once",
    "check_mode",
    "diff",
    "any_errors_fatal",
    "collections",
    "module_defaults",
    "throttle",
    "timeout",
    "debugger",
    "remote_user",
    "connection",
    "port",
];

/// Keywords that blocks, roles and plays hand down to their tasks.
#[derive(Debug, Clone, Default)]
pub(crate) struct Inherit {
    when: Vec<Cond>,
    tags: Vec<String>,
    vars: Vec<Arc<Vars>>,
    escalate: Option<Json>,
    become_user: Option<Json>,
    become_method: Option<String>,
    ignore_errors: Option<Json>,
    ignore_unreachable: bool,
    no_log: bool,
    environment: Vec<Json>,
    throttle: Option<Json>,
    check_mode: Option<Json>,
    diff: Option<Json>,
    delegate_to: Option<Json>,
    run_once: bool,
    role: Option<Arc<Role>>,
}

/// What a play collects while its parts load.
#[derive(Default)]
struct PlayParts {
    handlers: Vec<Arc<Task>>,
    roles: Vec<Arc<Role>>,
    /// Roles already applied (name + params), for the run-once rule.
    applied: Vec<(String, Json)>,
}

struct Loader<'a> {
    dir: PathBuf,
    options: &'a LoadOptions,
    context: Arc<Context>,
}

/// What loading needs at run time (for dynamic includes): the playbook directory and the
/// load options.
#[derive(Debug, Clone)]
pub(crate) struct Context {
    pub root: PathBuf,
    pub options: LoadOptions,
}

fn inherit_role(inherit: &Inherit) -> bool {
    inherit.role.is_some()
}

fn map_entries(node: &Node) -> Vec<(&str, &Node)> {
    node.inner().as_map().map(|m| m.iter().filter_map(|(k, v)| k.as_str().map(|k| (k, v))).collect()).unwrap_or_default()
}

/// Where `key` itself was written in mapping `node`.
fn key_span(node: &Node, key: &str, fallback: &Span) -> Span {
    node.inner()
        .as_map()
        .and_then(|m| m.iter().find(|(k, _)| k.as_str() == Some(key)).map(|(k, _)| k.span.clone()))
        .unwrap_or_else(|| fallback.clone())
}

fn closest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates.map(|c| (strsim::damerau_levenshtein(word, c), c)).filter(|(d, _)| *d <= 2).min_by_key(|(d, _)| *d).map(|(_, c)| c)
}

/// A scalar as the text Ansible would see.
fn scalar_text(node: &Node) -> Option<String> {
    match &node.inner().value {
        YValue::String(s) | YValue::Timestamp(s) => Some(s.clone()),
        YValue::Bool(b) => Some(if *b { "True".into() } else { "False".into() }),
        YValue::Int(i) => Some(i.to_string()),
        YValue::Float(f) => Some(f.to_string()),
        YValue::Unsafe(inner) => scalar_text(inner),
        _ => None,
    }
}

fn string_list(node: &Node, what: &str) -> Result<Vec<String>, PlayError> {
    match &node.inner().value {
        YValue::Null => Ok(Vec::new()),
        YValue::Seq(items) => items
            .iter()
            .map(|i| {
                scalar_text(i).ok_or_else(|| PlayError::syntax(&i.span, format!("`{what}` items must be strings, not {}", i.type_name())))
            })
            .collect(),
        _ => scalar_text(node)
            .map(|s| vec![s])
            .ok_or_else(|| PlayError::syntax(&node.span, format!("`{what}` must be a string or a list, not {}", node.type_name()))),
    }
}

/// `vars_prompt`: a list of `{name, prompt, default, private, confirm}`.
fn prompts_of(node: &Node) -> Result<Vec<Prompt>, PlayError> {
    let mut out = Vec::new();
    for item in node.inner().as_seq().unwrap_or_default() {
        let name = item
            .get("name")
            .and_then(scalar_text)
            .ok_or_else(|| PlayError::hinted(&item.span, "a `vars_prompt` entry needs `name`", "write `- name: var_name`"))?;
        if let Some(n) = item.get("salt_size") {
            return Err(PlayError::hinted(
                &n.span,
                "`vars_prompt` option `salt_size` is not supported by om",
                "give a `salt`, or leave it out for a random one",
            ));
        }
        out.push(Prompt {
            prompt: item.get("prompt").and_then(scalar_text).unwrap_or_else(|| name.clone()),
            default: item.get("default").map(Node::to_json),
            private: item.get("private").and_then(boolish).unwrap_or(true),
            confirm: item.get("confirm").and_then(boolish).unwrap_or(false),
            encrypt: item.get("encrypt").and_then(scalar_text),
            salt: item.get("salt").and_then(scalar_text),
            span: item.span.clone(),
            name,
        });
    }
    Ok(out)
}

fn tags_of(node: &Node) -> Result<Vec<String>, PlayError> {
    Ok(string_list(node, "tags")?.iter().flat_map(|t| t.split(',').map(|s| s.trim().to_string())).filter(|s| !s.is_empty()).collect())
}

fn conds(node: &Node, what: &str) -> Result<Vec<Cond>, PlayError> {
    let items: Vec<&Node> = match &node.inner().value {
        YValue::Seq(items) => items.iter().collect(),
        _ => vec![node],
    };
    let mut out = Vec::new();
    for item in items {
        let expr = scalar_text(item).ok_or_else(|| {
            PlayError::syntax(&item.span, format!("`{what}` must be an expression or a list of them, not {}", item.type_name()))
        })?;
        legacy_filter_test(&expr, &item.span)?;
        let text = item.to_json();
        let expr = match expr.trim().strip_prefix("{{").and_then(|e| e.strip_suffix("}}")) {
            Some(inner) if !inner.contains("{{") => {
                tracing::warn!(span = %item.span, "conditional statements should not include jinja2 templating delimiters such as {{{{ }}}}");
                inner.trim().to_string()
            }
            _ => expr,
        };
        out.push(Cond { expr, text, span: item.span.clone() });
    }
    Ok(out)
}

/// PLAY-70: `result|failed` and friends became tests.
fn legacy_filter_test(expr: &str, span: &Span) -> Result<(), PlayError> {
    for test in ["failed", "success", "succeeded", "skipped", "changed"] {
        let bytes = expr.as_bytes();
        let mut from = 0;
        while let Some(pos) = expr[from..].find('|') {
            let at = from + pos;
            let rest = expr[at + 1..].trim_start();
            if let Some(after) = rest.strip_prefix(test)
                && !after.starts_with(|c: char| c.is_alphanumeric() || c == '_' || c == '(')
            {
                let var = expr[..at].trim_end().rsplit([' ', '(']).next().unwrap_or("result");
                return Err(PlayError::Legacy {
                    span: span.clone(),
                    construct: format!("{var}|{test}"),
                    modern: format!("use the test: `{var} is {test}`"),
                });
            }
            from = at + 1;
            if from >= bytes.len() {
                break;
            }
        }
    }
    Ok(())
}

/// PLAY-4: variable names must be Python identifiers.
fn check_var_names(vars: &Node) -> Result<(), PlayError> {
    const KEYWORDS: &[&str] = &[
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif", "else",
        "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise",
        "return", "try", "while", "with", "yield",
    ];
    if let Some(map) = vars.inner().as_map() {
        for (k, _) in map.iter() {
            let name = scalar_text(k).unwrap_or_default();
            let ok = name.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_alphanumeric() || c == '_')
                && !KEYWORDS.contains(&name.as_str());
            if !ok {
                return Err(PlayError::hinted(
                    &k.span,
                    format!("invalid variable name `{name}`"),
                    "variable names are letters, digits and `_`, not starting with a digit and not a Python keyword",
                ));
            }
        }
    }
    Ok(())
}

fn vars_of(node: &Node) -> Result<Vars, PlayError> {
    match &node.inner().value {
        YValue::Null => Ok(Vars::new()),
        YValue::Map(_) => {
            check_var_names(node)?;
            Ok(node.to_json().as_object().cloned().unwrap_or_default())
        }
        YValue::Seq(items) => {
            let mut out = Vars::new();
            for item in items {
                out.extend(vars_of(item)?);
            }
            Ok(out)
        }
        _ => Err(PlayError::syntax(&node.span, format!("`vars` must be a mapping, not {}", node.type_name()))),
    }
}

fn boolish(node: &Node) -> Option<bool> {
    match &node.inner().value {
        YValue::Bool(b) => Some(*b),
        YValue::Int(i) => Some(*i != 0),
        YValue::String(s) => om_exec::schema::parse_bool(s),
        _ => None,
    }
}

fn legacy_key(key: &str, span: &Span) -> Result<(), PlayError> {
    let modern = match key {
        "sudo" => "become: true",
        "sudo_user" => "become_user: <user>",
        "su" => "become: true with become_method: su",
        "su_user" => "become_user: <user> with become_method: su",
        "include" => "include_tasks: <file> (dynamic), import_tasks: <file> (static), or import_playbook: <file> at the top level",
        "with_flattened" => "loop: \"{{ <list> | flatten }}\"",
        _ => return Ok(()),
    };
    Err(PlayError::Legacy { span: span.clone(), construct: key.to_string(), modern: modern.to_string() })
}

/// Reads a YAML file, decrypting a vault-encrypted one.
pub(crate) fn read_yaml(path: &Path, vault: &[VaultSecret]) -> Result<Node, PlayError> {
    let text = std::fs::read_to_string(path).map_err(|source| PlayError::Read { path: path.to_path_buf(), source })?;
    let text = if om_template::vault::is_vault(&text) { om_template::vault::decrypt_str(&text, vault)? } else { text };
    Ok(yaml::load(&text, &path.display().to_string())?)
}

/// The first `main.yml`, `main.yaml` or `main` (or `<name>…`) in `dir`.
fn main_file(dir: &Path, name: &str) -> Option<PathBuf> {
    [format!("{name}.yml"), format!("{name}.yaml"), name.to_string(), format!("{name}.json")]
        .into_iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file())
}

impl Loader<'_> {
    fn playbook(&self, path: &Path, plays: &mut Vec<Play>, inherit: &Inherit) -> Result<(), PlayError> {
        let root = read_yaml(path, &self.options.vault)?;
        self.plays(root, path, plays, inherit)
    }

    fn plays(&self, root: Node, path: &Path, plays: &mut Vec<Play>, inherit: &Inherit) -> Result<(), PlayError> {
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_else(|| self.dir.clone());
        let entries = match &root.inner().value {
            YValue::Seq(items) => items.clone(),
            YValue::Null => Vec::new(),
            _ => return Err(PlayError::syntax(&root.span, format!("a playbook must be a list of plays, not {}", root.type_name()))),
        };
        for entry in &entries {
            if entry.inner().as_map().is_none() {
                return Err(PlayError::syntax(&entry.span, format!("a play must be a mapping, not {}", entry.type_name())));
            }
            if let Some(inc) = entry.get("include") {
                return Err(PlayError::Legacy {
                    span: inc.span.clone(),
                    construct: "include".into(),
                    modern: format!("import_playbook: {}", scalar_text(inc).unwrap_or_default()),
                });
            }
            let import = entry.get("import_playbook").or_else(|| entry.get("ansible.builtin.import_playbook"));
            if let Some(file) = import {
                let name = scalar_text(file).ok_or_else(|| PlayError::syntax(&file.span, "import_playbook needs a file name"))?;
                let mut inner = inherit.clone();
                if let Some(w) = entry.get("when") {
                    inner.when.extend(conds(w, "when")?);
                }
                if let Some(t) = entry.get("tags") {
                    inner.tags.extend(tags_of(t)?);
                }
                if let Some(v) = entry.get("vars") {
                    inner.vars.push(Arc::new(vars_of(v)?));
                }
                let target = dir.join(&name);
                if !target.is_file() {
                    return Err(PlayError::syntax(
                        &file.span,
                        format!("the playbook `{name}` to import was not found at `{}`", target.display()),
                    ));
                }
                self.playbook(&target, plays, &inner)?;
                continue;
            }
            plays.push(self.play(entry, &dir, inherit)?);
        }
        Ok(())
    }

    fn play(&self, node: &Node, dir: &Path, outer: &Inherit) -> Result<Play, PlayError> {
        let mut inherit = outer.clone();
        let mut hosts = None;
        let mut name = None;
        let mut vars = Vars::new();
        let mut vars_files = Vec::new();
        let mut gather_facts = true;
        let mut play = Play {
            name: String::new(),
            hosts: Vec::new(),
            span: node.span.clone(),
            dir: dir.to_path_buf(),
            vars: Arc::new(Vars::new()),
            vars_files: Vec::new(),
            gather_facts: true,
            gather_subset: None,
            remote_user: None,
            serial: None,
            any_errors_fatal: false,
            max_fail_percentage: None,
            force_handlers: false,
            free: false,
            order: None,
            prompts: Vec::new(),
            pre_tasks: Vec::new(),
            roles: Vec::new(),
            tasks: Vec::new(),
            post_tasks: Vec::new(),
            handlers: Vec::new(),
            role_list: Vec::new(),
            tags: Vec::new(),
        };
        for (key, value) in map_entries(node) {
            legacy_key(key, &value.span)?;
            match key {
                "hosts" => hosts = Some(string_list(value, "hosts")?),
                "name" => name = scalar_text(value),
                "vars" => vars = vars_of(value)?,
                "vars_files" => {
                    for item in value.inner().as_seq().unwrap_or_default() {
                        vars_files.push((item.to_json(), item.span.clone()));
                    }
                }
                "vars_prompt" => play.prompts = prompts_of(value)?,
                "gather_facts" => gather_facts = boolish(value).unwrap_or(true),
                "gather_subset" => play.gather_subset = Some(value.to_json()),
                "remote_user" | "user" => play.remote_user = scalar_text(value),
                "become" => inherit.escalate = Some(value.to_json()),
                "become_user" => inherit.become_user = Some(value.to_json()),
                "become_method" => inherit.become_method = scalar_text(value),
                "tags" => {
                    play.tags = tags_of(value)?;
                    inherit.tags.extend(play.tags.clone());
                }
                "serial" => play.serial = Some(value.to_json()),
                "any_errors_fatal" => play.any_errors_fatal = boolish(value).unwrap_or(false),
                "max_fail_percentage" => play.max_fail_percentage = value.to_json().as_f64(),
                "force_handlers" => play.force_handlers = boolish(value).unwrap_or(false),
                "ignore_errors" => inherit.ignore_errors = Some(value.to_json()),
                "ignore_unreachable" => inherit.ignore_unreachable = boolish(value).unwrap_or(false),
                "environment" => inherit.environment.push(value.to_json()),
                "throttle" => inherit.throttle = Some(value.to_json()),
                "check_mode" => inherit.check_mode = Some(value.to_json()),
                "diff" => inherit.diff = Some(value.to_json()),
                "no_log" => inherit.no_log = boolish(value).unwrap_or(false),
                "run_once" => inherit.run_once = boolish(value).unwrap_or(false),
                "strategy" => {
                    let s = scalar_text(value).unwrap_or_default();
                    if !matches!(s.as_str(), "linear" | "free" | "ansible.builtin.linear" | "ansible.builtin.free") {
                        return Err(PlayError::hinted(&value.span, format!("unknown strategy `{s}`"), "use `linear` or `free`"));
                    }
                    play.free = s.ends_with("free");
                }
                "order" => {
                    let o = scalar_text(value).unwrap_or_default();
                    if !matches!(o.as_str(), "inventory" | "reverse_inventory" | "sorted" | "reverse_sorted" | "shuffle") {
                        return Err(PlayError::hinted(
                            &value.span,
                            format!("unknown host order `{o}`"),
                            "use inventory, reverse_inventory, sorted, reverse_sorted or shuffle",
                        ));
                    }
                    play.order = Some(o);
                }
                "pre_tasks" | "roles" | "tasks" | "post_tasks" | "handlers" => {}
                k if PLAY_KEYS.contains(&k) => {}
                other => {
                    let hint = closest(other, PLAY_KEYS.iter().copied()).map(|c| format!("did you mean `{c}`?"));
                    return Err(PlayError::Syntax {
                        span: key_span(node, other, &value.span),
                        message: format!("'{other}' is not a valid attribute for a Play"),
                        hint: hint.or_else(|| Some("a play holds hosts, vars, roles, tasks, handlers…; tasks go under `tasks:`".into())),
                    });
                }
            }
        }
        let Some(hosts) = hosts else {
            return Err(PlayError::hinted(&node.span, "the play has no `hosts`", "add `hosts: all` or a group name"));
        };
        play.name = name.unwrap_or_else(|| hosts.join(","));
        play.hosts = hosts;
        play.gather_facts = gather_facts;
        play.vars = Arc::new(vars);
        play.vars_files = vars_files;
        let mut parts = PlayParts::default();
        let section = |key: &str| node.get(key);
        if let Some(n) = section("pre_tasks") {
            play.pre_tasks = self.tasks(n, dir, &inherit, &mut parts)?;
        }
        if let Some(n) = section("roles") {
            for entry in n.inner().as_seq().unwrap_or_default() {
                if let Some(item) = self.role_entry(entry, dir, &inherit, &mut parts)? {
                    play.roles.push(item);
                }
            }
        }
        if let Some(n) = section("tasks") {
            play.tasks = self.tasks(n, dir, &inherit, &mut parts)?;
        }
        if let Some(n) = section("post_tasks") {
            play.post_tasks = self.tasks(n, dir, &inherit, &mut parts)?;
        }
        if let Some(n) = section("handlers") {
            let items = self.tasks(n, dir, &inherit, &mut parts)?;
            parts.handlers.extend(items.iter().flat_map(Item::tasks));
        }
        play.handlers = parts.handlers;
        play.role_list = parts.roles;
        check_notify(&play)?;
        Ok(play)
    }

    /// A list of tasks and blocks.
    fn tasks(&self, node: &Node, dir: &Path, inherit: &Inherit, parts: &mut PlayParts) -> Result<Vec<Item>, PlayError> {
        let items = match &node.inner().value {
            YValue::Null => return Ok(Vec::new()),
            YValue::Seq(items) => items,
            _ => return Err(PlayError::syntax(&node.span, format!("a task list must be a list, not {}", node.type_name()))),
        };
        let mut out = Vec::new();
        for item in items {
            if item.inner().as_map().is_none() {
                return Err(PlayError::hinted(
                    &item.span,
                    format!("a task must be a mapping, not {} (`{}`)", item.type_name(), scalar_text(item).unwrap_or_default()),
                    "write `- name: …` followed by the module, e.g. `  command: uptime`",
                ));
            }
            self.entry(item, dir, inherit, parts, &mut out)?;
        }
        Ok(out)
    }

    fn entry(&self, item: &Node, dir: &Path, inherit: &Inherit, parts: &mut PlayParts, out: &mut Vec<Item>) -> Result<(), PlayError> {
        if item.get("block").is_some() {
            out.push(self.block(item, dir, inherit, parts)?);
            return Ok(());
        }
        if let Some(inc) = item.get("include") {
            return Err(PlayError::Legacy {
                span: inc.span.clone(),
                construct: "include".into(),
                modern: format!(
                    "include_tasks: {} (dynamic) or import_tasks: {} (static); parameters go under `vars:`",
                    scalar_text(inc).unwrap_or_default().split_whitespace().next().unwrap_or(""),
                    scalar_text(inc).unwrap_or_default().split_whitespace().next().unwrap_or("")
                ),
            });
        }
        for key in ["include_tasks", "ansible.builtin.include_tasks", "include_role", "ansible.builtin.include_role"] {
            if let Some(spec) = item.get(key) {
                out.push(self.include(item, key, spec, dir, inherit)?);
                return Ok(());
            }
        }
        for key in ["import_tasks", "ansible.builtin.import_tasks"] {
            if let Some(file) = item.get(key) {
                let name = match file.inner().as_map() {
                    Some(_) => file.get("file").and_then(scalar_text),
                    None => scalar_text(file),
                }
                .ok_or_else(|| PlayError::syntax(&file.span, format!("`{key}` needs a file name")))?;
                if om_template::jinja::has_template(&name) {
                    return Err(PlayError::hinted(
                        &file.span,
                        format!("`{key}: {name}` uses a template in the file name; imports are static"),
                        "use `include_tasks:` to choose the file per host at run time, or name the file literally",
                    ));
                }
                let path = resolve_tasks_file(dir, &name);
                let inner = self.keywords(item, inherit, &[key, "file", "apply"])?;
                let node = read_yaml(&path, &self.options.vault).map_err(|e| match e {
                    PlayError::Read { path, source } => {
                        PlayError::syntax(&file.span, format!("cannot read tasks file `{}`: {source}", path.display()))
                    }
                    other => other,
                })?;
                let file_dir = path.parent().map(Path::to_path_buf).unwrap_or_else(|| dir.to_path_buf());
                let base = if inherit.role.is_some() { dir } else { &file_dir };
                out.extend(self.tasks(&node, base, &inner, parts)?);
                return Ok(());
            }
        }
        for key in ["import_role", "ansible.builtin.import_role"] {
            if let Some(spec) = item.get(key) {
                let name = spec
                    .get("name")
                    .and_then(scalar_text)
                    .ok_or_else(|| PlayError::syntax(&spec.span, format!("`{key}` needs `name:`")))?;
                let tasks_from = spec.get("tasks_from").and_then(scalar_text).unwrap_or_else(|| "main".into());
                let inner = self.keywords(item, inherit, &[key])?;
                if let Some(role) = self.role(&name, &spec.span, dir, Vars::new(), &tasks_from, &inner, parts, true)? {
                    out.push(role);
                }
                return Ok(());
            }
        }
        out.push(Item::Task(Arc::new(self.task(item, inherit)?)));
        Ok(())
    }

    /// `include_tasks`/`include_role`: the include task (its `when`, `loop`, `tags`, `vars`
    /// decide per host whether and what it includes) and what the included tasks inherit
    /// (the enclosing blocks' keywords, the include's `vars`, `apply`). The file is read when
    /// a host reaches the include.
    fn include(&self, item: &Node, key: &str, spec: &Node, dir: &Path, inherit: &Inherit) -> Result<Item, PlayError> {
        let role = key.ends_with("include_role");
        if !role && spec.inner().as_map().is_some() && spec.get("file").is_none() {
            return Err(PlayError::syntax(&spec.span, format!("`{key}` needs a file name")));
        }
        let mut task = self.task(item, inherit)?;
        // `name:` given as a mapping's key or free-form (`include_role: name=web`).
        let role_name = task.args.get("name").map(|n| n.as_str().map(str::to_string).unwrap_or_else(|| n.to_string()));
        if role && role_name.is_none() {
            return Err(PlayError::syntax(&spec.span, format!("`{key}` needs `name:`")));
        }
        let apply = task.args.remove("apply");
        if role {
            if task.name.is_none() {
                task.name = Some(format!("include_role : {}", role_name.unwrap_or_default()));
            }
            task.role = None;
        }
        let mut inner = inherit.clone();
        if let Some(v) = item.get("vars") {
            inner.vars.push(Arc::new(vars_of(v)?));
        }
        if apply.is_some()
            && let Some(node) = spec.get("apply")
        {
            inner = self.keywords(node, &inner, &[])?;
        }
        Ok(Item::Include(Arc::new(Include {
            task: Arc::new(task),
            dir: dir.to_path_buf(),
            inherit: inner,
            context: Arc::clone(&self.context),
        })))
    }

    /// The items of an included tasks file (or role), loaded at run time for the hosts that
    /// reached the include; handlers they bring are added to `handlers`.
    pub(crate) fn included_items(
        context: &Context,
        include: &Include,
        node: Option<&Node>,
        target: &str,
        tasks_from: &str,
        extra: Vars,
        handlers: &mut Vec<Arc<Task>>,
    ) -> Result<Vec<Item>, PlayError> {
        let loader = Loader { dir: context.root.clone(), options: &context.options, context: Arc::new(context.clone()) };
        let mut inner = include.inherit.clone();
        if !extra.is_empty() {
            inner.vars.push(Arc::new(extra));
        }
        let mut parts = PlayParts::default();
        let items = match node {
            Some(node) => {
                let path = Path::new(target);
                let file_dir = path.parent().map(Path::to_path_buf).unwrap_or_else(|| include.dir.clone());
                let base = if inherit_role(&inner) { include.dir.as_path() } else { &file_dir };
                loader.tasks(node, base, &inner, &mut parts)?
            }
            None => {
                inner.role = None;
                let span = &include.task.span;
                loader.role(target, span, &include.dir, Vars::new(), tasks_from, &inner, &mut parts, true)?.into_iter().collect()
            }
        };
        handlers.extend(parts.handlers);
        Ok(items)
    }

    /// The block-level keywords of `node` applied on top of `inherit`.
    fn keywords(&self, node: &Node, inherit: &Inherit, skip: &[&str]) -> Result<Inherit, PlayError> {
        let mut inner = inherit.clone();
        for (key, value) in map_entries(node) {
            if skip.contains(&key) {
                continue;
            }
            legacy_key(key, &value.span)?;
            match key {
                "when" => inner.when.extend(conds(value, "when")?),
                "tags" => inner.tags.extend(tags_of(value)?),
                "vars" => inner.vars.push(Arc::new(vars_of(value)?)),
                "become" => inner.escalate = Some(value.to_json()),
                "become_user" => inner.become_user = Some(value.to_json()),
                "become_method" => inner.become_method = scalar_text(value),
                "ignore_errors" => inner.ignore_errors = Some(value.to_json()),
                "ignore_unreachable" => inner.ignore_unreachable = boolish(value).unwrap_or(false),
                "no_log" => inner.no_log = boolish(value).unwrap_or(false),
                "environment" => inner.environment.push(value.to_json()),
                "throttle" => inner.throttle = Some(value.to_json()),
                "check_mode" => inner.check_mode = Some(value.to_json()),
                "diff" => inner.diff = Some(value.to_json()),
                "delegate_to" => inner.delegate_to = Some(value.to_json()),
                "run_once" => inner.run_once = boolish(value).unwrap_or(false),
                "block" | "rescue" | "always" | "name" => {}
                k if BLOCK_KEYS.contains(&k) => {}
                other => {
                    return Err(PlayError::Syntax {
                        span: key_span(node, other, &value.span),
                        message: format!("'{other}' is not a valid attribute for a Block"),
                        hint: closest(other, BLOCK_KEYS.iter().copied()).map(|c| format!("did you mean `{c}`?")),
                    });
                }
            }
        }
        Ok(inner)
    }

    fn block(&self, node: &Node, dir: &Path, inherit: &Inherit, parts: &mut PlayParts) -> Result<Item, PlayError> {
        let inner = self.keywords(node, inherit, &[])?;
        let list = |key: &str, parts: &mut PlayParts| -> Result<Vec<Item>, PlayError> {
            match node.get(key) {
                Some(n) => self.tasks(n, dir, &inner, parts),
                None => Ok(Vec::new()),
            }
        };
        let block = list("block", parts)?;
        let rescue = list("rescue", parts)?;
        let always = list("always", parts)?;
        Ok(Item::Block(Arc::new(Block { name: node.get("name").and_then(scalar_text), span: node.span.clone(), block, rescue, always })))
    }

    fn task(&self, node: &Node, inherit: &Inherit) -> Result<Task, PlayError> {
        let mut task = inheriting_task(None, "", Vars::new(), &node.span, inherit);
        let mut actions_found: Vec<(&str, &Node)> = Vec::new();
        let mut extra_args = Vars::new();
        for (key, value) in map_entries(node) {
            legacy_key(key, &value.span)?;
            match key {
                "name" => task.name = scalar_text(value),
                "args" => {
                    extra_args =
                        value.to_json().as_object().cloned().ok_or_else(|| PlayError::syntax(&value.span, "`args` must be a mapping"))?
                }
                "vars" => task.vars.push(Arc::new(vars_of(value)?)),
                "notify" => task.notify = string_list(value, "notify")?,
                "listen" => task.listen = string_list(value, "listen")?,
                "register" => {
                    let name = scalar_text(value).unwrap_or_default();
                    check_var_names(&Node::from_json(&serde_json::json!({ name.clone(): null }), &value.span))?;
                    task.register = Some(name);
                }
                "when" => task.when.extend(conds(value, "when")?),
                "changed_when" => task.changed_when = Some(conds(value, "changed_when")?),
                "failed_when" => task.failed_when = Some(conds(value, "failed_when")?),
                "until" => task.until = conds(value, "until")?.into_iter().next(),
                "retries" => task.retries = Some(value.to_json()),
                "delay" => task.delay = Some(value.to_json()),
                "ignore_errors" => task.ignore_errors = Some(value.to_json()),
                "ignore_unreachable" => task.ignore_unreachable = boolish(value).unwrap_or(false),
                "loop" => task.looping = Some(Loop { kind: "loop".into(), value: value.to_json(), span: value.span.clone() }),
                "loop_control" => {
                    let get = |k: &str| value.get(k).and_then(scalar_text);
                    task.loop_control = LoopControl {
                        loop_var: get("loop_var"),
                        index_var: get("index_var"),
                        label: get("label"),
                        pause: value.get("pause").and_then(|p| p.to_json().as_f64()),
                        extended: value.get("extended").and_then(boolish).unwrap_or(false),
                    };
                }
                "tags" => task.tags.extend(tags_of(value)?),
                "become" => task.escalate = Some(value.to_json()),
                "become_user" => task.become_user = Some(value.to_json()),
                "become_method" => task.become_method = scalar_text(value),
                "delegate_to" => task.delegate_to = Some(value.to_json()),
                "run_once" => task.run_once = boolish(value).unwrap_or(false),
                "no_log" => task.no_log = boolish(value).unwrap_or(false),
                "check_mode" => task.check_mode = Some(value.to_json()),
                "diff" => task.diff = Some(value.to_json()),
                "environment" => task.environment.push(value.to_json()),
                "throttle" => task.throttle = Some(value.to_json()),
                "async" => task.async_limit = Some(value.to_json()),
                "poll" => task.poll = Some(value.to_json()),
                k if TASK_KEYS.contains(&k) => {}
                k if k.starts_with("with_") => {
                    task.looping = Some(Loop { kind: k["with_".len()..].to_string(), value: value.to_json(), span: value.span.clone() });
                }
                _ => actions_found.push((key, value)),
            }
        }
        let (module, value) = match actions_found.as_slice() {
            [one] => *one,
            [] => {
                return Err(PlayError::hinted(
                    &node.span,
                    "no module/action detected in task",
                    "add the module as a key, e.g. `command: uptime` or `copy: {src: a, dest: /b}`",
                ));
            }
            many => {
                let names: Vec<&str> = many.iter().map(|(k, _)| *k).collect();
                let unknown = names.iter().find(|n| !actions::known(n)).copied();
                let hint = match unknown {
                    Some(u) => closest(u, TASK_KEYS.iter().copied())
                        .map(|c| format!("`{u}` is not a task keyword; did you mean `{c}`?"))
                        .unwrap_or_else(|| format!("`{u}` is neither a module nor a task keyword")),
                    None => "a task runs exactly one module".into(),
                };
                return Err(PlayError::hinted(&many[1].1.span, format!("conflicting action statements: {}", names.join(", ")), hint));
            }
        };
        let (module, args) = match module {
            "action" | "local_action" => {
                if module == "local_action" {
                    task.delegate_to = Some(Json::String("localhost".into()));
                }
                match &value.inner().value {
                    YValue::Map(_) => {
                        let mut map = value.to_json().as_object().cloned().unwrap_or_default();
                        let m = map
                            .remove("module")
                            .and_then(|m| m.as_str().map(str::to_string))
                            .ok_or_else(|| PlayError::syntax(&value.span, format!("`{module}` as a mapping needs `module:`")))?;
                        (m, Json::Object(map))
                    }
                    _ => {
                        let text = scalar_text(value).unwrap_or_default();
                        let (m, rest) = text.trim().split_once(char::is_whitespace).unwrap_or((text.trim(), ""));
                        (m.to_string(), Json::String(rest.trim().to_string()))
                    }
                }
            }
            m => (m.to_string(), value.to_json()),
        };
        let canonical = actions::canonical(&module);
        if !actions::known(&canonical) {
            let unknown = om_exec::action::unknown(&module);
            return Err(PlayError::Syntax {
                span: value.span.clone(),
                message: format!("couldn't resolve module/action '{module}'"),
                hint: Some(match (&unknown.closest, closest(&module, TASK_KEYS.iter().copied())) {
                    (_, Some(k)) => format!("`{module}` is not a module; did you mean the task keyword `{k}`?"),
                    (Some(c), None) => format!("did you mean `{c}`?"),
                    (None, None) => "check the spelling, or the module is not supported by om yet".into(),
                }),
            });
        }
        let mut args = actions::parse_args(&canonical, &args).map_err(|e| PlayError::syntax(&value.span, e))?;
        for (k, v) in extra_args {
            args.entry(k).or_insert(v);
        }
        legacy_args(&canonical, &args, &value.span)?;
        task.module = canonical;
        task.args = args;
        Ok(task)
    }

    /// A `roles:` entry: a name, or a mapping with `role`/`name`, keywords and params.
    fn role_entry(&self, entry: &Node, dir: &Path, inherit: &Inherit, parts: &mut PlayParts) -> Result<Option<Item>, PlayError> {
        let (name, mut inner, params) = match &entry.inner().value {
            YValue::Map(_) => {
                let name = entry
                    .get("role")
                    .or_else(|| entry.get("name"))
                    .and_then(scalar_text)
                    .ok_or_else(|| PlayError::syntax(&entry.span, "a role entry needs `role:`"))?;
                let mut inner = inherit.clone();
                let mut params = Vars::new();
                for (k, v) in map_entries(entry) {
                    match k {
                        "role" | "name" => {}
                        "when" => inner.when.extend(conds(v, "when")?),
                        "tags" => inner.tags.extend(tags_of(v)?),
                        "vars" => params.extend(vars_of(v)?),
                        "become" => inner.escalate = Some(v.to_json()),
                        "become_user" => inner.become_user = Some(v.to_json()),
                        "ignore_errors" => inner.ignore_errors = Some(v.to_json()),
                        "delegate_to" => inner.delegate_to = Some(v.to_json()),
                        "environment" => inner.environment.push(v.to_json()),
                        other => {
                            legacy_key(other, &v.span)?;
                            params.insert(other.to_string(), v.to_json());
                        }
                    }
                }
                (name, inner, params)
            }
            _ => (
                scalar_text(entry).ok_or_else(|| PlayError::syntax(&entry.span, "a role entry must be a name or a mapping"))?,
                inherit.clone(),
                Vars::new(),
            ),
        };
        inner.role = None;
        self.role(&name, &entry.span, dir, params, "main", &inner, parts, false)
    }

    /// Loads role `name` as a block of its dependencies' and its own tasks; `None` when it
    /// already ran with the same parameters in this play.
    #[allow(clippy::too_many_arguments)]
    fn role(
        &self,
        name: &str,
        span: &Span,
        dir: &Path,
        params: Vars,
        tasks_from: &str,
        inherit: &Inherit,
        parts: &mut PlayParts,
        always: bool,
    ) -> Result<Option<Item>, PlayError> {
        let path = self.find_role(name, span, dir)?;
        let meta = main_file(&path.join("meta"), "main").map(|p| read_yaml(&p, &self.options.vault)).transpose()?;
        let allow_duplicates = meta.as_ref().and_then(|m| m.get("allow_duplicates")).and_then(boolish).unwrap_or(false);
        let key = (path.display().to_string(), Json::Object(params.clone()));
        if !always && !allow_duplicates && parts.applied.contains(&key) {
            return Ok(None);
        }
        parts.applied.push(key);
        let mut items = Vec::new();
        if let Some(deps) = meta.as_ref().and_then(|m| m.get("dependencies")) {
            for dep in deps.inner().as_seq().unwrap_or_default() {
                let mut outer = inherit.clone();
                outer.role = None;
                if let Some(item) = self.role_entry(dep, &path, &outer, parts)? {
                    items.push(item);
                }
            }
        }
        let load_vars = |sub: &str| -> Result<Vars, PlayError> {
            match main_file(&path.join(sub), "main") {
                Some(p) => vars_of(&read_yaml(&p, &self.options.vault)?),
                None => Ok(Vars::new()),
            }
        };
        let role_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| name.to_string());
        let role = Arc::new(Role {
            name: role_name,
            path: path.clone(),
            defaults: Arc::new(load_vars("defaults")?),
            vars: Arc::new(load_vars("vars")?),
            params: Arc::new(params),
        });
        parts.roles.push(Arc::clone(&role));
        let mut inner = inherit.clone();
        inner.role = Some(Arc::clone(&role));
        if let Some(file) = main_file(&path.join("tasks"), tasks_from) {
            let node = read_yaml(&file, &self.options.vault)?;
            items.extend(self.tasks(&node, &path.join("tasks"), &inner, parts)?);
        }
        if let Some(file) = main_file(&path.join("handlers"), "main") {
            let node = read_yaml(&file, &self.options.vault)?;
            let handlers = self.tasks(&node, &path.join("handlers"), &inner, parts)?;
            parts.handlers.extend(handlers.iter().flat_map(Item::tasks));
        }
        Ok(Some(Item::Block(Arc::new(Block {
            name: Some(role.name.clone()),
            span: span.clone(),
            block: items,
            rescue: vec![],
            always: vec![],
        }))))
    }

    fn find_role(&self, name: &str, span: &Span, dir: &Path) -> Result<PathBuf, PlayError> {
        let mut candidates = vec![dir.join("roles").join(name), self.dir.join("roles").join(name)];
        candidates.extend(self.options.roles_path.iter().map(|p| p.join(name)));
        candidates.push(dir.join(name));
        candidates.push(self.dir.join(name));
        if let Some(found) = candidates.iter().find(|p| p.is_dir()) {
            return Ok(found.clone());
        }
        let mut searched: Vec<String> = candidates.iter().filter_map(|p| p.parent().map(|d| format!("`{}`", d.display()))).collect();
        searched.dedup();
        Err(PlayError::RoleNotFound { span: span.clone(), name: name.to_string(), searched: searched.join(", ") })
    }
}

/// The items of an included tasks file (`node`) or role (`target`), for [`crate::Runner`].
pub(crate) fn included(
    context: &Context,
    include: &Include,
    node: Option<&Node>,
    target: &str,
    tasks_from: &str,
    extra: Vars,
    handlers: &mut Vec<Arc<Task>>,
) -> Result<Vec<Item>, PlayError> {
    Loader::included_items(context, include, node, target, tasks_from, extra, handlers)
}

/// A task with every keyword its play, role and blocks pass down.
fn inheriting_task(name: Option<String>, module: &str, args: Vars, span: &Span, inherit: &Inherit) -> Task {
    Task {
        name,
        module: module.to_string(),
        args,
        span: span.clone(),
        when: inherit.when.clone(),
        changed_when: None,
        failed_when: None,
        until: None,
        retries: None,
        delay: None,
        register: None,
        notify: Vec::new(),
        listen: Vec::new(),
        ignore_errors: inherit.ignore_errors.clone(),
        ignore_unreachable: inherit.ignore_unreachable,
        looping: None,
        loop_control: LoopControl::default(),
        tags: inherit.tags.clone(),
        vars: inherit.vars.clone(),
        escalate: inherit.escalate.clone(),
        become_user: inherit.become_user.clone(),
        become_method: inherit.become_method.clone(),
        delegate_to: inherit.delegate_to.clone(),
        run_once: inherit.run_once,
        no_log: inherit.no_log,
        check_mode: inherit.check_mode.clone(),
        diff: inherit.diff.clone(),
        environment: inherit.environment.clone(),
        throttle: inherit.throttle.clone(),
        async_limit: None,
        poll: None,
        role: inherit.role.clone(),
    }
}

/// A tasks file named relative to the including file's directory (or the role's `tasks/`).
pub(crate) fn resolve_tasks_file(dir: &Path, name: &str) -> PathBuf {
    let direct = dir.join(name);
    if direct.is_file() {
        return direct;
    }
    let in_tasks = dir.join("tasks").join(name);
    if in_tasks.is_file() { in_tasks } else { direct }
}

/// PLAY-70 constructs inside module arguments.
fn legacy_args(module: &str, args: &Vars, span: &Span) -> Result<(), PlayError> {
    let arg = |k: &str| args.get(k).and_then(Json::as_str);
    let legacy =
        |construct: &str, modern: &str| Err(PlayError::Legacy { span: span.clone(), construct: construct.into(), modern: modern.into() });
    match module {
        "service" | "systemd" if arg("state") == Some("running") => legacy("state=running", "state=started"),
        "stat" if args.contains_key("get_md5") => legacy("get_md5", "checksum_algorithm=md5, then read `stat.checksum`"),
        "get_url" if args.contains_key("sha256sum") => legacy("sha256sum=<hex>", "checksum=sha256:<hex>"),
        "sysctl" if args.contains_key("checks") => legacy("checks=", "remove `checks`; the option no longer exists"),
        _ => Ok(()),
    }
}

/// Every `notify` names a handler (by name, `role : name`, or `listen`).
fn check_notify(play: &Play) -> Result<(), PlayError> {
    let mut names: Vec<String> = Vec::new();
    for h in &play.handlers {
        if let Some(n) = &h.name {
            names.push(n.clone());
            if let Some(r) = &h.role {
                names.push(format!("{} : {n}", r.name));
            }
        }
        names.extend(h.listen.iter().cloned());
    }
    let all = play
        .pre_tasks
        .iter()
        .chain(&play.roles)
        .chain(&play.tasks)
        .chain(&play.post_tasks)
        .flat_map(Item::tasks)
        .chain(play.handlers.iter().cloned());
    // Handlers of roles included at run time are not known yet: their names are checked
    // when a task notifies them.
    let dynamic_roles = play
        .pre_tasks
        .iter()
        .chain(&play.roles)
        .chain(&play.tasks)
        .chain(&play.post_tasks)
        .flat_map(Item::tasks)
        .any(|t| t.module == "include_role");
    if dynamic_roles {
        return Ok(());
    }
    for task in all {
        for n in &task.notify {
            if !names.contains(n) && !om_template::jinja::has_template(n) {
                return Err(PlayError::UnknownHandler {
                    span: task.span.clone(),
                    name: n.clone(),
                    similar: closest(n, names.iter().map(String::as_str)).map(str::to_string),
                });
            }
        }
    }
    Ok(())
}
