//! Module argument schemas (RUN-3). Every module's schema is declared once, in om-modules,
//! beside the module (native ones) or as a schema only (the controller-side `raw`,
//! `script`, `async_status`, `debug`); the executor validates with them.

pub use om_modules::schema::{ArgsError as SchemaError, Param, Schema, Type};

/// Ansible's booleans: yes/no, true/false, on/off, 1/0, y/n, in any case.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "yes" | "true" | "on" | "1" | "y" | "t" => Some(true),
        "no" | "false" | "off" | "0" | "n" | "f" | "" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use om_core::Vars;
    use serde_json::Value;

    static SCHEMA: Schema = Schema::new(
        "copy",
        "",
        &[
            Param::path("dest").required(),
            Param::path("src"),
            Param::str("content"),
            Param::bool("force", true).aliases(&["thirsty"]),
            Param::str("state").choices(&["file", "absent"]),
        ],
    )
    .exclusive(&[&["src", "content"]]);

    fn vars(pairs: &[(&str, &str)]) -> Vars {
        pairs.iter().map(|(k, v)| ((*k).to_string(), Value::String((*v).into()))).collect()
    }

    #[test]
    fn unknown_parameters_get_ansibles_message() {
        let err = SCHEMA.validate(&vars(&[("dest", "/x"), ("zzz", "1"), ("aaa", "2")])).expect_err("rejects");
        assert_eq!(
            err.to_string(),
            "Unsupported parameters for (copy) module: aaa, zzz. Supported parameters include: content, dest, force, src, state, thirsty."
        );
    }

    #[test]
    fn aliases_defaults_and_booleans() {
        let out = SCHEMA.validate(&vars(&[("dest", "/x"), ("thirsty", "no")])).expect("valid").into_vars();
        assert_eq!(out["force"], false);
        let out = SCHEMA.validate(&vars(&[("dest", "/x")])).expect("valid").into_vars();
        assert_eq!(out["force"], true);
    }

    #[test]
    fn required_exclusive_and_choices() {
        assert!(matches!(SCHEMA.validate(&vars(&[])), Err(SchemaError::Missing { .. })));
        assert!(matches!(
            SCHEMA.validate(&vars(&[("dest", "/x"), ("src", "a"), ("content", "b")])),
            Err(SchemaError::MutuallyExclusive { .. })
        ));
        assert!(matches!(SCHEMA.validate(&vars(&[("dest", "/x"), ("state", "gone")])), Err(SchemaError::Choice { .. })));
    }
}
