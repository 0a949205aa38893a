//! Argument schemas: every parameter's type, aliases, default, choices and whether it is
//! required, plus the constraints between parameters, as ansible-core's `argument_spec`.
//!
//! [`Schema::validate`] turns the arguments a task gave into [`Args`]: canonical names,
//! defaults filled in, values coerced to their declared types the way ansible-core coerces
//! them (`"yes"` is a boolean, `"a,b"` a list, `"42"` an integer). A problem is an
//! [`ArgsError`] that names the module, the argument and what was expected.

use serde::Serialize;
use serde_json::Value;

use crate::Args;
use om_core::Vars;

/// The type of a parameter, as ansible-core's `type=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Type {
    Str,
    Bool,
    Int,
    Float,
    /// A string naming a path on the host; `~` is expanded where the module runs.
    Path,
    /// Any JSON value, kept as given.
    Raw,
    List,
    Dict,
    /// A file mode: an octal or symbolic string, or an integer taken as the mode bits (MOD-2).
    Mode,
}

impl Type {
    fn describe(self) -> &'static str {
        match self {
            Type::Str => "a string",
            Type::Bool => "a boolean",
            Type::Int => "an integer",
            Type::Float => "a number",
            Type::Path => "a path",
            Type::Raw => "any value",
            Type::List => "a list",
            Type::Dict => "a mapping",
            Type::Mode => "a file mode (octal string, symbolic string or integer)",
        }
    }
}

/// A default value, as the schema declares it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Default {
    Str(&'static str),
    Bool(bool),
    Int(i64),
}

impl Default {
    fn to_value(self) -> Value {
        match self {
            Default::Str(s) => Value::from(s),
            Default::Bool(b) => Value::from(b),
            Default::Int(i) => Value::from(i),
        }
    }
}

/// One parameter of a module.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Param {
    pub name: &'static str,
    #[serde(rename = "type")]
    pub ty: Type,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elements: Option<Type>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub aliases: &'static [&'static str],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<Default>,
    pub required: bool,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub choices: &'static [&'static str],
    /// A secret: never echoed in results or errors.
    pub no_log: bool,
}

impl Param {
    pub const fn new(name: &'static str, ty: Type) -> Self {
        Self { name, ty, elements: None, aliases: &[], default: None, required: false, choices: &[], no_log: false }
    }
    pub const fn str(name: &'static str) -> Self {
        Self::new(name, Type::Str)
    }
    pub const fn path(name: &'static str) -> Self {
        Self::new(name, Type::Path)
    }
    pub const fn bool(name: &'static str, default: bool) -> Self {
        Self::new(name, Type::Bool).default(Default::Bool(default))
    }
    pub const fn int(name: &'static str) -> Self {
        Self::new(name, Type::Int)
    }
    pub const fn list(name: &'static str) -> Self {
        Self::new(name, Type::List).elements(Type::Str)
    }
    pub const fn aliases(self, aliases: &'static [&'static str]) -> Self {
        Self { aliases, ..self }
    }
    pub const fn default(self, default: Default) -> Self {
        Self { default: Some(default), ..self }
    }
    pub const fn default_str(self, value: &'static str) -> Self {
        self.default(Default::Str(value))
    }
    pub const fn default_int(self, value: i64) -> Self {
        self.default(Default::Int(value))
    }
    pub const fn required(self) -> Self {
        Self { required: true, ..self }
    }
    pub const fn choices(self, choices: &'static [&'static str]) -> Self {
        Self { choices, ..self }
    }
    pub const fn elements(self, elements: Type) -> Self {
        Self { elements: Some(elements), ..self }
    }
    pub const fn no_log(self) -> Self {
        Self { no_log: true, ..self }
    }
}

/// `(param, value, then required)`: when `param` equals `value`, every name in `then` is required.
pub type RequiredIf = (&'static str, &'static str, &'static [&'static str]);

/// The parameters of a module and the rules between them.
#[derive(Debug, Serialize)]
pub struct Schema {
    pub module: &'static str,
    /// One line: what the module does.
    pub description: &'static str,
    pub params: &'static [Param],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub mutually_exclusive: &'static [&'static [&'static str]],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub required_one_of: &'static [&'static [&'static str]],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub required_together: &'static [&'static [&'static str]],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub required_if: &'static [RequiredIf],
    /// The module takes free text (`command`, `shell`): it arrives as `_raw_params`.
    pub free_form: bool,
    /// The module supports check mode (`-C`).
    pub check_mode: bool,
    /// The module returns a diff with `-D`.
    pub diff: bool,
    /// The module needs `om-agent` on the host: it has no shell fallback.
    pub agent_only: bool,
}

