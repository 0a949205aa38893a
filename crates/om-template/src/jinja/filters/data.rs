//! Data filters: JSON and YAML in and out, dict and list shaping, set operations.

use std::fmt::Write as _;

use minijinja::value::{Kwargs, ValueKind};
use minijinja::{Environment, Error, Value};
use serde_json::Value as Json;

use super::{invalid, items};
use crate::jinja::native::{from_json, python_str, to_json};

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("to_json", to_json_filter);
    env.add_filter("to_nice_json", to_nice_json);
    env.add_filter("from_json", from_json_filter);
    env.add_filter("to_yaml", to_yaml);
    env.add_filter("to_nice_yaml", to_nice_yaml);
    env.add_filter("from_yaml", from_yaml);
    env.add_filter("from_yaml_all", from_yaml_all);
    env.add_filter("combine", combine);
    env.add_filter("dict2items", dict2items);
    env.add_filter("items2dict", items2dict);
    env.add_filter("flatten", flatten);
    env.add_filter("unique", unique);
    env.add_filter("union", |a: Value, b: Value| -> Result<Value, Error> {
        Ok(Value::from(dedup(items(&a)?.into_iter().chain(items(&b)?))))
    });
    env.add_filter("intersect", |a: Value, b: Value| -> Result<Value, Error> {
        let b = items(&b)?;
        Ok(Value::from(dedup(items(&a)?.into_iter().filter(|x| b.contains(x)))))
    });
    env.add_filter("difference", |a: Value, b: Value| -> Result<Value, Error> {
        let b = items(&b)?;
        Ok(Value::from(dedup(items(&a)?.into_iter().filter(|x| !b.contains(x)))))
    });
    env.add_filter("symmetric_difference", |a: Value, b: Value| -> Result<Value, Error> {
        let (a, b) = (items(&a)?, items(&b)?);
        let left = a.iter().filter(|x| !b.contains(x)).cloned();
        let right = b.iter().filter(|x| !a.contains(x)).cloned();
        Ok(Value::from(dedup(left.chain(right))))
    });
    env.add_filter("zip", zip);
    env.add_filter("zip_longest", zip_longest);
    env.add_filter("product", product);
    env.add_filter("permutations", permutations);
    env.add_filter("combinations", combinations);
    env.add_filter("subelements", subelements);
    env.add_filter("extract", extract);
    env.add_filter("random", random);
    env.add_filter("shuffle", shuffle);
    env.add_filter("human_readable", human_readable);
    env.add_filter("human_to_bytes", human_to_bytes);
    env.add_filter("list", |v: Value| -> Result<Value, Error> { Ok(Value::from(items(&v)?)) });
}

/// Python's `json.dumps` with its options.
pub(crate) struct Dumps {
    pub indent: Option<usize>,
    pub sort_keys: bool,
    pub item_sep: &'static str,
    pub ensure_ascii: bool,
}

impl Dumps {
    pub(crate) fn dump(&self, value: &Json) -> String {
        let mut out = String::new();
        self.write(&mut out, value, 0);
        out
    }

    fn newline(&self, out: &mut String, level: usize) {
        if let Some(n) = self.indent {
            out.push('\n');
            out.push_str(&" ".repeat(n * level));
        }
    }

    fn write(&self, out: &mut String, value: &Json, level: usize) {
        match value {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Number(n) => out.push_str(&crate::python::number_repr(n)),
            Json::String(s) => self.string(out, s),
            Json::Array(a) if a.is_empty() => out.push_str("[]"),
            Json::Array(a) => {
                out.push('[');
                for (i, v) in a.iter().enumerate() {
                    if i > 0 {
                        out.push_str(self.item_sep);
                    }
                    self.newline(out, level + 1);
                    self.write(out, v, level + 1);
                }
                self.newline(out, level);
                out.push(']');
            }
            Json::Object(m) if m.is_empty() => out.push_str("{}"),
            Json::Object(m) => {
                if let Some(text) = crate::jinja::native::unsafe_text(value) {
                    return self.string(out, text);
                }
                let mut keys: Vec<&String> = m.keys().collect();
                if self.sort_keys {
                    keys.sort();
                }
                out.push('{');
                for (i, k) in keys.into_iter().enumerate() {
                    if i > 0 {
                        out.push_str(self.item_sep);
                    }
                    self.newline(out, level + 1);
                    self.string(out, k);
                    out.push_str(": ");
                    self.write(out, &m[k], level + 1);
                }
                self.newline(out, level);
                out.push('}');
            }
        }
    }

