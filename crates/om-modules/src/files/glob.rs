//! Shell-style patterns (`*`, `?`, `[a-z]`), as Python's `glob` and `fnmatch` use them:
//! `creates=`/`removes=` of the command modules and `setup`'s `filter`.

use std::path::{Path, PathBuf};

use crate::os::Os;

/// Whether `name` matches `pattern` (`fnmatch.fnmatchcase`).
pub fn matches(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    match_at(&p, &n)
}

fn match_at(p: &[char], n: &[char]) -> bool {
    match p.first() {
        None => n.is_empty(),
        Some('*') => (0..=n.len()).any(|i| match_at(&p[1..], &n[i..])),
        Some('?') => !n.is_empty() && match_at(&p[1..], &n[1..]),
        Some('[') => {
            let Some(close) = p.iter().skip(2).position(|c| *c == ']').map(|i| i + 2) else {
                return n.first() == Some(&'[') && match_at(&p[1..], &n[1..]);
            };
            let Some(c) = n.first() else { return false };
            let class = &p[1..close];
            let (negate, class) = match class.first() {
                Some('!' | '^') => (true, &class[1..]),
                _ => (false, class),
            };
            let mut hit = false;
            let mut i = 0;
            while i < class.len() {
                if i + 2 < class.len() && class[i + 1] == '-' {
                    hit |= class[i] <= *c && *c <= class[i + 2];
                    i += 3;
                } else {
                    hit |= class[i] == *c;
                    i += 1;
                }
            }
            hit != negate && match_at(&p[close + 1..], &n[1..])
        }
        Some(c) => n.first() == Some(c) && match_at(&p[1..], &n[1..]),
    }
}

fn has_magic(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// Paths on the host matching `pattern` (Python's `glob.glob`: hidden names only match a
/// pattern that starts with `.`).
pub fn glob(os: &dyn Os, pattern: &str) -> Vec<PathBuf> {
    if !has_magic(pattern) {
        return if os.metadata(Path::new(pattern), false).ok().flatten().is_some() { vec![PathBuf::from(pattern)] } else { Vec::new() };
    }
    let absolute = pattern.starts_with('/');
    let mut current = vec![if absolute { PathBuf::from("/") } else { PathBuf::new() }];
    for part in pattern.split('/').filter(|p| !p.is_empty()) {
        let mut next = Vec::new();
        for base in &current {
            if has_magic(part) {
                let dir = if base.as_os_str().is_empty() { Path::new(".") } else { base.as_path() };
                for name in os.read_dir(dir).unwrap_or_default() {
                    if name.starts_with('.') && !part.starts_with('.') {
                        continue;
                    }
                    if matches(part, &name) {
                        next.push(base.join(&name));
                    }
                }
            } else {
                let p = base.join(part);
                if os.metadata(&p, false).ok().flatten().is_some() {
                    next.push(p);
                }
            }
        }
        current = next;
    }
    current
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnmatch_semantics() {
        assert!(matches("ansible_*", "ansible_hostname"));
        assert!(matches("*_mb", "ansible_memtotal_mb"));
        assert!(matches("eth[0-9]", "eth3"));
        assert!(!matches("eth[!0-9]", "eth3"));
        assert!(matches("a?c", "abc"));
        assert!(!matches("a?c", "ac"));
        assert!(matches("*", ""));
    }
}
