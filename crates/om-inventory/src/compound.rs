//! Salt-style targeting (TGT-20..24): globs, `L@` lists, `E@` regexes, `G@`/`P@` grains,
//! `I@`/`J@` pillar, `S@` subnets, `N@` nodegroups and om's `H@` hierarchy, combined with
//! `and`, `or`, `not` and parentheses as Salt 3007's compound matcher reads them.
//!
//! `not` binds tighter than `and`, which binds tighter than `or`; a `not` right after a
//! target means `and not`; a leading `not` is accepted. Unknown `X@` prefixes and `R@` are
//! errors (Salt quietly matches nothing). Grains are matched case-insensitively, trying every
//! split of `key:sub:pattern` into a key path and a pattern, as Salt's `subdict_match` does.

use std::net::IpAddr;

use indexmap::IndexMap;
use regex::Regex;
use serde_json::Value;

use crate::error::{CompoundProblem, PatternError};
use crate::pattern::fnmatch_translate;

/// A parsed target expression, evaluated per host by
/// [`Inventory::select_target`](crate::Inventory::select_target).
#[derive(Debug, Clone)]
pub struct Compound {
    text: String,
    expr: Expr,
}

/// The target types, as `--tgt-type` and Salt's short flags name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// A shell glob over host names (Salt's default).
    Glob,
    /// `-E`: a regex anchored at the start.
    Pcre,
    /// `-L`: exact names separated by commas.
    List,
    /// `-G`: `key[:subkey…]:glob` over grains.
    Grain,
    /// `-P`: `key[:subkey…]:regex` over grains.
    GrainPcre,
    /// `-I`: like grain, over pillar.
    Pillar,
    /// `-J`: like grain pcre, over pillar.
    PillarPcre,
    /// `-S`: a CIDR network or a single IP address.
    Ipcidr,
    /// `-N`: a nodegroup name.
    Nodegroup,
    /// `-C`: a compound expression.
    Compound,
    /// `--category`: `<function category>[/<application>]`.
    Category,
    /// Func's targets (TGT-30): globs joined by `;`, `@group` for an inventory group.
    Func,
}

#[derive(Debug, Clone)]
pub(crate) enum Expr {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Not(Box<Expr>),
    Leaf(Leaf),
}

#[derive(Debug, Clone)]
pub(crate) enum Leaf {
    Glob(Regex),
    Pcre(Regex),
    List(Vec<String>),
    Data {
        pillar: bool,
        splits: Vec<(Vec<String>, ValueMatcher)>,
    },
    Ipcidr(Net),
    Nodegroup(String),
    Category {
        category: String,
        application: Option<String>,
    },
    /// An inventory group (Func's `@group`).
    Group(String),
}

#[derive(Debug, Clone)]
pub(crate) enum ValueMatcher {
    /// A lower-cased glob; `*` alone means "the key exists".
    Glob {
        text: String,
        re: Regex,
    },
    Regex {
        text: String,
        re: Regex,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Net {
    Addr(IpAddr),
    Cidr(IpAddr, u8),
}

/// What a host offers to a target: its name, variables, grains, pillar, place in the
/// hierarchy.
pub(crate) struct Subject<'a> {
    pub name: &'a str,
    /// `om_agent_id`, which globs match as well as the name.
    pub agent_id: Option<String>,
    /// `ansible_host` and `ansible_ssh_host`, which `S@` checks when they are addresses.
    pub addresses: Vec<String>,
    pub grains: Option<&'a Value>,
    pub pillar: Option<&'a Value>,
    pub placement: Option<&'a crate::hierarchy::Placement>,
    /// The groups the host is in (ancestors included), for `@group`.
    pub groups: Vec<String>,
}

impl Compound {
    /// Parses a compound expression: `E@^web and G@os:centos or not L@db1,db2`.
    pub fn parse(text: &str) -> Result<Compound, PatternError> {
        for (found, ascii) in [('（', '('), ('）', ')'), ('，', ','), ('：', ':')] {
            if text.contains(found) {
                return Err(PatternError::FullWidth { pattern: text.to_string(), found, ascii });
            }
        }
        let tokens = tokenize(text);
        let mut parser = Parser { tokens: &tokens, pos: 0, text };
        if tokens.is_empty() {
            return Err(parser.error("", CompoundProblem::Empty));
        }
        parser.check_operators()?;
        let expr = parser.or_expr()?;
        if let Some(extra) = tokens.get(parser.pos) {
            let problem = if extra == ")" { CompoundProblem::Parens } else { CompoundProblem::ExpectedOperator(extra.clone()) };
            return Err(parser.error(extra, problem));
        }
        Ok(Compound { text: text.to_string(), expr })
    }

