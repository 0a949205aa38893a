//! What a user sees when an inventory is wrong: `file:line:column`, the line, what was
//! expected. With `strict`, a rejected source is an error; without it, a warning and the
//! other sources still load.

use std::path::Path;

use om_inventory::{Inventory, InventoryError, LoadOptions, Pattern, PatternError, Problem, Source, Warning};

fn strict_error(name: &str, text: &str) -> String {
    let source = Source::Text { name: name.into(), text: text.into() };
    match Inventory::load(&[source], &LoadOptions { strict: true, ..LoadOptions::default() }) {
        Ok(_) => panic!("{name} loaded"),
        Err(InventoryError::Unparsed { causes, .. }) => causes.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"),
        Err(other) => panic!("{name}: unexpected error {other}"),
    }
}

#[test]
fn every_rejected_ini_names_the_place_the_text_and_the_fix() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/conformance/rejections");
    let cases = [
        ("unknown_type.ini", "unknown_type.ini:5:1: section `[web:other]` has unknown type `other`", "hint: a section header is"),
        (
            "vars_undefined.ini",
            "vars_undefined.ini:3:2: section `[nothere:vars]` is not valid for undefined group `nothere`",
            "hint: declare the group",
        ),
        (
            "stray_token.ini",
            "stray_token.ini:2:20: expected `key=value` host variable assignment, got `stray`",
            "| w1 ansible_port=22 stray\n  |                    ^",
        ),
        ("trailing_colon.ini", "trailing_colon.ini:2:1: invalid host pattern `w1:`", "hint: write `host:port`"),
        ("yaml_dashes.ini", "yaml_dashes.ini:1:1: invalid host pattern `---`", "hint: give the file a `.yml` extension"),
        ("bad_range.ini", "bad_range.ini:2:1: bad host range in `web[01:100]`", "equal length"),
        ("cycle.ini", "cycle.ini:4:1: adding group `a` as a child of `b` creates a loop", "hint: a group cannot be"),
        ("invalid_section.ini", "invalid_section.ini:1:1: invalid section entry `[web servers]`", "no spaces"),
        ("unclosed_quote.ini", "unclosed_quote.ini:2:1: error parsing host definition: no closing quotation", "hint: close the quote"),
        ("vars_no_equals.ini", "vars_no_equals.ini:4:1: expected `key=value`, got `just_a_word`", ""),
        ("children_two_words.ini", "children_two_words.ini:2:1: expected a group name, got `child extra`", ""),
        ("self_child.ini", "self_child.ini:2:1: group `self` cannot be its own child", ""),
        ("bad_priority.ini", "bad_priority.ini:4:1: `ansible_group_priority` must be an integer, got `\"high\"`", ""),
        ("zero_step.ini", "zero_step.ini:2:1: bad host range in `web[a:c:0]`", ""),
    ];
    for (file, head, detail) in cases {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let err = strict_error(file, &text);
        assert!(err.starts_with(head), "{file}:\n{err}\nshould start with\n{head}");
        assert!(err.contains(detail), "{file}:\n{err}\nshould contain\n{detail}");
    }
}

#[test]
fn the_books_usa_example_is_rejected_at_the_undeclared_child() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/conformance/usa_rejected/hosts")).unwrap();
    let err = strict_error("hosts", &text);
    assert!(err.starts_with("hosts:21:1: section `[usa:children]` includes undefined group `northeast`\n  | northeast\n  | ^"), "{err}");
    assert!(err.contains("hint: declare the group with a `[northeast]` section"), "{err}");
}

#[test]
fn full_width_punctuation_from_an_input_method_is_an_error_with_the_ascii_hint() {
    let err = strict_error("hosts", "[web]\nweb1：22\n");
    assert!(err.starts_with("hosts:2:5: full-width `：` in `web1：22`"), "{err}");
    assert!(err.contains("use the ASCII `:`"), "{err}");
    let err = strict_error("hosts", "[web：vars]\nx=1\n");
    assert!(err.starts_with("hosts:1:5: full-width `：`"), "{err}");
    let err = strict_error("hosts", "[web]\nw1\n[web:vars]\nport＝22\n");
    assert!(err.contains("use the ASCII `=`"), "{err}");
    // In a value it is text: Chinese descriptions keep their punctuation.
    let loaded =
        Inventory::load(&[Source::Text { name: "hosts".into(), text: "[web]\nw1 desc='注意：重启'\n".into() }], &LoadOptions::default())
            .unwrap();
    assert_eq!(loaded.inventory.host("w1").unwrap().vars["desc"], "注意：重启");
    let err = Pattern::parse("web：db").unwrap_err();
    assert!(matches!(err, PatternError::FullWidth { found: '：', .. }), "{err}");
}

#[test]
fn yaml_errors_point_into_the_file() {
    let err = strict_error("inv.yml", "web:\n  hosts:\n    - w1\n");
    assert!(err.starts_with("inv.yml:3:5: invalid `hosts` entry for group `web`: needs a mapping, found a list"), "{err}");
    let err = strict_error("inv.yml", "web:\n  hosts:\n    22:\n");
    assert!(err.starts_with("inv.yml:3:5: host pattern `22` must be a string"), "{err}");
    assert!(err.contains("hint: enclose numbers in quotes"), "{err}");
    let err = strict_error("inv.yml", "web: [\n");
    assert!(err.starts_with("inv.yml:"), "{err}");
    let err = strict_error("inv.yml", "plugin: aws_ec2\n");
    assert!(err.contains("inventory plugin configuration"), "{err}");
}

#[test]
fn a_rejected_source_warns_and_the_others_still_load() {
    let good = Source::Text { name: "good.ini".into(), text: "[web]\nw1\n".into() };
    let bad = Source::Text { name: "bad.ini".into(), text: "[db]\nd1\n[x:children]\nnothere\n".into() };
    let loaded = Inventory::load(&[good, bad], &LoadOptions::default()).unwrap();
    let names: Vec<_> = loaded.inventory.hosts().iter().map(|h| h.name.clone()).collect();
    // Nothing of the rejected file is kept, not even the hosts before its error.
    assert_eq!(names, ["w1"]);
    assert!(
        matches!(&loaded.warnings[0], Warning::SourceUnparsed { source_name, causes } if source_name == "bad.ini" && causes[0].starts_with("bad.ini:4:1:"))
    );
}

#[test]
fn a_pattern_matching_nothing_warns_as_ansible_does() {
    let loaded = Inventory::load(&[Source::Text { name: "h".into(), text: "w1\n".into() }], &LoadOptions::default()).unwrap();
    let sel = loaded.inventory.select("nosuch:w1").unwrap();
    assert_eq!(sel.target.names().collect::<Vec<_>>(), ["w1"]);
    assert_eq!(sel.warnings, [Warning::PatternMatchedNothing("nosuch".into())]);
    assert_eq!(sel.warnings[0].to_string(), "could not match supplied host pattern, ignoring: `nosuch`");
}

#[test]
fn problems_are_typed_for_callers() {
    let source = Source::Text { name: "h".into(), text: "[a:children]\nb\n[b:children]\na\n".into() };
    let err = Inventory::load(&[source], &LoadOptions { strict: true, ..LoadOptions::default() }).unwrap_err();
    let InventoryError::Unparsed { causes, .. } = err else { panic!() };
    assert!(matches!(causes[0].problem(), Some(Problem::GroupCycle { .. })));
    assert_eq!(causes[0].span().unwrap().to_string(), "h:4:1");
}
