//! Where a template's variables come from: [`Layer`]s of raw values, lowest precedence
//! first, looked up from the top and templated lazily — the first time a name is used, in the
//! scope that uses it, then kept for the scope's lifetime.
//!
//! A layer's template-free values are converted once and shared by every scope holding the
//! layer (facts, inventory vars), so a thousand tasks do not convert the same facts a
//! thousand times. `hostvars` is a [`HostScopes`] behind an engine object.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use minijinja::Value;
use minijinja::value::{Enumerator, Object, ObjectRepr};
use om_core::Vars;
use serde_json::Value as Json;

use super::native;
use super::{Jinja, TemplateError};

/// Printed in place of a missing variable that reached a filter as text; a result holding
/// it is an undefined-variable error.
pub(crate) const MISSING_MARK: &str = "\u{1}om-undefined\u{1}";

/// One level of variables (inventory vars, play vars, task vars…); cheap to clone.
#[derive(Clone)]
pub struct Layer {
    inner: Arc<LayerData>,
}

struct LayerData {
    values: LayerValues,
    /// Template-free values, converted once.
    converted: Mutex<HashMap<String, Value>>,
}

enum LayerValues {
    Json(Vars),
    Native(Vec<(String, Value)>),
}

impl Layer {
    /// Raw variables as written (strings may hold templates).
    pub fn json(vars: Vars) -> Self {
        Self { inner: Arc::new(LayerData { values: LayerValues::Json(vars), converted: Mutex::new(HashMap::new()) }) }
    }

    /// Values already in engine form (`hostvars`, loop items that must not be templated).
    pub fn native(values: Vec<(String, Value)>) -> Self {
        Self { inner: Arc::new(LayerData { values: LayerValues::Native(values), converted: Mutex::new(HashMap::new()) }) }
    }

    pub fn contains(&self, name: &str) -> bool {
        match &self.inner.values {
            LayerValues::Json(vars) => vars.contains_key(name),
            LayerValues::Native(values) => values.iter().any(|(k, _)| k == name),
        }
    }

    fn keys(&self) -> Vec<String> {
        match &self.inner.values {
            LayerValues::Json(vars) => vars.keys().cloned().collect(),
            LayerValues::Native(values) => values.iter().map(|(k, _)| k.clone()).collect(),
        }
    }

    /// The raw JSON of `name`, for JSON layers.
    pub fn raw(&self, name: &str) -> Option<&Json> {
        match &self.inner.values {
            LayerValues::Json(vars) => vars.get(name),
            LayerValues::Native(_) => None,
        }
    }
}

impl fmt::Debug for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.keys()).finish()
    }
}

/// The variables one evaluation sees; cheap to clone.
#[derive(Clone)]
pub struct Scope {
    inner: Arc<ScopeData>,
}

struct ScopeData {
    jinja: Jinja,
    layers: Vec<Layer>,
    cache: Mutex<HashMap<String, Value>>,
    resolving: Mutex<Vec<String>>,
    failure: Mutex<Option<TemplateError>>,
}

impl fmt::Debug for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scope").field("layers", &self.inner.layers).finish()
    }
}

impl Scope {
    /// A scope over `layers`, lowest precedence first.
    pub fn new(jinja: &Jinja, layers: Vec<Layer>) -> Self {
        Self {
            inner: Arc::new(ScopeData {
                jinja: jinja.clone(),
                layers,
                cache: Mutex::new(HashMap::new()),
                resolving: Mutex::new(Vec::new()),
                failure: Mutex::new(None),
            }),
        }
    }

    /// The same layers with `layer` on top (loop items, a task's `vars`).
    pub fn with(&self, layer: Layer) -> Self {
        let mut layers = self.inner.layers.clone();
        layers.push(layer);
        Self::new(&self.inner.jinja, layers)
    }

    pub fn layers(&self) -> &[Layer] {
        &self.inner.layers
    }

    pub fn jinja(&self) -> &Jinja {
        &self.inner.jinja
    }

