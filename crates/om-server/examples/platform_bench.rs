//! The platform benchmark (bench/platform): fills a store with past jobs and events, then
//! measures the job list and job page over HTTP (p50/p95 of 20 requests each), 500
//! concurrent SSE viewers of one job, and the time from launching an action on a lab of N
//! hosts to the first output event; then (AT-W09) a job on thousands of simulated hosts with
//! 512 forks while the job page is polled, and a prune of half the stored events while jobs
//! are launched.
//!
//!   cargo run --release -p om-server --example platform_bench -- sqlite:///tmp/b.db 10000000 200 4000
//!
//! Arguments: database URL, events to generate (100 per job), lab hosts (0: skip), simulated
//! hosts of the scale job (local transport; 0: skip the scale job and the prune). As root,
//! lab hosts log in as `ombench` (see `lab_user`); `LAB_USER` overrides. With `OM_BIN` set,
//! each lab round also runs the same command through that `om run` on the same lab.

#![allow(clippy::print_stdout)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use hyper::Method;
use om_server::{ApiClient, Config, Platform, StartOptions};
use serde_json::{Value, json};
use sqlx::AssertSqlSafe;

const EVENTS_PER_JOB: i64 = 100;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url = args.get(1).cloned().unwrap_or_else(|| "sqlite:///tmp/om-bench.db".into());
    let events: i64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let lab_hosts: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(0);
    let scale_hosts: usize = args.get(4).and_then(|a| a.parse().ok()).unwrap_or(0);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut config = Config::default();
    config.server.data_dir = dir.path().join("data");
    config.database.url = Some(url.clone());
    let port = om_test::free_port();
    config.server.listen = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    config.workers.local = 4;
    let platform = Platform::start(config, StartOptions::default()).await.expect("the platform starts");
    let state = platform.state.clone();
    let store = state.store.clone();
    let (secret, hash) = om_server::auth::new_token("om_");
    store.create_token(&hash, "bench", 1, "admin", "global", 0, None).await.expect("a token");
    tokio::spawn(platform.serve());
    let base = format!("http://127.0.0.1:{port}");
    let client = ApiClient::new(&base, Some(secret.clone())).expect("a client");
    wait_listening(port).await;

    let existing: i64 = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM job_event").fetch_one(&store.raw_pool()).await.unwrap_or(0);
    if existing < events {
        let started = Instant::now();
        generate(&store, events - existing).await;
        println!("generated {} events in {:.1} s", events - existing, started.elapsed().as_secs_f64());
    }
    let jobs: i64 = sqlx::query_scalar::<_, i64>("SELECT MAX(id) FROM job").fetch_one(&store.raw_pool()).await.expect("jobs");
    let total_events: i64 =
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM job_event").fetch_one(&store.raw_pool()).await.expect("events");
    println!("store: {} ({}), {jobs} jobs, {total_events} events", store.backend().as_str(), om_store::db_url_redacted(&url));

    let mut rows = Vec::new();
    rows.push(measure("GET /api/v1/jobs?limit=50", 20, |_| client.raw(Method::GET, "/api/v1/jobs?limit=50", None::<&()>)).await);
    rows.push(
        measure("GET /api/v1/jobs?status=failed&limit=50", 20, |_| {
            client.raw(Method::GET, "/api/v1/jobs?status=failed&limit=50", None::<&()>)
        })
        .await,
    );
    let cursor = jobs / 2;
    let deep = format!("/api/v1/jobs?limit=50&cursor={cursor}");
    rows.push(measure("GET /api/v1/jobs?cursor=<middle>", 20, |_| client.raw(Method::GET, &deep, None::<&()>)).await);
    let ids: Vec<String> = (0..20).map(|i| format!("/api/v1/jobs/{}", 1 + (i * 7919) % jobs)).collect();
    rows.push(measure("GET /api/v1/jobs/{id}", 20, |i| client.raw(Method::GET, &ids[i], None::<&()>)).await);
    let pages: Vec<String> = (0..20).map(|i| format!("/api/v1/jobs/{}/events?limit=500", 1 + (i * 7919) % jobs)).collect();
    rows.push(measure("GET /api/v1/jobs/{id}/events (JSON page)", 20, |i| client.raw(Method::GET, &pages[i], None::<&()>)).await);
    println!("\n| request ({jobs} jobs, {total_events} events, {}) | p50 ms | p95 ms | max ms |", store.backend().as_str());
    println!("|---|---:|---:|---:|");
    for (name, p50, p95, max) in &rows {
        println!("| {name} | {p50:.1} | {p95:.1} | {max:.1} |");
    }
    // The UI pages need a session; the API above serves the same queries.

    sse_viewers(&state, &client, &base, &secret).await;
    if lab_hosts > 0 {
        first_output(&state, &client, lab_hosts).await;
    }
    if scale_hosts > 0 {
        scale_job(&state, &client, scale_hosts).await;
        // The older half of the events first; then (on PostgreSQL as whole day partitions,
        // which the first cut seldom covers) the rest of the days before today (UTC).
        let oldest: i64 = sqlx::query_scalar::<_, i64>("SELECT MIN(ts) FROM job_event").fetch_one(&store.raw_pool()).await.expect("oldest");
        let half = oldest + (om_store::now_ms() - oldest) / 2;
        prune_while_launching(&state, &client, half, "the older half of the events").await;
        let today = om_store::now_ms() - om_store::now_ms().rem_euclid(86_400_000);
        if today > half {
            prune_while_launching(&state, &client, today, "the rest of the days before today").await;
        }
    }
}

