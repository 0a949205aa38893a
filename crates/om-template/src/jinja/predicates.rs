//! Ansible's Jinja tests (PLAY-25): results (`failed`, `changed`…), regular expressions,
//! versions, sets, types and paths.

use std::cmp::Ordering;

use minijinja::value::{Kwargs, ValueKind};
use minijinja::{Environment, Error, Value};

use super::filters::{invalid, text_compile, undefined};
use super::native::python_str;

pub(crate) fn register(env: &mut Environment<'static>) {
    env.add_test("defined", |v: &Value| !undefined(v));
    env.add_test("undefined", |v: &Value| undefined(v));
    env.add_test("none", |v: &Value| v.is_none());
    for name in ["failed", "failure"] {
        env.add_test(name, |v: Value| -> Result<bool, Error> { Ok(flag(&result(&v)?, "failed")) });
    }
    for name in ["succeeded", "success", "successful"] {
        env.add_test(name, |v: Value| -> Result<bool, Error> { Ok(!flag(&result(&v)?, "failed")) });
    }
    for name in ["changed", "change"] {
        env.add_test(name, |v: Value| -> Result<bool, Error> { Ok(flag(&result(&v)?, "changed")) });
    }
    for name in ["skipped", "skip"] {
        env.add_test(name, |v: Value| -> Result<bool, Error> { Ok(flag(&result(&v)?, "skipped")) });
    }
    env.add_test("unreachable", |v: Value| -> Result<bool, Error> { Ok(flag(&result(&v)?, "unreachable")) });
    env.add_test("finished", |v: Value| -> Result<bool, Error> {
        let r = result(&v)?;
        Ok(r.get_attr("finished").map(|f| f.is_undefined() || f.is_true() || f.as_i64() == Some(1)).unwrap_or(true))
    });
    env.add_test("started", |v: Value| -> Result<bool, Error> {
        let r = result(&v)?;
        Ok(r.get_attr("started").map(|f| f.is_undefined() || f.is_true()).unwrap_or(true))
    });
    env.add_test("match", |v: Value, p: String, kwargs: Kwargs| regex_test(v, p, kwargs, Mode::Match));
    env.add_test("search", |v: Value, p: String, kwargs: Kwargs| regex_test(v, p, kwargs, Mode::Search));
    env.add_test("regex", |v: Value, p: String, kwargs: Kwargs| {
        let match_type: Option<String> = kwargs.get("match_type")?;
        let mode = match match_type.as_deref() {
            Some("match") => Mode::Match,
            Some("fullmatch") => Mode::Full,
            _ => Mode::Search,
        };
        regex_test(v, p, kwargs, mode)
    });
    env.add_test("version", version_test);
    env.add_test("version_compare", version_test);
    for name in ["subset", "issubset"] {
        env.add_test(name, |a: Value, b: Value| -> Result<bool, Error> {
            let b: Vec<Value> = b.try_iter()?.collect();
            Ok(a.try_iter()?.all(|x| b.contains(&x)))
        });
    }
    for name in ["superset", "issuperset"] {
        env.add_test(name, |a: Value, b: Value| -> Result<bool, Error> {
            let a: Vec<Value> = a.try_iter()?.collect();
            Ok(b.try_iter()?.all(|x| a.contains(&x)))
        });
    }
    env.add_test("contains", |seq: Value, item: Value| -> Result<bool, Error> { Ok(seq.try_iter()?.any(|x| x == item)) });
    env.add_test("in", |item: Value, seq: Value| -> Result<bool, Error> {
        Ok(match seq.as_str() {
            Some(s) => s.contains(&python_str(&item)),
            None => seq.try_iter()?.any(|x| x == item),
        })
    });
    env.add_test("string", |v: &Value| v.kind() == ValueKind::String);
    env.add_test("number", |v: &Value| v.kind() == ValueKind::Number);
    env.add_test("integer", |v: &Value| v.kind() == ValueKind::Number && v.is_integer());
    env.add_test("float", |v: &Value| v.kind() == ValueKind::Number && !v.is_integer());
    env.add_test("boolean", |v: &Value| v.kind() == ValueKind::Bool);
    env.add_test("mapping", |v: &Value| v.kind() == ValueKind::Map);
    env.add_test("sequence", |v: &Value| matches!(v.kind(), ValueKind::Seq | ValueKind::String | ValueKind::Map | ValueKind::Iterable));
    env.add_test("iterable", |v: &Value| matches!(v.kind(), ValueKind::Seq | ValueKind::String | ValueKind::Map | ValueKind::Iterable));
    env.add_test("truthy", |v: &Value, kwargs: Kwargs| -> Result<bool, Error> {
        let convert: Option<bool> = kwargs.get("convert_bool")?;
        Ok(if convert.unwrap_or(false) {
            super::filters::to_bool(v) || (v.is_true() && v.kind() != ValueKind::String)
        } else {
            v.is_true()
        })
    });
    env.add_test("falsy", |v: &Value| !v.is_true());
    env.add_test("abs", |p: String| p.starts_with('/'));
    env.add_test("exists", |p: String| std::path::Path::new(&super::filters::expand(&p)).exists());
    env.add_test("file", |p: String| std::path::Path::new(&super::filters::expand(&p)).is_file());
    env.add_test("directory", |p: String| std::path::Path::new(&super::filters::expand(&p)).is_dir());
    env.add_test("link", |p: String| std::fs::symlink_metadata(super::filters::expand(&p)).is_ok_and(|m| m.file_type().is_symlink()));
    env.add_test("mount", |p: String| {
        std::fs::read_to_string("/proc/self/mounts").is_ok_and(|m| m.lines().any(|l| l.split_whitespace().nth(1) == Some(p.as_str())))
    });
    env.add_test("same_file", |a: String, b: String| {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::metadata(&a), std::fs::metadata(&b)) {
            (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
            _ => false,
        }
    });
    env.add_test("any", |v: Value| -> Result<bool, Error> { Ok(v.try_iter()?.any(|x| x.is_true())) });
    env.add_test("all", |v: Value| -> Result<bool, Error> { Ok(v.try_iter()?.all(|x| x.is_true())) });
    env.add_test("nan", |v: Value| f64::try_from(v).is_ok_and(f64::is_nan));
    env.add_test("vault_encrypted", |v: Value| v.as_str().is_some_and(|s| s.starts_with("$ANSIBLE_VAULT;")));
}

