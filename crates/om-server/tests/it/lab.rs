use std::path::Path;
use std::time::Duration;

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::{Auth, TestPlatform, wait_for};

/// A `systemctl` that records its argv per host (by the address sshd answered on) and
/// sleeps 3 s on the third host.
pub fn systemctl_stub(dir: &Path, slow_ip: &str) -> std::path::PathBuf {
    let bin = dir.join("stub-bin");
    std::fs::create_dir_all(&bin).expect("a stub directory");
    let script = format!(
        "#!/bin/sh\nip=$(echo \"$SSH_CONNECTION\" | cut -d' ' -f3)\n[ \"$ip\" = {slow_ip} ] && sleep 3\nprintf '%s\\n' \"$*\" >> {}/argv.$ip\necho \"restarted $2 on $ip\"\n",
        dir.display()
    );
    std::fs::write(bin.join("systemctl"), script).expect("write the stub");
    std::process::Command::new("chmod").arg("+x").arg(bin.join("systemctl")).status().expect("chmod");
    bin
}

/// Servers for the book's hierarchy on a real SSH lab, with the stub first on PATH.
pub async fn lab_fixture(p: &TestPlatform, admin: &crate::support::Session, lab: &om_lab::Lab, stub: &Path) -> Vec<String> {
    let inventory = std::fs::read_to_string(lab.inventory()).expect("the lab inventory");
    let imported = p
        .post("/api/v1/import/servers", Auth::Session(admin), json!({"format": "ansible", "text": inventory, "fun_category": "lab"}))
        .await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.text());
    let web = p.post("/api/v1/fun-categories", Auth::Session(admin), json!({"name": "Linux.Web"})).await.json()["id"].clone();
    let bbs = p
        .post("/api/v1/app-categories", Auth::Session(admin), json!({"fun_category_id": web, "name": "bbs.domain.com"}))
        .await
        .json()["id"]
        .clone();
    let names = ["sn2013-08-021", "sn2013-08-022", "sn2013-08-023"];
    let servers = p.get("/api/v1/servers", Auth::Session(admin)).await.json();
    let mut ips = Vec::new();
    for (s, name) in servers.as_array().expect("servers").iter().zip(names) {
        let mut input = s.clone();
        for k in ["id", "fun_category_id", "created_at", "updated_at"] {
            input.as_object_mut().expect("object").remove(k);
        }
        input["hostname"] = json!(name);
        input["app_category_id"] = bbs.clone();
        input["vars"]["environment"] = json!({"PATH": format!("{}:/usr/bin:/bin:/usr/sbin:/sbin", stub.display())});
        let reply = p.request(axum::http::Method::PUT, &format!("/api/v1/servers/{}", s["id"]), Auth::Session(admin), Some(input)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        ips.push(s["ip_internal"].as_str().expect("ip").to_string());
    }
    ips
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_service_runs_over_ssh_and_each_host_gets_exactly_its_argv() {
    let lab = om_test::lab(3);
    let p = TestPlatform::start().await;
    let admin = p.admin().await;
    let slow = lab.state().hosts[2].address.to_string();
    let stub = systemctl_stub(p.dir.path(), &slow);
    let ips = lab_fixture(&p, &admin, &lab, &stub).await;
    let body = json!({"action_id": 1007, "params": {"service": "nginx"}, "targets": {"servers": ["sn2013-08-021", "sn2013-08-022", "sn2013-08-023"]}, "options": {"confirm": true}});
    let reply = p.post("/api/v1/jobs", Auth::Session(&admin), body).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text());
    let job = reply.json()["id"].as_i64().expect("id");
    // The fast hosts show their end while the slow one still runs.
    wait_for("the first hosts to end", Duration::from_secs(30), || async {
        let hosts = p.get(&format!("/api/v1/jobs/{job}/hosts"), Auth::Session(&admin)).await.json();
        let status = |i: usize| hosts[i]["status"].as_str().unwrap_or_default().to_string();
        status(0) == "ok" && status(1) == "ok"
    })
    .await;
    let hosts = p.get(&format!("/api/v1/jobs/{job}/hosts"), Auth::Session(&admin)).await.json();
    assert!(["running", "pending"].contains(&hosts[2]["status"].as_str().unwrap_or_default()), "the slow host is still running: {hosts}");
    let done = p.wait_job(&admin, job).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    for ip in &ips {
        let argv = std::fs::read_to_string(p.dir.path().join(format!("argv.{ip}"))).unwrap_or_default();
        assert_eq!(argv, "restart nginx\n", "host {ip} got exactly one `restart nginx`");
    }
    let out = p.get(&format!("/api/v1/jobs/{job}/output?host=sn2013-08-023"), Auth::Session(&admin)).await.text();
    assert_eq!(out, format!("restarted nginx on {slow}\n"));
    let audit = p.get("/api/v1/audit-log?verb=job.launch", Auth::Session(&admin)).await.json();
    let entry: &Value = &audit["items"][0];
    assert_eq!(
        (entry["object_id"].as_str(), entry["details"]["params"]["service"].as_str()),
        (Some(job.to_string().as_str()), Some("nginx"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_host_does_not_stop_the_others() {
    let lab = om_test::lab(2);
    let p = TestPlatform::start().await;
    let admin = p.admin().await;
    let stub = systemctl_stub(p.dir.path(), "none");
    lab_fixture(&p, &admin, &lab, &stub).await;
    lab.kill("h2").expect("kill h2");
    let body = json!({"action_id": 1003, "targets": {"servers": ["sn2013-08-021", "sn2013-08-022"]}});
    let job = p.post("/api/v1/jobs", Auth::Session(&admin), body).await.json()["id"].as_i64().expect("id");
    let done = p.wait_job(&admin, job).await;
    let statuses: Vec<&str> = done["hosts"].as_array().expect("hosts").iter().filter_map(|h| h["status"].as_str()).collect();
    assert_eq!(statuses, ["ok", "unreachable"], "{done}");
    assert!(done["hosts"][1]["message"].as_str().expect("message").contains("connect"), "{done}");
    assert_eq!(done["status"], "failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_signals_the_remote_command_over_ssh() {
    cancel_over_ssh(false).await;
}

/// A playbook's commands get the same SIGTERM, then SIGKILL, as a command action's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_signals_a_playbooks_remote_command_over_ssh() {
    cancel_over_ssh(true).await;
}

/// Cancels a job whose command (a shell action's, or a playbook task's) waits on a background
/// child that only a signal to the command's whole process group reaches. The first host ends
/// on SIGTERM; the second ignores it and needs SIGKILL. Lab logins are root's under CI, where
/// sshd refuses SSH `signal` requests: the signals must come as `kill` on a channel of its own.
async fn cancel_over_ssh(playbook: bool) {
    let lab = om_test::lab(2);
    let p = TestPlatform::start_with(|c| c.workers.cancel_grace_ms = 1000).await;
    let admin = p.admin().await;
    let stub = systemctl_stub(p.dir.path(), "none");
    lab_fixture(&p, &admin, &lab, &stub).await;
    let dir = p.dir.path().display().to_string();
    let name = if playbook { "{{ inventory_hostname }}" } else { "{{ host.name }}" };
    let script = format!(
        "if [ {name} = sn2013-08-021 ]; then trap 'echo term > {dir}/term.{name}; exit 143' TERM; \
         else trap '' TERM; fi; sleep 300 & echo $! > {dir}/child.{name}; wait"
    );
    let run = if playbook {
        let book =
            format!("- hosts: all\n  gather_facts: false\n  tasks:\n    - shell: {}\n", serde_json::to_string(&script).expect("JSON"));
        std::fs::write(p.dir.path().join("data/playbooks/sleeper.yml"), book).expect("write the playbook");
        json!({"kind": "playbook", "playbook": "sleeper.yml"})
    } else {
        json!({"kind": "shell", "script": script})
    };
    let body = json!({"name": "remote sleeper", "group": "bas", "params": [], "run": run});
    let action = p.post("/api/v1/actions", Auth::Session(&admin), body).await.json()["id"].as_i64().expect("id");
    let reply = p
        .post(
            "/api/v1/jobs",
            Auth::Session(&admin),
            json!({"action_id": action, "targets": {"servers": ["sn2013-08-021", "sn2013-08-022"]}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text());
    let job = reply.json()["id"].as_i64().expect("id");
    let first = crate::jobs::read_pid(&p.dir.path().join("child.sn2013-08-021")).await;
    let second = crate::jobs::read_pid(&p.dir.path().join("child.sn2013-08-022")).await;
    let asked = std::time::Instant::now();
    let cancelled = p.post(&format!("/api/v1/jobs/{job}/cancel"), Auth::Session(&admin), json!({})).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.text());
    let ended = p.wait_job(&admin, job).await;
    assert_eq!(ended["status"], "cancelled", "{ended}");
    let statuses: Vec<&str> = ended["hosts"].as_array().expect("hosts").iter().filter_map(|h| h["status"].as_str()).collect();
    assert_eq!(statuses, ["cancelled", "cancelled"], "{ended}");
    assert_eq!(
        std::fs::read_to_string(p.dir.path().join("term.sn2013-08-021")).ok().as_deref(),
        Some("term\n"),
        "the remote command got SIGTERM"
    );
    assert!(asked.elapsed() >= Duration::from_millis(1000), "SIGKILL came after the grace: {:?}", asked.elapsed());
    wait_for("the remote children to be gone", Duration::from_secs(5), || {
        std::future::ready(!crate::jobs::alive(first) && !crate::jobs::alive(second))
    })
    .await;
}
