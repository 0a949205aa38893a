//! Running playbooks on this machine through the local connection: variables, precedence,
//! vault, tags, check mode; results read from the events.

use std::path::Path;
use std::sync::Arc;

use om_core::{Event, Recap, Status};
use om_inventory::{Inventory, LoadOptions as InventoryOptions, Source};
use om_play::{LoadOptions, PlayOptions, Runner, load};
use om_template::vault::{VaultSecret, encrypt};

/// Runs `site.yml` in `dir` on `localhost`; returns the events and the recap.
fn play(dir: &Path, options: PlayOptions) -> (Vec<Event>, Recap) {
    let load_options = LoadOptions { vault: options.vault.clone(), ..LoadOptions::default() };
    let book = load(&dir.join("site.yml"), &load_options).expect("the playbook loads");
    let loaded =
        Inventory::load(&[Source::parse("localhost,")], &InventoryOptions { playbook_dir: Some(dir.to_path_buf()), ..Default::default() })
            .expect("inventory");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let runner = Runner::new(Arc::new(loaded.inventory), Arc::new(om_exec::LocalConnector), options, tx);
    let recap = runtime.block_on(runner.run(&book)).expect("runs");
    drop(runner);
    let mut events = Vec::new();
    while let Ok(e) = rx.try_recv() {
        events.push(e);
    }
    (events, recap)
}

/// The `msg` of every debug result, in order.
fn messages(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::HostResult { outcome, .. } if outcome.status != Status::Skipped => {
                outcome.result.get("msg").map(|m| m.as_str().map(str::to_string).unwrap_or_else(|| m.to_string()))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn precedence_vault_and_extra_vars() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let secret = VaultSecret::new("s3cret");
    let vaulted = encrypt(b"from-vault", &secret);
    let indented: String = vaulted.lines().map(|l| format!("      {l}\n")).collect();
    std::fs::create_dir_all(d.join("roles/r/defaults")).expect("dir");
    std::fs::create_dir_all(d.join("roles/r/vars")).expect("dir");
    std::fs::create_dir_all(d.join("roles/r/tasks")).expect("dir");
    std::fs::create_dir_all(d.join("group_vars")).expect("dir");
    std::fs::write(d.join("roles/r/defaults/main.yml"), "a: role-default\nb: role-default\nc: role-default\n").expect("write");
    std::fs::write(d.join("roles/r/vars/main.yml"), "b: role-vars\n").expect("write");
    std::fs::write(d.join("roles/r/tasks/main.yml"), "- debug: msg=\"{{ a }} {{ b }} {{ c }}\"\n").expect("write");
    std::fs::write(d.join("group_vars/all.yml"), "a: group-all\nb: group-all\n").expect("write");
    std::fs::write(d.join("secret.yml"), encrypt(b"file_secret: from-vault-file\n", &secret)).expect("write");
    std::fs::write(
        d.join("site.yml"),
        format!(
            "- hosts: all\n  gather_facts: false\n  vars_files: [secret.yml]\n  vars:\n    c: play-vars\n    token: !vault |\n{indented}  roles: [r]\n  tasks:\n    - debug: msg=\"{{{{ token }}}} {{{{ file_secret }}}}\"\n    - set_fact: c=fact\n    - debug: msg=\"{{{{ c }}}}\"\n    - debug: msg=\"{{{{ c }}}}\"\n      vars:\n        c: task-vars\n    - debug: msg=\"{{{{ e }}}}\"\n      tags: [only]\n"
        ),
    )
    .expect("write");
    let mut extra = om_core::Vars::new();
    extra.insert("e".into(), "extra".into());
    let options = PlayOptions { vault: vec![secret], extra_vars: extra, ..PlayOptions::default() };
    let (events, recap) = play(d, options);
    assert_eq!(
        messages(&events),
        ["group-all role-vars play-vars", "from-vault from-vault-file", "fact", "fact", "extra"],
        "inventory group_vars beat role defaults, role vars beat group_vars, set_fact beats task vars"
    );
    assert_eq!(recap.hosts["localhost"].ok, 6);
    let mut extra = om_core::Vars::new();
    extra.insert("e".into(), "extra".into());
    let only =
        PlayOptions { tags: vec!["only".into()], vault: vec![VaultSecret::new("s3cret")], extra_vars: extra, ..PlayOptions::default() };
    let (events, _) = play(d, only);
    assert_eq!(messages(&events), ["extra"], "--tags only runs the tagged task");
}

#[test]
fn undefined_variables_fail_the_host_with_the_name_and_place() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("site.yml"),
        "- hosts: all\n  gather_facts: false\n  vars:\n    port: 80\n  tasks:\n    - debug: msg=\"{{ prot }}\"\n    - debug: msg=never\n",
    )
    .expect("write");
    let (events, recap) = play(dir.path(), PlayOptions::default());
    let msg = messages(&events).remove(0);
    assert!(msg.contains("site.yml:6:7"), "{msg}");
    assert!(msg.contains("`prot` is undefined") && msg.contains("did you mean `port`?"), "{msg}");
    assert_eq!((recap.hosts["localhost"].failed, recap.hosts["localhost"].ok), (1, 0), "the failed host runs nothing more");
}

