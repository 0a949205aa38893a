//! Playbook actions through om-play in process (no `ansible-playbook` anywhere).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::jobs::{events, launch};
use crate::support::{Auth, Session, TestPlatform, local, wait_for};

/// A playbook action with a `greeting` parameter running `<data>/playbooks/<file>`.
async fn playbook_action(p: &TestPlatform, admin: &Session, file: &str, playbook: &str) -> i64 {
    let dir = p.dir.path().join("data/playbooks");
    std::fs::write(dir.join(file), playbook).expect("write the playbook");
    let body = json!({
        "name": format!("play {file}"), "group": "app",
        "params": [{"name": "greeting", "type": "string", "required": false, "default": "hi"}],
        "run": {"kind": "playbook", "playbook": file},
    });
    let reply = p.post("/api/v1/actions", Auth::Session(admin), body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    reply.json()["id"].as_i64().expect("id")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_playbook_job_runs_through_om_play_on_lab_hosts_with_live_output_and_a_recap() {
    let lab = om_test::lab(2);
    let p = TestPlatform::start().await;
    let admin = p.admin().await;
    let stub = crate::lab::systemctl_stub(p.dir.path(), "none");
    let ips = crate::lab::lab_fixture(&p, &admin, &lab, &stub).await;
    let out = p.dir.path().display().to_string();
    // Hostvars (ansible_host from the CMDB) and the parameter (an extra var) reach the tasks;
    // the second host fails its last task.
    let playbook = format!(
        "- hosts: all\n  gather_facts: false\n  tasks:\n\
         \x20   - name: hello\n      shell: echo hello from {{{{ inventory_hostname }}}}; echo warn >&2\n\
         \x20   - name: write\n      copy:\n        content: \"{{{{ greeting }}}} {{{{ inventory_hostname }}}} {{{{ ansible_host }}}}\\n\"\n        dest: {out}/out.{{{{ inventory_hostname }}}}\n\
         \x20   - name: check\n      command: \"false\"\n      when: inventory_hostname == 'sn2013-08-022'\n"
    );
    let action = playbook_action(&p, &admin, "site.yml", &playbook).await;
    let token = p.token(&admin, "read").await;
    // `{{ … }}` in a parameter is data: it reaches the file as typed.
    let body =
        json!({"action_id": action, "params": {"greeting": "hi {{ 6*7 }}"}, "targets": {"servers": ["sn2013-08-021", "sn2013-08-022"]}});
    let reply = p.post("/api/v1/jobs", Auth::Session(&admin), body).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text());
    let job = reply.json()["id"].as_i64().expect("id");
    let stream = events(&p, &token, job, None, 10_000).await;
    for (name, ip) in ["sn2013-08-021", "sn2013-08-022"].iter().zip(&ips) {
        let written = std::fs::read_to_string(p.dir.path().join(format!("out.{name}"))).unwrap_or_default();
        assert_eq!(written, format!("hi {{{{ 6*7 }}}} {name} {ip}\n"), "the copy task ran on {name}");
    }
    // Output arrives live: each host's `hello` output comes before its result for that task.
    let mut output: BTreeMap<String, String> = BTreeMap::new();
    for (i, (_, kind, data)) in stream.iter().enumerate() {
        if kind == "output" && data["stream"] == "stdout" {
            let host = data["host"].as_str().expect("host");
            output.entry(host.to_string()).or_default().push_str(data["data"].as_str().expect("text"));
            let result = stream.iter().position(|(_, k, d)| k == "host_result" && d["host"] == host && d["task"] == data["task"]);
            assert!(result.is_some_and(|r| r > i), "output precedes the host's result: {stream:?}");
        }
    }
    assert_eq!(output.get("sn2013-08-021").map(String::as_str), Some("hello from sn2013-08-021\n"), "{stream:?}");
    assert_eq!(output.get("sn2013-08-022").map(String::as_str), Some("hello from sn2013-08-022\n"), "{stream:?}");
    let recap = &stream.iter().find(|e| e.1 == "run_finished").expect("a recap").2["recap"]["hosts"];
    assert_eq!((recap["sn2013-08-021"]["ok"].as_i64(), recap["sn2013-08-021"]["changed"].as_i64()), (Some(2), Some(2)), "{recap}");
    assert_eq!((recap["sn2013-08-021"]["skipped"].as_i64(), recap["sn2013-08-022"]["failed"].as_i64()), (Some(1), Some(1)), "{recap}");
    let done = p.wait_job(&admin, job).await;
    assert_eq!(done["status"], "failed", "{done}");
    let hosts: Vec<(&str, &str)> = done["hosts"]
        .as_array()
        .expect("hosts")
        .iter()
        .map(|h| (h["hostname"].as_str().unwrap_or_default(), h["status"].as_str().unwrap_or_default()))
        .collect();
    assert_eq!(hosts, [("sn2013-08-021", "changed"), ("sn2013-08-022", "failed")], "{done}");
    assert!(done["hosts"][1]["message"].as_str().unwrap_or_default().contains("non-zero return code"), "{done}");
    let stderr = p.get(&format!("/api/v1/jobs/{job}/output?host=sn2013-08-021&stream=stderr"), Auth::Session(&admin)).await.text();
    assert_eq!(stderr, "warn\n");
    let stored = p.get(&format!("/api/v1/jobs/{job}/events?after=0"), Auth::Session(&admin)).await.json();
    let kinds: Vec<&str> = stored["items"].as_array().expect("items").iter().filter_map(|e| e["kind"].as_str()).collect();
    assert!(kinds.contains(&"run_finished"), "the recap is stored: {kinds:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_or_timed_out_playbook_ends_its_hosts() {
    let p = TestPlatform::start_with(|c| c.workers.cancel_grace_ms = 500).await;
    let admin = p.admin().await;
    p.book_fixture(&admin, local()).await;
    let playbook = "- hosts: all\n  gather_facts: false\n  tasks:\n    - shell: echo started; sleep 30\n";
    let action = playbook_action(&p, &admin, "sleep.yml", playbook).await;
    let job = launch(&p, &admin, action, &["sn2013-08-021", "sn2013-08-022"]).await;
    wait_for("the hosts to run", Duration::from_secs(20), || async {
        p.get(&format!("/api/v1/jobs/{job}"), Auth::Session(&admin)).await.json()["hosts"]
            .as_array()
            .is_some_and(|h| h.iter().all(|h| h["status"] == "running"))
    })
    .await;
    let asked = Instant::now();
    let cancelled = p.post(&format!("/api/v1/jobs/{job}/cancel"), Auth::Session(&admin), json!({})).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.text());
    let ended = p.wait_job(&admin, job).await;
    assert!(asked.elapsed() < Duration::from_secs(10), "a cancel ends the run: {:?}", asked.elapsed());
    assert_eq!(ended["status"], "cancelled", "{ended}");
    let statuses: Vec<&str> = ended["hosts"].as_array().expect("hosts").iter().filter_map(|h| h["status"].as_str()).collect();
    assert_eq!(statuses, ["cancelled", "cancelled"], "{ended}");

    // The job's timeout bounds the whole playbook.
    let body = json!({"action_id": action, "targets": {"servers": ["sn2013-08-021"]}, "options": {"timeout": 1}});
    let reply = p.post("/api/v1/jobs", Auth::Session(&admin), body).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text());
    let started = Instant::now();
    let ended = p.wait_job(&admin, reply.json()["id"].as_i64().expect("id")).await;
    assert!(started.elapsed() < Duration::from_secs(10), "the timeout ended the run: {:?}", started.elapsed());
    assert_eq!((ended["status"].as_str(), ended["hosts"][0]["status"].as_str()), (Some("failed"), Some("failed")), "{ended}");
    let message: &Value = &ended["hosts"][0]["message"];
    assert!(message.as_str().unwrap_or_default().contains("timeout"), "{ended}");
}