    fn string(&self, out: &mut String, s: &str) {
        if !self.ensure_ascii {
            return crate::python::json_string(out, s);
        }
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
                c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                    let mut buf = [0u16; 2];
                    for unit in c.encode_utf16(&mut buf) {
                        let _ = write!(out, "\\u{unit:04x}");
                    }
                }
                c => out.push(c),
            }
        }
        out.push('"');
    }
}

fn to_json_filter(value: Value, kwargs: Kwargs) -> Result<String, Error> {
    let indent: Option<usize> = kwargs.get("indent")?;
    let sort_keys: Option<bool> = kwargs.get("sort_keys")?;
    let ensure_ascii: Option<bool> = kwargs.get("ensure_ascii")?;
    kwargs.assert_all_used()?;
    let item_sep = if indent.is_some() { "," } else { ", " };
    Ok(Dumps { indent, sort_keys: sort_keys.unwrap_or(false), item_sep, ensure_ascii: ensure_ascii.unwrap_or(true) }.dump(&to_json(&value)))
}

fn to_nice_json(value: Value, kwargs: Kwargs) -> Result<String, Error> {
    let indent: Option<usize> = kwargs.get("indent")?;
    let sort_keys: Option<bool> = kwargs.get("sort_keys")?;
    kwargs.assert_all_used()?;
    Ok(Dumps { indent: Some(indent.unwrap_or(4)), sort_keys: sort_keys.unwrap_or(true), item_sep: ",", ensure_ascii: true }
        .dump(&to_json(&value)))
}

fn from_json_filter(text: String) -> Result<Value, Error> {
    serde_json::from_str::<Json>(&text).map(|j| from_json(&j)).map_err(|e| invalid(format!("from_json: {e}")))
}

fn to_yaml(value: Value, kwargs: Kwargs) -> Result<String, Error> {
    let _: Option<usize> = kwargs.get("indent")?;
    let _: Option<usize> = kwargs.get("width")?;
    let _: Option<bool> = kwargs.get("default_flow_style")?;
    kwargs.assert_all_used()?;
    Ok(crate::yaml::dump(&to_json(&value)))
}

fn to_nice_yaml(value: Value, kwargs: Kwargs) -> Result<String, Error> {
    let indent: Option<usize> = kwargs.get("indent")?;
    let _: Option<usize> = kwargs.get("width")?;
    let _: Option<bool> = kwargs.get("sort_keys")?;
    kwargs.assert_all_used()?;
    let text = crate::yaml::dump(&to_json(&value));
    Ok(reindent(&text, indent.unwrap_or(4)))
}

/// PyYAML's block output with `indent=n`: nested mappings indent by `n`, list items stay
/// under their key.
fn reindent(text: &str, indent: usize) -> String {
    if indent == 2 {
        return text.to_string();
    }
    text.lines()
        .map(|line| {
            let spaces = line.len() - line.trim_start_matches(' ').len();
            format!("{}{}\n", " ".repeat(spaces / 2 * indent), &line[spaces..])
        })
        .collect()
}

fn from_yaml(text: Value) -> Result<Value, Error> {
    let Some(text) = text.as_str() else { return Ok(text) };
    crate::yaml::load(text, "<from_yaml>").map(|n| from_json(&n.to_json())).map_err(|e| invalid(format!("from_yaml: {e}")))
}

