//! Dynamic includes (PLAY-30) on several local hosts: `include_tasks` with a file name
//! templated per host and per loop item, `include_role` by a templated name with its
//! handlers, the include's `when`, `vars`, tags and `apply`, and a missing file named with
//! the include's place and the path it resolved to.

use std::path::Path;

use om_core::{Event, Status};
use om_play::PlayOptions;

use crate::features::{messages, run};

/// `included:` announcements: (file as printed, hosts, item label).
fn included(events: &[Event]) -> Vec<(String, Vec<String>, Option<String>)> {
    let mut out: Vec<(String, Vec<String>, Option<String>)> = Vec::new();
    for e in events {
        if let Event::HostResult { host, outcome, .. } = e
            && outcome.result.get("_ansible_included").is_some()
        {
            let file = outcome.result["include"].as_str().unwrap_or_default().to_string();
            let label = outcome.result.get("_ansible_item_label").and_then(|l| l.as_str()).map(str::to_string);
            match out.iter_mut().find(|(f, _, l)| *f == file && *l == label) {
                Some((_, hosts, _)) => hosts.push(host.clone()),
                None => out.push((file, vec![host.clone()], label)),
            }
        }
    }
    out
}

fn files(dir: &Path, list: &[(&str, &str)]) {
    for (name, text) in list {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
        std::fs::write(path, text).expect("write");
    }
}

const SITE: &str = r#"- hosts: all
  gather_facts: false
  tasks:
    - include_tasks: "{{ os }}.yml"
      vars:
        note: via-vars
    - include_tasks: "setup-{{ item }}.yml"
      loop: [a, b]
      when: item == 'b' or inventory_hostname == 'h1'
    - include_role:
        name: "{{ role }}"
    - debug: msg="after {{ inventory_hostname }}"
"#;

fn write_includes(d: &Path) {
    std::fs::write(d.join("hosts"), "").expect("write");
    files(
        d,
        &[
            ("site.yml", SITE),
            ("Debian.yml", "- debug: msg=\"deb {{ inventory_hostname }} {{ note }}\"\n"),
            ("RedHat.yml", "- debug: msg=\"rh {{ inventory_hostname }} {{ note }}\"\n"),
            ("setup-a.yml", "- debug: msg=\"a {{ inventory_hostname }} {{ item }}\"\n"),
            ("setup-b.yml", "- debug: msg=\"b {{ inventory_hostname }} {{ item }}\"\n"),
            ("roles/r1/tasks/main.yml", "- command: echo hi\n  changed_when: true\n  notify: r1 handler\n"),
            ("roles/r1/handlers/main.yml", "- name: r1 handler\n  debug: msg=\"handled {{ inventory_hostname }}\"\n"),
        ],
    );
}

#[test]
fn include_tasks_and_include_role_resolve_per_host_and_run_together() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write_includes(d);
    // The run helper writes `hosts` from names; host vars go in host_vars/.
    files(
        d,
        &[
            ("host_vars/h1.yml", "os: Debian\nrole: r1\n"),
            ("host_vars/h2.yml", "os: RedHat\nrole: r1\n"),
            ("host_vars/h3.yml", "os: Debian\nrole: r1\n"),
        ],
    );
    let (events, result) = run(d, &["h1", "h2", "h3"], PlayOptions::default());
    let recap = result.expect("runs");
    let p = |f: &str| d.join(f).display().to_string();
    let h = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        included(&events),
        vec![
            (p("Debian.yml"), h(&["h1", "h3"]), None),
            (p("RedHat.yml"), h(&["h2"]), None),
            (p("setup-a.yml"), h(&["h1"]), Some("a".into())),
            (p("setup-b.yml"), h(&["h1", "h2", "h3"]), Some("b".into())),
            ("r1".into(), h(&["h1", "h2", "h3"]), None),
        ],
        "one announcement per file and loop item, with the hosts that included it"
    );
    // Task by task (hosts of one task finish in any order).
    let mut ran: Vec<(usize, String, String)> = events
        .iter()
        .filter_map(|e| match e {
            Event::HostResult { host, task, outcome } if outcome.status != Status::Skipped => {
                let msg = outcome.result.get("msg")?.as_str()?.to_string();
                (!msg.is_empty() && msg != "All items completed").then(|| (*task, host.clone(), msg))
            }
            _ => None,
        })
        .collect();
    ran.sort();
    let ran: Vec<String> = ran.into_iter().map(|(_, _, m)| m).collect();
    assert_eq!(
        ran,
        [
            "deb h1 via-vars",
            "deb h3 via-vars",
            "rh h2 via-vars",
            "a h1 a",
            "b h1 b",
            "b h2 b",
            "b h3 b",
            "after h1",
            "after h2",
            "after h3",
            "handled h1",
            "handled h2",
            "handled h3",
        ],
        "each file's tasks run on its hosts together, files in order; the included role's handler runs at the end"
    );
    // As ansible-playbook: each loop item that included a file counts as ok.
    assert_eq!((recap.hosts["h1"].ok, recap.hosts["h2"].ok, recap.hosts["h2"].skipped), (10, 8, 0));
    assert_eq!(recap.hosts["h1"].changed, 1);
}

