//! `om play` against ansible-playbook 2.19 on the lab: the corpus in
//! `crates/om-play/tests/corpus/` runs with both, into separate directories, twice; the
//! files left (content, mode, owner) and the PLAY RECAP of each run must be the same.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use om_test::TestLab;

use crate::lab::reference_tool;
use crate::om;

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../om-play/tests/corpus").join(name)
}

/// The PLAY RECAP lines.
fn recap(stdout: &str) -> String {
    match stdout.find("PLAY RECAP") {
        Some(at) => stdout[at..].lines().skip(1).filter(|l| !l.trim().is_empty()).collect::<Vec<_>>().join("\n"),
        None => format!("no PLAY RECAP in:\n{stdout}"),
    }
}

/// Every file under `dir`: relative path → (content, mode, uid, gid).
fn tree(dir: &Path) -> BTreeMap<String, (String, u32, u32, u32)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let path = e.path();
            let meta = std::fs::symlink_metadata(&path).expect("metadata");
            let rel = path.strip_prefix(dir).expect("inside").display().to_string();
            if meta.is_dir() {
                stack.push(path.clone());
                out.insert(format!("{rel}/"), (String::new(), meta.mode() & 0o7777, meta.uid(), meta.gid()));
            } else {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                out.insert(rel, (text, meta.mode() & 0o7777, meta.uid(), meta.gid()));
            }
        }
    }
    out
}

struct Runs {
    first: String,
    second: String,
    files: BTreeMap<String, (String, u32, u32, u32)>,
    /// The first run's `included: FILE for h1, h2` lines, hosts sorted (ansible-playbook
    /// lists them in the order their results came in) and `dir/../` resolved (ansible-core
    /// leaves it in the paths of includes inside included files; om resolves it).
    included: Vec<String>,
}

fn included_lines(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("included: "))
        .map(|l| {
            let (file, rest) = l.split_once(" for ").unwrap_or((l, ""));
            let (hosts, item) = rest.split_once(" => ").map(|(h, i)| (h, format!(" => {i}"))).unwrap_or((rest, String::new()));
            let mut hosts: Vec<&str> = hosts.split(", ").collect();
            hosts.sort_unstable();
            let mut file = file.to_string();
            while let Some(at) = file.find("/../") {
                let start = file[..at].rfind('/').unwrap_or(0);
                file.replace_range(start..at + 3, "");
            }
            format!("included: {file} for {}{item}", hosts.join(", "))
        })
        .collect()
}

fn run_om(lab: &TestLab, case: &str, base: &Path, extra: &[&str]) -> Runs {
    let dir = corpus(case);
    let mut outs = Vec::new();
    for _ in 0..2 {
        let out = om()
            .args(["play"])
            .arg_path(dir.join("site.yml"))
            .args(["-i"])
            .arg_path(lab.inventory())
            .args(["-i"])
            .arg_path(dir.join("hosts"))
            .args(["-e", &format!("base={}", base.display())])
            .args(extra)
            .run();
        assert!(out.code == 0 || out.code == 2, "om play {case}: exit {}\n{}{}", out.code, out.stdout, out.stderr);
        outs.push(out.stdout);
    }
    Runs { first: recap(&outs[0]), second: recap(&outs[1]), files: tree(base), included: included_lines(&outs[0]) }
}

fn run_ansible(lab: &TestLab, case: &str, base: &Path, extra: &[&str]) -> Option<Runs> {
    let tool = reference_tool("ansible-playbook")?;
    let dir = corpus(case);
    let home = base.with_extension("ansible-home");
    let mut outs = Vec::new();
    for _ in 0..2 {
        let out = Command::new(&tool)
            .arg(dir.join("site.yml"))
            .arg("-i")
            .arg(lab.inventory())
            .arg("-i")
            .arg(dir.join("hosts"))
            .args(["-e", &format!("base={}", base.display()), "-f", "10"])
            .args(extra)
            .env("ANSIBLE_NOCOLOR", "1")
            .env("ANSIBLE_HOME", &home)
            .env("ANSIBLE_PIPELINING", "1")
            .env("ANSIBLE_RETRY_FILES_ENABLED", "0")
            .output()
            .expect("ansible-playbook runs");
        outs.push(String::from_utf8_lossy(&out.stdout).into_owned());
    }
    Some(Runs { first: recap(&outs[0]), second: recap(&outs[1]), files: tree(base), included: included_lines(&outs[0]) })
}

