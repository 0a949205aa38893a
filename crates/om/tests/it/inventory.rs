//! `om inventory` as users run it: ansible-inventory's output byte for byte, patterns,
//! Salt targets, the hierarchy import, and errors that say where.

use std::path::{Path, PathBuf};

use crate::om;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../om-inventory/tests/fixtures")
}

#[test]
fn list_prints_what_ansible_inventory_prints() {
    let case = fixtures().join("conformance/ini_basic");
    let out = om().args(["inventory", "--list", "-i"]).arg_path(case.join("hosts")).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, std::fs::read_to_string(case.join("golden/list.json")).unwrap());
}

#[test]
fn list_hosts_prints_one_host_per_line_in_ansible_order() {
    let hosts = fixtures().join("conformance/patterns/hosts");
    let out = om().args(["inventory", "webservers:&atlanta:!web02.example.com", "--list-hosts", "-i"]).arg_path(&hosts).run();
    assert_eq!((out.code, out.stdout.as_str()), (0, "web01.example.com\n"), "{}", out.stderr);
    let out = om().args(["inventory", "nosuch", "--list-hosts", "--json", "-i"]).arg_path(&hosts).run();
    assert_eq!((out.code, out.stdout.trim()), (0, "[]"));
    assert!(out.stderr.contains("could not match supplied host pattern, ignoring: `nosuch`"), "{}", out.stderr);
    let out = om().args(["inventory", "webservers", "--list-hosts", "--limit", "nosuch", "-i"]).arg_path(&hosts).run();
    assert_eq!(out.code, 1, "an empty --limit selection is an error, as in ansible");
}

#[test]
fn a_salt_compound_target_reads_grains_from_the_fact_cache() {
    let salt = fixtures().join("salt");
    let out = om()
        .args(["inventory", "--tgt-type", "compound", "E@^SN2013.* and G@os:Centos", "--list-hosts", "-i"])
        .arg_path(salt.join("hosts"))
        .args(["--fact-cache"])
        .arg_path(salt.join("facts"))
        .run();
    assert_eq!((out.code, out.stdout.as_str()), (0, "SN2013-08-021\nSN2013-08-022\n"), "{}", out.stderr);
    assert!(out.stderr.contains("no grains cached for 1 hosts"), "{}", out.stderr);
}

#[test]
fn omanager_xml_becomes_a_hierarchy_inventory() {
    let dir = fixtures().join("omanager");
    let out =
        om().args(["inventory", "--import-omanager"]).arg_path(dir.join("ServerOptioninfo.xml")).arg_path(dir.join("Serverinfo.xml")).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.starts_with("all:\n  children:\n    Linux.Web:\n      vars:\n        om_level: category\n"), "{}", out.stdout);
}

#[test]
fn a_broken_inventory_says_where_and_exits_4_with_strict() {
    let hosts = fixtures().join("conformance/usa_rejected/hosts");
    let out = om().args(["inventory", "--list", "--strict", "-i"]).arg_path(&hosts).run();
    assert_eq!(out.code, 4, "{}", out.stderr);
    assert!(out.stderr.contains("hosts:21:1: section `[usa:children]` includes undefined group `northeast`"), "{}", out.stderr);
    // Without --strict, as ansible-core: a warning, and an inventory without that source.
    let out = om().args(["inventory", "--list", "-i"]).arg_path(&hosts).run();
    assert_eq!(out.code, 0);
    assert!(out.stderr.contains("unable to parse"), "{}", out.stderr);
}

#[test]
fn an_unknown_host_or_group_is_a_bad_option() {
    let hosts = fixtures().join("conformance/patterns/hosts");
    let out = om().args(["inventory", "--host", "nosuch", "-i"]).arg_path(&hosts).run();
    assert_eq!(out.code, 5);
    let out = om().args(["inventory", "--graph", "nosuch", "-i"]).arg_path(&hosts).run();
    assert_eq!(out.code, 5);
    assert!(out.stderr.contains("--graph needs a group name"), "{}", out.stderr);
}
