//! Templates and the files they live in: YAML as Ansible reads it.
//!
//! [`yaml`] loads YAML with YAML 1.1 scalar resolution exactly as PyYAML does (`yes` is
//! `true`, `0644` is 420, `1:30` is 90) and keeps a [`om_core::Span`] on every node, so
//! inventories and playbooks can say `site.yml:12:7` in their errors.
//!
//! [`python`] prints values as Python does (`repr`, `json.dumps`), for output that matches
//! ansible-core's byte for byte.
//!
//! ```
//! let node = om_template::yaml::load("port: 0644\nenabled: yes\n", "vars.yml").unwrap();
//! assert_eq!(node.to_json(), serde_json::json!({"port": 420, "enabled": true}));
//! assert_eq!(node.get("port").unwrap().span.to_string(), "vars.yml:1:7");
//! ```

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod jinja;
pub mod python;
pub mod vault;
pub mod yaml;