#[test]
fn a_missing_included_file_names_the_include_and_the_resolved_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    files(
        d,
        &[(
            "site.yml",
            "- hosts: all\n  gather_facts: false\n  tasks:\n    - include_tasks: \"missing-{{ inventory_hostname }}.yml\"\n      when: inventory_hostname == 'h1'\n    - debug: msg=after\n",
        )],
    );
    let (events, result) = run(d, &["h1", "h2"], PlayOptions::default());
    let recap = result.expect("runs");
    let failure = events
        .iter()
        .find_map(|e| match e {
            Event::HostResult { host, outcome, .. } if outcome.status == Status::Failed => {
                Some((host.clone(), outcome.result["msg"].clone()))
            }
            _ => None,
        })
        .expect("a failure");
    assert_eq!(failure.0, "h1");
    let msg = failure.1.as_str().unwrap_or_default().to_string();
    let expected = format!("{}:4:7: could not find or access '{}'", d.join("site.yml").display(), d.join("missing-h1.yml").display());
    assert!(msg.starts_with(&expected), "{msg}");
    assert_eq!(messages(&events).iter().filter(|m| *m == "after").count(), 1, "h2 goes on, h1 stops");
    assert_eq!(
        (recap.hosts["h1"].ok, recap.hosts["h1"].failed),
        (0, 1),
        "as ansible-playbook: a file that cannot be loaded counts as failed, not ok"
    );
    assert_eq!(recap.hosts["h2"].skipped, 1);
}

#[test]
fn tags_select_the_include_and_apply_passes_them_to_its_tasks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    files(
        d,
        &[
            (
                "site.yml",
                "- hosts: all\n  gather_facts: false\n  tasks:\n    - include_tasks: inner.yml\n    - include_tasks: inner.yml\n      tags: [t]\n    - include_tasks:\n        file: inner.yml\n        apply:\n          tags: [t]\n      tags: [t]\n",
            ),
            ("inner.yml", "- debug: msg=untagged\n- debug: msg=tagged\n  tags: [t]\n"),
        ],
    );
    let options = PlayOptions { tags: vec!["t".into()], ..PlayOptions::default() };
    let (events, result) = run(d, &["h1"], options);
    result.expect("runs");
    assert_eq!(
        messages(&events),
        ["tagged", "untagged", "tagged"],
        "an untagged include is not run; a tagged one runs only its tagged tasks, unless apply tags them all"
    );
}

#[test]
fn include_role_templates_tasks_from_per_host() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    files(
        d,
        &[
            (
                "site.yml",
                "- hosts: all\n  gather_facts: false\n  tasks:\n    - include_role:\n        name: r\n        tasks_from: \"{{ 'first' if inventory_hostname == 'h1' else 'second' }}\"\n",
            ),
            ("roles/r/tasks/first.yml", "- debug: msg=\"first {{ inventory_hostname }}\"\n"),
            ("roles/r/tasks/second.yml", "- debug: msg=\"second {{ inventory_hostname }}\"\n"),
        ],
    );
    let (events, result) = run(d, &["h1", "h2"], PlayOptions::default());
    result.expect("runs");
    let mut got = messages(&events);
    got.sort();
    assert_eq!(got, ["first h1", "second h2"]);
}

/// ansible-core 2.19 stops the playbook when a file reached by `include_tasks` or
/// `include_role` does not parse (bad YAML, an unknown keyword); the error keeps the file's
/// line and column; the files included before it were announced; a missing file still only
/// fails the hosts that included it.
#[test]
fn an_included_file_that_does_not_parse_stops_the_playbook() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    files(
        d,
        &[
            ("good.yml", "- debug: msg=in-good\n"),
            ("yaml.yml", "- debug: msg=in\n- name: bad\n  debug: [msg=x\n  foo: : bar\n"),
            ("keyword.yml", "- debug: msg=in\n- name: bad\n  debug: msg=x\n  bogus_keyword: 1\n"),
            ("roles/broken/tasks/main.yml", "- debug: msg=in\n- name: bad\n  debug: msg=x\n  bogus_keyword: 1\n"),
        ],
    );
    let site = |include: &str| {
        format!(
            "- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: msg=before\n    - {include}\n      loop: [good, bad]\n    - debug: msg=after\n- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: msg=next-play\n"
        )
    };
    for (include, file, at) in [
        ("include_tasks: \"{{ 'yaml' if item == 'bad' else item }}.yml\"", "yaml.yml", (4, 6)),
        ("include_tasks: \"{{ 'keyword' if item == 'bad' else item }}.yml\"", "keyword.yml", (4, 18)),
        ("include_role: name=\"{{ 'broken' if item == 'bad' else 'missing-role' }}\"", "roles/broken/tasks/main.yml", (4, 18)),
    ] {
        std::fs::write(d.join("site.yml"), site(include)).expect("write");
        let (events, result) = run(d, &["h1", "h2"], PlayOptions::default());
        let err = result.expect_err("the playbook stops");
        let text = err.to_string();
        assert!(matches!(err, om_play::PlayError::Yaml(_) | om_play::PlayError::Syntax { .. }), "{err:?}");
        assert!(text.starts_with(&format!("{}:{}:{}: ", d.join(file).display(), at.0, at.1)), "{text}");
        let msgs = messages(&events);
        assert!(msgs.contains(&"before".to_string()), "{msgs:?}");
        assert!(!msgs.iter().any(|m| m == "in" || m == "after" || m == "next-play" || m == "in-good"), "nothing runs after it: {msgs:?}");
        if file == "yaml.yml" {
            let announced = included(&events);
            assert_eq!(announced.len(), 1, "good.yml was loaded and announced first: {announced:?}");
            assert!(announced[0].0.ends_with("good.yml"), "{announced:?}");
        }
    }
    std::fs::write(d.join("site.yml"), site("include_tasks: \"{{ item }}.yml\"")).expect("write");
    let (events, result) = run(d, &["h1", "h2"], PlayOptions::default());
    let recap = result.expect("a missing file fails the hosts, the run goes on");
    assert_eq!((recap.hosts["h1"].failed, recap.hosts["h2"].failed), (1, 1));
    assert!(!messages(&events).iter().any(|m| m == "next-play"), "every host failed: the playbook ends");
}
