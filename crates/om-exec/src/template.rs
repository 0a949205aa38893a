//! Minimal templating of module arguments: `{{ name }}` and `{{ name.key }}` from the host's
//! variables plus `inventory_hostname`, `inventory_hostname_short` and `group_names`. Full
//! Jinja (filters, tests, blocks) comes with playbooks (om-template).

use om_core::{Host, Vars};
use serde_json::Value;

/// An expression this minimal engine cannot evaluate, or a variable that is not defined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("'{name}' is undefined")]
    Undefined { name: String },
    #[error("`{{{{ {expr} }}}}` needs full Jinja, which ad-hoc runs do not have yet; use a plain variable name")]
    Unsupported { expr: String },
}

/// The variables a host's arguments are rendered with.
pub fn host_context(host: &Host) -> Vars {
    let mut vars = host.vars.clone();
    vars.insert("inventory_hostname".into(), host.name.clone().into());
    let short = host.name.split('.').next().unwrap_or(&host.name).to_string();
    vars.insert("inventory_hostname_short".into(), short.into());
    vars.insert("group_names".into(), host.groups.clone().into());
    vars
}

/// Renders every string inside `args`.
pub fn render_args(args: &Vars, vars: &Vars) -> Result<Vars, TemplateError> {
    args.iter().map(|(k, v)| Ok((k.clone(), render_value(v, vars)?))).collect()
}

fn render_value(value: &Value, vars: &Vars) -> Result<Value, TemplateError> {
    Ok(match value {
        Value::String(s) => Value::String(render(s, vars)?),
        Value::Array(items) => Value::Array(items.iter().map(|v| render_value(v, vars)).collect::<Result<_, _>>()?),
        Value::Object(map) => Value::Object(render_args(map, vars)?),
        other => other.clone(),
    })
}

/// Renders one string.
pub fn render(text: &str, vars: &Vars) -> Result<String, TemplateError> {
    if !text.contains("{{") {
        return Ok(text.to_string());
    }
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let expr = after[..end].trim();
        out.push_str(&lookup(expr, vars)?);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

fn lookup(expr: &str, vars: &Vars) -> Result<String, TemplateError> {
    let simple = !expr.is_empty() && expr.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    if !simple {
        return Err(TemplateError::Unsupported { expr: expr.to_string() });
    }
    let mut parts = expr.split('.');
    let first = parts.next().unwrap_or_default();
    let mut value = vars.get(first).ok_or_else(|| TemplateError::Undefined { name: first.to_string() })?;
    for part in parts {
        value = match value {
            Value::Object(map) => map.get(part),
            Value::Array(items) => part.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        }
        .ok_or_else(|| TemplateError::Undefined { name: expr.to_string() })?;
    }
    Ok(match value {
        Value::String(s) => s.clone(),
        Value::Bool(b) => if *b { "True" } else { "False" }.to_string(),
        Value::Null => "None".to_string(),
        other => other.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_and_vars_substitute() {
        let mut h = Host::new("web1.example.com");
        h.vars.insert("port".into(), 8080.into());
        h.vars.insert("app".into(), serde_json::json!({"name": "shop"}));
        let vars = host_context(&h);
        assert_eq!(render("{{ inventory_hostname_short }}:{{port}}/{{ app.name }}", &vars).expect("renders"), "web1:8080/shop");
    }

    #[test]
    fn undefined_and_unsupported_are_errors() {
        let vars = host_context(&Host::new("h"));
        assert_eq!(render("{{ nope }}", &vars), Err(TemplateError::Undefined { name: "nope".into() }));
        assert!(matches!(render("{{ a | upper }}", &vars), Err(TemplateError::Unsupported { .. })));
    }
}
