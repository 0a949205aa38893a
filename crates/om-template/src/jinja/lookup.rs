//! Lookups (`lookup('file', 'motd')`, `query('fileglob', '*.conf')`) and the loop plugins
//! behind `with_<name>`: `file`, `env`, `template`, `pipe`, `fileglob`, `vars`,
//! `first_found`, `items`, `list`, `indexed_items`, `dict`, `sequence`, `nested`,
//! `together`, `subelements`, `lines`, `random_choice`.
//!
//! Relative files are searched for in `ansible_search_path` (the role's directory, then the
//! playbook's), each with the plugin's subdirectory (`files/`, `templates/`) first.

use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Weak};

use minijinja::value::{Kwargs, Object, ObjectRepr, Rest, ValueKind};
use minijinja::{Environment, Error, ErrorKind, State, Value};

use super::filters::invalid;
use super::native::{python_str, to_json};
use super::{FileOptions, Inner, Jinja, Scope};

/// The scope an evaluation runs in, reachable from functions as `__om_scope`.
#[derive(Debug)]
pub(crate) struct ScopeHandle(pub Scope);

impl Object for ScopeHandle {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }
}

pub(crate) const SCOPE_VAR: &str = "__om_scope";

pub(crate) fn register(env: &mut Environment<'static>, jinja: Weak<Inner>) {
    let j = jinja.clone();
    env.add_function("lookup", move |state: &State<'_, '_>, name: String, terms: Rest<Value>, kwargs: Kwargs| -> Result<Value, Error> {
        let wantlist: Option<bool> = kwargs.get("wantlist")?;
        let values = call(&j, state, &name, &terms, &kwargs)?;
        if wantlist.unwrap_or(false) {
            return Ok(Value::from(values));
        }
        Ok(match values.len() {
            1 if !matches!(name.as_str(), "items" | "list" | "dict" | "indexed_items") => values.into_iter().next().unwrap_or_default(),
            _ if matches!(name.as_str(), "file" | "env" | "template" | "pipe" | "fileglob" | "lines") => {
                Value::from(values.iter().map(python_str).collect::<Vec<_>>().join(","))
            }
            _ => Value::from(values),
        })
    });
    for fname in ["query", "q"] {
        let j = jinja.clone();
        env.add_function(fname, move |state: &State<'_, '_>, name: String, terms: Rest<Value>, kwargs: Kwargs| -> Result<Value, Error> {
            let _: Option<bool> = kwargs.get("wantlist")?;
            Ok(Value::from(call(&j, state, &name, &terms, &kwargs)?))
        });
    }
    env.add_function("now", |utc: Option<bool>, fmt: Option<String>| {
        let fmt = fmt.unwrap_or_else(|| "%Y-%m-%d %H:%M:%S.%f".into()).replace("%f", "%6f");
        if utc.unwrap_or(false) { chrono::Utc::now().format(&fmt).to_string() } else { chrono::Local::now().format(&fmt).to_string() }
    });
    env.add_function("undef", |hint: Option<String>| -> Result<Value, Error> {
        Err(Error::new(ErrorKind::UndefinedError, hint.unwrap_or_else(|| "undefined variable".into())))
    });
}

fn call(jinja: &Weak<Inner>, state: &State<'_, '_>, name: &str, terms: &[Value], kwargs: &Kwargs) -> Result<Vec<Value>, Error> {
    let name = name.strip_prefix("ansible.builtin.").unwrap_or(name);
    let scope = state.lookup(SCOPE_VAR).and_then(|v| v.downcast_object_ref::<ScopeHandle>().map(|h| h.0.clone()));
    let search = search_path(state);
    let out = run(name, terms, kwargs, &Ctx { jinja, scope: scope.as_ref(), search: &search, state: Some(state) })?;
    kwargs.assert_all_used()?;
    Ok(out)
}

