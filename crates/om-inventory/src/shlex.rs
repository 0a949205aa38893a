//! Python's `shlex.split(line, comments=True)` (POSIX mode), which is how ansible-core splits
//! an INI host line. Each token keeps the column it started at, for error messages.
//!
//! Quirks kept: `#` ends a word and starts a comment even in the middle of one (`a=b#c` is
//! `a=b`), only ASCII blanks separate words, `\` escapes outside quotes and inside `"…"`
//! (before `"`, `\`; elsewhere it stays).

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub text: String,
    /// 0-based character index where the token starts.
    pub start: usize,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum ShlexError {
    NoClosingQuotation,
    NoEscapedCharacter,
}

impl ShlexError {
    pub fn message(self) -> &'static str {
        match self {
            ShlexError::NoClosingQuotation => "no closing quotation",
            ShlexError::NoEscapedCharacter => "no escaped character",
        }
    }
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    Space,
    Word,
    Quote(char),
    Escape,
}

pub(crate) fn split(line: &str) -> Result<Vec<Token>, ShlexError> {
    let mut tokens = Vec::new();
    let mut state = State::Space;
    // Where an escape returns to: a word, or the double quote it was in.
    let mut escaped_from = State::Word;
    let mut token = String::new();
    let mut quoted = false;
    let mut start = 0;
    let mut chars = line.chars().enumerate();
    loop {
        let next = chars.next();
        match state {
            State::Space => match next {
                None => break,
                Some((_, c)) if is_space(c) => {}
                Some((_, '#')) => break,
                Some((i, '\\')) => {
                    start = i;
                    escaped_from = State::Word;
                    state = State::Escape;
                }
                Some((i, c @ ('\'' | '"'))) => {
                    start = i;
                    state = State::Quote(c);
                }
                Some((i, c)) => {
                    start = i;
                    token.push(c);
                    state = State::Word;
                }
            },
            State::Quote(q) => {
                quoted = true;
                match next {
                    None => return Err(ShlexError::NoClosingQuotation),
                    Some((_, c)) if c == q => state = State::Word,
                    Some((_, '\\')) if q == '"' => {
                        escaped_from = State::Quote(q);
                        state = State::Escape;
                    }
                    Some((_, c)) => token.push(c),
                }
            }
            State::Escape => match next {
                None => return Err(ShlexError::NoEscapedCharacter),
                Some((_, c)) => {
                    if let State::Quote(q) = escaped_from
                        && c != q
                        && c != '\\'
                    {
                        token.push('\\');
                    }
                    token.push(c);
                    state = escaped_from;
                }
            },
            State::Word => match next {
                None => {
                    push(&mut tokens, &mut token, &mut quoted, start);
                    break;
                }
                Some((_, c)) if is_space(c) => {
                    push(&mut tokens, &mut token, &mut quoted, start);
                    state = State::Space;
                }
                Some((_, '#')) => {
                    push(&mut tokens, &mut token, &mut quoted, start);
                    break;
                }
                Some((_, c @ ('\'' | '"'))) => state = State::Quote(c),
                Some((_, '\\')) => {
                    escaped_from = State::Word;
                    state = State::Escape;
                }
                Some((_, c)) => token.push(c),
            },
        }
    }
    Ok(tokens)
}

fn push(tokens: &mut Vec<Token>, token: &mut String, quoted: &mut bool, start: usize) {
    if !token.is_empty() || *quoted {
        tokens.push(Token { text: std::mem::take(token), start });
    }
    *quoted = false;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(line: &str) -> Vec<String> {
        split(line).unwrap().into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn splits_as_python_shlex() {
        assert_eq!(texts("web1 a='q s' b=\"x y\" # note"), ["web1", "a=q s", "b=x y"]);
        assert_eq!(texts("a=b#c d"), ["a=b"]);
        assert_eq!(texts(r#"a="x\"y\z" b=c\ d"#), [r#"a=x"y\z"#, "b=c d"]);
        assert_eq!(texts("h ''"), ["h", ""]);
        assert_eq!(texts("  h  "), ["h"]);
        assert_eq!(split("h a='x").unwrap_err(), ShlexError::NoClosingQuotation);
        assert_eq!(split("h a\\").unwrap_err(), ShlexError::NoEscapedCharacter);
        assert_eq!(split("web1  a=1").unwrap()[1].start, 6);
    }
}
