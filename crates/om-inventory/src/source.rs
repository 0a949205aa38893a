//! Inventory sources and how each is read (INV-1, INV-2): files by extension and content,
//! directories in lexical order, comma lists, executable scripts, several `-i` in order.
//!
//! A source that no parser accepts is skipped with a warning (or is an error with
//! [`LoadOptions::strict`]), and leaves nothing behind: om replays the other sources rather
//! than keep half of a broken file, which ansible-core does.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{InventoryError, Warning};
use crate::model::{Model, UNGROUPED};
use crate::{ini, script, yaml_source};

/// One `-i` argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file or a directory of sources.
    Path(PathBuf),
    /// `h1,h2,` — host names (and `host:port`) separated by commas; one host needs the
    /// trailing comma.
    HostList(String),
    /// Inventory text held in memory, read as a file called `name` would be (its extension
    /// picks the parser); it has no `group_vars/` beside it.
    Text { name: String, text: String },
    /// What a dynamic inventory script prints for `--list` (groups, `_meta.hostvars`), held in
    /// memory: `om`'s `om+https://…` source, the platform's export.
    ScriptOutput { name: String, text: String },
}

impl Source {
    /// How `-i` reads its argument: a comma list unless a file of that name exists; `~/`
    /// expands to the home directory.
    pub fn parse(arg: &str) -> Source {
        if arg.contains(',') && !Path::new(arg).exists() {
            return Source::HostList(arg.to_string());
        }
        match (arg.strip_prefix("~/"), std::env::var_os("HOME")) {
            (Some(rest), Some(home)) => Source::Path(PathBuf::from(home).join(rest)),
            _ => Source::Path(PathBuf::from(arg)),
        }
    }

    /// The name messages use for the source.
    pub fn name(&self) -> String {
        match self {
            Source::Path(p) => p.display().to_string(),
            Source::HostList(list) => list.clone(),
            Source::Text { name, .. } | Source::ScriptOutput { name, .. } => name.clone(),
        }
    }
}

impl From<&str> for Source {
    fn from(arg: &str) -> Self {
        Source::parse(arg)
    }
}

/// How sources are read.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// ansible-core's `inventory_any_unparsed_is_failed`: a source no parser accepts is an
    /// error rather than a warning.
    pub strict: bool,
    /// Also read `group_vars/` and `host_vars/` beside this playbook directory, at their
    /// PLAY-20 precedence (after the inventory's own).
    pub playbook_dir: Option<PathBuf>,
    /// Do not run executable files as dynamic inventory scripts.
    pub no_scripts: bool,
}

/// A file, list or text that one parser reads; directories are expanded into these.
#[derive(Debug, Clone)]
pub(crate) struct Leaf {
    pub kind: LeafKind,
}

#[derive(Debug, Clone)]
pub(crate) enum LeafKind {
    File(PathBuf),
    HostList(String),
    Text { name: String, text: String },
    ScriptOutput { name: String, text: String },
}

impl Leaf {
    pub fn name(&self) -> String {
        match &self.kind {
            LeafKind::File(p) => p.display().to_string(),
            LeafKind::HostList(list) => list.clone(),
            LeafKind::Text { name, .. } | LeafKind::ScriptOutput { name, .. } => name.clone(),
        }
    }

