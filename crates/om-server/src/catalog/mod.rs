//! The action catalog: actions are data (WEB-40 – WEB-44), never code chosen by a request.
//!
//! An [`ActionDef`] names typed parameters and what runs. [`ActionDef::validate`] turns what a
//! client sent into [`Values`]; [`ActionDef::render`] turns values into the command for one
//! host, every value quoted for the shell, never pasted raw into a command line.

mod builtin;
mod param;
pub(crate) mod render;

use serde::{Deserialize, Serialize};

pub use builtin::{builtin_actions, install_examples};
pub use param::{EnumChoice, FileChoice, Param, ParamKind, Values};
pub use render::{Rendered, render_template};

use crate::error::{ApiError, FieldError};

/// The menu groups of the book, plus anything custom.
pub const GROUPS: &[(&str, &str)] =
    &[("bas", "basic"), ("app", "application"), ("dba", "database"), ("ser", "service"), ("mid", "middleware")];

/// An action as stored (the `definition` column) and as `om action import|export` writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionDef {
    pub name: String,
    #[serde(default)]
    pub caption: String,
    #[serde(default = "default_group")]
    pub group: String,
    #[serde(default)]
    pub params: Vec<Param>,
    pub run: RunDef,
    /// Which server field the transport dials: `ip` or `hostname`.
    #[serde(default = "default_address")]
    pub address: String,
    #[serde(default = "default_max_targets")]
    pub max_targets: usize,
    #[serde(default = "default_forks")]
    pub forks: usize,
    /// Seconds per host.
    #[serde(default = "default_timeout")]
    pub timeout: u64,
    /// `none`, `confirm` or `approval`.
    #[serde(default = "default_danger")]
    pub danger: String,
    /// If set, the role a user needs at the targets' scope (one of them).
    #[serde(default)]
    pub roles: Vec<String>,
}

fn default_group() -> String {
    "bas".into()
}
fn default_address() -> String {
    "ip".into()
}
fn default_max_targets() -> usize {
    100
}
fn default_forks() -> usize {
    20
}
fn default_timeout() -> u64 {
    300
}
fn default_danger() -> String {
    "none".into()
}

/// What runs on each host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RunDef {
    /// An argv template: each element rendered on its own, then quoted; no shell parsing of
    /// values.
    Command { argv: Vec<String> },
    /// A shell script template; every substituted value is shell-quoted. `shell` runs it
    /// (an absolute path; `/bin/sh` when unset, as Ansible's `shell` module).
    Shell {
        script: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        shell: Option<String>,
    },
    /// A native om module with templated arguments (needs om-agent on the host).
    Module {
        module: String,
        #[serde(default)]
        args: serde_json::Map<String, serde_json::Value>,
    },
    /// A file of the platform's repository, chosen by the `param` parameter (a `file`
    /// parameter), copied to its destination; a replaced file is kept as a timestamped backup (`copy`'s `backup`).
    Copy {
        param: String,
        #[serde(default)]
        backup: bool,
    },
    /// A playbook of the platform's repository with extra variables from the parameters.
    Playbook { playbook: String },
}

impl ActionDef {
    /// Parses and checks a definition: names, groups, parameter schemas and templates.
    pub fn parse(value: &serde_json::Value) -> Result<ActionDef, ApiError> {
        let def: ActionDef = serde_json::from_value(value.clone()).map_err(|e| ApiError::invalid("definition", e.to_string()))?;
        def.check()?;
        Ok(def)
    }

    pub fn check(&self) -> Result<(), ApiError> {
        let mut errors = Vec::new();
        let mut push = |field: &str, message: String| errors.push(FieldError { field: field.into(), message });
        if self.name.trim().is_empty() || self.name.len() > 200 {
            push("name", "must have 1 to 200 characters".into());
        }
        if self.group.is_empty() || self.group.len() > 32 {
            push("group", "must have 1 to 32 characters".into());
        }
        if !["ip", "hostname"].contains(&self.address.as_str()) {
            push("address", "must be `ip` or `hostname`".into());
        }
        if !["none", "confirm", "approval"].contains(&self.danger.as_str()) {
            push("danger", "must be `none`, `confirm` or `approval`".into());
        }
        if self.forks == 0 || self.max_targets == 0 || self.timeout == 0 {
            push("forks", "forks, max_targets and timeout must be positive".into());
        }
        let mut seen = std::collections::HashSet::new();
        for p in &self.params {
            if !seen.insert(p.name.as_str()) {
                push("params", format!("parameter `{}` is defined twice", p.name));
            }
            if let Err(message) = p.check() {
                push(&format!("params.{}", p.name), message);
            }
        }
        match &self.run {
            RunDef::Command { argv } if argv.is_empty() => push("run.argv", "needs at least the program".into()),
            RunDef::Copy { param, .. } if !self.params.iter().any(|p| &p.name == param && matches!(p.kind, ParamKind::File { .. })) => {
                push("run.param", format!("`{param}` must name a `file` parameter"))
            }
            _ => {}
        }
        if let RunDef::Shell { shell: Some(shell), .. } = &self.run
            && (!shell.starts_with('/') || shell.chars().any(|c| c.is_whitespace() || c.is_control()))
        {
            push("run.shell", format!("`{shell}` is not an absolute path to a shell (such as /bin/bash)"));
        }
        for template in self.templates() {
            if let Err(err) = render::check_template(template) {
                push("run", format!("template `{template}`: {err}"));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            let message = errors.iter().map(|e| format!("`{}`: {}", e.field, e.message)).collect::<Vec<_>>().join("; ");
            Err(ApiError::Invalid { message, errors })
        }
    }

    fn templates(&self) -> Vec<&str> {
        match &self.run {
            RunDef::Command { argv } => argv.iter().map(String::as_str).collect(),
            RunDef::Shell { script, .. } => vec![script.as_str()],
            RunDef::Module { args, .. } => args.values().filter_map(|v| v.as_str()).collect(),
            RunDef::Copy { .. } | RunDef::Playbook { .. } => Vec::new(),
        }
    }

    /// Checks every parameter a client sent; unknown parameters are refused.
    pub fn validate(&self, input: &serde_json::Map<String, serde_json::Value>) -> Result<Values, ApiError> {
        let mut errors = Vec::new();
        for name in input.keys() {
            if !self.params.iter().any(|p| &p.name == name) {
                errors.push(FieldError { field: name.clone(), message: "is not a parameter of this action".into() });
            }
        }
        let mut values = Values::default();
        for p in &self.params {
            match p.validate(input.get(&p.name)) {
                Ok(Some(v)) => {
                    values.0.insert(p.name.clone(), v);
                }
                Ok(None) => {}
                Err(message) => errors.push(FieldError { field: p.name.clone(), message }),
            }
        }
        if errors.is_empty() {
            Ok(values)
        } else {
            let message = errors.iter().map(|e| format!("`{}` {}", e.field, e.message)).collect::<Vec<_>>().join("; ");
            Err(ApiError::Invalid { message, errors })
        }
    }

    /// The values as stored with a job: secrets become `****`.
    pub fn redact(&self, values: &Values) -> serde_json::Value {
        let mut out = serde_json::Map::new();
        for (k, v) in &values.0 {
            let secret = self.params.iter().any(|p| &p.name == k && matches!(p.kind, ParamKind::Secret { .. }));
            out.insert(k.clone(), if secret { "****".into() } else { v.clone() });
        }
        serde_json::Value::Object(out)
    }
}
