//! Jinja as ansible-core 2.19 configures it: minijinja with Ansible's filters, tests and
//! lookups, Python's printing, strict undefined variables and native result types.
//!
//! A [`Jinja`] is built once per run and shared. Variables come from a [`Scope`]: layers of
//! raw values (lowest precedence first) that are templated lazily, the first time a name is
//! used, for the host in hand (PLAY-21). [`Jinja::template`] renders every string inside a
//! value: a string that is exactly one `{{ expr }}` keeps the expression's type, any other
//! string becomes text (PLAY-23). [`Jinja::condition`] evaluates a `when`, which must give a
//! boolean (PLAY-26). [`Jinja::render_file`] renders a `template` source with
//! `trim_blocks` and the trailing newline kept.
//!
//! ```
//! use om_template::jinja::{Jinja, Layer, Scope};
//! let jinja = Jinja::new();
//! let vars = serde_json::json!({"port": 8080, "url": "http://web:{{ port }}/", "ports": "{{ [port, port + 1] }}"});
//! let scope = Scope::new(&jinja, vec![Layer::json(vars.as_object().unwrap().clone())]);
//! assert_eq!(jinja.template(&"{{ url }}".into(), &scope).unwrap(), "http://web:8080/");
//! assert_eq!(jinja.template(&"{{ ports }}".into(), &scope).unwrap(), serde_json::json!([8080, 8081]));
//! assert!(jinja.condition("port > 80", &scope).unwrap());
//! ```

mod error;
mod filters;
mod lookup;
mod methods;
mod native;
mod predicates;
mod scope;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};

use minijinja::value::ValueKind;
use minijinja::{Environment, UndefinedBehavior};
use serde_json::Value as Json;

pub use error::TemplateError;
pub use lookup::query;
pub use minijinja::Value;
pub use native::{from_json, has_template, python_str, to_json};
pub use scope::{HostScopes, Layer, Scope, hostvars};

use crate::vault::VaultSecret;

/// The value of `omit`: an argument templated to it is left out of the module call.
pub const OMIT: &str = "__omit_place_holder__9f31c0c5a1f4b2d7";

/// How a `template` source is rendered (the module's options and a `#jinja2:` first line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileOptions {
    pub trim_blocks: bool,
    pub lstrip_blocks: bool,
}

impl Default for FileOptions {
    fn default() -> Self {
        Self { trim_blocks: true, lstrip_blocks: false }
    }
}

/// The templating engine of a run; cheap to clone.
#[derive(Clone)]
pub struct Jinja {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    /// Index: `trim_blocks as usize * 2 + lstrip_blocks as usize`.
    envs: [OnceLock<Environment<'static>>; 4],
    vault: Vec<VaultSecret>,
    /// For each template text: the variables it reaches through attributes (`a` in `a.b`).
    chained: Mutex<HashMap<String, Arc<[String]>>>,
    weak: Weak<Inner>,
}

impl Default for Jinja {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Jinja {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jinja").field("vault_secrets", &self.inner.vault.len()).finish()
    }
}

impl Jinja {
    pub fn new() -> Self {
        Self::with_vault(Vec::new())
    }

    /// An engine that decrypts `!vault` values and vault files with these secrets.
    pub fn with_vault(vault: Vec<VaultSecret>) -> Self {
        let inner =
            Arc::new_cyclic(|weak| Inner { envs: Default::default(), vault, chained: Mutex::new(HashMap::new()), weak: weak.clone() });
        Self { inner }
    }

    pub(crate) fn from_inner(inner: Arc<Inner>) -> Self {
        Self { inner }
    }

    pub fn vault(&self) -> &[VaultSecret] {
        &self.inner.vault
    }

    fn env(&self, options: FileOptions) -> &Environment<'static> {
        let index = options.trim_blocks as usize * 2 + options.lstrip_blocks as usize;
        self.inner.envs[index].get_or_init(|| build_env(self.inner.weak.clone(), options))
    }

    /// Renders every string inside `value` (recursively), each in `scope`.
    pub fn template(&self, value: &Json, scope: &Scope) -> Result<Json, TemplateError> {
        if !native::needs_templating(value) {
            return Ok(value.clone());
        }
        Ok(to_json(&self.template_value(value, scope)?))
    }