    /// One target of a single type, as `-E`, `-G`, `-L`… give it: the whole text is the
    /// target, with no `and`/`or` parsing.
    pub fn typed(kind: TargetKind, text: &str) -> Result<Compound, PatternError> {
        let leaf = match kind {
            TargetKind::Compound => return Compound::parse(text),
            TargetKind::Glob => Leaf::Glob(glob(text, text)?),
            TargetKind::Pcre => Leaf::Pcre(anchored(text, text)?),
            TargetKind::List => Leaf::List(list(text)),
            TargetKind::Grain | TargetKind::GrainPcre | TargetKind::Pillar | TargetKind::PillarPcre => {
                let regex = matches!(kind, TargetKind::GrainPcre | TargetKind::PillarPcre);
                let pillar = matches!(kind, TargetKind::Pillar | TargetKind::PillarPcre);
                Leaf::Data { pillar, splits: splits(text, ':', regex, text)? }
            }
            TargetKind::Ipcidr => Leaf::Ipcidr(net(text, text)?),
            TargetKind::Nodegroup => Leaf::Nodegroup(text.to_string()),
            TargetKind::Category => category(text),
            TargetKind::Func => {
                let mut alternatives = Vec::new();
                for spec in text.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                    alternatives.push(Expr::Leaf(match spec.strip_prefix('@') {
                        Some(group) => Leaf::Group(group.to_string()),
                        None => Leaf::Glob(glob(spec, text)?),
                    }));
                }
                return Ok(Compound { text: text.to_string(), expr: Expr::Or(alternatives) });
            }
        };
        Ok(Compound { text: text.to_string(), expr: Expr::Leaf(leaf) })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the expression reads grains (so hosts without cached facts cannot match).
    pub fn uses_grains(&self, nodegroups: Option<&Nodegroups>) -> bool {
        uses(&self.expr, nodegroups, &mut Vec::new(), &|l| matches!(l, Leaf::Data { pillar: false, .. }))
    }

    pub(crate) fn matches(&self, subject: &Subject<'_>, nodegroups: Option<&Nodegroups>) -> Result<bool, PatternError> {
        eval(&self.expr, subject, nodegroups)
    }

    /// Every `N@` name the expression uses, for cycle checks.
    fn nodegroup_refs(&self) -> Vec<String> {
        let mut out = Vec::new();
        collect_refs(&self.expr, &mut out);
        out
    }
}

impl std::fmt::Display for Compound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

fn uses(expr: &Expr, nodegroups: Option<&Nodegroups>, stack: &mut Vec<String>, what: &dyn Fn(&Leaf) -> bool) -> bool {
    match expr {
        Expr::Or(items) | Expr::And(items) => items.iter().any(|e| uses(e, nodegroups, stack, what)),
        Expr::Not(inner) => uses(inner, nodegroups, stack, what),
        Expr::Leaf(Leaf::Nodegroup(name)) => {
            if stack.contains(name) {
                return false;
            }
            stack.push(name.clone());
            let found = nodegroups.and_then(|n| n.get(name)).is_some_and(|c| uses(&c.expr, nodegroups, stack, what));
            stack.pop();
            found
        }
        Expr::Leaf(leaf) => what(leaf),
    }
}

fn collect_refs(expr: &Expr, out: &mut Vec<String>) {
    match expr {
        Expr::Or(items) | Expr::And(items) => items.iter().for_each(|e| collect_refs(e, out)),
        Expr::Not(inner) => collect_refs(inner, out),
        Expr::Leaf(Leaf::Nodegroup(name)) => out.push(name.clone()),
        Expr::Leaf(_) => {}
    }
}

/// Words split on blanks; parentheses glued to a word are split off, unless they belong to
/// it (`E@(web|db)01` keeps its own balanced parentheses).
fn tokenize(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in text.split_whitespace() {
        let mut w = word;
        while let Some(rest) = w.strip_prefix('(') {
            out.push("(".to_string());
            w = rest;
        }
        let mut closing = 0;
        while w.ends_with(')') && w.matches(')').count() > w.matches('(').count() {
            w = &w[..w.len() - 1];
            closing += 1;
        }
        if !w.is_empty() {
            out.push(w.to_string());
        }
        out.extend(std::iter::repeat_n(")".to_string(), closing));
    }
    out
}

struct Parser<'t> {
    tokens: &'t [String],
    pos: usize,
    text: &'t str,
}

