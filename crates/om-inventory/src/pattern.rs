//! Host patterns: `web:&prod:!web3`, globs like `db*`, regexes like `~web\d+`, subscripts
//! like `web[0]` and `web[1:]` (TGT-1..4).
//!
//! A pattern is parsed once into a [`Pattern`] and evaluated by
//! [`Inventory::select`](crate::Inventory::select) as ansible-core's `InventoryManager` does,
//! quirks included: unions first, then every `&`, then every `!`, wherever they were
//! written; a term naming a host matches only that host even when a group has the same name;
//! a group glob contributes its hosts in group order and subscripts count duplicates.

use std::sync::LazyLock;

use regex::Regex;

use crate::address::parse_address;
use crate::error::{PatternError, Warning};

/// A parsed host pattern, ready to be evaluated against any number of inventories.
#[derive(Debug, Clone)]
pub struct Pattern {
    text: String,
    pub(crate) terms: Vec<Term>,
    pub(crate) warnings: Vec<Warning>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Union,
    Intersect,
    Exclude,
}

#[derive(Debug, Clone)]
pub(crate) struct Term {
    pub op: Op,
    /// The term as written, `&`/`!` included: ansible-core first checks it as a host name.
    pub text: String,
    /// The term without its prefix, for messages.
    pub bare: String,
    /// The term without prefix and subscript.
    pub expr: String,
    pub matcher: Matcher,
    pub subscript: Option<(i64, Option<i64>)>,
    /// Whether hosts are searched even when groups matched: regexes and globs (and any
    /// term with a `.`).
    pub search_hosts: bool,
}

#[derive(Debug, Clone)]
pub(crate) enum Matcher {
    Exact(String),
    Regex(Regex),
}

impl Matcher {
    pub fn is_match(&self, name: &str) -> bool {
        match self {
            Matcher::Exact(s) => s == name,
            Matcher::Regex(re) => re.is_match(name),
        }
    }
}

#[allow(clippy::expect_used)] // a constant expression
static SUBSCRIPT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$").expect("constant regex"));

#[allow(clippy::expect_used)] // a constant expression
static COLON_TERMS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?:[^\s:\[\]]|\[[^\]]*\])+").expect("constant regex"));

impl Pattern {
    /// Parses `web:&prod:!web3`, `a,b`, `~regex`, `g[1:]`…
    pub fn parse(text: &str) -> Result<Pattern, PatternError> {
        Self::from_terms(text, split_host_pattern(text))
    }

    /// A `--limit`: like [`Pattern::parse`], with `@file` terms read as one host name per
    /// line.
    pub fn parse_limit(text: &str) -> Result<Pattern, PatternError> {
        let mut terms = Vec::new();
        for term in split_host_pattern(text) {
            match term.strip_prefix('@') {
                Some(path) => {
                    let content = std::fs::read_to_string(path).map_err(|_| PatternError::LimitFile(path.to_string()))?;
                    terms.extend(content.split('\n').map(|l| l.trim().to_string()));
                }
                None => terms.push(term),
            }
        }
        Self::from_terms(text, terms)
    }