fn conform(case: &str, extra: &[&str]) -> Runs {
    conform_on(2, case, extra)
}

fn conform_on(hosts: usize, case: &str, extra: &[&str]) -> Runs {
    let lab = om_test::lab(hosts);
    let dir = om_test::tempdir();
    conform_in(&lab, &dir, case, extra)
}

fn conform_in(lab: &TestLab, dir: &om_test::TempDir, case: &str, extra: &[&str]) -> Runs {
    let om_runs = run_om(lab, case, &dir.path().join("om"), extra);
    if let Some(reference) = run_ansible(lab, case, &dir.path().join("ansible"), extra) {
        assert_eq!(om_runs.first, reference.first, "{case}: first PLAY RECAP (om left, ansible right)");
        assert_eq!(om_runs.second, reference.second, "{case}: second PLAY RECAP (om left, ansible right)");
        assert_eq!(om_runs.files, reference.files, "{case}: files (om left, ansible right)");
        // Sorted: under strategy free hosts announce their includes as they get there.
        let sorted = |lines: &[String]| {
            let mut v = lines.to_vec();
            v.sort();
            v
        };
        assert_eq!(sorted(&om_runs.included), sorted(&reference.included), "{case}: `included:` lines (om left, ansible right)");
    }
    om_runs
}

#[test]
fn basics_match_ansible_playbook() {
    let runs = conform("basics", &[]);
    assert!(runs.first.contains("h1                         : ok="), "{}", runs.first);
    let (text, mode, ..) = &runs.files["h1/greeting.txt"];
    assert_eq!((text.as_str(), *mode), ("hello H1\n", 0o640));
    assert!(runs.files["h1/app.conf"].0.contains("user alice 01001\n"), "{:?}", runs.files["h1/app.conf"]);
    assert_eq!(runs.files["h1/handler.log"].0, "changed\nsecond\n", "handlers ran once each, on the first run only");
    assert!(runs.second.contains("changed=1 "), "only the ignored /bin/false changes on run 2: {}", runs.second);
}

#[test]
fn roles_group_vars_and_cross_play_registers_match_ansible_playbook() {
    let runs = conform("roles", &[]);
    assert_eq!(runs.files["h1/ntp.conf"].0, "driftfile /var/lib/ntp/drift\nserver 210.72.145.44\n", "role vars beat group_vars/all");
    assert!(runs.files["h1/nginx.conf"].0.contains("worker_rlimit_nofile 65536;\n"));
    assert_eq!(runs.files["h1/site"].0, "shop:80 role=web\n");
    assert_eq!(runs.files["h1/cross-play"].0, "stub=Disabled first=0\n");
    assert!(!runs.files.contains_key("h2/nginx.conf"), "play 2 only runs on webservers");
}

#[test]
fn book_nginx_example_renders_and_runs_its_handler_once() {
    let lab = om_test::lab(2);
    let dir = om_test::tempdir();
    let runs = conform_in(&lab, &dir, "nginx", &[]);
    let base = dir.path().join("om");
    let check = om()
        .args(["play"])
        .arg_path(corpus("nginx").join("site.yml"))
        .args(["-i"])
        .arg_path(lab.inventory())
        .args(["-i"])
        .arg_path(corpus("nginx").join("hosts"))
        .args(["-e", &format!("base={}", base.display()), "-e", "max_open_file=65507", "-C", "-D", "-l", "h1"])
        .run();
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
    assert!(check.stdout.contains("@@ -1,4 +1,4 @@\n user              nginx;\n worker_processes  4;\n worker_cpu_affinity 1000 0100 0010 0001;\n-worker_rlimit_nofile 65506;\n+worker_rlimit_nofile 65507;\n"), "{}", check.stdout);
    assert!(std::fs::read_to_string(base.join("h1/nginx.conf")).expect("kept").contains("65506"), "check mode changed nothing");
    assert_eq!(
        runs.files["h1/nginx.conf"].0,
        "user              nginx;\nworker_processes  4;\nworker_cpu_affinity 1000 0100 0010 0001;\nworker_rlimit_nofile 65506;\n"
    );
    assert_eq!(runs.files["h1/nginx.restarts"].0, "restarted\n");
    assert!(runs.second.contains("changed=0 "), "{}", runs.second);
}