fn is_operator(t: &str) -> bool {
    matches!(t, "and" | "or" | "not" | "(" | ")")
}

impl Parser<'_> {
    fn error(&self, at: &str, reason: CompoundProblem) -> PatternError {
        PatternError::Compound { expr: self.text.to_string(), at: at.to_string(), reason }
    }

    /// Salt's checks: no leading `and`/`or`, none right after `(`.
    fn check_operators(&self) -> Result<(), PatternError> {
        for (i, t) in self.tokens.iter().enumerate() {
            if matches!(t.as_str(), "and" | "or") && (i == 0 || self.tokens[i - 1] == "(") {
                return Err(self.error(t, CompoundProblem::ExpectedTarget(t.clone())));
            }
        }
        Ok(())
    }

    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.pos).map(String::as_str)
    }

    fn or_expr(&mut self) -> Result<Expr, PatternError> {
        let mut items = vec![self.and_expr()?];
        while self.peek() == Some("or") {
            self.pos += 1;
            items.push(self.and_expr()?);
        }
        Ok(if items.len() == 1 { items.remove(0) } else { Expr::Or(items) })
    }

    fn and_expr(&mut self) -> Result<Expr, PatternError> {
        let mut items = vec![self.not_expr()?];
        loop {
            match self.peek() {
                Some("and") => self.pos += 1,
                // `a not b` is `a and not b`.
                Some("not") => {}
                _ => break,
            }
            items.push(self.not_expr()?);
        }
        Ok(if items.len() == 1 { items.remove(0) } else { Expr::And(items) })
    }

    fn not_expr(&mut self) -> Result<Expr, PatternError> {
        if self.peek() == Some("not") {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.not_expr()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, PatternError> {
        let Some(token) = self.peek().map(str::to_string) else {
            let last = self.tokens.last().cloned().unwrap_or_default();
            return Err(self.error(&last, CompoundProblem::ExpectedTarget("the end".into())));
        };
        self.pos += 1;
        if token == "(" {
            let inner = self.or_expr()?;
            if self.peek() != Some(")") {
                return Err(self.error(&token, CompoundProblem::Parens));
            }
            self.pos += 1;
            return Ok(inner);
        }
        if is_operator(&token) {
            let problem = if token == ")" { CompoundProblem::Parens } else { CompoundProblem::ExpectedTarget(token.clone()) };
            return Err(self.error(&token, problem));
        }
        Ok(Expr::Leaf(self.leaf(&token)?))
    }

    /// `X@pattern` (or `Gd@pattern` with a delimiter `d` for G, P, I, J); else a glob.
    fn leaf(&self, word: &str) -> Result<Leaf, PatternError> {
        let err = |reason| PatternError::Compound { expr: self.text.to_string(), at: word.to_string(), reason };
        let chars: Vec<char> = word.chars().collect();
        let (engine, delimiter, pattern) = match chars.as_slice() {
            [e, '@', ..] if e.is_ascii_uppercase() => (*e, ':', &word[2..]),
            [e @ ('G' | 'P' | 'I' | 'J'), d, '@', ..] if *d != '@' => (*e, *d, &word[e.len_utf8() + d.len_utf8() + 1..]),
            _ => return glob(word, self.text).map(Leaf::Glob),
        };
        Ok(match engine {
            'E' => Leaf::Pcre(anchored(pattern, self.text)?),
            'L' => Leaf::List(list(pattern)),
            'G' | 'P' | 'I' | 'J' => {
                let regex = matches!(engine, 'P' | 'J');
                Leaf::Data { pillar: matches!(engine, 'I' | 'J'), splits: splits(pattern, delimiter, regex, self.text)? }
            }
            'S' => Leaf::Ipcidr(net(pattern, self.text)?),
            'N' => Leaf::Nodegroup(pattern.to_string()),
            'H' => category(pattern),
            'R' => return Err(err(CompoundProblem::Range)),
            other => return Err(err(CompoundProblem::UnknownPrefix(other.to_string()))),
        })
    }
}

fn compound_error(expr: &str, at: &str, reason: CompoundProblem) -> PatternError {
    PatternError::Compound { expr: expr.to_string(), at: at.to_string(), reason }
}

fn glob(pattern: &str, expr: &str) -> Result<Regex, PatternError> {
    Regex::new(&fnmatch_translate(pattern)).map_err(|e| compound_error(expr, pattern, CompoundProblem::Regex(e.to_string())))
}

/// Python's `re.match`: anchored at the start only.
fn anchored(pattern: &str, expr: &str) -> Result<Regex, PatternError> {
    Regex::new(&format!(r"\A(?:{pattern})")).map_err(|e| compound_error(expr, pattern, CompoundProblem::Regex(last_line(&e))))
}

fn last_line(e: &regex::Error) -> String {
    e.to_string().lines().last().unwrap_or_default().trim().to_string()
}

fn list(pattern: &str) -> Vec<String> {
    pattern.split(',').map(str::to_string).collect()
}

fn category(pattern: &str) -> Leaf {
    match pattern.split_once('/') {
        Some((c, a)) => Leaf::Category { category: c.to_string(), application: Some(a.to_string()) },
        None => Leaf::Category { category: pattern.to_string(), application: None },
    }
}

/// Every split of `a:b:c` into a key path and a pattern, longest key first:
/// (`a:b`, `c`), (`a`, `b:c`).
fn splits(text: &str, delimiter: char, regex: bool, expr: &str) -> Result<Vec<(Vec<String>, ValueMatcher)>, PatternError> {
    let parts: Vec<&str> = text.split(delimiter).collect();
    if parts.len() < 2 {
        return Err(compound_error(expr, text, CompoundProblem::GrainShape));
    }
    let d = delimiter.to_string();
    let mut out = Vec::new();
    for idx in (1..parts.len()).rev() {
        let key: Vec<String> = parts[..idx].iter().map(|s| s.to_string()).collect();
        let pattern = parts[idx..].join(&d).to_lowercase();
        let matcher = if regex {
            ValueMatcher::Regex { re: anchored(&pattern, expr)?, text: pattern }
        } else {
            ValueMatcher::Glob { re: glob(&pattern, expr)?, text: pattern }
        };
        out.push((key, matcher));
    }
    Ok(out)
}

/// `ipaddress.ip_address(t)` or `ipaddress.ip_network(t)` (strict: no host bits).
fn net(text: &str, expr: &str) -> Result<Net, PatternError> {
    let bad = || compound_error(expr, text, CompoundProblem::Subnet(text.to_string()));
    if let Ok(addr) = text.parse::<IpAddr>() {
        return Ok(Net::Addr(addr));
    }
    let (addr, prefix) = text.split_once('/').ok_or_else(bad)?;
    let addr: IpAddr = addr.parse().map_err(|_| bad())?;
    let prefix: u8 = prefix.parse().map_err(|_| bad())?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    if prefix > max || masked(addr, prefix) != addr {
        return Err(bad());
    }
    Ok(Net::Cidr(addr, prefix))
}

fn masked(addr: IpAddr, prefix: u8) -> IpAddr {
    match addr {
        IpAddr::V4(a) => {
            let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(prefix)) };
            IpAddr::V4((u32::from(a) & mask).into())
        }
        IpAddr::V6(a) => {
            let mask = if prefix == 0 { 0 } else { u128::MAX << (128 - u32::from(prefix)) };
            IpAddr::V6((u128::from(a) & mask).into())
        }
    }
}

