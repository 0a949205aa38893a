//! Python's `ast.literal_eval`, which types INI inventory values (INV-13).
//!
//! `8080 # web` is 8080, `'a b'` is `a b`, `[1, 2]` a list, `{'a': 1}` a dict, `0o644` is
//! 420, `True`, `None`, `1, 2` (a tuple) a list. Anything Python would refuse —
//! `true`, `yes`, `0644`, `08`, `a b c`, `bar # x` — is `None` here and stays the raw string.
//! Complex numbers and `...` come back as the strings Ansible turns them into.

use serde_json::{Map, Number, Value};

use om_template::python;

/// The value of `text` if Python's `ast.literal_eval` accepts it.
pub(crate) fn literal_eval(text: &str) -> Option<Value> {
    let text = text.trim_start_matches([' ', '\t']);
    let tokens = tokenize(text)?;
    let mut parser = Parser { tokens, pos: 0, depth: 0 };
    let ast = parser.testlist()?;
    if parser.pos != parser.tokens.len() {
        return None;
    }
    to_json(&convert(&ast)?)
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Int(i128),
    Float(f64),
    Imag(f64),
    Str(String),
    Bytes(Vec<u8>),
    Name(String),
    Op(&'static str),
}

fn tokenize(text: &str) -> Option<Vec<Tok>> {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\x0c' => i += 1,
            '#' => break,
            '0'..='9' => {
                let (tok, next) = number(&chars, i)?;
                out.push(tok);
                i = next;
            }
            '.' if chars.get(i + 1).is_some_and(char::is_ascii_digit) => {
                let (tok, next) = number(&chars, i)?;
                out.push(tok);
                i = next;
            }
            '.' if chars.get(i + 1) == Some(&'.') && chars.get(i + 2) == Some(&'.') => {
                out.push(Tok::Op("..."));
                i += 3;
            }
            '(' | ')' | '[' | ']' | '{' | '}' | ',' | ':' | '+' | '-' => {
                out.push(Tok::Op(match c {
                    '(' => "(",
                    ')' => ")",
                    '[' => "[",
                    ']' => "]",
                    '{' => "{",
                    '}' => "}",
                    ',' => ",",
                    ':' => ":",
                    '+' => "+",
                    _ => "-",
                }));
                i += 1;
            }
            '\'' | '"' => {
                let (tok, next) = string(&chars, i, "")?;
                out.push(tok);
                i = next;
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                if matches!(chars.get(i), Some('\'' | '"')) && is_string_prefix(&word) {
                    let (tok, next) = string(&chars, i, &word.to_ascii_lowercase())?;
                    out.push(tok);
                    i = next;
                } else {
                    out.push(Tok::Name(word));
                }
            }
            // Any other character is an operator literal_eval rejects, or a syntax error.
            _ => return None,
        }
    }
    // Adjacent string literals concatenate; str and bytes cannot mix.
    let mut merged: Vec<Tok> = Vec::with_capacity(out.len());
    for tok in out {
        match (merged.last_mut(), tok) {
            (Some(Tok::Str(a)), Tok::Str(b)) => a.push_str(&b),
            (Some(Tok::Bytes(a)), Tok::Bytes(b)) => a.extend(b),
            (Some(Tok::Str(_)), Tok::Bytes(_)) | (Some(Tok::Bytes(_)), Tok::Str(_)) => return None,
            (_, tok) => merged.push(tok),
        }
    }
    Some(merged)
}

fn is_string_prefix(word: &str) -> bool {
    matches!(word.to_ascii_lowercase().as_str(), "r" | "u" | "b" | "br" | "rb")
}

/// `digit (["_"] digit)*` starting at `i`; the end index, or `None` for a bad underscore.
fn digit_part(chars: &[char], mut i: usize, radix: u32) -> Option<usize> {
    let start = i;
    while i < chars.len() {
        let underscore = chars[i] == '_' && i > start && chars.get(i + 1).is_some_and(|c| c.is_digit(radix));
        if chars[i].is_digit(radix) || underscore {
            i += 1;
        } else {
            break;
        }
    }
    (i > start).then_some(i)
}

