//! Module argument schemas (RUN-3): each parameter's type, aliases, default, choices and
//! whether it is required, plus mutually exclusive sets. [`Schema::validate`] turns the
//! arguments a user wrote into the canonical, typed map an action reads, or the error
//! ansible-core gives (`Unsupported parameters for (copy) module: …`).

use om_core::Vars;
use serde_json::Value;

/// The type a parameter's value is coerced to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Str,
    Bool,
    Int,
    /// A path: a string with `~` kept for the host to expand.
    Path,
    /// File mode: a string kept as written (`"0644"`, `u+rwx`), or a YAML integer.
    Mode,
    /// A list of strings; a comma-separated string is split.
    List,
    /// Any JSON value, unchanged.
    Raw,
}

/// One parameter of a module.
#[derive(Debug, Clone, Copy)]
pub struct Arg {
    pub name: &'static str,
    pub kind: Kind,
    pub aliases: &'static [&'static str],
    pub default: Option<&'static str>,
    pub required: bool,
    pub choices: &'static [&'static str],
    pub doc: &'static str,
}

impl Arg {
    pub const fn new(name: &'static str, kind: Kind, doc: &'static str) -> Self {
        Self { name, kind, aliases: &[], default: None, required: false, choices: &[], doc }
    }

    pub const fn aliases(mut self, aliases: &'static [&'static str]) -> Self {
        self.aliases = aliases;
        self
    }

    pub const fn default(mut self, value: &'static str) -> Self {
        self.default = Some(value);
        self
    }

    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub const fn choices(mut self, choices: &'static [&'static str]) -> Self {
        self.choices = choices;
        self
    }
}

/// What a module accepts.
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    pub module: &'static str,
    pub doc: &'static str,
    /// Free-text modules (`command`, `shell`, `raw`, `script`) take `_raw_params`.
    pub free_form: bool,
    pub args: &'static [Arg],
    pub mutually_exclusive: &'static [&'static [&'static str]],
    /// At least one of these must be given.
    pub required_one_of: &'static [&'static [&'static str]],
}

/// Why module arguments were rejected; the messages are ansible-core's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    #[error("Unsupported parameters for ({module}) module: {names}. Supported parameters include: {supported}.")]
    Unsupported { module: String, names: String, supported: String },
    #[error("missing required arguments: {names}")]
    Missing { names: String },
    #[error("one of the following is required: {names}")]
    OneOf { names: String },
    #[error("parameters are mutually exclusive: {names}")]
    Exclusive { names: String },
    #[error("value of {name} must be one of: {choices}, got: {value}")]
    Choice { name: String, choices: String, value: String },
    #[error("argument '{name}' is of type {found} and we were unable to convert to {wanted}: {value}")]
    Type { name: String, found: String, wanted: String, value: String },
    #[error("no command given")]
    NoCommand,
}

impl Schema {
    fn find(&self, name: &str) -> Option<&Arg> {
        self.args.iter().find(|a| a.name == name || a.aliases.contains(&name))
    }

    /// The control keys a free-form module extracts from its text (`chdir=`, `creates=`…).
    pub fn control_keys(&self) -> Vec<&'static str> {
        self.args.iter().flat_map(|a| std::iter::once(a.name).chain(a.aliases.iter().copied())).collect()
    }

    /// Checks and coerces `given` into canonical names with defaults filled in.
    pub fn validate(&self, given: &Vars) -> Result<Vars, SchemaError> {
        let mut unknown: Vec<&str> =
            given.keys().map(String::as_str).filter(|k| !(self.free_form && *k == "_raw_params") && self.find(k).is_none()).collect();
        if !unknown.is_empty() {
            unknown.sort_unstable();
            let mut supported: Vec<&str> =
                self.args.iter().flat_map(|a| std::iter::once(a.name).chain(a.aliases.iter().copied())).collect();
            supported.sort_unstable();
            return Err(SchemaError::Unsupported {
                module: self.module.into(),
                names: unknown.join(", "),
                supported: supported.join(", "),
            });
        }
        let mut out = Vars::new();
        if let Some(raw) = given.get("_raw_params") {
            out.insert("_raw_params".into(), raw.clone());
        }
        for (key, value) in given {
            if let Some(arg) = self.find(key) {
                out.insert(arg.name.to_string(), coerce(arg, value)?);
            }
        }
        for set in self.mutually_exclusive {
            let present: Vec<&str> = set.iter().copied().filter(|n| out.contains_key(*n)).collect();
            if present.len() > 1 {
                return Err(SchemaError::Exclusive { names: present.join("|") });
            }
        }
        for set in self.required_one_of {
            if !set.iter().any(|n| out.contains_key(*n)) {
                return Err(SchemaError::OneOf { names: set.join(", ") });
            }
        }
        let missing: Vec<&str> = self.args.iter().filter(|a| a.required && !out.contains_key(a.name)).map(|a| a.name).collect();
        if !missing.is_empty() {
            return Err(SchemaError::Missing { names: missing.join(", ") });
        }
        for arg in self.args {
            if let (Some(default), false) = (arg.default, out.contains_key(arg.name)) {
                out.insert(arg.name.to_string(), coerce(arg, &Value::String(default.into()))?);
            }
        }
        Ok(out)
    }
}

