//! What can go wrong loading an inventory or resolving a pattern, and the warnings that do
//! not stop anything. Every problem in what the user wrote carries `file:line:column`, the
//! offending text and what was expected.

use std::fmt;
use std::path::PathBuf;

use om_core::Span;
use om_template::yaml::{YamlError, YamlWarning};

/// An inventory that cannot be loaded, or a pattern that cannot be resolved.
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    /// Something the user wrote is wrong; says where, shows it and says what was expected.
    #[error("{0}")]
    Syntax(Box<SyntaxError>),
    #[error(transparent)]
    Yaml(#[from] YamlError),
    #[error("cannot read `{}`", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// `--strict` (ansible's `inventory_any_unparsed_is_failed`): a source no parser accepted.
    #[error("unable to parse `{source_name}` as an inventory source{}", list_causes(causes))]
    Unparsed { source_name: String, causes: Vec<InventoryError> },
    #[error("dynamic inventory `{}` failed: {reason}", path.display())]
    Script { path: PathBuf, reason: String },
    #[error("{0}")]
    Pattern(#[from] PatternError),
}

fn list_causes(causes: &[InventoryError]) -> String {
    causes.iter().map(|c| format!("\n  caused by: {c}")).collect()
}

impl InventoryError {
    pub(crate) fn syntax(span: Span, problem: Problem, text: impl Into<String>) -> Self {
        InventoryError::Syntax(Box::new(SyntaxError { span, problem, text: text.into() }))
    }

    /// The place in the user's file, when the error has one.
    pub fn span(&self) -> Option<&Span> {
        match self {
            InventoryError::Syntax(e) => Some(&e.span),
            InventoryError::Yaml(e) => Some(e.span()),
            _ => None,
        }
    }

    /// The problem, for errors in what the user wrote.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            InventoryError::Syntax(e) => Some(&e.problem),
            _ => None,
        }
    }
}

