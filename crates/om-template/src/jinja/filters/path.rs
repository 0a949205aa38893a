//! Path filters, with Python's `os.path` rules: `basename`, `dirname`, `splitext`,
//! `path_join`, `expanduser`, `realpath`, `relpath`.

use minijinja::{Environment, Error, Value};
use std::sync::LazyLock;

use crate::jinja::native::python_str;

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("basename", |p: Value| basename(&python_str(&p)).to_string());
    env.add_filter("dirname", |p: Value| dirname(&python_str(&p)).to_string());
    env.add_filter("win_basename", |p: String| p.rsplit(['\\', '/']).next().unwrap_or_default().to_string());
    env.add_filter("win_dirname", |p: String| p.rsplit_once(['\\', '/']).map(|(d, _)| d.to_string()).unwrap_or_default());
    env.add_filter("splitext", |p: String| {
        let (root, ext) = splitext(&p);
        Value::from(vec![root.to_string(), ext.to_string()])
    });
    env.add_filter("path_join", path_join);
    env.add_filter("expanduser", |p: String| expanduser(&p));
    env.add_filter("expandvars", |p: String| expandvars(&p));
    env.add_filter("realpath", |p: String| std::fs::canonicalize(expanduser(&p)).map(|r| r.display().to_string()).unwrap_or(p));
    env.add_filter("relpath", |p: String, start: Option<String>| relpath(&p, start.as_deref().unwrap_or(".")));
    env.add_filter("fileglob", |p: String| crate::jinja::lookup::glob(&p));
}

/// `os.path.basename`: everything after the last `/` (empty for `a/`).
pub(crate) fn basename(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

/// `os.path.dirname`: everything before the last `/`, trailing slashes kept off.
pub(crate) fn dirname(p: &str) -> &str {
    match p.rfind('/') {
        Some(i) => {
            let head = &p[..=i];
            let trimmed = head.trim_end_matches('/');
            if trimmed.is_empty() { &head[..head.len().min(head.len() - trimmed.len())] } else { trimmed }
        }
        None => "",
    }
}

/// `os.path.splitext`: the last dot of the file name, not a leading one.
fn splitext(p: &str) -> (&str, &str) {
    let base_start = p.rfind('/').map(|i| i + 1).unwrap_or(0);
    let base = &p[base_start..];
    let stem_start = base.len() - base.trim_start_matches('.').len();
    match base[stem_start..].rfind('.') {
        Some(dot) => p.split_at(base_start + stem_start + dot),
        None => (p, ""),
    }
}

fn path_join(parts: Value) -> Result<String, Error> {
    let parts: Vec<String> = match parts.as_str() {
        Some(s) => vec![s.to_string()],
        None => parts.try_iter()?.map(|v| python_str(&v)).collect(),
    };
    let mut out = String::new();
    for part in parts {
        if part.starts_with('/') || out.is_empty() {
            out = part;
        } else {
            if !out.ends_with('/') {
                out.push('/');
            }
            out.push_str(&part);
        }
    }
    Ok(out)
}

pub(crate) fn expanduser(p: &str) -> String {
    match (p.strip_prefix('~'), std::env::var("HOME")) {
        (Some(rest), Ok(home)) if rest.is_empty() || rest.starts_with('/') => format!("{home}{rest}"),
        _ => p.to_string(),
    }
}

fn expandvars(p: &str) -> String {
    static VAR: LazyLock<regex::Regex> = LazyLock::new(|| regex::Regex::new(r"\$(\w+|\{[^}]*\})").expect("a valid pattern"));
    VAR.replace_all(p, |caps: &regex::Captures<'_>| {
        let name = caps[1].trim_start_matches('{').trim_end_matches('}');
        std::env::var(name).unwrap_or_else(|_| caps[0].to_string())
    })
    .into_owned()
}

fn relpath(p: &str, start: &str) -> String {
    let abs = |s: &str| {
        if s.starts_with('/') {
            s.to_string()
        } else {
            std::env::current_dir().map(|d| format!("{}/{s}", d.display())).unwrap_or_else(|_| s.to_string())
        }
    };
    let norm = |s: String| s.split('/').filter(|c| !c.is_empty() && *c != ".").map(str::to_string).collect::<Vec<_>>();
    let (a, b) = (norm(abs(p)), norm(abs(start)));
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".into(); b.len() - common];
    parts.extend(a[common..].iter().cloned());
    if parts.is_empty() { ".".into() } else { parts.join("/") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_path_rules() {
        assert_eq!(basename("/etc/profile"), "profile");
        assert_eq!(dirname("/etc/profile"), "/etc");
        assert_eq!(dirname("/profile"), "/");
        assert_eq!(dirname("profile"), "");
        assert_eq!(splitext("/a/b.tar.gz"), ("/a/b.tar", ".gz"));
        assert_eq!(splitext("/a/.bashrc"), ("/a/.bashrc", ""));
        assert_eq!(path_join(Value::from(vec!["/etc", "nginx", "nginx.conf"])).unwrap(), "/etc/nginx/nginx.conf");
        assert_eq!(relpath("/a/b/c", "/a/d"), "../b/c");
    }
}
