//! The INI inventory dialect, line by line as ansible-core's `ini` plugin reads it (INV-10..14).
//!
//! Lines before the first section are hosts in `ungrouped`. `[g]` holds hosts,
//! `[g:vars]` one `key=value` per line, `[g:children]` group names, which must be declared
//! somewhere in the file (or an earlier source). Values are typed as Python literals.
//! om adds one check of its own: full-width `：` `，` `［］` typed by an input method are
//! errors with a hint, where ansible-core would silently make odd host names of them.

use std::sync::Arc;

use om_core::Span;
use serde_json::Value;

use crate::address::{expand_hostname_range, parse_address};
use crate::error::{InventoryError, Problem};
use crate::model::{GroupId, Model};
use crate::pyliteral::literal_eval;
use crate::shlex;

#[derive(Clone, Copy, PartialEq)]
enum State {
    Hosts,
    Vars,
    Children,
}

/// A group named before it was declared, waiting for its `[name]` section.
struct Pending {
    line: usize,
    column: usize,
    text: String,
    state: State,
    parents: Vec<GroupId>,
}

pub(crate) fn parse(model: &mut Model, text: &str, file: &Arc<str>) -> Result<(), InventoryError> {
    let mut parser = IniParser { model, file: file.clone(), line_no: 0, raw: "" };
    parser.run(text)
}

struct IniParser<'m, 't> {
    model: &'m mut Model,
    file: Arc<str>,
    line_no: usize,
    raw: &'t str,
}

