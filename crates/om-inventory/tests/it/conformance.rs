//! Every case under `tests/fixtures/conformance/` against the goldens ansible-core 2.19
//! produced (`scripts/regen-goldens-inventory`): `ansible-inventory --list` byte for byte,
//! `--graph --vars`, `--host`, and `ansible <pattern> --list-hosts [--limit]` with the
//! patterns it could not match.

use std::path::{Path, PathBuf};

use om_inventory::{Inventory, LoadOptions, Pattern, Source, Warning};
use om_template::python::json_dumps;
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/conformance")
}

fn load_yaml(path: &Path) -> Value {
    om_template::yaml::load(&std::fs::read_to_string(path).unwrap(), &path.display().to_string()).unwrap().to_json()
}

fn source(dir: &Path, s: &str) -> Source {
    if s.contains(',') { Source::HostList(s.to_string()) } else { Source::Path(dir.join(s)) }
}

/// Runs one case; returns what differs from ansible-core. A case with `separately: true`
/// loads each of its sources as an inventory of its own.
fn check(name: &str) -> Vec<String> {
    let dir = fixtures().join(name);
    let case = load_yaml(&dir.join("case.yml"));
    let sources: Vec<&str> = case["sources"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    if case["separately"] == Value::Bool(true) {
        let mut diffs = Vec::new();
        for s in sources {
            diffs.extend(check_run(&dir, &[source(&dir, s)], &dir.join("golden").join(s)).into_iter().map(|d| format!("{s}: {d}")));
        }
        return diffs;
    }
    let sources: Vec<Source> = sources.iter().map(|s| source(&dir, s)).collect();
    check_run(&dir, &sources, &dir.join("golden"))
}

fn check_run(dir: &Path, sources: &[Source], golden_dir: &Path) -> Vec<String> {
    let golden: Value = serde_json::from_str(&std::fs::read_to_string(golden_dir.join("cases.json")).unwrap()).unwrap();
    let case = load_yaml(&dir.join("case.yml"));
    let options = LoadOptions { playbook_dir: case["playbook_dir"].as_str().map(|p| dir.join(p)), ..LoadOptions::default() };
    let loaded = Inventory::load(sources, &options).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let inv = loaded.inventory;
    let mut diffs = Vec::new();

    let list = json_dumps(&inv.to_ansible_list_json(None).unwrap(), 4) + "\n";
    let want = std::fs::read_to_string(golden_dir.join("list.json")).unwrap();
    if list != want {
        diffs.push(format!("--list differs:\n--- om\n{list}\n--- ansible\n{want}"));
    }
    let mut streamed = Vec::new();
    inv.write_ansible_list_json(None, &mut streamed).unwrap();
    if String::from_utf8(streamed).unwrap() != want {
        diffs.push("--list written host by host differs".to_string());
    }
    let graph = inv.to_ansible_graph("all", true).unwrap() + "\n";
    let want = std::fs::read_to_string(golden_dir.join("graph.txt")).unwrap();
    if graph != want {
        diffs.push(format!("--graph --vars differs:\n--- om\n{graph}\n--- ansible\n{want}"));
    }
    for (host, want) in golden["hosts"].as_object().unwrap() {
        let got = inv.to_ansible_host_json(host);
        if got.as_ref() != Some(want) {
            diffs.push(format!("--host {host}: om {got:?}, ansible {want}"));
        }
    }
    for q in golden["patterns"].as_array().unwrap() {
        let pattern = q["pattern"].as_str().unwrap();
        let limit = q["limit"].as_str();
        let what = format!("pattern `{pattern}`{}", limit.map(|l| format!(" --limit `{l}`")).unwrap_or_default());
        let result = Pattern::parse(pattern).and_then(|p| {
            let limit = limit.map(Pattern::parse_limit).transpose()?;
            inv.select_names(&p, limit.as_ref())
        });
        let want_unmatched: Vec<&str> = q["unmatched"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        match (result, q["rc"].as_i64().unwrap()) {
            (Ok((names, warnings)), 0) => {
                let list = |v: &Value| -> Vec<String> { v.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect() };
                let want = list(&q["hosts"]);
                // Where ansible-core's order varies from run to run, any order it gave will do.
                let orders: Vec<Vec<String>> =
                    q.get("orders").and_then(Value::as_array).map(|o| o.iter().map(list).collect()).unwrap_or_default();
                if names != want && !orders.contains(&names) {
                    diffs.push(format!("{what}: om {names:?}, ansible {want:?}"));
                }
                let mut unmatched: Vec<String> = warnings
                    .iter()
                    .filter_map(|w| match w {
                        Warning::PatternMatchedNothing(t) => Some(t.clone()),
                        _ => None,
                    })
                    .collect();
                unmatched.sort();
                unmatched.dedup();
                if unmatched != want_unmatched {
                    diffs.push(format!("{what}: om could not match {unmatched:?}, ansible {want_unmatched:?}"));
                }
            }
            // ansible-core fails; om must fail, or (with --limit) select nothing.
            (Err(_), rc) if rc != 0 => {}
            // Without --limit, ad-hoc ansible turns a pattern error into "no hosts matched".
            (Err(_), 0) if limit.is_none() && q["hosts"].as_array().is_some_and(Vec::is_empty) => {}
            (Ok((names, _)), rc) if rc != 0 && limit.is_some() && names.is_empty() => {}
            (got, rc) => diffs.push(format!("{what}: om {got:?}, ansible exited {rc}")),
        }
    }
    diffs
}

macro_rules! cases {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                let diffs = check(stringify!($name));
                assert!(diffs.is_empty(), "{} differs from ansible-core:\n{}", stringify!($name), diffs.join("\n"));
            }
        )*

        #[test]
        fn every_fixture_directory_is_a_case() {
            let known = [$(stringify!($name)),*];
            for entry in std::fs::read_dir(fixtures()).unwrap() {
                let name = entry.unwrap().file_name().to_string_lossy().into_owned();
                assert!(known.contains(&name.as_str()), "fixture `{name}` has no test; add it to cases!");
            }
        }
    };
}

cases!(
    comma_list,
    dir_source,
    host_group_clash,
    implicit_localhost,
    ini_basic,
    ini_children,
    ini_typing,
    json_inventory,
    multi_source,
    patterns,
    playbook_vars,
    rejections,
    script_source,
    usa_rejected,
    vars_precedence,
    yaml_basic,
    yaml_edge,
    yaml_warnings,
);
