//! Dynamic inventory scripts (INV-2, SHOULD): an executable source is run with `--list` and
//! must print a JSON object of groups; host variables come from `_meta.hostvars`, or from
//! `--host <name>` for each host when the script gives no `_meta`.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use om_core::Span;
use serde_json::Value;

use crate::error::{InventoryError, Problem};
use crate::model::Model;

pub(crate) fn is_executable(path: &Path) -> bool {
    path.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn run(path: &Path, args: &[&str]) -> Result<String, InventoryError> {
    let fail = |reason: String| InventoryError::Script { path: path.to_path_buf(), reason };
    let out = Command::new(path).args(args).output().map_err(|e| fail(format!("cannot run it: {e}")))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(fail(format!("`{} {}` exited with {}: {}", path.display(), args.join(" "), out.status, stderr.trim())));
    }
    String::from_utf8(out.stdout).map_err(|_| fail("its output is not UTF-8".into()))
}

fn json(path: &Path, text: &str) -> Result<Value, InventoryError> {
    serde_json::from_str(text).map_err(|e| InventoryError::Script {
        path: path.to_path_buf(),
        reason: format!("its output is not JSON: {e} (line {}, column {})", e.line(), e.column()),
    })
}

pub(crate) fn parse(model: &mut Model, path: &Path) -> Result<(), InventoryError> {
    let list = run(path, &["--list"])?;
    load(model, path, &list, |host| run(path, &["--host", host]).map(Some))
}

/// A script's `--list` output read earlier (`name` stands for the script in errors); hosts
/// get variables only from `_meta.hostvars`.
pub(crate) fn parse_output(model: &mut Model, name: &Path, text: &str) -> Result<(), InventoryError> {
    load(model, name, text, |_| Ok(None))
}

/// Reads `--list` output; `host_output` gives a host's `--host` output when there is no
/// `_meta`.
fn load(
    model: &mut Model,
    path: &Path,
    list: &str,
    host_output: impl Fn(&str) -> Result<Option<String>, InventoryError>,
) -> Result<(), InventoryError> {
    let span = Span::new(path.display().to_string(), 0, 0);
    let data = json(path, list)?;
    let Value::Object(groups) = data else {
        return Err(InventoryError::syntax(span, Problem::ScriptNotObject(type_name(&data)), ""));
    };
    let mut hosts: Vec<String> = Vec::new();
    let mut meta: Option<&serde_json::Map<String, Value>> = None;
    for (name, body) in &groups {
        if name == "_meta" {
            match body.get("hostvars") {
                Some(Value::Object(hv)) => meta = Some(hv),
                other => {
                    let found = other.map_or("nothing", type_name);
                    return Err(InventoryError::Script {
                        path: path.to_path_buf(),
                        reason: format!("`_meta.hostvars` is a {found}, not an object"),
                    });
                }
            }
            continue;
        }
        parse_group(model, &span, name, body, &mut hosts)?;
    }
    for host in hosts {
        let vars = match meta {
            Some(hv) => hv.get(&host).cloned().unwrap_or(Value::Null),
            None => match host_output(&host)? {
                Some(text) if !text.trim().is_empty() => json(path, &text)?,
                _ => Value::Null,
            },
        };
        match vars {
            Value::Null => {}
            Value::Object(map) => {
                for (k, v) in map {
                    model.set_variable(&host, &k, v).map_err(|p| InventoryError::syntax(span.clone(), p, host.clone()))?;
                }
            }
            other => {
                let problem = Problem::HostVarsNotMapping { host: host.clone(), found: type_name(&other) };
                return Err(InventoryError::syntax(span.clone(), problem, ""));
            }
        }
    }
    Ok(())
}

fn parse_group(model: &mut Model, span: &Span, name: &str, body: &Value, hosts: &mut Vec<String>) -> Result<(), InventoryError> {
    let group = model.add_group(name, Some(span));
    let wrapped;
    let body = match body {
        Value::Object(map) if ["hosts", "vars", "children"].iter().any(|k| map.contains_key(*k)) => body,
        // Legacy forms: a list of hosts, or a mapping of variables for a host of the group's name.
        Value::Object(_) => {
            wrapped = serde_json::json!({"hosts": [name], "vars": body});
            &wrapped
        }
        other => {
            wrapped = serde_json::json!({ "hosts": other });
            &wrapped
        }
    };
    let syntax = |p: Problem| InventoryError::syntax(span.clone(), p, name.to_string());
    if let Some(list) = body.get("hosts") {
        let Value::Array(list) = list else {
            return Err(syntax(Problem::ScriptBadHosts { group: name.to_string(), found: list.to_string() }));
        };
        for host in list {
            let host = match host {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            if !hosts.contains(&host) {
                hosts.push(host.clone());
            }
            model.add_host(&host, Some(group), None, None);
        }
    }
    if let Some(vars) = body.get("vars") {
        let Value::Object(vars) = vars else {
            return Err(syntax(Problem::VarsNotMapping(type_name(vars))));
        };
        for (k, v) in vars {
            model.set_variable(name, k, v.clone()).map_err(syntax)?;
        }
    }
    if let Some(Value::Array(children)) = body.get("children") {
        for child in children {
            let child = child.as_str().map_or_else(|| child.to_string(), str::to_string);
            model.add_group(&child, Some(span));
            model.add_child(group, &child).map_err(syntax)?;
        }
    }
    Ok(())
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}