fn from_yaml_all(text: String) -> Result<Value, Error> {
    let mut docs = Vec::new();
    for doc in split_documents(&text) {
        if doc.trim().is_empty() {
            continue;
        }
        let node = crate::yaml::load(doc, "<from_yaml_all>").map_err(|e| invalid(format!("from_yaml_all: {e}")))?;
        docs.push(from_json(&node.to_json()));
    }
    Ok(Value::from(docs))
}

fn split_documents(text: &str) -> Vec<&str> {
    let mut docs = Vec::new();
    let mut start = 0;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_end() == "---" || line.starts_with("--- ") {
            docs.push(&text[start..offset]);
            start = offset + line.len();
        }
        offset += line.len();
    }
    docs.push(&text[start..]);
    docs
}

/// `combine(*dicts, recursive=False, list_merge='replace')`.
fn combine(value: Value, rest: minijinja::value::Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let recursive: Option<bool> = kwargs.get("recursive")?;
    let list_merge: Option<String> = kwargs.get("list_merge")?;
    kwargs.assert_all_used()?;
    let mut dicts = vec![value];
    for r in rest.iter() {
        match r.kind() {
            ValueKind::Seq => dicts.extend(r.try_iter()?),
            _ => dicts.push(r.clone()),
        }
    }
    let mut out = Json::Object(serde_json::Map::new());
    for d in dicts {
        let d = to_json(&d);
        if !d.is_object() {
            return Err(invalid(format!("failed to combine variables, expected dicts but got a '{}'", json_type(&d))));
        }
        merge(&mut out, d, recursive.unwrap_or(false), list_merge.as_deref().unwrap_or("replace"));
    }
    Ok(from_json(&out))
}

fn json_type(v: &Json) -> &'static str {
    match v {
        Json::Null => "NoneType",
        Json::Bool(_) => "bool",
        Json::Number(n) if n.is_f64() => "float",
        Json::Number(_) => "int",
        Json::String(_) => "str",
        Json::Array(_) => "list",
        Json::Object(_) => "dict",
    }
}

pub(crate) fn merge(base: &mut Json, other: Json, recursive: bool, list_merge: &str) {
    match (base, other) {
        (Json::Object(a), Json::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(&k) {
                    Some(existing @ Json::Object(_)) if recursive && v.is_object() => merge(existing, v, true, list_merge),
                    Some(Json::Array(existing)) if v.is_array() && list_merge != "replace" => {
                        let Json::Array(new) = v else { continue };
                        match list_merge {
                            "keep" => {}
                            "append" => existing.extend(new),
                            "prepend" => {
                                let mut merged = new;
                                merged.append(existing);
                                *existing = merged;
                            }
                            "append_rp" => {
                                existing.retain(|x| !new.contains(x));
                                existing.extend(new);
                            }
                            "prepend_rp" => {
                                let mut merged = new;
                                let keep: Vec<Json> = existing.drain(..).filter(|x| !merged.contains(x)).collect();
                                merged.extend(keep);
                                *existing = merged;
                            }
                            _ => *existing = new,
                        }
                    }
                    _ => {
                        a.insert(k, v);
                    }
                }
            }
        }
        (base, other) => *base = other,
    }
}

fn dict2items(value: Value, kwargs: Kwargs) -> Result<Value, Error> {
    let key_name: Option<String> = kwargs.get("key_name")?;
    let value_name: Option<String> = kwargs.get("value_name")?;
    kwargs.assert_all_used()?;
    if value.kind() != ValueKind::Map {
        return Err(invalid(format!("dict2items requires a dictionary, got {} instead.", crate::jinja::native::type_name(&value))));
    }
    let (k, v) = (key_name.unwrap_or_else(|| "key".into()), value_name.unwrap_or_else(|| "value".into()));
    let mut out = Vec::new();
    for key in value.try_iter()? {
        let item = value.get_item(&key)?;
        out.push(Value::from_iter([(Value::from(k.as_str()), key), (Value::from(v.as_str()), item)]));
    }
    Ok(Value::from(out))
}

