//! Text filters: regular expressions with Python's replacement syntax, shell quoting,
//! comments, dates.

use minijinja::value::Kwargs;
use minijinja::{Environment, Error, Value};
use regex::{Regex, RegexBuilder};

use super::invalid;
use crate::jinja::native::python_str;

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("regex_replace", regex_replace);
    env.add_filter("regex_search", regex_search);
    env.add_filter("regex_findall", regex_findall);
    env.add_filter("regex_escape", |s: String| regex::escape(&s));
    env.add_filter("quote", |v: Value| quote(&python_str(&v)));
    env.add_filter("comment", comment);
    env.add_filter("strftime", strftime);
    env.add_filter("to_datetime", to_datetime);
    env.add_filter("splitlines", |s: String| s.lines().map(str::to_string).collect::<Vec<_>>());
}

/// A Python regular expression compiled with Ansible's flags.
pub(crate) fn compile(pattern: &str, ignorecase: bool, multiline: bool) -> Result<Regex, Error> {
    // Python's `(?P<name>…)` is also Rust's; `\Z` is Rust's `\z`.
    let pattern = pattern.replace("\\Z", "\\z");
    RegexBuilder::new(&pattern)
        .case_insensitive(ignorecase)
        .multi_line(multiline)
        .build()
        .map_err(|e| invalid(format!("invalid regular expression `{pattern}`: {e}")))
}

fn flags(kwargs: &Kwargs) -> Result<(bool, bool), Error> {
    let ignorecase: Option<bool> = kwargs.get("ignorecase")?;
    let multiline: Option<bool> = kwargs.get("multiline")?;
    Ok((ignorecase.unwrap_or(false), multiline.unwrap_or(false)))
}

fn regex_replace(value: Value, pattern: Option<String>, repl: Option<String>, kwargs: Kwargs) -> Result<String, Error> {
    let (ignorecase, multiline) = flags(&kwargs)?;
    let count: Option<usize> = kwargs.get("count")?;
    let mandatory_count: Option<usize> = kwargs.get("mandatory_count")?;
    kwargs.assert_all_used()?;
    let text = python_str(&value);
    let re = compile(&pattern.unwrap_or_default(), ignorecase, multiline)?;
    let repl = om_core::python_replacement(&repl.unwrap_or_default());
    if let Some(m) = mandatory_count.filter(|m| *m > 0) {
        let found = re.find_iter(&text).count();
        if found != m {
            return Err(invalid(format!("'{}' should match {m} times, but matches {found} times", re.as_str())));
        }
    }
    Ok(re.replacen(&text, count.unwrap_or(0), repl.as_str()).into_owned())
}

/// `regex_search(regex, '\\1', '\\g<name>', ignorecase=…)`: the match, or the listed groups.
fn regex_search(value: Value, pattern: String, rest: minijinja::value::Rest<String>, kwargs: Kwargs) -> Result<Value, Error> {
    let (ignorecase, multiline) = flags(&kwargs)?;
    kwargs.assert_all_used()?;
    let text = python_str(&value);
    let re = compile(&pattern, ignorecase, multiline)?;
    let Some(caps) = re.captures(&text) else { return Ok(Value::from(())) };
    if rest.is_empty() {
        return Ok(Value::from(caps.get(0).map(|m| m.as_str()).unwrap_or_default()));
    }
    let mut out = Vec::new();
    for arg in rest.iter() {
        let group = if let Some(n) = arg.strip_prefix('\\').and_then(|n| n.parse::<usize>().ok()) {
            caps.get(n)
        } else if let Some(name) = arg.strip_prefix("\\g<").and_then(|n| n.strip_suffix('>')) {
            name.parse::<usize>().ok().map_or_else(|| caps.name(name), |n| caps.get(n))
        } else {
            return Err(invalid(format!("unknown argument `{arg}` for regex_search; use '\\\\1' or '\\\\g<name>'")));
        };
        out.push(group.map(|m| Value::from(m.as_str())).unwrap_or(Value::from(())));
    }
    Ok(Value::from(out))
}

