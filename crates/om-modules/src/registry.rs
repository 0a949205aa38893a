//! Every module om knows, by name: native modules that run on the host, and the schemas of
//! modules the executor runs on the controller (`raw`, `script`, `debug`…), so each module's
//! arguments are declared once.

use crate::{Module, Schema, commands, files, packages, services, system};

/// The native modules, in name order.
pub static MODULES: &[&dyn Module] = &[
    &packages::apt::Apt,
    &files::blockinfile::Blockinfile,
    &commands::command::CommandModule,
    &files::copy::Copy,
    &system::cron::Cron,
    &packages::dnf::Dnf,
    &files::fetch::Fetch,
    &files::file::File,
    &files::get_url::GetUrl,
    &system::group::GroupModule,
    &system::hostname::Hostname,
    &files::lineinfile::Lineinfile,
    &system::mount::Mount,
    &packages::package::Package,
    &system::ping::Ping,
    &system::proc::Proc,
    &files::replace::Replace,
    &services::service::Service,
    &system::setup::Setup,
    &commands::shell::ShellModule,
    &files::stat::Stat,
    &system::sysctl::Sysctl,
    &services::systemd::Systemd,
    &files::template::Template,
    &files::unarchive::Unarchive,
    &system::user::UserModule,
    &system::wait_for::WaitFor,
    &packages::yum::Yum,
];

/// Modules the executor runs on the controller; their schemas live here too.
pub static CONTROLLER_SCHEMAS: &[&Schema] =
    &[&system::async_status::SCHEMA, &commands::raw::SCHEMA, &commands::script::SCHEMA, &system::debug::SCHEMA];

/// Collections whose modules resolve to om's native ones (`ansible.builtin.copy` → `copy`).
const COLLECTIONS: &[&str] = &["ansible.builtin.", "ansible.legacy.", "ansible.posix.", "community.general."];

/// The canonical name of a module: the collection prefix removed.
pub fn canonical(name: &str) -> &str {
    COLLECTIONS.iter().find_map(|c| name.strip_prefix(c)).unwrap_or(name)
}

/// A native module by name (`copy`, `ansible.builtin.copy`).
pub fn find(name: &str) -> Result<&'static dyn Module, UnknownModule> {
    let short = canonical(name);
    MODULES.iter().copied().find(|m| m.schema().module == short).ok_or_else(|| UnknownModule::new(name))
}

/// The schema of any module om knows, native or controller-side.
pub fn schema(name: &str) -> Option<&'static Schema> {
    let short = canonical(name);
    MODULES.iter().map(|m| m.schema()).chain(CONTROLLER_SCHEMAS.iter().copied()).find(|s| s.module == short)
}

/// Every module name om knows, sorted.
pub fn names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> =
        MODULES.iter().map(|m| m.schema().module).chain(CONTROLLER_SCHEMAS.iter().map(|s| s.module)).collect();
    names.sort_unstable();
    names
}

/// The candidate closest to `word` by edit distance, when it is close enough to be a typo.
pub fn closest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(d, c)| *d <= (c.len().max(word.len()) / 3).max(1) + 1 && *d < c.len().max(word.len()))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// A module name om does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown module `{name}`{}; known modules: {}", closest.as_ref().map(|c| format!(" (did you mean `{c}`?)")).unwrap_or_default(), known.join(", "))]
pub struct UnknownModule {
    pub name: String,
    pub closest: Option<String>,
    pub known: Vec<String>,
}

impl UnknownModule {
    pub fn new(name: &str) -> Self {
        let known = names();
        let closest = closest(canonical(name), known.iter().copied()).map(str::to_string);
        Self { name: name.to_string(), closest, known: known.iter().map(|s| s.to_string()).collect() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collection_names_resolve_and_typos_get_a_suggestion() {
        assert_eq!(find("ansible.builtin.copy").map(|m| m.schema().module).ok(), Some("copy"));
        assert_eq!(find("ansible.posix.sysctl").map(|m| m.schema().module).ok(), Some("sysctl"));
        let err = find("cpoy").err().expect("unknown");
        assert_eq!(err.closest.as_deref(), Some("copy"));
        assert!(
            err.to_string().starts_with("unknown module `cpoy` (did you mean `copy`?); known modules: apt, async_status, blockinfile"),
            "{err}"
        );
        assert!(find("frobnicate").err().expect("unknown").closest.is_none());
    }

    #[test]
    fn every_schema_is_consistent() {
        let mut seen = std::collections::HashSet::new();
        for schema in MODULES.iter().map(|m| m.schema()).chain(CONTROLLER_SCHEMAS.iter().copied()) {
            assert!(seen.insert(schema.module), "{} declared twice", schema.module);
            let mut names = std::collections::HashSet::new();
            for p in schema.params {
                for n in std::iter::once(p.name).chain(p.aliases.iter().copied()) {
                    assert!(names.insert(n), "{}: `{n}` declared twice", schema.module);
                }
                for c in p.choices {
                    assert!(!c.is_empty(), "{}: empty choice", schema.module);
                }
            }
            let rules = schema.mutually_exclusive.iter().chain(schema.required_one_of).chain(schema.required_together);
            for name in rules.flat_map(|set| set.iter()) {
                assert!(schema.param(name).is_some(), "{}: rule names unknown `{name}`", schema.module);
            }
            for (p, _, then) in schema.required_if {
                assert!(schema.param(p).is_some(), "{}: required_if names unknown `{p}`", schema.module);
                for n in *then {
                    assert!(schema.param(n).is_some(), "{}: required_if names unknown `{n}`", schema.module);
                }
            }
        }
    }
}