async fn wait_listening(port: u16) {
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn measure<F, Fut>(name: &str, n: usize, f: F) -> (String, f64, f64, f64)
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Result<(u16, Vec<u8>), om_server::ClientError>>,
{
    let mut times = Vec::new();
    for i in 0..n {
        let t = Instant::now();
        let (status, _) = f(i).await.expect("the request completes");
        assert_eq!(status, 200, "{name}");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let (p50, p95, max) = quantiles(times);
    (name.to_string(), p50, p95, max)
}

/// p50, p95 and max of `times` (NaN when empty).
fn quantiles(mut times: Vec<f64>) -> (f64, f64, f64) {
    if times.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    let pick = |q: f64| times[((times.len() as f64 * q).ceil() as usize).saturating_sub(1).min(times.len() - 1)];
    (pick(0.5), pick(0.95), times[times.len() - 1])
}

/// Past jobs of 4 hosts with EVENTS_PER_JOB events each, in multi-row inserts.
async fn generate(store: &om_store::Store, events: i64) {
    let pool = store.raw_pool();
    let jobs = events / EVENTS_PER_JOB;
    let start: i64 = sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(id), 0) FROM job").fetch_one(&pool).await.expect("max") + 1;
    let now = om_store::now_ms();
    let statuses = ["succeeded", "succeeded", "succeeded", "failed"];
    for chunk in (start..start + jobs).collect::<Vec<_>>().chunks(500) {
        let mut job_rows = Vec::new();
        let mut host_rows = Vec::new();
        for id in chunk {
            let status = statuses[(*id % 4) as usize];
            let t = now - (start + jobs - id) * 1000;
            job_rows.push(format!(
                "({id}, 1003, 3, 'View OS version', '{status}', 1, 'admin', '{{}}', '{{\"servers\":[]}}', 'default', 0, '', 4, 4, 0, {}, 0, 0, 0, {t}, {t}, {})",
                i64::from(status == "failed"),
                t + 900
            ));
            for h in 0..4 {
                host_rows.push(format!(
                    "({id}, {h}, 'h{h}', '{}', 0, {t}, {}, 1000, 0, '')",
                    if status == "failed" && h == 0 { "failed" } else { "ok" },
                    t + 900
                ));
            }
        }
        let mut tx = pool.begin().await.expect("a transaction");
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO job (id, action_id, action_version_id, action_name, status, user_id, username, params, target_spec, zone, cancel_requested, reason, hosts_total, n_ok, n_changed, n_failed, n_unreachable, n_skipped, n_lost, created_at, started_at, finished_at) VALUES {}",
            job_rows.join(", ")
        )))
        .execute(&mut *tx)
        .await
        .expect("insert jobs");
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO job_host (job_id, server_id, hostname, status, rc, started_at, finished_at, output_bytes, truncated, message) VALUES {}",
            host_rows.join(", ")
        )))
        .execute(&mut *tx)
        .await
        .expect("insert hosts");
        for id in chunk {
            let t = now - (start + jobs - id) * 1000;
            let rows: Vec<String> = (1..=EVENTS_PER_JOB)
                .map(|seq| {
                    let host = format!("h{}", seq % 4);
                    format!("({id}, {seq}, {}, '{host}', 'output', '{{\"event\":\"output\",\"host\":\"{host}\",\"task\":0,\"stream\":\"stdout\",\"data\":\"line {seq} of some output\\n\"}}')", t + seq)
                })
                .collect();
            sqlx::query(AssertSqlSafe(format!("INSERT INTO job_event (job_id, seq, ts, host, kind, data) VALUES {}", rows.join(", "))))
                .execute(&mut *tx)
                .await
                .expect("insert events");
        }
        tx.commit().await.expect("commit");
    }
    if store.backend() == om_store::Backend::Postgres {
        sqlx::query("SELECT setval(pg_get_serial_sequence('job', 'id'), (SELECT MAX(id) FROM job))")
            .execute(&pool)
            .await
            .expect("sequence");
        sqlx::query("ANALYZE").execute(&pool).await.expect("analyze");
    }
}