fn coerce(arg: &Arg, value: &Value) -> Result<Value, SchemaError> {
    let type_error = |wanted: &str| SchemaError::Type {
        name: arg.name.into(),
        found: type_name(value).into(),
        wanted: wanted.into(),
        value: value.to_string(),
    };
    let coerced = match (arg.kind, value) {
        (Kind::Raw, v) => v.clone(),
        (Kind::Bool, Value::Bool(b)) => Value::Bool(*b),
        (Kind::Bool, Value::String(s)) => Value::Bool(parse_bool(s).ok_or_else(|| type_error("bool"))?),
        (Kind::Bool, Value::Number(n)) if n.as_i64() == Some(0) || n.as_i64() == Some(1) => Value::Bool(n.as_i64() == Some(1)),
        (Kind::Int, Value::Number(n)) => Value::Number(n.clone()),
        (Kind::Int, Value::String(s)) => s.trim().parse::<i64>().map(Value::from).map_err(|_| type_error("int"))?,
        (Kind::List, Value::Array(a)) => Value::Array(a.clone()),
        (Kind::List, Value::String(s)) => Value::Array(s.split(',').map(|p| Value::String(p.trim().to_string())).collect()),
        (Kind::Str | Kind::Path | Kind::Mode, Value::String(s)) => Value::String(s.clone()),
        (Kind::Str | Kind::Path, Value::Number(n)) => Value::String(n.to_string()),
        (Kind::Str, Value::Bool(b)) => Value::String(if *b { "True".into() } else { "False".into() }),
        (Kind::Mode, Value::Number(n)) => Value::Number(n.clone()),
        (Kind::Str, Value::Object(_) | Value::Array(_)) => Value::String(value.to_string()),
        (Kind::Bool, _) => return Err(type_error("bool")),
        (Kind::Int, _) => return Err(type_error("int")),
        (Kind::List, _) => return Err(type_error("list")),
        _ => return Err(type_error("str")),
    };
    if !arg.choices.is_empty()
        && let Value::String(s) = &coerced
        && !arg.choices.contains(&s.as_str())
    {
        return Err(SchemaError::Choice { name: arg.name.into(), choices: arg.choices.join(", "), value: s.clone() });
    }
    Ok(coerced)
}

/// Ansible's booleans: yes/no, true/false, on/off, 1/0, y/n, in any case.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "yes" | "true" | "on" | "1" | "y" | "t" => Some(true),
        "no" | "false" | "off" | "0" | "n" | "f" | "" => Some(false),
        _ => None,
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: Schema = Schema {
        module: "copy",
        doc: "",
        free_form: false,
        args: &[
            Arg::new("dest", Kind::Path, "").required(),
            Arg::new("src", Kind::Path, ""),
            Arg::new("content", Kind::Str, ""),
            Arg::new("force", Kind::Bool, "").aliases(&["thirsty"]).default("yes"),
            Arg::new("state", Kind::Str, "").choices(&["file", "absent"]),
        ],
        mutually_exclusive: &[&["src", "content"]],
        required_one_of: &[],
    };

    fn vars(pairs: &[(&str, &str)]) -> Vars {
        pairs.iter().map(|(k, v)| ((*k).to_string(), Value::String((*v).into()))).collect()
    }

    #[test]
    fn unknown_parameters_get_ansibles_message() {
        let err = SCHEMA.validate(&vars(&[("dest", "/x"), ("zzz", "1"), ("aaa", "2")])).expect_err("rejects");
        assert_eq!(
            err.to_string(),
            "Unsupported parameters for (copy) module: aaa, zzz. Supported parameters include: content, dest, force, src, state, thirsty."
        );
    }

    #[test]
    fn aliases_defaults_and_booleans() {
        let out = SCHEMA.validate(&vars(&[("dest", "/x"), ("thirsty", "no")])).expect("valid");
        assert_eq!(out["force"], false);
        let out = SCHEMA.validate(&vars(&[("dest", "/x")])).expect("valid");
        assert_eq!(out["force"], true);
    }

    #[test]
    fn required_exclusive_and_choices() {
        assert!(matches!(SCHEMA.validate(&vars(&[])), Err(SchemaError::Missing { .. })));
        assert!(matches!(SCHEMA.validate(&vars(&[("dest", "/x"), ("src", "a"), ("content", "b")])), Err(SchemaError::Exclusive { .. })));
        assert!(matches!(SCHEMA.validate(&vars(&[("dest", "/x"), ("state", "gone")])), Err(SchemaError::Choice { .. })));
    }
}
