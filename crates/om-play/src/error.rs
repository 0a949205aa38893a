//! What can be wrong with a playbook: where (file:line:column), the offending text, and
//! what was expected.

use std::path::PathBuf;

use om_core::Span;
use om_template::jinja::TemplateError;
use om_template::yaml::YamlError;

#[derive(Debug, thiserror::Error)]
pub enum PlayError {
    #[error("cannot read `{}`", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Yaml(#[from] YamlError),
    /// The YAML is valid but not a playbook (a wrong type, an unknown keyword…).
    #[error("{span}: {message}{}", hint.as_ref().map(|h| format!("\n  hint: {h}")).unwrap_or_default())]
    Syntax { span: Span, message: String, hint: Option<String> },
    /// An Ansible 1.x construct (PLAY-70): what to write instead.
    #[error("{span}: `{construct}` is Ansible 1.x syntax that ansible-core no longer accepts\n  hint: {modern}")]
    Legacy { span: Span, construct: String, modern: String },
    /// A template that could not be rendered, where it was written.
    #[error("{span}: {source}")]
    Template {
        span: Span,
        #[source]
        source: TemplateError,
    },
    #[error(
        "{span}: the role `{name}` was not found in {searched}\n  hint: put it in `roles/{name}/` beside the playbook, or set roles_path"
    )]
    RoleNotFound { span: Span, name: String, searched: String },
    #[error("{span}: the requested handler '{name}' was not found in either the main handlers list nor in the listening handlers list{}", similar.as_ref().map(|s| format!("\n  hint: did you mean `{s}`?")).unwrap_or_default())]
    UnknownHandler { span: Span, name: String, similar: Option<String> },
    #[error("{span}: unknown host pattern: {source}")]
    Pattern {
        span: Span,
        #[source]
        source: om_inventory::PatternError,
    },
    /// What the play's strategy cannot do (ansible-core stops the playbook there).
    #[error("{span}: {message}")]
    Strategy { span: Span, message: String },
    #[error("vault: {0}")]
    Vault(#[from] om_template::vault::VaultError),
}

impl PlayError {
    pub(crate) fn syntax(span: &Span, message: impl Into<String>) -> Self {
        Self::Syntax { span: span.clone(), message: message.into(), hint: None }
    }

    pub(crate) fn hinted(span: &Span, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::Syntax { span: span.clone(), message: message.into(), hint: Some(hint.into()) }
    }
}