/// A problem in an inventory file: where, what, and the text it is about.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub span: Span,
    pub problem: Problem,
    /// The offending line (INI) or node (YAML) as written.
    pub text: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.span, self.problem)?;
        if !self.text.is_empty() {
            write!(f, "\n  | {}", self.text)?;
            if self.span.column > 0 {
                let pad: String =
                    self.text.chars().take(self.span.column as usize - 1).map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
                write!(f, "\n  | {pad}^")?;
            }
        }
        if let Some(hint) = self.problem.hint() {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// What is wrong; the messages follow ansible-core's, with the names in backticks.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Problem {
    #[error("section `[{section}]` has unknown type `{kind}`")]
    UnknownSectionType { section: String, kind: String },
    #[error("invalid section entry `{0}`")]
    InvalidSection(String),
    #[error("section `[{parent}:children]` includes undefined group `{child}`")]
    UndefinedChild { parent: String, child: String },
    #[error("section `[{0}:vars]` is not valid for undefined group `{0}`")]
    VarsForUndefinedGroup(String),
    #[error("expected `key=value` host variable assignment, got `{0}`")]
    ExpectedHostVar(String),
    #[error("expected `key=value`, got `{0}`")]
    ExpectedVar(String),
    #[error("expected a group name, got `{0}`")]
    ExpectedGroupName(String),
    #[error("error parsing host definition: {0}")]
    Quoting(&'static str),
    #[error("invalid host pattern `{0}`: a trailing `:` is reserved for a port")]
    PortMissing(String),
    #[error("invalid host pattern `---`: this is normally a sign the file is YAML")]
    YamlInIni,
    #[error("bad host range in `{pattern}`: {reason}")]
    BadRange { pattern: String, reason: RangeError },
    #[error("full-width `{found}` in `{text}`")]
    FullWidth { found: char, ascii: char, text: String },
    #[error("adding group `{child}` as a child of `{parent}` creates a loop")]
    GroupCycle { parent: String, child: String },
    #[error("group `{0}` cannot be its own child")]
    SelfChild(String),
    #[error("`{0}` is neither a known host nor a known group")]
    UnknownMember(String),
    #[error("empty host name")]
    EmptyHost,
    #[error("empty group name")]
    EmptyGroup,
    #[error("`ansible_group_priority` must be an integer, got `{0}`")]
    BadPriority(String),
    #[error("empty YAML inventory")]
    EmptyYaml,
    #[error("a YAML inventory must be a mapping of groups, found a {0}")]
    NotAMapping(&'static str),
    #[error("this is an inventory plugin configuration, not a YAML inventory")]
    PluginConfig,
    #[error("invalid `{section}` entry for group `{group}`: needs a mapping, found a {found}")]
    BadSection { section: String, group: String, found: &'static str },
    #[error("host pattern `{0}` must be a string")]
    HostNotString(String),
    #[error("group name `{0}` must be a string")]
    GroupNotString(String),
    #[error("variables of `{host}` must be a mapping, found a {found}")]
    HostVarsNotMapping { host: String, found: &'static str },
    #[error("a variables file must hold a mapping, found a {0}")]
    VarsNotMapping(&'static str),
    #[error("a dynamic inventory must print a JSON object, found a {0}")]
    ScriptNotObject(&'static str),
    #[error("group `{group}` has a bad host list: {found}")]
    ScriptBadHosts { group: String, found: String },
}

impl Problem {
    /// How to fix it, when there is something useful to say.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            Problem::UnknownSectionType { .. } => "a section header is `[group]`, `[group:vars]` or `[group:children]`".into(),
            Problem::InvalidSection(_) => {
                "a group name has no spaces, `:` or `]`; write `[group]`, `[group:vars]` or `[group:children]`".into()
            }
            Problem::UndefinedChild { child, .. } => {
                format!("declare the group with a `[{child}]` section (it may be empty), or remove it from the list")
            }
            Problem::VarsForUndefinedGroup(group) => format!("declare the group with a `[{group}]` section, or fix the name"),
            Problem::ExpectedHostVar(_) => "after the host come `key=value` pairs; quote values with spaces: key='a b'".into(),
            Problem::ExpectedVar(_) => "a `[group:vars]` line is `key=value`".into(),
            Problem::ExpectedGroupName(_) => "a `[group:children]` section lists one group name per line".into(),
            Problem::Quoting(_) => "close the quote, or escape it with `\\`".into(),
            Problem::PortMissing(_) => "write `host:port` with a number, or remove the `:`".into(),
            Problem::YamlInIni => "give the file a `.yml` extension, or fix the YAML so it parses as a mapping".into(),
            Problem::BadRange { .. } => "a range is `[01:50]`, `[a:f]` or `[01:50:2]` (start:end:step)".into(),
            Problem::FullWidth { ascii, .. } => format!("this was probably typed with an input method; use the ASCII `{ascii}`"),
            Problem::GroupCycle { .. } => "a group cannot be (directly or through others) a child of its own descendant".into(),
            Problem::HostNotString(_) => "enclose numbers in quotes: '1': or \"10.0.0.1\":".into(),
            Problem::PluginConfig => "om reads static INI, YAML and JSON inventories and executable scripts, not inventory plugins".into(),
            Problem::BadSection { .. } => "`hosts`, `vars` and `children` hold mappings (`name:` entries), not lists".into(),
            Problem::VarsNotMapping(_) => "group_vars and host_vars files hold `name: value` mappings".into(),
            _ => return None,
        })
    }
}

/// Why a host range like `web[01:50]` cannot be expanded (ansible-core's reasons).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RangeError {
    #[error("a host range must be begin:end or begin:end:step")]
    Shape,
    #[error("a host range must specify an end value")]
    NoEnd,
    #[error("a host range must use begin and end of equal length when zero-padded")]
    UnequalPadding,
    #[error("a host range must have begin <= end")]
    Reversed,
    #[error("`{0}` is not a number or a letter")]
    BadBound(String),
    #[error("the step must not be zero")]
    ZeroStep,
    #[error("unbalanced brackets")]
    Brackets,
    #[error("more than {0} hosts")]
    TooMany(usize),
}

/// A host pattern that cannot be resolved.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PatternError {
    #[error("invalid host pattern `{term}`: {reason}")]
    BadRegex { term: String, reason: String },
    #[error("no hosts matched the subscripted pattern `{0}`")]
    SubscriptOutOfRange(String),
    #[error("empty pattern term in `{0}`")]
    EmptyTerm(String),
    #[error("full-width `{found}` in pattern `{pattern}`\n  hint: this was probably typed with an input method; use the ASCII `{ascii}`")]
    FullWidth { pattern: String, found: char, ascii: char },
    #[error("unable to find limit file `{0}`")]
    LimitFile(String),
    #[error("compound target `{expr}`, at `{at}`: {reason}")]
    Compound { expr: String, at: String, reason: CompoundProblem },
    #[error("nodegroup `{0}` is not defined")]
    UnknownNodegroup(String),
    #[error("nodegroup `{0}` refers to itself (through `N@`)")]
    NodegroupCycle(String),
    #[error("unknown category `{0}`")]
    UnknownCategory(String),
}

/// What is wrong in a compound expression.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CompoundProblem {
    #[error("unknown target type `{0}@`; om knows G@ P@ I@ J@ E@ L@ S@ N@ H@")]
    UnknownPrefix(String),
    #[error("`R@` (range cluster) targets are not supported")]
    Range,
    #[error("unbalanced parentheses")]
    Parens,
    #[error("expected a target, found `{0}`")]
    ExpectedTarget(String),
    #[error("expected `and` or `or`, found `{0}`")]
    ExpectedOperator(String),
    #[error("the expression is empty")]
    Empty,
    #[error("bad regex: {0}")]
    Regex(String),
    #[error("`{0}` is not an IP address or a CIDR network")]
    Subnet(String),
    #[error("a grain target is `key:value`")]
    GrainShape,
}

