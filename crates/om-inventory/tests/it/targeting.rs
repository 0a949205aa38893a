//! ACC-51: the book's Salt targeting on an inventory whose grains come from the fact cache.

use std::path::{Path, PathBuf};

use om_inventory::{Compound, FactCache, Inventory, LoadOptions, Nodegroups, Source, TargetContext, TargetKind, Warning};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/salt")
}

struct Fixture {
    inventory: Inventory,
    facts: FactCache,
    nodegroups: Nodegroups,
}

fn fixture() -> Fixture {
    let inventory = Inventory::load(&[Source::Path(fixtures().join("hosts"))], &LoadOptions::default()).unwrap().inventory;
    let text = std::fs::read_to_string(fixtures().join("nodegroups.yml")).unwrap();
    let nodegroups = Nodegroups::from_json(&om_template::yaml::load(&text, "nodegroups.yml").unwrap().to_json()).unwrap();
    Fixture { inventory, facts: FactCache::new(fixtures().join("facts"), std::time::Duration::ZERO), nodegroups }
}

impl Fixture {
    fn hosts(&self, kind: TargetKind, expr: &str) -> Vec<String> {
        self.select(kind, expr).0
    }

    fn select(&self, kind: TargetKind, expr: &str) -> (Vec<String>, Vec<Warning>) {
        let target = Compound::typed(kind, expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
        let ctx = TargetContext { data: Some(&self.facts), nodegroups: Some(&self.nodegroups) };
        let sel = self.inventory.select_target(&target, ctx).unwrap();
        (sel.target.names().map(str::to_string).collect(), sel.warnings)
    }
}

const Y2012: [&str; 3] = ["SN2012-07-010", "SN2012-07-011", "SN2012-07-012"];
const Y2013: [&str; 2] = ["SN2013-08-021", "SN2013-08-022"];

#[test]
fn the_books_targeting_table_selects_the_expected_hosts() {
    let f = fixture();
    let all5: Vec<&str> = Y2012.iter().chain(Y2013.iter()).copied().collect();
    assert_eq!(f.hosts(TargetKind::Pcre, "^SN2013.*"), Y2013);
    assert_eq!(f.hosts(TargetKind::List, "SN2013-08-021,SN2013-08-022"), Y2013);
    assert_eq!(f.hosts(TargetKind::Grain, "osrelease:6.4"), all5);
    assert_eq!(f.hosts(TargetKind::Compound, "E@^SN2013.* and G@os:Centos"), Y2013);
    assert_eq!(f.hosts(TargetKind::Compound, "* and not E@^SN2013.*"), [&Y2012[..], &["new-host"]].concat());
    assert_eq!(f.hosts(TargetKind::Compound, "not E@^SN2013.*"), [&Y2012[..], &["new-host"]].concat());
    assert_eq!(f.hosts(TargetKind::Nodegroup, "web2group"), Y2013);
    assert_eq!(f.hosts(TargetKind::Compound, "N@allweb and not N@web1group"), Y2013);
    assert_eq!(f.hosts(TargetKind::Ipcidr, "10.0.8.0/24"), Y2013);
    assert_eq!(f.hosts(TargetKind::Ipcidr, "192.168.100.10"), ["SN2012-07-010"]);
    assert_eq!(f.hosts(TargetKind::Ipcidr, "10.0.9.1"), ["new-host"]);
    assert_eq!(f.hosts(TargetKind::Glob, "SN2013-*-02?"), Y2013);
    // Func's form: globs joined by `;`, `@group` for a group.
    assert_eq!(f.hosts(TargetKind::Func, "SN2013-*-02?"), Y2013);
    assert_eq!(f.hosts(TargetKind::Func, "SN2012-07-010; @web2"), ["SN2012-07-010", "SN2013-08-021", "SN2013-08-022"]);
}

#[test]
fn grains_match_case_insensitively_nested_and_in_lists() {
    let f = fixture();
    assert_eq!(f.hosts(TargetKind::Grain, "os:centos").len(), 5);
    assert_eq!(f.hosts(TargetKind::Grain, "local:roles:roles:memcache"), Y2013);
    assert_eq!(f.hosts(TargetKind::Grain, "num_cpus:4"), Y2013);
    assert_eq!(f.hosts(TargetKind::GrainPcre, "os_family:red.*"), [&Y2012[..], &Y2013[..]].concat());
    assert_eq!(f.hosts(TargetKind::Grain, "max_open_file:65535").len(), 5);
    assert_eq!(f.hosts(TargetKind::Compound, "G@ipv4:10.0.7.* or G@ipv6:fe80::22"), [&Y2012[..], &["SN2013-08-022"]].concat());
}

#[test]
fn hosts_without_cached_grains_never_match_and_are_counted() {
    let f = fixture();
    let (hosts, warnings) = f.select(TargetKind::Compound, "not G@os:Ubuntu");
    // As in Salt: G@ is false for a host without grains, so `not G@…` is true for it.
    assert_eq!(hosts.len(), 6);
    assert_eq!(warnings, [Warning::NoGrains(1)]);
    assert_eq!(warnings[0].to_string(), "no grains cached for 1 hosts; gather facts first (om run <pattern> -m setup)");
    let (hosts, warnings) = f.select(TargetKind::Grain, "os:*");
    assert_eq!(hosts.len(), 5, "new-host has no grains, so no G@ matches it");
    assert_eq!(warnings, [Warning::NoGrains(1)]);
    let (hosts, warnings) = f.select(TargetKind::Grain, "os:Solaris");
    assert!(hosts.is_empty());
    assert!(warnings.contains(&Warning::NoHostsMatched));
}

#[test]
fn a_compound_target_matches_hosts_outside_any_inventory() {
    let f = fixture();
    let host = om_core::Host::new("agent-7");
    let grains = serde_json::json!({"os": "CentOS", "ipv4": ["10.9.9.9"]});
    let c = Compound::parse("G@os:CentOS and S@10.9.0.0/16").unwrap();
    assert!(c.matches_host(&host, Some(&grains), None, Some(&f.nodegroups)).unwrap());
    assert!(!c.matches_host(&host, None, None, None).unwrap());
}
