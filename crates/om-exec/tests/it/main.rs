//! The executor against the real OpenSSH fleet of an om lab: results, one connection per
//! host, and the faults a fleet has (down hosts, hosts dying mid-run, commands that never
//! end, slow and lossy links, wrong sudo passwords).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use om_core::{Event, Host, Phase, Status, Target, Task};
use om_exec::{Executor, Plan, RunOptions, Transports};
use om_ssh::{SshConfig, SshConnector, SshOptions};
use om_test::TestLab;

fn hosts(lab: &TestLab) -> Vec<Host> {
    let source = om_inventory::Source::parse(&lab.inventory().display().to_string());
    let loaded = om_inventory::Inventory::load(&[source], &om_inventory::LoadOptions::default()).expect("the lab inventory loads");
    loaded.inventory.hosts().iter().map(|h| h.as_ref().clone()).collect()
}

fn target(lab: &TestLab) -> Target {
    Target::new(hosts(lab).into_iter().map(Arc::new).collect())
}

fn task(module: &str, args: &str) -> Task {
    om_exec::task(module, args).expect("valid arguments")
}

/// Runs a plan and returns every event.
fn run(lab: &TestLab, tasks: Vec<Task>, options: RunOptions, during: impl FnOnce() + Send) -> Vec<Event> {
    let connector =
        SshConnector::new(SshOptions { agent: false, default_keys: false, ..SshOptions::default() }, SshConfig::default(), hosts(lab));
    let executor = Executor::new(Arc::new(Transports::new(Arc::new(connector), "ssh")), options);
    let target = target(lab);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a runtime");
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let collector = std::thread::spawn(move || {
        let mut events = Vec::new();
        while let Some(e) = rx.blocking_recv() {
            events.push(e);
        }
        events
    });
    std::thread::scope(|s| {
        s.spawn(during);
        runtime.block_on(executor.run(&target, &Plan::new(tasks), tx));
    });
    collector.join().expect("the collector ends")
}

/// Every host's outcome per task; panics if a host reports twice for one task.
fn outcomes(events: &[Event]) -> HashMap<(usize, String), om_core::Outcome> {
    let mut out = HashMap::new();
    for e in events {
        if let Event::HostResult { host, task, outcome } = e {
            assert!(out.insert((*task, host.clone()), outcome.clone()).is_none(), "{host} reported task {task} twice");
        }
    }
    out
}

