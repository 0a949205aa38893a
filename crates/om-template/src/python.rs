//! How Python prints the values Ansible holds: `repr()` of floats and containers, and
//! `json.dumps(…, sort_keys=True, indent=N)`, so om's output can match ansible-core's byte
//! for byte.
//!
//! Values are `serde_json::Value`s; the `{"__ansible_unsafe": s}` wrapper prints as `s`.

use std::fmt::Write as _;

use serde_json::Value;

/// `repr(f)` for a Python float: the shortest digits that round-trip, `1000.0`, `1e+16`,
/// `1.5e-05`, `inf`, `nan`.
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0".into() } else { "0.0".into() };
    }
    // `{:e}` gives the shortest round-trip digits: `1.5e-5`, `1e16`.
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if f < 0.0 { "-" } else { "" };
    if !(-5 < exp && exp < 16) {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() { String::new() } else { format!(".{rest}") };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{frac}e{esign}{:02}", exp.abs());
    }
    if exp >= 0 {
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            format!("{sign}{digits}{}.0", "0".repeat(int_len - digits.len()))
        } else {
            format!("{sign}{}.{}", &digits[..int_len], &digits[int_len..])
        }
    } else {
        format!("{sign}0.{}{digits}", "0".repeat((-exp - 1) as usize))
    }
}

/// The text inside `{{ }}`-less `%s` formatting: a string as it is, anything else as
/// [`repr`].
pub fn str(value: &Value) -> String {
    match unwrap_unsafe(value) {
        Value::String(s) => s.clone(),
        other => repr(other),
    }
}

/// Python's `repr()` of a JSON-like value: `'text'`, `True`, `None`, `[1, 2]`, `{'a': 1}`.
pub fn repr(value: &Value) -> String {
    let mut out = String::new();
    write_repr(&mut out, value);
    out
}

fn unwrap_unsafe(value: &Value) -> &Value {
    if let Value::Object(map) = value
        && map.len() == 1
        && let Some(inner @ Value::String(_)) = map.get("__ansible_unsafe")
    {
        return inner;
    }
    value
}

fn write_repr(out: &mut String, value: &Value) {
    match unwrap_unsafe(value) {
        Value::Null => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => {
                let _ = write!(out, "{i}");
            }
            (None, Some(u)) => {
                let _ = write!(out, "{u}");
            }
            _ => out.push_str(&float_repr(n.as_f64().unwrap_or(f64::NAN))),
        },
        Value::String(s) => string_repr(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                string_repr(out, k);
                out.push_str(": ");
                write_repr(out, v);
            }
            out.push('}');
        }
    }
}

/// `repr(str)`: single quotes unless the text holds `'` and no `"`.
fn string_repr(out: &mut String, s: &str) {
    let quote = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
}

/// `json.dumps(value, sort_keys=True, indent=indent)` with Python's defaults: ASCII only
/// (`\uXXXX` escapes), `", "`/`": "` separators, floats as `repr`.
pub fn json_dumps(value: &Value, indent: usize) -> String {
    let mut out = String::new();
    write_json(&mut out, value, indent, 0);
    out
}

fn write_json(out: &mut String, value: &Value, indent: usize, level: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => {
                let _ = write!(out, "{i}");
            }
            (None, Some(u)) => {
                let _ = write!(out, "{u}");
            }
            _ => out.push_str(&float_repr(n.as_f64().unwrap_or(f64::NAN))),
        },
        Value::String(s) => json_string(out, s),
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, level + 1);
                write_json(out, item, indent, level + 1);
            }
            newline(out, indent, level);
            out.push(']');
        }
        Value::Object(map) if map.is_empty() => out.push_str("{}"),
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| python_str_cmp(a, b));
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, level + 1);
                json_string(out, k);
                out.push_str(": ");
                write_json(out, &map[k], indent, level + 1);
            }
            newline(out, indent, level);
            out.push('}');
        }
    }
}

/// Python compares strings by code point; Rust's `str` order (UTF-8 bytes) is the same.
fn python_str_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    a.cmp(b)
}

fn newline(out: &mut String, indent: usize, level: usize) {
    out.push('\n');
    for _ in 0..indent * level {
        out.push(' ');
    }
}

fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn floats_print_as_python_repr() {
        for (f, text) in [
            (1000.0, "1000.0"),
            (0.5, "0.5"),
            (-10.01, "-10.01"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (123456.789, "123456.789"),
        ] {
            assert_eq!(float_repr(f), text, "{f}");
        }
    }

    #[test]
    fn repr_matches_python() {
        assert_eq!(repr(&json!({"a": [1, true, null, "it's"]})), r#"{'a': [1, True, None, "it's"]}"#);
        assert_eq!(str(&json!("hello world")), "hello world");
        assert_eq!(str(&json!({"__ansible_unsafe": "{{ x }}"})), "{{ x }}");
    }

    #[test]
    fn json_dumps_matches_python() {
        let v = json!({"b": [1, 2.5], "a": {}, "c": "中", "d": []});
        assert_eq!(
            json_dumps(&v, 4),
            "{\n    \"a\": {},\n    \"b\": [\n        1,\n        2.5\n    ],\n    \"c\": \"\\u4e2d\",\n    \"d\": []\n}"
        );
    }
}