#[test]
fn lamp_haproxy_style_site_matches_ansible_playbook() {
    let runs = conform_on(4, "lamp", &[]);
    let lb = &runs.files["h4/haproxy.cfg"].0;
    assert!(lb.contains("listen myapplb 127."), "{lb}");
    assert_eq!(lb.matches("    server ").count(), 2, "one server line per web host: {lb}");
    let web = &runs.files["h1/iptables"].0;
    assert!(web.contains("-A INPUT -p tcp  --dport 80 -j ACCEPT\n"), "{web}");
    assert!(!runs.files["h3/iptables"].0.contains("--dport 80 "), "db hosts do not open port 80");
    assert_eq!(web.matches("--dport 5666").count(), 1, "one line per monitoring host");
    assert!(runs.files["h1/index.php"].0.contains("$sestatus = 0;"), "registered in play 1, read in play 3");
    assert!(!runs.files.contains_key("h1/seboolean"), "`when: sestatus.rc != 0` is false");
}

#[test]
fn execution_control_and_loops_match_ansible_playbook() {
    let runs = conform("control", &[]);
    assert_eq!(runs.files["h1/seq"].0, "n01\nn02\nn03\n");
    assert_eq!(runs.files["h1/nested"].0, "a-1\na-2\nb-1\nb-2\n");
    assert_eq!(runs.files["h1/sub"].0, "alice:k1\nalice:k2\nbob:k3\n");
    assert_eq!(runs.files["h1/indexed"].0, "0:apple\n1:pear\n");
    assert_eq!(runs.files["h1/counter"].0, "x\nx\nx\nx\n", "three tries on the first run, one on the second");
    assert_eq!(runs.files["run_once.log"].0, "h1\nh2\nh1\nh2\n", "run_once runs once per serial batch");
    assert!(runs.files.contains_key("h2/role-imported") && runs.files.contains_key("h2/role-other"));
}

#[test]
fn dynamic_includes_match_ansible_playbook() {
    let runs = conform("dynamic_includes", &[]);
    assert_eq!(runs.files["h1/flavor"].0, "alpha from-include-vars\n", "the file named by h1's flavor, with the include's vars");
    assert_eq!(runs.files["h2/flavor"].0, "beta from-include-vars\n");
    assert_eq!(runs.files["h1/nested"].0, "nested from-include-vars\n", "an include inside an included file");
    assert!(!runs.files.contains_key("h2/nested") && !runs.files.contains_key("h2/only"), "h2 included neither");
    assert_eq!(runs.files["h2/parts"].0, "one:one:part\ntwo:two\n", "one file per loop item, loop_var reaching the tasks");
    assert_eq!(runs.files["h1/greeting"].0, "hi from greeter\n", "include_role by a templated name, with the include's vars");
    assert_eq!(runs.files["h1/handled"].0, "handled\n", "the included role's handler ran once, on the first run");
    let dir = corpus("dynamic_includes").display().to_string().replace("/om/../", "/");
    assert!(runs.included.contains(&format!("included: {dir}/part-one.yml for h1, h2 => (item=one)")), "{:?}", runs.included);
    assert!(runs.included.contains(&format!("included: {dir}/flavor-beta.yml for h2")), "{:?}", runs.included);
    assert!(runs.included.contains(&"included: greeter for h1, h2".to_string()), "{:?}", runs.included);
    assert!(runs.second.contains("changed=0 "), "{}", runs.second);
}

/// `om play` of a local corpus case (its `site.yml` and `hosts`) writing under `base`.
fn play_case(case: &Path, base: &Path, extra: &[&str]) -> om_test::Output {
    om().args(["play"])
        .arg_path(case.join("site.yml"))
        .args(["-i"])
        .arg_path(case.join("hosts"))
        .args(["-e", &format!("base={}", base.display())])
        .args(extra)
        .run()
}