fn number(chars: &[char], start: usize) -> Option<(Tok, usize)> {
    let text = |a: usize, b: usize| -> String { chars[a..b].iter().filter(|&&c| c != '_').collect() };
    let ends_cleanly = |i: usize| !chars.get(i).is_some_and(|c| c.is_alphanumeric() || *c == '_' || *c == '.');
    if chars[start] == '0' && matches!(chars.get(start + 1), Some('x' | 'X' | 'o' | 'O' | 'b' | 'B')) {
        let radix = match chars[start + 1] {
            'x' | 'X' => 16,
            'o' | 'O' => 8,
            _ => 2,
        };
        // `0x_1f` is valid: an underscore may follow the prefix.
        let digits_start = if chars.get(start + 2) == Some(&'_') { start + 3 } else { start + 2 };
        let end = digit_part(chars, digits_start, radix)?;
        if !ends_cleanly(end) {
            return None;
        }
        return Some((Tok::Int(i128::from_str_radix(&text(digits_start, end), radix).ok()?), end));
    }
    let mut i = start;
    let int_end = if chars[i] == '.' { None } else { Some(digit_part(chars, i, 10)?) };
    let mut is_float = false;
    if let Some(e) = int_end {
        i = e;
    }
    if chars.get(i) == Some(&'.') {
        is_float = true;
        i += 1;
        if chars.get(i).is_some_and(char::is_ascii_digit) {
            i = digit_part(chars, i, 10)?;
        } else if int_end.is_none() {
            return None;
        }
    }
    if matches!(chars.get(i), Some('e' | 'E')) {
        let mut j = i + 1;
        if matches!(chars.get(j), Some('+' | '-')) {
            j += 1;
        }
        if chars.get(j).is_some_and(char::is_ascii_digit) {
            i = digit_part(chars, j, 10)?;
            is_float = true;
        }
    }
    let body = text(start, i);
    if matches!(chars.get(i), Some('j' | 'J')) {
        let value: f64 = normalize_float(&body).parse().ok()?;
        if !ends_cleanly(i + 1) {
            return None;
        }
        return Some((Tok::Imag(value), i + 1));
    }
    if !ends_cleanly(i) {
        return None;
    }
    if is_float {
        return Some((Tok::Float(normalize_float(&body).parse().ok()?), i));
    }
    // Decimal integers may not have leading zeros, except for zero itself (`00`, `0_0`).
    if body.len() > 1 && body.starts_with('0') && !body.chars().all(|c| c == '0') {
        return None;
    }
    Some((body.parse::<i128>().map_or_else(|_| Tok::Float(body.parse().unwrap_or(f64::INFINITY)), Tok::Int), i))
}

fn normalize_float(body: &str) -> String {
    let mut s = body.to_string();
    if s.starts_with('.') {
        s.insert(0, '0');
    }
    if let Some(dot) = s.find('.')
        && !s[dot + 1..].starts_with(|c: char| c.is_ascii_digit())
    {
        s.insert(dot + 1, '0');
    }
    s
}

/// A string literal at `start` (the opening quote) with the given lower-case prefix.
fn string(chars: &[char], start: usize, prefix: &str) -> Option<(Tok, usize)> {
    let raw = prefix.contains('r');
    let bytes = prefix.contains('b');
    let q = chars[start];
    let triple = chars.get(start + 1) == Some(&q) && chars.get(start + 2) == Some(&q);
    let mut i = start + if triple { 3 } else { 1 };
    let mut body: Vec<char> = Vec::new();
    loop {
        let c = *chars.get(i)?;
        if c == q && (!triple || (chars.get(i + 1) == Some(&q) && chars.get(i + 2) == Some(&q))) {
            i += if triple { 3 } else { 1 };
            break;
        }
        if c == '\\' {
            body.push(c);
            body.push(*chars.get(i + 1)?);
            i += 2;
            continue;
        }
        if (c == '\n' || c == '\r') && !triple {
            return None;
        }
        body.push(c);
        i += 1;
    }
    if bytes {
        if body.iter().any(|c| !c.is_ascii()) {
            return None;
        }
        let text = if raw { body.iter().collect() } else { unescape(&body, true)? };
        return Some((Tok::Bytes(text.chars().map(|c| c as u32 as u8).collect()), i));
    }
    let text = if raw { body.iter().collect() } else { unescape(&body, false)? };
    Some((Tok::Str(text), i))
}