/// As ansible-core 2.19: a `vars_files` entry none of whose files exists is passed over (om
/// warns), and only a task that uses one of its variables fails.
#[test]
fn a_missing_vars_file_leaves_its_variables_undefined() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("found.yml"), "from_file: found\n").expect("write");
    std::fs::write(
        dir.path().join("site.yml"),
        "- hosts: all\n  gather_facts: false\n  vars_files:\n    - missing.yml\n    - [also-missing.yml, found.yml]\n  tasks:\n    - debug: msg=\"{{ from_file }}\"\n    - debug: msg=\"{{ from_missing }}\"\n",
    )
    .expect("write");
    let (events, recap) = play(dir.path(), PlayOptions::default());
    let warnings: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            Event::Warning { message, .. } => Some(message.as_str()),
            _ => None,
        })
        .collect();
    assert!(warnings.iter().any(|w| w.contains("site.yml:4") && w.contains("`missing.yml` was not found")), "{warnings:?}");
    let messages = messages(&events);
    assert_eq!(messages[0], "found", "the second entry's first existing file was read");
    assert!(messages[1].contains("`from_missing` is undefined"), "{}", messages[1]);
    assert_eq!((recap.hosts["localhost"].ok, recap.hosts["localhost"].failed), (1, 1));
}

#[test]
fn check_mode_changes_nothing_and_loops_register_results() {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("out.txt");
    std::fs::write(
        dir.path().join("site.yml"),
        format!(
            "- hosts: all\n  gather_facts: false\n  tasks:\n    - copy: content=x dest={}\n    - command: echo {{{{ item }}}}\n      loop: [a, b]\n      register: r\n      check_mode: false\n    - debug: msg=\"{{{{ r.results | map(attribute='stdout') | join(',') }}}}\"\n",
            target.display()
        ),
    )
    .expect("write");
    let (events, recap) = play(dir.path(), PlayOptions { check: true, ..PlayOptions::default() });
    assert!(!target.exists(), "check mode wrote nothing");
    assert_eq!(messages(&events).last().map(String::as_str), Some("a,b"));
    assert_eq!(recap.hosts["localhost"].changed, 2);
}

#[test]
fn book_nginx_template_golden_renders() {
    let source = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/nginx/templates/nginx.conf.j2"))
        .expect("template");
    let jinja = om_template::jinja::Jinja::new();
    let four = "worker_cpu_affinity 1000 0100 0010 0001;";
    let eight = "worker_cpu_affinity 00000001 00000010 00000100 00001000 00010000 00100000 01000000 10000000;";
    for (cpus, affinity) in [(1, four), (2, "worker_cpu_affinity 01 10;"), (3, four), (4, four), (8, eight), (16, eight)] {
        let vars = serde_json::json!({"worker_processes": 4, "num_cpus": cpus, "max_open_file": 65506});
        let scope =
            om_template::jinja::Scope::new(&jinja, vec![om_template::jinja::Layer::json(vars.as_object().cloned().unwrap_or_default())]);
        let out = jinja.render_file(&source, "nginx.conf.j2", &scope, om_template::jinja::FileOptions::default()).expect("renders");
        assert_eq!(
            out,
            format!("user              nginx;\nworker_processes  4;\n{affinity}\nworker_rlimit_nofile 65506;\n"),
            "num_cpus={cpus}"
        );
    }
}

#[test]
fn start_at_task_and_skip_tags() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("site.yml"),
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: msg=one\n    - name: second\n      debug: msg=two\n    - debug: msg=three\n      tags: [noisy]\n    - debug: msg=four\n      tags: [never, debug]\n",
    )
    .expect("write");
    let options = PlayOptions { start_at_task: Some("second".into()), skip_tags: vec!["noisy".into()], ..PlayOptions::default() };
    let (events, _) = play(dir.path(), options);
    assert_eq!(messages(&events), ["two"], "starts at `second`, skips `noisy`, `never` runs only when asked");
    let (events, _) = play(dir.path(), PlayOptions { tags: vec!["debug".into()], ..PlayOptions::default() });
    assert_eq!(messages(&events), ["four"]);
}

/// A skipped result's `false_condition` is the first false `when`, as written: `{{ }}` kept,
/// a YAML boolean still a boolean (ansible-core 2.19's `--json`/-v results).
#[test]
fn skipped_results_name_the_false_condition_as_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("site.yml"),
        "- hosts: all\n  gather_facts: false\n  vars: {n: 3}\n  tasks:\n    - debug: msg=a\n      when: [n > 1, n == 7, n > 0]\n    - debug: msg=b\n      when: \"{{ n == 4 }}\"\n    - debug: msg=c\n      when: false\n    - debug: msg=d\n      loop: [1, 2]\n      when: item != 2\n",
    )
    .expect("write");
    let (events, recap) = play(dir.path(), PlayOptions::default());
    let skipped: Vec<serde_json::Value> = events
        .iter()
        .filter_map(|e| match e {
            Event::HostResult { outcome, .. } if outcome.status == Status::Skipped && !outcome.result.contains_key("results") => {
                Some(outcome.result["false_condition"].clone())
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        skipped,
        vec![serde_json::json!("n == 7"), serde_json::json!("{{ n == 4 }}"), serde_json::json!(false), serde_json::json!("item != 2")]
    );
    assert_eq!(messages(&events), vec!["d".to_string(), "All items completed".to_string()]);
    assert_eq!(recap.hosts["localhost"].skipped, 3);
}
