//! YAML and JSON inventories, read as ansible-core's `yaml` plugin reads them (INV-20):
//! a mapping of groups, each with optional `hosts`, `vars` and `children`.

use std::sync::Arc;

use om_core::Span;
use om_template::yaml::{Node, Value as Yaml, YamlError, YamlWarning, load_document};
use serde_json::Value;

use crate::address::{expand_hostname_range, parse_address};
use crate::error::{InventoryError, Problem, Warning};
use crate::model::{GroupId, Model};

/// A YAML or JSON file's data as Ansible's `DataLoader` reads it: JSON first (so `1e3` in a
/// `.json` file is a number), YAML 1.1 otherwise.
pub(crate) fn load_data(text: &str, file: &Arc<str>) -> Result<(Node, Vec<YamlWarning>), YamlError> {
    if text.trim_start().starts_with(['{', '[', '"'])
        && let Ok(value) = serde_json::from_str::<Value>(text)
    {
        return Ok((Node::from_json(&value, &Span::new(file.clone(), 1, 1)), Vec::new()));
    }
    let doc = load_document(text, file)?;
    Ok((doc.root, doc.warnings))
}

pub(crate) fn parse(model: &mut Model, text: &str, file: &Arc<str>) -> Result<(), InventoryError> {
    let (root, warnings) = load_data(text, file)?;
    model.warnings.extend(warnings.into_iter().map(Warning::Yaml));
    let Some(groups) = root.as_map() else {
        if is_falsy(&root) {
            return Err(InventoryError::syntax(root.span.clone(), Problem::EmptyYaml, ""));
        }
        return Err(InventoryError::syntax(root.span.clone(), Problem::NotAMapping(root.type_name()), root.to_string()));
    };
    if groups.is_empty() {
        return Err(InventoryError::syntax(root.span.clone(), Problem::EmptyYaml, ""));
    }
    if groups.get("plugin").is_some_and(|p| !is_falsy(p)) {
        return Err(InventoryError::syntax(root.span.clone(), Problem::PluginConfig, ""));
    }
    for (name, body) in groups.iter() {
        parse_group(model, name, body)?;
    }
    Ok(())
}

/// Python truthiness of a loaded value: `None`, `0`, `""`, `[]`, `{}` and `False` are false.
pub(crate) fn is_falsy(node: &Node) -> bool {
    match &node.inner().value {
        Yaml::Null => true,
        Yaml::Bool(b) => !b,
        Yaml::Int(i) => *i == 0,
        Yaml::Float(f) => *f == 0.0,
        Yaml::String(s) => s.is_empty(),
        Yaml::Seq(s) => s.is_empty(),
        Yaml::Map(m) => m.is_empty(),
        Yaml::Timestamp(_) | Yaml::Vault(_) | Yaml::Unsafe(_) => false,
    }
}

/// A mapping key as a Python `str` would print it in a variable name.
pub(crate) fn key_text(key: &Node) -> String {
    match &key.inner().value {
        Yaml::String(s) => s.clone(),
        _ => om_template::python::str(&key.to_json()),
    }
}

/// `_parse_group`: returns the group's name, which the caller adds as a child.
fn parse_group(model: &mut Model, name_node: &Node, body: &Node) -> Result<String, InventoryError> {
    let name = key_text(name_node);
    if !(body.is_null() || body.as_map().is_some()) {
        model.warnings.push(Warning::InvalidGroupDefinition { span: name_node.span.clone(), group: name.clone() });
        return Ok(name);
    }
    if name_node.as_str().is_none() {
        return Err(InventoryError::syntax(name_node.span.clone(), Problem::GroupNotString(name.clone()), name));
    }
    if name.is_empty() {
        return Err(InventoryError::syntax(name_node.span.clone(), Problem::EmptyGroup, ""));
    }
    let group = model.add_group(&name, Some(&name_node.span));
    let Some(sections) = body.as_map() else { return Ok(name) };
    for section in ["vars", "children", "hosts"] {
        if let Some(value) = sections.get(section)
            && !(value.is_null() || value.as_map().is_some() || value.as_str().is_some())
        {
            let problem = Problem::BadSection { section: section.into(), group: name.clone(), found: value.type_name() };
            return Err(InventoryError::syntax(value.span.clone(), problem, value.to_string()));
        }
    }
    for (key_node, value) in sections.iter() {
        let key = key_text(key_node);
        // A section given as a bare string means a one-key mapping.
        let one_key;
        let entries: Vec<(&Node, Option<&Node>)> = match (key.as_str(), value.as_str()) {
            ("vars" | "children" | "hosts", Some(_)) => {
                one_key = value.clone();
                vec![(&one_key, None)]
            }
            _ => match value.as_map() {
                Some(map) => map.iter().map(|(k, v)| (k, Some(v))).collect(),
                None if value.is_null() => continue,
                None => {
                    model.warnings.push(Warning::KeyNotMapping {
                        span: key_node.span.clone(),
                        key,
                        group: name.clone(),
                        found: value.type_name(),
                    });
                    continue;
                }
            },
        };
        match key.as_str() {
            "vars" => {
                for (var, v) in entries {
                    let v = v.map_or(Value::Null, Node::to_json);
                    set_variable(model, &name, var, v)?;
                }
            }
            "children" => {
                for (child_name, child_body) in entries {
                    let null = Node::new(Yaml::Null, child_name.span.clone());
                    let child = parse_group(model, child_name, child_body.unwrap_or(&null))?;
                    model.add_child(group, &child).map_err(|p| InventoryError::syntax(child_name.span.clone(), p, child.clone()))?;
                }
            }
            "hosts" => {
                for (pattern, host_vars) in entries {
                    parse_hosts(model, group, pattern, host_vars)?;
                }
            }
            _ => model.warnings.push(Warning::UnexpectedKey { span: key_node.span.clone(), key, group: name.clone() }),
        }
    }
    Ok(name)
}

fn set_variable(model: &mut Model, entity: &str, key: &Node, value: Value) -> Result<(), InventoryError> {
    model.set_variable(entity, &key_text(key), value).map_err(|p| InventoryError::syntax(key.span.clone(), p, key.to_string()))
}

fn parse_hosts(model: &mut Model, group: GroupId, pattern: &Node, vars: Option<&Node>) -> Result<(), InventoryError> {
    let Some(text) = pattern.as_str() else {
        let shown = key_text(pattern);
        return Err(InventoryError::syntax(pattern.span.clone(), Problem::HostNotString(shown.clone()), shown));
    };
    let (host, port) = parse_address(text).unwrap_or_else(|| (text.to_string(), None));
    let hosts = if host.contains('[') {
        expand_hostname_range(&host)
            .map_err(|reason| InventoryError::syntax(pattern.span.clone(), Problem::BadRange { pattern: text.to_string(), reason }, text))?
    } else {
        vec![host]
    };
    let vars = vars.filter(|v| !is_falsy(v));
    let entries: Vec<(&Node, &Node)> = match vars {
        None => Vec::new(),
        Some(v) => match v.as_map() {
            Some(map) => map.iter().collect(),
            None => {
                let problem = Problem::HostVarsNotMapping { host: text.to_string(), found: v.type_name() };
                return Err(InventoryError::syntax(v.span.clone(), problem, v.to_string()));
            }
        },
    };
    for host in hosts {
        if host.is_empty() {
            return Err(InventoryError::syntax(pattern.span.clone(), Problem::EmptyHost, text));
        }
        model.add_host(&host, Some(group), port, Some(&pattern.span));
        for (k, v) in &entries {
            set_variable(model, &host, k, v.to_json())?;
        }
    }
    Ok(())
}
