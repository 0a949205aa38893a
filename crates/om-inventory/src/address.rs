//! Host identifiers as ansible-core reads them: `parse_address` (`host:port`, `[v6]:port`,
//! hostnames and addresses with `[x:y]` ranges) and `expand_hostname_range`
//! (`www[01:50].example.com`, `db-[a:f]`, `[01:50:2]`).

use std::sync::LazyLock;

use regex::Regex;

use crate::error::RangeError;

/// The most hosts one host pattern may expand to; ansible-core has no limit and runs out of
/// memory instead.
pub(crate) const MAX_EXPANSION: usize = 1_000_000;

const NUMERIC_RANGE: &str = r"\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]";
const HEX_RANGE: &str = r"\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\]";
const ALNUM_RANGE: &str = r"\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]";

struct Patterns {
    bracketed_hostport: Regex,
    hostport: Regex,
    ipv4: Regex,
    ipv6: Regex,
    hostname: Regex,
}

#[allow(clippy::expect_used)] // the expressions are constants, checked by the tests
static PATTERNS: LazyLock<Patterns> = LazyLock::new(|| {
    let i6 = format!("(?:[0-9a-f]{{1,4}}|{HEX_RANGE})");
    let i4 = format!("(?:[01]?[0-9]{{1,2}}|2[0-4][0-9]|25[0-5]|{NUMERIC_RANGE})");
    let label = format!(r"(?:\w|{ALNUM_RANGE})(?:[\w_-]|{ALNUM_RANGE})*");
    let ipv6 = [
        format!("(?:{i6}:){{7}}{i6}"),
        format!("(?:{i6}:){{1,6}}:"),
        format!("(?:{i6}:)(?::{i6}){{1,6}}"),
        format!("(?:{i6}:){{2}}(?::{i6}){{1,5}}"),
        format!("(?:{i6}:){{3}}(?::{i6}){{1,4}}"),
        format!("(?:{i6}:){{4}}(?::{i6}){{1,3}}"),
        format!("(?:{i6}:){{5}}(?::{i6}){{1,2}}"),
        format!("(?:{i6}:){{6}}(?::{i6})"),
        format!(":(?::{i6}){{1,6}}"),
        format!("{i6}?::"),
        format!(r"(?:0:){{6}}(?:{i6}\.){{3}}{i6}"),
        format!(r"::(?:ffff:)?(?:{i6}\.){{3}}{i6}"),
        format!(r"(?:0:){{5}}ffff:(?:{i6}\.){{3}}{i6}"),
    ]
    .join("|");
    Patterns {
        bracketed_hostport: Regex::new(r"^\[(.+)\]:([0-9]+)$").expect("constant regex"),
        hostport: Regex::new(r"^((?:[^:\[\]]|\[[^\]]*\])*):([0-9]+)$").expect("constant regex"),
        ipv4: Regex::new(&format!(r"(?i)^(?:{i4}\.){{3}}{i4}$")).expect("constant regex"),
        ipv6: Regex::new(&format!("(?i)^(?:{ipv6})$")).expect("constant regex"),
        hostname: Regex::new(&format!(r"(?i)^{label}(?:\.{label})*$")).expect("constant regex"),
    }
});

/// `parse_address(address, allow_ranges=True)`: the host and its port, or `None` when the
/// text is not a host identifier (ansible-core then uses the text as it is).
pub(crate) fn parse_address(address: &str) -> Option<(String, Option<i64>)> {
    let p = &*PATTERNS;
    let mut address = address.to_string();
    let mut port = None;
    for re in [&p.bracketed_hostport, &p.hostport] {
        if let Some(c) = re.captures(&address) {
            port = Some(c[2].parse::<i64>().ok()?);
            address = c[1].to_string();
        }
    }
    let is_host = p.ipv4.is_match(&address) || p.ipv6.is_match(&address) || is_hostname(&address);
    is_host.then_some((address, port))
}

/// The `hostname` expression; its `(?<![_-])` look-behind (no label ends in `_` or `-`) is
/// checked by hand, as the regex crate has no look-behind.
fn is_hostname(text: &str) -> bool {
    PATTERNS.hostname.is_match(text) && text.split('.').all(|label| !label.ends_with(['_', '-']))
}

/// `expand_hostname_range`: every name a pattern with `[begin:end(:step)]` ranges stands for,
/// the first range varying slowest.
pub(crate) fn expand_hostname_range(line: &str) -> Result<Vec<String>, RangeError> {
    let mut out = Vec::new();
    expand_into(line, &mut out)?;
    Ok(out)
}

