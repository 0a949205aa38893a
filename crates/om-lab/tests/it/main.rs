//! om-lab against the real OpenSSH: hosts answer on their own addresses, faults act on one
//! host only, and stopping a lab leaves no process behind.

#![allow(clippy::print_stderr)]

use std::process::Command;

use om_lab::Netem;

/// Runs `ssh -F <lab>/ssh_config <host> <command>` with the real OpenSSH client.
fn ssh(lab: &om_lab::Lab, host: &str, command: &str) -> std::process::Output {
    Command::new("ssh")
        .arg("-F")
        .arg(lab.ssh_config())
        .args(["-o", "BatchMode=yes", "-o", "ConnectTimeout=5", host, command])
        .output()
        .expect("the ssh client runs")
}

/// Processes whose command line mentions `needle`.
fn processes_mentioning(needle: &str) -> Vec<String> {
    std::fs::read_dir("/proc")
        .expect("/proc")
        .filter_map(|e| {
            let pid: u32 = e.ok()?.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            cmdline.contains(needle).then(|| format!("{pid}: {cmdline}"))
        })
        .collect()
}

#[test]
fn each_host_answers_real_ssh_on_its_own_address() {
    let lab = om_test::lab(3);
    for host in &lab.state().hosts {
        let out = ssh(&lab, &host.name, "echo $SSH_CONNECTION");
        assert!(out.status.success(), "ssh {} failed: {}", host.name, String::from_utf8_lossy(&out.stderr));
        // SSH_CONNECTION is "client_ip client_port server_ip server_port".
        let fields: Vec<String> = String::from_utf8_lossy(&out.stdout).split_whitespace().map(str::to_string).collect();
        assert_eq!(fields.get(2).map(String::as_str), Some(host.address.to_string().as_str()));
        assert_eq!(fields.get(3).map(String::as_str), Some(lab.state().port.to_string().as_str()));
    }
}

#[test]
fn status_counts_connections_per_host() {
    let lab = om_test::lab(2);
    assert!(ssh(&lab, "h2", "true").status.success());
    assert!(ssh(&lab, "h2", "true").status.success());
    let status = lab.status().expect("status");
    let count = |name: &str| status.iter().find(|h| h.name == name).expect("host listed").connections;
    assert_eq!((count("h1"), count("h2")), (0, 2));
}

#[test]
fn a_killed_host_refuses_connections_until_revived_and_the_others_go_on() {
    let lab = om_test::lab(2);
    lab.kill("h1").expect("kill");
    let refused = ssh(&lab, "h1", "true");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("refused"), "{}", String::from_utf8_lossy(&refused.stderr));
    assert!(ssh(&lab, "h2", "true").status.success());
    assert!(!lab.status().expect("status")[0].up);
    lab.revive("h1").expect("revive");
    assert!(ssh(&lab, "h1", "true").status.success());
}

#[test]
fn killing_a_host_ends_its_open_sessions() {
    let lab = om_test::lab(1);
    let mut session = Command::new("ssh")
        .arg("-F")
        .arg(lab.ssh_config())
        .args(["h1", "echo started; sleep 600"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("ssh starts");
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(session.stdout.take().expect("stdout")), &mut line).expect("reads");
    assert_eq!(line.trim(), "started");
    lab.kill("h1").expect("kill");
    let status = session.wait().expect("ssh exits once its host is killed");
    assert!(!status.success());
}

#[test]
fn a_shaped_loopback_host_still_serves_ssh() {
    let lab = om_test::lab(1);
    lab.netem("h1", Netem { delay_ms: 20, jitter_ms: 5, loss_percent: 10.0 }).expect("netem");
    let out = ssh(&lab, "h1", "echo through the delay line");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "through the delay line");
    assert_eq!(lab.status().expect("status")[0].netem.delay_ms, 20);
}

#[test]
fn dropping_a_lab_stops_every_process_it_started() {
    let lab = om_test::lab(2);
    let dir = lab.dir().display().to_string();
    let mut session = Command::new("ssh").arg("-F").arg(lab.ssh_config()).args(["h1", "sleep 600"]).spawn().expect("ssh starts");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while lab.status().expect("status")[0].sessions == 0 {
        assert!(std::time::Instant::now() < deadline, "the session never started");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(!processes_mentioning(&dir).is_empty());
    drop(lab);
    let _ = session.wait();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let left = processes_mentioning(&dir);
        if left.is_empty() {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "left behind: {left:?}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn bad_configurations_are_refused_with_the_reason() {
    let dir = std::env::temp_dir().join("om-lab-never-created");
    let too_many = om_lab::Lab::start(om_lab::LabConfig { hosts: om_lab::MAX_HOSTS + 1, ..om_lab::LabConfig::new(&dir, 1) });
    assert!(matches!(too_many, Err(om_lab::LabError::TooManyHosts { .. })));
    let outside = om_lab::Lab::start(om_lab::LabConfig { base: "10.0.0.1".parse().expect("ip"), ..om_lab::LabConfig::new(&dir, 1) });
    assert!(matches!(outside, Err(om_lab::LabError::BaseOutsideLoopback { .. })));
}

#[test]
fn an_address_in_use_is_named() {
    let lab = om_test::lab(1);
    let clash = om_lab::Lab::start(om_lab::LabConfig {
        base: lab.state().hosts[0].address,
        port: lab.state().port,
        ..om_lab::LabConfig::new(tempdir().path(), 1)
    });
    match clash {
        Err(err @ om_lab::LabError::AddressInUse { .. }) => assert!(err.to_string().contains(&lab.state().hosts[0].address.to_string())),
        other => panic!("expected AddressInUse, got {:?}", other.map(|l| l.state().clone())),
    }
}

#[test]
fn namespaced_hosts_have_their_own_link() {
    if !om_test::privileged() {
        eprintln!("skipped: network namespaces need root; set OM_TEST_PRIVILEGED=1");
        return;
    }
    let lab = om_test::lab_with(2, |c| c.netns = 1);
    let h2 = &lab.state().hosts[1];
    assert!(h2.netns.is_some());
    let out = ssh(&lab, "h2", "ip -o -4 addr show");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains(&h2.address.to_string()));
    lab.kill("h2").expect("kill");
    assert!(!ssh(&lab, "h2", "true").status.success());
    lab.revive("h2").expect("revive");
    assert!(ssh(&lab, "h2", "true").status.success());
}

fn tempdir() -> om_test::TempDir {
    om_test::tempdir()
}

#[test]
fn hosts_can_log_in_as_another_user() {
    if !om_test::privileged() {
        eprintln!("skipped: creating a login user needs root; set OM_TEST_PRIVILEGED=1");
        return;
    }
    if Command::new("id").arg("omlabtest").output().is_ok_and(|o| !o.status.success()) {
        // `-p '*'`: no password, but not locked ("!"), which sshd without PAM refuses.
        let made =
            Command::new("useradd").args(["--create-home", "--shell", "/bin/sh", "-p", "*", "omlabtest"]).status().expect("useradd runs");
        assert!(made.success());
    }
    let lab = om_test::lab_with(1, |c| c.user = "omlabtest".into());
    let out = ssh(&lab, "h1", "id -un");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "omlabtest");
}
