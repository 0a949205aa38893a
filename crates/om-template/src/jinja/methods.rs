//! The Python methods roles call on strings, lists and dicts (`x.split(',')`,
//! `d.items()`, `s.startswith('a')`), which Jinja2 gets from Python itself (PLAY-23).

use minijinja::value::{ValueKind, from_args};
use minijinja::{Error, ErrorKind, State, Value};

use super::native::python_str;

/// The engine's fallback for a method it does not know.
pub(crate) fn call(state: &State<'_, '_>, value: &Value, method: &str, args: &[Value]) -> Result<Value, Error> {
    match value.kind() {
        ValueKind::String => string_method(state, value.as_str().unwrap_or_default(), method, args),
        ValueKind::Map => map_method(state, value, method, args),
        ValueKind::Seq | ValueKind::Iterable => seq_method(value, method, args),
        _ => Err(unknown(value, method)),
    }
}

fn unknown(value: &Value, method: &str) -> Error {
    Error::new(ErrorKind::UnknownMethod, format!("'{}' object has no attribute '{method}'", super::native::type_name(value)))
}

fn string_method(state: &State<'_, '_>, s: &str, method: &str, args: &[Value]) -> Result<Value, Error> {
    let chars = |args: &[Value]| -> Result<Option<String>, Error> {
        let (c,): (Option<String>,) = from_args(args)?;
        Ok(c)
    };
    Ok(match method {
        "split" | "rsplit" => {
            let (sep, max): (Option<Value>, Option<i64>) = from_args(args)?;
            let sep = sep.filter(|v| !v.is_none()).map(|v| python_str(&v));
            Value::from(split(s, sep.as_deref(), max.filter(|m| *m >= 0).map(|m| m as usize), method == "rsplit"))
        }
        "splitlines" => Value::from(s.lines().map(str::to_string).collect::<Vec<_>>()),
        "strip" => Value::from(match chars(args)? {
            Some(c) => s.trim_matches(|x| c.contains(x)).to_string(),
            None => s.trim().to_string(),
        }),
        "lstrip" => Value::from(match chars(args)? {
            Some(c) => s.trim_start_matches(|x| c.contains(x)).to_string(),
            None => s.trim_start().to_string(),
        }),
        "rstrip" => Value::from(match chars(args)? {
            Some(c) => s.trim_end_matches(|x| c.contains(x)).to_string(),
            None => s.trim_end().to_string(),
        }),
        "startswith" | "endswith" => {
            let (prefix,): (Value,) = from_args(args)?;
            let options: Vec<String> = match prefix.kind() {
                ValueKind::Seq => prefix.try_iter()?.map(|v| python_str(&v)).collect(),
                _ => vec![python_str(&prefix)],
            };
            Value::from(options.iter().any(|p| if method == "startswith" { s.starts_with(p.as_str()) } else { s.ends_with(p.as_str()) }))
        }
        "lower" => Value::from(s.to_lowercase()),
        "upper" => Value::from(s.to_uppercase()),
        "title" | "capitalize" => state.apply_filter(method, &[Value::from(s)])?,
        "replace" => {
            let (old, new, count): (String, String, Option<i64>) = from_args(args)?;
            Value::from(match count {
                Some(n) if n >= 0 => s.replacen(&old, &new, n as usize),
                _ => s.replace(&old, &new),
            })
        }
        "find" | "index" => {
            let (needle,): (String,) = from_args(args)?;
            match s.find(&needle) {
                Some(byte) => Value::from(s[..byte].chars().count() as i64),
                None if method == "find" => Value::from(-1),
                None => return Err(Error::new(ErrorKind::InvalidOperation, "substring not found")),
            }
        }
        "count" => {
            let (needle,): (String,) = from_args(args)?;
            Value::from(if needle.is_empty() { s.chars().count() + 1 } else { s.matches(&needle).count() } as i64)
        }
        "join" => {
            let (items,): (Value,) = from_args(args)?;
            Value::from(items.try_iter()?.map(|v| python_str(&v)).collect::<Vec<_>>().join(s))
        }
        "format" => Value::from(python_format(s, args)),
        "isdigit" => Value::from(!s.is_empty() && s.chars().all(|c| c.is_ascii_digit())),
        "isalpha" => Value::from(!s.is_empty() && s.chars().all(char::is_alphabetic)),
        "isalnum" => Value::from(!s.is_empty() && s.chars().all(char::is_alphanumeric)),
        "isspace" => Value::from(!s.is_empty() && s.chars().all(char::is_whitespace)),
        "islower" => Value::from(s.chars().any(char::is_lowercase) && !s.chars().any(char::is_uppercase)),
        "isupper" => Value::from(s.chars().any(char::is_uppercase) && !s.chars().any(char::is_lowercase)),
        "zfill" => {
            let (width,): (usize,) = from_args(args)?;
            let len = s.chars().count();
            if len >= width {
                Value::from(s)
            } else {
                let (sign, digits) = match s.strip_prefix(['-', '+']) {
                    Some(rest) => (&s[..1], rest),
                    None => ("", s),
                };
                Value::from(format!("{sign}{}{digits}", "0".repeat(width - len)))
            }
        }
        "center" | "ljust" | "rjust" => {
            let (width, fill): (usize, Option<String>) = from_args(args)?;
            let fill = fill.and_then(|f| f.chars().next()).unwrap_or(' ');
            let len = s.chars().count();
            let pad = width.saturating_sub(len);
            let (left, right) = match method {
                "ljust" => (0, pad),
                "rjust" => (pad, 0),
                _ => (pad / 2 + ((pad % 2) & (width % 2)), pad - (pad / 2 + ((pad % 2) & (width % 2)))),
            };
            Value::from(format!("{}{s}{}", fill.to_string().repeat(left), fill.to_string().repeat(right)))
        }
        "partition" => {
            let (sep,): (String,) = from_args(args)?;
            Value::from(match s.split_once(&sep) {
                Some((a, b)) => vec![a.to_string(), sep, b.to_string()],
                None => vec![s.to_string(), String::new(), String::new()],
            })
        }
        "encode" | "decode" => Value::from(s),
        _ => return Err(unknown(&Value::from(s), method)),
    })
}

