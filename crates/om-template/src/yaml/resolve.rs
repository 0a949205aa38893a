//! YAML 1.1 scalars exactly as PyYAML's `Resolver` and `SafeConstructor` read them.
//!
//! PyYAML picks a tag for a plain scalar with one regular expression per type, tried in a
//! fixed order by the scalar's first character (bool, float, int, merge, null, timestamp).
//! The matchers below are those expressions written out by hand (they run for every plain
//! scalar of a 100,000-host inventory), each quoted above its function.

/// The type PyYAML resolves a plain scalar to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Null,
    Bool,
    Int,
    Float,
    Timestamp,
    Str,
}

/// Resolves an untagged plain scalar.
pub(crate) fn resolve_plain(text: &str) -> Kind {
    let Some(&first) = text.as_bytes().first() else {
        return Kind::Null;
    };
    match first {
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' if is_bool(text) => Kind::Bool,
        b'~' | b'n' | b'N' if is_null(text) => Kind::Null,
        b'-' | b'+' | b'0'..=b'9' | b'.' => {
            if is_float(text) {
                Kind::Float
            } else if first != b'.' && is_int(text) {
                Kind::Int
            } else if first.is_ascii_digit() && is_timestamp(text) {
                Kind::Timestamp
            } else {
                Kind::Str
            }
        }
        _ => Kind::Str,
    }
}

/// `yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF`
fn is_bool(text: &str) -> bool {
    matches!(
        text,
        "yes"
            | "Yes"
            | "YES"
            | "no"
            | "No"
            | "NO"
            | "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
            | "on"
            | "On"
            | "ON"
            | "off"
            | "Off"
            | "OFF"
    )
}

/// `~|null|Null|NULL|` (the empty scalar is handled by the caller).
fn is_null(text: &str) -> bool {
    matches!(text, "~" | "null" | "Null" | "NULL")
}

/// A cursor over ASCII bytes for the hand-written matchers.
struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Self {
        Self { b: text.as_bytes(), i: 0 }
    }
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn peek_at(&self, n: usize) -> Option<u8> {
        self.b.get(self.i + n).copied()
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn eat_if(&mut self, f: impl Fn(u8) -> bool) -> bool {
        match self.peek() {
            Some(c) if f(c) => {
                self.i += 1;
                true
            }
            _ => false,
        }
    }
    fn eat_while(&mut self, f: impl Fn(u8) -> bool) -> usize {
        let start = self.i;
        while self.eat_if(&f) {}
        self.i - start
    }
    fn sign(&mut self) {
        let _ = self.eat(b'-') || self.eat(b'+');
    }
    fn done(&self) -> bool {
        self.i == self.b.len()
    }
    fn rest(&self) -> &'a [u8] {
        &self.b[self.i..]
    }
}

fn digit_or_underscore(c: u8) -> bool {
    c.is_ascii_digit() || c == b'_'
}

/// `(?::[0-5]?[0-9])+` — one or more sexagesimal groups.
fn sexagesimal_groups(c: &mut Cursor<'_>) -> bool {
    let mut groups = 0;
    while c.peek() == Some(b':') {
        match (c.peek_at(1), c.peek_at(2)) {
            (Some(d1 @ b'0'..=b'5'), Some(b'0'..=b'9')) if d1.is_ascii_digit() => c.i += 3,
            (Some(b'0'..=b'9'), _) => c.i += 2,
            _ => return false,
        }
        groups += 1;
    }
    groups > 0
}

/// `[eE][-+][0-9]+`, optional.
fn optional_exponent(c: &mut Cursor<'_>) -> bool {
    if c.eat(b'e') || c.eat(b'E') {
        if !(c.eat(b'-') || c.eat(b'+')) {
            return false;
        }
        return c.eat_while(|b| b.is_ascii_digit()) > 0;
    }
    true
}

