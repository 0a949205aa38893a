//! One task on one host: loops, `when`, templated arguments, the action (om-play's own or a
//! module through om-exec), `until`, `changed_when`/`failed_when`, `register`, `notify`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use om_core::{Connection, Escalation, EscalationMethod, Event, Host, HostError, Outcome, Phase, Status, Vars};
use om_exec::action::Ctx;
use om_template::jinja::{FileOptions, Layer, OMIT, Scope, TemplateError, from_json, python_str};
use serde_json::{Value as Json, json};

use crate::model::{Cond, Loop, Task};
use crate::run::Runner;

/// What the strategy needs to know about a host's result.
#[derive(Debug, Clone)]
pub(crate) struct TaskOutcome {
    pub status: Status,
    pub changed: bool,
    pub ignored: bool,
    /// `include_tasks`/`include_role`: each result (one per loop item) that included a
    /// file or role, with its `include` and loop variables.
    pub includes: Vec<Vars>,
}

pub(crate) struct HostRun<'a> {
    pub runner: &'a Arc<Runner>,
    pub task: &'a Arc<Task>,
    pub host: usize,
    pub index: usize,
    pub play_dir: PathBuf,
}

const CENSORED: &str = "the output has been hidden due to the fact that 'no_log: true' was specified for this result";

fn failed(msg: impl Into<String>) -> (Status, Vars) {
    let mut r = Vars::new();
    r.insert("changed".into(), false.into());
    r.insert("failed".into(), true.into());
    r.insert("msg".into(), msg.into().into());
    (Status::Failed, r)
}

fn template_failure(span: &om_core::Span, err: &TemplateError) -> String {
    match err.undefined_name() {
        Some(_) => format!("{span}: the task includes an option with an undefined variable: {err}"),
        None => format!("{span}: {err}"),
    }
}

