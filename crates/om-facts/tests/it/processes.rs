//! Processes: fields against psutil, affinity against taskset, sockets against ss, spawn.

use std::os::unix::process::CommandExt;

use om_facts::process::{self, Process, ProcessInfo};
use serde_json::Value;

use crate::{psutil, sh, to_json};

struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn sleeper(dir: &std::path::Path) -> Child {
    Child(std::process::Command::new("sleep").arg("30").current_dir(dir).process_group(0).spawn().expect("sleep"))
}

#[test]
fn a_sleeping_child_reads_like_psutil_says() {
    let dir = tempfile::tempdir().expect("tempdir");
    let child = sleeper(dir.path());
    let pid = child.0.id() as i32;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while Process::new(pid).and_then(|p| p.status()).ok() != Some("sleeping") {
        assert!(std::time::Instant::now() < deadline, "sleep did not start sleeping");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let info = to_json(&ProcessInfo::read(pid, process::ALL_FIELDS).expect("info"));
    let p = psutil(&format!(
        "p = psutil.Process({pid})\nd = p.as_dict(attrs=['ppid','name','exe','cmdline','cwd','status','create_time','uids','gids','username','num_threads','nice','cpu_affinity','memory_info','num_fds'])\nd['uids'] = d['uids']._asdict(); d['gids'] = d['gids']._asdict(); d['memory_info'] = d['memory_info']._asdict()\nprint(json.dumps(d))"
    ));
    for f in
        ["ppid", "name", "exe", "cmdline", "cwd", "status", "uids", "gids", "username", "num_threads", "nice", "cpu_affinity", "num_fds"]
    {
        assert_eq!(info[f], p[f], "field {f}");
    }
    assert!((info["create_time"].as_f64().expect("ct") - p["create_time"].as_f64().expect("ct")).abs() < 0.02);
    for f in ["rss", "vms", "shared", "text", "data"] {
        assert_eq!(info["memory_info"][f], p["memory_info"][f], "memory_info.{f}");
    }
    assert_eq!(info["cwd"], std::fs::canonicalize(dir.path()).expect("canon").to_string_lossy().as_ref());
    assert_eq!(info["status"], "sleeping");
    assert!(info["memory_info"]["rss"].as_u64().expect("rss") > 0);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("now").as_secs_f64();
    assert!((now - info["create_time"].as_f64().expect("ct")).abs() < 5.0);
    assert!(info.get("errors").is_none(), "{info}");
}

#[test]
fn affinity_set_to_cpu_0_shows_in_taskset() {
    let dir = tempfile::tempdir().expect("tempdir");
    let child = sleeper(dir.path());
    let p = Process::new(child.0.id() as i32).expect("process");
    p.set_cpu_affinity(&[0]).expect("set");
    assert_eq!(p.cpu_affinity().expect("get"), vec![0]);
    let ts = sh(&format!("taskset -p {}", child.0.id()));
    assert!(ts.trim().ends_with(": 1"), "{ts}");
}

#[test]
fn sockets_match_ss_and_psutil() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let client = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let (_server, _) = listener.accept().expect("accept");
    let me = std::process::id() as i32;
    let conns = Process::new(me).expect("self").connections("tcp").expect("connections");
    let listen = conns.iter().find(|c| c.status == "LISTEN" && to_json(&c.laddr)[1] == port).expect("the listening socket");
    assert_eq!(to_json(&listen.laddr), serde_json::json!(["127.0.0.1", port]));
    assert_eq!(to_json(&listen.raddr), serde_json::json!([]));
    let cport = client.local_addr().expect("addr").port();
    assert!(conns.iter().any(|c| c.status == "ESTABLISHED" && to_json(&c.laddr)[1] == cport && to_json(&c.raddr)[1] == port));
    let ss = sh(&format!("ss -tanpH 'sport = :{port}'"));
    assert!(ss.contains("LISTEN") && ss.contains(&format!("pid={me}")), "{ss}");
    let p =
        psutil(&format!("print(json.dumps(sorted([[c.laddr.port, c.status] for c in psutil.Process({me}).net_connections(kind='tcp')])))"));
    let mut ours: Vec<Value> = conns.iter().map(|c| serde_json::json!([to_json(&c.laddr)[1], c.status])).collect();
    ours.sort_by_key(|v| v.to_string());
    let mut theirs = p.as_array().expect("list").clone();
    theirs.sort_by_key(|v| v.to_string());
    assert_eq!(ours, theirs);
}

