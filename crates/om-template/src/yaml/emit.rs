//! Writing YAML the way `yaml.dump(…, default_flow_style=False)` does: block style, keys
//! sorted, sequences not indented under their key, strings quoted only when YAML 1.1 would
//! read them as something else.

use serde_json::Value;

use super::resolve::{Kind, resolve_plain};
use crate::python;

/// `value` as a YAML document (no `---`), ending with a newline.
pub fn dump(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(m) if !m.is_empty() => block_map(&mut out, value, 0),
        Value::Array(a) if !a.is_empty() => block_seq(&mut out, value, 0),
        _ => {
            out.push_str(&scalar(value));
            out.push('\n');
        }
    }
    out
}

fn is_block(value: &Value) -> bool {
    match value {
        Value::Object(m) => !m.is_empty() && !is_unsafe(value),
        Value::Array(a) => !a.is_empty(),
        _ => false,
    }
}

fn is_unsafe(value: &Value) -> bool {
    matches!(value, Value::Object(m) if m.len() == 1 && m.get("__ansible_unsafe").is_some_and(Value::is_string))
}

fn indent(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(' ');
    }
}

fn block_map(out: &mut String, value: &Value, level: usize) {
    let Value::Object(map) = value else { return };
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    for key in keys {
        let v = &map[key];
        indent(out, level);
        out.push_str(&string(key));
        out.push(':');
        if is_block(v) {
            out.push('\n');
            match v {
                Value::Object(_) => block_map(out, v, level + 2),
                _ => block_seq(out, v, level),
            }
        } else {
            out.push(' ');
            out.push_str(&scalar(v));
            out.push('\n');
        }
    }
}

fn block_seq(out: &mut String, value: &Value, level: usize) {
    let Value::Array(items) = value else { return };
    for item in items {
        indent(out, level);
        out.push('-');
        match item {
            Value::Object(_) if is_block(item) => {
                // The first key shares the dash's line, as PyYAML writes it.
                let mut nested = String::new();
                block_map(&mut nested, item, level + 2);
                out.push(' ');
                out.push_str(nested.trim_start());
            }
            Value::Array(_) if is_block(item) => {
                let mut nested = String::new();
                block_seq(&mut nested, item, level + 2);
                out.push(' ');
                out.push_str(nested.trim_start());
            }
            _ => {
                out.push(' ');
                out.push_str(&scalar(item));
                out.push('\n');
            }
        }
    }
}

fn scalar(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.to_string(),
            (None, Some(u)) => u.to_string(),
            _ => float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => string(s),
        Value::Array(_) => "[]".into(),
        Value::Object(m) => match m.get("__ansible_unsafe") {
            Some(Value::String(s)) if m.len() == 1 => format!("!unsafe {}", string(s)),
            _ => "{}".into(),
        },
    }
}

/// PyYAML's `represent_float`: `.nan`, `.inf`, and `repr()` with a `.0` before an exponent.
fn float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf".into() } else { "-.inf".into() };
    }
    let text = python::float_repr(f);
    if !text.contains('.') && text.contains('e') { text.replacen('e', ".0e", 1) } else { text }
}

/// A string, plain when YAML 1.1 reads it back as the same string, quoted otherwise.
fn string(s: &str) -> String {
    if needs_double_quotes(s) {
        return double_quoted(s);
    }
    if needs_quotes(s) {
        return format!("'{}'", s.replace('\'', "''"));
    }
    s.to_string()
}

fn needs_double_quotes(s: &str) -> bool {
    s.chars().any(|c| c.is_control() || c == '\u{feff}')
}

fn needs_quotes(s: &str) -> bool {
    if s.is_empty() || resolve_plain(s) != Kind::Str || s == "<<" || s == "=" {
        return true;
    }
    let first = s.chars().next().unwrap_or(' ');
    let last = s.chars().last().unwrap_or(' ');
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) && !(matches!(first, '-' | '?' | ':') && s.len() > 1 && !s[1..].starts_with(' ')) {
        return true;
    }
    first.is_whitespace()
        || last.is_whitespace()
        || s.contains(": ")
        || s.contains(" #")
        || s.ends_with(':')
        || s.contains(['{', '}', '[', ']', ','])
}

fn double_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || c == '\u{feff}' => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