/// ```text
/// [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
/// |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
/// |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
/// |[-+]?\.(?:inf|Inf|INF)
/// |\.(?:nan|NaN|NAN)
/// ```
fn is_float(text: &str) -> bool {
    if matches!(text, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") {
        return true;
    }
    // `\.[0-9][0-9_]*exp?` takes no sign.
    if let Some(rest) = text.strip_prefix('.') {
        let mut c = Cursor::new(rest);
        return c.eat_if(|b| b.is_ascii_digit()) && {
            c.eat_while(digit_or_underscore);
            optional_exponent(&mut c) && c.done()
        };
    }
    let mut c = Cursor::new(text);
    c.sign();
    if !c.eat_if(|b| b.is_ascii_digit()) {
        return false;
    }
    c.eat_while(digit_or_underscore);
    if c.eat(b'.') {
        c.eat_while(digit_or_underscore);
        return optional_exponent(&mut c) && c.done();
    }
    if !sexagesimal_groups(&mut c) || !c.eat(b'.') {
        return false;
    }
    c.eat_while(digit_or_underscore);
    c.done()
}

/// ```text
/// [-+]?0b[0-1_]+
/// |[-+]?0[0-7_]+
/// |[-+]?(?:0|[1-9][0-9_]*)
/// |[-+]?0x[0-9a-fA-F_]+
/// |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+
/// ```
fn is_int(text: &str) -> bool {
    let mut c = Cursor::new(text);
    c.sign();
    let rest = c.rest();
    if let Some(bin) = rest.strip_prefix(b"0b") {
        return !bin.is_empty() && bin.iter().all(|&b| b == b'0' || b == b'1' || b == b'_');
    }
    if let Some(hex) = rest.strip_prefix(b"0x") {
        return !hex.is_empty() && hex.iter().all(|&b| b.is_ascii_hexdigit() || b == b'_');
    }
    if let Some(oct) = rest.strip_prefix(b"0") {
        return oct.is_empty() || oct.iter().all(|&b| (b'0'..=b'7').contains(&b) || b == b'_');
    }
    if !c.eat_if(|b| (b'1'..=b'9').contains(&b)) {
        return false;
    }
    c.eat_while(digit_or_underscore);
    c.done() || (sexagesimal_groups(&mut c) && c.done())
}

/// ```text
/// [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
/// |[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?
///  :[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?
/// ```
fn is_timestamp(text: &str) -> bool {
    parse_timestamp(text).is_some_and(|t| t.time.is_some() || text.len() == 10)
}

/// The fields of a timestamp, as PyYAML's `timestamp_regexp` captures them.
struct Timestamp<'a> {
    year: &'a str,
    month: &'a str,
    day: &'a str,
    time: Option<Time<'a>>,
}

struct Time<'a> {
    hour: &'a str,
    minute: &'a str,
    second: &'a str,
    fraction: Option<&'a str>,
    /// `Z`, or the sign, hours and optional minutes of an offset.
    tz: Option<Tz<'a>>,
}

enum Tz<'a> {
    Utc,
    Offset { negative: bool, hours: &'a str, minutes: Option<&'a str> },
}

fn take_digits<'a>(c: &mut Cursor<'a>, min: usize, max: usize) -> Option<&'a str> {
    let start = c.i;
    while c.i - start < max && c.eat_if(|b| b.is_ascii_digit()) {}
    let n = c.i - start;
    // All bytes taken are ASCII digits, so this slice is valid UTF-8.
    (n >= min).then(|| std::str::from_utf8(&c.b[start..c.i]).unwrap_or_default())
}

fn parse_timestamp(text: &str) -> Option<Timestamp<'_>> {
    let mut c = Cursor::new(text);
    let year = take_digits(&mut c, 4, 4)?;
    c.eat(b'-').then_some(())?;
    let month = take_digits(&mut c, 1, 2)?;
    c.eat(b'-').then_some(())?;
    let day = take_digits(&mut c, 1, 2)?;
    if c.done() {
        return Some(Timestamp { year, month, day, time: None });
    }
    if !(c.eat(b'T') || c.eat(b't')) && c.eat_while(|b| b == b' ' || b == b'\t') == 0 {
        return None;
    }
    let hour = take_digits(&mut c, 1, 2)?;
    c.eat(b':').then_some(())?;
    let minute = take_digits(&mut c, 2, 2)?;
    c.eat(b':').then_some(())?;
    let second = take_digits(&mut c, 2, 2)?;
    let fraction = if c.eat(b'.') { take_digits(&mut c, 0, usize::MAX) } else { None };
    c.eat_while(|b| b == b' ' || b == b'\t');
    let tz = if c.eat(b'Z') {
        Some(Tz::Utc)
    } else if c.peek() == Some(b'-') || c.peek() == Some(b'+') {
        let negative = c.eat(b'-');
        c.eat(b'+');
        let hours = take_digits(&mut c, 1, 2)?;
        let minutes = if c.eat(b':') { Some(take_digits(&mut c, 2, 2)?) } else { None };
        Some(Tz::Offset { negative, hours, minutes })
    } else {
        None
    };
    c.done().then_some(Timestamp { year, month, day, time: Some(Time { hour, minute, second, fraction, tz }) })
}