fn wait_for(what: &str, deadline: Duration, mut ready: impl FnMut() -> bool) {
    let end = Instant::now() + deadline;
    while !ready() {
        assert!(Instant::now() < end, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn ten_tasks_use_one_connection_per_host() {
    let lab = om_test::lab(3);
    let tasks = (0..10).map(|i| task("command", &format!("echo task{i}"))).collect();
    let events = run(&lab, tasks, RunOptions::default(), || {});
    let results = outcomes(&events);
    assert_eq!(results.len(), 30);
    for ((task, host), outcome) in &results {
        assert_eq!(outcome.status, Status::Changed, "{host} task {task}");
        assert_eq!(outcome.result["stdout"], format!("task{task}"));
        assert_eq!(outcome.result["rc"], 0);
    }
    assert!(matches!(events.first(), Some(Event::RunStarted { hosts: 3, version: 1, .. })));
    assert!(matches!(events.last(), Some(Event::RunFinished { .. })));
    for h in lab.status().expect("status") {
        assert_eq!(h.connections, 1, "{} was connected to once", h.name);
    }
}

#[test]
fn a_down_host_is_unreachable_and_the_others_go_on() {
    let lab = om_test::lab(3);
    lab.kill("h2").expect("kills");
    let events = run(&lab, vec![task("command", "true"), task("command", "true")], RunOptions::default(), || {});
    let results = outcomes(&events);
    let h2 = &results[&(0, "h2".to_string())];
    assert_eq!(h2.status, Status::Unreachable);
    assert_eq!(h2.error.as_ref().map(|e| e.phase), Some(Phase::Connect));
    assert!(h2.result["msg"].as_str().is_some_and(|m| m.starts_with("connect: connection refused")), "{:?}", h2.result);
    assert!(!results.contains_key(&(1, "h2".to_string())), "an unreachable host sits out later tasks");
    assert_eq!(results[&(1, "h3".to_string())].status, Status::Changed);
}

#[test]
fn a_host_killed_mid_run_is_unreachable_and_nothing_hangs() {
    let lab = om_test::lab(3);
    let dir = tempfile::tempdir().expect("tempdir");
    let marker = dir.path().join("started-h2");
    let script = format!("if [ {{{{ inventory_hostname }}}} = h2 ]; then touch {}; sleep 60; fi; echo done", marker.display());
    let tasks = vec![task("command", "true"), task("shell", &script), task("command", "true")];
    let events = run(&lab, tasks, RunOptions::default(), || {
        wait_for("h2 to start its command", Duration::from_secs(20), || marker.exists());
        lab.kill("h2").expect("kills");
    });
    let results = outcomes(&events);
    let h2 = &results[&(1, "h2".to_string())];
    assert_eq!(h2.status, Status::Unreachable, "{:?}", h2.result);
    assert!(h2.result["msg"].as_str().is_some_and(|m| m.contains("connection lost")), "{:?}", h2.result);
    assert_eq!(results[&(1, "h1".to_string())].result["stdout"], "done");
    assert_eq!(results[&(2, "h3".to_string())].status, Status::Changed);
    assert_eq!(results.len(), 3 + 3 + 2);
}

#[test]
fn a_command_that_never_ends_fails_with_phase_timeout() {
    let lab = om_test::lab(2);
    let token = format!("om-timeout-{}", std::process::id());
    let options = RunOptions { task_timeout: Some(Duration::from_secs(1)), ..RunOptions::default() };
    // Two tasks: the commands go through om-agent, whose cancelled call kills the command.
    let tasks = vec![task("shell", &format!("sleep 600; echo {token}")), task("command", "echo after")];
    let events = run(&lab, tasks, options, || {});
    let results = outcomes(&events);
    for host in ["h1", "h2"] {
        let outcome = &results[&(0, host.to_string())];
        assert_eq!(outcome.status, Status::Failed);
        assert_eq!(outcome.error.as_ref().map(|e| e.phase), Some(Phase::Timeout));
        assert!(outcome.error.as_ref().and_then(|e| e.hint.as_ref()).is_some());
    }
    // The lab's hosts are this machine: nothing of the stopped command is left running.
    wait_for("the timed-out commands to be killed", Duration::from_secs(5), || {
        let ps = std::process::Command::new("pgrep").args(["-f", &token]).output().expect("pgrep");
        ps.stdout.is_empty()
    });
}

#[test]
fn commands_go_through_the_agent_when_more_tasks_follow() {
    let lab = om_test::lab(2);
    let parent = "cat /proc/$PPID/comm";
    let results = outcomes(&run(&lab, vec![task("shell", parent), task("command", "echo second")], RunOptions::default(), || {}));
    for host in ["h1", "h2"] {
        assert_eq!(results[&(0, host.to_string())].result["stdout"], "om-agent", "{host}: shell runs under om-agent");
        assert_eq!(results[&(1, host.to_string())].result["stdout"], "second");
        assert_eq!(results[&(0, host.to_string())].status, Status::Changed);
    }
    // A one-shot command does not start an agent: it runs on an exec channel of its own.
    let results = outcomes(&run(&lab, vec![task("shell", parent)], RunOptions::default(), || {}));
    for host in ["h1", "h2"] {
        let outcome = &results[&(0, host.to_string())];
        assert_eq!(outcome.status, Status::Changed);
        assert_ne!(outcome.result["stdout"], "om-agent", "{host}");
    }
}

#[test]
fn an_unknown_become_method_is_refused_not_run_as_sudo() {
    let target = Target::new(vec![Arc::new({
        let mut h = Host::new("localhost");
        h.vars.insert("ansible_connection".into(), "local".into());
        h.vars.insert("ansible_become".into(), "yes".into());
        h.vars.insert("ansible_become_method".into(), "doas".into());
        h
    })]);
    let connector = SshConnector::new(SshOptions::default(), SshConfig::default(), []);
    let executor = Executor::new(Arc::new(Transports::new(Arc::new(connector), "ssh")), RunOptions::default());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let outcome = runtime.block_on(async {
        executor.run(&target, &Plan::new(vec![task("command", "id -un")]), tx).await;
        let mut found = None;
        while let Some(e) = rx.recv().await {
            if let Event::HostResult { outcome, .. } = e {
                found = Some(outcome);
            }
        }
        found.expect("a result")
    });
    assert_eq!(outcome.status, Status::Failed);
    let error = outcome.error.expect("a classified error");
    assert_eq!(error.phase, Phase::Become);
    assert!(error.message.contains("`doas` is not supported"), "{}", error.message);
    assert!(outcome.result.get("stdout").is_none(), "nothing ran: {:?}", outcome.result);
}

#[test]
fn delay_and_loss_slow_the_run_but_every_host_finishes() {
    let lab = om_test::lab(3);
    lab.netem("h1", om_lab::Netem { delay_ms: 80, jitter_ms: 0, loss_percent: 5.0 }).expect("netem");
    let tasks = (0..3).map(|i| task("command", &format!("echo {i}"))).collect();
    let events = run(&lab, tasks, RunOptions::default(), || {});
    let results = outcomes(&events);
    assert_eq!(results.len(), 9);
    assert!(results.values().all(|o| o.status == Status::Changed));
}

#[test]
fn copy_is_idempotent_and_fetch_brings_files_home() {
    let lab = om_test::lab(2);
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().display();
    let copy = task(
        "copy",
        &format!("content='line for {{{{ inventory_hostname }}}}' dest={d}/{{{{ inventory_hostname }}}}.txt mode=0600 backup=yes"),
    );
    let events = run(&lab, vec![copy.clone(), copy], RunOptions::default(), || {});
    let results = outcomes(&events);
    assert_eq!(results[&(0, "h1".to_string())].status, Status::Changed);
    assert_eq!(results[&(1, "h1".to_string())].status, Status::Ok, "a second copy changes nothing");
    assert_eq!(std::fs::read_to_string(dir.path().join("h2.txt")).expect("written"), "line for h2");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(dir.path().join("h1.txt")).expect("stat").permissions().mode() & 0o777, 0o600);
    let fetch = task("fetch", &format!("src={d}/{{{{ inventory_hostname }}}}.txt dest={d}/fetched"));
    let fetched_results = outcomes(&run(&lab, vec![fetch], RunOptions::default(), || {}));
    assert_eq!(fetched_results[&(0, "h1".to_string())].status, Status::Changed);
    let fetched = dir.path().join("fetched/h1").join(dir.path().strip_prefix("/").unwrap_or(dir.path())).join("h1.txt");
    assert_eq!(std::fs::read_to_string(fetched).expect("fetched"), "line for h1");
}

#[test]
fn script_runs_once_creates_exists_and_removes_itself() {
    let lab = om_test::lab(1);
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("setup.sh");
    let flag = dir.path().join("flag");
    std::fs::write(&script, format!("#!/bin/sh\necho \"args: $*\"\ntouch {}\n", flag.display())).expect("writes");
    let args = format!("{} one two creates={}", script.display(), flag.display());
    let results = outcomes(&run(&lab, vec![task("script", &args), task("script", &args)], RunOptions::default(), || {}));
    let first = &results[&(0, "h1".to_string())];
    assert_eq!(first.result["stdout"], "args: one two", "{:?}", first.result);
    let second = &results[&(1, "h1".to_string())];
    assert_eq!(second.status, Status::Ok);
    assert!(second.result["msg"].as_str().is_some_and(|m| m.starts_with("Did not run command since")));
    let leftovers = std::fs::read_dir("/tmp")
        .expect("tmp")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("setup.sh"))
        .count();
    assert_eq!(leftovers, 0, "the uploaded script was removed");
}

#[test]
fn background_jobs_poll_to_completion() {
    let lab = om_test::lab(1);
    let options = RunOptions { background: Some(om_exec::Background { limit_s: 30, poll_s: 1 }), ..RunOptions::default() };
    let results = outcomes(&run(&lab, vec![task("shell", "sleep 1; echo finished")], options, || {}));
    let outcome = &results[&(0, "h1".to_string())];
    assert_eq!(outcome.status, Status::Changed, "{:?}", outcome.result);
    assert_eq!(outcome.result["stdout"], "finished");
    assert_eq!(outcome.result["finished"], 1);
}

#[test]
fn unknown_parameters_fail_every_host_without_connecting() {
    let lab = om_test::lab(2);
    let results = outcomes(&run(&lab, vec![task("ping", "data=x bogus=1")], RunOptions::default(), || {}));
    let outcome = &results[&(0, "h1".to_string())];
    assert_eq!(outcome.status, Status::Failed);
    assert!(outcome.result["msg"].as_str().is_some_and(|m| m.starts_with("Unsupported parameters for (ping) module: bogus.")));
    assert!(lab.status().expect("status").iter().all(|h| h.connections == 0));
}

/// Two lab hosts that log in as a new sudo user `user` (password `s3cret-pw`) and become
/// root with the password `become_password` gives each; `None` when tests may not create
/// users.
#[allow(clippy::print_stderr)]
fn sudo_lab(user: &str, become_password: fn(&str) -> &'static str) -> Option<TestLab> {
    if !om_test::privileged() {
        eprintln!("skipped: needs OM_TEST_PRIVILEGED=1 (creates a user with a sudo rule)");
        return None;
    }
    let user = om_test::sudo_user(user, "s3cret-pw");
    let lab = om_test::lab(2);
    let inventory = std::fs::read_to_string(lab.inventory()).expect("inventory");
    let inventory =
        inventory.replace(&format!("ansible_user={}", lab.state().user), &format!("ansible_user={user} ansible_password=s3cret-pw"));
    let mut out = String::new();
    for line in inventory.lines() {
        out.push_str(line);
        if let Some(host) = ["h1", "h2"].into_iter().find(|h| line.starts_with(&format!("{h} "))) {
            out.push_str(&format!(" ansible_become=yes ansible_become_password={}", become_password(host)));
        }
        out.push('\n');
    }
    std::fs::write(lab.inventory(), out).expect("writes");
    Some(lab)
}

#[test]
fn a_wrong_sudo_password_is_a_become_failure() {
    let Some(lab) = sudo_lab("omsudo", |host| if host == "h2" { "wrong" } else { "s3cret-pw" }) else { return };
    let results = outcomes(&run(&lab, vec![task("command", "id -un")], RunOptions::default(), || {}));
    assert_eq!(results[&(0, "h1".to_string())].result["stdout"], "root");
    let h2 = &results[&(0, "h2".to_string())];
    assert_eq!(h2.status, Status::Failed);
    assert_eq!(h2.error.as_ref().map(|e| e.phase), Some(Phase::Become));
    let text = serde_json::to_string(&h2).expect("json");
    assert!(!text.contains("wrong") && !text.contains("s3cret"), "no password in results: {text}");
}

#[test]
fn localhost_runs_on_the_controller() {
    let target = Target::new(vec![Arc::new({
        let mut h = Host::new("localhost");
        h.vars.insert("ansible_connection".into(), "local".into());
        h
    })]);
    let connector = SshConnector::new(SshOptions::default(), SshConfig::default(), []);
    let executor = Executor::new(Arc::new(Transports::new(Arc::new(connector), "ssh")), RunOptions::default());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let recap = runtime.block_on(async {
        let recap = executor.run(&target, &Plan::new(vec![task("shell", "echo $((6*7))")]), tx).await;
        let mut stdout = None;
        while let Some(e) = rx.recv().await {
            if let Event::HostResult { outcome, .. } = e {
                stdout = Some(outcome.result["stdout"].clone());
            }
        }
        assert_eq!(stdout, Some("42".into()));
        recap
    });
    assert_eq!(recap.hosts["localhost"].changed, 1);
    assert!(Path::new("/bin/sh").exists());
}

#[test]
fn copy_of_a_directory_is_recursive_and_idempotent() {
    let lab = om_test::lab(1);
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("site");
    std::fs::create_dir_all(src.join("css/deep")).expect("dirs");
    std::fs::write(src.join("index.html"), "<h1>hi</h1>").expect("writes");
    std::fs::write(src.join("css/deep/a.css"), "a{}").expect("writes");
    let out = dir.path().join("out");
    let with_dir = task("copy", &format!("src={} dest={}", src.display(), out.display()));
    let contents_only = task("copy", &format!("src={}/ dest={}/flat", src.display(), out.display()));
    let results = outcomes(&run(&lab, vec![with_dir.clone(), with_dir, contents_only], RunOptions::default(), || {}));
    assert_eq!(results[&(0, "h1".to_string())].status, Status::Changed, "{:?}", results[&(0, "h1".to_string())].result);
    assert_eq!(results[&(1, "h1".to_string())].status, Status::Ok, "a second copy changes nothing");
    assert_eq!(std::fs::read_to_string(out.join("site/css/deep/a.css")).expect("copied"), "a{}");
    assert_eq!(std::fs::read_to_string(out.join("flat/index.html")).expect("copied"), "<h1>hi</h1>");
}

#[test]
fn setup_results_are_kept_in_the_fact_cache() {
    let lab = om_test::lab(2);
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = om_facts::FactCache::new(dir.path(), Duration::from_secs(3600));
    let options = RunOptions { fact_cache: Some(cache.clone()), ..RunOptions::default() };
    let events = run(&lab, vec![task("setup", "gather_subset=!all")], options, || {});
    let outs = outcomes(&events);
    assert!(outs.values().all(|o| o.status == om_core::Status::Ok), "{outs:?}");
    assert_eq!(cache.hosts(), vec!["h1", "h2"]);
    let facts = cache.get("h1").expect("read").expect("cached");
    let local = om_facts::ansible::gather(&om_facts::Live, &Default::default()).expect("facts").0;
    assert_eq!(facts["ansible_os_family"], local["ansible_os_family"]);
}

/// The file modules over SSH on lab hosts, through om-agent: check mode changes nothing but
/// says what would change, with diffs; the real run changes; the second run changes nothing.
#[test]
fn file_modules_over_ssh_report_check_diff_and_idempotence() {
    let lab = om_test::lab(2);
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().display().to_string();
    std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o777)).expect("chmod");
    let base = format!("{root}/{{{{ inventory_hostname }}}}");
    let plan = |check: bool| -> Vec<Task> {
        let mut tasks = vec![
            task("file", &format!("path={base} state=directory mode=0755")),
            task("copy", &format!("dest={base}/app.conf content='port=80\\nuser=www\\n' mode=0640 force=no")),
            task("lineinfile", &format!("path={base}/app.conf regexp=^port= line=port=8080")),
            task("blockinfile", &format!("path={base}/app.conf block='limit=10'")),
            task("replace", &format!("path={base}/app.conf regexp=www replace=nobody")),
            task("stat", &format!("path={base}/app.conf")),
        ];
        for t in &mut tasks {
            t.check = check;
            t.diff = true;
        }
        tasks
    };
    let dry = outcomes(&run(&lab, plan(true), RunOptions::default(), || {}));
    assert_eq!(dry[&(0, "h1".to_string())].status, Status::Changed, "{:?}", dry[&(0, "h1".to_string())].result);
    assert!(dry[&(0, "h1".to_string())].result.get("diff").is_some(), "check mode shows the diff");
    assert!(!dir.path().join("h1").exists(), "check mode created the directory");
    let first = outcomes(&run(&lab, plan(false), RunOptions::default(), || {}));
    for host in ["h1", "h2"] {
        for task in 0..5 {
            assert_eq!(
                first[&(task, host.to_string())].status,
                Status::Changed,
                "{host} task {task}: {:?}",
                first[&(task, host.to_string())].result
            );
        }
        let stat = &first[&(5, host.to_string())];
        assert_eq!(stat.status, Status::Ok);
        assert_eq!(stat.result["stat"]["mode"], "0640");
        let text = std::fs::read_to_string(dir.path().join(host).join("app.conf")).expect("written on the host");
        assert_eq!(text, "port=8080\nuser=nobody\n# BEGIN ANSIBLE MANAGED BLOCK\nlimit=10\n# END ANSIBLE MANAGED BLOCK\n");
    }
    let lineinfile = &first[&(2, "h1".to_string())].result;
    assert_eq!(lineinfile["diff"][0]["after"].as_str().map(|a| a.contains("port=8080")), Some(true), "{lineinfile:?}");
    let second = outcomes(&run(&lab, plan(false), RunOptions::default(), || {}));
    for ((task, host), outcome) in &second {
        assert_eq!(outcome.status, Status::Ok, "{host} task {task} changed on the second run: {:?}", outcome.result);
    }
}

