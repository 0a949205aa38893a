//! `om facts` and `om proc`, as users run them.

use crate::om;

#[test]
fn facts_json_has_psutil_fields_and_text_formats_boot_time() {
    let out = om().args(["facts", "--json"]).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    for k in ["total", "available", "percent", "used", "free", "active", "inactive", "buffers", "cached", "shared", "slab"] {
        assert!(v["virtual_memory"].get(k).is_some(), "virtual_memory.{k}");
    }
    for k in ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice"] {
        assert!(v["cpu"]["times"][k].is_f64(), "cpu.times.{k}");
    }
    let meminfo = std::fs::read_to_string("/proc/meminfo").expect("meminfo");
    let total_kb: u64 = meminfo.lines().next().expect("line").split_whitespace().nth(1).expect("kB").parse().expect("number");
    assert_eq!(v["virtual_memory"]["total"], total_kb * 1024);
    let boot = om().args(["facts", "boot", "--tz", "UTC"]).run();
    let btime: i64 = std::fs::read_to_string("/proc/stat")
        .expect("stat")
        .lines()
        .find_map(|l| l.strip_prefix("btime ").map(|v| v.trim().parse().expect("btime")))
        .expect("btime");
    let expect = chrono::DateTime::from_timestamp(btime, 0).expect("time").format("%Y-%m-%d %H:%M:%S").to_string();
    assert_eq!(boot.stdout.trim(), format!("boot time: {expect}"));
    let bad = om().args(["facts", "boot", "--tz", "Mars/Olympus"]).run();
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("hint: use UTC"), "{}", bad.stderr);
}

#[test]
fn proc_shows_a_process_sets_affinity_and_reports_a_missing_one() {
    let mut child = std::process::Command::new("sleep").arg("30").spawn().expect("sleep");
    let pid = child.id().to_string();
    let show = om().args(["proc", "show", &pid, "--json"]).run();
    assert_eq!(show.code, 0, "{}", show.stderr);
    let v: serde_json::Value = serde_json::from_str(&show.stdout).expect("JSON");
    assert_eq!(v["name"], "sleep");
    assert_eq!(v["cmdline"], serde_json::json!(["sleep", "30"]));
    let set = om().args(["proc", "affinity", &pid, "--set", "0"]).run();
    assert_eq!(set.stdout.trim(), format!("pid {pid}'s current affinity list: 0"));
    let list = om().args(["proc", "list", "--name", "sleep"]).run();
    assert!(list.stdout.lines().any(|l| l.split_whitespace().next() == Some(pid.as_str())), "{}", list.stdout);
    let kill = om().args(["proc", "kill", &pid, "--signal", "KILL"]).run();
    assert_eq!(kill.code, 0);
    let status = child.wait().expect("reaped");
    assert_eq!(std::os::unix::process::ExitStatusExt::signal(&status), Some(9));
    let missing = om().args(["proc", "show", &pid]).run();
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains(&format!("no process with pid {pid}")), "{}", missing.stderr);
}