/// A registered result (a mapping); anything else is an error, as in ansible-core.
fn result(v: &Value) -> Result<Value, Error> {
    if v.kind() != ValueKind::Map {
        return Err(invalid(format!("The 'failed' test expects a dictionary, got {}", super::native::type_name(v))));
    }
    Ok(v.clone())
}

fn flag(r: &Value, key: &str) -> bool {
    r.get_attr(key).is_ok_and(|f| super::filters::to_bool(&f))
}

enum Mode {
    Match,
    Search,
    Full,
}

fn regex_test(value: Value, pattern: String, kwargs: Kwargs, mode: Mode) -> Result<bool, Error> {
    let ignorecase: Option<bool> = kwargs.get("ignorecase")?;
    let multiline: Option<bool> = kwargs.get("multiline")?;
    let _: Option<String> = kwargs.get("match_type")?;
    kwargs.assert_all_used()?;
    let text = python_str(&value);
    let pattern = match mode {
        Mode::Match => format!(r"\A(?:{pattern})"),
        Mode::Full => format!(r"\A(?:{pattern})\z"),
        Mode::Search => pattern,
    };
    Ok(text_compile(&pattern, ignorecase.unwrap_or(false), multiline.unwrap_or(false))?.is_match(&text))
}

/// `version(other, operator='eq', strict=False, version_type=None)`.
fn version_test(value: Value, other: Value, op: Option<String>, kwargs: Kwargs) -> Result<bool, Error> {
    let op_kw: Option<String> = kwargs.get("operator")?;
    let _: Option<bool> = kwargs.get("strict")?;
    let _: Option<String> = kwargs.get("version_type")?;
    kwargs.assert_all_used()?;
    let ord = compare_versions(&python_str(&value), &python_str(&other));
    let op = op.or(op_kw).unwrap_or_else(|| "eq".into());
    Ok(match op.as_str() {
        "lt" | "<" => ord == Ordering::Less,
        "le" | "<=" => ord != Ordering::Greater,
        "gt" | ">" => ord == Ordering::Greater,
        "ge" | ">=" => ord != Ordering::Less,
        "eq" | "==" | "=" => ord == Ordering::Equal,
        "ne" | "!=" | "<>" => ord != Ordering::Equal,
        other => return Err(invalid(format!("Invalid operator type ({other})"))),
    })
}

/// `LooseVersion` ordering: runs of digits compare as numbers, letters as text.
pub(crate) fn compare_versions(a: &str, b: &str) -> Ordering {
    fn parts(s: &str) -> Vec<Result<u64, String>> {
        let mut out = Vec::new();
        let mut cur = String::new();
        let mut digits = false;
        for c in s.chars() {
            if c == '.' || c == '-' || c == '_' || c == '+' {
                if !cur.is_empty() {
                    out.push(if digits { cur.parse().map_err(|_| cur.clone()) } else { Err(cur.clone()) });
                    cur.clear();
                }
                continue;
            }
            if !cur.is_empty() && c.is_ascii_digit() != digits {
                out.push(if digits { cur.parse().map_err(|_| cur.clone()) } else { Err(cur.clone()) });
                cur.clear();
            }
            digits = c.is_ascii_digit();
            cur.push(c);
        }
        if !cur.is_empty() {
            out.push(if digits { cur.parse().map_err(|_| cur.clone()) } else { Err(cur) });
        }
        out
    }
    let (pa, pb) = (parts(a), parts(b));
    for (x, y) in pa.iter().zip(&pb) {
        let ord = match (x, y) {
            (Ok(x), Ok(y)) => x.cmp(y),
            (Err(x), Err(y)) => x.cmp(y),
            (Ok(_), Err(_)) => Ordering::Greater,
            (Err(_), Ok(_)) => Ordering::Less,
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    pa.len().cmp(&pb.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loose_versions() {
        assert_eq!(compare_versions("2.19.1", "2.9"), Ordering::Greater);
        assert_eq!(compare_versions("1.0", "1.0.0"), Ordering::Less);
        assert_eq!(compare_versions("7.4", "7.4"), Ordering::Equal);
    }
}