impl HostRun<'_> {
    fn name(&self) -> String {
        self.runner.shared.hosts[self.host].lock().unwrap_or_else(|p| p.into_inner()).host.name.clone()
    }

    /// The host to connect to, with the play's `remote_user` when the inventory names none.
    fn host(&self) -> Arc<Host> {
        let host = Arc::clone(&self.runner.shared.hosts[self.host].lock().unwrap_or_else(|p| p.into_inner()).host);
        let user = self.runner.shared.play.read().unwrap_or_else(|p| p.into_inner()).remote_user.clone();
        match user {
            Some(user) if !host.vars.contains_key("ansible_user") && !host.vars.contains_key("ansible_ssh_user") => {
                let mut h = (*host).clone();
                h.vars.insert("ansible_user".into(), user.into());
                Arc::new(h)
            }
            _ => host,
        }
    }

    fn emit(&self, result: Vars, status: Status) {
        if status == Status::Ok && result.get("_ansible_include").and_then(Json::as_bool).unwrap_or(false) {
            // The runner announces includes once their files are loaded (`included: …`).
            return;
        }
        let host = self.name();
        let result = if self.task.no_log { censor(result) } else { result };
        self.runner.emit(Event::HostResult { host, task: self.index, outcome: Outcome::new(status, result) });
    }

    pub async fn run(self) -> TaskOutcome {
        let started = Instant::now();
        let scope = self.runner.shared.scope(self.host, Some(self.task), Vec::new());
        let (status, mut result) = match &self.task.looping {
            Some(looping) => self.looped(looping, &scope).await,
            None => self.once(&scope).await,
        };
        let ignored = status == Status::Failed && self.truthy(self.task.ignore_errors.as_ref(), &scope)
            || status == Status::Unreachable && self.task.ignore_unreachable;
        if let Some(name) = &self.task.register {
            let value: Vars = result.iter().filter(|(k, _)| !k.starts_with("_ansible")).map(|(k, v)| (k.clone(), v.clone())).collect();
            self.runner.shared.hosts[self.host]
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .set([(name.clone(), Json::Object(value))].into_iter().collect());
        }
        if ignored {
            result.insert("_ansible_ignored".into(), true.into());
        }
        let _ = started;
        let changed = result.get("changed").and_then(Json::as_bool).unwrap_or(false);
        let is_include = |r: &Vars| r.get("_ansible_include").and_then(Json::as_bool).unwrap_or(false);
        let includes = match result.get("results") {
            Some(Json::Array(items)) if self.task.module.starts_with("include_") => items
                .iter()
                .filter_map(Json::as_object)
                .filter(|r| is_include(r) && !r.get("failed").and_then(Json::as_bool).unwrap_or(false))
                .cloned()
                .collect(),
            _ if status == Status::Ok && is_include(&result) => vec![result.clone()],
            _ => Vec::new(),
        };
        self.emit(result, status);
        TaskOutcome { status, changed, ignored, includes }
    }

    fn truthy(&self, value: Option<&Json>, scope: &Scope) -> bool {
        match value {
            None => false,
            Some(Json::Bool(b)) => *b,
            Some(v) => match self.runner.shared.jinja.template(v, scope) {
                Ok(Json::Bool(b)) => b,
                Ok(Json::String(s)) => om_exec::schema::parse_bool(&s).unwrap_or(false),
                Ok(Json::Number(n)) => n.as_f64().unwrap_or(0.0) != 0.0,
                _ => false,
            },
        }
    }

    /// `when`, false: the skipped result.
    fn when(&self, scope: &Scope) -> Result<Option<(Status, Vars)>, (Status, Vars)> {
        for cond in &self.task.when {
            match self.runner.shared.jinja.condition(&cond.expr, scope) {
                Ok(true) => {}
                Ok(false) => {
                    let mut r = Vars::new();
                    r.insert("changed".into(), false.into());
                    r.insert("false_condition".into(), cond.text.clone());
                    r.insert("skip_reason".into(), "Conditional result was False".into());
                    r.insert("skipped".into(), true.into());
                    return Ok(Some((Status::Skipped, r)));
                }
                Err(err) => return Err(failed(format!("{}: the conditional check '{}' failed: {err}", cond.span, cond.expr))),
            }
        }
        Ok(None)
    }

    async fn looped(&self, looping: &Loop, scope: &Scope) -> (Status, Vars) {
        let items = match self.loop_items(looping, scope) {
            Ok(items) => items,
            Err(msg) => return failed(msg),
        };
        let control = &self.task.loop_control;
        let loop_var = control.loop_var.clone().unwrap_or_else(|| "item".into());
        let mut results = Vec::with_capacity(items.len());
        let (mut any_changed, mut any_failed, mut all_skipped) = (false, false, true);
        let count = items.len();
        for (i, item) in items.into_iter().enumerate() {
            if i > 0
                && let Some(p) = control.pause
            {
                tokio::time::sleep(Duration::from_secs_f64(p)).await;
            }
            let mut layer = vec![(loop_var.clone(), from_json(&item)), ("ansible_loop_var".to_string(), from_json(&json!(loop_var)))];
            if let Some(iv) = &control.index_var {
                layer.push((iv.clone(), from_json(&json!(i))));
                layer.push(("ansible_index_var".into(), from_json(&json!(iv))));
            }
            layer.push((
                "ansible_loop".into(),
                from_json(&json!({"index": i + 1, "index0": i, "first": i == 0, "last": i + 1 == count, "length": count, "revindex": count - i, "revindex0": count - i - 1})),
            ));
            let item_scope = scope.with(Layer::native(layer));
            let (status, mut r) = self.once(&item_scope).await;
            let label = match &control.label {
                Some(l) => match self.runner.shared.jinja.template(&Json::String(l.clone()), &item_scope) {
                    Ok(v) => python_str(&from_json(&v)),
                    Err(_) => l.clone(),
                },
                None => python_str(&from_json(&item)),
            };
            r.insert(loop_var.clone(), item);
            r.insert("ansible_loop_var".into(), loop_var.clone().into());
            if let Some(iv) = &control.index_var {
                r.insert(iv.clone(), i.into());
                r.insert("ansible_index_var".into(), iv.clone().into());
            }
            r.insert("_ansible_item_label".into(), label.into());
            any_changed |= r.get("changed").and_then(Json::as_bool).unwrap_or(false);
            any_failed |= status == Status::Failed || status == Status::Unreachable;
            all_skipped &= status == Status::Skipped;
            self.emit(r.clone(), status);
            if !self.task.module.starts_with("include_") {
                r.remove("_ansible_item_label");
            }
            results.push(Json::Object(r));
        }
        let mut out = Vars::new();
        out.insert("changed".into(), any_changed.into());
        let status = if any_failed {
            out.insert("failed".into(), true.into());
            out.insert("msg".into(), "One or more items failed".into());
            Status::Failed
        } else if all_skipped {
            out.insert("skipped".into(), true.into());
            out.insert("msg".into(), "All items skipped".into());
            Status::Skipped
        } else {
            out.insert("msg".into(), "All items completed".into());
            if any_changed { Status::Changed } else { Status::Ok }
        };
        out.insert("results".into(), Json::Array(results));
        (status, out)
    }

    fn loop_items(&self, looping: &Loop, scope: &Scope) -> Result<Vec<Json>, String> {
        let jinja = &self.runner.shared.jinja;
        let span = &looping.span;
        if looping.kind == "items"
            && let Json::String(s) = &looping.value
            && !om_template::jinja::has_template(s)
            && scope.contains(s)
        {
            self.runner.emit(Event::Warning {
                message: format!("{span}: `with_items: {s}` loops over the literal string; did you mean \"{{{{ {s} }}}}\"?"),
                host: Some(self.name()),
            });
        }
        let value = jinja.template(&looping.value, scope).map_err(|e| template_failure(span, &e))?;
        match looping.kind.as_str() {
            "loop" => match value {
                Json::Array(items) => Ok(items),
                other => Err(format!(
                    "{span}: Invalid data passed to 'loop', it requires a list, got this instead: {}. Hint: If you passed a list/dict of just one element, try adding wantlist=True to your lookup invocation or use q/query instead of lookup.",
                    python_str(&from_json(&other))
                )),
            },
            "items" => Ok(match value {
                Json::Array(items) => items.into_iter().flat_map(|i| if let Json::Array(inner) = i { inner } else { vec![i] }).collect(),
                Json::Null => Vec::new(),
                other => vec![other],
            }),
            "dict" => match value {
                Json::Object(map) => Ok(map.into_iter().map(|(k, v)| json!({"key": k, "value": v})).collect()),
                other => Err(format!("{span}: with_dict expects a dict, got {}", python_str(&from_json(&other)))),
            },
            kind => {
                let terms = match value {
                    Json::Array(items) if !matches!(kind, "subelements") || items.len() > 1 => items,
                    other => vec![other],
                };
                om_template::jinja::query(kind, &terms, scope).map_err(|e| format!("{span}: {e}"))
            }
        }
    }

    /// One run of the action (one loop item), `when` included.
    async fn once(&self, scope: &Scope) -> (Status, Vars) {
        match self.when(scope) {
            Ok(Some(skipped)) => return skipped,
            Ok(None) => {}
            Err(failure) => return failure,
        }
        let task = self.task;
        let retries = task.until.as_ref().map(|_| self.number(task.retries.as_ref(), scope, 3.0) as u32).unwrap_or(0);
        let delay = self.number(task.delay.as_ref(), scope, 5.0);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (mut status, mut result) = self.action(scope).await;
            if status == Status::Unreachable {
                return (status, result);
            }
            let reg_scope = match &task.register {
                Some(name) => scope.with(Layer::native(vec![(name.clone(), from_json(&Json::Object(result.clone())))])),
                None => scope.clone(),
            };
            if let Some(conds) = &task.changed_when {
                match self.all(conds, &reg_scope) {
                    Ok(v) => {
                        result.insert("changed".into(), v.into());
                    }
                    Err(msg) => return failed(msg),
                }
            }
            if let Some(conds) = &task.failed_when {
                match self.all(conds, &reg_scope) {
                    Ok(v) => {
                        result.insert("failed_when_result".into(), v.into());
                        if v {
                            result.insert("failed".into(), true.into());
                        } else {
                            result.remove("failed");
                        }
                    }
                    Err(msg) => return failed(msg),
                }
            }
            if status != Status::Skipped {
                status = if result.get("failed").and_then(Json::as_bool).unwrap_or(false) {
                    Status::Failed
                } else if result.get("changed").and_then(Json::as_bool).unwrap_or(false) {
                    Status::Changed
                } else {
                    Status::Ok
                };
            }
            let Some(until) = &task.until else { return (status, result) };
            let reg_scope = match &task.register {
                Some(name) => scope.with(Layer::native(vec![(name.clone(), from_json(&Json::Object(result.clone())))])),
                None => scope.clone(),
            };
            let done = match self.runner.shared.jinja.condition(&until.expr, &reg_scope) {
                Ok(v) => v,
                Err(err) => return failed(format!("{}: the conditional check '{}' failed: {err}", until.span, until.expr)),
            };
            result.insert("attempts".into(), attempt.into());
            if done {
                return (status, result);
            }
            if attempt > retries {
                result.insert("failed".into(), true.into());
                return (Status::Failed, result);
            }
            self.runner.emit(Event::Warning {
                message: format!("FAILED - RETRYING: [{}]: {} ({} retries left).", self.name(), task.display_name(), retries + 1 - attempt),
                host: Some(self.name()),
            });
            tokio::time::sleep(Duration::from_secs_f64(delay)).await;
        }
    }

    fn number(&self, value: Option<&Json>, scope: &Scope, default: f64) -> f64 {
        match value {
            None => default,
            Some(v) => match self.runner.shared.jinja.template(v, scope) {
                Ok(Json::Number(n)) => n.as_f64().unwrap_or(default),
                Ok(Json::String(s)) => s.trim().parse().unwrap_or(default),
                _ => default,
            },
        }
    }

    fn all(&self, conds: &[Cond], scope: &Scope) -> Result<bool, String> {
        for c in conds {
            match self.runner.shared.jinja.condition(&c.expr, scope) {
                Ok(true) => {}
                Ok(false) => return Ok(false),
                Err(err) => return Err(format!("{}: the conditional check '{}' failed: {err}", c.span, c.expr)),
            }
        }
        Ok(true)
    }

    /// Templated arguments without the `omit`ted ones.
    fn args(&self, scope: &Scope) -> Result<Vars, String> {
        let templated = self
            .runner
            .shared
            .jinja
            .template(&Json::Object(self.task.args.clone()), scope)
            .map_err(|e| template_failure(&self.task.span, &e))?;
        let mut args = templated.as_object().cloned().unwrap_or_default();
        args.retain(|_, v| v.as_str() != Some(OMIT));
        Ok(args)
    }

    async fn action(&self, scope: &Scope) -> (Status, Vars) {
        let task = self.task;
        let args = match task.module.as_str() {
            // `assert` evaluates its expressions itself.
            "assert" => task.args.clone(),
            _ => match self.args(scope) {
                Ok(a) => a,
                Err(msg) => return failed(msg),
            },
        };
        match task.module.as_str() {
            "debug" => self.debug(&args, scope),
            "set_fact" => {
                let mut facts = args.clone();
                facts.remove("cacheable");
                self.runner.shared.hosts[self.host].lock().unwrap_or_else(|p| p.into_inner()).set(facts.clone());
                let mut r = Vars::new();
                r.insert("ansible_facts".into(), Json::Object(facts));
                r.insert("changed".into(), false.into());
                (Status::Ok, r)
            }
            "assert" => self.assert(&args, scope),
            "fail" => failed(args.get("msg").map(|m| python_str(&from_json(m))).unwrap_or_else(|| "Failed as requested from task".into())),
            "pause" => {
                let secs = args.get("seconds").and_then(|v| v.as_f64().or_else(|| v.as_str().and_then(|s| s.parse().ok()))).unwrap_or(0.0)
                    + 60.0
                        * args.get("minutes").and_then(|v| v.as_f64().or_else(|| v.as_str().and_then(|s| s.parse().ok()))).unwrap_or(0.0);
                let start = Instant::now();
                tokio::time::sleep(Duration::from_secs_f64(secs)).await;
                let mut r = Vars::new();
                r.insert("changed".into(), false.into());
                r.insert("delta".into(), (start.elapsed().as_secs()).into());
                r.insert("stdout".into(), format!("Paused for {} seconds", secs).into());
                r.insert("user_input".into(), "".into());
                (Status::Ok, r)
            }
            "group_by" => {
                let Some(key) = args.get("key").map(|k| python_str(&from_json(k))) else {
                    return failed("the 'key' param is required when using group_by");
                };
                // As ansible-core: spaces become dashes; changed when the host joined a group.
                let group = key.replace(' ', "-");
                let parents: Vec<String> = match args.get("parents") {
                    Some(Json::Array(list)) => list.iter().map(|p| python_str(&from_json(p)).replace(' ', "-")).collect(),
                    Some(other) => vec![python_str(&from_json(other)).replace(' ', "-")],
                    None => vec!["all".into()],
                };
                let changed = self.runner.add_to_group(&group, &self.name());
                let mut r = Vars::new();
                r.insert("add_group".into(), group.into());
                r.insert("changed".into(), changed.into());
                r.insert("parent_groups".into(), json!(parents));
                (if changed { Status::Changed } else { Status::Ok }, r)
            }
            "add_host" => self.add_host(args),
            "include_vars" => self.include_vars(&args),
            "include_tasks" | "include_role" => {
                let key = if task.module == "include_role" { "name" } else { "file" };
                let Some(target) = args.get(key).or_else(|| args.get("_raw_params")).map(|v| python_str(&from_json(v))) else {
                    return failed(format!("{}: `{}` needs `{key}`", task.span, task.module));
                };
                let mut r = Vars::new();
                r.insert("changed".into(), false.into());
                r.insert("include".into(), target.into());
                r.insert("include_args".into(), Json::Object(args));
                r.insert("_ansible_include".into(), true.into());
                (Status::Ok, r)
            }
            "meta" => (Status::Ok, [("changed".to_string(), Json::Bool(false))].into_iter().collect()),
            _ => self.module(args, scope).await,
        }
    }

    /// `add_host`: `name` (or `host`/`hostname`), `groups` (or `group`/`groupname`), the rest
    /// host variables; the result as ansible-core gives it.
    fn add_host(&self, mut args: Vars) -> (Status, Vars) {
        let Some(name) = ["name", "host", "hostname"].iter().find_map(|k| args.remove(*k)) else {
            return failed("name or host is required");
        };
        let name = python_str(&from_json(&name));
        let name = match name.rsplit_once(':') {
            // `host:port`, as ansible-core splits it.
            Some((h, port)) if !h.contains(':') && port.parse::<u16>().is_ok() => {
                args.entry("ansible_port").or_insert_with(|| json!(port.parse::<u16>().unwrap_or(22)));
                h.to_string()
            }
            _ => name,
        };
        let mut groups: Vec<String> = Vec::new();
        for key in ["groups", "group", "groupname"] {
            match args.remove(key) {
                Some(Json::Array(list)) => groups.extend(list.iter().map(|g| python_str(&from_json(g)))),
                Some(Json::Null) | None => {}
                Some(other) => groups.extend(python_str(&from_json(&other)).split(',').map(|g| g.trim().to_string())),
            }
        }
        groups.retain(|g| !g.is_empty());
        groups.dedup();
        let changed = match self.runner.add_host(&name, &groups, args.clone()) {
            Ok(c) => c,
            Err(msg) => return failed(msg),
        };
        let mut r = Vars::new();
        r.insert("add_host".into(), json!({"groups": groups, "host_name": name, "host_vars": Json::Object(args)}));
        r.insert("changed".into(), changed.into());
        (if changed { Status::Changed } else { Status::Ok }, r)
    }

    fn debug(&self, args: &Vars, scope: &Scope) -> (Status, Vars) {
        let mut r = Vars::new();
        if let Some(var) = args.get("var").and_then(Json::as_str) {
            let value = match self.runner.shared.jinja.template(&Json::String(format!("{{{{ {var} }}}}")), scope) {
                Ok(v) => v,
                Err(_) => Json::String("VARIABLE IS NOT DEFINED!".into()),
            };
            r.insert(var.to_string(), value);
        } else {
            r.insert("msg".into(), args.get("msg").cloned().unwrap_or_else(|| "Hello world!".into()));
        }
        r.insert("changed".into(), false.into());
        r.insert("_ansible_verbose_always".into(), true.into());
        (Status::Ok, r)
    }

    fn assert(&self, args: &Vars, scope: &Scope) -> (Status, Vars) {
        let that: Vec<String> = match args.get("that") {
            Some(Json::Array(items)) => items.iter().map(|i| python_str(&from_json(i))).collect(),
            Some(other) => vec![python_str(&from_json(other))],
            None => return failed("conditional required in \"that\" string"),
        };
        let jinja = &self.runner.shared.jinja;
        let text = |key: &str| -> Option<Json> { args.get(key).map(|v| jinja.template(v, scope).unwrap_or_else(|_| v.clone())) };
        for expr in that {
            let expr = expr.trim().trim_start_matches("{{").trim_end_matches("}}").trim().to_string();
            match jinja.condition(&expr, scope) {
                Ok(true) => {}
                Ok(false) => {
                    let mut r = Vars::new();
                    r.insert("assertion".into(), expr.clone().into());
                    r.insert("changed".into(), false.into());
                    r.insert("evaluated_to".into(), false.into());
                    r.insert("failed".into(), true.into());
                    r.insert("msg".into(), text("fail_msg").or_else(|| text("msg")).unwrap_or_else(|| "Assertion failed".into()));
                    return (Status::Failed, r);
                }
                Err(err) => return failed(format!("{}: the conditional check '{expr}' failed: {err}", self.task.span)),
            }
        }
        let mut r = Vars::new();
        r.insert("changed".into(), false.into());
        r.insert("msg".into(), text("success_msg").unwrap_or_else(|| "All assertions passed".into()));
        if !args.get("quiet").and_then(Json::as_bool).unwrap_or(false) {
            r.insert("_ansible_verbose_always".into(), true.into());
        }
        (Status::Ok, r)
    }

    fn include_vars(&self, args: &Vars) -> (Status, Vars) {
        let Some(file) = args.get("file").or_else(|| args.get("_raw_params")).and_then(Json::as_str) else {
            return failed("include_vars needs `file`");
        };
        let path = self.find_file("vars", file);
        let node = match crate::load::read_yaml(&path, &self.runner.options.vault) {
            Ok(n) => n,
            Err(e) => return failed(e.to_string()),
        };
        let vars = node.to_json().as_object().cloned().unwrap_or_default();
        let vars = match args.get("name").and_then(Json::as_str) {
            Some(name) => [(name.to_string(), Json::Object(vars))].into_iter().collect(),
            None => vars,
        };
        self.runner.shared.hosts[self.host].lock().unwrap_or_else(|p| p.into_inner()).set(vars.clone());
        let mut r = Vars::new();
        r.insert("ansible_facts".into(), Json::Object(vars));
        r.insert("ansible_included_var_files".into(), json!([path.display().to_string()]));
        r.insert("changed".into(), false.into());
        (Status::Ok, r)
    }

    /// A controller file for `copy`/`template`/`include_vars`: the role's `sub/`, the role,
    /// the playbook's `sub/`, the playbook directory (PLAY-12).
    fn find_file(&self, sub: &str, name: &str) -> PathBuf {
        let path = Path::new(name);
        if path.is_absolute() {
            return path.to_path_buf();
        }
        let mut candidates = Vec::new();
        if let Some(role) = &self.task.role {
            candidates.push(role.path.join(sub).join(name));
            candidates.push(role.path.join(name));
            candidates.push(role.path.join("tasks").join(name));
        }
        candidates.push(self.play_dir.join(sub).join(name));
        candidates.push(self.play_dir.join(name));
        candidates.iter().find(|p| p.exists()).cloned().unwrap_or_else(|| candidates[candidates.len() - 1].clone())
    }

    async fn connection(&self, host: &Arc<Host>, delegated: Option<usize>) -> Result<Arc<dyn Connection>, HostError> {
        if delegated == Some(LOCAL) {
            return self.runner.connector.connect(host).await;
        }
        let index = delegated.unwrap_or(self.host);
        let existing = self.runner.shared.hosts[index].lock().unwrap_or_else(|p| p.into_inner()).conn.clone();
        if let Some(conn) = existing {
            return Ok(conn);
        }
        let conn = self.runner.connector.connect(host).await?;
        self.runner.shared.hosts[index].lock().unwrap_or_else(|p| p.into_inner()).conn = Some(Arc::clone(&conn));
        Ok(conn)
    }

    fn escalation(&self, host: &Host, scope: &Scope) -> Result<Option<Escalation>, om_core::HostError> {
        let task = self.task;
        let defaults = &self.runner.options.escalation;
        let enabled = task.escalate.as_ref().map(|v| self.truthy(Some(v), scope));
        match enabled {
            Some(false) => Ok(None),
            None => om_exec::escalation(host, defaults),
            Some(true) => {
                let user = task
                    .become_user
                    .as_ref()
                    .and_then(|u| self.runner.shared.jinja.template(u, scope).ok())
                    .and_then(|u| u.as_str().map(str::to_string))
                    .or_else(|| host.var_str(&["ansible_become_user"]))
                    .or_else(|| defaults.user.clone())
                    .unwrap_or_else(|| "root".into());
                let method = match task.become_method.as_deref() {
                    Some(name) => om_exec::become_method(&host.name, name)?,
                    None => defaults.method.unwrap_or(EscalationMethod::Sudo),
                };
                let password = host
                    .var_str(&["ansible_become_password", "ansible_become_pass"])
                    .map(om_core::Secret::new)
                    .or_else(|| defaults.password.clone());
                Ok(Some(Escalation { method, user, password }))
            }
        }
    }

    /// A module through om-exec's dispatch (controller actions and native modules).
    async fn module(&self, mut args: Vars, scope: &Scope) -> (Status, Vars) {
        let task = self.task;
        let Some(action) = om_exec::action::find(&task.module) else {
            return failed(format!("{}: couldn't resolve module/action '{}'", task.span, task.module));
        };
        let mut rendered = None;
        match task.module.as_str() {
            "template" => {
                let Some(src) = args.get("src").and_then(Json::as_str).map(str::to_string) else {
                    return failed("src is required");
                };
                let path = self.find_file("templates", &src);
                let text = match std::fs::read_to_string(&path) {
                    Ok(t) => t,
                    Err(e) => return failed(format!("Could not find or access '{src}': {e}")),
                };
                let options = FileOptions {
                    trim_blocks: args.get("trim_blocks").and_then(Json::as_bool).unwrap_or(true),
                    lstrip_blocks: args.get("lstrip_blocks").and_then(Json::as_bool).unwrap_or(false),
                };
                let mut extra = Vars::new();
                extra.insert("template_path".into(), path.display().to_string().into());
                extra.insert("template_fullpath".into(), path.display().to_string().into());
                extra.insert("template_host".into(), "localhost".into());
                extra.insert("template_uid".into(), "root".into());
                extra.insert("ansible_managed".into(), "Ansible managed".into());
                let tscope = scope.with(Layer::json(extra));
                match self.runner.shared.jinja.render_file(&text, &path.display().to_string(), &tscope, options) {
                    Ok(r) => rendered = Some(r.into_bytes()),
                    Err(e) => {
                        let line = e.line().map(|l| format!(":{l}")).unwrap_or_default();
                        return failed(format!("{}{line}: {e}", path.display()));
                    }
                }
                args.insert("src".into(), path.display().to_string().into());
            }
            "copy" | "script" | "unarchive" => {
                let remote = args.get("remote_src").and_then(Json::as_bool).unwrap_or(false);
                if !remote && let Some(src) = args.get("src").and_then(Json::as_str).map(str::to_string) {
                    let path = self.find_file("files", &src);
                    let mut text = path.display().to_string();
                    if src.ends_with('/') && !text.ends_with('/') {
                        text.push('/');
                    }
                    args.insert("src".into(), text.into());
                }
                if task.module == "script"
                    && let Some(raw) = args.get("_raw_params").and_then(Json::as_str).map(str::to_string)
                {
                    let (first, rest) = raw.split_once(' ').unwrap_or((&raw, ""));
                    let path = self.find_file("files", first);
                    args.insert("_raw_params".into(), format!("{} {rest}", path.display()).trim_end().into());
                }
            }
            _ => {}
        }
        let validated = match action.schema().validate(&args) {
            Ok(v) => v.into_vars(),
            Err(e) => return failed(format!("{}: {e}", task.span)),
        };
        let (host, delegated) = match self.delegate(scope) {
            Ok(d) => d,
            Err(msg) => return failed(msg),
        };
        let conn = match self.connection(&host, delegated).await {
            Ok(c) => c,
            Err(err) => return outcome_result(Outcome::from_error(err)),
        };
        let check = match &task.check_mode {
            Some(v) => self.truthy(Some(v), scope),
            None => self.runner.options.check,
        };
        let diff = match &task.diff {
            Some(v) => self.truthy(Some(v), scope),
            None => self.runner.options.diff,
        };
        let escalation = match self.escalation(&host, scope) {
            Ok(e) => e,
            Err(err) => return outcome_result(Outcome::from_error(err)),
        };
        let environment = match self.environment(scope) {
            Ok(e) => e,
            Err(msg) => return failed(msg),
        };
        let (background, sync_limit) = match self.background(scope) {
            Some(bg) if COMMANDS.contains(&task.module.as_str()) => (Some(bg), None),
            // Native modules: a detached job through om-agent, polled unless `poll: 0`.
            Some(bg) if om_exec::action::runs_in_background(&task.module) => (Some(bg), None),
            // As ansible-core's action plugins without async (`copy`, `template`…).
            Some(_) if om_exec::action::refuses_async(&task.module) => {
                return failed(format!("This action ({}) does not support async.", task.module));
            }
            // The rest (`ping`, `async_status`…) in the foreground, within the time limit.
            Some(bg) => (None, Some(Duration::from_secs(bg.limit_s))),
            None => (None, None),
        };
        // Live output for callers that show it as it comes (`om serve`'s job pages); no_log
        // tasks keep theirs hidden.
        let live = self.runner.options.output_events && !task.no_log;
        let name = host.name.clone();
        let on_output = |chunk: om_core::OutputChunk<'_>| {
            if live {
                self.runner.emit(Event::Output {
                    host: name.clone(),
                    task: self.index,
                    stream: chunk.stream,
                    data: String::from_utf8_lossy(chunk.data).into_owned(),
                });
            }
        };
        let ctx = Ctx {
            host: &host,
            conn: conn.as_ref(),
            args: validated,
            check,
            diff,
            escalation,
            timeout: None,
            output: &on_output,
            background,
            rendered,
            agent_commands: !self.runner.options.cancellable,
            environment,
        };
        let delegated_name = task.delegate_to.as_ref().map(|_| host.name.clone());
        self.connection_notes(conn.as_ref());
        let ran = match sync_limit {
            Some(limit) => match tokio::time::timeout(limit, action.run(&ctx)).await {
                Ok(r) => r,
                Err(_) => return failed("async task did not complete within the requested time"),
            },
            None => action.run(&ctx).await,
        };
        self.connection_notes(conn.as_ref());
        let outcome = match ran {
            Ok(o) => o,
            Err(err) => {
                if err.phase.is_unreachable() && delegated != Some(LOCAL) {
                    let index = delegated.unwrap_or(self.host);
                    self.runner.shared.hosts[index].lock().unwrap_or_else(|p| p.into_inner()).conn = None;
                }
                let msg = format!("{}: {}", err.phase, err.message);
                let mut o = Outcome::from_error(err);
                o.result.insert("msg".into(), msg.into());
                o
            }
        };
        if let Some(facts) = outcome.result.get("ansible_facts").and_then(Json::as_object)
            && outcome.status != Status::Failed
        {
            let facts = facts.clone();
            self.runner.shared.hosts[self.host].lock().unwrap_or_else(|p| p.into_inner()).add_facts(&facts);
        }
        let (status, mut result) = outcome_result(outcome);
        if task.async_limit.is_some() || task.module == "async_status" {
            // ansible-core 2.19 reports a job's `started`/`finished` as booleans.
            for key in ["started", "finished"] {
                if let Some(n) = result.get(key).and_then(Json::as_i64) {
                    result.insert(key.into(), (n != 0).into());
                }
            }
        }
        if let Some(name) = delegated_name {
            result.insert("_ansible_delegated_to".into(), name.into());
        }
        (status, result)
    }

    /// What happened to the connection (established, its agent started…) as `-vvv`'s
    /// `<host> …` lines, each once.
    fn connection_notes(&self, conn: &dyn om_core::Connection) {
        for message in conn.take_notes() {
            self.runner.emit(Event::Connection { host: conn.host_name().to_string(), message });
        }
    }

    /// `environment:` of the play, role, blocks and task merged (inner wins), templated;
    /// values as Python's `str()` gives them, names checked.
    fn environment(&self, scope: &Scope) -> Result<Vec<(String, String)>, String> {
        let span = &self.task.span;
        let mut merged: Vec<(String, String)> = Vec::new();
        for value in &self.task.environment {
            let map = match self.runner.shared.jinja.template(value, scope).map_err(|e| template_failure(span, &e))? {
                Json::Object(map) => map,
                Json::Null => continue,
                other => {
                    return Err(format!("{span}: `environment` must be a mapping, not `{}`", python_str(&from_json(&other))));
                }
            };
            for (name, v) in map {
                if !om_exec::action::valid_env_name(&name) {
                    return Err(format!("{span}: `{name}` is not a valid environment variable name"));
                }
                let text = python_str(&from_json(&v));
                match merged.iter_mut().find(|(n, _)| *n == name) {
                    Some(entry) => entry.1 = text,
                    None => merged.push((name, text)),
                }
            }
        }
        Ok(merged)
    }

    /// `async:`/`poll:` (poll 15 s unless given); `None` without `async` or with `async: 0`.
    fn background(&self, scope: &Scope) -> Option<om_exec::Background> {
        let limit = self.number(self.task.async_limit.as_ref(), scope, 0.0);
        if limit <= 0.0 {
            return None;
        }
        let poll = self.number(self.task.poll.as_ref(), scope, 15.0).max(0.0);
        Some(om_exec::Background { limit_s: limit.ceil() as u64, poll_s: poll.ceil() as u64 })
    }

    /// The host the module runs on: this one, or `delegate_to`'s.
    fn delegate(&self, scope: &Scope) -> Result<(Arc<Host>, Option<usize>), String> {
        let Some(value) = &self.task.delegate_to else { return Ok((self.host(), None)) };
        let target = self.runner.shared.jinja.template(value, scope).map_err(|e| template_failure(&self.task.span, &e))?;
        let name = python_str(&from_json(&target));
        if let Some(i) = self.runner.shared.lookup(&name) {
            let host = Arc::clone(&self.runner.shared.hosts[i].lock().unwrap_or_else(|p| p.into_inner()).host);
            return Ok((host, Some(i)));
        }
        if matches!(name.as_str(), "localhost" | "127.0.0.1" | "::1") {
            let mut host = Host::new(name);
            host.vars.insert("ansible_connection".into(), "local".into());
            return Ok((Arc::new(host), Some(LOCAL)));
        }
        Err(format!("{}: delegate_to `{name}` is not a host in the inventory", self.task.span))
    }
}

/// The modules that can run as background jobs.
const COMMANDS: &[&str] = &["command", "shell", "raw", "script"];

/// The "host index" of a task delegated to the controller: a fresh local connection.
const LOCAL: usize = usize::MAX;

fn outcome_result(outcome: Outcome) -> (Status, Vars) {
    let mut r = outcome.result;
    r.entry("changed").or_insert(false.into());
    if outcome.status == Status::Failed {
        r.insert("failed".into(), true.into());
    }
    let _ = Phase::Module;
    (outcome.status, r)
}

fn censor(result: Vars) -> Vars {
    let mut out = Vars::new();
    out.insert("censored".into(), CENSORED.into());
    for key in ["changed", "failed", "skipped", "_ansible_ignored", "_ansible_item_label", "results"] {
        if let Some(v) = result.get(key) {
            out.insert(key.into(), if key == "results" { json!([]) } else { v.clone() });
        }
    }
    out
}
