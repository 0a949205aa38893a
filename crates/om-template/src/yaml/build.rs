//! From parser events to a [`Node`] tree: tags, anchors and aliases, `<<` merges, duplicate
//! keys, and the limits that keep hostile input (alias bombs, deep nesting) cheap.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use om_core::Span;
use saphyr_parser::{Event, Parser, ScalarStyle, StrInput, Tag};

use super::resolve::{self, Kind};
use super::{Document, Mapping, Node, Value, YamlError, YamlWarning};

/// Deeper nesting than this is refused (Python would stop at its recursion limit too).
const MAX_DEPTH: usize = 512;

const CORE: &str = "tag:yaml.org,2002:";

pub(super) fn load(text: &str, file: Arc<str>) -> Result<Document, YamlError> {
    let mut builder = Builder {
        parser: Parser::new_from_str(text),
        file,
        anchors: HashMap::new(),
        warnings: Vec::new(),
        nodes: 0,
        limit: 100_000 + 4 * text.len(),
        depth: 0,
    };
    let mut root = None;
    while let Some((event, span)) = builder.next_event()? {
        match event {
            Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                if root.is_some() {
                    return Err(YamlError::MultipleDocuments { span: builder.span(span) });
                }
                let (event, span) = builder.expect_event()?;
                root = Some(builder.node(event, span)?);
            }
            _ => return Err(YamlError::Syntax { span: builder.span(span), message: "unexpected content outside a document".into() }),
        }
    }
    let root = root.unwrap_or_else(|| Node::new(Value::Null, Span::new(builder.file.clone(), 1, 1)));
    Ok(Document { root, warnings: builder.warnings })
}

struct Builder<'a> {
    parser: Parser<'a, StrInput<'a>>,
    file: Arc<str>,
    /// Anchored nodes by the parser's anchor id, with their size in nodes.
    anchors: HashMap<usize, (Node, usize)>,
    warnings: Vec<YamlWarning>,
    /// Nodes built so far, aliases counted at their expanded size.
    nodes: usize,
    limit: usize,
    depth: usize,
}

/// A key as Python hashes it: `1`, `1.0` and `True` are the same key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum KeyRepr {
    Null,
    Int(i128),
    Float(u64),
    Str(String),
}

impl<'a> Builder<'a> {
    fn span(&self, span: saphyr_parser::Span) -> Span {
        let line = u32::try_from(span.start.line()).unwrap_or(u32::MAX);
        let column = u32::try_from(span.start.col() + 1).unwrap_or(u32::MAX);
        Span::new(self.file.clone(), line, column)
    }

    fn next_event(&mut self) -> Result<Option<(Event<'a>, saphyr_parser::Span)>, YamlError> {
        match self.parser.next_event() {
            None => Ok(None),
            Some(Ok(pair)) => Ok(Some(pair)),
            Some(Err(err)) => {
                let mark = err.marker();
                let line = u32::try_from(mark.line()).unwrap_or(u32::MAX);
                let column = u32::try_from(mark.col() + 1).unwrap_or(u32::MAX);
                Err(YamlError::Syntax { span: Span::new(self.file.clone(), line, column), message: err.info().to_string() })
            }
        }
    }

    fn expect_event(&mut self) -> Result<(Event<'a>, saphyr_parser::Span), YamlError> {
        self.next_event()?.ok_or_else(|| YamlError::Syntax {
            span: Span::new(self.file.clone(), u32::MAX, 1),
            message: "unexpected end of the stream".into(),
        })
    }