fn search_path(state: &State<'_, '_>) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = state
        .lookup("ansible_search_path")
        .and_then(|v| v.try_iter().ok().map(|it| it.map(|p| PathBuf::from(python_str(&p))).collect()))
        .unwrap_or_default();
    if out.is_empty()
        && let Some(dir) = state.lookup("playbook_dir").filter(|v| !v.is_undefined())
    {
        out.push(PathBuf::from(python_str(&dir)));
    }
    out
}

struct Ctx<'a> {
    jinja: &'a Weak<Inner>,
    scope: Option<&'a Scope>,
    search: &'a [PathBuf],
    state: Option<&'a State<'a, 'a>>,
}

impl Ctx<'_> {
    /// The first existing `sub/term`, then `term`, in each search directory.
    fn find(&self, sub: &str, term: &str) -> Option<PathBuf> {
        let path = Path::new(term);
        if path.is_absolute() {
            return path.exists().then(|| path.to_path_buf());
        }
        self.search.iter().flat_map(|base| [base.join(sub).join(term), base.join(term)]).find(|p| p.exists())
    }

    fn lookup_var(&self, name: &str) -> Option<Value> {
        self.state.and_then(|s| s.lookup(name)).filter(|v| !v.is_undefined()).or_else(|| self.scope.and_then(|s| s.lookup(name)))
    }
}

/// Runs one lookup plugin from Rust (the `with_<name>` loops).
pub fn query(name: &str, terms: &[serde_json::Value], scope: &Scope) -> Result<Vec<serde_json::Value>, super::TemplateError> {
    let terms: Vec<Value> = terms.iter().map(super::from_json).collect();
    let search: Vec<PathBuf> = scope
        .get_json("ansible_search_path")
        .ok()
        .flatten()
        .and_then(|v| v.as_array().map(|a| a.iter().filter_map(|p| p.as_str().map(PathBuf::from)).collect()))
        .unwrap_or_default();
    let weak = Arc::downgrade(&scope.jinja().inner);
    let kwargs = Kwargs::from_iter(std::iter::empty::<(&str, Value)>());
    run(name, &terms, &kwargs, &Ctx { jinja: &weak, scope: Some(scope), search: &search, state: None })
        .map(|values| values.iter().map(to_json).collect())
        .map_err(|e| super::TemplateError::from_minijinja(&e, &format!("with_{name}")))
}

