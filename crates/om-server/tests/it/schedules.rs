use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::support::{Auth, TestPlatform, local};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schedule_runs_each_slot_once_catches_up_once_and_with_its_owners_current_rights() {
    // The scheduler task is off: the test drives it with its own clock.
    let p = TestPlatform::start_with(|c| c.server.scheduler = false).await;
    let admin = p.admin().await;
    let (_, bbs, _) = p.book_fixture(&admin, local()).await;
    let log = p.dir.path().join("ticks");
    let tick = json!({"name": "tick", "group": "bas", "params": [{"name": "word", "type": "string", "pattern": "^[a-z]+$"}],
        "run": {"kind": "shell", "script": format!("echo {{{{ word }}}} {{{{ host.name }}}} >> {}", log.display())}});
    let action = p.post("/api/v1/actions", Auth::Session(&admin), tick).await.json()["id"].as_i64().expect("id");
    let ops = p.user(&admin, "ops", "operator", "global:0").await;
    let ops_id = p.get("/api/v1/me", Auth::Session(&ops)).await.json()["user"]["id"].as_i64().expect("id");

    for (bad, field) in [
        (json!({"cron": "61 * * * *"}), "cron"),
        (json!({"timezone": "Mars/Olympus"}), "timezone"),
        (json!({"params": {"word": "a b"}}), "word"),
    ] {
        let mut body = json!({"name": "bad", "cron": "* * * * *", "action_id": action, "params": {"word": "tick"}, "targets": {"servers": ["sn2013-08-021"]}});
        for (k, v) in bad.as_object().expect("object") {
            body[k] = v.clone();
        }
        let reply = p.post("/api/v1/schedules", Auth::Session(&ops), body).await;
        assert_eq!(
            (reply.status, reply.json()["errors"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
            "{}",
            reply.text()
        );
    }
    let body = json!({"name": "every minute", "cron": "* * * * *", "timezone": "+08:00", "action_id": action, "params": {"word": "tick"}, "targets": {"servers": ["sn2013-08-021"]}});
    let created = p.post("/api/v1/schedules", Auth::Session(&ops), body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let schedule = created.json();
    let id = schedule["id"].as_i64().expect("id");
    assert_eq!(schedule["owner_id"].as_i64(), Some(ops_id));
    let t0 = schedule["next_run"].as_i64().expect("a next run");
    assert_eq!(t0 % 60_000, 0, "runs start on a minute");
    assert!(t0 > om_store::now_ms() && t0 <= om_store::now_ms() + 60_000);

    let tick_at = |now: i64| {
        let state = p.state.clone();
        async move { om_server::schedule::run_due(&state, now).await.expect("the scheduler runs") }
    };
    assert!(tick_at(t0 - 1).await.is_empty(), "not yet due");
    let first = tick_at(t0).await;
    assert_eq!(first.len(), 1);
    assert!(tick_at(t0 + 30_000).await.is_empty(), "one run per slot");
    assert_eq!(tick_at(t0 + 60_000).await.len(), 1);
    // om serve was down for five slots: the next tick runs once, then waits for the next slot.
    let catch_up = tick_at(t0 + 6 * 60_000 + 5_000).await;
    assert_eq!(catch_up.len(), 1, "a missed schedule runs once, not once per missed slot");
    let after = p.get(&format!("/api/v1/schedules/{id}"), Auth::Session(&ops)).await.json();
    assert_eq!(after["next_run"].as_i64(), Some(t0 + 7 * 60_000), "{after}");
    assert!(tick_at(t0 + 6 * 60_000 + 10_000).await.is_empty());
    for job in first.iter().chain(&catch_up) {
        let done = p.wait_job(&admin, *job).await;
        assert_eq!((done["status"].as_str(), done["username"].as_str()), (Some("succeeded"), Some("ops")), "{done}");
    }
    let launched = p.get("/api/v1/jobs", Auth::Session(&admin)).await.json();
    for job in launched["items"].as_array().expect("items") {
        p.wait_job(&admin, job["id"].as_i64().expect("id")).await;
    }
    assert_eq!(std::fs::read_to_string(&log).expect("the log").lines().count(), 3, "three runs ran");

    // Runs have the owner's current rights: demoted to viewer, the next run launches nothing.
    let demote = json!({"roles": [{"role": "viewer", "scope_kind": "global", "scope_id": 0}]});
    assert_eq!(
        p.request(Method::PUT, &format!("/api/v1/users/{ops_id}"), Auth::Session(&admin), Some(demote)).await.status,
        StatusCode::OK
    );
    assert!(tick_at(t0 + 7 * 60_000).await.is_empty());
    let refused = p.get(&format!("/api/v1/schedules/{id}"), Auth::Session(&admin)).await.json();
    assert!(refused["last_error"].as_str().unwrap_or_default().contains("may not run"), "{refused}");

    // A category target is resolved at each run: a server added later is included.
    let body =
        json!({"name": "category", "cron": "0 * * * *", "action_id": action, "params": {"word": "cat"}, "targets": {"app_category": bbs}});
    let hourly = p.post("/api/v1/schedules", Auth::Session(&admin), body).await.json();
    let server = json!({"hostname": "sn2013-08-099", "app_category_id": bbs, "ip_internal": "127.0.0.9", "vars": local()});
    assert_eq!(p.post("/api/v1/servers", Auth::Session(&admin), server).await.status, StatusCode::CREATED);
    let jobs = tick_at(hourly["next_run"].as_i64().expect("next")).await;
    assert_eq!(jobs.len(), 1);
    let job = p.wait_job(&admin, jobs[0]).await;
    assert_eq!(job["hosts_total"], 3, "{job}");
    let listed = p.get("/api/v1/schedules", Auth::Session(&admin)).await.json();
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        p.request(Method::DELETE, &format!("/api/v1/schedules/{id}"), Auth::Session(&admin), None).await.status,
        StatusCode::NO_CONTENT
    );
    let doc = p.get("/api/v1/openapi.json", Auth::None).await.json();
    assert!(doc["paths"]["/schedules"]["post"].is_object());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedules_take_iana_zone_names_and_refuse_unknown_ones() {
    let p = TestPlatform::start_with(|c| c.server.scheduler = false).await;
    let admin = p.admin().await;
    p.book_fixture(&admin, local()).await;
    let body = json!({"name": "hi", "group": "bas", "params": [], "run": {"kind": "shell", "script": "echo hi"}});
    let action = p.post("/api/v1/actions", Auth::Session(&admin), body).await.json()["id"].as_i64().expect("id");
    let schedule =
        |tz: &str| json!({"name": "nine", "cron": "0 9 * * *", "tz": tz, "action_id": action, "targets": {"servers": ["sn2013-08-021"]}});
    let created = p.post("/api/v1/schedules", Auth::Session(&admin), schedule("Asia/Shanghai")).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let s = created.json();
    assert_eq!(s["timezone"], "Asia/Shanghai");
    let next = s["next_run"].as_i64().expect("a next run");
    assert_eq!(next % 86_400_000, 3_600_000, "09:00 in Shanghai is 01:00 UTC: {s}");
    assert!(next > om_store::now_ms() && next <= om_store::now_ms() + 86_400_000);
    for bad in ["Mars/Olympus", "../../etc/passwd", "Europe"] {
        let reply = p.post("/api/v1/schedules", Auth::Session(&admin), schedule(bad)).await;
        let problem = reply.json();
        assert_eq!(
            (reply.status, problem["errors"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("timezone")),
            "{problem}"
        );
        assert!(problem["errors"][0]["message"].as_str().unwrap_or_default().contains("IANA name"), "{problem}");
    }
}