fn eval(expr: &Expr, s: &Subject<'_>, nodegroups: Option<&Nodegroups>) -> Result<bool, PatternError> {
    Ok(match expr {
        Expr::Or(items) => {
            for e in items {
                if eval(e, s, nodegroups)? {
                    return Ok(true);
                }
            }
            false
        }
        Expr::And(items) => {
            for e in items {
                if !eval(e, s, nodegroups)? {
                    return Ok(false);
                }
            }
            true
        }
        Expr::Not(inner) => !eval(inner, s, nodegroups)?,
        Expr::Leaf(leaf) => match leaf {
            Leaf::Glob(re) => re.is_match(s.name) || s.agent_id.as_deref().is_some_and(|id| re.is_match(id)),
            Leaf::Pcre(re) => re.is_match(s.name),
            Leaf::List(names) => names.iter().any(|n| n == s.name),
            Leaf::Data { pillar, splits } => {
                let data = if *pillar { s.pillar } else { s.grains };
                data.is_some_and(|d| subdict_match(d, splits))
            }
            Leaf::Ipcidr(net) => addresses(s).iter().any(|a| in_net(*a, *net)),
            Leaf::Nodegroup(name) => {
                let group = nodegroups.and_then(|n| n.get(name)).ok_or_else(|| PatternError::UnknownNodegroup(name.clone()))?;
                eval(&group.expr, s, nodegroups)?
            }
            Leaf::Group(group) => s.groups.iter().any(|g| g == group),
            Leaf::Category { category, application } => s
                .placement
                .is_some_and(|p| p.category == *category && application.as_ref().is_none_or(|a| p.application.as_ref() == Some(a))),
        },
    })
}

