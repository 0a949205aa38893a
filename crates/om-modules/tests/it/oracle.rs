//! ansible-core 2.19 as the oracle: the same tasks run by ansible-playbook on one copy of the
//! fixtures and by om on another; file bytes, `changed` and `msg` must match. om then runs
//! every task again: nothing may change (ansible-core's modules are idempotent here too; one
//! ansible round keeps the test fast).

use std::path::Path;

use serde_json::{Value, json};

use crate::{run, venv_bin};

struct Case {
    module: &'static str,
    /// The initial file content, or `None` for no file.
    initial: Option<&'static str>,
    args: Value,
}

fn cases() -> Vec<Case> {
    let c = |module, initial, args| Case { module, initial, args };
    vec![
        c("lineinfile", Some("a=1\nb=2\nc=3\n"), json!({"regexp": "^b=", "line": "b=20"})),
        c("lineinfile", Some("a=1\nb=2\n"), json!({"line": "d=4"})),
        c("lineinfile", Some("a=1\nb=2"), json!({"line": "d=4"})),
        c("lineinfile", Some("[main]\nx=1\n[other]\ny=2\n"), json!({"line": "z=3", "insertafter": "^\\[main\\]"})),
        c("lineinfile", Some("a\nb\n"), json!({"line": "# header", "insertbefore": "BOF"})),
        c("lineinfile", Some("Listen 80\n"), json!({"regexp": "^Listen (\\d+)", "line": "Port \\1 # was \\1", "backrefs": true})),
        c("lineinfile", Some("keep\ndrop me\nkeep\ndrop me\n"), json!({"regexp": "^drop", "state": "absent"})),
        c("lineinfile", None, json!({"line": "new", "create": true})),
        c("lineinfile", Some("x\nmark\ny\nmark\nz\n"), json!({"line": "after-first", "insertafter": "^mark", "firstmatch": true})),
        c("lineinfile", Some("PermitRootLogin yes\n"), json!({"search_string": "PermitRootLogin", "line": "PermitRootLogin no"})),
        c("lineinfile", Some("a\nb\n"), json!({"line": "b", "insertbefore": "^a"})),
        c("lineinfile", Some("one\ntwo\n"), json!({"line": "zero", "insertbefore": "^one"})),
        c("blockinfile", Some("first\nlast\n"), json!({"block": "x=1\ny=2"})),
        c("blockinfile", Some("a\n# BEGIN ANSIBLE MANAGED BLOCK\nold\n# END ANSIBLE MANAGED BLOCK\nb\n"), json!({"block": "new1\nnew2"})),
        c("blockinfile", Some("a\n# BEGIN ANSIBLE MANAGED BLOCK\nold\n# END ANSIBLE MANAGED BLOCK\nb\n"), json!({"state": "absent"})),
        c(
            "blockinfile",
            Some("<html>\n<body>\n</body>\n"),
            json!({"block": "<p>hi</p>", "marker": "<!-- {mark} om -->", "insertafter": "<body>"}),
        ),
        c("blockinfile", Some("a\nb\n"), json!({"block": "blk", "insertbefore": "^b", "prepend_newline": true, "append_newline": true})),
        c("blockinfile", Some("only"), json!({"block": "tail", "marker_begin": "START", "marker_end": "STOP"})),
        c("replace", Some("host=old1\nhost=old2\nport=1\n"), json!({"regexp": "^host=old(\\d)$", "replace": "host=new\\1"})),
        c(
            "replace",
            Some("a=1\n[s]\na=1\n[t]\na=1\n"),
            json!({"regexp": "a=1", "replace": "a=2", "after": "\\[s\\]", "before": "\\[t\\]"}),
        ),
        c("replace", Some("nothing here\n"), json!({"regexp": "absent", "replace": "x"})),
    ]
}

fn cron_cases(user: &str) -> Vec<Case> {
    let c = |args| Case { module: "cron", initial: None, args };
    vec![
        c(json!({"name": "backup", "minute": "0", "hour": "5,2", "job": "/usr/local/bin/backup.sh", "user": user})),
        c(json!({"name": "reboot job", "special_time": "reboot", "job": "/bin/true", "user": user})),
        c(json!({"name": "disabled", "minute": "*/5", "job": "/bin/false", "disabled": true, "user": user})),
        c(json!({"name": "MAILTO", "env": true, "job": "ops@example.test", "user": user})),
    ]
}