    fn count(&mut self, n: usize, span: &Span) -> Result<(), YamlError> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > self.limit {
            return Err(YamlError::TooLarge { span: span.clone(), limit: self.limit });
        }
        Ok(())
    }

    fn node(&mut self, event: Event<'a>, raw_span: saphyr_parser::Span) -> Result<Node, YamlError> {
        let span = self.span(raw_span);
        let start = self.nodes;
        let (node, anchor) = match event {
            Event::Alias(id) => {
                let Some((node, size)) = self.anchors.get(&id) else {
                    return Err(YamlError::UnknownAlias { span, name: id.to_string() });
                };
                let (node, size) = (node.clone(), *size);
                self.count(size, &span)?;
                return Ok(node);
            }
            Event::Scalar(text, style, anchor, tag) => {
                self.count(1, &span)?;
                (self.scalar(text, style, tag.as_deref(), span)?, anchor)
            }
            Event::SequenceStart(anchor, tag) => {
                self.count(1, &span)?;
                self.enter(&span)?;
                let mut items = Vec::new();
                loop {
                    let (event, raw) = self.expect_event()?;
                    if matches!(event, Event::SequenceEnd) {
                        break;
                    }
                    items.push(self.node(event, raw)?);
                }
                self.depth -= 1;
                (self.tag_sequence(items, tag.as_deref(), span)?, anchor)
            }
            Event::MappingStart(anchor, tag) => {
                self.count(1, &span)?;
                self.enter(&span)?;
                let map = self.mapping()?;
                self.depth -= 1;
                (self.tag_mapping(map, tag.as_deref(), span)?, anchor)
            }
            _ => return Err(YamlError::Syntax { span, message: "unexpected event while reading a node".into() }),
        };
        if anchor != 0 {
            self.anchors.insert(anchor, (node.clone(), self.nodes - start));
        }
        Ok(node)
    }

    fn enter(&mut self, span: &Span) -> Result<(), YamlError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(YamlError::TooDeep { span: span.clone(), limit: MAX_DEPTH });
        }
        Ok(())
    }

    fn scalar(&mut self, text: Cow<'a, str>, style: ScalarStyle, tag: Option<&Tag>, span: Span) -> Result<Node, YamlError> {
        let plain = style == ScalarStyle::Plain;
        let Some(tag) = tag else {
            if plain {
                self.check_full_width(&text, &span);
                return implicit(text.into_owned(), span);
            }
            return Ok(Node::new(Value::String(text.into_owned()), span));
        };
        if tag.handle == CORE {
            let text = text.into_owned();
            let bad = |tag: &'static str, text: String, span: Span| YamlError::BadScalar { span, tag, text };
            let value = match tag.suffix.as_str() {
                "str" | "python/unicode" | "merge" | "value" => Value::String(text),
                "null" => Value::Null,
                "bool" => Value::Bool(resolve::construct_bool(&text).ok_or_else(|| bad("a boolean", text, span.clone()))?),
                "int" => Value::Int(resolve::construct_int(&text).ok_or_else(|| bad("an integer", text, span.clone()))?),
                "float" => Value::Float(resolve::construct_float(&text).ok_or_else(|| bad("a float", text, span.clone()))?),
                "timestamp" => Value::Timestamp(resolve::construct_timestamp(&text).ok_or_else(|| bad("a timestamp", text, span.clone()))?),
                _ => return Err(YamlError::UnknownTag { span, tag: format!("!!{}", tag.suffix) }),
            };
            return Ok(Node::new(value, span));
        }
        match local_tag(tag) {
            // `! text`: the non-specific tag, a plain string.
            Some("") => Ok(Node::new(Value::String(text.into_owned()), span)),
            // Ansible resolves the text as if it were plain, even when quoted.
            Some("unsafe") => {
                let inner = implicit(text.into_owned(), span.clone())?;
                Ok(Node::new(Value::Unsafe(Box::new(inner)), span))
            }
            Some(name @ ("vault" | "vault-encrypted")) => {
                let inner = implicit(text.into_owned(), span.clone())?;
                match inner.value {
                    Value::String(ciphertext) => Ok(Node::new(Value::Vault(ciphertext), span)),
                    _ => Err(YamlError::TagNeedsString { span, tag: vault_name(name), found: inner.type_name() }),
                }
            }
            _ => Err(YamlError::UnknownTag { span, tag: display_tag(tag) }),
        }
    }

    fn tag_sequence(&mut self, items: Vec<Node>, tag: Option<&Tag>, span: Span) -> Result<Node, YamlError> {
        let Some(tag) = tag else {
            return Ok(Node::new(Value::Seq(items), span));
        };
        if tag.handle == CORE {
            return match tag.suffix.as_str() {
                "seq" => Ok(Node::new(Value::Seq(items), span)),
                // Ansible turns both into lists of (key, value) pairs.
                "omap" | "pairs" => {
                    let mut pairs = Vec::with_capacity(items.len());
                    for item in items {
                        let entry = match item.value {
                            Value::Map(m) if m.len() == 1 => m.into_entries().pop(),
                            _ => None,
                        };
                        let Some((k, v)) = entry else {
                            return Err(YamlError::BadScalar { span: item.span, tag: "a one-key mapping", text: String::new() });
                        };
                        let pair_span = k.span.clone();
                        pairs.push(Node::new(Value::Seq(vec![k, v]), pair_span));
                    }
                    Ok(Node::new(Value::Seq(pairs), span))
                }
                _ => Err(YamlError::UnknownTag { span, tag: format!("!!{}", tag.suffix) }),
            };
        }
        match local_tag(tag) {
            Some("") => Ok(Node::new(Value::Seq(items), span)),
            Some("unsafe") => Ok(Node::new(Value::Unsafe(Box::new(Node::new(Value::Seq(items), span.clone()))), span)),
            Some(name @ ("vault" | "vault-encrypted")) => Err(YamlError::TagNeedsString { span, tag: vault_name(name), found: "list" }),
            _ => Err(YamlError::UnknownTag { span, tag: display_tag(tag) }),
        }
    }

    fn tag_mapping(&mut self, map: Mapping, tag: Option<&Tag>, span: Span) -> Result<Node, YamlError> {
        let Some(tag) = tag else {
            return Ok(Node::new(Value::Map(map), span));
        };
        if tag.handle == CORE {
            return match tag.suffix.as_str() {
                "map" | "python/dict" => Ok(Node::new(Value::Map(map), span)),
                // A set is a mapping of keys to nulls; Ansible shows it as a list.
                "set" => Ok(Node::new(Value::Seq(map.into_entries().into_iter().map(|(k, _)| k).collect()), span)),
                _ => Err(YamlError::UnknownTag { span, tag: format!("!!{}", tag.suffix) }),
            };
        }
        match local_tag(tag) {
            Some("") => Ok(Node::new(Value::Map(map), span)),
            Some("unsafe") => Ok(Node::new(Value::Unsafe(Box::new(Node::new(Value::Map(map), span.clone()))), span)),
            Some(name @ ("vault" | "vault-encrypted")) => Err(YamlError::TagNeedsString { span, tag: vault_name(name), found: "dict" }),
            _ => Err(YamlError::UnknownTag { span, tag: display_tag(tag) }),
        }
    }

    /// Reads key/value pairs up to the end of the mapping, applies `<<` merges as PyYAML's
    /// `flatten_mapping` does (merged pairs first, later pairs win) and drops duplicates.
    fn mapping(&mut self) -> Result<Mapping, YamlError> {
        let mut merged: Vec<(Node, Node)> = Vec::new();
        let mut explicit: Vec<(Node, Node)> = Vec::new();
        loop {
            let (event, raw) = self.expect_event()?;
            if matches!(event, Event::MappingEnd) {
                break;
            }
            let is_merge = matches!(&event, Event::Scalar(text, ScalarStyle::Plain, _, None) if text == "<<");
            let key = self.node(event, raw)?;
            let (event, raw) = self.expect_event()?;
            let value = self.node(event, raw)?;
            if is_merge {
                merged.extend(flatten_merge(value)?);
            } else {
                explicit.push((key, value));
            }
        }
        let merged_len = merged.len();
        let mut entries: Vec<(Node, Node)> = Vec::with_capacity(merged_len + explicit.len());
        // key → (position in entries, set by an explicit key)
        let mut index: HashMap<KeyRepr, (usize, bool)> = HashMap::with_capacity(entries.capacity());
        for (i, (key, value)) in merged.into_iter().chain(explicit).enumerate() {
            let is_explicit = i >= merged_len;
            let repr = key_repr(&key)?;
            match index.get_mut(&repr) {
                Some((pos, seen_explicit)) => {
                    if is_explicit && *seen_explicit {
                        self.warnings.push(YamlWarning::DuplicateKey { span: key.span.clone(), key: key.to_string() });
                    }
                    *seen_explicit |= is_explicit;
                    entries[*pos].1 = value;
                }
                None => {
                    index.insert(repr, (entries.len(), is_explicit));
                    entries.push((key, value));
                }
            }
        }
        Ok(Mapping { entries })
    }

    /// `name： value` typed with an input method is a single string in YAML; say so.
    fn check_full_width(&mut self, text: &str, span: &Span) {
        if let Some(pos) = text.find('：') {
            let after = &text[pos + '：'.len_utf8()..];
            if after.is_empty() || after.starts_with([' ', '\t']) {
                self.warnings.push(YamlWarning::FullWidth { span: span.clone(), found: '：', ascii: ':', text: text.to_string() });
            }
        }
    }
}

