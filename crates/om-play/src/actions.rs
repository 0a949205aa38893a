//! The actions om-play runs on the controller (`debug`, `set_fact`, `assert`, `fail`,
//! `meta`, `pause`, `group_by`, `add_host`, `include_vars`) and module-name handling for the
//! rest, which run through om-exec's dispatch.

use om_core::Vars;
use serde_json::Value as Json;

/// Actions that never reach a host.
pub const CONTROLLER: &[&str] =
    &["debug", "set_fact", "assert", "fail", "meta", "pause", "group_by", "add_host", "include_vars", "include_tasks", "include_role"];

/// `ansible.builtin.copy` → `copy`; om-play's own actions keep their short names.
pub fn canonical(module: &str) -> String {
    let short = ["ansible.builtin.", "ansible.legacy.", "ansible.posix.", "community.general."]
        .iter()
        .find_map(|p| module.strip_prefix(p))
        .unwrap_or(module);
    if CONTROLLER.contains(&short) {
        return short.to_string();
    }
    om_modules::registry::canonical(module).to_string()
}

/// Whether om can run `module`.
pub fn known(module: &str) -> bool {
    let c = canonical(module);
    CONTROLLER.contains(&c.as_str()) || om_exec::action::find(&c).is_some()
}

/// Task arguments from what was written: free-form text or a mapping.
pub fn parse_args(module: &str, value: &Json) -> Result<Vars, String> {
    match value {
        Json::Null => Ok(Vars::new()),
        Json::Object(map) => {
            if matches!(module, "command" | "shell" | "raw" | "script")
                && let Some(cmd) = map.get("cmd")
            {
                let mut out = map.clone();
                out.remove("cmd");
                out.insert("_raw_params".into(), cmd.clone());
                return Ok(out);
            }
            Ok(map.clone())
        }
        Json::String(text) => {
            let schema = om_exec::action::find(module).map(|a| a.schema());
            match schema {
                Some(s) if s.free_form => {
                    let keys = s.control_keys();
                    om_core::parse_free_form(text, Some(&keys)).map_err(|e| e.to_string())
                }
                _ if module == "fail" && !text.contains('=') => Ok([("msg".to_string(), Json::String(text.clone()))].into_iter().collect()),
                _ if module == "meta" => Ok([("_raw_params".to_string(), Json::String(text.trim().to_string()))].into_iter().collect()),
                _ if module == "include_tasks" => Ok([("file".to_string(), Json::String(text.trim().to_string()))].into_iter().collect()),
                _ if module == "include_vars" && !text.contains('=') => {
                    Ok([("file".to_string(), Json::String(text.trim().to_string()))].into_iter().collect())
                }
                _ => om_core::parse_free_form(text, None).map_err(|e| e.to_string()),
            }
            .map(|mut args| {
                for (k, v) in args.iter_mut() {
                    if k != "_raw_params"
                        && let Json::String(s) = v
                        && s.contains('\\')
                    {
                        *s = decode_escapes(s);
                    }
                }
                args
            })
        }
        other => Err(format!("module arguments must be a mapping or `key=value` text, not `{other}`")),
    }
}

/// ansible-core's `_decode_escapes` for `key=value` values: `\n`, `\t`, `\\`, `\'`,
/// `\"`, `\xNN`, `\uNNNN` become the characters they name.
fn decode_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(&next) = chars.peek() else {
            out.push(c);
            break;
        };
        let simple = match next {
            'n' => Some('\n'),
            't' => Some('\t'),
            'r' => Some('\r'),
            '\\' => Some('\\'),
            '\'' => Some('\''),
            '"' => Some('"'),
            'a' => Some('\u{7}'),
            'b' => Some('\u{8}'),
            'f' => Some('\u{c}'),
            'v' => Some('\u{b}'),
            _ => None,
        };
        if let Some(s) = simple {
            chars.next();
            out.push(s);
            continue;
        }
        let width = match next {
            'x' => 2,
            'u' => 4,
            'U' => 8,
            _ => 0,
        };
        let hex: String = chars.clone().skip(1).take(width).collect();
        if width > 0
            && hex.len() == width
            && let Some(ch) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
        {
            for _ in 0..=width {
                chars.next();
            }
            out.push(ch);
            continue;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_value_escapes_are_decoded_but_raw_params_are_not() {
        let args = parse_args("copy", &Json::String(r#"content="a\nb\x41" dest=/x"#.into())).unwrap_or_default();
        assert_eq!(args["content"], "a\nbA");
        let args = parse_args("shell", &Json::String(r#"printf 'a\n'"#.into())).unwrap_or_default();
        assert_eq!(args["_raw_params"], r#"printf 'a\n'"#);
    }
}