/// The same case through ansible-playbook (`tool`, with its venv's python); its stdout.
fn reference_play_case(tool: &Path, case: &Path, base: &Path, home: &Path, extra: &[&str]) -> String {
    let python = tool.with_file_name("python");
    let out = Command::new(tool)
        .arg(case.join("site.yml"))
        .arg("-i")
        .arg(case.join("hosts"))
        .args(["-e", &format!("base={}", base.display())])
        .args(extra)
        .arg("-e")
        .arg(format!("ansible_python_interpreter={}", python.display()))
        .env("ANSIBLE_NOCOLOR", "1")
        .env("ANSIBLE_HOME", home)
        .output()
        .expect("ansible-playbook runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Timestamps and the output directory out of a run's stdout.
fn normalized(stdout: &str, base: &Path) -> String {
    let re = regex::Regex::new(r#""(delta|end|start)": "[^"]*""#).expect("regex");
    re.replace_all(stdout, "\"$1\": \"[TIME]\"").replace(&base.display().to_string(), "[BASE]")
}

#[test]
fn output_matches_ansible_playbook_line_for_line() {
    let dir = om_test::tempdir();
    let case = corpus("output");
    let (om_base, ansible_base) = (dir.path().join("om"), dir.path().join("ansible"));
    std::fs::create_dir_all(&om_base).expect("dir");
    std::fs::create_dir_all(&ansible_base).expect("dir");
    let out = play_case(&case, &om_base, &[]);
    assert_eq!(out.code, 2, "the last task fails: {}{}", out.stdout, out.stderr);
    let ours = normalized(&out.stdout, &om_base);
    assert!(
        ours.contains(
            "localhost                  : ok=12   changed=3    unreachable=0    failed=1    skipped=1    rescued=1    ignored=2   \n"
        ),
        "{ours}"
    );
    let Some(tool) = reference_tool("ansible-playbook") else { return };
    let reference = reference_play_case(&tool, &case, &ansible_base, &dir.path().join(".ansible"), &[]);
    assert_eq!(ours, normalized(&reference, &ansible_base), "om (left) and ansible-playbook (right)");
}

/// Fields ansible-core's modules report that om's do not: `copy`'s `src` (the controller's
/// temporary file) and `stat`'s attribute flags, charset, MIME type, inode version and
/// device type. Timestamps and inodes differ between two runs and are masked.
const ANSIBLE_ONLY: &[&str] = &["src", "attr_flags", "attributes", "charset", "mimetype", "version", "device_type"];
const MASKED: &[&str] = &["delta", "start", "end", "atime", "ctime", "mtime", "inode"];

/// `-v`/`-vv` output made comparable: from the first banner on, without the lines om does
/// not print (the handler notification notes of -vv), the output directory as `[BASE]`, and
/// each result's JSON without ansible-only fields and with timestamps masked.
fn verbose_normalized(stdout: &str, base: &Path) -> String {
    fn clean(v: &mut serde_json::Value) {
        if let serde_json::Value::Object(map) = v {
            map.retain(|k, _| !ANSIBLE_ONLY.contains(&k.as_str()));
            for (k, x) in map.iter_mut() {
                if MASKED.contains(&k.as_str()) {
                    *x = "[MASKED]".into();
                } else {
                    clean(x);
                }
            }
        }
    }
    let start = ["PLAYBOOK: ", "PLAY ["].iter().filter_map(|b| stdout.find(b)).min().unwrap_or(0);
    stdout[start..]
        .replace(&base.display().to_string(), "[BASE]")
        .lines()
        .filter(|l| !l.starts_with("Notification for handler ") && !l.starts_with("NOTIFIED HANDLER "))
        .map(|l| match l.find(" => {") {
            Some(at) if l.ends_with('}') => match serde_json::from_str::<serde_json::Value>(&l[at + 4..]) {
                Ok(mut v) => {
                    clean(&mut v);
                    format!("{} => {v}", &l[..at])
                }
                Err(_) => l.to_string(),
            },
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn verbose_output_matches_ansible_playbook() {
    let case = corpus("verbose");
    let tool = reference_tool("ansible-playbook");
    for flag in ["-v", "-vv"] {
        let dir = om_test::tempdir();
        let (om_base, ansible_base) = (dir.path().join("om"), dir.path().join("ansible"));
        std::fs::create_dir_all(&om_base).expect("dir");
        std::fs::create_dir_all(&ansible_base).expect("dir");
        let out = play_case(&case, &om_base, &[flag]);
        assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
        let ours = verbose_normalized(&out.stdout, &om_base);
        assert!(ours.contains("changed: [localhost] => {\"changed\":true,\"cmd\":[\"echo\",\"hi\"]"), "{ours}");
        if flag == "-vv" {
            let site = case.join("site.yml").display().to_string();
            assert!(ours.starts_with("PLAYBOOK: site.yml ***") && ours.contains(&format!("1 plays in {site}\n")), "{ours}");
            let resolved = site.replace("/om/../", "/");
            assert!(ours.contains(&format!("TASK [run a command] {}\ntask path: {resolved}:7\n", "*".repeat(59))), "{ours}");
        }
        let Some(tool) = &tool else { continue };
        let reference = reference_play_case(tool, &case, &ansible_base, &dir.path().join(".ansible"), &[flag]);
        let theirs = verbose_normalized(&reference, &ansible_base);
        assert_eq!(ours, theirs, "{flag}: om (left) and ansible-playbook (right)");
    }
}

#[test]
fn free_strategy_environment_async_order_and_add_host_match_ansible_playbook() {
    let runs = conform("features", &[]);
    assert_eq!(runs.files["h1/env"].0, "play block h1 hello\n", "the inner environment wins; no terminal: the prompt's default");
    assert_eq!(runs.files["h1/async"].0, "waited\n");
    assert_eq!(runs.files["h2/bg"].0, "bg\n", "async_status waited for the fire-and-forget job");
    assert_eq!(runs.files["throttle.log"].0, "start\nend\n".repeat(4), "throttle: 1 runs one host at a time");
    assert_eq!(runs.files["order.log"].0, "h2\nh1\n".repeat(2));
    assert_eq!(runs.files["alias"].0, "alias1 from-add-host ['alias1']\n");
    assert!(runs.first.contains("alias1 "), "{}", runs.first);
}

/// `vars_prompt` and `--step` read the controlling terminal: om runs under `script`, which
/// gives it a pseudo-terminal fed from our stdin.
#[test]
fn vars_prompt_and_step_ask_on_the_terminal() {
    use std::io::Write;
    let dir = om_test::tempdir();
    std::fs::write(
        dir.path().join("site.yml"),
        "- hosts: all\n  gather_facts: false\n  vars_prompt:\n    - name: who\n      prompt: Who\n      private: false\n    - name: pin\n      prompt: PIN\n  tasks:\n    - debug: msg=\"who={{ who }} pin={{ pin }}\"\n    - debug: msg=second-task\n    - debug: msg=third-task\n",
    )
    .expect("write");
    let line = format!("{} play {}/site.yml -i localhost, -c local --step", env!("CARGO_BIN_EXE_om"), dir.path().display());
    let mut child = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("script runs");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = child.stdout.take().expect("stdout");
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
    let sink = std::sync::Arc::clone(&seen);
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = std::io::Read::read(&mut stdout, &mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().expect("lock").extend_from_slice(&buf[..n]);
        }
    });
    let step = "Perform task: TASK: debug (N)o/(y)es/(c)ontinue: ";
    // Each answer once its question is on the terminal (the private one with echo off).
    for (answer, question, nth) in [("alice", "Who: ", 1), ("1234", "PIN: ", 1), ("y", step, 1), ("n", step, 2), ("y", step, 3)] {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while String::from_utf8_lossy(&seen.lock().expect("lock")).matches(question).count() < nth {
            assert!(
                std::time::Instant::now() < deadline,
                "no `{question}` #{nth}: {}",
                String::from_utf8_lossy(&seen.lock().expect("lock"))
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        stdin.write_all(format!("{answer}\n").as_bytes()).expect("answer");
    }
    drop(stdin);
    child.wait().expect("finishes");
    reader.join().expect("reader");
    let text = String::from_utf8_lossy(&seen.lock().expect("lock")).into_owned();
    assert!(text.contains("Who: ") && text.contains("PIN: "), "{text}");
    assert!(!text.contains("1234\r\n"), "the private answer is not echoed: {text}");
    assert!(text.contains("\"msg\": \"who=alice pin=1234\""), "{text}");
    assert_eq!(text.matches("Perform task: TASK: debug (N)o/(y)es/(c)ontinue: ").count(), 3, "{text}");
    assert!(!text.contains("\"msg\": \"second-task\"") && text.contains("\"msg\": \"third-task\""), "{text}");
}

/// Runs that ansible-playbook 2.19 stops on an error: the same exit status and the same
/// stdout (no PLAY RECAP), and om's error names file:line:column on stderr.
#[test]
fn runs_stopped_by_an_error_match_ansible_playbook() {
    let tool = reference_tool("ansible-playbook");
    for (case, code, error) in [
        ("stops_parse", 4, "stops_parse/broken.yml:4:18: conflicting action statements: debug, bogus_keyword"),
        (
            "stops_free",
            1,
            "stops_free/site.yml:8:7: The 'add_host' module bypasses the host loop, which is currently not supported in the free strategy and would instead execute for every host in the inventory list.",
        ),
    ] {
        let dir = om_test::tempdir();
        let case_dir = corpus(case);
        let out = play_case(&case_dir, dir.path(), &[]);
        assert_eq!(out.code, code, "{case}: {}{}", out.stdout, out.stderr);
        assert!(out.stderr.contains(error), "{case}: {}", out.stderr);
        assert!(!out.stdout.contains("PLAY RECAP") && !out.stdout.contains("\"after\""), "{case}: {}", out.stdout);
        let Some(tool) = &tool else { continue };
        let python = tool.with_file_name("python");
        let reference = Command::new(tool)
            .arg(case_dir.join("site.yml"))
            .arg("-i")
            .arg(case_dir.join("hosts"))
            .arg("-e")
            .arg(format!("ansible_python_interpreter={}", python.display()))
            .env("ANSIBLE_NOCOLOR", "1")
            .env("ANSIBLE_HOME", dir.path().join(".ansible"))
            .output()
            .expect("ansible-playbook runs");
        assert_eq!(reference.status.code(), Some(code), "{case}: ansible-playbook's exit status");
        assert_eq!(out.stdout, String::from_utf8_lossy(&reference.stdout), "{case}: om (left) and ansible-playbook (right)");
    }
}

/// `async` with native modules on lab hosts (om-agent's background jobs): `file` and
/// `lineinfile` with `poll: 0` then `async_status`, `poll` > 0, and `copy` refusing async;
/// the same files and recaps as ansible-playbook's.
#[test]
fn async_native_modules_match_ansible_playbook() {
    let runs = conform("async_native", &[]);
    // After the second run: the job starts as changed, the line was already there.
    assert_eq!(runs.files["h1/report"].0, "True False True\nTrue directory 0750\nTrue False\n");
    assert_eq!(runs.files["h1/bg-dir/"].1, 0o750);
    assert_eq!((runs.files["h2/bg-lines"].0.as_str(), runs.files["h2/bg-lines"].1), ("one\n", 0o640));
    assert_eq!(runs.files["h1/polled-report"].0, "True False\n", "touch with preserved times: no change on run 2");
    assert!(!runs.files.contains_key("h1/never"), "copy refused async");
    assert!(runs.first.contains("ignored=1"), "{}", runs.first);
}

/// `-vvv`: om's own connection lines in ansible's `<host> …` shape, once per connection
/// (established, the agent), not per task; none below -vvv.
#[test]
fn vvv_prints_each_connection_once() {
    let lab = om_test::lab(1);
    let dir = om_test::tempdir();
    let site = dir.path().join("site.yml");
    let base = dir.path().join("out");
    std::fs::write(
        &site,
        format!(
            "- hosts: h1\n  gather_facts: false\n  tasks:\n    - file: path={0} state=directory\n    - file: path={0}/a state=touch\n    - command: echo hi\n",
            base.display()
        ),
    )
    .expect("write");
    let run = |flag: &str| om().args(["play"]).arg_path(&site).args(["-i"]).arg_path(lab.inventory()).args([flag]).run();
    let out = run("-vvv");
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let established: Vec<&str> = out.stdout.lines().filter(|l| l.starts_with("<h1> ESTABLISH SSH CONNECTION FOR USER: ")).collect();
    assert_eq!(established.len(), 1, "{}", out.stdout);
    assert!(established[0].contains("(om's own SSH client to ") && established[0].contains("@127."), "{}", established[0]);
    let agent: Vec<&str> = out.stdout.lines().filter(|l| l.starts_with("<h1> om-agent ")).collect();
    assert_eq!(agent.len(), 1, "{}", out.stdout);
    assert!(
        agent[0].contains(&format!("om-agent {} (protocol ", env!("CARGO_PKG_VERSION"))) && agent[0].contains("/om-agent"),
        "{}",
        agent[0]
    );
    let first_task = out.stdout.find("TASK [file]").expect("banner");
    assert!(out.stdout.find("<h1> ESTABLISH").expect("line") > first_task, "under the first task's banner");
    let quiet = run("-vv");
    assert_eq!(quiet.code, 0);
    assert!(!quiet.stdout.contains("<h1> "), "{}", quiet.stdout);
}