/// Salt's `subdict_match`: for each split, walk the key path; a scalar must match, any item
/// of a list may match, a dict matches when the pattern names one of its keys.
fn subdict_match(data: &Value, splits: &[(Vec<String>, ValueMatcher)]) -> bool {
    for (key, matcher) in splits {
        let target = if key.len() == 1 && key[0] == "*" { Some(data) } else { traverse(data, key) };
        let Some(target) = target else { continue };
        let hit = match target {
            Value::Object(map) => dict_match(map, matcher),
            Value::Array(items) => items.iter().any(|m| match m {
                Value::Object(map) => dict_match(map, matcher) || value_match(m, matcher),
                other => value_match(other, matcher),
            }),
            other => value_match(other, matcher),
        };
        if hit {
            return true;
        }
    }
    false
}

fn traverse<'a>(data: &'a Value, key: &[String]) -> Option<&'a Value> {
    let mut cur = data;
    for segment in key {
        cur = match cur {
            Value::Object(map) => map.get(segment)?,
            Value::Array(items) => match segment.parse::<usize>() {
                Ok(i) => items.get(i)?,
                Err(_) => items.iter().find_map(|item| item.as_object().and_then(|m| m.get(segment)))?,
            },
            _ => return None,
        };
    }
    Some(cur)
}

fn dict_match(map: &serde_json::Map<String, Value>, matcher: &ValueMatcher) -> bool {
    let text = match matcher {
        ValueMatcher::Glob { text, .. } | ValueMatcher::Regex { text, .. } => text,
    };
    text == "*" || map.contains_key(text.as_str())
}

/// `str(value).lower()` matched against the (lower-cased) pattern.
fn value_match(value: &Value, matcher: &ValueMatcher) -> bool {
    let text = match value {
        Value::String(s) => s.to_lowercase(),
        Value::Bool(b) => if *b { "true" } else { "false" }.to_string(),
        Value::Null => "none".to_string(),
        other => om_template::python::str(other).to_lowercase(),
    };
    match matcher {
        ValueMatcher::Glob { re, .. } | ValueMatcher::Regex { re, .. } => re.is_match(&text),
    }
}