    /// The absolute path for `inventory_file`, when the leaf is a file.
    pub fn file(&self) -> Option<PathBuf> {
        match &self.kind {
            LeafKind::File(p) => std::path::absolute(p).ok(),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Parser {
    HostList,
    Script,
    Yaml,
    Ini,
}

/// `IGNORED`: hidden files, vars directories and these endings are not sources.
const IGNORED_EXTS: [&str; 12] = [".pyc", ".pyo", ".swp", ".bak", "~", ".rpm", ".md", ".txt", ".rst", ".orig", ".cfg", ".retry"];

fn ignored(name: &str) -> bool {
    name.starts_with('.') || matches!(name, "host_vars" | "group_vars" | "vars_plugins") || IGNORED_EXTS.iter().any(|e| name.ends_with(e))
}

/// Expands the sources into leaves, directories walked in lexical (byte) order.
pub(crate) fn leaves(sources: &[Source]) -> Result<Vec<Leaf>, InventoryError> {
    let mut out = Vec::new();
    for source in sources {
        match source {
            Source::Path(path) => walk(path, &mut out)?,
            Source::HostList(list) => out.push(Leaf { kind: LeafKind::HostList(list.clone()) }),
            Source::Text { name, text } => out.push(Leaf { kind: LeafKind::Text { name: name.clone(), text: text.clone() } }),
            Source::ScriptOutput { name, text } => {
                out.push(Leaf { kind: LeafKind::ScriptOutput { name: name.clone(), text: text.clone() } });
            }
        }
    }
    Ok(out)
}

fn walk(path: &Path, out: &mut Vec<Leaf>) -> Result<(), InventoryError> {
    if path.is_dir() {
        let read = |e| InventoryError::Read { path: path.to_path_buf(), source: e };
        let mut names: Vec<_> = std::fs::read_dir(path).map_err(read)?.filter_map(Result::ok).map(|e| e.file_name()).collect();
        names.sort_by(|a, b| a.as_encoded_bytes().cmp(b.as_encoded_bytes()));
        for name in names {
            if !ignored(&name.to_string_lossy()) {
                walk(&path.join(name), out)?;
            }
        }
    } else {
        out.push(Leaf { kind: LeafKind::File(path.to_path_buf()) });
    }
    Ok(())
}

/// `os.path.splitext(path)[1]`.
pub(crate) fn extension(path: &str) -> &str {
    let base = path.rsplit('/').next().unwrap_or(path);
    let trimmed = base.trim_start_matches('.');
    match trimmed.rfind('.') {
        Some(i) => &trimmed[i..],
        None => "",
    }
}

/// The parsers that try a leaf, in ansible-core's order (`host_list`, `script`, `yaml`,
/// `ini`).
pub(crate) fn parsers_for(leaf: &Leaf, options: &LoadOptions) -> Vec<Parser> {
    let name = match &leaf.kind {
        LeafKind::HostList(_) => return vec![Parser::HostList],
        LeafKind::ScriptOutput { .. } => return vec![Parser::Script],
        LeafKind::File(path) => path.display().to_string(),
        LeafKind::Text { name, .. } => name.clone(),
    };
    let mut out = Vec::new();
    if let LeafKind::File(path) = &leaf.kind
        && !options.no_scripts
        && script::is_executable(path)
    {
        out.push(Parser::Script);
    }
    let ext = extension(&name);
    if matches!(ext, "" | ".yaml" | ".yml" | ".json") {
        out.push(Parser::Yaml);
    }
    if ext != ".toml" {
        out.push(Parser::Ini);
    }
    out
}

/// Reads `leaf` with `parser` into the model.
pub(crate) fn parse_leaf(model: &mut Model, leaf: &Leaf, parser: Parser, text: Option<&str>) -> Result<(), InventoryError> {
    let file: Arc<str> = leaf.name().into();
    match (parser, &leaf.kind) {
        (Parser::HostList, LeafKind::HostList(list)) => {
            host_list(model, list);
            Ok(())
        }
        (Parser::Script, LeafKind::File(path)) => script::parse(model, path),
        (Parser::Script, LeafKind::ScriptOutput { name, text }) => script::parse_output(model, Path::new(name), text),
        (Parser::Yaml, _) => yaml_source::parse(model, text.unwrap_or_default(), &file),
        (Parser::Ini, _) => {
            let result = ini::parse(model, text.unwrap_or_default(), &file);
            let ext = extension(&file);
            if result.is_ok() && !matches!(ext, "" | ".ini") {
                model.warnings.push(Warning::NonStandardExtension(file.to_string()));
            }
            result
        }
        _ => Ok(()),
    }
}

/// The `host_list` plugin: `h1,h2:2222,` into `ungrouped`.
fn host_list(model: &mut Model, list: &str) {
    for entry in list.split(',') {
        let entry = entry.trim();
        if entry.is_empty() {
            continue;
        }
        // Ranges are not expanded here: `parse_address(allow_ranges=False)`.
        let (host, port) = match crate::address::parse_address(entry) {
            Some((host, port)) if !host.contains('[') => (host, port),
            _ => (entry.to_string(), None),
        };
        if model.host_id(&host).is_none() {
            model.add_host(&host, Some(UNGROUPED), port, None);
        }
    }
}

/// What reading every leaf produced: the model and which (leaf, parser) pairs failed.
pub(crate) struct Parsed {
    pub model: Model,
    pub parsed_any: bool,
    pub warnings: Vec<Warning>,
}

/// Reads every leaf. When a parser fails on a leaf, everything is read again without that
/// attempt, so a failed parse leaves nothing behind.
pub(crate) fn parse_all(leaves: &[Leaf], options: &LoadOptions) -> Result<Parsed, InventoryError> {
    let mut texts: Vec<Result<Option<String>, InventoryError>> = leaves.iter().map(read_text).collect();
    let mut failed: HashSet<(usize, Parser)> = HashSet::new();
    let mut failures: Vec<Vec<(Parser, InventoryError)>> = leaves.iter().map(|_| Vec::new()).collect();
    'attempt: loop {
        let mut model = Model::new();
        let mut parsed_any = false;
        for (i, leaf) in leaves.iter().enumerate() {
            model.current_source = Some(i as u32);
            let Ok(text) = &texts[i] else { continue };
            for parser in parsers_for(leaf, options) {
                if failed.contains(&(i, parser)) {
                    continue;
                }
                match parse_leaf(&mut model, leaf, parser, text.as_deref()) {
                    Ok(()) => {
                        parsed_any = true;
                        break;
                    }
                    Err(err) => {
                        failed.insert((i, parser));
                        failures[i].push((parser, err));
                        continue 'attempt;
                    }
                }
            }
        }
        let mut warnings = Vec::new();
        for (i, leaf) in leaves.iter().enumerate() {
            let tried = parsers_for(leaf, options);
            let causes = match std::mem::replace(&mut texts[i], Ok(None)) {
                Err(err) => vec![err],
                Ok(_) if tried.is_empty() || !tried.iter().all(|p| failed.contains(&(i, *p))) => continue,
                Ok(_) => relevant_failures(std::mem::take(&mut failures[i])),
            };
            if options.strict {
                return Err(InventoryError::Unparsed { source_name: leaf.name(), causes });
            }
            warnings.push(Warning::SourceUnparsed { source_name: leaf.name(), causes: causes.iter().map(ToString::to_string).collect() });
        }
        model.current_source = None;
        return Ok(Parsed { model, parsed_any, warnings });
    }
}

/// The failures worth showing: when INI was tried too, a YAML syntax or shape error on a
/// file without extension only says the file is not YAML, which the user knows.
fn relevant_failures(failures: Vec<(Parser, InventoryError)>) -> Vec<InventoryError> {
    let ini_tried = failures.iter().any(|(p, _)| *p == Parser::Ini);
    failures
        .into_iter()
        .filter(|(parser, err)| {
            let not_yaml = matches!(err, InventoryError::Yaml(_))
                || matches!(err.problem(), Some(crate::error::Problem::NotAMapping(_) | crate::error::Problem::EmptyYaml));
            !(ini_tried && *parser == Parser::Yaml && not_yaml)
        })
        .map(|(_, err)| err)
        .collect()
}

fn read_text(leaf: &Leaf) -> Result<Option<String>, InventoryError> {
    match &leaf.kind {
        LeafKind::File(path) => match std::fs::read(path) {
            Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
            Err(source) => Err(InventoryError::Read { path: path.clone(), source }),
        },
        LeafKind::Text { text, .. } => Ok(Some(text.clone())),
        // The script parser reads its text from the leaf itself.
        LeafKind::HostList(_) | LeafKind::ScriptOutput { .. } => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_output_in_memory_reads_groups_children_and_hostvars() {
        let text = r#"{"web": {"children": ["bbs"]}, "bbs": {"hosts": ["h1"], "vars": {"tier": 1}},
                       "_meta": {"hostvars": {"h1": {"ansible_host": "10.0.0.1"}}}}"#;
        let source = Source::ScriptOutput { name: "om+http://127.0.0.1:8080".into(), text: text.into() };
        let loaded = crate::Inventory::load(&[source], &LoadOptions::default()).unwrap();
        let web = loaded.inventory.select("web").unwrap();
        assert_eq!(web.target.names().collect::<Vec<_>>(), ["h1"]);
        assert_eq!((&web.target.hosts[0].vars["ansible_host"], &web.target.hosts[0].vars["tier"]), (&"10.0.0.1".into(), &1.into()));
        let broken = Source::ScriptOutput { name: "om+http://127.0.0.1:8080".into(), text: "<html>".into() };
        let err = crate::Inventory::load(&[broken], &LoadOptions { strict: true, ..LoadOptions::default() }).unwrap_err().to_string();
        assert!(err.contains("om+http://127.0.0.1:8080") && err.contains("not JSON"), "{err}");
    }

    #[test]
    fn extensions_as_python_splitext() {
        assert_eq!(extension("hosts"), "");
        assert_eq!(extension("inv/hosts.yml"), ".yml");
        assert_eq!(extension("a.d/hosts"), "");
        assert_eq!(extension(".hidden"), "");
        assert_eq!(extension("x.tar.gz"), ".gz");
    }

    #[test]
    fn a_comma_makes_a_host_list() {
        assert_eq!(Source::parse("h1,h2"), Source::HostList("h1,h2".into()));
        assert_eq!(Source::parse("hosts"), Source::Path("hosts".into()));
    }
}