    /// [`Jinja::template`] into an engine value.
    pub(crate) fn template_value(&self, value: &Json, scope: &Scope) -> Result<Value, TemplateError> {
        match value {
            Json::String(text) => self.render_str(text, scope),
            Json::Array(items) => Ok(Value::from(items.iter().map(|v| self.template_value(v, scope)).collect::<Result<Vec<_>, _>>()?)),
            Json::Object(map) => {
                if let Some(text) = native::unsafe_text(value) {
                    return Ok(Value::from(text));
                }
                if let Some(cipher) = native::vault_text(value) {
                    return crate::vault::decrypt_str(cipher, &self.inner.vault).map(Value::from).map_err(TemplateError::Vault);
                }
                let mut out = Vec::with_capacity(map.len());
                for (k, v) in map {
                    out.push((Value::from(k.as_str()), self.template_value(v, scope)?));
                }
                Ok(Value::from_iter(out))
            }
            other => Ok(from_json(other)),
        }
    }

    /// One string: text without `{{`/`{%` as it is, a lone `{{ expr }}` as the expression's
    /// value, anything else as rendered text.
    pub fn render_str(&self, text: &str, scope: &Scope) -> Result<Value, TemplateError> {
        if !native::has_template(text) {
            return Ok(Value::from(text));
        }
        let env = self.env(FileOptions::default());
        if let Some(expr) = native::lone_expression(text)
            && let Ok(compiled) = compile_expression(env, expr)
        {
            let ctx = scope.view(self.chained(text, || compiled.undeclared_variables(true)));
            let value = compiled.eval(ctx).map_err(|e| self.failure(e, text, scope))?;
            return self.checked(value, text, scope);
        }
        let template = env.template_from_str(text).map_err(|e| TemplateError::from_minijinja(&e, text))?;
        let ctx = scope.view(self.chained(text, || template.undeclared_variables(true)));
        let rendered = template.render(ctx).map_err(|e| self.failure(e, text, scope))?;
        self.checked(Value::from(rendered), text, scope)
    }

    /// A bare expression (`when`, `until`, `changed_when`…) as a value.
    pub fn eval(&self, expr: &str, scope: &Scope) -> Result<Value, TemplateError> {
        let env = self.env(FileOptions::default());
        let compiled = compile_expression(env, expr).map_err(|e| TemplateError::from_minijinja(&e, expr))?;
        let ctx = scope.view(self.chained(expr, || compiled.undeclared_variables(true)));
        let value = compiled.eval(ctx).map_err(|e| self.failure(e, expr, scope))?;
        self.checked(value, expr, scope)
    }

    /// A conditional: the expression must give a boolean, as ansible-core 2.19 requires.
    pub fn condition(&self, expr: &str, scope: &Scope) -> Result<bool, TemplateError> {
        let value = self.eval(expr, scope)?;
        match value.kind() {
            ValueKind::Bool => Ok(value.is_true()),
            _ => Err(TemplateError::NotBoolean { expr: expr.to_string(), value: python_str(&value), kind: native::type_name(&value) }),
        }
    }

    /// A `template` module source, rendered to text with the trailing newline kept.
    pub fn render_file(&self, source: &str, name: &str, scope: &Scope, options: FileOptions) -> Result<String, TemplateError> {
        let (options, body) = native::file_header(source, options);
        let env = self.env(options);
        let template = env.template_from_named_str(name, body).map_err(|e| TemplateError::from_minijinja(&e, name))?;
        let ctx = scope.view(self.chained(body, || template.undeclared_variables(true)));
        let rendered = template.render(ctx).map_err(|e| self.failure(e, name, scope))?;
        if rendered.contains(scope::MISSING_MARK) {
            return Err(self.undefined(body, scope));
        }
        Ok(rendered)
    }

    /// The variables `text` reaches through attributes, parsed once per distinct text.
    fn chained(&self, text: &str, undeclared: impl FnOnce() -> std::collections::HashSet<String>) -> Arc<[String]> {
        let mut cache = self.inner.chained.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(names) = cache.get(text) {
            return Arc::clone(names);
        }
        let mut names: Vec<String> =
            undeclared().into_iter().filter_map(|path| path.split_once(['.', '[']).map(|(root, _)| root.to_string())).collect();
        names.sort();
        names.dedup();
        let names: Arc<[String]> = names.into();
        if cache.len() > 100_000 {
            cache.clear();
        }
        cache.insert(text.to_string(), Arc::clone(&names));
        names
    }