/// Python's `str.split`: no separator splits on runs of whitespace.
fn split(s: &str, sep: Option<&str>, max: Option<usize>, from_right: bool) -> Vec<String> {
    match sep {
        None => {
            let words: Vec<&str> = s.split_whitespace().collect();
            match max {
                Some(m) if m < words.len() && !from_right => {
                    let mut out: Vec<String> = Vec::new();
                    let mut rest = s.trim_start();
                    for _ in 0..m {
                        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                        out.push(rest[..end].to_string());
                        rest = rest[end..].trim_start();
                    }
                    out.push(rest.to_string());
                    out
                }
                _ => words.into_iter().map(str::to_string).collect(),
            }
        }
        Some(sep) if from_right => {
            let mut parts: Vec<String> = match max {
                Some(m) => s.rsplitn(m + 1, sep).map(str::to_string).collect(),
                None => s.rsplit(sep).map(str::to_string).collect(),
            };
            parts.reverse();
            parts
        }
        Some(sep) => match max {
            Some(m) => s.splitn(m + 1, sep).map(str::to_string).collect(),
            None => s.split(sep).map(str::to_string).collect(),
        },
    }
}

/// `'{} and {}'.format(a, b)` and `'{0}'`; format specs are ignored.
fn python_format(template: &str, args: &[Value]) -> String {
    let mut out = String::new();
    let mut next = 0;
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        if rest[open..].starts_with("{{") {
            out.push('{');
            rest = &rest[open + 2..];
            continue;
        }
        let Some(close) = rest[open..].find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let field = &rest[open + 1..open + close];
        let index = field.split(':').next().unwrap_or("").parse::<usize>().ok().unwrap_or_else(|| {
            next += 1;
            next - 1
        });
        out.push_str(&args.get(index).map(python_str).unwrap_or_default());
        rest = &rest[open + close + 1..];
    }
    out.push_str(&rest.replace("}}", "}"));
    out
}

fn map_method(state: &State<'_, '_>, value: &Value, method: &str, args: &[Value]) -> Result<Value, Error> {
    Ok(match method {
        "items" => {
            let _: () = from_args(args)?;
            state.apply_filter("items", std::slice::from_ref(value))?
        }
        "keys" => {
            let _: () = from_args(args)?;
            Value::from(value.try_iter()?.collect::<Vec<_>>())
        }
        "values" => {
            let _: () = from_args(args)?;
            Value::from(value.try_iter()?.map(|k| value.get_item(&k).unwrap_or_default()).collect::<Vec<_>>())
        }
        "get" => {
            let (key, default): (Value, Option<Value>) = from_args(args)?;
            match value.get_item(&key) {
                Ok(v) if !v.is_undefined() => v,
                _ => default.unwrap_or(Value::from(())),
            }
        }
        "copy" => value.clone(),
        _ => return Err(unknown(value, method)),
    })
}

fn seq_method(value: &Value, method: &str, args: &[Value]) -> Result<Value, Error> {
    Ok(match method {
        "index" => {
            let (needle,): (Value,) = from_args(args)?;
            match value.try_iter()?.position(|v| v == needle) {
                Some(i) => Value::from(i as i64),
                None => return Err(Error::new(ErrorKind::InvalidOperation, format!("{} is not in list", python_str(&needle)))),
            }
        }
        "count" => {
            let (needle,): (Value,) = from_args(args)?;
            Value::from(value.try_iter()?.filter(|v| *v == needle).count() as i64)
        }
        "copy" => value.clone(),
        _ => return Err(unknown(value, method)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_split_rules() {
        assert_eq!(split("  a  b c ", None, None, false), ["a", "b", "c"]);
        assert_eq!(split("a b c", None, Some(1), false), ["a", "b c"]);
        assert_eq!(split("a,b,,c", Some(","), None, false), ["a", "b", "", "c"]);
        assert_eq!(split("a.b.c", Some("."), Some(1), true), ["a.b", "c"]);
    }

    #[test]
    fn format_fields() {
        assert_eq!(python_format("{} and {1} {{x}}", &[Value::from("a"), Value::from(2)]), "a and 2 {x}");
    }
}
