//! What can go wrong reading YAML, always with the place it went wrong.

use om_core::Span;

/// YAML that cannot be loaded. Each variant says where (`file:line:column`) and what.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum YamlError {
    #[error("{span}: {message}")]
    Syntax { span: Span, message: String },
    #[error(
        "{span}: expected a single document, found another one\n  hint: a `---` line starts a new document; remove it or split the file"
    )]
    MultipleDocuments { span: Span },
    #[error("{span}: cannot read `{text}` as {tag}")]
    BadScalar { span: Span, tag: &'static str, text: String },
    #[error("{span}: unknown tag `{tag}`\n  hint: om understands the YAML 1.1 tags (`!!str`, `!!int`…), `!unsafe` and `!vault`")]
    UnknownTag { span: Span, tag: String },
    #[error("{span}: the `{tag}` tag needs a string, found a {found}")]
    TagNeedsString { span: Span, tag: &'static str, found: &'static str },
    #[error("{span}: a {found} cannot be a mapping key")]
    UnhashableKey { span: Span, found: &'static str },
    #[error("{span}: `<<` merges a mapping or a list of mappings, found a {found}")]
    BadMerge { span: Span, found: &'static str },
    #[error("{span}: unknown alias `*{name}`\n  hint: define the anchor `&{name}` before using it")]
    UnknownAlias { span: Span, name: String },
    #[error("{span}: aliases expand to more than {limit} nodes")]
    TooLarge { span: Span, limit: usize },
    #[error("{span}: nested more than {limit} levels deep")]
    TooDeep { span: Span, limit: usize },
}

impl YamlError {
    /// Where the problem is.
    pub fn span(&self) -> &Span {
        match self {
            YamlError::Syntax { span, .. }
            | YamlError::MultipleDocuments { span }
            | YamlError::BadScalar { span, .. }
            | YamlError::UnknownTag { span, .. }
            | YamlError::TagNeedsString { span, .. }
            | YamlError::UnhashableKey { span, .. }
            | YamlError::BadMerge { span, .. }
            | YamlError::UnknownAlias { span, .. }
            | YamlError::TooLarge { span, .. }
            | YamlError::TooDeep { span, .. } => span,
        }
    }
}

/// Something that loads but is probably not what the author meant.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum YamlWarning {
    /// PyYAML keeps the last value too; Ansible warns the same way.
    #[error("{span}: duplicate mapping key `{key}`; using the last value only")]
    DuplicateKey { span: Span, key: String },
    /// `name： value` typed with an input method is one string, not a key and a value.
    #[error("{span}: full-width `{found}` in `{text}` is not YAML punctuation\n  hint: use the ASCII `{ascii}`")]
    FullWidth { span: Span, found: char, ascii: char, text: String },
}

impl YamlWarning {
    pub fn span(&self) -> &Span {
        match self {
            YamlWarning::DuplicateKey { span, .. } | YamlWarning::FullWidth { span, .. } => span,
        }
    }
}
