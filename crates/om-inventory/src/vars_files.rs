//! `group_vars/` and `host_vars/` beside an inventory source or a playbook (INV-30), found
//! as ansible-core's `host_group_vars` plugin finds them: `<name>`, `<name>.yml`,
//! `<name>.yaml` or `<name>.json` — the first that exists — where a directory is read
//! recursively in lexical order, skipping hidden files and `~` backups.
//!
//! Each directory is listed once, so looking up 100,000 hosts costs no `stat` per host.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use om_core::Vars;

use crate::error::{InventoryError, Problem, Warning};
use crate::yaml_source::{is_falsy, load_data};

const EXTENSIONS: [&str; 3] = [".yml", ".yaml", ".json"];

/// The `group_vars` and `host_vars` directories of one base directory.
#[derive(Debug, Clone)]
pub(crate) struct VarsDirs {
    pub group_vars: Option<Listing>,
    pub host_vars: Option<Listing>,
}

/// The entries of one `group_vars/` or `host_vars/` directory: name → is a directory.
#[derive(Debug, Clone)]
pub(crate) struct Listing {
    path: PathBuf,
    entries: HashMap<String, bool>,
}

impl VarsDirs {
    /// Lists `<base>/group_vars` and `<base>/host_vars`; a missing one is simply absent.
    pub fn open(base: &Path, warnings: &mut Vec<Warning>) -> Result<Self, InventoryError> {
        Ok(VarsDirs {
            group_vars: Listing::open(&base.join("group_vars"), warnings)?,
            host_vars: Listing::open(&base.join("host_vars"), warnings)?,
        })
    }
}

impl Listing {
    fn open(path: &Path, warnings: &mut Vec<Warning>) -> Result<Option<Self>, InventoryError> {
        if !path.exists() {
            return Ok(None);
        }
        if !path.is_dir() {
            warnings.push(Warning::VarsNotDirectory(path.display().to_string()));
            return Ok(None);
        }
        let read = |source| InventoryError::Read { path: path.to_path_buf(), source };
        let mut entries = HashMap::new();
        for entry in std::fs::read_dir(path).map_err(read)? {
            let entry = entry.map_err(read)?;
            let is_dir = entry.path().is_dir();
            entries.insert(entry.file_name().to_string_lossy().into_owned(), is_dir);
        }
        Ok(Some(Listing { path: path.to_path_buf(), entries }))
    }

    /// `DataLoader.find_vars_files`: the files holding `name`'s variables, in load order.
    pub fn files_for(&self, name: &str) -> Result<Vec<PathBuf>, InventoryError> {
        // ansible-core skips `/`-rooted names (chroot inventories).
        if name.starts_with('/') || name.is_empty() {
            return Ok(Vec::new());
        }
        for ext in std::iter::once("").chain(EXTENSIONS) {
            let candidate = format!("{name}{ext}");
            if let Some(&is_dir) = self.entries.get(&candidate) {
                let path = self.path.join(&candidate);
                return if is_dir { dir_files(&path) } else { Ok(vec![path]) };
            }
        }
        Ok(Vec::new())
    }
}

/// `_get_dir_vars_files`: sorted, recursive into extension-less directories, files with no
/// extension or a YAML/JSON one, hidden files and `~` backups skipped.
fn dir_files(dir: &Path) -> Result<Vec<PathBuf>, InventoryError> {
    let read = |source| InventoryError::Read { path: dir.to_path_buf(), source };
    let mut names: Vec<String> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read)? {
        names.push(entry.map_err(read)?.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    let mut out = Vec::new();
    for name in names {
        if name.starts_with('.') || name.ends_with('~') {
            continue;
        }
        let path = dir.join(&name);
        let ext = extension(&name);
        if path.is_dir() && ext.is_empty() {
            out.extend(dir_files(&path)?);
        } else if path.is_file() && (ext.is_empty() || EXTENSIONS.contains(&ext)) {
            out.push(path);
        }
    }
    Ok(out)
}

/// `os.path.splitext(name)[1]`: from the last dot, unless the name only starts with dots.
fn extension(name: &str) -> &str {
    let trimmed = name.trim_start_matches('.');
    match trimmed.rfind('.') {
        Some(i) => &trimmed[i..],
        None => "",
    }
}

/// Loaded variable files, each read once however many groups or sources share it.
#[derive(Debug, Default)]
pub(crate) struct VarsFileCache {
    files: HashMap<PathBuf, Option<Arc<Vars>>>,
}

impl VarsFileCache {
    /// The merged variables of `files` (later files win), or `None` if they hold nothing.
    pub fn load(&mut self, files: &[PathBuf], warnings: &mut Vec<Warning>) -> Result<Option<Arc<Vars>>, InventoryError> {
        let mut loaded: Vec<Arc<Vars>> = Vec::new();
        for file in files {
            if !self.files.contains_key(file) {
                let vars = load_file(file, warnings)?;
                self.files.insert(file.clone(), vars);
            }
            if let Some(Some(vars)) = self.files.get(file) {
                loaded.push(vars.clone());
            }
        }
        Ok(match loaded.len() {
            0 => None,
            1 => loaded.pop(),
            _ => {
                let mut merged = Vars::new();
                for vars in loaded {
                    for (k, v) in vars.iter() {
                        merged.insert(k.clone(), v.clone());
                    }
                }
                Some(Arc::new(merged))
            }
        })
    }
}

fn load_file(path: &Path, warnings: &mut Vec<Warning>) -> Result<Option<Arc<Vars>>, InventoryError> {
    let text = std::fs::read_to_string(path).map_err(|source| InventoryError::Read { path: path.to_path_buf(), source })?;
    let file: Arc<str> = path.display().to_string().into();
    let (node, yaml_warnings) = load_data(&text, &file)?;
    warnings.extend(yaml_warnings.into_iter().map(Warning::Yaml));
    if is_falsy(&node) {
        return Ok(None);
    }
    match node.to_json() {
        serde_json::Value::Object(map) => Ok(Some(Arc::new(map))),
        _ => Err(InventoryError::syntax(node.span.clone(), Problem::VarsNotMapping(node.type_name()), "")),
    }
}
