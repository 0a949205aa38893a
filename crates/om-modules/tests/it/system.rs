//! ping, setup, sysctl (files), wait_for, proc, cron checks, user/group in check mode.

use serde_json::json;

use crate::{changed, run, run_on};
use om_modules::os::LocalOs;

#[test]
fn ping_answers_and_crash_fails() {
    assert_eq!(run("ping", json!({})).result["ping"], "pong");
    assert_eq!(run("ping", json!({"data": "hi"})).result["ping"], "hi");
    assert!(run("ping", json!({"data": "crash"})).failed());
}

#[test]
fn setup_honours_subset_filter_and_local_facts() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("app.fact"), "[general]\nMaxOpenFiles=65535\n").expect("ini");
    std::fs::write(dir.path().join("json.fact"), r#"{"a": [1, 2]}"#).expect("json");
    std::fs::write(dir.path().join("broken.fact"), "this is neither").expect("broken");
    let exe = dir.path().join("exec.fact");
    std::fs::write(&exe, "#!/bin/sh\necho '{\"from\": \"script\"}'\n").expect("script");
    std::os::unix::fs::PermissionsExt::set_mode(&mut std::fs::metadata(&exe).expect("m").permissions(), 0o755);
    std::fs::set_permissions(&exe, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    let out = run("setup", json!({"gather_subset": ["!all"], "fact_path": dir.path()}));
    let f = out.result["ansible_facts"].as_object().expect("facts");
    assert_eq!(f["ansible_local"]["app"]["general"]["maxopenfiles"], "65535");
    assert_eq!(f["ansible_local"]["json"]["a"], json!([1, 2]));
    assert_eq!(f["ansible_local"]["exec"]["from"], "script");
    assert!(f["ansible_local"]["broken"].as_str().expect("error string").contains("error loading facts"));
    assert!(out.result["warnings"].as_array().is_some_and(|w| !w.is_empty()), "a broken fact warns");
    assert!(!f.contains_key("ansible_mounts"), "!all leaves hardware out");
    assert!(f.contains_key("ansible_distribution") && f.contains_key("ansible_date_time"));
    assert_eq!(f["gather_subset"], json!(["!all"]));
    let filtered = run("setup", json!({"filter": ["ansible_mem*_mb", "ansible_processor_vcpus"]}));
    let f = filtered.result["ansible_facts"].as_object().expect("facts");
    let mut keys: Vec<&str> = f.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        vec!["ansible_memfree_mb", "ansible_memory_mb", "ansible_memtotal_mb", "ansible_processor_vcpus", "gather_subset", "module_setup"]
    );
    let bad = om_modules::run("setup", &crate::args(json!({"gather_subset": "hardwear"})), &mut om_modules::Context::new(&LocalOs))
        .expect("valid args");
    assert!(bad.failed());
    assert!(bad.result["msg"].as_str().expect("msg").starts_with("Bad subset 'hardwear'"));
}

#[test]
fn sysctl_edits_the_file_with_ansible_posix_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("sysctl.conf");
    std::fs::write(&file, "# comment\nvm.swappiness = 60\nnet.ipv4.ip_forward=0\n").expect("write");
    let a = json!({"name": "vm.swappiness", "value": "10", "sysctl_file": file, "reload": false});
    assert!(changed(&run("sysctl", a.clone())));
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "# comment\nvm.swappiness=10\nnet.ipv4.ip_forward=0\n");
    assert!(!changed(&run("sysctl", a)));
    assert!(changed(&run("sysctl", json!({"name": "net.ipv4.ip_forward", "state": "absent", "sysctl_file": file, "reload": false}))));
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "# comment\nvm.swappiness=10\n");
    assert!(changed(&run("sysctl", json!({"name": "kernel.panic", "value": "yes", "sysctl_file": file, "reload": false}))));
    assert!(std::fs::read_to_string(&file).expect("read").ends_with("kernel.panic=1\n"));
}