fn run(name: &str, terms: &[Value], kwargs: &Kwargs, ctx: &Ctx<'_>) -> Result<Vec<Value>, Error> {
    let strings = || -> Vec<String> { flat(terms).iter().map(python_str).collect() };
    Ok(match name {
        "file" => {
            let rstrip: Option<bool> = kwargs.get("rstrip")?;
            let lstrip: Option<bool> = kwargs.get("lstrip")?;
            let mut out = Vec::new();
            for term in strings() {
                let path = ctx.find("files", &term).ok_or_else(|| invalid(format!("could not locate file in lookup: {term}")))?;
                let mut text = std::fs::read_to_string(&path).map_err(|e| invalid(format!("cannot read `{}`: {e}", path.display())))?;
                if rstrip.unwrap_or(true) {
                    text = text.trim_end().to_string();
                }
                if lstrip.unwrap_or(false) {
                    text = text.trim_start().to_string();
                }
                out.push(Value::from(text));
            }
            out
        }
        "env" => {
            let default: Option<Value> = kwargs.get("default")?;
            strings()
                .iter()
                .map(|t| std::env::var(t).map(Value::from).unwrap_or_else(|_| default.clone().unwrap_or_else(|| Value::from(""))))
                .collect()
        }
        "template" => {
            let jinja = ctx.jinja.upgrade().ok_or_else(|| invalid("the templating engine is gone"))?;
            let jinja = Jinja::from_inner(jinja);
            let scope = ctx.scope.ok_or_else(|| invalid("template lookups need variables"))?;
            let mut out = Vec::new();
            for term in strings() {
                let path = ctx
                    .find("templates", &term)
                    .ok_or_else(|| invalid(format!("the template file {term} could not be found for the lookup")))?;
                let source = std::fs::read_to_string(&path).map_err(|e| invalid(format!("cannot read `{}`: {e}", path.display())))?;
                let text = jinja
                    .render_file(&source, &path.display().to_string(), scope, FileOptions::default())
                    .map_err(|e| Error::new(ErrorKind::InvalidOperation, e.to_string()))?;
                out.push(Value::from(text));
            }
            out
        }
        "pipe" => {
            let mut out = Vec::new();
            for term in strings() {
                let mut cmd = std::process::Command::new("/bin/sh");
                cmd.arg("-c").arg(&term);
                if let Some(dir) = ctx.search.last() {
                    cmd.current_dir(dir);
                }
                let output = cmd.output().map_err(|e| invalid(format!("lookup_plugin.pipe({term}) cannot run: {e}")))?;
                if !output.status.success() {
                    return Err(invalid(format!("lookup_plugin.pipe({term}) returned {}", output.status.code().unwrap_or(-1))));
                }
                out.push(Value::from(String::from_utf8_lossy(&output.stdout).trim_end().to_string()));
            }
            out
        }
        "lines" => {
            let mut out = Vec::new();
            for term in strings() {
                let output = std::process::Command::new("/bin/sh").arg("-c").arg(&term).output().map_err(|e| invalid(e.to_string()))?;
                out.extend(String::from_utf8_lossy(&output.stdout).lines().map(|l| Value::from(l.to_string())));
            }
            out
        }
        "fileglob" => {
            let mut out = Vec::new();
            for term in strings() {
                let (dir_part, _) = term.rsplit_once('/').unwrap_or(("", &term));
                let found = if Path::new(&term).is_absolute() {
                    glob(&term)
                } else {
                    ctx.search
                        .iter()
                        .flat_map(|base| {
                            let sub = if dir_part.is_empty() { base.join("files") } else { base.join("files").join(dir_part) };
                            let dir = if sub.is_dir() { base.join("files") } else { base.clone() };
                            let found = glob(&dir.join(&term).display().to_string());
                            if found.is_empty() { None } else { Some(found) }
                        })
                        .next()
                        .unwrap_or_default()
                };
                out.extend(found.into_iter().map(Value::from));
            }
            out
        }
        "vars" => {
            let default: Option<Value> = kwargs.get("default")?;
            let mut out = Vec::new();
            for term in strings() {
                match ctx.lookup_var(&term) {
                    Some(v) => out.push(v),
                    None => match &default {
                        Some(d) => out.push(d.clone()),
                        None => return Err(Error::new(ErrorKind::UndefinedError, format!("No variable found with this name: {term}"))),
                    },
                }
            }
            out
        }
        "first_found" => {
            let skip: Option<bool> = kwargs.get("skip")?;
            let files_kw: Option<Value> = kwargs.get("files")?;
            let paths_kw: Option<Value> = kwargs.get("paths")?;
            let mut candidates: Vec<(String, Vec<String>)> = Vec::new();
            let mut add = |v: &Value, paths: Vec<String>| candidates.push((python_str(v), paths));
            let list = |v: &Option<Value>| -> Vec<String> {
                match v {
                    Some(v) if v.kind() == ValueKind::Seq => {
                        v.try_iter().map(|it| it.map(|x| python_str(&x)).collect()).unwrap_or_default()
                    }
                    Some(v) if !v.is_none() => python_str(v).split([',', ';']).map(str::to_string).collect(),
                    _ => Vec::new(),
                }
            };
            let kw_paths = list(&paths_kw);
            for f in list(&files_kw) {
                add(&Value::from(f), kw_paths.clone());
            }
            for term in flat(terms) {
                if term.kind() == ValueKind::Map {
                    let files = list(&term.get_attr("files").ok().filter(|v| !v.is_undefined()));
                    let paths = list(&term.get_attr("paths").ok().filter(|v| !v.is_undefined()));
                    for f in files {
                        add(&Value::from(f), paths.clone());
                    }
                } else {
                    add(&term, kw_paths.clone());
                }
            }
            for (file, paths) in candidates {
                if paths.is_empty() {
                    if let Some(found) = ctx.find("files", &file) {
                        return Ok(vec![Value::from(found.display().to_string())]);
                    }
                } else {
                    for p in paths {
                        let candidate = Path::new(&p).join(&file);
                        let found = if candidate.is_absolute() {
                            candidate.exists().then_some(candidate)
                        } else {
                            ctx.find("files", &candidate.display().to_string())
                        };
                        if let Some(found) = found {
                            return Ok(vec![Value::from(found.display().to_string())]);
                        }
                    }
                }
            }
            if skip.unwrap_or(false) {
                return Ok(Vec::new());
            }
            return Err(invalid("No file was found when using first_found."));
        }
        "items" => flat(terms),
        "list" => terms.to_vec(),
        "indexed_items" => flat(terms).into_iter().enumerate().map(|(i, v)| Value::from(vec![Value::from(i as i64), v])).collect(),
        "dict" => {
            let mut out = Vec::new();
            for term in terms {
                if term.kind() != ValueKind::Map {
                    return Err(invalid(format!("with_dict expects a dict, got {}", python_str(term))));
                }
                for key in term.try_iter()? {
                    let value = term.get_item(&key)?;
                    out.push(Value::from_iter([(Value::from("key"), key), (Value::from("value"), value)]));
                }
            }
            out
        }
        "sequence" => {
            let mut out = Vec::new();
            for term in strings() {
                out.extend(sequence(&term)?.into_iter().map(Value::from));
            }
            out
        }
        "nested" => {
            let lists: Vec<Vec<Value>> = terms_as_lists(terms)?;
            super::filters::cartesian(&lists).into_iter().map(Value::from).collect()
        }
        "together" => {
            let lists: Vec<Vec<Value>> = terms_as_lists(terms)?;
            let len = lists.iter().map(Vec::len).max().unwrap_or(0);
            (0..len).map(|i| Value::from(lists.iter().map(|l| l.get(i).cloned().unwrap_or(Value::from(()))).collect::<Vec<_>>())).collect()
        }
        "subelements" => {
            let (list, key, options) = match terms {
                [list, key] => (list.clone(), python_str(key), None),
                [list, key, options, ..] => (list.clone(), python_str(key), Some(options.clone())),
                _ => return Err(invalid("subelements lookup expects a list, a key and optionally a dict of flags")),
            };
            // Unlike the filter, the lookup takes the subelement out of the parent.
            let pairs: Vec<Value> = super::filters::subelements(list, key.clone(), options)?.try_iter()?.collect();
            pairs
                .into_iter()
                .map(|pair| {
                    let parent = pair.get_item(&Value::from(0)).unwrap_or_default();
                    let child = pair.get_item(&Value::from(1)).unwrap_or_default();
                    let parent = match parent.kind() {
                        ValueKind::Map if !key.contains('.') => Value::from_iter(
                            parent
                                .try_iter()
                                .into_iter()
                                .flatten()
                                .filter(|k| k.as_str() != Some(key.as_str()))
                                .map(|k| (k.clone(), parent.get_item(&k).unwrap_or_default())),
                        ),
                        _ => parent,
                    };
                    Value::from(vec![parent, child])
                })
                .collect()
        }
        "random_choice" => {
            use rand::RngExt;
            let items = flat(terms);
            if items.is_empty() {
                return Ok(Vec::new());
            }
            vec![items[rand::rng().random_range(0..items.len())].clone()]
        }
        "flattened" => {
            return Err(invalid(
                "the `flattened` lookup is not part of ansible-core (it lives in community.general); use `loop: \"{{ x | flatten }}\"`",
            ));
        }
        other => return Err(invalid(format!("lookup plugin ({other}) not found"))),
    })
}