/// 500 viewers follow one job that prints 2,000 lines; each must see every event once.
async fn sse_viewers(state: &om_server::AppState, client: &ApiClient, base: &str, token: &str) {
    let server = ensure_local_server(state).await;
    let action = json!({"name": format!("bench lines {}", om_store::now_ms()), "params": [], "run": {"kind": "shell", "script": "sleep 2; for i in $(seq 1 200); do for j in 1 2 3 4 5 6 7 8 9 10; do echo line $i.$j; done; sleep 0.01; done"}});
    let created: Value = client.json(Method::POST, "/api/v1/actions", Some(&action)).await.expect("an action");
    let launched: Value = client
        .json(Method::POST, "/api/v1/jobs", Some(&json!({"action_id": created["id"], "targets": {"servers": [server]}})))
        .await
        .expect("a job");
    let job = launched["id"].as_i64().expect("id");
    let complete = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut viewers = tokio::task::JoinSet::new();
    for _ in 0..500 {
        let viewer = ApiClient::new(base, Some(token.to_string())).expect("a client");
        let complete = Arc::clone(&complete);
        viewers.spawn(async move {
            let mut seqs = Vec::new();
            let mut lines = 0;
            viewer
                .sse(&format!("/api/v1/jobs/{job}/events"), None, |id, kind, data| {
                    seqs.push(id);
                    if kind == "output" {
                        lines += data.matches("line ").count();
                    }
                    kind != "job_finished"
                })
                .await
                .expect("the stream");
            let contiguous = seqs.iter().enumerate().all(|(i, s)| *s == i as i64 + 1);
            if contiguous && lines == 2000 {
                complete.fetch_add(1, Ordering::Relaxed);
            }
            (seqs.len(), lines)
        });
    }
    let mut counts = Vec::new();
    while let Some(r) = viewers.join_next().await {
        counts.push(r.expect("a viewer"));
    }
    println!(
        "\nSSE: 500 viewers of job {job} (2,000 output lines): {} saw every event once and in order; events per viewer {:?}..{:?}; {:.1} s",
        complete.load(Ordering::Relaxed),
        counts.iter().map(|c| c.0).min(),
        counts.iter().map(|c| c.0).max(),
        started.elapsed().as_secs_f64()
    );
}

async fn ensure_local_server(state: &om_server::AppState) -> String {
    if state.store.server_by_name("bench-local").await.expect("lookup").is_none() {
        let fun = state.store.create_fun_category(&format!("bench-{}", om_store::now_ms()), "", 0).await.expect("fun");
        let app = state.store.create_app_category(fun.id, "local", "").await.expect("app");
        let input: om_store::ServerInput =
            serde_json::from_value(json!({"hostname": "bench-local", "app_category_id": app.id, "ip_internal": "127.0.0.1", "vars": {"ansible_connection": "local"}})).expect("input");
        state.store.create_server(&input).await.expect("server");
    }
    "bench-local".into()
}