impl Schema {
    /// A schema with no constraints between parameters; the `with_*` methods add them.
    pub const fn new(module: &'static str, description: &'static str, params: &'static [Param]) -> Self {
        Self {
            module,
            description,
            params,
            mutually_exclusive: &[],
            required_one_of: &[],
            required_together: &[],
            required_if: &[],
            free_form: false,
            check_mode: true,
            diff: false,
            agent_only: false,
        }
    }
    pub const fn exclusive(self, sets: &'static [&'static [&'static str]]) -> Self {
        Self { mutually_exclusive: sets, ..self }
    }
    pub const fn one_of(self, sets: &'static [&'static [&'static str]]) -> Self {
        Self { required_one_of: sets, ..self }
    }
    pub const fn together(self, sets: &'static [&'static [&'static str]]) -> Self {
        Self { required_together: sets, ..self }
    }
    pub const fn required_if(self, rules: &'static [RequiredIf]) -> Self {
        Self { required_if: rules, ..self }
    }
    pub const fn free_form(self) -> Self {
        Self { free_form: true, ..self }
    }
    pub const fn with_diff(self) -> Self {
        Self { diff: true, ..self }
    }
    pub const fn no_check_mode(self) -> Self {
        Self { check_mode: false, ..self }
    }
    pub const fn agent_only(self) -> Self {
        Self { agent_only: true, ..self }
    }

    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name || p.aliases.contains(&name))
    }

    /// Every accepted name, canonical names and aliases, sorted.
    pub fn names(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> =
            self.params.iter().flat_map(|p| std::iter::once(p.name).chain(p.aliases.iter().copied())).collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// The keys a free-form module takes out of its text (`chdir=`, `creates=`…): every name
    /// and alias but the internal `_raw_params`/`_uses_shell`.
    pub fn control_keys(&self) -> Vec<&'static str> {
        self.names().into_iter().filter(|n| !n.starts_with('_')).collect()
    }

    /// Checks and normalises a task's arguments (see the module documentation).
    pub fn validate(&'static self, given: &Vars) -> Result<Args, ArgsError> {
        let module = self.module;
        let mut values = Vars::new();
        let mut unknown = Vec::new();
        let mut warnings = Vec::new();
        for (key, value) in given {
            if key.starts_with("_ansible_") {
                continue;
            }
            let Some(param) = self.param(key) else {
                unknown.push(key.clone());
                continue;
            };
            if param.name != key && given.contains_key(param.name) {
                warnings.push(format!("both option {} and its alias {key} are set", param.name));
                continue;
            }
            values.insert(param.name.to_string(), value.clone());
        }
        if !unknown.is_empty() {
            unknown.sort();
            let supported = self.names();
            let closest = unknown.iter().find_map(|u| crate::registry::closest(u, supported.iter().copied()));
            return Err(ArgsError::Unsupported {
                module,
                names: unknown,
                supported: supported.iter().map(|s| s.to_string()).collect(),
                closest: closest.map(str::to_string),
            });
        }
        for set in self.mutually_exclusive {
            let present: Vec<&str> = set.iter().copied().filter(|n| is_set(&values, n)).collect();
            if present.len() > 1 {
                return Err(ArgsError::MutuallyExclusive { module, names: present.join("|") });
            }
        }
        let missing: Vec<&str> = self.params.iter().filter(|p| p.required && !is_set(&values, p.name)).map(|p| p.name).collect();
        if !missing.is_empty() {
            return Err(ArgsError::Missing { module, names: missing.join(", ") });
        }
        for set in self.required_one_of {
            if !set.iter().any(|n| is_set(&values, n)) {
                return Err(ArgsError::OneOf { module, names: set.join(", ") });
            }
        }
        for set in self.required_together {
            let count = set.iter().filter(|n| is_set(&values, n)).count();
            if count != 0 && count != set.len() {
                return Err(ArgsError::Together { module, names: set.join(", ") });
            }
        }
        for param in self.params {
            match values.get_mut(param.name) {
                Some(Value::Null) | None => {
                    if let Some(default) = param.default {
                        let v = default.to_value();
                        let v = coerce(&v, param.ty, param.elements).unwrap_or(v);
                        values.insert(param.name.to_string(), v);
                    }
                }
                Some(value) => {
                    let coerced = coerce(value, param.ty, param.elements).map_err(|got| ArgsError::Type {
                        module,
                        arg: param.name,
                        expected: param.ty.describe(),
                        got,
                    })?;
                    *value = coerced;
                    if !param.choices.is_empty() {
                        check_choices(module, param, value)?;
                    }
                }
            }
        }
        for (param, value, then) in self.required_if {
            if values.get(*param).and_then(Value::as_str) == Some(*value) {
                let missing: Vec<&str> = then.iter().copied().filter(|n| !is_set(&values, n)).collect();
                if !missing.is_empty() {
                    return Err(ArgsError::RequiredIf { module, param, value, names: missing.join(", ") });
                }
            }
        }
        Ok(Args::new(self, values, warnings))
    }
}

fn is_set(values: &Vars, name: &str) -> bool {
    values.get(name).is_some_and(|v| !v.is_null())
}

fn check_choices(module: &'static str, param: &Param, value: &Value) -> Result<(), ArgsError> {
    let items: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    for item in items {
        let text = match item {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if !param.choices.contains(&text.as_str()) {
            return Err(ArgsError::Choice { module, arg: param.name, choices: param.choices.join(", "), got: text });
        }
    }
    Ok(())
}

/// ansible-core's `BOOLEANS_TRUE` / `BOOLEANS_FALSE`.
pub fn to_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_f64() {
            Some(1.0) => Some(true),
            Some(0.0) => Some(false),
            _ => None,
        },
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "y" | "yes" | "on" | "1" | "true" | "t" => Some(true),
            "n" | "no" | "off" | "0" | "false" | "f" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

fn describe_value(value: &Value) -> String {
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "mapping",
    };
    let mut text = value.to_string();
    if text.len() > 60 {
        text.truncate(57);
        text.push_str("...");
    }
    format!("{kind} `{text}`")
}

/// Coerces `value` to `ty` as ansible-core does; `Err` carries a description of the value.
fn coerce(value: &Value, ty: Type, elements: Option<Type>) -> Result<Value, String> {
    let fail = || describe_value(value);
    Ok(match ty {
        Type::Raw => value.clone(),
        Type::Str | Type::Path => match value {
            Value::String(_) => value.clone(),
            Value::Number(n) => Value::String(n.to_string()),
            Value::Bool(b) => Value::String(if *b { "True".into() } else { "False".into() }),
            _ => return Err(fail()),
        },
        Type::Bool => Value::Bool(to_bool(value).ok_or_else(fail)?),
        Type::Int => match value {
            Value::Number(n) if n.is_i64() || n.is_u64() => value.clone(),
            Value::Number(n) => match n.as_f64() {
                Some(f) if f.fract() == 0.0 => Value::from(f as i64),
                _ => return Err(fail()),
            },
            Value::String(s) => Value::from(s.trim().parse::<i64>().map_err(|_| fail())?),
            _ => return Err(fail()),
        },
        Type::Float => match value {
            Value::Number(_) => value.clone(),
            Value::String(s) => {
                serde_json::Number::from_f64(s.trim().parse::<f64>().map_err(|_| fail())?).map(Value::Number).ok_or_else(fail)?
            }
            _ => return Err(fail()),
        },
        Type::List => {
            let items: Vec<Value> = match value {
                Value::Array(items) => items.clone(),
                Value::String(s) if s.is_empty() => Vec::new(),
                Value::String(s) => s.split(',').map(|p| Value::String(p.trim().to_string())).collect(),
                Value::Number(_) | Value::Bool(_) => vec![value.clone()],
                _ => return Err(fail()),
            };
            match elements {
                Some(el) if el != Type::Raw => {
                    items.iter().map(|item| coerce(item, el, None)).collect::<Result<Vec<_>, _>>().map(Value::Array)?
                }
                _ => Value::Array(items),
            }
        }
        Type::Dict => match value {
            Value::Object(_) => value.clone(),
            Value::String(s) if s.trim_start().starts_with('{') => serde_json::from_str(s).map_err(|_| fail())?,
            Value::String(s) => {
                let parsed = om_core::parse_free_form(s, None).map_err(|_| fail())?;
                Value::Object(parsed)
            }
            _ => return Err(fail()),
        },
        Type::Mode => match value {
            Value::String(_) | Value::Number(_) => value.clone(),
            _ => return Err(fail()),
        },
    })
}

/// Why a task's arguments were refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ArgsError {
    #[error("Unsupported parameters for ({module}) module: {}. Supported parameters include: {}.{}", names.join(", "), supported.join(", "), closest.as_ref().map(|c| format!(" Did you mean `{c}`?")).unwrap_or_default())]
    Unsupported { module: &'static str, names: Vec<String>, supported: Vec<String>, closest: Option<String> },
    #[error("argument `{arg}` of module `{module}` must be {expected}, got {got}")]
    Type { module: &'static str, arg: &'static str, expected: &'static str, got: String },
    #[error("missing required arguments for module `{module}`: {names}")]
    Missing { module: &'static str, names: String },
    #[error("value of `{arg}` of module `{module}` must be one of: {choices}, got: {got}")]
    Choice { module: &'static str, arg: &'static str, choices: String, got: String },
    #[error("parameters are mutually exclusive for module `{module}`: {names}")]
    MutuallyExclusive { module: &'static str, names: String },
    #[error("module `{module}` needs one of the following: {names}")]
    OneOf { module: &'static str, names: String },
    #[error("parameters are required together for module `{module}`: {names}")]
    Together { module: &'static str, names: String },
    #[error("{param} is {value} but all of the following are missing for module `{module}`: {names}")]
    RequiredIf { module: &'static str, param: &'static str, value: &'static str, names: String },
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    static SCHEMA: Schema = Schema::new(
        "demo",
        "a module for tests",
        &[
            Param::path("path").aliases(&["dest", "name"]).required(),
            Param::str("state").choices(&["file", "absent"]).default_str("file"),
            Param::bool("force", false),
            Param::int("size"),
            Param::list("groups"),
            Param::str("src"),
            Param::str("content"),
        ],
    )
    .exclusive(&[&["src", "content"]]);

    fn args(v: serde_json::Value) -> Vars {
        v.as_object().expect("an object").clone()
    }

    #[test]
    fn aliases_defaults_and_coercion_follow_ansible() {
        let a = SCHEMA.validate(&args(json!({"dest": "/tmp/x", "force": "yes", "size": "42", "groups": "a, b"}))).expect("valid");
        assert_eq!(a.str("path"), Some("/tmp/x"));
        assert_eq!(a.str("state"), Some("file"));
        assert!(a.bool("force"));
        assert_eq!(a.int("size"), Some(42));
        assert_eq!(a.list("groups"), vec!["a", "b"]);
    }

    #[test]
    fn unknown_argument_names_the_valid_ones_and_the_closest() {
        let err = SCHEMA.validate(&args(json!({"path": "/x", "stat": "file"}))).expect_err("unknown");
        let text = err.to_string();
        assert!(
            text.starts_with("Unsupported parameters for (demo) module: stat. Supported parameters include: content, dest, force"),
            "{text}"
        );
        assert!(text.ends_with("Did you mean `state`?"), "{text}");
    }

    #[test]
    fn type_errors_say_which_argument_and_what_type() {
        let err = SCHEMA.validate(&args(json!({"path": "/x", "size": "big"}))).expect_err("bad int");
        assert_eq!(err.to_string(), "argument `size` of module `demo` must be an integer, got string `\"big\"`");
        let err = SCHEMA.validate(&args(json!({"path": "/x", "force": "maybe"}))).expect_err("bad bool");
        assert!(err.to_string().contains("`force`"), "{err}");
    }

    #[test]
    fn constraints_are_checked() {
        assert!(matches!(SCHEMA.validate(&args(json!({}))), Err(ArgsError::Missing { .. })));
        assert!(matches!(SCHEMA.validate(&args(json!({"path": "/x", "state": "gone"}))), Err(ArgsError::Choice { .. })));
        assert!(matches!(
            SCHEMA.validate(&args(json!({"path": "/x", "src": "a", "content": "b"}))),
            Err(ArgsError::MutuallyExclusive { .. })
        ));
    }
}
