//! Local facts (PLAY-41): `*.fact` files in `fact_path`, as JSON, INI (sections become keys,
//! values stay strings, option names lower-cased as Python's configparser does), or
//! executables that print JSON. A file that cannot be used gives a warning and an error
//! string as its value; it never fails the host.

use serde_json::{Map, Value};

use crate::source::Source;

/// Parses INI as configparser does; `None` when it is not INI (e.g. no section header).
pub fn parse_ini(text: &str) -> Option<Map<String, Value>> {
    let mut out: Map<String, Value> = Map::new();
    let mut defaults: Map<String, Value> = Map::new();
    let mut section: Option<String> = None;
    let mut last_key: Option<String> = None;
    for raw in text.lines() {
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if raw.starts_with([' ', '\t']) && last_key.is_some() {
            let target = match &section {
                Some(s) if s == "DEFAULT" => &mut defaults,
                Some(s) => out.get_mut(s)?.as_object_mut()?,
                None => return None,
            };
            let key = last_key.clone()?;
            let prev = target.get(&key).and_then(Value::as_str).unwrap_or_default().to_string();
            target.insert(key, Value::from(format!("{prev}\n{trimmed}")));
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            section = Some(name.to_string());
            if name != "DEFAULT" {
                out.entry(name.to_string()).or_insert_with(|| Value::Object(Map::new()));
            }
            last_key = None;
            continue;
        }
        let section_name = section.clone()?;
        let split = trimmed.find(['=', ':'])?;
        let key = trimmed[..split].trim().to_lowercase();
        let value = trimmed[split + 1..].trim().to_string();
        let target = if section_name == "DEFAULT" { &mut defaults } else { out.get_mut(&section_name)?.as_object_mut()? };
        target.insert(key.clone(), Value::from(value));
        last_key = Some(key);
    }
    if !defaults.is_empty() {
        for v in out.values_mut() {
            if let Value::Object(m) = v {
                for (k, d) in &defaults {
                    m.entry(k.clone()).or_insert_with(|| d.clone());
                }
            }
        }
    }
    Some(out)
}

/// `ansible_local`: one key per `*.fact` file (its stem), and the warnings to show.
pub fn local_facts(src: &dyn Source, fact_path: &str) -> (Map<String, Value>, Vec<String>) {
    let mut out = Map::new();
    let mut warnings = Vec::new();
    let Ok(mut names) = src.read_dir(fact_path) else {
        return (out, warnings);
    };
    names.sort();
    for name in names.into_iter().filter(|n| n.ends_with(".fact")) {
        let path = format!("{}/{name}", fact_path.trim_end_matches('/'));
        let stem = name.trim_end_matches(".fact").to_string();
        let executable =
            std::fs::metadata(&path).map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o111 != 0).unwrap_or(false);
        let text = if executable {
            match std::process::Command::new(&path).stdin(std::process::Stdio::null()).output() {
                Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
                Ok(o) => {
                    let msg = format!(
                        "Failure executing fact script ({path}), rc: {}, err: {}",
                        o.status.code().unwrap_or(-1),
                        String::from_utf8_lossy(&o.stderr).trim()
                    );
                    warnings.push(msg.clone());
                    out.insert(stem, msg.into());
                    continue;
                }
                Err(e) => {
                    let msg = format!("Could not execute fact script ({path}): {e}");
                    warnings.push(msg.clone());
                    out.insert(stem, msg.into());
                    continue;
                }
            }
        } else {
            match src.read(&path) {
                Ok(t) => t,
                Err(e) => {
                    let msg = format!("error loading fact - output of running \"{path}\" was not readable: {e}");
                    warnings.push(msg.clone());
                    out.insert(stem, msg.into());
                    continue;
                }
            }
        };
        let value = match serde_json::from_str::<Value>(&text) {
            Ok(v) => v,
            Err(_) => match parse_ini(&text) {
                Some(m) => Value::Object(m),
                None => {
                    let msg = format!("error loading facts as JSON or ini - please check content: {path}");
                    warnings.push(msg.clone());
                    msg.into()
                }
            },
        };
        out.insert(stem, value);
    }
    (out, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_values_stay_strings_and_keys_lowercase() {
        let m = parse_ini("[general]\nMaxOpenFiles = 65535\nname: web\n\n[other]\nx=1\n").expect("ini");
        assert_eq!(m["general"]["maxopenfiles"], "65535");
        assert_eq!(m["general"]["name"], "web");
        assert_eq!(m["other"]["x"], "1");
        assert!(parse_ini("no_section=1\n").is_none());
    }
}
