//! What can go wrong in a template: the expression, the variable, the value.
//!
//! The caller adds the place (`site.yml:12:7`, a template file's line), since only it knows
//! where the text came from.

use crate::vault::VaultError;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TemplateError {
    /// A variable, or an attribute of one, is not defined.
    #[error("`{name}` is undefined in `{template}`{}", hint(similar))]
    Undefined { name: String, template: String, similar: Vec<String> },
    /// The text is not valid Jinja.
    #[error("template syntax error in `{template}`{}: {message}", line.map(|l| format!(" (line {l})")).unwrap_or_default())]
    Syntax { template: String, line: Option<usize>, message: String },
    /// The template ran and failed (a filter's error, a bad operation).
    #[error("error while templating `{template}`{}: {message}", line.map(|l| format!(" (line {l})")).unwrap_or_default())]
    Failed { template: String, line: Option<usize>, message: String },
    /// A variable whose value uses itself.
    #[error("recursive loop detected in template: `{name}` is defined in terms of itself (through `{chain}`)")]
    Recursive { name: String, chain: String },
    /// A conditional that did not give a boolean (ansible-core 2.19's rule).
    #[error(
        "conditional `{expr}` gave `{value}`, a {kind}, not a boolean\n  hint: compare explicitly, e.g. `{expr} | length > 0` or `{expr} | bool`"
    )]
    NotBoolean { expr: String, value: String, kind: &'static str },
    /// A variable could not be templated; `source` is why.
    #[error("error while templating the variable `{name}` (`{value}`): {source}")]
    InVariable {
        name: String,
        value: String,
        #[source]
        source: Box<TemplateError>,
    },
    #[error(transparent)]
    Vault(#[from] VaultError),
}

fn hint(similar: &[String]) -> String {
    match similar {
        [] => String::new(),
        [one] => format!("\n  hint: did you mean `{one}`?"),
        many => format!("\n  hint: did you mean one of {}?", many.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")),
    }
}

impl TemplateError {
    pub(crate) fn from_minijinja(err: &minijinja::Error, template: &str) -> Self {
        let message = err.detail().map(str::to_string).unwrap_or_else(|| err.kind().to_string());
        let line = err.line();
        match err.kind() {
            minijinja::ErrorKind::SyntaxError | minijinja::ErrorKind::BadEscape => {
                Self::Syntax { template: template.to_string(), line, message: with_typo_hint(&message, template) }
            }
            _ => Self::Failed { template: template.to_string(), line, message },
        }
    }

    /// The innermost variable name this error is about, if any.
    pub fn undefined_name(&self) -> Option<&str> {
        match self {
            Self::Undefined { name, .. } => Some(name),
            Self::InVariable { source, .. } => source.undefined_name(),
            _ => None,
        }
    }

    /// The line inside the template, for errors in template files.
    pub fn line(&self) -> Option<usize> {
        match self {
            Self::Syntax { line, .. } | Self::Failed { line, .. } => *line,
            Self::InVariable { source, .. } => source.line(),
            _ => None,
        }
    }
}

/// ERR-6: the misspellings people copy from books (`endfi`, `elsif`).
fn with_typo_hint(message: &str, template: &str) -> String {
    const TYPOS: &[(&str, &str)] = &[("endfi", "endif"), ("elsif", "elif"), ("elseif", "elif"), ("endfro", "endfor"), ("end if", "endif")];
    for (typo, fix) in TYPOS {
        if template.contains(&format!("{{% {typo}")) || template.contains(&format!("{{%{typo}")) {
            return format!("{message}\n  hint: `{typo}` is not a Jinja keyword; did you mean `{fix}`?");
        }
    }
    message.to_string()
}
