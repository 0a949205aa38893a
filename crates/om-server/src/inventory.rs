//! CMDB import and export: Ansible INI inventories in (each group becomes an application
//! category under one function category) and out, the book's OManager XML asset files in
//! (`ServerOptioninfo.xml` and `Serverinfo.xml`), and JSON server lists.
//!
//! The INI reader covers hosts, `key=value` host variables and `[group:vars]`; `children`
//! sections are ignored because the CMDB hierarchy has two fixed levels.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use om_store::{ServerFilter, ServerInput};

use crate::error::ApiError;
use crate::state::AppState;

/// One server to import, with the category names it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportEntry {
    pub hostname: String,
    pub fun_category: String,
    pub app_category: String,
    #[serde(default)]
    pub vars: serde_json::Map<String, Value>,
    #[serde(default)]
    pub ip_external: String,
    #[serde(default)]
    pub os: String,
}

/// Reads an Ansible INI inventory.
pub fn parse_ini(text: &str, fun_category: &str) -> Result<Vec<ImportEntry>, ApiError> {
    let mut entries: Vec<ImportEntry> = Vec::new();
    let mut group_vars: Vec<(String, String, Value)> = Vec::new();
    let mut section = ("ungrouped".to_string(), "hosts");
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = match name.split_once(':') {
                Some((g, "vars")) => (g.to_string(), "vars"),
                Some((g, "children")) => (g.to_string(), "children"),
                Some(_) => return Err(ApiError::invalid("text", format!("line {}: unknown section `[{name}]`", n + 1))),
                None => (name.to_string(), "hosts"),
            };
            continue;
        }
        let words = shell_words::split(line).map_err(|e| ApiError::invalid("text", format!("line {}: {e}", n + 1)))?;
        match section.1 {
            "hosts" => {
                let Some((host, rest)) = words.split_first() else { continue };
                let mut vars = serde_json::Map::new();
                for kv in rest {
                    let (k, v) =
                        kv.split_once('=').ok_or_else(|| ApiError::invalid("text", format!("line {}: `{kv}` is not key=value", n + 1)))?;
                    vars.insert(k.to_string(), scalar(v));
                }
                // A host in several groups is one server: its first group is its category.
                match entries.iter_mut().find(|e| &e.hostname == host) {
                    Some(existing) => {
                        for (k, v) in vars {
                            existing.vars.entry(k).or_insert(v);
                        }
                    }
                    None => entries.push(ImportEntry {
                        hostname: host.clone(),
                        fun_category: fun_category.to_string(),
                        app_category: section.0.clone(),
                        vars,
                        ip_external: String::new(),
                        os: String::new(),
                    }),
                }
            }
            "vars" => {
                let (k, v) =
                    line.split_once('=').ok_or_else(|| ApiError::invalid("text", format!("line {}: expected key=value", n + 1)))?;
                group_vars.push((section.0.clone(), k.trim().to_string(), scalar(v.trim().trim_matches(|c| c == '\'' || c == '"'))));
            }
            _ => {}
        }
    }
    for (group, k, v) in group_vars {
        for e in entries.iter_mut().filter(|e| e.app_category == group || group == "all") {
            e.vars.entry(k.clone()).or_insert(v.clone());
        }
    }
    Ok(entries)
}

/// Reads the book's OManager asset files: categories (`<AppClass id="N">`) from
/// `ServerOptioninfo.xml`, servers from `Serverinfo.xml` (fields by element name, else in the
/// book's order). Each category is a function category, each server's application an
/// application category under it; the IDC is kept as the `location` variable.
pub fn parse_omanager(categories_xml: &str, servers_xml: &str) -> Result<Vec<ImportEntry>, ApiError> {
    use om_inventory::{Hierarchy, ServerField};
    let tree =
        Hierarchy::from_omanager_xml("ServerOptioninfo.xml", categories_xml, "Serverinfo.xml", servers_xml, &ServerField::DEFAULT_ORDER)
            .map_err(|e| ApiError::invalid("text", e.to_string()))?;
    let mut entries = Vec::new();
    for category in &tree.categories {
        for app in &category.applications {
            for server in &app.servers {
                let mut vars = serde_json::Map::new();
                if let Some(ip) = &server.ip_internal {
                    vars.insert("ansible_host".into(), ip.clone().into());
                }
                if let Some(location) = &server.location {
                    vars.insert("location".into(), location.clone().into());
                }
                entries.push(ImportEntry {
                    hostname: server.hostname.clone(),
                    fun_category: category.name.clone(),
                    app_category: app.name.clone(),
                    vars,
                    ip_external: server.ip_external.clone().unwrap_or_default(),
                    os: server.os.clone().unwrap_or_default(),
                });
            }
        }
    }
    Ok(entries)
}