fn items2dict(value: Value, kwargs: Kwargs) -> Result<Value, Error> {
    let key_name: Option<String> = kwargs.get("key_name")?;
    let value_name: Option<String> = kwargs.get("value_name")?;
    kwargs.assert_all_used()?;
    let (k, v) = (key_name.unwrap_or_else(|| "key".into()), value_name.unwrap_or_else(|| "value".into()));
    let mut out = Vec::new();
    for item in value.try_iter()? {
        let key = item.get_attr(&k)?;
        if key.is_undefined() {
            return Err(invalid(format!("items2dict requires each dictionary to have a `{k}` key")));
        }
        out.push((key, item.get_attr(&v)?));
    }
    Ok(Value::from_iter(out))
}

/// `flatten(levels=None, skip_nulls=True)`.
fn flatten(value: Value, levels: Option<usize>, kwargs: Kwargs) -> Result<Value, Error> {
    let levels_kw: Option<usize> = kwargs.get("levels")?;
    let skip_nulls: Option<bool> = kwargs.get("skip_nulls")?;
    kwargs.assert_all_used()?;
    let mut out = Vec::new();
    flatten_into(&mut out, &value, levels.or(levels_kw), skip_nulls.unwrap_or(true))?;
    Ok(Value::from(out))
}

fn flatten_into(out: &mut Vec<Value>, value: &Value, levels: Option<usize>, skip_nulls: bool) -> Result<(), Error> {
    for item in value.try_iter()? {
        if skip_nulls && item.is_none() {
            continue;
        }
        if item.kind() == ValueKind::Seq && levels != Some(0) {
            flatten_into(out, &item, levels.map(|l| l - 1), skip_nulls)?;
        } else {
            out.push(item);
        }
    }
    Ok(())
}