    /// Whether any layer defines `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.inner.layers.iter().any(|l| l.contains(name))
    }

    /// Every name defined in some layer, each once.
    pub fn names(&self) -> Vec<String> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for layer in &self.inner.layers {
            for k in layer.keys() {
                if seen.insert(k.clone()) {
                    out.push(k);
                }
            }
        }
        out
    }

    /// The templated value of `name`, as JSON.
    pub fn get_json(&self, name: &str) -> Result<Option<Json>, TemplateError> {
        match self.lookup(name) {
            Some(v) => Ok(Some(native::to_json(&v))),
            None => match self.take_failure() {
                Some(err) => Err(err),
                None => Ok(None),
            },
        }
    }

    /// The templated value of `name`; on a templating failure the error is kept for
    /// [`Scope::take_failure`] and the name reads as undefined.
    pub fn lookup(&self, name: &str) -> Option<Value> {
        if let Some(v) = self.inner.cache.lock().unwrap_or_else(|p| p.into_inner()).get(name) {
            return Some(v.clone());
        }
        let layer = self.inner.layers.iter().rev().find(|l| l.contains(name))?;
        let raw = match &layer.inner.values {
            LayerValues::Native(values) => return values.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone()),
            LayerValues::Json(vars) => vars.get(name)?,
        };
        if !native::needs_templating(raw) {
            let mut converted = layer.inner.converted.lock().unwrap_or_else(|p| p.into_inner());
            return Some(converted.entry(name.to_string()).or_insert_with(|| convert_plain(raw)).clone());
        }
        {
            let mut resolving = self.inner.resolving.lock().unwrap_or_else(|p| p.into_inner());
            if resolving.iter().any(|n| n == name) {
                let chain = resolving.join(" → ");
                drop(resolving);
                self.set_failure(TemplateError::Recursive { name: name.to_string(), chain: format!("{chain} → {name}") });
                return None;
            }
            resolving.push(name.to_string());
        }
        let result = self.inner.jinja.template_value(raw, self);
        self.inner.resolving.lock().unwrap_or_else(|p| p.into_inner()).retain(|n| n != name);
        match result {
            Ok(value) => {
                self.inner.cache.lock().unwrap_or_else(|p| p.into_inner()).insert(name.to_string(), value.clone());
                Some(value)
            }
            Err(err) => {
                let err = match err {
                    e @ (TemplateError::Recursive { .. } | TemplateError::InVariable { .. }) => e,
                    e => TemplateError::InVariable { name: name.to_string(), value: short(raw), source: Box::new(e) },
                };
                self.set_failure(err);
                None
            }
        }
    }

    fn set_failure(&self, err: TemplateError) {
        let mut failure = self.inner.failure.lock().unwrap_or_else(|p| p.into_inner());
        if failure.is_none() {
            *failure = Some(err);
        }
    }

    /// The error behind the last name that read as undefined because its value failed.
    pub(crate) fn take_failure(&self) -> Option<TemplateError> {
        self.inner.failure.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    /// The context value for one evaluation: names in `chained` that are missing read as a
    /// value whose attributes are undefined, so `a.b is defined` is false, as in Ansible.
    pub(crate) fn view(&self, chained: Arc<[String]>) -> Value {
        Value::from_object(View { scope: self.clone(), chained })
    }

    /// The first part of a dotted `path` that is not defined (`a`, or `a.b` when `a` has no
    /// `b`), or `None` when the whole path resolves.
    pub(crate) fn missing_part(&self, path: &str) -> Option<String> {
        let mut parts = path.split('.');
        let root = parts.next()?;
        let mut value = match self.lookup(root) {
            Some(v) => v,
            None => return Some(root.to_string()),
        };
        let mut seen = root.to_string();
        for part in parts {
            seen.push('.');
            seen.push_str(part);
            value = match value.get_attr(part) {
                Ok(v) if !v.is_undefined() => v,
                _ => return Some(seen),
            };
        }
        None
    }

    /// Defined names that look like `name` (a typo, another case).
    pub(crate) fn similar(&self, name: &str) -> Vec<String> {
        let lower = name.to_lowercase();
        let mut scored: Vec<(usize, String)> = self
            .names()
            .into_iter()
            .filter(|n| !n.starts_with("ansible_") || name.starts_with("ansible_"))
            .filter_map(|n| {
                let d = strsim::damerau_levenshtein(&lower, &n.to_lowercase());
                let close = d <= (name.len().max(3) / 3).max(1) || (n.len() > 3 && (n.contains(name) || name.contains(n.as_str())));
                close.then_some((d, n))
            })
            .collect();
        scored.sort();
        scored.into_iter().take(3).map(|(_, n)| n).collect()
    }
}

