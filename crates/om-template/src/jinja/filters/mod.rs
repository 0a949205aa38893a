//! Ansible's filters (PLAY-24) on top of minijinja's built-in ones. Where a built-in one
//! prints or coerces differently from Jinja2 on Python (`join`, `string`, `bool`, `int`,
//! `default`), it is replaced so the output matches ansible-core's byte for byte.

mod data;
mod hash;
mod net;
mod path;
mod text;

use minijinja::value::{Kwargs, ValueKind};
use minijinja::{Environment, Error, ErrorKind, State, Value};

use super::native::{python_str, type_name};
use super::scope::is_missing;

pub(crate) fn register(env: &mut Environment<'static>) {
    env.add_filter("default", default);
    env.add_filter("d", default);
    env.add_filter("mandatory", mandatory);
    env.add_filter("bool", to_bool);
    env.add_filter("string", string);
    env.add_filter("join", join);
    env.add_filter("int", int);
    env.add_filter("float", float);
    env.add_filter("ternary", ternary);
    env.add_filter("type_debug", |v: Value| type_name(&v));
    env.add_filter("log", log);
    env.add_filter("pow", |x: f64, y: f64| x.powf(y));
    env.add_filter("root", |x: f64, base: Option<f64>| x.powf(1.0 / base.unwrap_or(2.0)));
    env.add_filter("wordcount", |s: String| s.split_whitespace().count());
    env.add_filter("center", |s: String, width: Option<usize>| {
        let width = width.unwrap_or(80);
        let pad = width.saturating_sub(s.chars().count());
        format!("{}{s}{}", " ".repeat(pad / 2), " ".repeat(pad - pad / 2))
    });
    data::register(env);
    hash::register(env);
    net::register(env);
    path::register(env);
    text::register(env);
}

/// Whether a value is undefined for Ansible: the engine's undefined or a missing variable.
pub(crate) fn undefined(value: &Value) -> bool {
    value.is_undefined() || is_missing(value)
}

/// `default(value, default='', boolean=False)`.
fn default(value: &Value, other: Option<Value>, boolean: Option<bool>) -> Value {
    if undefined(value) || (boolean.unwrap_or(false) && !value.is_true()) {
        other.unwrap_or_else(|| Value::from(""))
    } else {
        value.clone()
    }
}

fn mandatory(value: &Value, msg: Option<String>) -> Result<Value, Error> {
    if undefined(value) {
        return Err(Error::new(ErrorKind::UndefinedError, msg.unwrap_or_else(|| "Mandatory variable not defined.".into())));
    }
    Ok(value.clone())
}

/// Ansible's `bool`: `yes`, `on`, `1`, `true` (any case) and `1` are true.
pub(crate) fn to_bool(value: &Value) -> bool {
    match value.kind() {
        ValueKind::Bool => value.is_true(),
        ValueKind::None | ValueKind::Undefined => false,
        ValueKind::Number => value.as_i64() == Some(1) || f64::try_from(value.clone()).ok() == Some(1.0),
        ValueKind::String => {
            matches!(value.as_str().unwrap_or_default().trim().to_ascii_lowercase().as_str(), "yes" | "on" | "1" | "true" | "y" | "t")
        }
        _ => false,
    }
}

fn string(value: &Value) -> Value {
    Value::from(python_str(value))
}

/// `join(d='', attribute=None)`, with items printed by Python's `str()`.
fn join(state: &State<'_, '_>, value: &Value, sep: Option<String>, kwargs: Kwargs) -> Result<Value, Error> {
    let attribute: Option<String> = kwargs.get("attribute")?;
    kwargs.assert_all_used()?;
    if let Some(s) = value.as_str() {
        let sep = sep.unwrap_or_default();
        return Ok(Value::from(s.chars().map(String::from).collect::<Vec<_>>().join(&sep)));
    }
    let _ = state;
    let mut parts = Vec::new();
    for item in value.try_iter()? {
        let item = match &attribute {
            Some(a) => attr_path(&item, a),
            None => item,
        };
        parts.push(python_str(&item));
    }
    Ok(Value::from(parts.join(&sep.unwrap_or_default())))
}

/// Jinja2's `int(default=0, base=10)`: `'0x1F' | int(base=16)`, `'3.7' | int` is 3.
fn int(value: &Value, default: Option<i64>, kwargs: Kwargs) -> Result<Value, Error> {
    let base: Option<u32> = kwargs.get("base")?;
    let default_kw: Option<i64> = kwargs.get("default")?;
    kwargs.assert_all_used()?;
    let default = default.or(default_kw).unwrap_or(0);
    Ok(Value::from(match value.kind() {
        ValueKind::Bool => value.is_true() as i64,
        ValueKind::Number => value.as_i64().unwrap_or_else(|| f64::try_from(value.clone()).map(|f| f as i64).unwrap_or(default)),
        ValueKind::String => {
            let s = value.as_str().unwrap_or_default().trim().replace('_', "");
            let base = base.unwrap_or(10);
            let digits = match base {
                16 => s.trim_start_matches("0x").trim_start_matches("0X"),
                8 => s.trim_start_matches("0o").trim_start_matches("0O"),
                2 => s.trim_start_matches("0b").trim_start_matches("0B"),
                _ => s.as_str(),
            };
            i64::from_str_radix(digits, base)
                .ok()
                .or_else(|| (base == 10).then(|| s.parse::<f64>().ok().map(|f| f as i64)).flatten())
                .unwrap_or(default)
        }
        _ => default,
    }))
}

fn float(value: &Value, default: Option<f64>) -> Value {
    let default = default.unwrap_or(0.0);
    Value::from(match value.kind() {
        ValueKind::Bool => value.is_true() as i64 as f64,
        ValueKind::Number => f64::try_from(value.clone()).unwrap_or(default),
        ValueKind::String => value.as_str().unwrap_or_default().trim().parse::<f64>().unwrap_or(default),
        _ => default,
    })
}

/// `ternary(true_val, false_val, none_val=None)`.
fn ternary(value: &Value, yes: Value, no: Value, none: Option<Value>) -> Value {
    match none {
        Some(none) if value.is_none() => none,
        _ if value.is_true() => yes,
        _ => no,
    }
}

fn log(x: f64, base: Option<f64>) -> f64 {
    match base {
        Some(10.0) => x.log10(),
        Some(b) => x.ln() / b.ln(),
        None => x.ln(),
    }
}

/// A filter's own error, as Jinja2 reports it.
pub(crate) fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, message.into())
}

/// Items of a list-like value (a string is one item for set operations on strings? no: its
/// characters, as Python iterates them).
pub(crate) fn items(value: &Value) -> Result<Vec<Value>, Error> {
    if let Some(s) = value.as_str() {
        return Ok(s.chars().map(|c| Value::from(c.to_string())).collect());
    }
    Ok(value.try_iter()?.collect())
}

pub(crate) use data::{cartesian, subelements};
pub(crate) use path::expanduser as expand;
pub(crate) use text::compile as text_compile;

/// `a.b.0` as Jinja's `attribute=` arguments read it.
pub(crate) fn attr_path(value: &Value, path: &str) -> Value {
    let mut current = value.clone();
    for part in path.split('.') {
        current = match part.parse::<i64>() {
            Ok(i) if current.kind() == ValueKind::Seq => current.get_item(&Value::from(i)),
            _ => current.get_attr(part),
        }
        .unwrap_or_default();
    }
    current
}
