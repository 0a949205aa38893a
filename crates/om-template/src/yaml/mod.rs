//! YAML as Ansible reads it: YAML 1.1 scalars exactly as PyYAML resolves them, a source span
//! on every node, anchors, aliases and `<<` merges, `!unsafe` and `!vault`.
//!
//! [`load`] turns text into a [`Node`] tree; [`Node::to_json`] gives the `serde_json::Value`
//! Ansible would see. Parsing is done by `saphyr-parser` (events with marks); what a plain
//! scalar means is decided here, by PyYAML's YAML 1.1 rules rather than YAML 1.2's: `yes`,
//! `on` and `off` are booleans, `0644` is octal, `1:30` is sexagesimal and `1e3` is a string.

mod build;
mod emit;
mod error;
mod json;
mod resolve;

use std::fmt;

use om_core::Span;

pub use emit::dump;
pub use error::{YamlError, YamlWarning};

/// One YAML node and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

/// What a node holds, typed as PyYAML's `SafeLoader` (with Ansible's tags) types it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// Python ints are unbounded; om keeps 128 bits and errors beyond.
    Int(i128),
    Float(f64),
    String(String),
    /// A date or a timestamp, in Python's `isoformat()` form (`2014-07-15`,
    /// `2001-12-14T21:59:43.100000-05:00`), which is how Ansible prints them.
    Timestamp(String),
    Seq(Vec<Node>),
    Map(Mapping),
    /// A value tagged `!unsafe`: it and every string inside it are never templated.
    Unsafe(Box<Node>),
    /// A value tagged `!vault`: the ciphertext, decrypted only where it is used.
    Vault(String),
}

/// A mapping in source order; keys are unique (the last duplicate won while loading).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Mapping {
    entries: Vec<(Node, Node)>,
}

/// A loaded document and what looked wrong in it without being an error.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub root: Node,
    pub warnings: Vec<YamlWarning>,
}

/// Loads a single YAML document; an empty stream is a `Null` node at `file:1:1`.
///
/// Warnings (duplicate keys, full-width punctuation) are logged; use [`load_document`] to
/// collect them instead.
pub fn load(text: &str, file: &str) -> Result<Node, YamlError> {
    let doc = load_document(text, file)?;
    for warning in &doc.warnings {
        tracing::warn!(%warning, "yaml");
    }
    Ok(doc.root)
}

/// Loads a single YAML document and returns its warnings with it.
pub fn load_document(text: &str, file: &str) -> Result<Document, YamlError> {
    build::load(text, file.into())
}

impl Node {
    pub fn new(value: Value, span: Span) -> Self {
        Self { value, span }
    }

    /// The value under `key` when this node is a mapping with string keys.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?.get(key)
    }

    /// The node with `!unsafe` looked through.
    pub fn inner(&self) -> &Node {
        match &self.value {
            Value::Unsafe(inner) => inner.inner(),
            _ => self,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.inner().value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&Mapping> {
        match &self.inner().value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.inner().value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.inner().value, Value::Null)
    }

    /// The Python type name Ansible's messages use: `str`, `int`, `dict`, `list`, `NoneType`…
    pub fn type_name(&self) -> &'static str {
        match &self.value {
            Value::Null => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::String(_) => "str",
            Value::Timestamp(t) if t.len() == 10 => "date",
            Value::Timestamp(_) => "datetime",
            Value::Seq(_) => "list",
            Value::Map(_) => "dict",
            Value::Unsafe(inner) => inner.type_name(),
            Value::Vault(_) => "EncryptedString",
        }
    }

    /// The value as Ansible's JSON shows it. `!unsafe` strings become
    /// `{"__ansible_unsafe": "…"}` and `!vault` values `{"__ansible_vault": "…"}`, the
    /// convention `ansible-inventory --list` and dynamic inventories use.
    pub fn to_json(&self) -> serde_json::Value {
        json::to_json(self, false)
    }

    /// A node tree from JSON (a JSON inventory, a dynamic inventory's output), every node at
    /// `span`. `{"__ansible_unsafe": …}` and `{"__ansible_vault": …}` are read back.
    pub fn from_json(value: &serde_json::Value, span: &Span) -> Node {
        json::from_json(value, span)
    }
}

impl Mapping {
    pub fn new() -> Self {
        Self::default()
    }

    /// The value of the first entry whose key is the string `key`.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries.iter().find(|(k, _)| k.as_str() == Some(key)).map(|(_, v)| v)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Node, &Node)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Appends an entry; the caller keeps keys unique.
    pub fn push(&mut self, key: Node, value: Node) {
        self.entries.push((key, value));
    }

    pub fn into_entries(self) -> Vec<(Node, Node)> {
        self.entries
    }
}

impl fmt::Display for Node {
    /// A short rendering for messages: scalars as written, collections as JSON.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            Value::String(s) | Value::Timestamp(s) => f.write_str(s),
            _ => write!(f, "{}", self.to_json()),
        }
    }
}

#[cfg(test)]
mod tests;
