//! Validated module arguments: canonical names, defaults filled in, values coerced.

use serde_json::Value;

use crate::Schema;
use om_core::Vars;

/// A module's arguments after [`Schema::validate`]: every accessor can rely on the types the
/// schema declared, so a missing or mistyped value reads as absent rather than panicking.
#[derive(Debug, Clone)]
pub struct Args {
    schema: &'static Schema,
    values: Vars,
    warnings: Vec<String>,
}

impl Args {
    pub(crate) fn new(schema: &'static Schema, values: Vars, warnings: Vec<String>) -> Self {
        Self { schema, values, warnings }
    }

    pub fn schema(&self) -> &'static Schema {
        self.schema
    }

    /// The arguments as a JSON map (for `invocation`), secrets masked.
    pub fn to_invocation(&self) -> Vars {
        let mut out = self.values.clone();
        for p in self.schema.params.iter().filter(|p| p.no_log) {
            if let Some(v) = out.get_mut(p.name) {
                *v = Value::from("VALUE_SPECIFIED_IN_NO_LOG_PARAMETER");
            }
        }
        out
    }

    /// The normalised arguments as a JSON map.
    pub fn into_vars(self) -> Vars {
        self.values
    }

    pub fn vars(&self) -> &Vars {
        &self.values
    }

    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    pub fn value(&self, name: &str) -> Option<&Value> {
        self.values.get(name).filter(|v| !v.is_null())
    }

    pub fn has(&self, name: &str) -> bool {
        self.value(name).is_some()
    }

    pub fn str(&self, name: &str) -> Option<&str> {
        self.value(name).and_then(Value::as_str)
    }

    /// A string argument the schema marks required (or defaults); empty when absent.
    pub fn string(&self, name: &str) -> String {
        self.str(name).unwrap_or_default().to_string()
    }

    pub fn bool(&self, name: &str) -> bool {
        self.value(name).and_then(crate::schema::to_bool).unwrap_or(false)
    }

    /// A boolean that stays unknown when not given (`enabled`, `append`…).
    pub fn opt_bool(&self, name: &str) -> Option<bool> {
        self.value(name).and_then(crate::schema::to_bool)
    }

    pub fn int(&self, name: &str) -> Option<i64> {
        self.value(name).and_then(Value::as_i64)
    }

    pub fn float(&self, name: &str) -> Option<f64> {
        self.value(name).and_then(Value::as_f64)
    }

    pub fn list(&self, name: &str) -> Vec<String> {
        match self.value(name) {
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    pub fn dict(&self, name: &str) -> Option<&Vars> {
        self.value(name).and_then(Value::as_object)
    }

    /// Sets a value after validation (a module that derives one argument from another).
    pub fn set(&mut self, name: &str, value: Value) {
        self.values.insert(name.to_string(), value);
    }
}