/// An untagged plain scalar, typed by the YAML 1.1 resolver.
fn implicit(text: String, span: Span) -> Result<Node, YamlError> {
    let bad = |tag: &'static str, text: String, span: Span| YamlError::BadScalar { span, tag, text };
    let value = match resolve::resolve_plain(&text) {
        Kind::Null => Value::Null,
        Kind::Bool => Value::Bool(resolve::construct_bool(&text).unwrap_or_default()),
        Kind::Int => Value::Int(resolve::construct_int(&text).ok_or_else(|| bad("an integer", text, span.clone()))?),
        Kind::Float => Value::Float(resolve::construct_float(&text).ok_or_else(|| bad("a float", text, span.clone()))?),
        Kind::Timestamp => Value::Timestamp(resolve::construct_timestamp(&text).ok_or_else(|| bad("a date", text, span.clone()))?),
        Kind::Str => Value::String(text),
    };
    Ok(Node::new(value, span))
}

/// The name of a local tag (`!unsafe` → `unsafe`, `!` → ``), or `None` for other tags.
fn local_tag(tag: &Tag) -> Option<&str> {
    match tag.handle.as_str() {
        "!" => Some(tag.suffix.as_str()),
        "" if tag.suffix == "!" => Some(""),
        _ => None,
    }
}