#[test]
fn io_counters_count_what_a_child_writes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("out");
    let child = Child(
        std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("head -c 1000000 /dev/zero > {}; touch {}.done; exec sleep 30", file.display(), file.display()))
            .spawn()
            .expect("sh"),
    );
    let done = dir.path().join("out.done");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !done.exists() {
        assert!(std::time::Instant::now() < deadline, "the writer did not finish");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    // `exec sleep` keeps the pid and its counters; wait until it is sleep that runs.
    let p = Process::new(child.0.id() as i32).expect("process");
    while p.name().ok().as_deref() != Some("sleep") {
        assert!(std::time::Instant::now() < deadline, "exec did not happen");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let io = p.io_counters().expect("io");
    assert!(io.write_chars >= 1_000_000, "{io:?}");
}

#[test]
fn spawn_reports_output_and_cpu_times_of_the_finished_child() {
    let s =
        process::spawn(&["sh".into(), "-c".into(), "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; echo done".into()]).expect("spawn");
    assert_eq!(s.stdout, "done\n");
    assert_eq!(s.returncode, Some(0));
    assert!(s.cpu_times.user + s.cpu_times.system > 0.0, "{:?}", s.cpu_times);
    assert!(!std::path::Path::new(&format!("/proc/{}", s.pid)).exists(), "reaped");
}

#[test]
fn vanished_processes_are_typed_errors() {
    let mut c = std::process::Command::new("true").spawn().expect("true");
    let pid = c.id() as i32;
    c.wait().expect("reaped");
    assert!(matches!(Process::new(pid), Err(om_facts::FactsError::NoSuchProcess { .. })));
    let list = process::process_list(process::LIST_FIELDS);
    assert!(list.iter().any(|p| p.pid == std::process::id() as i32));
}

/// A Python child with three extra threads and an open file, having burnt some CPU.
fn busy_python(dir: &std::path::Path) -> (Child, std::path::PathBuf) {
    let file = dir.join("held-open");
    std::fs::write(&file, "0123456789").expect("file");
    let ready = dir.join("ready");
    let code = format!(
        "import threading, time\nf = open({f:?}, 'r'); f.read(4)\nts = [threading.Thread(target=time.sleep, args=(30,), daemon=True) for _ in range(3)]\n[t.start() for t in ts]\nwhile time.process_time() < 0.3: pass\nopen({r:?}, 'w').close()\ntime.sleep(30)\n",
        f = file.display().to_string(),
        r = ready.display().to_string()
    );
    let child = Child(std::process::Command::new(crate::venv_bin("python3")).arg("-c").arg(code).process_group(0).spawn().expect("python"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !ready.exists() {
        assert!(std::time::Instant::now() < deadline, "the python child did not get ready");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    (child, file)
}

#[test]
fn open_files_threads_and_cpu_times_read_like_psutil_says() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (child, file) = busy_python(dir.path());
    let pid = child.0.id() as i32;
    let p = Process::new(pid).expect("process");
    let before = to_json(&p.cpu_times().expect("cpu times"));
    let ps = psutil(&format!(
        "p = psutil.Process({pid})\nprint(json.dumps({{'open_files': [f._asdict() for f in p.open_files()], 'num_threads': p.num_threads(), 'cpu_times': p.cpu_times()._asdict()}}))"
    ));
    let after = to_json(&p.cpu_times().expect("cpu times"));
    let ours: Vec<Value> = p.open_files().expect("open files").iter().map(to_json).collect();
    let theirs = ps["open_files"].as_array().expect("list");
    let canon = std::fs::canonicalize(&file).expect("canon").display().to_string();
    let held = |files: &[Value]| files.iter().find(|f| f["path"] == canon.as_str()).cloned();
    let (ours_held, theirs_held) = (held(&ours).expect("om sees the open file"), held(theirs).expect("psutil sees the open file"));
    for f in ["path", "fd", "position", "mode", "flags"] {
        assert_eq!(ours_held[f], theirs_held[f], "open_files.{f}");
    }
    assert_eq!(ours.len(), theirs.len(), "om {ours:?} vs psutil {theirs:?}");
    assert_eq!(p.num_threads().expect("threads"), ps["num_threads"].as_u64().expect("n"));
    assert!(p.num_threads().expect("threads") >= 4);
    crate::bracket("cpu_times", &before, &ps["cpu_times"], &after, &["user", "system", "children_user", "children_system"]);
    assert!(before["user"].as_f64().expect("user") + before["system"].as_f64().expect("system") >= 0.2, "the busy loop shows: {before}");
}

#[test]
fn cpu_percent_of_a_spinning_process_agrees_with_psutil() {
    let spinner = Child(std::process::Command::new("sh").arg("-c").arg("while :; do :; done").process_group(0).spawn().expect("spin"));
    let pid = spinner.0.id() as i32;
    // Both measure the same second, side by side.
    let theirs = std::thread::spawn(move || {
        psutil(&format!("p = psutil.Process({pid}); p.cpu_percent(None); print(json.dumps(p.cpu_percent(1.0)))"))
    });
    let ours = Process::new(pid).expect("process").cpu_percent(std::time::Duration::from_secs(1)).expect("percent");
    let theirs = theirs.join().expect("psutil").as_f64().expect("percent");
    assert!((ours - theirs).abs() <= 20.0, "om {ours}% vs psutil {theirs}%");
    assert!(ours > 1.0, "a spinning shell uses the CPU: {ours}%");
}