/// `construct_yaml_bool`: the lower-cased text must be one of PyYAML's six words.
pub(crate) fn construct_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "yes" | "true" | "on" => Some(true),
        "no" | "false" | "off" => Some(false),
        _ => None,
    }
}

/// `construct_yaml_int`: underscores dropped, then binary, hex, octal (leading `0`),
/// sexagesimal (`1:30`) or decimal.
pub(crate) fn construct_int(text: &str) -> Option<i128> {
    let value: String = text.chars().filter(|&c| c != '_').collect();
    let (negative, digits) = match value.as_bytes().first()? {
        b'-' => (true, &value[1..]),
        b'+' => (false, &value[1..]),
        _ => (false, &value[..]),
    };
    let magnitude = if digits == "0" {
        0
    } else if let Some(bin) = digits.strip_prefix("0b") {
        parse_radix(bin, 2)?
    } else if let Some(hex) = digits.strip_prefix("0x") {
        parse_radix(hex, 16)?
    } else if digits.starts_with('0') {
        parse_radix(digits, 8)?
    } else if digits.contains(':') {
        let mut total: i128 = 0;
        for part in digits.split(':') {
            total = total.checked_mul(60)?.checked_add(parse_radix(part, 10)?)?;
        }
        total
    } else {
        parse_radix(digits, 10)?
    };
    Some(if negative { -magnitude } else { magnitude })
}

fn parse_radix(digits: &str, radix: u32) -> Option<i128> {
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    i128::from_str_radix(digits, radix).ok()
}

/// `construct_yaml_float`: underscores dropped, lower-cased; `.inf`, `.nan`, sexagesimal, or
/// Python's `float()`.
pub(crate) fn construct_float(text: &str) -> Option<f64> {
    let value: String = text.chars().filter(|&c| c != '_').collect::<String>().to_ascii_lowercase();
    let (negative, body) = match value.as_bytes().first()? {
        b'-' => (true, &value[1..]),
        b'+' => (false, &value[1..]),
        _ => (false, &value[..]),
    };
    let magnitude = match body {
        ".inf" => f64::INFINITY,
        ".nan" => f64::NAN,
        _ if body.contains(':') => {
            let mut total = 0.0;
            for part in body.split(':') {
                total = total * 60.0 + python_float(part)?;
            }
            total
        }
        _ => python_float(body)?,
    };
    Some(if negative { -magnitude } else { magnitude })
}

/// Python's `float()` on an unsigned decimal: `1.`, `.5`, `1.e+3` are all accepted.
fn python_float(text: &str) -> Option<f64> {
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], &text[i..]),
        None => (text, ""),
    };
    if mantissa.is_empty() || mantissa == "." || !mantissa.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return match text {
            "inf" | "infinity" => Some(f64::INFINITY),
            "nan" => Some(f64::NAN),
            _ => None,
        };
    }
    let mut normal = String::with_capacity(text.len() + 2);
    if mantissa.starts_with('.') {
        normal.push('0');
    }
    normal.push_str(mantissa);
    if mantissa.ends_with('.') {
        normal.push('0');
    }
    normal.push_str(exponent);
    normal.parse().ok()
}