fn regex_findall(value: Value, pattern: String, kwargs: Kwargs) -> Result<Value, Error> {
    let (ignorecase, multiline) = flags(&kwargs)?;
    kwargs.assert_all_used()?;
    let text = python_str(&value);
    let re = compile(&pattern, ignorecase, multiline)?;
    let groups = re.captures_len() - 1;
    let mut out = Vec::new();
    for caps in re.captures_iter(&text) {
        out.push(match groups {
            0 => Value::from(caps.get(0).map(|m| m.as_str()).unwrap_or_default()),
            1 => Value::from(caps.get(1).map(|m| m.as_str()).unwrap_or_default()),
            _ => Value::from((1..=groups).map(|i| caps.get(i).map(|m| m.as_str()).unwrap_or_default().to_string()).collect::<Vec<_>>()),
        });
    }
    Ok(Value::from(out))
}

/// Python's `shlex.quote`.
pub(crate) fn quote(s: &str) -> String {
    if s.is_empty() {
        return "''".into();
    }
    if s.chars().all(|c| c.is_ascii_alphanumeric() || "@%+=:,./-_".contains(c)) {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "'\"'\"'"))
}

/// `comment(style='plain')`: the text as a comment block.
fn comment(text: String, style: Option<String>, kwargs: Kwargs) -> Result<String, Error> {
    let decoration: Option<String> = kwargs.get("decoration")?;
    kwargs.assert_all_used()?;
    let (begin, prefix, end) = match style.as_deref().unwrap_or("plain") {
        "c" => ("", "// ", ""),
        "cblock" => ("/*", " * ", " */"),
        "erlang" => ("", "% ", ""),
        "xml" => ("<!--", " - ", "-->"),
        _ => ("", "# ", ""),
    };
    let prefix = decoration.as_deref().unwrap_or(prefix);
    let bare = prefix.trim_end();
    let mut out = String::new();
    if !begin.is_empty() {
        out.push_str(begin);
        out.push('\n');
    }
    out.push_str(bare);
    out.push('\n');
    for line in text.lines() {
        out.push_str(if line.is_empty() { bare } else { prefix });
        out.push_str(if line.is_empty() { "" } else { line });
        out.push('\n');
    }
    out.push_str(bare);
    if !end.is_empty() {
        out.push('\n');
        out.push_str(end);
    }
    Ok(out)
}

/// `strftime(format, second=None, utc=False)` of now or of an epoch.
fn strftime(format: String, second: Option<Value>, kwargs: Kwargs) -> Result<String, Error> {
    let utc: Option<bool> = kwargs.get("utc")?;
    kwargs.assert_all_used()?;
    let secs = match second {
        Some(v) if !v.is_none() => {
            f64::try_from(v.clone()).or_else(|_| python_str(&v).parse::<f64>()).map_err(|_| invalid("strftime: invalid value for epoch"))?
        }
        _ => chrono::Utc::now().timestamp_micros() as f64 / 1e6,
    };
    let at = chrono::DateTime::from_timestamp(secs.trunc() as i64, ((secs.fract()) * 1e9) as u32)
        .ok_or_else(|| invalid("strftime: epoch out of range"))?;
    Ok(if utc.unwrap_or(false) { at.format(&format).to_string() } else { at.with_timezone(&chrono::Local).format(&format).to_string() })
}

fn to_datetime(text: String, format: Option<String>) -> Result<Value, Error> {
    let format = format.unwrap_or_else(|| "%Y-%m-%d %H:%M:%S".into());
    let parsed = chrono::NaiveDateTime::parse_from_str(&text, &format).map_err(|e| invalid(format!("to_datetime: {e}")))?;
    Ok(Value::from(parsed.format("%Y-%m-%d %H:%M:%S").to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_replacements() {
        assert_eq!(om_core::python_replacement(r"\1-\g<name>$"), "${1}-${name}$$");
        assert_eq!(quote("it's"), r#"'it'"'"'s'"#);
        assert_eq!(quote("a-b/c"), "a-b/c");
    }
}