/// A template-free raw value in engine form; `!unsafe` text as plain text.
fn convert_plain(raw: &Json) -> Value {
    match native::unsafe_text(raw) {
        Some(text) => Value::from(text),
        None if contains_unsafe(raw) => match raw {
            Json::Array(items) => Value::from(items.iter().map(convert_plain).collect::<Vec<_>>()),
            Json::Object(map) => Value::from_iter(map.iter().map(|(k, v)| (Value::from(k.as_str()), convert_plain(v)))),
            other => native::from_json(other),
        },
        None => native::from_json(raw),
    }
}

fn contains_unsafe(raw: &Json) -> bool {
    match raw {
        Json::Object(map) => native::unsafe_text(raw).is_some() || map.values().any(contains_unsafe),
        Json::Array(items) => items.iter().any(contains_unsafe),
        _ => false,
    }
}

fn short(raw: &Json) -> String {
    let text = match raw {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.chars().count() > 120 { format!("{}…", text.chars().take(120).collect::<String>()) } else { text }
}

/// The engine's view of a scope during one evaluation.
#[derive(Debug)]
struct View {
    scope: Scope,
    chained: Arc<[String]>,
}

impl Object for View {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let name = key.as_str()?;
        if let Some(v) = self.scope.lookup(name) {
            return Some(v);
        }
        if name == super::lookup::SCOPE_VAR {
            return Some(Value::from_object(super::lookup::ScopeHandle(self.scope.clone())));
        }
        if name == "vars" {
            return Some(Value::from_object(View { scope: self.scope.clone(), chained: Arc::from(Vec::new()) }));
        }
        self.chained.iter().any(|c| c == name).then(|| Value::from_object(Missing(name.to_string())))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(self.scope.names().into_iter().map(Value::from).collect())
    }
}

/// A variable that is not defined but is reached through attributes (`a.b is defined`).
#[derive(Debug)]
pub(crate) struct Missing(pub String);

impl Missing {
    /// The name of the missing variable.
    pub(crate) fn name(&self) -> &str {
        &self.0
    }
}

impl Object for Missing {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn get_value(self: &Arc<Self>, _key: &Value) -> Option<Value> {
        None
    }

    fn is_true(self: &Arc<Self>) -> bool {
        false
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result
    where
        Self: Sized + 'static,
    {
        f.write_str(MISSING_MARK)
    }
}

/// Whether `value` is a missing variable reached through attributes.
pub(crate) fn is_missing(value: &Value) -> bool {
    value.downcast_object_ref::<Missing>().is_some_and(|m| !m.name().is_empty())
}

/// Every host's variables, for `hostvars` (PLAY-22).
pub trait HostScopes: Send + Sync + 'static {
    /// The scope of `host`, or `None` when there is no such host.
    fn scope(&self, host: &str) -> Option<Scope>;
    /// Every host name, in inventory order.
    fn hosts(&self) -> Vec<String>;
}

/// `hostvars` as an engine value: `hostvars[h].x` is `x` as host `h` sees it.
pub fn hostvars(hosts: Arc<dyn HostScopes>) -> Value {
    Value::from_object(HostVars { hosts })
}

struct HostVars {
    hosts: Arc<dyn HostScopes>,
}

impl fmt::Debug for HostVars {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("hostvars")
    }
}

impl Object for HostVars {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let scope = self.hosts.scope(key.as_str()?)?;
        Some(scope.view(Arc::from(Vec::new())))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(self.hosts.hosts().into_iter().map(Value::from).collect())
    }
}