    fn from_terms(text: &str, raw_terms: Vec<String>) -> Result<Pattern, PatternError> {
        for (found, ascii) in [('：', ':'), ('，', ','), ('！', '!'), ('＆', '&'), ('～', '~')] {
            if text.contains(found) {
                return Err(PatternError::FullWidth { pattern: text.to_string(), found, ascii });
            }
        }
        let mut warnings = Vec::new();
        let (mut regular, mut intersect, mut exclude) = (Vec::new(), Vec::new(), Vec::new());
        for t in raw_terms.into_iter().filter(|t| !t.is_empty()) {
            match t.as_bytes()[0] {
                b'!' => exclude.push(t),
                b'&' => intersect.push(t),
                _ => regular.push(t),
            }
        }
        if regular.is_empty() {
            regular.push("all".to_string());
        }
        let mut terms = Vec::new();
        for text_term in regular.into_iter().chain(intersect).chain(exclude) {
            terms.push(Term::parse(text_term, text, &mut warnings)?);
        }
        Ok(Pattern { text: text.to_string(), terms, warnings })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl std::fmt::Display for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::str::FromStr for Pattern {
    type Err = PatternError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Pattern::parse(s)
    }
}

impl Term {
    fn parse(text: String, whole: &str, warnings: &mut Vec<Warning>) -> Result<Term, PatternError> {
        let (op, bare) = match text.as_bytes()[0] {
            b'!' => (Op::Exclude, &text[1..]),
            b'&' => (Op::Intersect, &text[1..]),
            _ => (Op::Union, &text[..]),
        };
        if bare.is_empty() {
            return Err(PatternError::EmptyTerm(whole.to_string()));
        }
        let bare = bare.to_string();
        let (expr, subscript) = split_subscript(&bare, warnings);
        let matcher = if let Some(regex) = expr.strip_prefix('~') {
            Matcher::Regex(
                Regex::new(&format!(r"\A(?:{regex})"))
                    .map_err(|e| PatternError::BadRegex { term: bare.clone(), reason: first_line(&e) })?,
            )
        } else if expr.contains(['*', '?', '[']) {
            Matcher::Regex(
                Regex::new(&fnmatch_translate(&expr)).map_err(|e| PatternError::BadRegex { term: bare.clone(), reason: first_line(&e) })?,
            )
        } else {
            Matcher::Exact(expr.clone())
        };
        let search_hosts = expr.starts_with('~') || expr.contains(['.', '?', '*', '[']);
        Ok(Term { op, text, bare, expr, matcher, subscript, search_hosts })
    }
}

fn first_line(e: &regex::Error) -> String {
    e.to_string().lines().last().unwrap_or_default().trim().to_string()
}

/// `split_host_pattern`: commas separate terms when there is one; otherwise a host
/// address (IPv6, `host:port`, ranges) is one term, and anything else splits on `:` and
/// blanks outside brackets.
pub(crate) fn split_host_pattern(pattern: &str) -> Vec<String> {
    let parts: Vec<String> = if pattern.contains(',') {
        pattern.split(',').map(str::to_string).collect()
    } else if parse_address(pattern).is_some() {
        vec![pattern.to_string()]
    } else {
        COLON_TERMS.find_iter(pattern).map(|m| m.as_str().to_string()).collect()
    };
    parts.into_iter().map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect()
}

/// `_split_subscript`: `g[1]`, `g[-1]`, `g[1:]`, `g[1:2]` (and the removed `g[1-2]`).
fn split_subscript(pattern: &str, warnings: &mut Vec<Warning>) -> (String, Option<(i64, Option<i64>)>) {
    if pattern.starts_with('~') {
        return (pattern.to_string(), None);
    }
    let Some(c) = SUBSCRIPT.captures(pattern) else {
        return (pattern.to_string(), None);
    };
    let expr = c[1].to_string();
    if let Some(idx) = c.get(2) {
        return (expr, idx.as_str().parse().ok().map(|i| (i, None)));
    }
    let start: i64 = c[3].parse().unwrap_or(i64::MAX);
    let end: i64 = if c[5].is_empty() { -1 } else { c[5].parse().unwrap_or(i64::MAX) };
    if &c[4] == "-" {
        warnings.push(Warning::DashSubscript(pattern.to_string()));
    }
    (expr, Some((start, Some(end))))
}

/// `_apply_subscript`, with Python's indexing: `None` when a single index is out of range.
pub(crate) fn apply_subscript<T: Clone>(hosts: Vec<T>, subscript: Option<(i64, Option<i64>)>) -> Option<Vec<T>> {
    let Some((start, end)) = subscript else { return Some(hosts) };
    if hosts.is_empty() {
        return Some(hosts);
    }
    let len = hosts.len() as i64;
    // Python treats an end of 0 as "no end" (`if end:`), giving one host.
    match end.filter(|&e| e != 0) {
        Some(end) => {
            let end = if end == -1 { len - 1 } else { end };
            let (a, b) = (py_slice_index(start, len), py_slice_index(end.saturating_add(1), len));
            Some(if a < b { hosts[a..b].to_vec() } else { Vec::new() })
        }
        None => {
            let i = if start < 0 { start + len } else { start };
            (0..len).contains(&i).then(|| vec![hosts[i as usize].clone()])
        }
    }
}

fn py_slice_index(i: i64, len: i64) -> usize {
    let i = if i < 0 { (i + len).max(0) } else { i.min(len) };
    i as usize
}

/// Python's `fnmatch.translate`: `*`, `?`, `[seq]`, `[!seq]`; everything else literal; the
/// whole name must match.
pub(crate) fn fnmatch_translate(pat: &str) -> String {
    let chars: Vec<char> = pat.chars().collect();
    let mut out = String::from(r"\A(?s:");
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '*' => {
                while chars.get(i) == Some(&'*') {
                    i += 1;
                }
                out.push_str(".*");
            }
            '?' => out.push('.'),
            '[' => {
                let mut j = i;
                if chars.get(j) == Some(&'!') {
                    j += 1;
                }
                if chars.get(j) == Some(&']') {
                    j += 1;
                }
                while j < chars.len() && chars[j] != ']' {
                    j += 1;
                }
                if j >= chars.len() {
                    out.push_str(r"\[");
                    continue;
                }
                let stuff: Vec<char> = chars[i..j].to_vec();
                i = j + 1;
                out.push_str(&class(&stuff));
            }
            c => out.push_str(&regex::escape(&c.to_string())),
        }
    }
    out.push_str(r")\z");
    out
}