fn unescape(body: &[char], bytes: bool) -> Option<String> {
    let mut out = String::new();
    let mut i = 0;
    while i < body.len() {
        let c = body[i];
        if c != '\\' {
            out.push(c);
            i += 1;
            continue;
        }
        let e = body[i + 1];
        i += 2;
        match e {
            '\n' => {}
            '\\' | '\'' | '"' => out.push(e),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            '0'..='7' => {
                let mut value = e.to_digit(8)?;
                let mut n = 1;
                while n < 3 && i < body.len() && body[i].is_digit(8) {
                    value = value * 8 + body[i].to_digit(8)?;
                    i += 1;
                    n += 1;
                }
                if bytes {
                    out.push(char::from_u32(value & 0xff)?);
                } else {
                    out.push(char::from_u32(value)?);
                }
            }
            'x' => {
                let hex: String = body.get(i..i + 2)?.iter().collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                i += 2;
            }
            'u' | 'U' if !bytes => {
                let n = if e == 'u' { 4 } else { 8 };
                let hex: String = body.get(i..i + n)?.iter().collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                i += n;
            }
            // `\N{name}` needs the Unicode name table; om leaves such values as raw text.
            'N' if !bytes => return None,
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    Some(out)
}

#[derive(Debug, Clone)]
enum Ast {
    Const(Py),
    Name,
    Tuple(Vec<Ast>),
    List(Vec<Ast>),
    Set(Vec<Ast>),
    Dict(Vec<(Ast, Ast)>),
    EmptySetCall,
    Unary(bool, Box<Ast>),
    BinOp(bool, Box<Ast>, Box<Ast>),
}

/// Python values literal_eval can produce.
#[derive(Debug, Clone)]
enum Py {
    None,
    Bool(bool),
    Int(i128),
    Float(f64),
    Complex(f64, f64),
    Str(String),
    Bytes(Vec<u8>),
    Ellipsis,
    List(Vec<Py>),
    Dict(Vec<(Py, Py)>),
}

struct Parser {
    tokens: Vec<Tok>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos)
    }

    fn eat(&mut self, op: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Op(o)) if *o == op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn at_close(&self) -> bool {
        matches!(self.peek(), None | Some(Tok::Op(")" | "]" | "}" | ":")))
    }

    /// `a, b` is a tuple; `a` alone is itself.
    fn testlist(&mut self) -> Option<Ast> {
        let first = self.expr()?;
        if !self.eat(",") {
            return Some(first);
        }
        let mut items = vec![first];
        while !self.at_close() {
            items.push(self.expr()?);
            if !self.eat(",") {
                break;
            }
        }
        Some(Ast::Tuple(items))
    }

    fn expr(&mut self) -> Option<Ast> {
        let mut left = self.unary()?;
        loop {
            let add = if self.eat("+") {
                true
            } else if self.eat("-") {
                false
            } else {
                return Some(left);
            };
            let right = self.unary()?;
            left = Ast::BinOp(add, Box::new(left), Box::new(right));
        }
    }

    fn unary(&mut self) -> Option<Ast> {
        if self.eat("+") {
            return Some(Ast::Unary(true, Box::new(self.unary()?)));
        }
        if self.eat("-") {
            return Some(Ast::Unary(false, Box::new(self.unary()?)));
        }
        self.atom()
    }

    fn atom(&mut self) -> Option<Ast> {
        self.depth += 1;
        if self.depth > 100 {
            return None;
        }
        let tok = self.peek()?.clone();
        self.pos += 1;
        let ast = match tok {
            Tok::Int(i) => Ast::Const(Py::Int(i)),
            Tok::Float(f) => Ast::Const(Py::Float(f)),
            Tok::Imag(f) => Ast::Const(Py::Complex(0.0, f)),
            Tok::Str(s) => Ast::Const(Py::Str(s)),
            Tok::Bytes(b) => Ast::Const(Py::Bytes(b)),
            Tok::Op("...") => Ast::Const(Py::Ellipsis),
            Tok::Name(name) => match name.as_str() {
                "True" => Ast::Const(Py::Bool(true)),
                "False" => Ast::Const(Py::Bool(false)),
                "None" => Ast::Const(Py::None),
                "set" if self.eat("(") => {
                    if !self.eat(")") {
                        return None;
                    }
                    Ast::EmptySetCall
                }
                _ => Ast::Name,
            },
            Tok::Op("(") => {
                if self.eat(")") {
                    Ast::Tuple(Vec::new())
                } else {
                    let inner = self.testlist()?;
                    if !self.eat(")") {
                        return None;
                    }
                    inner
                }
            }
            Tok::Op("[") => {
                let mut items = Vec::new();
                while !self.eat("]") {
                    items.push(self.expr()?);
                    if !self.eat(",") {
                        if !self.eat("]") {
                            return None;
                        }
                        break;
                    }
                }
                Ast::List(items)
            }
            Tok::Op("{") => self.braces()?,
            _ => return None,
        };
        self.depth -= 1;
        Some(ast)
    }

    fn braces(&mut self) -> Option<Ast> {
        if self.eat("}") {
            return Some(Ast::Dict(Vec::new()));
        }
        let first = self.expr()?;
        if self.eat(":") {
            let mut pairs = vec![(first, self.expr()?)];
            while self.eat(",") {
                if self.eat("}") {
                    return Some(Ast::Dict(pairs));
                }
                let k = self.expr()?;
                if !self.eat(":") {
                    return None;
                }
                pairs.push((k, self.expr()?));
            }
            return self.eat("}").then_some(Ast::Dict(pairs));
        }
        let mut items = vec![first];
        while self.eat(",") {
            if self.eat("}") {
                return Some(Ast::Set(items));
            }
            items.push(self.expr()?);
        }
        self.eat("}").then_some(Ast::Set(items))
    }
}