/// `construct_yaml_timestamp`, printed as Python's `isoformat()` prints the date or
/// datetime PyYAML builds. `None` for text that is not a valid date.
pub(crate) fn construct_timestamp(text: &str) -> Option<String> {
    let t = parse_timestamp(text)?;
    let year: u32 = t.year.parse().ok()?;
    let month: u32 = t.month.parse().ok()?;
    let day: u32 = t.day.parse().ok()?;
    if year == 0 || !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let date = format!("{year:04}-{month:02}-{day:02}");
    let Some(time) = t.time else {
        return Some(date);
    };
    let hour: u32 = time.hour.parse().ok()?;
    let minute: u32 = time.minute.parse().ok()?;
    let second: u32 = time.second.parse().ok()?;
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut out = format!("{date}T{hour:02}:{minute:02}:{second:02}");
    let micros = match time.fraction {
        Some(f) if !f.is_empty() => {
            let mut six: String = f.chars().take(6).collect();
            while six.len() < 6 {
                six.push('0');
            }
            six.parse::<u32>().ok()?
        }
        _ => 0,
    };
    if micros != 0 {
        out.push_str(&format!(".{micros:06}"));
    }
    match time.tz {
        None => {}
        Some(Tz::Utc) => out.push_str("+00:00"),
        Some(Tz::Offset { negative, hours, minutes }) => {
            let total = hours.parse::<u32>().ok()? * 60 + minutes.map_or(Some(0), |m| m.parse::<u32>().ok())?;
            if total >= 24 * 60 {
                return None;
            }
            let sign = if negative && total != 0 { '-' } else { '+' };
            out.push_str(&format!("{sign}{:02}:{:02}", total / 60, total % 60));
        }
    }
    Some(out)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_scalars_resolve_as_pyyaml() {
        let cases = [
            ("yes", Kind::Bool),
            ("Off", Kind::Bool),
            ("y", Kind::Str),
            ("n", Kind::Str),
            ("yES", Kind::Str),
            ("", Kind::Null),
            ("~", Kind::Null),
            ("Null", Kind::Null),
            ("nULL", Kind::Str),
            ("0644", Kind::Int),
            ("08", Kind::Str),
            ("0o644", Kind::Str),
            ("0b101", Kind::Int),
            ("0x1F", Kind::Int),
            ("1_000", Kind::Int),
            ("1:30", Kind::Int),
            ("1:60", Kind::Str),
            ("1.0e+3", Kind::Float),
            ("1e3", Kind::Str),
            ("1.e3", Kind::Str),
            (".5", Kind::Float),
            ("-.5", Kind::Str),
            ("1.", Kind::Float),
            ("1:30.5", Kind::Float),
            (".inf", Kind::Float),
            ("-.Inf", Kind::Float),
            (".nan", Kind::Float),
            ("-.nan", Kind::Str),
            ("2014-07-15", Kind::Timestamp),
            ("2014-7-15", Kind::Str),
            ("2001-12-14t21:59:43.10-05:00", Kind::Timestamp),
            ("2001-12-15 2:59:43.1", Kind::Timestamp),
            ("+", Kind::Str),
            ("-", Kind::Str),
            ("0", Kind::Int),
            ("-0", Kind::Int),
            ("+12", Kind::Int),
        ];
        for (text, kind) in cases {
            assert_eq!(resolve_plain(text), kind, "{text:?}");
        }
    }

    #[test]
    fn ints_construct_as_pyyaml() {
        assert_eq!(construct_int("0644"), Some(420));
        assert_eq!(construct_int("0b101"), Some(5));
        assert_eq!(construct_int("0x1F"), Some(31));
        assert_eq!(construct_int("1_000"), Some(1000));
        assert_eq!(construct_int("1:30"), Some(90));
        assert_eq!(construct_int("-1:30"), Some(-90));
        assert_eq!(construct_int("0_0"), Some(0));
        assert_eq!(construct_int("0b_"), None);
    }

    #[test]
    fn floats_and_timestamps_construct_as_pyyaml() {
        assert_eq!(construct_float("1.0e+3"), Some(1000.0));
        assert_eq!(construct_float("1."), Some(1.0));
        assert_eq!(construct_float("1:30.5"), Some(90.5));
        assert_eq!(construct_float("-1_0.0_1"), Some(-10.01));
        assert_eq!(construct_timestamp("2014-07-15").as_deref(), Some("2014-07-15"));
        assert_eq!(construct_timestamp("2001-12-14t21:59:43.10-05:00").as_deref(), Some("2001-12-14T21:59:43.100000-05:00"));
        assert_eq!(construct_timestamp("2001-12-15 2:59:43.1").as_deref(), Some("2001-12-15T02:59:43.100000"));
        assert_eq!(construct_timestamp("2001-12-15T02:59:43Z").as_deref(), Some("2001-12-15T02:59:43+00:00"));
        assert_eq!(construct_timestamp("2014-02-30"), None);
    }
}
