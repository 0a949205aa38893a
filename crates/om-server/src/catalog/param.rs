//! Typed parameters (WEB-41): each validates what a browser, the API or a worker sent.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One parameter of an action's form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Param {
    pub name: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub help: String,
    #[serde(default = "yes")]
    pub required: bool,
    #[serde(flatten)]
    pub kind: ParamKind,
}

fn yes() -> bool {
    true
}

/// The parameter types.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ParamKind {
    Int {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        default: Option<i64>,
    },
    Enum {
        choices: Vec<EnumChoice>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        default: Option<String>,
    },
    String {
        /// A regular expression the whole value must match.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pattern: Option<String>,
        #[serde(default = "default_string_max")]
        max_length: usize,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        default: Option<String>,
    },
    Text {
        #[serde(default = "default_text_max")]
        max_length: usize,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        default: Option<String>,
    },
    Bool {
        #[serde(default)]
        default: bool,
    },
    /// Never stored with a job or an event.
    Secret {},
    /// A file of the platform's repository (`<data>/files`), with its destination.
    File { choices: Vec<FileChoice> },
}

fn default_string_max() -> usize {
    256
}
fn default_text_max() -> usize {
    65_536
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnumChoice {
    pub value: String,
    #[serde(default)]
    pub label: String,
    /// What reaches the command instead of `value` (`apache` → `httpd`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapped: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileChoice {
    pub value: String,
    #[serde(default)]
    pub label: String,
    /// Path under the repository directory.
    pub src: String,
    /// Absolute path on the host.
    pub dest: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<u32>,
}

/// Validated parameter values, by name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Values(pub BTreeMap<String, Value>);

impl Param {
    pub fn label(&self) -> &str {
        if self.label.is_empty() { &self.name } else { &self.label }
    }

    /// Checks the schema itself.
    pub fn check(&self) -> Result<(), String> {
        let name_ok = !self.name.is_empty()
            && self.name.len() <= 64
            && self.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !self.name.starts_with(|c: char| c.is_ascii_digit());
        if !name_ok {
            return Err("names are 1 to 64 letters, digits or `_`, not starting with a digit".into());
        }
        match &self.kind {
            ParamKind::Int { min: Some(a), max: Some(b), .. } if a > b => Err(format!("min {a} is above max {b}")),
            ParamKind::Enum { choices, .. } if choices.is_empty() => Err("an enum needs choices".into()),
            ParamKind::File { choices } if choices.is_empty() => Err("a file parameter needs choices".into()),
            ParamKind::File { choices }
                if choices.iter().any(|c| c.src.contains("..") || c.src.starts_with('/') || !c.dest.starts_with('/')) =>
            {
                Err("file sources are relative paths inside the repository without `..`; destinations are absolute".into())
            }
            ParamKind::String { pattern: Some(p), .. } => regex::Regex::new(p).map(|_| ()).map_err(|e| format!("pattern: {e}")),
            _ => Ok(()),
        }
    }

    /// The value to use for what the client sent (`None`: absent and optional).
    pub fn validate(&self, input: Option<&Value>) -> Result<Option<Value>, String> {
        let input = match input {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() && !matches!(self.kind, ParamKind::Text { .. }) => None,
            Some(v) => Some(v),
        };
        let Some(input) = input else {
            return match self.default_value() {
                Some(v) => Ok(Some(v)),
                None if self.required => Err("is required".into()),
                None => Ok(None),
            };
        };
        match &self.kind {
            ParamKind::Int { min, max, .. } => {
                let n = match input {
                    Value::Number(n) => n.as_i64().ok_or("must be a whole number")?,
                    Value::String(s) => parse_int(s).ok_or("must be a whole number")?,
                    _ => return Err("must be a whole number".into()),
                };
                if let Some(min) = min
                    && n < *min
                {
                    return Err(format!("must be at least {min}"));
                }
                if let Some(max) = max
                    && n > *max
                {
                    return Err(format!("must be at most {max}"));
                }
                Ok(Some(n.into()))
            }
            ParamKind::Enum { choices, .. } => {
                let s = input.as_str().ok_or("must be one of the choices")?;
                choices.iter().find(|c| c.value == s).map(|c| Some(c.value.clone().into())).ok_or_else(|| {
                    format!("must be one of {}", choices.iter().map(|c| format!("`{}`", c.value)).collect::<Vec<_>>().join(", "))
                })
            }
            ParamKind::String { pattern, max_length, .. } => {
                let s = input.as_str().ok_or("must be text")?;
                if s.chars().count() > *max_length {
                    return Err(format!("must have at most {max_length} characters"));
                }
                if s.chars().any(|c| c.is_control()) {
                    return Err("must not contain control characters".into());
                }
                if let Some(p) = pattern {
                    let re = regex::Regex::new(&format!("^(?:{p})$")).map_err(|e| format!("has a bad pattern: {e}"))?;
                    if !re.is_match(s) {
                        return Err(format!("must match `{p}`"));
                    }
                }
                Ok(Some(s.into()))
            }
            ParamKind::Text { max_length, .. } => {
                let s = input.as_str().ok_or("must be text")?;
                if s.chars().count() > *max_length {
                    return Err(format!("must have at most {max_length} characters"));
                }
                Ok(Some(s.into()))
            }
            ParamKind::Bool { .. } => match input {
                Value::Bool(b) => Ok(Some((*b).into())),
                Value::String(s) if ["true", "on", "1", "yes"].contains(&s.as_str()) => Ok(Some(true.into())),
                Value::String(s) if ["false", "off", "0", "no"].contains(&s.as_str()) => Ok(Some(false.into())),
                _ => Err("must be true or false".into()),
            },
            ParamKind::Secret {} => {
                let s = input.as_str().ok_or("must be text")?;
                if s.len() > 4096 {
                    return Err("must have at most 4096 bytes".into());
                }
                Ok(Some(s.into()))
            }
            ParamKind::File { choices } => {
                let s = input.as_str().ok_or("must be one of the files")?;
                choices.iter().find(|c| c.value == s).map(|c| Some(c.value.clone().into())).ok_or_else(|| "must be one of the files".into())
            }
        }
    }

    fn default_value(&self) -> Option<Value> {
        match &self.kind {
            ParamKind::Int { default, .. } => default.map(Value::from),
            ParamKind::Enum { default, .. } | ParamKind::String { default, .. } | ParamKind::Text { default, .. } => {
                default.clone().map(Value::from)
            }
            ParamKind::Bool { default } => Some((*default).into()),
            ParamKind::Secret {} | ParamKind::File { .. } => None,
        }
    }

    /// The value a template sees: an enum's mapped value, a file's destination.
    pub fn template_value(&self, value: &Value) -> Value {
        match (&self.kind, value.as_str()) {
            (ParamKind::Enum { choices, .. }, Some(s)) => {
                choices.iter().find(|c| c.value == s).and_then(|c| c.mapped.clone()).map(Value::from).unwrap_or_else(|| value.clone())
            }
            (ParamKind::File { choices }, Some(s)) => {
                choices.iter().find(|c| c.value == s).map(|c| Value::from(c.dest.clone())).unwrap_or_default()
            }
            _ => value.clone(),
        }
    }
}

/// Strict integers: an optional sign and digits, nothing else (`30; touch /tmp/x` is not 30).
fn parse_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines() -> Param {
        serde_json::from_value(serde_json::json!({"name": "lines", "type": "int", "min": 1, "max": 100, "default": 30})).expect("a param")
    }

    #[test]
    fn ints_are_strict_and_bounded() {
        let p = lines();
        assert_eq!(p.validate(Some(&"42".into())), Ok(Some(42.into())));
        assert_eq!(p.validate(None), Ok(Some(30.into())));
        for bad in ["0", "101", "abc", "30; touch /tmp/x", "3 0", "+5", ""] {
            let v = Value::from(bad);
            if bad.is_empty() {
                assert_eq!(p.validate(Some(&v)), Ok(Some(30.into())), "empty means the default");
            } else {
                assert!(p.validate(Some(&v)).is_err(), "{bad} must be refused");
            }
        }
    }

    #[test]
    fn strings_match_the_whole_pattern() {
        let p: Param = serde_json::from_value(serde_json::json!({"name": "unit", "type": "string", "pattern": "[a-z]+"})).expect("a param");
        assert!(p.validate(Some(&"nginx".into())).is_ok());
        assert!(p.validate(Some(&"nginx; reboot".into())).is_err());
        assert_eq!(p.validate(None), Err("is required".into()));
    }

    #[test]
    fn enums_accept_only_their_values_and_map_them() {
        let p: Param = serde_json::from_value(serde_json::json!({"name": "service", "type": "enum",
            "choices": [{"value": "nginx"}, {"value": "apache", "mapped": "httpd"}]}))
        .expect("a param");
        assert!(p.validate(Some(&"mysql".into())).is_err());
        let v = p.validate(Some(&"apache".into())).expect("valid").expect("a value");
        assert_eq!(p.template_value(&v), Value::from("httpd"));
    }
}
