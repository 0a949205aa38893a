//! File modes as Ansible-family modules take them (MOD-2): octal strings (`"0644"`, `"644"`),
//! symbolic strings (`u+rwx,g-w`, applied to the current mode as ansible-core does, umask
//! included when no `ugoa` is given), and integers, which are the mode bits themselves.

use serde_json::Value;

/// A mode argument, parsed but not yet applied to a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModeSpec {
    Bits(u32),
    Symbolic(String),
}

/// Parses a `mode` value; returns the spec and, for a decimal integer that looks like an
/// octal mode (`644`), the warning MOD-2 asks for.
pub fn parse(value: &Value) -> Result<(ModeSpec, Option<String>), String> {
    match value {
        Value::Number(n) => {
            let bits = n.as_u64().filter(|b| *b <= 0o7777).ok_or_else(|| format!("mode must be between 0 and 0o7777, got {n}"))? as u32;
            let digits = bits.to_string();
            let warning =
                ((3..=4).contains(&digits.len()) && bits > 0o777 && digits.bytes().all(|b| (b'0'..=b'7').contains(&b))).then(|| {
                    format!("mode {bits} is a decimal integer, which means 0{bits:o}; quote it ('0{digits}') for the octal mode 0{digits}")
                });
            Ok((ModeSpec::Bits(bits), warning))
        }
        Value::String(s) => {
            let s = s.trim();
            if !s.is_empty() && s.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
                let bits = u32::from_str_radix(s, 8).map_err(|e| format!("bad octal mode `{s}`: {e}"))?;
                if bits > 0o7777 {
                    return Err(format!("mode `{s}` is out of range"));
                }
                return Ok((ModeSpec::Bits(bits), None));
            }
            if s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("mode `{s}` is not an octal number"));
            }
            for part in s.split(',') {
                symbolic_clause(part).ok_or_else(|| format!("mode must be in octal or symbolic form, got `{s}`"))?;
            }
            Ok((ModeSpec::Symbolic(s.to_string()), None))
        }
        other => Err(format!("mode must be a string or an integer, got `{other}`")),
    }
}

fn symbolic_clause(part: &str) -> Option<(&str, char, &str)> {
    let op_at = part.find(['+', '-', '='])?;
    let (users, rest) = part.split_at(op_at);
    let op = rest.chars().next()?;
    let perms = &rest[1..];
    let users_ok = users.chars().all(|c| "ugoa".contains(c));
    let perms_ok = perms.chars().all(|c| "rwxXst".contains(c)) || matches!(perms, "u" | "g" | "o");
    (users_ok && perms_ok).then_some((users, op, perms))
}

/// The mode bits `spec` gives a file whose current mode is `current` (`is_dir` for `X`).
pub fn resolve(spec: &ModeSpec, current: u32, is_dir: bool, umask: u32) -> u32 {
    match spec {
        ModeSpec::Bits(b) => *b,
        ModeSpec::Symbolic(s) => {
            let mut mode = current & 0o7777;
            for part in s.split(',') {
                let Some((users, op, perms)) = symbolic_clause(part) else { continue };
                let use_umask = users.is_empty();
                let users = if users.is_empty() || users.contains('a') { "ugo" } else { users };
                for user in users.chars() {
                    let apply = perm_bits(user, perms, use_umask, mode, is_dir, umask);
                    mode = match op {
                        '=' => {
                            let mask = match user {
                                'u' => 0o4700,
                                'g' => 0o2070,
                                _ => 0o1007,
                            };
                            (mode & !mask & 0o7777) | apply
                        }
                        '+' => mode | apply,
                        _ => mode & !apply,
                    };
                }
            }
            mode
        }
    }
}

/// ansible-core's `_get_octal_mode_from_symbolic_perms`.
fn perm_bits(user: char, perms: &str, use_umask: bool, prev: u32, is_dir: bool, umask: u32) -> u32 {
    let rev_umask = umask ^ 0o7777;
    let apply_x = is_dir || prev & 0o111 != 0;
    let shift = match user {
        'u' => 6,
        'g' => 3,
        _ => 0,
    };
    let masked = |bit: u32| if use_umask { rev_umask & bit } else { bit };
    let copy_from = |from: u32| ((prev >> from) & 0o7) << shift;
    perms.chars().fold(0, |acc, p| {
        acc | match p {
            'r' => masked(0o4 << shift),
            'w' => masked(0o2 << shift),
            'x' => masked(0o1 << shift),
            'X' if apply_x => 0o1 << shift,
            'X' => 0,
            's' => match user {
                'u' => 0o4000,
                'g' => 0o2000,
                _ => 0,
            },
            't' if user == 'o' => 0o1000,
            'u' => copy_from(6),
            'g' => copy_from(3),
            'o' => copy_from(0),
            _ => 0,
        }
    })
}

/// `"0644"`, as Ansible prints modes.
pub fn format(mode: u32) -> String {
    format!("{:04o}", mode & 0o7777)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn apply(spec: &str, current: u32) -> u32 {
        let (spec, _) = parse(&json!(spec)).expect("parses");
        resolve(&spec, current, false, 0o022)
    }

    #[test]
    fn octal_strings_and_integers() {
        assert_eq!(parse(&json!("0644")).expect("ok").0, ModeSpec::Bits(0o644));
        assert_eq!(parse(&json!("644")).expect("ok").0, ModeSpec::Bits(0o644));
        assert_eq!(parse(&json!(420)).expect("ok"), (ModeSpec::Bits(0o644), None));
        let (bits, warning) = parse(&json!(644)).expect("ok");
        assert_eq!(bits, ModeSpec::Bits(644));
        assert!(warning.expect("warns").contains("0644"));
        assert!(parse(&json!("u+q")).is_err());
        assert!(parse(&json!("0999")).is_err());
    }

    #[test]
    fn symbolic_modes_follow_ansible() {
        assert_eq!(apply("u+x", 0o644), 0o744);
        assert_eq!(apply("u=rw,g=r,o=", 0o777), 0o640);
        assert_eq!(apply("g-w,o-w", 0o666), 0o644);
        assert_eq!(apply("+x", 0o600), 0o711 & !0o022 | 0o600);
        assert_eq!(apply("a+X", 0o644), 0o644);
        assert_eq!(apply("a+X", 0o744), 0o755);
        assert_eq!(apply("u+s", 0o755), 0o4755);
        assert_eq!(apply("g=u", 0o750), 0o770);
        assert_eq!(apply("o+t", 0o777), 0o1777);
    }
}
