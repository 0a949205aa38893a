//! Nodes to and from `serde_json::Value`, in the shape Ansible's JSON uses.

use om_core::Span;
use serde_json::{Map, Number, Value as Json};

use super::{Mapping, Node, Value};
use crate::python;

pub(super) fn to_json(node: &Node, unsafe_: bool) -> Json {
    match &node.value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => int_to_json(*i),
        // Python prints NaN and Infinity, which JSON cannot hold; they become null.
        Value::Float(f) => Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Value::String(s) if unsafe_ => unsafe_string(s),
        Value::String(s) | Value::Timestamp(s) => Json::String(s.clone()),
        Value::Seq(items) => Json::Array(items.iter().map(|n| to_json(n, unsafe_)).collect()),
        Value::Map(map) => {
            let mut out = Map::with_capacity(map.len());
            for (k, v) in map.iter() {
                out.insert(key_string(k), to_json(v, unsafe_));
            }
            Json::Object(out)
        }
        Value::Unsafe(inner) => to_json(inner, true),
        Value::Vault(ciphertext) => {
            let mut out = Map::new();
            out.insert("__ansible_vault".into(), Json::String(ciphertext.clone()));
            Json::Object(out)
        }
    }
}

fn unsafe_string(s: &str) -> Json {
    let mut out = Map::new();
    out.insert("__ansible_unsafe".into(), Json::String(s.to_string()));
    Json::Object(out)
}

fn int_to_json(i: i128) -> Json {
    if let Ok(v) = i64::try_from(i) {
        Json::Number(v.into())
    } else if let Ok(v) = u64::try_from(i) {
        Json::Number(v.into())
    } else {
        Number::from_f64(i as f64).map_or(Json::Null, Json::Number)
    }
}

/// A mapping key as `json.dumps` writes it: strings as they are, numbers and constants in
/// their Python spelling.
fn key_string(key: &Node) -> String {
    match &key.value {
        Value::String(s) | Value::Timestamp(s) | Value::Vault(s) => s.clone(),
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => python::float_repr(*f),
        Value::Unsafe(inner) => key_string(inner),
        Value::Seq(_) | Value::Map(_) => key.to_json().to_string(),
    }
}

pub(super) fn from_json(value: &Json, span: &Span) -> Node {
    let v = match value {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Value::Int(i128::from(i)),
            (None, Some(u)) => Value::Int(i128::from(u)),
            _ => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Value::String(s.clone()),
        Json::Array(items) => Value::Seq(items.iter().map(|v| from_json(v, span)).collect()),
        Json::Object(map) => {
            if map.len() == 1 {
                match map.iter().next() {
                    Some((k, Json::String(s))) if k == "__ansible_unsafe" => {
                        Value::Unsafe(Box::new(Node::new(Value::String(s.clone()), span.clone())))
                    }
                    Some((k, Json::String(s))) if k == "__ansible_vault" => Value::Vault(s.clone()),
                    _ => Value::Map(object(map, span)),
                }
            } else {
                Value::Map(object(map, span))
            }
        }
    };
    Node::new(v, span.clone())
}

fn object(map: &Map<String, Json>, span: &Span) -> Mapping {
    let mut out = Mapping::new();
    for (k, v) in map {
        out.push(Node::new(Value::String(k.clone()), span.clone()), from_json(v, span));
    }
    out
}