/// `with_items` flattens one level.
fn flat(terms: &[Value]) -> Vec<Value> {
    let mut out = Vec::new();
    for t in terms {
        if t.kind() == ValueKind::Seq {
            out.extend(t.try_iter().into_iter().flatten());
        } else {
            out.push(t.clone());
        }
    }
    out
}

fn terms_as_lists(terms: &[Value]) -> Result<Vec<Vec<Value>>, Error> {
    // `with_nested: [[a, b], [c]]` arrives as one term holding the lists.
    let terms: Vec<Value> =
        if terms.len() == 1 && terms[0].kind() == ValueKind::Seq { terms[0].try_iter()?.collect() } else { terms.to_vec() };
    terms.iter().map(|t| if t.kind() == ValueKind::Seq { Ok(t.try_iter()?.collect()) } else { Ok(vec![t.clone()]) }).collect()
}

/// `with_sequence`: `start=1 end=10 stride=2 format=web%02d`, `count=5`, or `4-8/2`.
fn sequence(term: &str) -> Result<Vec<String>, Error> {
    let (mut start, mut end, mut stride, mut format, mut count) = (1i64, None::<i64>, 1i64, "%d".to_string(), None::<i64>);
    let num = |s: &str| -> Result<i64, Error> {
        let s = s.trim();
        let parsed = if let Some(h) = s.strip_prefix("0x") {
            i64::from_str_radix(h, 16)
        } else if let Some(o) = s.strip_prefix("0o").or_else(|| s.strip_prefix('0').filter(|r| !r.is_empty())) {
            i64::from_str_radix(o, 8)
        } else {
            s.parse()
        };
        parsed.map_err(|_| invalid(format!("can't parse arg `{s}` as integer in sequence")))
    };
    let mut shortcut = None;
    for part in term.split_whitespace() {
        match part.split_once('=') {
            Some(("start", v)) => start = num(v)?,
            Some(("end", v)) => end = Some(num(v)?),
            Some(("stride", v)) => stride = num(v)?,
            Some(("count", v)) => count = Some(num(v)?),
            Some(("format", v)) => format = v.to_string(),
            Some((k, _)) => return Err(invalid(format!("unrecognized arguments to with_sequence: {k}"))),
            None => shortcut = Some(part.to_string()),
        }
    }
    if let Some(s) = shortcut {
        static SHORTCUT: LazyLock<regex::Regex> =
            LazyLock::new(|| regex::Regex::new(r"^(?:(\S+?)-)?(\S+?)(?:/(\S+?))?(?::(.+))?$").expect("a valid pattern"));
        let caps = SHORTCUT.captures(&s).ok_or_else(|| invalid(format!("can't parse arg `{s}` in sequence")))?;
        if let Some(a) = caps.get(1) {
            start = num(a.as_str())?;
        }
        end = Some(num(&caps[2])?);
        if let Some(st) = caps.get(3) {
            stride = num(st.as_str())?;
        }
        if let Some(f) = caps.get(4) {
            format = f.as_str().to_string();
        }
    }
    if let Some(c) = count {
        if end.is_some() {
            return Err(invalid("can't specify both count and end in with_sequence"));
        }
        end = Some(if c == 0 { start - stride } else { start + (c - 1) * stride });
    }
    let end = end.ok_or_else(|| invalid("must specify count or end in with_sequence"))?;
    if stride == 0 {
        return Ok(Vec::new());
    }
    if (stride > 0 && end < start) || (stride < 0 && end > start) {
        return Err(invalid("to count backwards make stride negative"));
    }
    let mut out = Vec::new();
    let mut i = start;
    while (stride > 0 && i <= end) || (stride < 0 && i >= end) {
        out.push(printf(&format, i));
        i += stride;
    }
    Ok(out)
}