/// The addresses a host reports: grains `ipv4`/`ipv6` (from `ansible_all_ipv4_addresses`…),
/// plus `ansible_host` and the host name when they are addresses.
fn addresses(s: &Subject<'_>) -> Vec<IpAddr> {
    let mut out = Vec::new();
    if let Some(grains) = s.grains {
        for key in ["ipv4", "ipv6"] {
            if let Some(Value::Array(items)) = grains.get(key) {
                out.extend(items.iter().filter_map(|v| v.as_str()?.split('%').next()?.parse::<IpAddr>().ok()));
            }
        }
    }
    for candidate in s.addresses.iter().map(String::as_str).chain([s.name]) {
        if let Ok(addr) = candidate.parse::<IpAddr>()
            && !out.contains(&addr)
        {
            out.push(addr);
        }
    }
    out
}

fn in_net(addr: IpAddr, net: Net) -> bool {
    match net {
        Net::Addr(a) => a == addr,
        Net::Cidr(base, prefix) => addr.is_ipv4() == base.is_ipv4() && masked(addr, prefix) == base,
    }
}

/// Named targets from om's configuration, in Salt's shape (TGT-22):
/// `{web1group: 'L@a,b,c', web2group: [d, e]}`; a list means `L@`.
#[derive(Debug, Clone, Default)]
pub struct Nodegroups {
    groups: IndexMap<String, Compound>,
}

impl Nodegroups {
    pub fn new() -> Self {
        Self::default()
    }