fn vault_name(name: &str) -> &'static str {
    if name == "vault" { "!vault" } else { "!vault-encrypted" }
}

fn display_tag(tag: &Tag) -> String {
    format!("{}{}", tag.handle, tag.suffix)
}

/// The pairs a `<<` value contributes: a mapping's own, or each mapping's of a list, the
/// later ones first so that the earlier ones win (PyYAML reverses the list).
fn flatten_merge(value: Node) -> Result<Vec<(Node, Node)>, YamlError> {
    match value.value {
        Value::Map(m) => Ok(m.into_entries()),
        Value::Seq(items) => {
            let mut out = Vec::new();
            for item in items.into_iter().rev() {
                match item.value {
                    Value::Map(m) => out.extend(m.into_entries()),
                    _ => return Err(YamlError::BadMerge { found: item.type_name(), span: item.span }),
                }
            }
            Ok(out)
        }
        _ => Err(YamlError::BadMerge { found: value.type_name(), span: value.span }),
    }
}

fn key_repr(key: &Node) -> Result<KeyRepr, YamlError> {
    Ok(match &key.value {
        Value::Null => KeyRepr::Null,
        Value::Bool(b) => KeyRepr::Int(i128::from(*b)),
        Value::Int(i) => KeyRepr::Int(*i),
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 1e30 => KeyRepr::Int(*f as i128),
        Value::Float(f) => KeyRepr::Float(f.to_bits()),
        Value::String(s) | Value::Timestamp(s) | Value::Vault(s) => KeyRepr::Str(s.clone()),
        Value::Unsafe(inner) => key_repr(inner)?,
        Value::Seq(_) | Value::Map(_) => return Err(YamlError::UnhashableKey { span: key.span.clone(), found: key.type_name() }),
    })
}