/// A `%d`/`%02d`/`%x`/`%o`/`%s` format with one integer, as Python's `%` does.
fn printf(format: &str, n: i64) -> String {
    static SPEC: LazyLock<regex::Regex> = LazyLock::new(|| regex::Regex::new(r"%(-?)(0?)(\d*)([dixXos])").expect("a valid pattern"));
    let mut done = false;
    SPEC.replace(format, |c: &regex::Captures<'_>| {
        done = true;
        let body = match &c[4] {
            "x" => format!("{n:x}"),
            "X" => format!("{n:X}"),
            "o" => format!("{n:o}"),
            _ => n.to_string(),
        };
        let width: usize = c[3].parse().unwrap_or(0);
        if &c[1] == "-" {
            format!("{body:<width$}")
        } else if &c[2] == "0" {
            format!("{body:0>width$}")
        } else {
            format!("{body:>width$}")
        }
    })
    .replace("%%", "%")
}

/// Files (not directories) matching a glob with `*`, `?` and `[…]` in any component,
/// sorted.
pub(crate) fn glob(pattern: &str) -> Vec<String> {
    let absolute = pattern.starts_with('/');
    let parts: Vec<&str> = pattern.split('/').filter(|p| !p.is_empty()).collect();
    let mut current: Vec<PathBuf> = vec![if absolute { PathBuf::from("/") } else { PathBuf::from(".") }];
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let mut next = Vec::new();
        for dir in &current {
            if !part.contains(['*', '?', '[']) {
                let p = dir.join(part);
                if p.exists() {
                    next.push(p);
                }
                continue;
            }
            let Ok(entries) = std::fs::read_dir(dir) else { continue };
            // Directory order, unsorted, as Python's glob.glob returns it.
            let names: Vec<String> = entries.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
            for name in names {
                if (!name.starts_with('.') || part.starts_with('.')) && wildcard(part, &name) {
                    let p = dir.join(&name);
                    if last || p.is_dir() {
                        next.push(p);
                    }
                }
            }
        }
        current = next;
    }
    let mut out: Vec<String> = current
        .into_iter()
        .filter(|p| p.is_file())
        .map(|p| {
            let s = p.display().to_string();
            if absolute { s } else { s.strip_prefix("./").map(str::to_string).unwrap_or(s) }
        })
        .collect();
    out.dedup();
    out
}

