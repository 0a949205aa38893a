use std::time::Duration;

use axum::http::StatusCode;
use om_server::worker::{WorkerEvent, WorkerOptions};
use serde_json::json;

use crate::support::{Auth, TestPlatform, local, wait_for};

/// Runs `om worker` on a runtime of its own, so that dropping the returned runtime stops it
/// abruptly, as `kill -9` would: no finish, no more heartbeats.
fn start_worker(p: &TestPlatform, token: String, zone: &str) -> tokio::runtime::Runtime {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("a runtime");
    let options = WorkerOptions {
        server: p.url(),
        token,
        zone: zone.into(),
        name: format!("w-{zone}"),
        slots: 2,
        forks: 10,
        repo: p.dir.path().to_path_buf(),
        ssh: Default::default(),
    };
    runtime.spawn(async move {
        let _ = om_server::worker::run(options, |_: WorkerEvent| {}).await;
    });
    runtime
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_run_their_zone_and_a_vanished_worker_leaves_no_job_running() {
    let p = TestPlatform::start_with(|c| {
        c.workers.local = 0;
        c.workers.lease_seconds = 3;
    })
    .await;
    let admin = p.admin().await;
    p.book_fixture(&admin, json!({"ansible_connection": "local"})).await;
    let servers = p.get("/api/v1/servers", Auth::Session(&admin)).await.json();
    for s in servers.as_array().expect("servers") {
        let mut input = s.clone();
        for k in ["id", "fun_category_id", "created_at", "updated_at"] {
            input.as_object_mut().expect("object").remove(k);
        }
        input["zone"] = json!("lan");
        let reply = p.request(axum::http::Method::PUT, &format!("/api/v1/servers/{}", s["id"]), Auth::Session(&admin), Some(input)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    }
    let enrol = p.post("/api/v1/workers/enrollments", Auth::Session(&admin), json!({"zone": "lan"})).await;
    assert_eq!(enrol.status, StatusCode::CREATED, "{}", enrol.text());
    let token = enrol.json()["token"].as_str().expect("token").to_string();
    let worker = start_worker(&p, token.clone(), "lan");
    let body = |action: i64| json!({"action_id": action, "targets": {"servers": ["sn2013-08-021", "sn2013-08-022"]}});
    let job = p.post("/api/v1/jobs", Auth::Session(&admin), body(1003)).await.json()["id"].as_i64().expect("id");
    let done = p.wait_job(&admin, job).await;
    assert_eq!((done["status"].as_str(), done["worker_id"].is_i64()), (Some("succeeded"), true), "{done}");
    let out = p.get(&format!("/api/v1/jobs/{job}/output?host=sn2013-08-021"), Auth::Session(&admin)).await.text();
    assert!(out.contains("Linux"), "the worker's output reached the platform: {out}");
    // The token was spent: a second enrolment with it is refused.
    let again = p.post("/worker/v1/enroll", Auth::None, json!({"token": token, "name": "x", "zone": "lan", "forks": 1})).await;
    assert_eq!(again.status, StatusCode::FORBIDDEN);

    let sleeper = json!({"name": "sleep", "params": [], "run": {"kind": "shell", "script": "echo going; sleep 60"}});
    let action = p.post("/api/v1/actions", Auth::Session(&admin), sleeper).await.json()["id"].as_i64().expect("id");
    let job = p.post("/api/v1/jobs", Auth::Session(&admin), body(action)).await.json()["id"].as_i64().expect("id");
    wait_for("the worker to start the job", Duration::from_secs(30), || async {
        p.get(&format!("/api/v1/jobs/{job}"), Auth::Session(&admin)).await.json()["hosts"]
            .as_array()
            .is_some_and(|h| h.iter().any(|h| h["status"] == "running"))
    })
    .await;
    worker.shutdown_background();
    let lost = p.wait_job(&admin, job).await;
    assert_eq!(lost["status"], "lost", "{lost}");
    assert!(lost["reason"].as_str().expect("reason").contains("stopped heartbeating"), "{lost}");
    assert_eq!(lost["counts"]["lost"], 2, "every host ends with a status; the totals add up");
    let workers = p.get("/api/v1/workers", Auth::Session(&admin)).await.json();
    assert_eq!(workers[0]["zone"], "lan");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_runners_jobs_wait_in_the_queue() {
    let p = TestPlatform::start_with(|c| c.workers.local = 0).await;
    let admin = p.admin().await;
    p.book_fixture(&admin, local()).await;
    let started = std::time::Instant::now();
    let reply = p.post("/api/v1/jobs", Auth::Session(&admin), json!({"action_id": 1003, "targets": {"servers": ["sn2013-08-021"]}})).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    assert!(started.elapsed() < Duration::from_secs(30));
    let id = reply.json()["id"].as_i64().expect("id");
    let job = p.get(&format!("/api/v1/jobs/{id}"), Auth::Session(&admin)).await.json();
    assert_eq!(job["status"], "queued");
    let metrics = p.get("/metrics", Auth::None).await.text();
    assert!(metrics.contains("om_jobs_queued 1"), "{metrics}");
}
