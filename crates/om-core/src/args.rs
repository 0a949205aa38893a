//! Free-form module arguments: `name='check dirs' hour='5,2'`, as ansible-core splits them.
//!
//! Tokens are separated by whitespace, except inside quotes and inside Jinja blocks
//! (`{{ … }}`, `{% … %}`, `{# … #}`), so `msg={{ a | join(' ') }}` is one argument. A token
//! `key=value` whose key is an identifier becomes an argument with the outer quotes of the
//! value removed; values stay strings (`mode=0644` arrives as `"0644"`). For modules that take
//! free text (`command`, `shell`, `raw`, `script`), the other tokens, exactly as written, form
//! `_raw_params`, and only the module's control keys (`chdir=`, `creates=`…) are extracted.

use crate::Vars;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArgsError {
    #[error("unbalanced quote in module arguments: `{text}`")]
    UnbalancedQuote { text: String },
    #[error("unbalanced jinja block in module arguments: `{text}`")]
    UnbalancedJinja { text: String },
    #[error("expected `key=value` in module arguments, found `{token}`")]
    NotKeyValue { token: String },
}

/// Splits free-form arguments into a map.
///
/// `raw_keys` is `None` for ordinary modules (every token must be `key=value`) and
/// `Some(keys)` for free-text modules, whose recognised control keys are `keys`.
pub fn parse_free_form(text: &str, raw_keys: Option<&[&str]>) -> Result<Vars, ArgsError> {
    let mut args = Vars::new();
    let mut raw = Vec::new();
    for token in split_args(text)? {
        // ansible-core decodes backslash escapes in `key=value` options (not in the free text).
        let decoded = decode_escapes(&token);
        match split_key_value(&decoded) {
            Some((key, value)) if raw_keys.is_none_or(|keys| keys.contains(&key)) => {
                args.insert(key.to_string(), unquote(value).into());
            }
            _ if raw_keys.is_some() => raw.push(token),
            _ => return Err(ArgsError::NotKeyValue { token }),
        }
    }
    if !raw.is_empty() {
        args.insert("_raw_params".into(), raw.join(" ").into());
    }
    Ok(args)
}

