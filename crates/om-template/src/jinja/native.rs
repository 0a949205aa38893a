//! Between Ansible's data (JSON-typed `serde_json` values) and the engine's values, and how
//! Python prints them: `True`, `None`, `['a', 1]`, `{'k': 'v'}`.

use minijinja::Value;
use minijinja::value::ValueKind;
use serde_json::Value as Json;

use super::FileOptions;

/// An engine value as JSON. Undefined becomes `null`; engine objects (scopes, hostvars)
/// become the mappings they enumerate.
pub fn to_json(value: &Value) -> Json {
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => Json::Null,
        ValueKind::Bool => Json::Bool(value.is_true()),
        ValueKind::String => Json::String(value.as_str().unwrap_or_default().to_string()),
        ValueKind::Number => number(value),
        ValueKind::Bytes => Json::String(String::from_utf8_lossy(value.as_bytes().unwrap_or_default()).into_owned()),
        ValueKind::Seq | ValueKind::Iterable => {
            Json::Array(value.try_iter().map(|it| it.map(|v| to_json(&v)).collect()).unwrap_or_default())
        }
        ValueKind::Map => {
            let mut out = serde_json::Map::new();
            if let Ok(keys) = value.try_iter() {
                for key in keys {
                    let item = value.get_item(&key).unwrap_or_default();
                    let name = key.as_str().map(str::to_string).unwrap_or_else(|| python_str(&key));
                    out.insert(name, to_json(&item));
                }
            }
            Json::Object(out)
        }
        _ => Json::String(value.to_string()),
    }
}

fn number(value: &Value) -> Json {
    if let Ok(i) = i64::try_from(value.clone()) {
        return Json::from(i);
    }
    if let Ok(u) = u64::try_from(value.clone()) {
        return Json::from(u);
    }
    match f64::try_from(value.clone()) {
        Ok(f) if value.is_integer() => Json::from(f as i64),
        Ok(f) => serde_json::Number::from_f64(f).map(Json::Number).unwrap_or(Json::Null),
        Err(_) => Json::Null,
    }
}

/// JSON as an engine value, with `!unsafe` and `!vault` markers kept as they are.
pub fn from_json(json: &Json) -> Value {
    Value::from_serialize(json)
}

/// `str(value)` in Python: strings as they are, `True`/`None`, containers as `repr`.
pub fn python_str(value: &Value) -> String {
    match value.kind() {
        ValueKind::String => value.as_str().unwrap_or_default().to_string(),
        ValueKind::Undefined => String::new(),
        ValueKind::None => "None".into(),
        ValueKind::Bool => if value.is_true() { "True" } else { "False" }.into(),
        ValueKind::Number => match number(value) {
            Json::Number(n) => crate::python::number_repr(&n),
            _ => value.to_string(),
        },
        _ => crate::python::repr(&to_json(value)),
    }
}

/// Python's type name for messages: `str`, `int`, `list`, `dict`…
pub fn type_name(value: &Value) -> &'static str {
    match value.kind() {
        ValueKind::Undefined => "AnsibleUndefined",
        ValueKind::None => "NoneType",
        ValueKind::Bool => "bool",
        ValueKind::Number if value.is_integer() => "int",
        ValueKind::Number => "float",
        ValueKind::String => "str",
        ValueKind::Bytes => "bytes",
        ValueKind::Seq | ValueKind::Iterable => "list",
        ValueKind::Map => "dict",
        _ => "object",
    }
}

/// Whether a string holds Jinja (`{{`, `{%` or `{#`).
pub fn has_template(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.windows(2).any(|w| w[0] == b'{' && matches!(w[1], b'{' | b'%' | b'#'))
}

/// Whether any string inside `value` needs templating.
pub fn needs_templating(value: &Json) -> bool {
    match value {
        Json::String(s) => has_template(s),
        Json::Array(items) => items.iter().any(needs_templating),
        Json::Object(map) => unsafe_text(value).is_none() && (vault_text(value).is_some() || map.values().any(needs_templating)),
        _ => false,
    }
}

/// The expression of a string that is exactly one `{{ expr }}`.
pub fn lone_expression(text: &str) -> Option<&str> {
    let inner = text.strip_prefix("{{")?.strip_suffix("}}")?;
    let inner = inner.strip_prefix('-').unwrap_or(inner);
    let inner = inner.strip_suffix('-').unwrap_or(inner);
    (!inner.contains("{{") && !inner.contains("{%")).then_some(inner)
}

/// The text of an `!unsafe` value (`{"__ansible_unsafe": "…"}`).
pub fn unsafe_text(value: &Json) -> Option<&str> {
    match value {
        Json::Object(map) if map.len() == 1 => map.get("__ansible_unsafe").and_then(Json::as_str),
        _ => None,
    }
}

/// The ciphertext of a `!vault` value (`{"__ansible_vault": "…"}`).
pub fn vault_text(value: &Json) -> Option<&str> {
    match value {
        Json::Object(map) if map.len() == 1 => map.get("__ansible_vault").and_then(Json::as_str),
        _ => None,
    }
}

/// A first line `#jinja2: trim_blocks: False, lstrip_blocks: True` overrides the options
/// and is not part of the output.
pub fn file_header(source: &str, mut options: FileOptions) -> (FileOptions, &str) {
    let Some(rest) = source.strip_prefix("#jinja2:") else { return (options, source) };
    let (line, body) = rest.split_once('\n').unwrap_or((rest, ""));
    for part in line.split(',') {
        let Some((key, value)) = part.split_once(':') else { continue };
        let on = matches!(value.trim().trim_matches(['"', '\'']).to_ascii_lowercase().as_str(), "true" | "yes" | "1");
        match key.trim() {
            "trim_blocks" => options.trim_blocks = on,
            "lstrip_blocks" => options.lstrip_blocks = on,
            _ => {}
        }
    }
    (options, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_printing() {
        assert_eq!(python_str(&Value::from(true)), "True");
        assert_eq!(python_str(&Value::from(())), "None");
        assert_eq!(python_str(&Value::from(1.5)), "1.5");
        assert_eq!(python_str(&from_json(&serde_json::json!(["a", 1, {"k": null}]))), "['a', 1, {'k': None}]");
    }

    #[test]
    fn lone_expressions() {
        assert_eq!(lone_expression("{{ a }}"), Some(" a "));
        assert_eq!(lone_expression("{{ a }} {{ b }}"), None);
        assert_eq!(lone_expression(" {{ a }}"), None);
    }

    #[test]
    fn json_round_trip_keeps_order_and_types() {
        let json = serde_json::json!({"b": 1, "a": [1.5, "x", true, null]});
        assert_eq!(to_json(&from_json(&json)), json);
        assert_eq!(serde_json::to_string(&to_json(&from_json(&json))).unwrap(), r#"{"b":1,"a":[1.5,"x",true,null]}"#);
    }
}