impl<'t> IniParser<'_, 't> {
    fn span_at(&self, column: usize) -> Span {
        Span::new(self.file.clone(), self.line_no as u32, column as u32)
    }

    /// An error about the current line, pointing at character `index` of the raw line.
    fn error(&self, index: usize, problem: Problem) -> InventoryError {
        InventoryError::syntax(self.span_at(index + 1), problem, self.raw)
    }

    /// The 0-based character index of `needle` in the raw line (or of its first non-blank).
    fn index_of(&self, needle: &str) -> usize {
        match self.raw.find(needle) {
            Some(byte) => self.raw[..byte].chars().count(),
            None => self.raw.chars().take_while(|c| c.is_whitespace()).count(),
        }
    }

    fn run(&mut self, text: &'t str) -> Result<(), InventoryError> {
        let mut pending: Vec<(String, Pending)> = Vec::new();
        let mut group = crate::model::UNGROUPED;
        let mut state = State::Hosts;
        for raw in python_splitlines(text) {
            self.line_no += 1;
            self.raw = raw;
            let line = raw.trim();
            if line.is_empty() || line.starts_with(['#', ';']) {
                continue;
            }
            if line.starts_with(['[', '［']) || state == State::Children {
                self.check_full_width(line)?;
            }
            if let Some((name, kind)) = section(line) {
                let indent = self.index_of("[");
                let new_state = match kind {
                    None | Some("hosts") => State::Hosts,
                    Some("vars") => State::Vars,
                    Some("children") => State::Children,
                    Some(other) => {
                        return Err(
                            self.error(indent, Problem::UnknownSectionType { section: format!("{name}:{other}"), kind: other.to_string() })
                        );
                    }
                };
                let exists = self.model.group_id(name).is_some();
                let span = self.span_at(indent + 2);
                if !exists && new_state == State::Vars && !pending.iter().any(|(n, _)| n == name) {
                    pending.push((
                        name.to_string(),
                        Pending { line: self.line_no, column: indent + 2, text: raw.to_string(), state: State::Vars, parents: Vec::new() },
                    ));
                }
                group = self.model.add_group(name, Some(&span));
                if new_state != State::Vars
                    && let Some(pos) = pending.iter().position(|(n, _)| n == name)
                {
                    if pending[pos].1.state == State::Children {
                        self.add_pending_children(name, &mut pending)?;
                    } else {
                        pending.remove(pos);
                    }
                }
                state = new_state;
                continue;
            }
            if line.starts_with('[') && line.ends_with(']') {
                return Err(self.error(self.index_of("["), Problem::InvalidSection(line.to_string())));
            }
            match state {
                State::Hosts => self.host_line(line, group)?,
                State::Vars => {
                    self.check_full_width(line.split('=').next().unwrap_or(line))?;
                    let Some((k, v)) = line.split_once('=') else {
                        return Err(self.error(self.index_of(line), Problem::ExpectedVar(line.to_string())));
                    };
                    let name = self.model.group(group).name.clone();
                    let value = parse_value(v.trim());
                    self.model.set_variable(&name, k.trim(), value).map_err(|p| self.error(self.index_of(line), p))?;
                }
                State::Children => {
                    let Some(child) = group_name(line) else {
                        return Err(self.error(self.index_of(line), Problem::ExpectedGroupName(line.to_string())));
                    };
                    if self.model.group_id(child).is_some() {
                        let column = self.index_of(child);
                        self.model.add_child(group, child).map_err(|p| self.error(column, p))?;
                    } else if let Some((_, p)) = pending.iter_mut().find(|(n, _)| n == child) {
                        p.parents.push(group);
                    } else {
                        let column = self.index_of(child) + 1;
                        pending.push((
                            child.to_string(),
                            Pending { line: self.line_no, column, text: raw.to_string(), state: State::Children, parents: vec![group] },
                        ));
                    }
                }
            }
        }
        // What is still pending was never declared; ansible-core reports the first.
        if let Some((name, p)) = pending.into_iter().next() {
            let span = Span::new(self.file.clone(), p.line as u32, p.column as u32);
            let problem = match p.state {
                State::Vars => Problem::VarsForUndefinedGroup(name),
                _ => {
                    let parent = p.parents.last().map(|g| self.model.group(*g).name.clone()).unwrap_or_default();
                    Problem::UndefinedChild { parent, child: name }
                }
            };
            return Err(InventoryError::syntax(span, problem, p.text));
        }
        Ok(())
    }

    fn add_pending_children(&mut self, name: &str, pending: &mut Vec<(String, Pending)>) -> Result<(), InventoryError> {
        let Some(pos) = pending.iter().position(|(n, _)| n == name) else { return Ok(()) };
        let (_, entry) = pending.remove(pos);
        for parent in entry.parents {
            let span = Span::new(self.file.clone(), entry.line as u32, entry.column as u32);
            self.model.add_child(parent, name).map_err(|p| InventoryError::syntax(span, p, entry.text.clone()))?;
            let parent_name = self.model.group(parent).name.clone();
            if pending.iter().any(|(n, p)| *n == parent_name && p.state == State::Children) {
                self.add_pending_children(&parent_name, pending)?;
            }
        }
        Ok(())
    }

    fn host_line(&mut self, line: &str, group: GroupId) -> Result<(), InventoryError> {
        let offset = self.index_of(line);
        let tokens = shlex::split(line).map_err(|e| self.error(offset, Problem::Quoting(e.message())))?;
        let Some(first) = tokens.first() else {
            return Err(self.error(offset, Problem::EmptyHost));
        };
        let pattern = first.text.as_str();
        self.check_full_width(pattern)?;
        for token in &tokens[1..] {
            if !token.text.contains('=') {
                self.check_full_width(&token.text)?;
            }
        }
        let (hosts, port) = self.expand_pattern(pattern, offset + first.start)?;
        let mut vars: Vec<(String, Value)> = Vec::new();
        for token in &tokens[1..] {
            let Some((k, v)) = token.text.split_once('=') else {
                return Err(self.error(offset + token.start, Problem::ExpectedHostVar(token.text.clone())));
            };
            let value = parse_value(v);
            match vars.iter_mut().find(|(key, _)| key == k) {
                Some(slot) => slot.1 = value,
                None => vars.push((k.to_string(), value)),
            }
        }
        let span = self.span_at(offset + first.start + 1);
        for host in hosts {
            if host.is_empty() {
                return Err(self.error(offset + first.start, Problem::EmptyHost));
            }
            self.model.add_host(&host, Some(group), port, Some(&span));
            for (k, v) in &vars {
                self.model.set_variable(&host, k, v.clone()).map_err(|p| self.error(offset + first.start, p))?;
            }
        }
        Ok(())
    }

    /// The ini plugin's `_expand_hostpattern`: address and port, ranges, and its two checks.
    fn expand_pattern(&self, pattern: &str, index: usize) -> Result<(Vec<String>, Option<i64>), InventoryError> {
        let (host, port) = parse_address(pattern).unwrap_or_else(|| (pattern.to_string(), None));
        if pattern.trim().ends_with(':') && port.is_none() {
            return Err(self.error(index, Problem::PortMissing(pattern.to_string())));
        }
        let hosts = if host.contains('[') {
            expand_hostname_range(&host).map_err(|reason| self.error(index, Problem::BadRange { pattern: pattern.to_string(), reason }))?
        } else {
            vec![host]
        };
        if hosts.iter().any(|h| h.trim() == "---") {
            return Err(self.error(index, Problem::YamlInIni));
        }
        Ok((hosts, port))
    }

    /// Full-width punctuation from an input method in `text` (a host pattern, a section
    /// header, a group or variable name), where INI syntax expects ASCII. Values may hold it.
    fn check_full_width(&self, text: &str) -> Result<(), InventoryError> {
        for (found, ascii) in [('：', ':'), ('，', ','), ('［', '['), ('］', ']'), ('＝', '=')] {
            if let Some(pos) = text.find(found) {
                let text_index = self.index_of(text);
                let index = text_index + text[..pos].chars().count();
                return Err(self.error(index, Problem::FullWidth { found, ascii, text: text.to_string() }));
            }
        }
        Ok(())
    }
}