fn dedup(items: impl Iterator<Item = Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// `unique(case_sensitive=True, attribute=None)`, keeping the first occurrence.
fn unique(value: Value, kwargs: Kwargs) -> Result<Value, Error> {
    let case_sensitive: Option<bool> = kwargs.get("case_sensitive")?;
    let attribute: Option<String> = kwargs.get("attribute")?;
    kwargs.assert_all_used()?;
    let mut seen: Vec<Value> = Vec::new();
    let mut out = Vec::new();
    for item in items(&value)? {
        let mut key = match &attribute {
            Some(a) => super::attr_path(&item, a),
            None => item.clone(),
        };
        if !case_sensitive.unwrap_or(false)
            && let Some(s) = key.as_str()
        {
            key = Value::from(s.to_lowercase());
        }
        if !seen.contains(&key) {
            seen.push(key);
            out.push(item);
        }
    }
    Ok(Value::from(out))
}

fn zip(value: Value, rest: minijinja::value::Rest<Value>) -> Result<Value, Error> {
    let lists: Vec<Vec<Value>> = std::iter::once(&value).chain(rest.iter()).map(items).collect::<Result<_, _>>()?;
    let len = lists.iter().map(Vec::len).min().unwrap_or(0);
    Ok(Value::from((0..len).map(|i| Value::from(lists.iter().map(|l| l[i].clone()).collect::<Vec<_>>())).collect::<Vec<_>>()))
}

fn zip_longest(value: Value, rest: minijinja::value::Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let fill: Option<Value> = kwargs.get("fillvalue")?;
    kwargs.assert_all_used()?;
    let fill = fill.unwrap_or(Value::from(()));
    let lists: Vec<Vec<Value>> = std::iter::once(&value).chain(rest.iter()).map(items).collect::<Result<_, _>>()?;
    let len = lists.iter().map(Vec::len).max().unwrap_or(0);
    Ok(Value::from(
        (0..len)
            .map(|i| Value::from(lists.iter().map(|l| l.get(i).cloned().unwrap_or_else(|| fill.clone())).collect::<Vec<_>>()))
            .collect::<Vec<_>>(),
    ))
}

fn product(value: Value, rest: minijinja::value::Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let repeat: Option<usize> = kwargs.get("repeat")?;
    kwargs.assert_all_used()?;
    let mut lists: Vec<Vec<Value>> = std::iter::once(&value).chain(rest.iter()).map(items).collect::<Result<_, _>>()?;
    if let Some(r) = repeat {
        let base = lists.clone();
        for _ in 1..r {
            lists.extend(base.iter().cloned());
        }
    }
    Ok(Value::from(cartesian(&lists).into_iter().map(Value::from).collect::<Vec<_>>()))
}

/// Every combination of one item from each list, the last list varying fastest.
pub(crate) fn cartesian(lists: &[Vec<Value>]) -> Vec<Vec<Value>> {
    let mut out: Vec<Vec<Value>> = vec![Vec::new()];
    for list in lists {
        let mut next = Vec::with_capacity(out.len() * list.len());
        for prefix in &out {
            for item in list {
                let mut row = prefix.clone();
                row.push(item.clone());
                next.push(row);
            }
        }
        out = next;
    }
    out
}

fn permutations(value: Value, r: Option<usize>) -> Result<Value, Error> {
    let pool = items(&value)?;
    let r = r.unwrap_or(pool.len());
    let mut out = Vec::new();
    let mut current = Vec::new();
    let mut used = vec![false; pool.len()];
    permute(&pool, r, &mut current, &mut used, &mut out);
    Ok(Value::from(out.into_iter().map(Value::from).collect::<Vec<_>>()))
}

fn permute(pool: &[Value], r: usize, current: &mut Vec<Value>, used: &mut [bool], out: &mut Vec<Vec<Value>>) {
    if current.len() == r {
        out.push(current.clone());
        return;
    }
    for i in 0..pool.len() {
        if !used[i] {
            used[i] = true;
            current.push(pool[i].clone());
            permute(pool, r, current, used, out);
            current.pop();
            used[i] = false;
        }
    }
}

fn combinations(value: Value, r: usize) -> Result<Value, Error> {
    let pool = items(&value)?;
    let mut out = Vec::new();
    fn go(pool: &[Value], r: usize, start: usize, current: &mut Vec<Value>, out: &mut Vec<Value>) {
        if current.len() == r {
            out.push(Value::from(current.clone()));
            return;
        }
        for i in start..pool.len() {
            current.push(pool[i].clone());
            go(pool, r, i + 1, current, out);
            current.pop();
        }
    }
    go(&pool, r, 0, &mut Vec::new(), &mut out);
    Ok(Value::from(out))
}

/// `subelements(list, 'key', skip_missing=False)`: `[item, sub]` pairs.
pub(crate) fn subelements(value: Value, key: String, skip_missing: Option<Value>) -> Result<Value, Error> {
    let skip = match &skip_missing {
        Some(v) if v.kind() == ValueKind::Map => super::to_bool(&v.get_attr("skip_missing").unwrap_or_default()),
        Some(v) => super::to_bool(v),
        None => false,
    };
    let mut out = Vec::new();
    for item in value.try_iter()? {
        let mut sub = item.clone();
        let mut missing = false;
        for part in key.split('.') {
            sub = sub.get_attr(part).unwrap_or_default();
            if sub.is_undefined() {
                missing = true;
                break;
            }
        }
        if missing {
            if skip {
                continue;
            }
            return Err(invalid(format!("could not find '{key}' key in iterated item '{}'", python_str(&item))));
        }
        if sub.kind() != ValueKind::Seq {
            return Err(invalid(format!("the key {key} should point to a list, got '{}'", python_str(&sub))));
        }
        for s in sub.try_iter()? {
            out.push(Value::from(vec![item.clone(), s]));
        }
    }
    Ok(Value::from(out))
}

fn extract(item: Value, container: Value, morekeys: Option<Value>) -> Result<Value, Error> {
    let mut value = container.get_item(&item)?;
    if let Some(keys) = morekeys {
        let keys: Vec<Value> = if keys.kind() == ValueKind::Seq { keys.try_iter()?.collect() } else { vec![keys] };
        for k in keys {
            value = value.get_item(&k)?;
        }
    }
    Ok(value)
}

fn random(value: Value, kwargs: Kwargs) -> Result<Value, Error> {
    use rand::RngExt;
    let start: Option<i64> = kwargs.get("start")?;
    let step: Option<i64> = kwargs.get("step")?;
    let _seed: Option<Value> = kwargs.get("seed")?;
    kwargs.assert_all_used()?;
    let mut rng = rand::rng();
    if let Some(end) = value.as_i64() {
        let start = start.unwrap_or(0);
        let step = step.unwrap_or(1).max(1);
        let count = ((end - start).max(0) + step - 1) / step;
        if count == 0 {
            return Err(invalid("empty range for random"));
        }
        return Ok(Value::from(start + rng.random_range(0..count) * step));
    }
    let pool = items(&value)?;
    if pool.is_empty() {
        return Err(invalid("cannot choose from an empty sequence"));
    }
    Ok(pool[rng.random_range(0..pool.len())].clone())
}

fn shuffle(value: Value) -> Result<Value, Error> {
    use rand::seq::SliceRandom;
    let mut pool = items(&value)?;
    pool.shuffle(&mut rand::rng());
    Ok(Value::from(pool))
}

/// `human_readable(isbits=False, unit=None)`: `1024 | human_readable` is `1.00 KB`.
fn human_readable(size: f64, isbits: Option<bool>, unit: Option<String>) -> String {
    let bits = isbits.unwrap_or(false);
    let suffix = if bits { "b" } else { "B" };
    let units = ["", "K", "M", "G", "T", "P", "E", "Z", "Y"];
    let (mut value, mut i) = (size, 0);
    match unit {
        Some(u) => {
            i = units.iter().position(|x| x.eq_ignore_ascii_case(&u[..1.min(u.len())])).unwrap_or(0);
            value = size / 1024f64.powi(i as i32);
        }
        None => {
            while value.abs() >= 1024.0 && i < units.len() - 1 {
                value /= 1024.0;
                i += 1;
            }
        }
    }
    format!("{value:.2} {}{suffix}", units[i])
}

fn human_to_bytes(text: Value, default_unit: Option<String>, isbits: Option<bool>) -> Result<i64, Error> {
    let s = python_str(&text);
    let s = s.trim();
    let split = s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len());
    let number: f64 = s[..split].trim().parse().map_err(|_| invalid(format!("human_to_bytes() can't interpret following string: {s}")))?;
    let mut unit = s[split..].trim().to_string();
    if unit.is_empty() {
        unit = default_unit.unwrap_or_else(|| "B".into());
    }
    let prefix = unit.chars().next().unwrap_or('B').to_ascii_uppercase();
    let power = "BKMGTPEZY".find(prefix).unwrap_or(0) as i32;
    let bytes = number * 1024f64.powi(power);
    Ok(if isbits.unwrap_or(false) { bytes as i64 } else { bytes.round() as i64 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_dumps_like_python() {
        let v = serde_json::json!({"b": [1, 2.5, "é"], "a": null});
        assert_eq!(
            Dumps { indent: None, sort_keys: false, item_sep: ", ", ensure_ascii: true }.dump(&v),
            r#"{"b": [1, 2.5, "\u00e9"], "a": null}"#
        );
        assert_eq!(
            Dumps { indent: Some(4), sort_keys: true, item_sep: ",", ensure_ascii: true }.dump(&v),
            "{\n    \"a\": null,\n    \"b\": [\n        1,\n        2.5,\n        \"\\u00e9\"\n    ]\n}"
        );
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human_readable(1024.0, None, None), "1.00 KB");
        assert_eq!(human_to_bytes(Value::from("1 KB"), None, None).unwrap(), 1024);
    }
}