/// Something that did not stop loading or matching but that the user should know about.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Warning {
    #[error("unable to parse `{source_name}` as an inventory source{}", list_warning_causes(causes))]
    SourceUnparsed { source_name: String, causes: Vec<String> },
    #[error("no inventory was parsed, only the implicit localhost is available")]
    NoInventory,
    #[error("`{0}`: the extension is not a standard inventory extension (.ini, .yml, .yaml, .json or none); read as INI")]
    NonStandardExtension(String),
    #[error("invalid characters were found in group names but not replaced: `{0}`")]
    InvalidGroupChars(String),
    #[error("found both group and host with same name: `{0}`")]
    HostAndGroup(String),
    #[error("a duplicate localhost-like entry was found (`{name}`); the first found localhost was `{first}`")]
    DuplicateLocalhost { name: String, first: String },
    #[error("{span}: skipping unexpected key `{key}` in group `{group}`, only `vars`, `children` and `hosts` are valid")]
    UnexpectedKey { span: Span, key: String, group: String },
    #[error("{span}: skipping key `{key}` in group `{group}` as it is not a mapping, it is a {found}")]
    KeyNotMapping { span: Span, key: String, group: String, found: &'static str },
    #[error("{span}: skipping `{group}` as this is not a valid group definition")]
    InvalidGroupDefinition { span: Span, group: String },
    #[error("`{0}` is not a directory, skipping it")]
    VarsNotDirectory(String),
    #[error(transparent)]
    Yaml(#[from] YamlWarning),
    #[error("could not match supplied host pattern, ignoring: `{0}`")]
    PatternMatchedNothing(String),
    #[error("use [x:y] inclusive subscripts instead of [x-y] in `{0}`")]
    DashSubscript(String),
    #[error("no hosts matched, nothing to do")]
    NoHostsMatched,
    #[error("no grains cached for {0} hosts; gather facts first (om run <pattern> -m setup)")]
    NoGrains(usize),
    #[error("`{path}`: {reason}")]
    FactCache { path: String, reason: String },
}

fn list_warning_causes(causes: &[String]) -> String {
    causes.iter().map(|c| format!("\n  caused by: {}", c.replace('\n', "\n    "))).collect()
}
