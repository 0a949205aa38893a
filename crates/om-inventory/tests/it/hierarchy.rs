//! INV-60/61: the platform's category → application → server tree as an inventory, imported
//! from the book's OManager XML files and targeted with `H@`.

use std::path::Path;

use om_inventory::{Compound, Hierarchy, Inventory, LoadOptions, Placement, ServerField, Source, TargetContext, TargetKind};

fn import() -> Hierarchy {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/omanager");
    let categories = std::fs::read_to_string(dir.join("ServerOptioninfo.xml")).unwrap();
    let servers = std::fs::read_to_string(dir.join("Serverinfo.xml")).unwrap();
    Hierarchy::from_omanager_xml("ServerOptioninfo.xml", &categories, "Serverinfo.xml", &servers, &ServerField::DEFAULT_ORDER).unwrap()
}

#[test]
fn omanager_xml_imports_into_the_expected_tree() {
    let tree = import().to_tree_text();
    assert_eq!(
        tree,
        "Linux.Web (id 1)\n  bbs.domain.com\n    SN2013-08-021 [127.0.0.2, 202.106.0.21] CentOS 6.4\n    SN2013-08-022 [127.0.0.3, 202.106.0.22] CentOS 6.4\n  \
         blog.domain.com\n    SN2012-07-011 [127.0.0.5, 202.106.0.11] CentOS 5.8\nLinux.Mysql (id 2)\n  db.domain.com\n    SN2012-07-010 [127.0.0.4, 202.106.0.10] CentOS 5.8\n\
         Windows.Web (id 3)\n"
    );
}

fn as_inventory(h: &Hierarchy) -> Inventory {
    let source = Source::Text { name: "hierarchy.yml".into(), text: h.to_inventory_yaml() };
    Inventory::load(&[source], &LoadOptions::default()).unwrap().inventory
}

#[test]
fn the_hierarchy_is_an_inventory_and_reads_back_the_same() {
    let h = import();
    let inv = as_inventory(&h);
    let host = inv.host("SN2013-08-021").unwrap();
    assert_eq!(host.vars["ansible_host"], "127.0.0.2");
    assert_eq!(host.vars["om_external_ip"], "202.106.0.21");
    assert_eq!(host.vars["om_category"], "Linux.Web");
    assert_eq!(host.vars["om_application"], "bbs.domain.com");
    assert_eq!(host.vars["om_os"], "CentOS 6.4");
    assert_eq!(host.groups, ["Linux.Web", "bbs.domain.com"]);
    assert_eq!(inv.hierarchy(), h);
    assert_eq!(inv.select("Linux.Web").unwrap().target.names().collect::<Vec<_>>(), ["SN2013-08-021", "SN2013-08-022", "SN2012-07-011"]);
}

#[test]
fn every_host_reports_its_category_and_application() {
    let inv = as_inventory(&import());
    assert_eq!(
        inv.placement("SN2012-07-010"),
        Some(Placement { category: "Linux.Mysql".into(), application: Some("db.domain.com".into()) })
    );
    // Without the om_* variables, the om_level groups say the same.
    let text = "Linux.Web:\n  vars: {om_level: category}\n  children:\n    bbs.domain.com:\n      vars: {om_level: application}\n      hosts:\n        web1:\n";
    let inv = Inventory::load(&[Source::Text { name: "h.yml".into(), text: text.into() }], &LoadOptions::default()).unwrap().inventory;
    assert_eq!(inv.placement("web1"), Some(Placement { category: "Linux.Web".into(), application: Some("bbs.domain.com".into()) }));
}

#[test]
fn h_targets_select_a_category_or_one_application_in_it() {
    let inv = as_inventory(&import());
    let names = |expr: &str, kind: TargetKind| -> Vec<String> {
        let t = Compound::typed(kind, expr).unwrap();
        inv.select_target(&t, TargetContext::default()).unwrap().target.names().map(str::to_string).collect()
    };
    assert_eq!(names("Linux.Web", TargetKind::Category), ["SN2013-08-021", "SN2013-08-022", "SN2012-07-011"]);
    assert_eq!(names("Linux.Web/bbs.domain.com", TargetKind::Category), ["SN2013-08-021", "SN2013-08-022"]);
    assert_eq!(names("H@Linux.Web and not H@Linux.Web/bbs.domain.com", TargetKind::Compound), ["SN2012-07-011"]);
    assert!(names("Windows.Web", TargetKind::Category).is_empty());
}

#[test]
fn xml_errors_name_the_file_and_place() {
    let err = Hierarchy::from_omanager_xml("c.xml", "<wml><AppClass id='1'>", "s.xml", "<wml/>", &ServerField::DEFAULT_ORDER).unwrap_err();
    assert!(err.to_string().starts_with("c.xml:1:"), "{err}");
    let err = Hierarchy::from_omanager_xml(
        "c.xml",
        "<wml><AppClass id='1'><appname>A</appname></AppClass></wml>",
        "s.xml",
        "<wml>\n  <server><hostname>h1</hostname><appclass>9</appclass></server></wml>",
        &ServerField::DEFAULT_ORDER,
    )
    .unwrap_err();
    assert!(err.to_string().starts_with("s.xml:2:3: unknown function category id `9`"), "{err}");
}
