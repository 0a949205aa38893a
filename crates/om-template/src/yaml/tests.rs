use serde_json::json;

use super::*;

fn json_of(text: &str) -> serde_json::Value {
    load(text, "t.yml").unwrap_or_else(|e| panic!("{e}")).to_json()
}

#[test]
fn scalars_follow_yaml_1_1_as_pyyaml() {
    let v = json_of(
        "f: [1e3, 1.0e+3, .5, -.5, +.5, 1_000, 0b101, 0x1F, 0644, 08, 0o644, 1:30, 1:30.5, y, n, yes, off, ~, '', 1., -1_0.0_1]\n\
         d: 2014-07-15\nts: 2001-12-14t21:59:43.10-05:00\nq: '0644'\ns: !!str 123\ni: !!int \"0x10\"\n",
    );
    assert_eq!(
        v,
        json!({
            "f": ["1e3", 1000.0, 0.5, "-.5", "+.5", 1000, 5, 31, 420, "08", "0o644", 90, 90.5, "y", "n", true, false, null, "", 1.0, -10.01],
            "d": "2014-07-15", "ts": "2001-12-14T21:59:43.100000-05:00", "q": "0644", "s": "123", "i": 16
        })
    );
}

#[test]
fn every_node_knows_where_it_was_written() {
    let node = load("all:\n  hosts:\n    web1:\n      port: 22\n", "inv.yml").unwrap();
    let port = node.get("all").and_then(|n| n.get("hosts")).and_then(|n| n.get("web1")).and_then(|n| n.get("port")).unwrap();
    assert_eq!(port.span.to_string(), "inv.yml:4:13");
    let key = node.as_map().unwrap().iter().next().unwrap().0;
    assert_eq!(key.span.to_string(), "inv.yml:1:1");
}

#[test]
fn merges_put_merged_keys_first_and_let_later_keys_win() {
    let v = json_of("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  x: 3\nl:\n  <<: [{a: 1}, {a: 2, b: 2}]\n");
    assert_eq!(v["m"], json!({"x": 3, "y": 2}));
    assert_eq!(v["l"], json!({"a": 1, "b": 2}));
    let keys: Vec<_> = v["m"].as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["x", "y"]);
}

#[test]
fn duplicate_keys_warn_and_the_last_wins() {
    let doc = load_document("a: 1\nb: 2\na: 3\n", "d.yml").unwrap();
    assert_eq!(doc.root.to_json(), json!({"a": 3, "b": 2}));
    assert_eq!(doc.warnings.len(), 1);
    assert_eq!(doc.warnings[0].to_string(), "d.yml:3:1: duplicate mapping key `a`; using the last value only");
}

#[test]
fn unsafe_and_vault_keep_their_markers() {
    let v = json_of("u: !unsafe '{{ x }}'\nn: !unsafe '123'\nl: !unsafe [a]\nv: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6162\n");
    assert_eq!(v["u"], json!({"__ansible_unsafe": "{{ x }}"}));
    assert_eq!(v["n"], json!(123));
    assert_eq!(v["l"], json!([{"__ansible_unsafe": "a"}]));
    assert_eq!(v["v"], json!({"__ansible_vault": "$ANSIBLE_VAULT;1.1;AES256\n6162\n"}));
}

#[test]
fn bad_input_is_an_error_with_a_place() {
    let err = load("a: [1, 2\n", "bad.yml").unwrap_err();
    assert!(err.to_string().starts_with("bad.yml:"), "{err}");
    let err = load("a: !foo x\n", "bad.yml").unwrap_err();
    assert_eq!(err.span().to_string(), "bad.yml:1:4");
    assert!(matches!(load("a: 1\n---\nb: 2\n", "m.yml"), Err(YamlError::MultipleDocuments { .. })));
    assert!(matches!(load("? [a]\n: 1\n", "k.yml"), Err(YamlError::UnhashableKey { .. })));
    assert!(matches!(load("x: !!int abc\n", "i.yml"), Err(YamlError::BadScalar { .. })));
}

#[test]
fn alias_bombs_and_deep_nesting_are_refused() {
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let p = i - 1;
        bomb.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
    }
    assert!(matches!(load(&bomb, "bomb.yml"), Err(YamlError::TooLarge { .. })));
    let deep = "[".repeat(10_000);
    assert!(load(&deep, "deep.yml").is_err());
}

#[test]
fn full_width_colon_typed_by_an_input_method_warns() {
    let doc = load_document("- name： install nginx\n", "p.yml").unwrap();
    assert_eq!(doc.warnings.len(), 1);
    assert!(doc.warnings[0].to_string().contains("use the ASCII `:`"));
    let doc = load_document("- 注意：重启\n", "p.yml").unwrap();
    assert!(doc.warnings.is_empty());
}

#[test]
fn empty_stream_is_null() {
    assert!(load("", "e.yml").unwrap().is_null());
    assert!(load("# only a comment\n", "e.yml").unwrap().is_null());
}

#[test]
fn dump_reads_back_as_the_same_value() {
    let v = json!({"all": {"children": {"web": {"hosts": {"w1": {"a": "yes", "b": "0644", "c": 1.5, "d": [1, "x: y"], "e": "", "f": null, "g": "1e3"}}}}}});
    let text = dump(&v);
    assert_eq!(json_of(&text), v, "{text}");
}