/// fnmatch: `*`, `?`, `[abc]`, `[!abc]`, `[a-z]`.
pub(crate) fn wildcard(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    fn go(p: &[char], n: &[char]) -> bool {
        match p.first() {
            None => n.is_empty(),
            Some('*') => (0..=n.len()).any(|i| go(&p[1..], &n[i..])),
            Some('?') => !n.is_empty() && go(&p[1..], &n[1..]),
            Some('[') => {
                let Some(close) = p.iter().skip(2).position(|c| *c == ']').map(|i| i + 2) else {
                    return n.first() == Some(&'[') && go(&p[1..], &n[1..]);
                };
                let Some(c) = n.first() else { return false };
                let mut set = &p[1..close];
                let negate = matches!(set.first(), Some('!' | '^'));
                if negate {
                    set = &set[1..];
                }
                let mut hit = false;
                let mut i = 0;
                while i < set.len() {
                    if i + 2 < set.len() && set[i + 1] == '-' {
                        hit |= set[i] <= *c && *c <= set[i + 2];
                        i += 3;
                    } else {
                        hit |= set[i] == *c;
                        i += 1;
                    }
                }
                hit != negate && go(&p[close + 1..], &n[1..])
            }
            Some(x) => n.first() == Some(x) && go(&p[1..], &n[1..]),
        }
    }
    go(&p, &n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequences_like_ansible() {
        assert_eq!(sequence("start=1 end=3").unwrap(), ["1", "2", "3"]);
        assert_eq!(sequence("start=0 end=8 stride=4 format=web%02d").unwrap(), ["web00", "web04", "web08"]);
        assert_eq!(sequence("count=2").unwrap(), ["1", "2"]);
        assert_eq!(sequence("4-6/2").unwrap(), ["4", "6"]);
        assert_eq!(sequence("0x0a-0x0c:%x").unwrap(), ["a", "b", "c"]);
    }

    #[test]
    fn fnmatch() {
        assert!(wildcard("*.conf", "a.conf"));
        assert!(!wildcard("*.conf", "a.conf.bak"));
        assert!(wildcard("web[0-9]?", "web1a"));
        assert!(!wildcard("[!a]*", "abc"));
    }
}