fn scalar(v: &str) -> Value {
    v.parse::<i64>().map(Value::from).unwrap_or_else(|_| Value::from(v))
}

/// Creates categories as needed and creates or updates each server (by hostname).
pub async fn import(state: &AppState, entries: &[ImportEntry], zone: &str) -> Result<Value, ApiError> {
    let (mut created, mut updated, mut categories) = (0, 0, 0);
    for e in entries {
        let funs = state.store.fun_categories().await?;
        let fun = match funs.into_iter().find(|f| f.name == e.fun_category) {
            Some(f) => f,
            None => {
                categories += 1;
                state.store.create_fun_category(&e.fun_category, "", 0).await?
            }
        };
        let apps = state.store.app_categories(Some(fun.id)).await?;
        let app = match apps.into_iter().find(|a| a.name == e.app_category) {
            Some(a) => a,
            None => {
                categories += 1;
                state.store.create_app_category(fun.id, &e.app_category, "").await?
            }
        };
        let mut vars = e.vars.clone();
        let host = vars.get("ansible_host").and_then(Value::as_str).map(str::to_string);
        let ip_internal = host.filter(|h| h.parse::<std::net::IpAddr>().is_ok()).unwrap_or_default();
        if !ip_internal.is_empty() {
            vars.remove("ansible_host");
        }
        let ssh_port =
            vars.remove("ansible_port").and_then(|p| p.as_i64().or_else(|| p.as_str().and_then(|s| s.parse().ok()))).unwrap_or(22);
        let ssh_user = vars.remove("ansible_user").and_then(|u| u.as_str().map(str::to_string)).unwrap_or_default();
        let input = ServerInput {
            hostname: e.hostname.clone(),
            ip_internal,
            ip_external: e.ip_external.clone(),
            os: e.os.clone(),
            app_category_id: app.id,
            zone: zone.to_string(),
            status: "active".into(),
            ssh_user,
            ssh_port,
            tags: Vec::new(),
            vars,
            enabled: true,
            source: "import".into(),
        };
        crate::routes::check_server(&input)?;
        match state.store.server_by_name(&e.hostname).await? {
            Some(existing) => {
                state.store.update_server(existing.id, &input).await?;
                updated += 1;
            }
            None => {
                state.store.create_server(&input).await?;
                created += 1;
            }
        }
    }
    Ok(
        json!({"created": created, "updated": updated, "categories_created": categories, "servers": state.store.servers(&ServerFilter::default()).await?.len()}),
    )
}

/// An Ansible INI inventory from the dynamic-inventory JSON of the CMDB.
pub fn to_ini(inventory: &Value) -> String {
    let mut out = String::from("# om CMDB export\n");
    let hostvars = inventory.pointer("/_meta/hostvars").and_then(Value::as_object).cloned().unwrap_or_default();
    let Some(groups) = inventory.as_object() else { return out };
    for (name, group) in groups.iter().filter(|(n, _)| *n != "_meta") {
        if let Some(hosts) = group.get("hosts").and_then(Value::as_array) {
            out.push_str(&format!("\n[{name}]\n"));
            for h in hosts.iter().filter_map(Value::as_str) {
                let mut line = h.to_string();
                if let Some(Value::Object(vars)) = hostvars.get(h) {
                    for (k, v) in vars {
                        let text = match v {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        line.push_str(&format!(" {k}={}", shell_words::quote(&text)));
                    }
                }
                out.push_str(&line);
                out.push('\n');
            }
        }
        if let Some(children) = group.get("children").and_then(Value::as_array) {
            out.push_str(&format!("\n[{name}:children]\n"));
            for c in children.iter().filter_map(Value::as_str) {
                out.push_str(c);
                out.push('\n');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_groups_become_application_categories_with_their_vars() {
        let text = "[web]\nweb1 ansible_host=127.0.0.2 ansible_port=2222\nweb2\n\n[web:vars]\nansible_user=ops\n\n[all:children]\nweb\n\n[lb]\nweb1\n";
        let entries = parse_ini(text, "Lab").expect("parses");
        assert_eq!(entries.len(), 2);
        assert_eq!((entries[0].app_category.as_str(), entries[0].fun_category.as_str()), ("web", "Lab"));
        assert_eq!(entries[0].vars["ansible_port"], 2222);
        assert_eq!(entries[1].vars["ansible_user"], "ops");
    }
}