/// Splits on whitespace outside quotes and Jinja blocks, keeping each token as written.
pub fn split_args(text: &str) -> Result<Vec<String>, ArgsError> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut jinja_depth = 0usize;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            current.push(c);
            if c == '\\' {
                if let Some(next) = chars.next() {
                    current.push(next);
                }
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '{' if matches!(chars.peek(), Some('{' | '%' | '#')) => {
                jinja_depth += 1;
                current.push(c);
                current.extend(chars.next());
            }
            '}' | '%' | '#' if jinja_depth > 0 && chars.peek() == Some(&'}') => {
                jinja_depth -= 1;
                current.push(c);
                current.extend(chars.next());
            }
            '\'' | '"' if jinja_depth == 0 => {
                quote = Some(c);
                current.push(c);
            }
            c if c.is_whitespace() && jinja_depth == 0 => {
                if !current.is_empty() {
                    tokens.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if quote.is_some() {
        return Err(ArgsError::UnbalancedQuote { text: text.to_string() });
    }
    if jinja_depth > 0 {
        return Err(ArgsError::UnbalancedJinja { text: text.to_string() });
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    Ok(tokens)
}

/// `key=value` with an identifier key; the `=` must come before any quote.
fn split_key_value(token: &str) -> Option<(&str, &str)> {
    let eq = token.find('=')?;
    let key = &token[..eq];
    let identifier = key.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    identifier.then(|| (key, &token[eq + 1..]))
}

/// Python's `unicode-escape` decoding of the escapes ansible-core's `parse_kv` decodes:
/// `\n` `\t` `\\` `\'` `\"` `\a` `\b` `\f` `\r` `\v`, `\xHH`, `\uHHHH`, `\UHHHHHHHH`. Anything
/// else (`\d` in a regex, `\N{…}`) stays as written.
fn decode_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let simple = match after.chars().next() {
            Some('n') => Some('\n'),
            Some('t') => Some('\t'),
            Some('r') => Some('\r'),
            Some('\\') => Some('\\'),
            Some('\'') => Some('\''),
            Some('"') => Some('"'),
            Some('a') => Some('\x07'),
            Some('b') => Some('\x08'),
            Some('f') => Some('\x0c'),
            Some('v') => Some('\x0b'),
            _ => None,
        };
        if let Some(c) = simple {
            out.push(c);
            rest = &after[1..];
            continue;
        }
        let width = match after.chars().next() {
            Some('x') => 2,
            Some('u') => 4,
            Some('U') => 8,
            _ => 0,
        };
        let code = after
            .get(1..1 + width)
            .filter(|h| width > 0 && h.chars().all(|c| c.is_ascii_hexdigit()))
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .and_then(char::from_u32);
        match code {
            Some(c) => {
                out.push(c);
                rest = &after[1 + width..];
            }
            None => {
                out.push('\\');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Removes one pair of matching outer quotes.
fn unquote(value: &str) -> String {
    let bytes = value.as_bytes();
    if bytes.len() >= 2 && (bytes[0] == b'"' || bytes[0] == b'\'') && bytes[bytes.len() - 1] == bytes[0] {
        value[1..value.len() - 1].to_string()
    } else {
        value.to_string()
    }
}

/// Converts a Python `re` replacement (`\1`, `\g<name>`) into the `regex` crate's (`${1}`).
pub fn python_replacement(repl: &str) -> String {
    let mut out = String::new();
    let mut chars = repl.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '$' => out.push_str("$$"),
            '\\' => match chars.peek().copied() {
                Some(d) if d.is_ascii_digit() => {
                    let mut num = String::new();
                    while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                        num.push(d);
                        chars.next();
                        if num.len() == 2 {
                            break;
                        }
                    }
                    out.push_str(&format!("${{{num}}}"));
                }
                Some('g') => {
                    chars.next();
                    if chars.peek() == Some(&'<') {
                        chars.next();
                        let name: String = chars.by_ref().take_while(|c| *c != '>').collect();
                        out.push_str(&format!("${{{name}}}"));
                    } else {
                        out.push_str("\\g");
                    }
                }
                Some('n') => {
                    chars.next();
                    out.push('\n');
                }
                Some('t') => {
                    chars.next();
                    out.push('\t');
                }
                Some('\\') => {
                    chars.next();
                    out.push('\\');
                }
                _ => out.push('\\'),
            },
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_values_with_spaces_are_one_argument() {
        let args = parse_free_form("name='check dirs' hour='5,2' job='ls -alh > /dev/null'", None).expect("parses");
        assert_eq!(args["name"], "check dirs");
        assert_eq!(args["hour"], "5,2");
        assert_eq!(args["job"], "ls -alh > /dev/null");
    }

    #[test]
    fn escapes_in_options_are_decoded_as_ansible_core_does() {
        let args = parse_free_form(r"content='a\nb\tc' dest=/tmp/x re='\d+' q='it\'s' u=\u00e9\x41", None).expect("parses");
        assert_eq!(args["content"], "a\nb\tc");
        assert_eq!(args["re"], r"\d+", "unknown escapes stay");
        assert_eq!(args["q"], "it's");
        assert_eq!(args["u"], "éA");
        let raw = parse_free_form(r"printf 'a\nb' chdir=/tmp", Some(&["chdir"])).expect("parses");
        assert_eq!(raw["_raw_params"], r"printf 'a\nb'", "the free text keeps its backslashes");
    }

    #[test]
    fn octal_modes_stay_strings() {
        let args = parse_free_form("path=/tmp/x mode=0644", None).expect("parses");
        assert_eq!(args["mode"], "0644");
    }

    #[test]
    fn jinja_blocks_keep_their_spaces() {
        let args = parse_free_form("msg={{ items | join(' ') }} other=1", None).expect("parses");
        assert_eq!(args["msg"], "{{ items | join(' ') }}");
        assert_eq!(args["other"], "1");
    }

    #[test]
    fn free_text_modules_keep_the_command_and_extract_control_keys() {
        let args = parse_free_form("ls -l /tmp creates=/etc/x foo=bar", Some(&["chdir", "creates"])).expect("parses");
        assert_eq!(args["creates"], "/etc/x");
        assert_eq!(args["_raw_params"], "ls -l /tmp foo=bar");
    }

    #[test]
    fn stray_tokens_are_errors_for_ordinary_modules() {
        let err = parse_free_form("path=/tmp oops", None).expect_err("rejects");
        assert_eq!(err, ArgsError::NotKeyValue { token: "oops".into() });
    }

    #[test]
    fn unbalanced_quotes_are_errors() {
        assert!(matches!(parse_free_form("a='x", None), Err(ArgsError::UnbalancedQuote { .. })));
    }

    #[test]
    fn python_replacements_become_regex_replacements() {
        assert_eq!(python_replacement(r"\1 = \g<val> $HOME"), "${1} = ${val} $$HOME");
        assert_eq!(python_replacement(r"\123"), "${12}3", "Python reads at most two digits");
    }
}