    /// Rejects a result that is, or holds, an undefined value.
    fn checked(&self, value: Value, text: &str, scope: &Scope) -> Result<Value, TemplateError> {
        if value.is_undefined() || scope::is_missing(&value) {
            return Err(self.undefined(text, scope));
        }
        if let Some(s) = value.as_str()
            && s.contains(scope::MISSING_MARK)
        {
            return Err(self.undefined(text, scope));
        }
        Ok(value)
    }

    fn failure(&self, err: minijinja::Error, text: &str, scope: &Scope) -> TemplateError {
        if let Some(nested) = scope.take_failure() {
            return nested;
        }
        if err.kind() == minijinja::ErrorKind::UndefinedError {
            return self.undefined(text, scope);
        }
        TemplateError::from_minijinja(&err, text)
    }

    /// Which variable was undefined in `text`, with the names in scope that look like it.
    fn undefined(&self, text: &str, scope: &Scope) -> TemplateError {
        if let Some(nested) = scope.take_failure() {
            return nested;
        }
        let env = self.env(FileOptions::default());
        let mut paths: Vec<String> = match native::lone_expression(text).and_then(|e| compile_expression(env, e).ok()) {
            Some(expr) => expr.undeclared_variables(true).into_iter().collect(),
            None => match compile_expression(env, text) {
                Ok(expr) => expr.undeclared_variables(true).into_iter().collect(),
                Err(_) => env.template_from_str(text).map(|t| t.undeclared_variables(true).into_iter().collect()).unwrap_or_default(),
            },
        };
        paths.sort();
        for path in &paths {
            if let Some(name) = scope.missing_part(path) {
                let root = name.split('.').next().unwrap_or(&name).to_string();
                let similar = if root == name { scope.similar(&root) } else { Vec::new() };
                return TemplateError::Undefined { name, template: text.to_string(), similar };
            }
        }
        TemplateError::Undefined {
            name: paths.first().cloned().unwrap_or_else(|| "a value".into()),
            template: text.to_string(),
            similar: vec![],
        }
    }
}

/// `Environment::compile_expression`, with minijinja's lexer panic on a stray `}}` or `%}`
/// (found by fuzzing: `}}x`) turned into a syntax error.
fn compile_expression<'env, 'source>(
    env: &'env Environment<'static>,
    expr: &'source str,
) -> Result<minijinja::Expression<'env, 'source>, minijinja::Error> {
    if stray_close(expr) {
        return Err(minijinja::Error::new(minijinja::ErrorKind::SyntaxError, "unexpected `}}` or `%}` in an expression"));
    }
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| env.compile_expression(expr))).unwrap_or_else(|_| {
        Err(minijinja::Error::new(minijinja::ErrorKind::SyntaxError, "unexpected end of expression (a stray `}}` or `%}`)"))
    })
}

/// Whether `expr` closes a brace it never opened (`}}x`), outside string literals; minijinja's
/// expression lexer panics on that.
fn stray_close(expr: &str) -> bool {
    let mut quote = None;
    let mut escaped = false;
    let mut depth = 0i64;
    for c in expr.chars() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == '{' => depth += 1,
            None if c == '}' => {
                depth -= 1;
                if depth < 0 {
                    return true;
                }
            }
            None => {}
        }
    }
    false
}

/// An environment with ansible-core's settings, filters, tests and globals.
fn build_env(jinja: Weak<Inner>, options: FileOptions) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_trim_blocks(options.trim_blocks);
    env.set_lstrip_blocks(options.lstrip_blocks);
    env.set_keep_trailing_newline(true);
    env.set_debug(false);
    env.set_recursion_limit(200);
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env.set_formatter(|out, _state, value| {
        if value.is_undefined() || scope::is_missing(value) {
            return Err(minijinja::Error::from(minijinja::ErrorKind::UndefinedError));
        }
        write!(out, "{}", python_str(value)).map_err(|_| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "cannot write"))
    });
    env.set_unknown_method_callback(methods::call);
    filters::register(&mut env);
    predicates::register(&mut env);
    lookup::register(&mut env, jinja);
    env
}

#[cfg(test)]
mod tests;