    /// From a mapping of names to compound strings or lists of names (a `nodegroups:` key
    /// around it is looked through). Cycles through `N@` are errors.
    pub fn from_json(value: &Value) -> Result<Self, PatternError> {
        let map = match value.get("nodegroups") {
            Some(inner @ Value::Object(_)) => inner,
            _ => value,
        };
        let mut out = Nodegroups::new();
        if let Value::Object(map) = map {
            for (name, def) in map {
                let compound = match def {
                    Value::String(s) => Compound::parse(s)?,
                    Value::Array(items) => {
                        let names: Vec<String> = items.iter().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string)).collect();
                        Compound::typed(TargetKind::List, &names.join(","))?
                    }
                    other => Compound::parse(&other.to_string())?,
                };
                out.groups.insert(name.clone(), compound);
            }
        }
        out.check_cycles()?;
        Ok(out)
    }

    /// Reads a YAML (or JSON) file of nodegroups, as [`Nodegroups::from_json`] takes them.
    pub fn load(path: &std::path::Path) -> Result<Self, crate::InventoryError> {
        let text = std::fs::read_to_string(path).map_err(|source| crate::InventoryError::Read { path: path.to_path_buf(), source })?;
        let (node, _) = crate::yaml_source::load_data(&text, &path.display().to_string().into())?;
        Ok(Self::from_json(&node.to_json())?)
    }

    /// Adds (or replaces) a nodegroup; fails if it makes an `N@` cycle.
    pub fn insert(&mut self, name: &str, target: Compound) -> Result<(), PatternError> {
        self.groups.insert(name.to_string(), target);
        self.check_cycles()
    }

    pub fn get(&self, name: &str) -> Option<&Compound> {
        self.groups.get(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.groups.keys().map(String::as_str)
    }

    fn check_cycles(&self) -> Result<(), PatternError> {
        fn visit(n: &Nodegroups, name: &str, stack: &mut Vec<String>) -> Result<(), PatternError> {
            if stack.iter().any(|s| s == name) {
                return Err(PatternError::NodegroupCycle(stack[0].clone()));
            }
            let Some(c) = n.groups.get(name) else { return Ok(()) };
            stack.push(name.to_string());
            for r in c.nodegroup_refs() {
                visit(n, &r, stack)?;
            }
            stack.pop();
            Ok(())
        }
        for name in self.groups.keys() {
            visit(self, name, &mut Vec::new())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn subject<'a>(name: &'a str, grains: Option<&'a Value>) -> Subject<'a> {
        Subject { name, agent_id: None, addresses: Vec::new(), grains, pillar: None, placement: None, groups: Vec::new() }
    }

    fn check(expr: &str, name: &str, grains: Option<&Value>) -> bool {
        Compound::parse(expr).unwrap().matches(&subject(name, grains), None).unwrap()
    }

    #[test]
    fn precedence_is_not_and_or() {
        let g = json!({"os": "CentOS", "osrelease": "6.4", "roles": ["webserver", "memcache"], "flow": {"maxconn": 30000}});
        let g = Some(&g);
        assert!(check("E@^SN2013.* and G@os:Centos", "SN2013-08-021", g));
        assert!(!check("E@^SN2013.* and G@os:Ubuntu", "SN2013-08-021", g));
        assert!(check("* and not E@^SN2013.*", "SN2012-07-010", g));
        assert!(check("not E@^SN2013.*", "SN2012-07-010", g));
        assert!(!check("not E@^SN2013.*", "SN2013-07-010", g));
        assert!(check("L@a,b or L@c and L@x", "a", g));
        assert!(!check("(L@a,b or L@c) and L@x", "a", g));
        assert!(check("(L@a,b or L@c)and(L@a)", "a", g));
        assert!(check("L@a not L@b", "a", g));
        assert!(check("G@roles:web*", "x", g));
        assert!(check("G@flow:maxconn:30000", "x", g));
        assert!(check("G@flow:maxconn", "x", g));
        assert!(check("P@os:(centos|redhat)", "x", g));
        assert!(check("G@osrelease:6.4", "x", g));
        assert!(!check("G@os:CentOS", "x", None));
        assert!(check("E@(web|db)01", "db01", None));
    }

    #[test]
    fn bad_expressions_are_errors() {
        for (expr, problem) in [
            ("and L@a", "expected a target"),
            ("L@a and", "expected a target"),
            ("( or L@a )", "expected a target"),
            ("(L@a", "unbalanced"),
            ("L@a)", "unbalanced"),
            ("R@%cluster", "range"),
            ("X@foo", "unknown target type `X@`"),
            ("S@10.0.0.1/8", "not an IP address"),
            ("G@os", "key:value"),
            ("", "empty"),
        ] {
            let err = Compound::parse(expr).unwrap_err().to_string();
            assert!(err.contains(problem), "{expr}: {err}");
        }
    }

    #[test]
    fn subnets_match_reported_addresses() {
        let g = json!({"ipv4": ["10.1.2.3", "127.0.0.1"], "ipv6": ["fe80::1%eth0"]});
        assert!(check("S@10.1.0.0/16", "h", Some(&g)));
        assert!(check("S@10.1.2.3", "h", Some(&g)));
        assert!(!check("S@10.2.0.0/16", "h", Some(&g)));
        assert!(check("S@fe80::/64", "h", Some(&g)));
        assert!(check("S@192.168.0.0/24", "192.168.0.7", None));
    }

    #[test]
    fn nodegroups_nest_and_cycles_are_refused() {
        let n = Nodegroups::from_json(
            &json!({"nodegroups": {"web1group": "L@a,b", "web2group": ["c", "d"], "web": "N@web1group or N@web2group"}}),
        )
        .unwrap();
        let web = Compound::parse("N@web").unwrap();
        assert!(web.matches(&subject("d", None), Some(&n)).unwrap());
        assert!(!web.matches(&subject("e", None), Some(&n)).unwrap());
        let err = Nodegroups::from_json(&json!({"a": "N@b", "b": "L@x or N@a"})).unwrap_err();
        assert!(matches!(err, PatternError::NodegroupCycle(_)));
    }
}

/// What targets are evaluated with: grains and pillar, and the configured nodegroups.
#[derive(Clone, Copy, Default)]
pub struct TargetContext<'a> {
    pub data: Option<&'a dyn crate::facts::TargetData>,
    pub nodegroups: Option<&'a Nodegroups>,
}

impl std::fmt::Debug for TargetContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TargetContext").field("data", &self.data.is_some()).field("nodegroups", &self.nodegroups).finish()
    }
}