/// The user lab hosts log in as: `$LAB_USER`, else, as root, the plain user `ombench` (a
/// `/bin/sh` login with a clean home, like a real host and like bench/run), not root with this
/// machine's shell start-up files: root's `~/.bashrc` here runs `pyenv init`, which bash
/// sources for every command over ssh and which cost seconds per host under load.
fn lab_user(current: &str) -> String {
    if let Ok(user) = std::env::var("LAB_USER") {
        return user;
    }
    if current != "root" {
        return current.to_string();
    }
    let exists = std::process::Command::new("id").arg("ombench").output().is_ok_and(|o| o.status.success());
    assert!(
        exists,
        "as root the lab logs in as `ombench`: create it (useradd --create-home --shell /bin/sh -p '*' ombench) or set LAB_USER"
    );
    "ombench".into()
}

/// Launch `echo` on `hosts` lab hosts and time the first `output` event over SSE.
async fn first_output(state: &om_server::AppState, client: &ApiClient, hosts: usize) {
    let dir = tempfile::tempdir().expect("a lab directory");
    let path = dir.path().to_path_buf();
    let lab = tokio::task::spawn_blocking(move || {
        let mut config = om_lab::LabConfig::new(&path, hosts);
        config.base = std::net::Ipv4Addr::new(127, 0, 60, 1);
        config.port = om_test::free_port();
        config.user = lab_user(&config.user);
        om_lab::Lab::start(config)
    })
    .await
    .expect("join")
    .expect("the lab starts");
    let text = std::fs::read_to_string(lab.inventory()).expect("inventory");
    let entries = om_server::inventory::parse_ini(&text, &format!("benchlab-{}", om_store::now_ms())).expect("parse");
    om_server::inventory::import(state, &entries, "default").await.expect("import");
    let names: Vec<String> = entries.iter().map(|e| e.hostname.clone()).collect();
    let action = json!({"name": format!("bench echo {}", om_store::now_ms()), "params": [], "max_targets": 10000, "forks": 200, "run": {"kind": "command", "argv": ["echo", "hello"]}});
    let created: Value = client.json(Method::POST, "/api/v1/actions", Some(&action)).await.expect("an action");
    for round in 0..5 {
        let t = Instant::now();
        let (job, accepted) = launch(client, &created, &names).await;
        let mut first: Option<Duration> = None;
        let mut last: Option<Duration> = None;
        let mut results = 0;
        let mut run_ms = f64::NAN;
        client
            .sse(&format!("/api/v1/jobs/{job}/events"), None, |_, kind, data| {
                if kind == "run_finished" {
                    let elapsed_us = serde_json::from_str::<Value>(data).ok().and_then(|v| v["elapsed_us"].as_f64());
                    run_ms = elapsed_us.map_or(f64::NAN, |us| us / 1000.0);
                }
                if kind == "output" && first.is_none() {
                    first = Some(t.elapsed());
                }
                if kind == "host_result" {
                    results += 1;
                    last = Some(t.elapsed());
                }
                kind != "job_finished"
            })
            .await
            .expect("the stream");
        let ms = |d: Option<Duration>| d.map(|d| d.as_secs_f64() * 1000.0).unwrap_or(f64::NAN);
        println!(
            "lab {hosts} hosts, round {round}: 202 after {:.0} ms, first output after {:.0} ms, all {results} results after {:.0} ms, job finished after {:.0} ms (the executor's run: {run_ms:.0} ms)",
            accepted.as_secs_f64() * 1000.0,
            ms(first),
            ms(last),
            t.elapsed().as_secs_f64() * 1000.0
        );
        // The same command through `om run` on the same lab right after, as the peer of the
        // platform's executor: whole-process wall time.
        if let Ok(om) = std::env::var("OM_BIN") {
            let (ok, took) = om_run(&om, &lab.inventory(), hosts, "echo hello").await;
            println!("lab {hosts} hosts, round {round}: om run -f {hosts}: {ok} hosts changed after {:.0} ms", took.as_secs_f64() * 1000.0);
        }
    }
}

/// Runs `om run all -i <inventory> -f <forks> -a <command>` (the executor without the
/// platform): how many hosts changed, and the whole process's wall time.
async fn om_run(om: &str, inventory: &std::path::Path, forks: usize, command: &str) -> (usize, Duration) {
    let t = Instant::now();
    let out = tokio::process::Command::new(om)
        .args(["run", "all", "-i"])
        .arg(inventory)
        .args(["-f", &forks.to_string(), "-a", command])
        .output()
        .await
        .expect("om run starts");
    (String::from_utf8_lossy(&out.stdout).matches("| CHANGED |").count(), t.elapsed())
}

