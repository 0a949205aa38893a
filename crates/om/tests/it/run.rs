//! `om run` on the lab, as users see it: ansible-core's output forms, exit codes, JSON.

use std::process::Command;
use std::time::{Duration, Instant};

use om_test::TestLab;

use crate::lab::reference_tool;
use crate::om;

fn run(lab: &TestLab, args: &[&str]) -> om_test::Output {
    om().args(["run"]).args(args).args(["-i"]).arg_path(lab.inventory()).run()
}

/// The per-host blocks of ansible-style output, sorted, recap removed.
fn blocks(stdout: &str) -> Vec<String> {
    let mut blocks: Vec<String> = Vec::new();
    for line in stdout.lines().filter(|l| !l.starts_with("RECAP ") && !l.starts_with("TASK [")) {
        if line.contains(" | ") && !line.starts_with(' ') {
            blocks.push(String::new());
        }
        if let Some(b) = blocks.last_mut() {
            b.push_str(line);
            b.push('\n');
        }
    }
    blocks.sort();
    blocks
}

#[test]
fn results_print_in_ansible_forms_and_unreachable_exits_4() {
    let lab = om_test::lab(3);
    lab.kill("h3").expect("kills");
    let out = run(&lab, &["all", "-a", "echo hi"]);
    assert_eq!(out.code, 4, "{}{}", out.stdout, out.stderr);
    let b = blocks(&out.stdout);
    assert_eq!(b[0], "h1 | CHANGED | rc=0 >>\nhi\n");
    assert_eq!(b[1], "h2 | CHANGED | rc=0 >>\nhi\n");
    assert!(b[2].starts_with("h3 | UNREACHABLE! => {\n    \"changed\": false,\n    \"msg\": \"connect: connection refused"), "{}", b[2]);
    assert!(b[2].contains("\n  hint: "), "{}", b[2]);
    assert!(out.stdout.contains("RECAP 3 hosts in "), "{}", out.stdout);
    let one = run(&lab, &["h1:h2", "-m", "shell", "-a", "echo out; echo err >&2; exit 3", "-o"]);
    assert_eq!(one.code, 2);
    assert!(one.stdout.contains("h1 | FAILED | rc=3 | (stdout) out (stderr) err\n"), "{}", one.stdout);
}