/// `ast.literal_eval`'s `_convert`.
fn convert(ast: &Ast) -> Option<Py> {
    match ast {
        Ast::Const(v) => Some(v.clone()),
        Ast::Tuple(items) | Ast::List(items) => Some(Py::List(items.iter().map(convert).collect::<Option<_>>()?)),
        Ast::Set(items) => {
            let mut out: Vec<Py> = Vec::new();
            for item in items {
                let v = convert(item)?;
                hash_key(&v)?;
                if !out.iter().any(|o| py_eq(o, &v)) {
                    out.push(v);
                }
            }
            Some(Py::List(out))
        }
        Ast::EmptySetCall => Some(Py::List(Vec::new())),
        Ast::Dict(pairs) => {
            let mut out: Vec<(Py, Py)> = Vec::new();
            for (k, v) in pairs {
                let (k, v) = (convert(k)?, convert(v)?);
                hash_key(&k)?;
                match out.iter_mut().find(|(ok, _)| py_eq(ok, &k)) {
                    Some(slot) => slot.1 = v,
                    None => out.push((k, v)),
                }
            }
            Some(Py::Dict(out))
        }
        Ast::BinOp(add, left, right) => {
            let left = signed_num(left)?;
            let right = num(right)?;
            let (lr, li) = match left {
                Py::Int(i) => (i as f64, 0.0),
                Py::Float(f) => (f, 0.0),
                _ => return None,
            };
            let Py::Complex(rr, ri) = right else { return None };
            Some(if *add { Py::Complex(lr + rr, li + ri) } else { Py::Complex(lr - rr, li - ri) })
        }
        _ => signed_num(ast),
    }
}

fn signed_num(ast: &Ast) -> Option<Py> {
    if let Ast::Unary(plus, operand) = ast {
        let v = num(operand)?;
        return Some(if *plus {
            v
        } else {
            match v {
                Py::Int(i) => Py::Int(-i),
                Py::Float(f) => Py::Float(-f),
                Py::Complex(r, i) => Py::Complex(-r, -i),
                other => other,
            }
        });
    }
    num(ast)
}

fn num(ast: &Ast) -> Option<Py> {
    match ast {
        Ast::Const(v @ (Py::Int(_) | Py::Float(_) | Py::Complex(..))) => Some(v.clone()),
        _ => None,
    }
}

/// Python's hashability: containers cannot be keys or set members.
fn hash_key(v: &Py) -> Option<()> {
    match v {
        Py::List(_) | Py::Dict(_) => None,
        _ => Some(()),
    }
}

/// Python's `==` for keys: `1 == 1.0 == True`.
fn py_eq(a: &Py, b: &Py) -> bool {
    fn number(v: &Py) -> Option<f64> {
        match v {
            Py::Bool(b) => Some(f64::from(u8::from(*b))),
            Py::Int(i) => Some(*i as f64),
            Py::Float(f) => Some(*f),
            Py::Complex(r, 0.0) => Some(*r),
            _ => None,
        }
    }
    match (a, b) {
        (Py::Str(x), Py::Str(y)) => x == y,
        (Py::Bytes(x), Py::Bytes(y)) => x == y,
        (Py::None, Py::None) | (Py::Ellipsis, Py::Ellipsis) => true,
        (Py::Int(x), Py::Int(y)) => x == y,
        _ => matches!((number(a), number(b)), (Some(x), Some(y)) if x == y),
    }
}