/// Launches `action` on the servers `names`: the job's id and the time to the `202`.
async fn launch(client: &ApiClient, action: &Value, names: &[String]) -> (i64, Duration) {
    let t = Instant::now();
    let launched: Value = client
        .json(Method::POST, "/api/v1/jobs", Some(&json!({"action_id": action["id"], "targets": {"servers": names}})))
        .await
        .expect("a job");
    (launched["id"].as_i64().expect("id"), t.elapsed())
}

/// The command each simulated host runs: 50 lines, 10 ms apart, so that each reaches the
/// platform as its own output event (perl is in every Debian: perl-base is essential).
const FIFTY_LINES: [&str; 3] = ["perl", "-e", "$| = 1; for (1..50) { print \"line $_\\n\"; select(undef, undef, undef, 0.01) }"];

/// AT-W09: one job on `hosts` simulated hosts (the local transport) with 512 forks. While it
/// runs, the job's API, its HTML page and the job list are requested every 250 ms; at the end
/// every host must have exactly one terminal status, the counters must add up, and every
/// line must be stored. With `OM_BIN`, `om run -f 512` runs the same command on the same
/// simulated hosts afterwards.
async fn scale_job(state: &om_server::AppState, client: &ApiClient, hosts: usize) {
    let group = format!("scale-{}", om_store::now_ms());
    let mut ini = format!("[{group}]\n");
    for i in 0..hosts {
        ini.push_str(&format!("{group}-{i:05} ansible_connection=local\n"));
    }
    let t = Instant::now();
    let entries = om_server::inventory::parse_ini(&ini, &group).expect("parse");
    om_server::inventory::import(state, &entries, "default").await.expect("import");
    println!("\nscale: imported {hosts} simulated hosts in {:.1} s", t.elapsed().as_secs_f64());
    let names: Vec<String> = entries.iter().map(|e| e.hostname.clone()).collect();
    let action = json!({"name": format!("bench scale {}", om_store::now_ms()), "params": [], "max_targets": 10000, "forks": 512, "timeout": 3600, "run": {"kind": "command", "argv": FIFTY_LINES}});
    let created: Value = client.json(Method::POST, "/api/v1/actions", Some(&action)).await.expect("an action");
    let t = Instant::now();
    let (job, accepted) = launch(client, &created, &names).await;
    let api = format!("/api/v1/jobs/{job}");
    let html = format!("/jobs/{job}");
    let (mut api_ms, mut html_ms, mut list_ms) = (Vec::new(), Vec::new(), Vec::new());
    loop {
        let timed = |path: String| async move {
            let t = Instant::now();
            let (status, body) = client.raw(Method::GET, &path, None::<&()>).await.expect("the request completes");
            assert_eq!(status, 200, "{path}");
            (t.elapsed().as_secs_f64() * 1000.0, body)
        };
        let (ms, body) = timed(api.clone()).await;
        api_ms.push(ms);
        html_ms.push(timed(html.clone()).await.0);
        list_ms.push(timed("/api/v1/jobs?limit=50".into()).await.0);
        let status: Value = serde_json::from_slice(&body).expect("a job");
        if ["succeeded", "failed", "cancelled", "lost", "interrupted"].contains(&status["status"].as_str().unwrap_or_default()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let took = t.elapsed();
    let done = state.store.job(job).await.expect("the job");
    let c = &done.counts;
    let ended = c.ok + c.changed + c.failed + c.unreachable + c.skipped + c.lost;
    let host_rows = state.store.job_hosts(job).await.expect("hosts");
    let terminal = host_rows.iter().filter(|h| !["queued", "running", "pending", ""].contains(&h.status.as_str())).count();
    let lines: usize = state
        .store
        .outputs(job, None)
        .await
        .expect("outputs")
        .iter()
        .map(|o| o.data.split(|b| *b == b'\n').filter(|l| l.starts_with(b"line ")).count())
        .sum();
    let events: i64 = sqlx::query_scalar::<_, i64>(AssertSqlSafe(format!("SELECT COUNT(*) FROM job_event WHERE job_id = {job}")))
        .fetch_one(&state.store.raw_pool())
        .await
        .expect("events");
    println!(
        "scale: job {job} on {hosts} hosts, 512 forks: 202 after {:.0} ms, {} after {:.1} s; hosts_total {}, counters add up to {ended} (changed {}, ok {}, failed {}, unreachable {}, lost {}); {terminal} host rows terminal; {lines} of {} lines stored; {events} events stored ({:.1} per host)",
        accepted.as_secs_f64() * 1000.0,
        done.status,
        took.as_secs_f64(),
        done.hosts_total,
        c.changed,
        c.ok,
        c.failed,
        c.unreachable,
        c.lost,
        hosts * 50,
        events as f64 / hosts as f64,
    );
    println!("\n| while the {hosts}-host job ran ({} polls) | p50 ms | p95 ms | max ms |", api_ms.len());
    println!("|---|---:|---:|---:|");
    for (name, times) in
        [("GET /api/v1/jobs/{id}", api_ms), ("GET /jobs/{id} (HTML page)", html_ms), ("GET /api/v1/jobs?limit=50", list_ms)]
    {
        let (p50, p95, max) = quantiles(times);
        println!("| {name} | {p50:.1} | {p95:.1} | {max:.1} |");
    }
    let html_bytes = client.raw(Method::GET, &html, None::<&()>).await.expect("the page").1.len();
    for (name, path) in [
        ("GET /api/v1/jobs/{id}, the ended job".to_string(), &api),
        (format!("GET /jobs/{{id}} (HTML page), the ended job: {} KiB with all output", html_bytes / 1024), &html),
    ] {
        let (_, p50, p95, max) = measure(&name, 20, |_| client.raw(Method::GET, path, None::<&()>)).await;
        println!("| {name} | {p50:.1} | {p95:.1} | {max:.1} |");
    }

    if let Ok(om) = std::env::var("OM_BIN") {
        let dir = tempfile::tempdir().expect("a directory");
        let inventory = dir.path().join("hosts.ini");
        std::fs::write(&inventory, &ini).expect("the inventory");
        let (changed, took) = om_run(&om, &inventory, 512, &format!("perl -e '{}'", FIFTY_LINES[2])).await;
        println!(
            "scale: om run -f 512 on the same {hosts} simulated hosts: {changed} changed after {:.1} s (whole process)",
            took.as_secs_f64()
        );
    }
}

/// AT-W09: prune the events older than `cut` (ms; the first cut takes about 5 million of 10
/// million) while a job is launched every 250 ms; no launch may wait more than 1 s. The dry run
/// must predict the count.
async fn prune_while_launching(state: &om_server::AppState, client: &ApiClient, cut: i64, what: &str) {
    let policy = om_store::Retention { job_event_days: 0, job_output_days: 100_000, job_days: 100_000 };
    let predicted = state.store.prune(&policy, cut, true).await.expect("dry run");
    let server = ensure_local_server(state).await;
    let action = json!({"name": format!("bench true {}", om_store::now_ms()), "params": [], "run": {"kind": "command", "argv": ["true"]}});
    let created: Value = client.json(Method::POST, "/api/v1/actions", Some(&action)).await.expect("an action");
    let store = state.store.clone();
    let t = Instant::now();
    let prune = tokio::spawn(async move { store.prune(&policy, cut, false).await.expect("prune") });
    let mut launches = Vec::new();
    while !prune.is_finished() {
        let l = Instant::now();
        let (status, _) = client
            .raw(Method::POST, "/api/v1/jobs", Some(&json!({"action_id": created["id"], "targets": {"servers": [&server]}})))
            .await
            .expect("a launch");
        assert_eq!(status, 202);
        launches.push(l.elapsed().as_secs_f64() * 1000.0);
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let pruned = prune.await.expect("join");
    let took = t.elapsed();
    let n = launches.len();
    let (p50, p95, max) = quantiles(launches);
    println!(
        "\nprune ({what}): {} events pruned in {:.1} s (the dry run predicted {}: {}); {n} jobs launched meanwhile, 202 after p50 {p50:.0} ms, p95 {p95:.0} ms, max {max:.0} ms",
        pruned.job_events,
        took.as_secs_f64(),
        predicted.job_events,
        if pruned == predicted { "equal" } else { "DIFFERENT" },
    );
}