#[test]
fn json_gives_contacted_and_dark() {
    let lab = om_test::lab(2);
    lab.kill("h2").expect("kills");
    let out = run(&lab, &["*", "-a", "uptime", "--json"]);
    assert_eq!(out.code, 4);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("one JSON document");
    assert_eq!(doc["contacted"]["h1"]["rc"], 0);
    assert_eq!(doc["dark"]["h2"]["unreachable"], true);
    assert_eq!(doc["contacted"].as_object().map(|m| m.len()), Some(1));
    let none = run(&lab, &["nosuchhost", "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&none.stdout).expect("JSON even with no hosts");
    assert_eq!(doc, serde_json::json!({"contacted": {}, "dark": {}}));
}

#[test]
fn events_are_versioned_json_lines_with_one_result_per_host() {
    let lab = om_test::lab(2);
    let out = run(&lab, &["all", "-m", "shell", "-a", "echo a", "-a", "echo b", "--events"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let events: Vec<serde_json::Value> = out.stdout.lines().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect();
    assert_eq!(events[0]["event"], "run_started");
    assert_eq!(events[0]["version"], 1);
    assert_eq!(events.last().map(|e| e["event"].clone()), Some("run_finished".into()));
    let results: Vec<_> = events.iter().filter(|e| e["event"] == "host_result").collect();
    assert_eq!(results.len(), 4, "2 hosts × 2 tasks, nothing twice");
    let chunks: String = events
        .iter()
        .filter(|e| e["event"] == "output" && e["host"] == "h1")
        .map(|e| e["data"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(chunks, "a\nb\n");
    for h in lab.status().expect("status") {
        assert_eq!(h.connections, 1, "two tasks, one connection to {}", h.name);
    }
}

#[test]
fn command_output_matches_ansible_core() {
    let Some(ansible) = reference_tool("ansible") else { return };
    let lab = om_test::lab(3);
    for (module, args, code) in [("command", "echo hi there", 0), ("shell", "echo out; echo err >&2; exit 3", 2)] {
        let theirs = Command::new(&ansible)
            .args(["all", "-i"])
            .arg(lab.inventory())
            .args(["-m", module, "-a", args])
            .env("ANSIBLE_HOST_KEY_CHECKING", "True")
            .output()
            .expect("ansible runs");
        let ours = run(&lab, &["all", "-m", module, "-a", args]);
        assert_eq!(ours.code, theirs.status.code().unwrap_or(-1), "exit code for {module} {args}");
        assert_eq!(ours.code, code);
        assert_eq!(blocks(&ours.stdout), blocks(&String::from_utf8_lossy(&theirs.stdout)), "{module} {args}");
    }
}

#[test]
fn removed_sudo_flags_are_bad_options() {
    let lab = om_test::lab(1);
    let out = run(&lab, &["all", "--sudo", "-a", "true"]);
    assert_eq!(out.code, 5);
    assert!(out.stderr.contains("use -b, --become-user and -K"), "{}", out.stderr);
    let out = run(&lab, &["all", "-m", "nosuch"]);
    assert_eq!(out.code, 5);
}

#[test]
fn copy_reports_changed_then_success_and_tree_keeps_results() {
    let lab = om_test::lab(1);
    let dir = om_test::tempdir();
    let dest = dir.path().join("motd");
    let args = format!("content=hello dest={} mode=0644", dest.display());
    let tree = dir.path().join("tree");
    let first = om().args(["run", "all", "-m", "copy", "-a", &args, "--tree"]).arg_path(&tree).args(["-i"]).arg_path(lab.inventory()).run();
    assert_eq!(first.code, 0, "{}{}", first.stdout, first.stderr);
    assert!(first.stdout.starts_with("h1 | CHANGED => {\n"), "{}", first.stdout);
    let second = run(&lab, &["all", "-m", "copy", "-a", &args]);
    assert!(second.stdout.starts_with("h1 | SUCCESS => {\n"), "{}", second.stdout);
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(tree.join("h1")).expect("tree file")).expect("JSON");
    assert_eq!(saved["checksum"], "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d");
}

#[test]
fn background_jobs_report_through_status() {
    let lab = om_test::lab(1);
    let started = run(&lab, &["all", "-a", "sleep 1", "-B", "30", "-P", "0", "--json"]);
    assert_eq!(started.code, 0, "{}", started.stderr);
    let doc: serde_json::Value = serde_json::from_str(&started.stdout).expect("JSON");
    let jid = doc["contacted"]["h1"]["ansible_job_id"].as_str().expect("a job id").to_string();
    assert_eq!(doc["contacted"]["h1"]["finished"], 0);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let status = run(&lab, &["all", "--status", &jid, "--json"]);
        let doc: serde_json::Value = serde_json::from_str(&status.stdout).expect("JSON");
        if doc["contacted"]["h1"]["finished"] == 1 {
            assert_eq!(doc["contacted"]["h1"]["rc"], 0);
            break;
        }
        assert!(Instant::now() < deadline, "the job never finished: {doc}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn list_hosts_prints_the_selection() {
    let lab = om_test::lab(3);
    let out = run(&lab, &["all:!h2", "--list-hosts"]);
    assert_eq!(out.stdout, "  hosts (2):\n    h1\n    h3\n");
}

#[test]
fn facts_gathered_by_setup_drive_grain_targeting() {
    let lab = om_test::lab(2);
    let cache = tempfile::tempdir().expect("tempdir");
    let release = std::fs::read_to_string("/etc/os-release").expect("os-release");
    let family = if release.contains("ID=debian") || release.contains("ID_LIKE=debian") { "Debian" } else { "*" };
    let grain = format!("G@os_family:{family}");
    let select = || {
        let out = om()
            .env("OM_FACT_CACHE", cache.path())
            .args(["inventory", "--tgt-type", "compound", &grain, "--list-hosts", "-i"])
            .arg_path(lab.inventory())
            .run();
        out.stdout.split_whitespace().map(str::to_string).collect::<Vec<_>>()
    };
    assert!(select().is_empty(), "no facts cached yet");
    let gathered = om()
        .env("OM_FACT_CACHE", cache.path())
        .args(["run", "h1", "-m", "setup", "-a", "gather_subset=!all", "-i"])
        .arg_path(lab.inventory())
        .run();
    assert_eq!(gathered.code, 0, "{}{}", gathered.stdout, gathered.stderr);
    assert_eq!(select(), ["h1"], "only h1's facts were gathered");
}

#[test]
fn become_su_runs_as_the_target_user_and_never_shows_the_password() {
    if !om_test::privileged() {
        eprintln!("skipped: needs OM_TEST_PRIVILEGED=1 (creates two local users with passwords)");
        return;
    }
    const SU_PASSWORD: &str = "cli-su-pw-5e1d";
    let pid = std::process::id();
    let login = om_test::LocalUser::new(format!("omcl{pid}"), "cli-login-pw");
    let target = om_test::LocalUser::new(format!("omct{pid}"), SU_PASSWORD);
    let lab = om_test::lab(1);
    let state = lab.state();
    let h1 = state.host("h1").expect("h1");
    let dir = om_test::tempdir();
    let inventory = dir.path().join("su.ini");
    let ini = format!(
        "h1 ansible_host={} ansible_port={} ansible_user={} ansible_password=cli-login-pw\n\n[all:vars]\nansible_ssh_common_args='-o UserKnownHostsFile={}/known_hosts'\n",
        h1.address,
        state.port,
        login.name,
        state.dir.display()
    );
    std::fs::write(&inventory, ini).expect("inventory");
    let su = |password: &str, extra: &[&str]| {
        om().args(["run", "h1", "-i"])
            .arg_path(&inventory)
            .args(["-m", "shell", "-a", "id -un", "-b", "--become-method", "su", "--become-user", &target.name])
            .args(["-e", &format!("ansible_become_password={password}")])
            .args(extra)
            .run()
    };
    let ok = su(SU_PASSWORD, &[]);
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);
    assert!(ok.stdout.contains(&format!("h1 | CHANGED | rc=0 >>\n{}\n", target.name)), "{}", ok.stdout);
    let events = su(SU_PASSWORD, &["--events"]);
    assert_eq!(events.code, 0, "{}", events.stderr);
    assert!(!events.stdout.contains(SU_PASSWORD) && !events.stderr.contains(SU_PASSWORD), "{}", events.stdout);
    let bad = su("wrong-pw-0000", &[]);
    assert_eq!(bad.code, 2, "{}{}", bad.stdout, bad.stderr);
    assert!(bad.stdout.contains(&format!("become: incorrect su password for becoming `{}`", target.name)), "{}", bad.stdout);
    assert!(!bad.stdout.contains("wrong-pw-0000") && !bad.stderr.contains("wrong-pw-0000"), "{}", bad.stdout);
}
