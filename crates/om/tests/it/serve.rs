use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const OM: &str = env!("CARGO_BIN_EXE_om");

struct Serve {
    child: Child,
    report: Value,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(data: &Path, port: u16) -> Serve {
    let mut child = Command::new(OM)
        .args(["serve", "--json", "--listen", &format!("127.0.0.1:{port}"), "--data"])
        .arg(data)
        .env_remove("OM_CONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("om serve starts");
    let mut text = String::new();
    let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
    // The start-up report is one pretty JSON object.
    for line in lines.by_ref() {
        let line = line.expect("a line");
        text.push_str(&line);
        if line == "}" {
            break;
        }
    }
    let report: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("start-up report: {e}: {text}"));
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "om serve does not listen");
        std::thread::sleep(Duration::from_millis(50));
    }
    Serve { child, report }
}

fn om(args: &[&str]) -> om_test::Output {
    om_test::Om::new(OM).args(args).run()
}

fn curl(token: &str, method: &str, url: &str, body: Value) -> Value {
    let out = Command::new("curl")
        .args([
            "-sS",
            "-X",
            method,
            "-H",
            &format!("authorization: Bearer {token}"),
            "-H",
            "content-type: application/json",
            "-d",
            &body.to_string(),
            url,
        ])
        .output()
        .expect("curl runs");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{url}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// An admin API token for the platform in `data`.
fn admin_token(data: &Path) -> String {
    let token = om(&["admin", "--data", &data.display().to_string(), "create-token", "admin", "--scope", "admin"]);
    assert_eq!(token.code, 0, "{}", token.stderr);
    token.stdout.trim().to_string()
}

/// The server `localhost` (the local transport, `vars` added) in Linux.Local → this-machine.
fn add_localhost(url: &str, token: &str, mut vars: Value) {
    let fun = curl(token, "POST", &format!("{url}/api/v1/fun-categories"), json!({"name": "Linux.Local"}));
    let app = curl(token, "POST", &format!("{url}/api/v1/app-categories"), json!({"fun_category_id": fun["id"], "name": "this-machine"}));
    vars["ansible_connection"] = json!("local");
    let server = json!({"hostname": "localhost", "ip_internal": "127.0.0.1", "app_category_id": app["id"], "vars": vars});
    assert_eq!(curl(token, "POST", &format!("{url}/api/v1/servers"), server)["hostname"], "localhost");
}

#[test]
fn kill_9_mid_job_leaves_an_interrupted_job_and_an_intact_audit_chain() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let data = dir.path().join("data");
    let port = om_test::free_port();
    let url = format!("http://127.0.0.1:{port}");
    let first = serve(&data, port);
    assert!(first.report["started"]["admin_password"].as_str().is_some_and(|p| p.len() == 20), "{}", first.report);
    let data_arg = data.display().to_string();
    let token = admin_token(&data);
    add_localhost(&url, &token, json!({}));

    let env = [("OM_SERVER", url.as_str()), ("OM_TOKEN", token.as_str())];
    let with_env = |args: &[&str]| env.iter().fold(om_test::Om::new(OM).args(args), |c, (k, v)| c.env(k, v)).run();
    let run = with_env(&["action", "run", "View OS version", "--servers", "localhost"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("localhost | Linux") || run.stdout.contains("localhost | NAME="), "{}", run.stdout);
    assert!(run.stdout.contains("succeeded: ok=1"), "{}", run.stdout);
    let bad = with_env(&["action", "run", "View system log", "--servers", "localhost", "--param", "lines=1000"]);
    assert_ne!(bad.code, 0);
    assert!(bad.stderr.contains("422") && bad.stderr.contains("lines"), "{}", bad.stderr);

    let sleeper = json!({"name": "sleep", "params": [], "run": {"kind": "shell", "script": "echo started; sleep 120"}});
    let action = curl(&token, "POST", &format!("{url}/api/v1/actions"), sleeper);
    let job =
        curl(&token, "POST", &format!("{url}/api/v1/jobs"), json!({"action_id": action["id"], "targets": {"servers": ["localhost"]}}));
    let id = job["id"].as_i64().expect("a job id").to_string();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let shown = with_env(&["jobs", "show", &id, "--json"]);
        let v: Value = serde_json::from_str(&shown.stdout).expect("JSON");
        if v["hosts"][0]["status"] == "running" {
            break;
        }
        assert!(Instant::now() < deadline, "the job did not start: {v}");
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut first = first;
    first.child.kill().expect("kill -9");
    first.child.wait().expect("reaped");
    drop(first);

    let second = serve(&data, port);
    assert_eq!(second.report["started"]["interrupted_jobs"], json!([id.parse::<i64>().expect("id")]), "{}", second.report);
    assert!(second.report["started"]["admin_password"].is_null(), "no new password on a restart");
    let shown: Value = serde_json::from_str(&with_env(&["jobs", "show", &id, "--json"]).stdout).expect("JSON");
    assert_eq!((shown["status"].as_str(), shown["hosts"][0]["status"].as_str()), (Some("interrupted"), Some("interrupted")), "{shown}");
    let listed = with_env(&["jobs", "list", "--status", "interrupted", "--json"]);
    assert!(listed.stdout.contains(&format!("\"id\": {id}")), "{}{}", listed.stdout, listed.stderr);
    let verify = om(&["admin", "--data", &data_arg, "verify-audit-log"]);
    assert_eq!(verify.code, 0, "{}{}", verify.stdout, verify.stderr);
    assert!(verify.stdout.starts_with("audit log intact"), "{}", verify.stdout);
    drop(second);
}

/// `-i om+http://…` reads the platform's servers (categories as groups, CMDB vars as
/// hostvars) with the token in OM_TOKEN, for `om inventory`, `om run` and `om play` alike.
#[test]
fn the_platform_is_an_inventory_source() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let data = dir.path().join("data");
    let port = om_test::free_port();
    let url = format!("http://127.0.0.1:{port}");
    let _serve = serve(&data, port);
    let token = admin_token(&data);
    add_localhost(&url, &token, json!({"greeting": "from the CMDB"}));
    let source = format!("om+{url}");
    let with_token = |token: &str, args: &[&str]| om_test::Om::new(OM).args(args).env("OM_TOKEN", token).run();

    let listed = with_token(&token, &["inventory", "-i", &source, "--host", "localhost"]);
    assert_eq!(listed.code, 0, "{}{}", listed.stdout, listed.stderr);
    let vars: Value = serde_json::from_str(&listed.stdout).expect("JSON");
    assert_eq!((vars["ansible_host"].as_str(), vars["greeting"].as_str()), (Some("127.0.0.1"), Some("from the CMDB")), "{vars}");
    let ran = with_token(&token, &["run", "-i", &source, "all", "-m", "shell", "-a", "echo {{ greeting }}"]);
    assert_eq!(ran.code, 0, "{}{}", ran.stdout, ran.stderr);
    assert!(ran.stdout.contains("localhost | CHANGED | rc=0 >>\nfrom the CMDB"), "{}", ran.stdout);

    let refused = with_token("om_not-a-token", &["inventory", "-i", &source, "--list"]);
    assert_ne!(refused.code, 0);
    assert!(refused.stderr.contains("401") && refused.stderr.contains("OM_TOKEN"), "{}", refused.stderr);
}
