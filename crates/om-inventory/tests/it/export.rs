//! Any inventory exported as INI or YAML loads back to the same groups, hosts and variables.

use std::path::Path;

use om_inventory::{Inventory, LoadOptions, Source};
use om_template::python::json_dumps;
use serde_json::Value;

fn roundtrip(case: &str, sources: &[&str]) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/conformance").join(case);
    let sources: Vec<Source> = sources.iter().map(|s| Source::Path(dir.join(s))).collect();
    let inv = Inventory::load(&sources, &LoadOptions::default()).unwrap().inventory;
    let list = inv.to_ansible_list_json(None).unwrap();
    for (name, text) in [("export.ini", inv.to_ini()), ("export.yml", inv.to_yaml())] {
        // INI has no `!unsafe`: its values are plain strings there.
        let want = json_dumps(&if name.ends_with(".ini") { plain(list.clone()) } else { list.clone() }, 4);
        // The export goes beside copies of the case's group_vars/ and host_vars/.
        let tmp = tempfile::tempdir().unwrap();
        for vars in ["group_vars", "host_vars"] {
            copy_dir(&dir.join(vars), &tmp.path().join(vars));
        }
        std::fs::write(tmp.path().join(name), &text).unwrap();
        let back = Inventory::load(&[Source::Path(tmp.path().join(name))], &LoadOptions { strict: true, ..LoadOptions::default() })
            .unwrap_or_else(|e| panic!("{case}: {name} does not load: {e}\n{text}"))
            .inventory;
        let got = json_dumps(&back.to_ansible_list_json(None).unwrap(), 4);
        assert_eq!(got, want, "{case}: {name} reads back differently:\n{text}");
    }
}

fn copy_dir(from: &Path, to: &Path) {
    let Ok(entries) = std::fs::read_dir(from) else { return };
    std::fs::create_dir_all(to).unwrap();
    for entry in entries {
        let entry = entry.unwrap();
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

fn plain(value: Value) -> Value {
    match value {
        Value::Object(map) if map.len() == 1 && map.contains_key("__ansible_unsafe") => map.into_iter().next().unwrap().1,
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, plain(v))).collect()),
        Value::Array(items) => Value::Array(items.into_iter().map(plain).collect()),
        other => other,
    }
}

#[test]
fn exports_read_back_the_same() {
    roundtrip("ini_basic", &["hosts"]);
    roundtrip("ini_typing", &["hosts"]);
    roundtrip("ini_children", &["hosts"]);
    roundtrip("yaml_basic", &["hosts.yml"]);
    roundtrip("yaml_edge", &["inv.yml"]);
    roundtrip("vars_precedence", &["hosts"]);
    roundtrip("patterns", &["hosts"]);
}