/// A bracket expression's content as a regex class; reversed ranges match nothing.
fn class(stuff: &[char]) -> String {
    let (negate, body) = match stuff.first() {
        Some('!') => (true, &stuff[1..]),
        _ => (false, stuff),
    };
    if body.is_empty() {
        return if negate { ".".into() } else { "[^\\s\\S]".into() };
    }
    let mut items = String::new();
    let mut k = 0;
    while k < body.len() {
        if k + 2 < body.len() && body[k + 1] == '-' {
            let (lo, hi) = (body[k], body[k + 2]);
            if lo <= hi {
                items.push_str(&format!("{}-{}", class_char(lo), class_char(hi)));
            }
            k += 3;
        } else {
            items.push_str(&class_char(body[k]));
            k += 1;
        }
    }
    if items.is_empty() {
        return if negate { ".".into() } else { "[^\\s\\S]".into() };
    }
    format!("[{}{items}]", if negate { "^" } else { "" })
}

fn class_char(c: char) -> String {
    if c.is_alphanumeric() { c.to_string() } else { format!("\\x{{{:x}}}", c as u32) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_split_as_ansible() {
        assert_eq!(split_host_pattern("a,b[1], c[2:3] , d"), ["a", "b[1]", "c[2:3]", "d"]);
        assert_eq!(split_host_pattern("web:&db:!web3"), ["web", "&db", "!web3"]);
        assert_eq!(split_host_pattern("fe80::1"), ["fe80::1"]);
        assert_eq!(split_host_pattern("web[1:3]"), ["web[1:3]"]);
        assert_eq!(split_host_pattern("g[1:]:h"), ["g[1:]", "h"]);
    }

    #[test]
    fn exclusions_and_intersections_apply_last() {
        let p = Pattern::parse("!atlanta:usa:&prod").unwrap();
        let texts: Vec<_> = p.terms.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(texts, ["usa", "&prod", "!atlanta"]);
        let p = Pattern::parse("!atlanta").unwrap();
        assert_eq!(p.terms[0].text, "all");
    }

    #[test]
    fn globs_translate_as_fnmatch() {
        let re = |p: &str| Regex::new(&fnmatch_translate(p)).unwrap();
        assert!(re("web*").is_match("web01") && !re("web*").is_match("db"));
        assert!(re("www0[1-3]*").is_match("www02.x") && !re("www0[1-3]*").is_match("www04"));
        assert!(re("h[!a]").is_match("hb") && !re("h[!a]").is_match("ha"));
        assert!(re("a.b").is_match("a.b") && !re("a.b").is_match("axb"));
        assert!(re("x[").is_match("x["));
    }

    #[test]
    fn subscripts_index_as_python() {
        let v = vec![1, 2, 3, 4];
        assert_eq!(apply_subscript(v.clone(), Some((0, None))), Some(vec![1]));
        assert_eq!(apply_subscript(v.clone(), Some((-1, None))), Some(vec![4]));
        assert_eq!(apply_subscript(v.clone(), Some((1, Some(-1)))), Some(vec![2, 3, 4]));
        assert_eq!(apply_subscript(v.clone(), Some((1, Some(2)))), Some(vec![2, 3]));
        assert_eq!(apply_subscript(v.clone(), Some((2, Some(0)))), Some(vec![3]));
        assert_eq!(apply_subscript(v.clone(), Some((9, Some(12)))), Some(vec![]));
        assert_eq!(apply_subscript(v, Some((9, None))), None);
    }
}