/// Hosts do not wait for each other between tasks, yet results still arrive task by task.
#[test]
fn each_host_runs_at_its_own_pace_and_results_stay_in_task_order() {
    let lab = om_test::lab(2);
    let tasks = vec![task("shell", "if [ {{ inventory_hostname }} = h1 ]; then sleep 2; fi; echo first"), task("command", "echo second")];
    let events = run(&lab, tasks, RunOptions::default(), || {});
    let results = outcomes(&events);
    let (slow_first, fast_second) = (&results[&(0, "h1".to_string())], &results[&(1, "h2".to_string())]);
    assert!(
        fast_second.result["end"].as_str() < slow_first.result["end"].as_str(),
        "h2 ran its second task while h1 was still in its first: {:?} vs {:?}",
        fast_second.result["end"],
        slow_first.result["end"]
    );
    let order: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            Event::TaskStarted { task, hosts, .. } => Some(format!("start{task}:{hosts}")),
            Event::HostResult { task, .. } => Some(format!("result{task}")),
            Event::TaskFinished { task } => Some(format!("finish{task}")),
            _ => None,
        })
        .collect();
    assert_eq!(order, ["start0:2", "result0", "result0", "finish0", "start1:2", "result1", "result1", "finish1"]);
}

/// Whether `pid` is a live (not zombie) process.
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|stat| stat.rsplit_once(')').is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z')))
}

