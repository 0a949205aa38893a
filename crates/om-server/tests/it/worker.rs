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
        state_dir: p.dir.path().join("worker-state"),
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

/// Runs `sql` on the platform's database, as someone with database access would.
async fn tamper(p: &TestPlatform, sql: String) {
    let done = sqlx::query(sqlx::AssertSqlSafe(sql.clone())).execute(&p.state.store.raw_pool()).await.expect("the SQL runs");
    assert!(done.rows_affected() > 0, "`{sql}` changed nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grant_altered_in_the_database_or_replayed_runs_nothing() {
    let p = TestPlatform::start_with(|c| c.workers.local = 0).await;
    let admin = p.admin().await;
    p.book_fixture(&admin, local()).await;
    let dir = p.dir.path().display().to_string();
    let probe = json!({"name": "probe", "group": "bas", "params": [{"name": "lines", "type": "int", "min": 1, "max": 100}],
        "run": {"kind": "shell", "script": format!("echo {{{{ lines }}}} >> {dir}/ran.{{{{ host.name }}}}")}});
    let action = p.post("/api/v1/actions", Auth::Session(&admin), probe).await.json()["id"].as_i64().expect("id");
    let launch = |lines: i64| {
        let body = json!({"action_id": action, "params": {"lines": lines}, "targets": {"servers": ["sn2013-08-021", "sn2013-08-022"]}});
        let p = &p;
        let admin = &admin;
        async move {
            let reply = p.post("/api/v1/jobs", Auth::Session(admin), body).await;
            assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text());
            reply.json()["id"].as_i64().expect("id")
        }
    };
    let ran = |host: &str| std::fs::read_to_string(p.dir.path().join(format!("ran.{host}"))).unwrap_or_default();

    // Queued with no worker yet; the parameters are altered in the database after signing.
    let altered = launch(5).await;
    tamper(&p, format!("UPDATE job SET params = '{{\"lines\": 99}}' WHERE id = {altered}")).await;
    let enrol = p.post("/api/v1/workers/enrollments", Auth::Session(&admin), json!({"zone": "default"})).await;
    assert_eq!(enrol.status, StatusCode::CREATED, "{}", enrol.text());
    let worker = start_worker(&p, enrol.json()["token"].as_str().expect("token").to_string(), "default");
    let refused = p.wait_job(&admin, altered).await;
    assert_eq!(refused["status"], "failed", "{refused}");
    let statuses: Vec<&str> = refused["hosts"].as_array().expect("hosts").iter().filter_map(|h| h["status"].as_str()).collect();
    assert_eq!(statuses, ["grant_invalid", "grant_invalid"], "{refused}");
    assert!(refused["reason"].as_str().unwrap_or_default().contains("parameters differ"), "{refused}");
    assert_eq!((ran("sn2013-08-021"), ran("sn2013-08-022")), (String::new(), String::new()), "nothing ran");

    // An honest job runs once; put back in the queue, its grant is refused as a replay.
    let honest = launch(7).await;
    assert_eq!(p.wait_job(&admin, honest).await["status"], "succeeded");
    assert_eq!(ran("sn2013-08-021"), "7\n");
    tamper(&p, format!("UPDATE job SET status = 'queued', worker_id = NULL, lease_until = NULL, finished_at = NULL WHERE id = {honest}"))
        .await;
    tamper(&p, format!("UPDATE job_host SET status = 'pending', finished_at = NULL WHERE job_id = {honest}")).await;
    p.state.queued.notify_waiters();
    let replayed = p.wait_job(&admin, honest).await;
    assert_eq!(replayed["status"], "failed", "{replayed}");
    assert!(replayed["reason"].as_str().unwrap_or_default().contains("already used"), "{replayed}");
    assert_eq!((ran("sn2013-08-021"), ran("sn2013-08-022")), ("7\n".to_string(), "7\n".to_string()), "the replay ran nothing");
    let audit = p.get("/api/v1/audit-log?verb=job.grant_invalid", Auth::Session(&admin)).await.json();
    assert_eq!(audit["items"].as_array().map(Vec::len), Some(2), "{audit}");
    assert_eq!(audit["items"][0]["actor_kind"], "worker");
    worker.shutdown_background();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_worker_still_refuses_a_replayed_grant() {
    let p = TestPlatform::start_with(|c| c.workers.local = 0).await;
    let admin = p.admin().await;
    p.book_fixture(&admin, local()).await;
    let dir = p.dir.path().display().to_string();
    let probe = json!({"name": "probe", "group": "bas", "params": [],
        "run": {"kind": "shell", "script": format!("echo ran >> {dir}/ran.{{{{ host.name }}}}")}});
    let action = p.post("/api/v1/actions", Auth::Session(&admin), probe).await.json()["id"].as_i64().expect("id");
    let enrol = || {
        let (p, admin) = (&p, &admin);
        async move {
            let reply = p.post("/api/v1/workers/enrollments", Auth::Session(admin), json!({"zone": "default"})).await;
            assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
            reply.json()["token"].as_str().expect("token").to_string()
        }
    };
    let ran = || std::fs::read_to_string(p.dir.path().join("ran.sn2013-08-021")).unwrap_or_default();

    // The first worker runs the job once, then is killed.
    let first = start_worker(&p, enrol().await, "default");
    let body = json!({"action_id": action, "targets": {"servers": ["sn2013-08-021"]}});
    let job = p.post("/api/v1/jobs", Auth::Session(&admin), body).await.json()["id"].as_i64().expect("id");
    assert_eq!(p.wait_job(&admin, job).await["status"], "succeeded");
    assert_eq!(ran(), "ran\n");
    first.shutdown_background();
    let journal_path = p.dir.path().join("worker-state").join(om_server::worker::NONCE_JOURNAL);
    let journal = std::fs::read_to_string(&journal_path).expect("the nonce journal is in the state directory");
    assert!(!p.dir.path().join(".om-worker").exists(), "nothing of the worker's state is left in its repository");
    assert_eq!(journal.lines().count(), 1, "{journal}");
    // A crash mid-append leaves a torn line; the restarted worker must still start.
    std::fs::write(&journal_path, format!("{journal}deadbeef 99")).expect("tear the journal");

    // The job is put back in the queue within its grant's claim window; the worker restarted
    // on the same machine (same state directory) remembers the nonce and runs nothing.
    tamper(&p, format!("UPDATE job SET status = 'queued', worker_id = NULL, lease_until = NULL, finished_at = NULL WHERE id = {job}"))
        .await;
    tamper(&p, format!("UPDATE job_host SET status = 'pending', finished_at = NULL WHERE job_id = {job}")).await;
    let second = start_worker(&p, enrol().await, "default");
    let replayed = p.wait_job(&admin, job).await;
    assert_eq!(replayed["status"], "failed", "{replayed}");
    assert!(replayed["reason"].as_str().unwrap_or_default().contains("already used"), "{replayed}");
    assert_eq!(ran(), "ran\n", "the replay ran nothing");
    // A fresh job still runs on the restarted worker.
    let body = json!({"action_id": action, "targets": {"servers": ["sn2013-08-021"]}});
    let fresh = p.post("/api/v1/jobs", Auth::Session(&admin), body).await.json()["id"].as_i64().expect("id");
    assert_eq!(p.wait_job(&admin, fresh).await["status"], "succeeded");
    assert_eq!(ran(), "ran\nran\n");
    second.shutdown_background();
}