#[test]
fn wait_for_ports_and_paths() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let up = run("wait_for", json!({"port": port, "timeout": 5}));
    assert_eq!(up.result["state"], "started");
    drop(listener);
    let down = run("wait_for", json!({"port": port, "state": "stopped", "timeout": 5}));
    assert!(!down.failed());
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("log");
    let writer = {
        let log = log.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(200));
            std::fs::write(log, "starting\nserver ready on 8080\n").expect("write");
        })
    };
    let found = run("wait_for", json!({"path": log, "search_regex": "ready on (?P<port>\\d+)", "timeout": 10, "sleep": 0.05}));
    writer.join().expect("writer");
    assert!(!found.failed(), "{:?}", found.result);
    assert_eq!(found.result["match_groupdict"]["port"], "8080");
    let timeout = run("wait_for", json!({"path": dir.path().join("never"), "timeout": 1, "sleep": 0.1}));
    assert!(timeout.failed());
    assert_eq!(timeout.result["msg"], format!("Timeout when waiting for file {}", dir.path().join("never").display()));
    // As ansible-core: wait_for does not support check mode, so it is skipped there, not run.
    let started = std::time::Instant::now();
    let check = run_on(&LocalOs, "wait_for", json!({"path": dir.path().join("never"), "timeout": 5}), true, false);
    assert_eq!(check.result["skipped"], true, "{:?}", check.result);
    assert_eq!(check.result["msg"], "remote module (wait_for) does not support check mode");
    assert!(started.elapsed() < std::time::Duration::from_secs(4), "check mode waited");
}

#[test]
fn proc_lists_shows_sets_affinity_and_kills() {
    let mut child = std::process::Command::new("sleep").arg("30").spawn().expect("sleep");
    let pid = child.id() as i64;
    let list = run("proc", json!({"action": "list", "name": "sleep"}));
    assert!(list.result["processes"].as_array().expect("list").iter().any(|p| p["pid"] == pid));
    let show = run("proc", json!({"action": "show", "pid": pid}));
    assert_eq!(show.result["process"]["name"], "sleep");
    assert_eq!(show.result["process"]["cmdline"], json!(["sleep", "30"]));
    let set = run("proc", json!({"action": "affinity", "pid": pid, "cpus": "0"}));
    assert!(changed(&set));
    let taskset = std::process::Command::new("taskset").args(["-pc", &pid.to_string()]).output().expect("taskset");
    assert!(String::from_utf8_lossy(&taskset.stdout).trim().ends_with(": 0"), "{}", String::from_utf8_lossy(&taskset.stdout));
    assert!(!changed(&run("proc", json!({"action": "affinity", "pid": pid, "cpus": "0"}))));
    let check = run_on(&LocalOs, "proc", json!({"action": "kill", "pid": pid}), true, false);
    assert!(changed(&check));
    assert!(child.try_wait().expect("wait").is_none(), "check mode sent no signal");
    assert!(changed(&run("proc", json!({"action": "kill", "pid": pid, "signal": "KILL"}))));
    let status = child.wait().expect("reaped");
    assert_eq!(std::os::unix::process::ExitStatusExt::signal(&status), Some(9));
}

#[test]
fn user_and_group_in_check_mode_change_nothing() {
    let out = run_on(&LocalOs, "user", json!({"name": "om-nobody-check", "uid": 45123}), true, false);
    assert!(changed(&out));
    assert!(!std::fs::read_to_string("/etc/passwd").expect("passwd").contains("om-nobody-check"));
    let root = run_on(&LocalOs, "user", json!({"name": "root"}), true, false);
    assert!(!changed(&root), "an existing user as asked is not a change");
    let g = run_on(&LocalOs, "group", json!({"name": "root"}), true, false);
    assert!(!changed(&g));
    assert_eq!(g.result["gid"], 0);
}

#[test]
fn unknown_arguments_name_the_closest_valid_one() {
    let err = om_modules::run("lineinfile", &crate::args(json!({"path": "/x", "lien": "a"})), &mut om_modules::Context::new(&LocalOs))
        .expect_err("refused");
    let msg = err.to_string();
    assert!(msg.contains("Unsupported parameters for (lineinfile) module: lien"), "{msg}");
    assert!(msg.contains("Did you mean `line`?"), "{msg}");
    let err = om_modules::run("ansible.builtin.lininfile", &crate::args(json!({})), &mut om_modules::Context::new(&LocalOs))
        .expect_err("unknown");
    assert!(err.to_string().contains("did you mean `lineinfile`?"), "{err}");
}
