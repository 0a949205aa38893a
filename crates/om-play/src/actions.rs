//! The actions om-play runs on the controller (`debug`, `set_fact`, `assert`, `fail`,
//! `meta`, `pause`, `group_by`, `add_host`, `include_vars`) and module-name handling for the
//! rest, which run through om-exec's dispatch.

use om_core::Vars;
use serde_json::Value as Json;

/// Actions that never reach a host.
pub const CONTROLLER: &[&str] = &["debug", "set_fact", "assert", "fail", "meta", "pause", "group_by", "add_host", "include_vars"];

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
                _ if module == "include_vars" && !text.contains('=') => {
                    Ok([("file".to_string(), Json::String(text.trim().to_string()))].into_iter().collect())
                }
                _ => om_core::parse_free_form(text, None).map_err(|e| e.to_string()),
            }
        }
        other => Err(format!("module arguments must be a mapping or `key=value` text, not `{other}`")),
    }
}
