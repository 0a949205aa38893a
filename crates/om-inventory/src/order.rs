//! Where sources and host order come from outside the inventory: the play keyword `order`
//! (TGT-5) and `inventory` in ansible.cfg (INV-1).

use std::path::{Path, PathBuf};

use om_core::Target;

/// The play keyword `order`: how a play walks its hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HostOrder {
    #[default]
    Inventory,
    ReverseInventory,
    Sorted,
    ReverseSorted,
    Shuffle,
}

impl HostOrder {
    /// `inventory`, `reverse_inventory`, `sorted`, `reverse_sorted` or `shuffle`.
    pub fn parse(text: &str) -> Option<HostOrder> {
        Some(match text {
            "inventory" => HostOrder::Inventory,
            "reverse_inventory" => HostOrder::ReverseInventory,
            "sorted" => HostOrder::Sorted,
            "reverse_sorted" => HostOrder::ReverseSorted,
            "shuffle" => HostOrder::Shuffle,
            _ => return None,
        })
    }

    /// Puts the target's hosts in this order (names compared as strings, as Python does).
    pub fn apply(self, target: &mut Target) {
        let hosts = &mut target.hosts;
        match self {
            HostOrder::Inventory => {}
            HostOrder::ReverseInventory => hosts.reverse(),
            HostOrder::Sorted => hosts.sort_by(|a, b| a.name.cmp(&b.name)),
            HostOrder::ReverseSorted => hosts.sort_by(|a, b| b.name.cmp(&a.name)),
            HostOrder::Shuffle => {
                // A seed from the process's random hasher keys; no need for a crypto RNG.
                let mut state = {
                    use std::hash::{BuildHasher, RandomState};
                    RandomState::new().hash_one(hosts.len()) | 1
                };
                for i in (1..hosts.len()).rev() {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    hosts.swap(i, (state % (i as u64 + 1)) as usize);
                }
            }
        }
    }
}

/// The `inventory` setting of an ansible.cfg (`[defaults]`), as paths: comma-separated,
/// `~` expanded, relative paths taken from the file's directory. `None` when the file has
/// no such setting or cannot be read.
pub fn ansible_cfg_inventory(cfg: &Path, home: Option<&Path>) -> Option<Vec<PathBuf>> {
    let text = std::fs::read_to_string(cfg).ok()?;
    let base = cfg.parent().unwrap_or(Path::new("."));
    let mut in_defaults = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_defaults = line == "[defaults]";
            continue;
        }
        if !in_defaults || line.starts_with(['#', ';']) {
            continue;
        }
        let Some((key, value)) = line.split_once(['=', ':']) else { continue };
        if key.trim() != "inventory" {
            continue;
        }
        let paths = value
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| match (p.strip_prefix("~/"), home) {
                (Some(rest), Some(home)) => home.join(rest),
                _ if Path::new(p).is_absolute() => PathBuf::from(p),
                _ => base.join(p),
            })
            .collect();
        return Some(paths);
    }
    None
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use om_core::Host;

    use super::*;

    #[test]
    fn orders_sort_reverse_and_shuffle() {
        let target = Target::new(["b", "c", "a"].map(|n| Arc::new(Host::new(n))).to_vec());
        let names = |o: HostOrder| {
            let mut t = target.clone();
            o.apply(&mut t);
            t.names().map(str::to_string).collect::<Vec<_>>()
        };
        assert_eq!(names(HostOrder::Sorted), ["a", "b", "c"]);
        assert_eq!(names(HostOrder::ReverseSorted), ["c", "b", "a"]);
        assert_eq!(names(HostOrder::ReverseInventory), ["a", "c", "b"]);
        let mut shuffled = names(HostOrder::Shuffle);
        shuffled.sort();
        assert_eq!(shuffled, ["a", "b", "c"]);
        assert_eq!(HostOrder::parse("reverse_sorted"), Some(HostOrder::ReverseSorted));
    }

    #[test]
    fn ansible_cfg_names_the_inventory() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("ansible.cfg");
        std::fs::write(&cfg, "[ssh_connection]\ninventory = no\n[defaults]\n# c\ninventory = hosts, /etc/x ,~/inv\n").unwrap();
        let paths = ansible_cfg_inventory(&cfg, Some(Path::new("/home/u"))).unwrap();
        assert_eq!(paths, [dir.path().join("hosts"), PathBuf::from("/etc/x"), PathBuf::from("/home/u/inv")]);
    }
}
