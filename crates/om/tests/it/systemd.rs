//! Root-only: the `systemd` and `service` modules against a real systemd. This machine's PID 1
//! need not be systemd, so the test boots a throwaway container with `systemd-nspawn` on an
//! overlay of the machine's own root (writes go to a tmpfs) and runs `om` inside it with the
//! local connection. ansible-core's `systemd` module, run inside the same container on a twin
//! unit, is the oracle for every step: `changed`, `failed`, the message, and what systemd said
//! of the unit before the step (`ActiveState`, `UnitFileState`, `Description`).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// A container running systemd, torn down on drop (the init is killed, which ends the PID
/// namespace; then the overlay and its tmpfs are unmounted).
struct Container {
    dir: PathBuf,
    nspawn: Child,
    leader: u32,
}

impl Container {
    fn boot() -> Container {
        let dir = std::env::temp_dir().join(format!("om-systemd-{}", std::process::id()));
        let (root, scratch) = (dir.join("root"), dir.join("scratch"));
        for d in [&root, &scratch] {
            std::fs::create_dir_all(d).expect("container dirs");
        }
        must(Command::new("mount").args(["-t", "tmpfs", "tmpfs"]).arg(&scratch));
        for d in ["upper", "work"] {
            std::fs::create_dir_all(scratch.join(d)).expect("overlay dirs");
        }
        let options = format!("lowerdir=/,upperdir={0}/upper,workdir={0}/work", scratch.display());
        must(Command::new("mount").args(["-t", "overlay", "overlay", "-o", &options]).arg(&root));
        // Two identical units: om drives om-o, ansible-core drives om-a.
        for unit in ["om-o", "om-a"] {
            write_unit(&root, unit, "om test unit");
        }
        // basic.target: systemd without the machine's own services (its databases, its sshd).
        let nspawn = Command::new("systemd-nspawn")
            .args(["--quiet", "--register=no", "--keep-unit", "--private-network", "--machine"])
            .arg(format!("om-test-{}", std::process::id()))
            .arg("--directory")
            .arg(&root)
            .args(["--boot", "systemd.unit=basic.target"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("systemd-nspawn starts (package systemd-container)");
        let mut container = Container { dir, nspawn, leader: 0 };
        let deadline = Instant::now() + Duration::from_secs(60);
        while container.leader == 0 {
            assert!(Instant::now() < deadline, "systemd-nspawn started no init within 60 s");
            if let Ok(Some(status)) = container.nspawn.try_wait() {
                panic!("systemd-nspawn exited early: {status}");
            }
            container.leader = child_of(container.nspawn.id()).unwrap_or(0);
            std::thread::sleep(Duration::from_millis(100));
        }
        loop {
            let state = container.exec(&["systemctl", "is-system-running", "--wait"]);
            let text = String::from_utf8_lossy(&state.stdout).trim().to_string();
            if text == "running" || text == "degraded" {
                break;
            }
            assert!(Instant::now() < deadline, "the container's systemd did not finish booting: {text:?}");
            std::thread::sleep(Duration::from_millis(200));
        }
        container
    }

    fn root(&self) -> PathBuf {
        self.dir.join("root")
    }

    /// Runs a program inside the container (all its namespaces).
    fn exec(&self, argv: &[&str]) -> Output {
        Command::new("nsenter")
            .args(["-t", &self.leader.to_string(), "-a", "--"])
            .args(argv)
            .env("ANSIBLE_LOCALHOST_WARNING", "False")
            .output()
            .expect("nsenter runs")
    }

    fn systemctl(&self, args: &[&str]) -> String {
        let mut argv = vec!["systemctl"];
        argv.extend_from_slice(args);
        String::from_utf8_lossy(&self.exec(&argv).stdout).trim().to_string()
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        if self.leader != 0 {
            let _ = Command::new("kill").args(["-KILL", &self.leader.to_string()]).status();
        }
        let _ = self.nspawn.kill();
        let _ = self.nspawn.wait();
        let _ = Command::new("umount").arg(self.dir.join("root")).status();
        let _ = Command::new("umount").arg(self.dir.join("scratch")).status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn must(cmd: &mut Command) {
    let out = cmd.output().expect("program runs");
    assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// The first process whose parent is `parent` (systemd-nspawn's child is the container's init).
fn child_of(parent: u32) -> Option<u32> {
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|entry| {
        let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
        let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
        // pid (comm) state ppid …; comm may hold spaces, so read after the last ')'.
        let ppid: u32 = stat.rsplit_once(')')?.1.split_whitespace().nth(1)?.parse().ok()?;
        (ppid == parent).then_some(pid)
    })
}

fn write_unit(root: &Path, unit: &str, description: &str) {
    // The vendor directory, as a package installs units (masking writes /etc's symlink).
    let dir = root.join("usr/lib/systemd/system");
    std::fs::create_dir_all(&dir).expect("unit dir");
    std::fs::write(dir.join(format!("{unit}.service")), unit_text(description)).expect("unit file");
}

/// A unit that runs until stopped and can be enabled.
fn unit_text(description: &str) -> String {
    format!("[Unit]\nDescription={description}\n[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\n")
}

/// One step of the sequence both tools run.
enum Step {
    Module {
        module: &'static str,
        args: Value,
        check: bool,
    },
    /// A new `Description` in both unit files, written behind systemd's back.
    Rewrite(&'static str),
}

fn module(module: &'static str, args: Value) -> Step {
    Step::Module { module, args, check: false }
}

fn steps() -> Vec<Step> {
    vec![
        module("systemd", json!({"state": "started"})),
        module("systemd", json!({"state": "started"})),
        Step::Module { module: "systemd", args: json!({"state": "stopped"}), check: true },
        module("systemd", json!({"enabled": true})),
        module("systemd", json!({"enabled": true})),
        module("systemd", json!({"state": "restarted"})),
        // sleep has no ExecReload: systemctl refuses, and both tools must say so.
        module("systemd", json!({"state": "reloaded"})),
        module("systemd", json!({"state": "stopped", "enabled": false})),
        module("systemd", json!({"masked": true})),
        module("systemd", json!({"masked": true})),
        module("systemd", json!({"state": "started"})),
        module("systemd", json!({"masked": false})),
        Step::Rewrite("om test unit, edited"),
        module("systemd", json!({"daemon_reload": true, "state": "started"})),
        module("service", json!({"state": "stopped"})),
        module("service", json!({"state": "started", "enabled": true})),
        module("systemd", json!({"name": "om-no-such-unit", "state": "started"})),
    ]
}

/// The fields both tools must agree on, with the unit's own name made neutral.
fn essentials(result: &Value, unit: &str) -> Value {
    let status = &result["status"];
    let neutral = |v: &Value| match v.as_str() {
        Some(s) => Value::String(s.replace(unit, "UNIT")),
        None => v.clone(),
    };
    json!({
        "failed": result["failed"].as_bool().unwrap_or(false),
        "changed": result["changed"],
        "msg": neutral(&result["msg"]),
        "state": result["state"],
        "enabled": result["enabled"],
        "ActiveState": status["ActiveState"],
        "UnitFileState": status["UnitFileState"],
        "Description": neutral(&status["Description"]),
    })
}

fn ansible_results(container: &Container, steps: &[Step]) -> Vec<Value> {
    let venv = std::env::var("OM_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(std::env::var("HOME").expect("HOME")).join(".cache/om/venv"));
    let mut tasks = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        match step {
            Step::Module { module, args, check } => {
                let mut args = args.clone();
                args.as_object_mut().expect("args").entry("name").or_insert_with(|| json!("om-a"));
                tasks.push(json!({"name": format!("step {i}"), (*module): args, "check_mode": check, "ignore_errors": true, "register": format!("r{i}")}));
            }
            Step::Rewrite(description) => tasks.push(json!({
                "name": format!("step {i}"),
                "register": format!("r{i}"),
                "copy": {
                    "dest": "/usr/lib/systemd/system/om-a.service",
                    "content": unit_text(description),
                },
            })),
        }
    }
    // Every registered result, in order, to a file the test reads.
    let all = (0..steps.len()).map(|i| format!("r{i}")).collect::<Vec<_>>().join(", ");
    tasks.push(json!({"copy": {"dest": "/root/om-systemd-oracle.json", "content": format!("{{{{ [{all}] | to_json }}}}")}}));
    let play = json!([{"hosts": "localhost", "gather_facts": false, "tasks": tasks}]);
    let file = container.root().join("root/om-systemd-oracle.yml");
    std::fs::write(&file, serde_json::to_string(&play).expect("playbook")).expect("playbook written");
    let python = format!("ansible_python_interpreter={}", venv.join("bin/python").display());
    let out = Command::new("nsenter")
        .args(["-t", &container.leader.to_string(), "-a", "--", "env"])
        .arg("ANSIBLE_LOCALHOST_WARNING=False")
        .arg(venv.join("bin/ansible-playbook"))
        .args(["-c", "local", "-i", "localhost,", "-e", &python, "/root/om-systemd-oracle.yml"])
        .output()
        .expect("ansible-playbook runs");
    assert!(out.status.success(), "ansible-playbook: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let results = std::fs::read(container.root().join("root/om-systemd-oracle.json")).expect("ansible's results");
    match serde_json::from_slice(&results).expect("ansible's results are JSON") {
        Value::Array(results) => results,
        other => panic!("ansible's results: {other}"),
    }
}

fn om_result(container: &Container, module: &str, args: &Value, check: bool) -> Value {
    let mut args = args.clone();
    args.as_object_mut().expect("args").entry("name").or_insert_with(|| json!("om-o"));
    let args = serde_json::to_string(&args).expect("args");
    let mut argv = vec![env!("CARGO_BIN_EXE_om"), "run", "localhost", "-c", "local", "-m", module, "-a", &args, "--json"];
    if check {
        argv.push("--check");
    }
    let out = container.exec(&argv);
    let report: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("om's JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    report["contacted"]["localhost"].clone()
}

#[test]
fn systemd_and_service_modules_match_ansible_core_on_a_real_systemd() {
    if !om_test::privileged() {
        eprintln!("skipped: needs OM_TEST_PRIVILEGED=1 (boots a systemd container with systemd-nspawn)");
        return;
    }
    let container = Container::boot();
    let steps = steps();
    let oracle = ansible_results(&container, &steps);
    assert_eq!(oracle.len(), steps.len(), "ansible-playbook ran every step");
    for (i, step) in steps.iter().enumerate() {
        let (module, args, check) = match step {
            Step::Module { module, args, check } => (*module, args, *check),
            Step::Rewrite(description) => {
                write_unit(&container.root(), "om-o", description);
                continue;
            }
        };
        let ours = om_result(&container, module, args, check);
        let theirs = &oracle[i];
        let unit = args["name"].as_str().unwrap_or_default();
        let (ours_unit, theirs_unit) = if unit.is_empty() { ("om-o", "om-a") } else { (unit, unit) };
        assert_eq!(
            essentials(&ours, ours_unit),
            essentials(theirs, theirs_unit),
            "step {i}: {module} {args} (check: {check}) — om, then ansible-core"
        );
    }
    // Each step's `status` is what systemd said before it, so the steps above compared every
    // state but the last; the sequence leaves both units started and enabled.
    for query in ["is-active", "is-enabled"] {
        let want = if query == "is-active" { "active" } else { "enabled" };
        assert_eq!(container.systemctl(&[query, "om-a"]), want, "ansible-core's unit");
        assert_eq!(container.systemctl(&[query, "om-o"]), want, "om's unit");
    }
}