fn expand_into(line: &str, out: &mut Vec<String>) -> Result<(), RangeError> {
    // `line.replace('[', '|', 1).replace(']', '|', 1).split('|')` must give three parts.
    let replaced = line.replacen('[', "|", 1).replacen(']', "|", 1);
    let parts: Vec<&str> = replaced.split('|').collect();
    let [head, range, tail] = parts[..] else {
        return Err(RangeError::Brackets);
    };
    let bounds: Vec<&str> = range.split(':').collect();
    if bounds.len() != 2 && bounds.len() != 3 {
        return Err(RangeError::Shape);
    }
    let beg = if bounds[0].is_empty() { "0" } else { bounds[0] };
    let end = bounds[1];
    if end.is_empty() {
        return Err(RangeError::NoEnd);
    }
    let step_text = bounds.get(2).copied().unwrap_or("1");
    let width = if beg.starts_with('0') && beg.chars().count() > 1 {
        if beg.chars().count() != end.chars().count() {
            return Err(RangeError::UnequalPadding);
        }
        beg.chars().count()
    } else {
        0
    };
    let seq: Vec<String> = match (ASCII_LETTERS.find(beg), ASCII_LETTERS.find(end), python_int(step_text)) {
        // `string.ascii_letters.index(beg)` finds substrings too: `[ab:cd]` is a range.
        (Some(i_beg), Some(i_end), Some(step)) if step != 0 => {
            if i_beg > i_end {
                return Err(RangeError::Reversed);
            }
            let letters: Vec<char> = ASCII_LETTERS.chars().collect();
            python_range(i_beg as i64, i_end as i64 + 1, step).map(|i| letters[i as usize].to_string()).collect()
        }
        _ => {
            let b = python_int(beg).ok_or_else(|| RangeError::BadBound(beg.to_string()))?;
            let e = python_int(end).ok_or_else(|| RangeError::BadBound(end.to_string()))?;
            let step = python_int(step_text).ok_or_else(|| RangeError::BadBound(step_text.to_string()))?;
            if step == 0 {
                return Err(RangeError::ZeroStep);
            }
            let count = range_len(b, e.saturating_add(1), step);
            if count > MAX_EXPANSION as i64 {
                return Err(RangeError::TooMany(MAX_EXPANSION));
            }
            python_range(b, e.saturating_add(1), step).map(|i| zfill(i, width)).collect()
        }
    };
    for item in seq {
        let name = format!("{head}{item}{tail}");
        if name.contains('[') {
            expand_into(&name, out)?;
        } else {
            out.push(name);
        }
        if out.len() > MAX_EXPANSION {
            return Err(RangeError::TooMany(MAX_EXPANSION));
        }
    }
    Ok(())
}

const ASCII_LETTERS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Python's `int(text)`: optional blanks and sign, digits with single underscores between.
fn python_int(text: &str) -> Option<i64> {
    let t = text.trim();
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if digits.is_empty() || digits.starts_with('_') || digits.ends_with('_') || digits.contains("__") {
        return None;
    }
    let clean: String = digits.chars().filter(|&c| c != '_').collect();
    if !clean.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let v: i64 = clean.parse().ok()?;
    Some(if negative { -v } else { v })
}

fn python_range(start: i64, stop: i64, step: i64) -> impl Iterator<Item = i64> {
    let mut i = start;
    std::iter::from_fn(move || {
        let more = if step > 0 { i < stop } else { i > stop };
        if !more {
            return None;
        }
        let v = i;
        i = i.saturating_add(step);
        Some(v)
    })
}

fn range_len(start: i64, stop: i64, step: i64) -> i64 {
    if step > 0 && start < stop {
        (stop - start - 1) / step + 1
    } else if step < 0 && start > stop {
        (start - stop - 1) / (-step) + 1
    } else {
        0
    }
}

/// `str(x).zfill(width)`.
fn zfill(x: i64, width: usize) -> String {
    let s = x.unsigned_abs().to_string();
    let sign = if x < 0 { "-" } else { "" };
    let pad = width.saturating_sub(s.len() + sign.len());
    format!("{sign}{}{s}", "0".repeat(pad))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_as_ansible() {
        assert_eq!(parse_address("192.168.1.21:2135"), Some(("192.168.1.21".into(), Some(2135))));
        assert_eq!(parse_address("[fe80::1]:22"), Some(("fe80::1".into(), Some(22))));
        assert_eq!(parse_address("fe80::1"), Some(("fe80::1".into(), None)));
        assert_eq!(parse_address("www[01:50].example.com"), Some(("www[01:50].example.com".into(), None)));
        assert_eq!(parse_address("db-[a:f]:22"), Some(("db-[a:f]".into(), Some(22))));
        assert_eq!(parse_address("web-"), None);
        assert_eq!(parse_address("web:&db"), None);
        assert_eq!(parse_address("host:"), None);
    }

    #[test]
    fn ranges_expand_as_ansible() {
        assert_eq!(expand_hostname_range("www[01:03].x").unwrap(), ["www01.x", "www02.x", "www03.x"]);
        assert_eq!(expand_hostname_range("db-[a:c]").unwrap(), ["db-a", "db-b", "db-c"]);
        assert_eq!(expand_hostname_range("h[01:09:4]").unwrap(), ["h01", "h05", "h09"]);
        assert_eq!(expand_hostname_range("h[1:2][a:b]").unwrap(), ["h1a", "h1b", "h2a", "h2b"]);
        assert_eq!(expand_hostname_range("h[:2]").unwrap(), ["h0", "h1", "h2"]);
        assert_eq!(expand_hostname_range("h[y:B]").unwrap(), ["hy", "hz", "hA", "hB"]);
        assert_eq!(expand_hostname_range("h[3:1]").unwrap(), Vec::<String>::new());
        assert_eq!(expand_hostname_range("h[01:100]").unwrap_err(), RangeError::UnequalPadding);
        assert_eq!(expand_hostname_range("h[1]").unwrap_err(), RangeError::Shape);
        assert_eq!(expand_hostname_range("h[1:]").unwrap_err(), RangeError::NoEnd);
        assert_eq!(expand_hostname_range("h[c:a]").unwrap_err(), RangeError::Reversed);
        assert_eq!(expand_hostname_range("h[0:9999999]").unwrap_err(), RangeError::TooMany(MAX_EXPANSION));
    }
}