impl Compound {
    /// Whether any host — in an inventory or not, such as an enrolled agent — matches, given
    /// its grains and pillar. `H@` reads the host's `om_category`/`om_application`.
    pub fn matches_host(
        &self,
        host: &om_core::Host,
        grains: Option<&Value>,
        pillar: Option<&Value>,
        nodegroups: Option<&Nodegroups>,
    ) -> Result<bool, PatternError> {
        let placement = host.vars.get("om_category").and_then(Value::as_str).map(|c| crate::hierarchy::Placement {
            category: c.to_string(),
            application: host.vars.get("om_application").and_then(Value::as_str).map(str::to_string),
        });
        let text = |k: &str| host.vars.get(k).and_then(Value::as_str).map(str::to_string);
        let addresses = ["ansible_host", "ansible_ssh_host"].into_iter().filter_map(text).collect();
        let subject = Subject {
            name: &host.name,
            agent_id: text("om_agent_id"),
            addresses,
            grains,
            pillar,
            placement: placement.as_ref(),
            groups: host.groups.clone(),
        };
        self.matches(&subject, nodegroups)
    }
}

impl crate::Inventory {
    /// The inventory hosts a Salt-style target selects, in inventory (`all`) order. Hosts
    /// without cached grains never match `G@`/`P@`, and a warning counts them.
    pub fn select_target(&self, target: &Compound, ctx: TargetContext<'_>) -> Result<crate::Selection, PatternError> {
        let ng = ctx.nodegroups;
        let grains_used = target.uses_grains(ng);
        let wants_grains = grains_used || uses(&target.expr, ng, &mut Vec::new(), &|l| matches!(l, Leaf::Ipcidr(_)));
        let wants_pillar = uses(&target.expr, ng, &mut Vec::new(), &|l| matches!(l, Leaf::Data { pillar: true, .. }));
        let wants_placement = uses(&target.expr, ng, &mut Vec::new(), &|l| matches!(l, Leaf::Category { .. }));
        let wants_agent = uses(&target.expr, ng, &mut Vec::new(), &|l| matches!(l, Leaf::Glob(_)));
        let wants_addresses = uses(&target.expr, ng, &mut Vec::new(), &|l| matches!(l, Leaf::Ipcidr(_)));
        let wants_groups = uses(&target.expr, ng, &mut Vec::new(), &|l| matches!(l, Leaf::Group(_)));
        let mut hosts = Vec::new();
        let mut without_grains = 0;
        for &h in self.group_host_ids(crate::model::ALL).iter() {
            let name = self.model.host(h).name.as_str();
            let grains = if wants_grains { ctx.data.and_then(|d| d.grains(name)) } else { None };
            if grains_used && grains.is_none() {
                without_grains += 1;
            }
            let pillar = if wants_pillar { ctx.data.and_then(|d| d.pillar(name)) } else { None };
            let placement = if wants_placement { self.placement(name) } else { None };
            let text = |k: &str| self.lookup_var(h, k).and_then(|v| v.as_str().map(str::to_string));
            let agent_id = if wants_agent { text("om_agent_id") } else { None };
            let addresses =
                if wants_addresses { ["ansible_host", "ansible_ssh_host"].into_iter().filter_map(text).collect() } else { Vec::new() };
            let groups = if wants_groups { self.group_names_of(h) } else { Vec::new() };
            let subject = Subject {
                name,
                agent_id,
                addresses,
                grains: grains.as_ref(),
                pillar: pillar.as_ref(),
                placement: placement.as_ref(),
                groups,
            };
            if target.matches(&subject, ng)? {
                hosts.push(self.built(h));
            }
        }
        let mut warnings = Vec::new();
        if without_grains > 0 {
            warnings.push(crate::Warning::NoGrains(without_grains));
        }
        if hosts.is_empty() {
            warnings.push(crate::Warning::NoHostsMatched);
        }
        Ok(crate::Selection { target: om_core::Target::new(hosts), warnings })
    }
}
