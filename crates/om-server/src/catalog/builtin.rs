//! The example catalog (WEB-45) and the repository files it refers to.

use std::path::Path;

use serde::Deserialize;

use super::ActionDef;
use crate::error::ApiError;

#[derive(Deserialize)]
struct Catalog {
    action: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    id: i64,
    #[serde(flatten)]
    def: toml::Table,
}

/// The built-in actions with their fixed ids.
pub fn builtin_actions() -> Vec<(i64, ActionDef)> {
    let catalog: Catalog = toml::from_str(include_str!("builtin.toml")).expect("the built-in catalog parses");
    catalog
        .action
        .into_iter()
        .map(|e| {
            let value = serde_json::to_value(&e.def).expect("TOML converts to JSON");
            (e.id, ActionDef::parse(&value).expect("built-in actions are valid"))
        })
        .collect()
}

/// Placeholder repository files for the file actions, written only where none exist.
const REPOSITORY: &[(&str, &str)] = &[
    ("files/nginx/nginx.init", "#!/bin/sh\n# nginx init script placeholder: replace with your own\n"),
    ("files/nginx/nginx.conf", "# nginx.conf placeholder: replace with your own\n"),
    ("files/haproxy/haproxy.cfg", "# haproxy.cfg placeholder: replace with your own\n"),
    ("files/syslog/rsyslog.conf", "# rsyslog.conf placeholder: replace with your own\n"),
    ("files/sysctl/sysctl.conf", "# sysctl.conf placeholder: replace with your own\n"),
    ("files/resin/resin.conf", "<!-- resin.conf placeholder: replace with your own -->\n"),
    ("files/resin/httpd.sh", "#!/bin/sh\n# resin httpd.sh placeholder: replace with your own\n"),
    ("files/resin/resin.jar", "placeholder\n"),
    ("playbooks/ping.yml", "- hosts: all\n  gather_facts: false\n  tasks:\n    - name: ping\n      ping:\n"),
];

/// Writes the example repository files into the data directory.
pub fn install_examples(data_dir: &Path) -> Result<(), ApiError> {
    for (rel, text) in REPOSITORY {
        let path = data_dir.join(rel);
        if path.exists() {
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| ApiError::Internal(format!("cannot create {}: {e}", parent.display())))?;
        }
        std::fs::write(&path, text).map_err(|e| ApiError::Internal(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_book_catalog_is_valid_and_numbered_from_1001() {
        let actions = builtin_actions();
        assert_eq!(actions.iter().map(|(id, _)| *id).collect::<Vec<_>>(), (1001..=1008).collect::<Vec<_>>());
        let restart = &actions[6].1;
        assert_eq!(restart.danger, "confirm");
        let values = restart.validate(serde_json::json!({"service": "apache"}).as_object().expect("object")).expect("valid");
        let rendered = restart.render(&values, &serde_json::json!({}), &serde_json::json!({})).expect("renders");
        let super::super::render::Rendered::Exec { command, .. } = rendered else { panic!("exec") };
        assert!(command.ends_with("om-restart httpd"), "{command}");
    }
}
