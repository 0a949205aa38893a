//! From validated values to what runs on one host. Templates use the playbook Jinja2
//! dialect (minijinja); every value reaches the command as one quoted word.

use serde_json::{Value, json};

use super::{ActionDef, ParamKind, RunDef, Values};
use crate::error::ApiError;

/// What a host is asked to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Rendered {
    /// A command line for `sh -c` (or the action's `shell`), every value already quoted.
    Exec { command: String, shell: Option<String> },
    /// Copy a repository file to the host.
    Copy { src: String, dest: String, mode: Option<u32>, backup: bool },
    /// A native module call.
    Module { module: String, args: serde_json::Map<String, Value> },
    /// A repository playbook with extra variables.
    Playbook { playbook: String, extra_vars: Value },
}

fn environment() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env
}

/// Whether `template` compiles.
pub fn check_template(template: &str) -> Result<(), String> {
    environment().template_from_str(template).map(|_| ()).map_err(|e| e.to_string())
}

/// Renders one template against `context`.
pub fn render_template(template: &str, context: &Value) -> Result<String, ApiError> {
    let env = environment();
    let tmpl = env.template_from_str(template).map_err(|e| ApiError::invalid("run", e.to_string()))?;
    tmpl.render(context).map_err(|e| ApiError::invalid("run", format!("cannot render `{template}`: {e}")))
}

/// Quotes a word for `sh`.
pub fn quote(word: &str) -> String {
    shell_words::quote(word).into_owned()
}

impl ActionDef {
    /// The template context: parameters (enums mapped, files as destinations), `host`
    /// (`name`, `ip`) and the server's `vars`. With `quoted`, every string leaf is already
    /// shell-quoted (the `shell` kind).
    pub fn context(&self, values: &Values, host: &Value, vars: &Value, quoted: bool) -> Value {
        let mut ctx = serde_json::Map::new();
        for p in &self.params {
            let v = values.0.get(&p.name).map(|v| p.template_value(v)).unwrap_or(Value::Null);
            ctx.insert(p.name.clone(), v);
        }
        ctx.insert("host".into(), host.clone());
        ctx.insert("vars".into(), vars.clone());
        let ctx = Value::Object(ctx);
        if quoted { quote_leaves(&ctx) } else { ctx }
    }

    /// What runs on one host.
    pub fn render(&self, values: &Values, host: &Value, vars: &Value) -> Result<Rendered, ApiError> {
        match &self.run {
            RunDef::Command { argv } => {
                let ctx = self.context(values, host, vars, false);
                let words = argv.iter().map(|a| render_template(a, &ctx)).collect::<Result<Vec<_>, _>>()?;
                Ok(Rendered::Exec { command: words.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" "), shell: None })
            }
            RunDef::Shell { script, shell } => {
                let ctx = self.context(values, host, vars, true);
                Ok(Rendered::Exec { command: render_template(script, &ctx)?, shell: shell.clone() })
            }
            RunDef::Module { module, args } => {
                let ctx = self.context(values, host, vars, false);
                let mut out = serde_json::Map::new();
                for (k, v) in args {
                    let v = match v {
                        Value::String(t) => Value::String(render_template(t, &ctx)?),
                        other => other.clone(),
                    };
                    out.insert(k.clone(), v);
                }
                Ok(Rendered::Module { module: module.clone(), args: out })
            }
            RunDef::Copy { param, backup } => {
                let p = self.params.iter().find(|p| &p.name == param).ok_or_else(|| ApiError::invalid("run.param", "no such parameter"))?;
                let ParamKind::File { choices } = &p.kind else { return Err(ApiError::invalid("run.param", "not a file parameter")) };
                let chosen = values.0.get(param).and_then(Value::as_str).unwrap_or_default();
                let c = choices
                    .iter()
                    .find(|c| c.value == chosen)
                    .ok_or_else(|| ApiError::invalid(param.as_str(), "must be one of the files"))?;
                Ok(Rendered::Copy { src: c.src.clone(), dest: c.dest.clone(), mode: c.mode, backup: *backup })
            }
            RunDef::Playbook { playbook } => Ok(Rendered::Playbook { playbook: playbook.clone(), extra_vars: json!(values.0) }),
        }
    }
}

fn quote_leaves(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), quote_leaves(v))).collect()),
        Value::Array(items) => Value::Array(items.iter().map(quote_leaves).collect()),
        Value::String(s) => Value::String(quote(s)),
        Value::Number(n) => Value::String(n.to_string()),
        Value::Bool(b) => Value::String(b.to_string()),
        Value::Null => Value::String("''".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(run: Value, params: Value) -> ActionDef {
        ActionDef::parse(&json!({"name": "t", "run": run, "params": params})).expect("a valid action")
    }

    #[test]
    fn argv_values_are_one_word_each() {
        let a = action(json!({"kind": "command", "argv": ["echo", "{{ msg }}"]}), json!([{"name": "msg", "type": "string"}]));
        let values = a.validate(json!({"msg": "a b; rm -rf / $(id) `id`"}).as_object().expect("object")).expect("valid");
        let Rendered::Exec { command, .. } = a.render(&values, &json!({}), &json!({})).expect("renders") else { panic!("exec") };
        assert_eq!(shell_words::split(&command).expect("splits"), ["echo", "a b; rm -rf / $(id) `id`"]);
    }

    #[test]
    fn shell_scripts_get_quoted_values() {
        let a = action(
            json!({"kind": "shell", "script": "tail -n {{ lines }} /var/log/syslog | grep {{ word }}"}),
            json!([{"name": "lines", "type": "int"}, {"name": "word", "type": "string"}]),
        );
        let values = a.validate(json!({"lines": 5, "word": "x'; reboot #"}).as_object().expect("object")).expect("valid");
        let Rendered::Exec { command, .. } = a.render(&values, &json!({}), &json!({})).expect("renders") else { panic!("exec") };
        assert_eq!(command, "tail -n 5 /var/log/syslog | grep 'x'\\''; reboot #'");
    }

    #[test]
    fn unknown_parameters_and_bad_templates_are_refused() {
        let a = action(json!({"kind": "command", "argv": ["uptime"]}), json!([]));
        assert!(a.validate(json!({"x": 1}).as_object().expect("object")).is_err());
        assert!(ActionDef::parse(&json!({"name": "t", "run": {"kind": "command", "argv": ["{{ x"]}})).is_err());
    }
}