/// Runs the tasks with ansible-playbook; returns each task's registered result, in order.
fn ansible(mut tasks: Vec<Value>, dir: &Path) -> Vec<Value> {
    let names: Vec<String> = (0..tasks.len()).map(|i| format!("t{i}")).collect();
    for (t, n) in tasks.iter_mut().zip(&names) {
        t["register"] = json!(n);
        t["ignore_errors"] = json!(true);
    }
    let results = dir.join("results.json");
    tasks.push(json!({"name": "collect", "copy": {"content": format!("{{{{ [{}] | to_json }}}}", names.join(", ")), "dest": results}}));
    let play = json!([{"hosts": "localhost", "gather_facts": false, "connection": "local", "tasks": tasks}]);
    let book = dir.join("play.json");
    std::fs::write(&book, serde_json::to_vec(&play).expect("json")).expect("write playbook");
    let python = venv_bin("python");
    let out = std::process::Command::new(venv_bin("ansible-playbook"))
        .args(["-i", "localhost,", "-e"])
        .arg(format!("ansible_python_interpreter={}", python.display()))
        .arg(&book)
        .env("ANSIBLE_LOCALHOST_WARNING", "false")
        .env("ANSIBLE_NOCOLOR", "1")
        .env("ANSIBLE_HOME", dir.join(".ansible"))
        .output()
        .expect("ansible-playbook runs");
    let text = std::fs::read_to_string(&results).unwrap_or_else(|_| {
        panic!("ansible-playbook wrote no results: {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    });
    serde_json::from_str::<Vec<Value>>(&text).expect("results JSON")
}

fn check(cases: Vec<Case>, path_key: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a_dir, o_dir) = (dir.path().join("ansible"), dir.path().join("om"));
    std::fs::create_dir_all(&a_dir).expect("dir");
    std::fs::create_dir_all(&o_dir).expect("dir");
    let mut tasks = Vec::new();
    {
        let round = 0;
        for (i, case) in cases.iter().enumerate() {
            let mut a = case.args.clone();
            a[path_key] = json!(a_dir.join(format!("f{i}")));
            if case.module == "cron" {
                a["cron_file"] = json!(a_dir.join(format!("f{i}")));
                a.as_object_mut().expect("map").remove("path");
            }
            tasks.push(json!({"name": format!("r{round}-c{i}"), case.module: a}));
        }
    }
    for (i, case) in cases.iter().enumerate() {
        if let Some(init) = case.initial {
            std::fs::write(a_dir.join(format!("f{i}")), init).expect("fixture");
            std::fs::write(o_dir.join(format!("f{i}")), init).expect("fixture");
        }
    }
    let expected = ansible(tasks, dir.path());
    let mut n = 0;
    for round in 0..2 {
        for (i, case) in cases.iter().enumerate() {
            let mut a = case.args.clone();
            a[path_key] = json!(o_dir.join(format!("f{i}")));
            if case.module == "cron" {
                a["cron_file"] = json!(o_dir.join(format!("f{i}")));
                a.as_object_mut().expect("map").remove("path");
            }
            let got = run(case.module, a);
            let what = format!("round {round}, case {i} ({} {})", case.module, case.args);
            if round == 1 {
                assert_eq!(got.result["changed"], false, "{what}: not idempotent: {:?}", got.result);
            }
            let want = &expected[n.min(expected.len() - 1)];
            if round == 0 {
                n += 1;
            }
            if round == 0 {
                assert_eq!(got.result["changed"], want["changed"], "{what}: changed differs; ansible: {want}; om: {:?}", got.result);
            }
            if let Some(msg) = want.get("msg").filter(|_| case.module != "cron" && round == 0) {
                assert_eq!(&got.result["msg"], msg, "{what}: msg differs");
            }
            let af = std::fs::read(a_dir.join(format!("f{i}"))).ok();
            let of = std::fs::read(o_dir.join(format!("f{i}"))).ok();
            assert_eq!(
                of.as_deref().map(String::from_utf8_lossy),
                af.as_deref().map(String::from_utf8_lossy),
                "{what}: file content differs from ansible-core's"
            );
        }
    }
}

#[test]
fn line_editing_matches_ansible_core_byte_for_byte() {
    check(cases(), "path");
}

#[test]
fn cron_files_match_ansible_core_byte_for_byte() {
    let user = std::env::var("USER").unwrap_or_else(|_| "root".into());
    check(cron_cases(&user), "path");
}