#[test]
fn a_signal_reaches_the_whole_process_group_of_a_local_command() {
    use om_core::{Connector, ExecRequest, Signal};
    let dir = tempfile::tempdir().expect("a directory");
    let pid_file = dir.path().join("child");
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a runtime");
    runtime.block_on(async {
        let host = Host::new("here");
        let conn = om_exec::LocalConnector.connect(&host).await.expect("a local connection");
        let command = format!("trap 'echo term; exit 143' TERM; sleep 300 & echo $! > {}; wait", pid_file.display());
        let running = {
            let conn = Arc::clone(&conn);
            tokio::spawn(async move { conn.exec(ExecRequest { command, ..Default::default() }, &|_| {}).await })
        };
        let mut child = None;
        for _ in 0..200 {
            child = std::fs::read_to_string(&pid_file).ok().and_then(|t| t.trim().parse::<u32>().ok());
            if child.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let child = child.expect("the command started its background child");
        assert!(alive(child));
        let asked = Instant::now();
        conn.signal(Signal::Term).await;
        let out = tokio::time::timeout(Duration::from_secs(10), running).await.expect("the command ends").expect("joins").expect("runs");
        assert!(asked.elapsed() < Duration::from_secs(5));
        assert_eq!((out.rc, String::from_utf8_lossy(&out.stdout).trim()), (Some(143), "term"), "the shell got SIGTERM and ran its trap");
        wait_for("the background child to be gone", Duration::from_secs(5), || !alive(child));
    });
}

/// Reads a pid a command wrote, waiting for it.
fn read_pid(path: &Path) -> u32 {
    let mut pid = None;
    wait_for("a command to write its pid", Duration::from_secs(20), || {
        pid = std::fs::read_to_string(path).ok().and_then(|t| t.trim().parse().ok());
        pid.is_some()
    });
    pid.expect("a pid")
}

/// Runs `tasks` cancellably on `lab` and cancels the run once h1 and h2 have written their
/// background child's pid to `<dir>/child.<host>`: the children, the time from the cancel to
/// the run's end, and the events.
fn cancel_once_started(lab: &TestLab, tasks: Vec<Task>, options: RunOptions, dir: &Path) -> ([u32; 2], Duration, Vec<Event>) {
    let connector =
        SshConnector::new(SshOptions { agent: false, default_keys: false, ..SshOptions::default() }, SshConfig::default(), hosts(lab));
    let executor = Executor::new(Arc::new(Transports::new(Arc::new(connector), "ssh")), options);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a runtime");
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let (cancel_tx, cancel) = tokio::sync::watch::channel(false);
    let collector = std::thread::spawn(move || {
        let mut events = Vec::new();
        while let Some(e) = rx.blocking_recv() {
            events.push(e);
        }
        events
    });
    let (children, asked) = std::thread::scope(|s| {
        let canceller = s.spawn(|| {
            // Cancelled whatever happens, so a command that never starts fails the test
            // rather than hanging it.
            let children = std::panic::catch_unwind(|| {
                let children = [read_pid(&dir.join("child.h1")), read_pid(&dir.join("child.h2"))];
                assert!(children.iter().all(|c| alive(*c)), "the background children run");
                children
            });
            let _ = cancel_tx.send(true);
            (children, Instant::now())
        });
        runtime.block_on(executor.run_until(&target(lab), &Plan::new(tasks), tx, cancel));
        canceller.join().expect("the canceller ends")
    });
    let took = asked.elapsed();
    let events = collector.join().expect("the collector ends");
    let Ok(children) = children else { panic!("h1 and h2 did not both start their command: {events:#?}") };
    (children, took, events)
}

#[test]
fn a_cancelled_run_stops_each_command_group_and_starts_no_more_hosts() {
    let lab = om_test::lab(3);
    let dir = tempfile::tempdir().expect("a directory");
    let d = dir.path().display();
    // h1 ends on SIGTERM and says so; h2 ignores it and needs SIGKILL. Both wait on a
    // background child that only a signal to the whole process group reaches. With two
    // forks, h3 waits for a slot and must never start.
    let script = format!(
        "if [ {{{{ inventory_hostname }}}} = h1 ]; then trap 'echo term > {d}/term.{{{{ inventory_hostname }}}}; exit 143' TERM; \
         else trap '' TERM; fi; sleep 300 & echo $! > {d}/child.{{{{ inventory_hostname }}}}; echo started; wait"
    );
    let tasks = vec![task("shell", &script), task("command", &format!("touch {d}/second.{{{{ inventory_hostname }}}}"))];
    let grace = Duration::from_millis(1500);
    let options = RunOptions { forks: 2, output_events: true, cancel_grace: grace, ..RunOptions::default() };
    let (children, took, events) = cancel_once_started(&lab, tasks, options, dir.path());
    assert!(took >= grace, "SIGKILL waited for the grace: {took:?}");
    assert!(took < Duration::from_secs(10), "a cancelled run ends soon: {took:?}");
    let results = outcomes(&events);
    assert_eq!(results.len(), 3, "one result per host, none for the second task: {results:?}");
    for host in ["h1", "h2", "h3"] {
        let outcome = &results[&(0, host.to_string())];
        assert_eq!(outcome.status, Status::Failed, "{host}");
        assert_eq!(outcome.error.as_ref().map(|e| e.phase), Some(Phase::Cancelled), "{host}: {outcome:?}");
    }
    assert!(results[&(0, "h3".to_string())].result["msg"].as_str().is_some_and(|m| m.contains("before the host started")));
    assert_eq!(std::fs::read_to_string(dir.path().join("term.h1")).ok().as_deref(), Some("term\n"), "h1 got SIGTERM: {events:?}");
    assert!(!dir.path().join("child.h3").exists() && !dir.path().join("second.h1").exists(), "nothing started after the cancel");
    wait_for("the background children to be gone", Duration::from_secs(5), || children.iter().all(|c| !alive(*c)));
    let stderr = |host: &str| -> String {
        events
            .iter()
            .filter_map(|e| match e {
                Event::Output { host: h, stream: om_core::Stream::Stderr, data, .. } if h == host => Some(data.as_str()),
                _ => None,
            })
            .collect()
    };
    assert!(stderr("h2").contains("SIGKILL"), "h2's output says SIGKILL followed: {}", stderr("h2"));
    assert!(!stderr("h1").contains("SIGKILL") && !stderr("h1").contains("om-pgid"), "{}", stderr("h1"));
    let stdout: String = events
        .iter()
        .filter_map(|e| match e {
            Event::Output { host, stream: om_core::Stream::Stdout, data, .. } if host == "h1" => Some(data.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(stdout, "started\n", "live output flowed before the cancel");
}

#[test]
fn arguments_rendered_per_host_are_data_and_their_errors_fail_only_that_host() {
    let local = |name: &str| {
        let mut h = Host::new(name);
        h.vars.insert("ansible_connection".into(), "local".into());
        h.vars.insert("secret".into(), "leaked".into());
        Arc::new(h)
    };
    let target = Target::new(vec![local("a"), local("b"), local("c")]);
    let mut plan = Plan::new(vec![task("shell", "echo {{ inventory_hostname }}")]);
    let args = |text: &str| serde_json::json!({ "_raw_params": text }).as_object().cloned().expect("an object");
    plan.host_args.insert(("a".into(), 0), Ok(args("printf '%s\\n' '{{ secret }}'")));
    plan.host_args.insert(("b".into(), 0), Err("cannot render the command for b".into()));
    let connector = SshConnector::new(SshOptions::default(), SshConfig::default(), []);
    let executor = Executor::new(Arc::new(Transports::new(Arc::new(connector), "ssh")), RunOptions::default());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let events = runtime.block_on(async {
        let run = executor.run(&target, &plan, tx);
        let collect = async {
            let mut events = Vec::new();
            while let Some(e) = rx.recv().await {
                events.push(e);
            }
            events
        };
        tokio::join!(run, collect).1
    });
    let results = outcomes(&events);
    assert_eq!(results[&(0, "a".to_string())].result["stdout"], "{{ secret }}", "the caller's arguments are not templated again");
    let b = &results[&(0, "b".to_string())];
    assert_eq!((b.status, b.result["msg"].as_str()), (Status::Failed, Some("cannot render the command for b")));
    assert_eq!(results[&(0, "c".to_string())].result["stdout"], "c", "hosts without an entry render the task's arguments");
}

/// Under become the command runs as root below sudo: a plain user's signal (sshd's, for the
/// login) cannot reach it or its children, so the kill runs with the same escalation.
#[test]
fn a_cancelled_run_stops_commands_run_under_become() {
    let Some(lab) = sudo_lab("omcancel", |_| "s3cret-pw") else { return };
    let dir = tempfile::tempdir().expect("a directory");
    let d = dir.path().display();
    let script = format!(
        "[ $(id -u) = 0 ] || exit 3; if [ {{{{ inventory_hostname }}}} = h1 ]; then trap 'echo term > {d}/term.h1; exit 143' TERM; \
         else trap '' TERM; fi; sleep 300 & echo $! > {d}/child.{{{{ inventory_hostname }}}}; wait"
    );
    let grace = Duration::from_millis(1000);
    let options = RunOptions { forks: 2, output_events: true, cancel_grace: grace, ..RunOptions::default() };
    let (children, took, events) = cancel_once_started(&lab, vec![task("shell", &script)], options, dir.path());
    let results = outcomes(&events);
    for host in ["h1", "h2"] {
        assert_eq!(results[&(0, host.to_string())].error.as_ref().map(|e| e.phase), Some(Phase::Cancelled), "{host}: {events:?}");
    }
    assert_eq!(std::fs::read_to_string(dir.path().join("term.h1")).ok().as_deref(), Some("term\n"), "h1's root shell got SIGTERM");
    assert!(took >= grace && took < Duration::from_secs(10), "h2 needed SIGKILL after the grace: {took:?}");
    wait_for("the root children to be gone", Duration::from_secs(5), || children.iter().all(|c| !alive(*c)));
}