/// What the value becomes once Ansible has tagged it: complex numbers and `...` as strings,
/// bytes decoded, tuples and sets as lists.
fn to_json(v: &Py) -> Option<Value> {
    Some(match v {
        Py::None => Value::Null,
        Py::Bool(b) => Value::Bool(*b),
        Py::Int(i) => {
            if let Ok(v) = i64::try_from(*i) {
                Value::from(v)
            } else if let Ok(v) = u64::try_from(*i) {
                Value::from(v)
            } else {
                Number::from_f64(*i as f64).map_or(Value::Null, Value::Number)
            }
        }
        Py::Float(f) => Number::from_f64(*f).map_or(Value::Null, Value::Number),
        Py::Complex(r, i) => Value::String(complex_repr(*r, *i)),
        Py::Str(s) => Value::String(s.clone()),
        Py::Bytes(b) => Value::String(String::from_utf8_lossy(b).into_owned()),
        Py::Ellipsis => Value::String("...".into()),
        Py::List(items) => Value::Array(items.iter().map(to_json).collect::<Option<_>>()?),
        Py::Dict(pairs) => {
            let mut map = Map::new();
            for (k, v) in pairs {
                map.insert(key_string(k), to_json(v)?);
            }
            Value::Object(map)
        }
    })
}

fn key_string(k: &Py) -> String {
    match k {
        Py::Str(s) => s.clone(),
        Py::None => "null".into(),
        Py::Bool(b) => b.to_string(),
        Py::Int(i) => i.to_string(),
        Py::Float(f) => python::float_repr(*f),
        other => to_json(other).map(|v| python::str(&v)).unwrap_or_default(),
    }
}

/// `repr(complex)`: `2j`, `(1+2j)`, `(-0-2j)`.
fn complex_repr(real: f64, imag: f64) -> String {
    let part = |f: f64| {
        let s = python::float_repr(f);
        s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
    };
    let imag_text = part(imag);
    if real == 0.0 && real.is_sign_positive() {
        return format!("{imag_text}j");
    }
    let sign = if imag_text.starts_with('-') { "" } else { "+" };
    format!("({}{sign}{imag_text}j)", part(real))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn python_literals_are_typed() {
        let cases = [
            ("8080", json!(8080)),
            ("8080 # web", json!(8080)),
            ("0o644", json!(420)),
            ("0x_1f", json!(31)),
            ("1_000", json!(1000)),
            ("1e3", json!(1000.0)),
            ("1.", json!(1.0)),
            (".5", json!(0.5)),
            ("09.5", json!(9.5)),
            ("00", json!(0)),
            ("-5", json!(-5)),
            ("True", json!(true)),
            ("None", json!(null)),
            ("'q s'", json!("q s")),
            ("\"a\" 'b'", json!("ab")),
            (r"'a\tb'", json!("a\tb")),
            (r"r'a\tb'", json!("a\\tb")),
            ("b'x'", json!("x")),
            ("[1, 'a', None]", json!([1, "a", null])),
            ("(1,)", json!([1])),
            ("1, 2", json!([1, 2])),
            ("{'a': 1, 'b': [2]}", json!({"a": 1, "b": [2]})),
            ("{1: 'x', 1.0: 'y'}", json!({"1": "y"})),
            ("{1, 2, 1}", json!([1, 2])),
            ("set()", json!([])),
            ("()", json!([])),
            ("1j", json!("1j")),
            ("1+2j", json!("(1+2j)")),
            ("-2j", json!("(-0-2j)")),
            ("...", json!("...")),
        ];
        for (text, expected) in cases {
            assert_eq!(literal_eval(text), Some(expected), "{text}");
        }
    }

    #[test]
    fn anything_else_stays_raw() {
        for text in [
            "true", "yes", "0644", "08", "a b c", "bar # x", "1+2", "--1", "-True", "1_", "1__0", "'open", "[1,", "{**a}", "f'x'", "x.y",
            "inf", "1.2.3", "0x", "{[1]: 2}", "",
        ] {
            assert_eq!(literal_eval(text), None, "{text}");
        }
    }
}