/// A section header: `[name]`, `[name:type]`, optionally followed by a `#` comment.
/// The name is one or more characters other than blanks, `:` and `]`; the type is `\w+`.
fn section(line: &str) -> Option<(&str, Option<&str>)> {
    let rest = line.strip_prefix('[')?;
    let close = rest.find(']')?;
    let inner = &rest[..close];
    let after = rest[close + 1..].trim_start();
    if !(after.is_empty() || after.starts_with('#')) {
        return None;
    }
    let (name, kind) = match inner.split_once(':') {
        Some((n, k)) => (n, Some(k)),
        None => (inner, None),
    };
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == ':' || c == ']') {
        return None;
    }
    if let Some(k) = kind
        && (k.is_empty() || !k.chars().all(|c| c.is_alphanumeric() || c == '_'))
    {
        return None;
    }
    Some((name, kind))
}

/// A `[g:children]` line: one name, optionally followed by a `#` comment.
fn group_name(line: &str) -> Option<&str> {
    let end = line.find(|c: char| c.is_whitespace() || c == ':' || c == ']' || c == '#').unwrap_or(line.len());
    let name = &line[..end];
    let rest = line[end..].trim_start();
    (!name.is_empty() && (rest.is_empty() || rest.starts_with('#'))).then_some(name)
}

/// INV-13: a Python literal becomes its value, anything else stays the raw text.
pub(crate) fn parse_value(v: &str) -> Value {
    literal_eval(v).unwrap_or_else(|| Value::String(v.to_string()))
}

/// Python's `str.splitlines()`: `\n`, `\r\n`, `\r` and the other line boundaries it knows.
pub(crate) fn python_splitlines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let boundary = rest
            .char_indices()
            .find(|(_, c)| matches!(c, '\n' | '\r' | '\x0b' | '\x0c' | '\x1c' | '\x1d' | '\x1e' | '\u{85}' | '\u{2028}' | '\u{2029}'));
        match boundary {
            None => {
                let line = rest;
                rest = "";
                Some(line)
            }
            Some((i, c)) => {
                let line = &rest[..i];
                let mut next = i + c.len_utf8();
                if c == '\r' && rest[next..].starts_with('\n') {
                    next += 1;
                }
                rest = &rest[next..];
                Some(line)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_and_group_names_follow_ansible_expressions() {
        assert_eq!(section("[web]"), Some(("web", None)));
        assert_eq!(section("[web:vars] # c"), Some(("web", Some("vars"))));
        assert_eq!(section("[web:t-x]"), None);
        assert_eq!(section("[web servers]"), None);
        assert_eq!(section("[Linux.Web]"), Some(("Linux.Web", None)));
        assert_eq!(group_name("child # x"), Some("child"));
        assert_eq!(group_name("a b"), None);
    }

    #[test]
    fn splitlines_knows_python_boundaries() {
        let lines: Vec<_> = python_splitlines("a\r\nb\rc\n\nd").collect();
        assert_eq!(lines, ["a", "b", "c", "", "d"]);
    }
}
