//! Root-only: a SysV service, a .deb through apt/dpkg, users and groups, a user crontab, a
//! tmpfs mount. Gated on OM_TEST_PRIVILEGED=1.

use std::path::Path;

use serde_json::json;

use crate::{changed, privileged, run, run_on};
use om_modules::os::LocalOs;

/// Removes what a test created even when it fails.
struct Cleanup(Vec<String>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for cmd in &self.0 {
            let _ = std::process::Command::new("sh").arg("-c").arg(cmd).status();
        }
    }
}

#[test]
fn sysv_service_starts_stops_and_enables() {
    if !privileged() {
        return;
    }
    let name = format!("om-test-svc-{}", std::process::id());
    let script = Path::new("/etc/init.d").join(&name);
    let pidfile = format!("/run/{name}.pid");
    let body = format!(
        "#!/bin/sh\n### BEGIN INIT INFO\n# Provides: {name}\n# Required-Start:\n# Required-Stop:\n# Default-Start: 2 3 4 5\n# Default-Stop: 0 1 6\n# Short-Description: om test\n### END INIT INFO\nP={pidfile}\ncase \"$1\" in\n  start) setsid sleep 300 >/dev/null 2>&1 < /dev/null & echo $! > $P ;;\n  stop) [ -f $P ] && kill $(cat $P) && rm -f $P ;;\n  status) [ -f $P ] && kill -0 $(cat $P) 2>/dev/null ;;\n  restart|reload) $0 stop; $0 start ;;\nesac\n"
    );
    std::fs::write(&script, body).expect("init script");
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    let _cleanup =
        Cleanup(vec![format!("{} stop", script.display()), format!("update-rc.d -f {name} remove"), format!("rm -f {}", script.display())]);
    let running = || std::fs::read_to_string(&pidfile).ok().is_some_and(|p| Path::new(&format!("/proc/{}", p.trim())).exists());
    assert!(changed(&run("service", json!({"name": name, "state": "started"}))));
    assert!(running());
    assert!(!changed(&run("service", json!({"name": name, "state": "started"}))));
    let pid1 = std::fs::read_to_string(&pidfile).expect("pid");
    assert!(changed(&run("service", json!({"name": name, "state": "restarted"}))));
    assert_ne!(std::fs::read_to_string(&pidfile).expect("pid"), pid1, "restarted is always a change and a new process");
    let check = run_on(&LocalOs, "service", json!({"name": name, "state": "stopped"}), true, false);
    assert!(changed(&check));
    assert!(running(), "check mode stopped nothing");
    assert!(changed(&run("service", json!({"name": name, "state": "stopped"}))));
    assert!(!running());
    assert!(!changed(&run("service", json!({"name": name, "state": "stopped"}))));
    assert!(changed(&run("service", json!({"name": name, "enabled": true}))));
    assert!(!crate::fallback_glob(&format!("/etc/rc2.d/S??{name}")).is_empty());
    assert!(!changed(&run("service", json!({"name": name, "enabled": true}))));
    assert!(changed(&run("service", json!({"name": name, "enabled": false}))));
    let missing = run("service", json!({"name": "om-no-such-service", "state": "started"}));
    assert!(missing.failed());
}

#[test]
fn apt_installs_and_removes_a_local_deb_offline() {
    if !privileged() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let name = "om-test-pkg";
    let root = dir.path().join("pkg");
    std::fs::create_dir_all(root.join("DEBIAN")).expect("DEBIAN");
    std::fs::create_dir_all(root.join("usr/share/om-test-pkg")).expect("share");
    std::fs::write(root.join("usr/share/om-test-pkg/hello"), "hello\n").expect("file");
    std::fs::write(
        root.join("DEBIAN/control"),
        format!("Package: {name}\nVersion: 1.0\nArchitecture: all\nMaintainer: om <om@example.test>\nDescription: om test package\n"),
    )
    .expect("control");
    let deb = dir.path().join("om-test-pkg_1.0_all.deb");
    let built =
        std::process::Command::new("dpkg-deb").args(["--build", "--root-owner-group"]).arg(&root).arg(&deb).output().expect("dpkg-deb");
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    let _cleanup = Cleanup(vec![format!("dpkg --purge {name}")]);
    let installed = || {
        let out = std::process::Command::new("dpkg-query").args(["-W", "-f=${Status}", name]).output().expect("dpkg-query");
        String::from_utf8_lossy(&out.stdout).ends_with(" installed")
    };
    let check = run_on(&LocalOs, "apt", json!({"deb": deb}), true, false);
    assert!(changed(&check));
    assert!(!installed());
    assert!(changed(&run("apt", json!({"deb": deb}))));
    assert!(installed());
    assert!(Path::new("/usr/share/om-test-pkg/hello").exists());
    assert!(!changed(&run("apt", json!({"deb": deb}))));
    assert!(!changed(&run("apt", json!({"name": name, "state": "present"}))), "present by name: already installed");
    assert!(!changed(&run("package", json!({"name": name, "state": "present"}))), "package dispatches to apt");
    assert!(changed(&run("apt", json!({"name": name, "state": "absent"}))));
    assert!(!installed());
    assert!(!changed(&run("apt", json!({"name": name, "state": "absent"}))));
    let unknown = run("apt", json!({"name": "om-no-such-package-xyz", "state": "present"}));
    assert!(unknown.failed());
    assert_eq!(unknown.result["msg"], "No package matching 'om-no-such-package-xyz' is available");
}

#[test]
fn users_and_groups_are_created_modified_and_removed() {
    if !privileged() {
        return;
    }
    let (user, group, extra) = ("omtestuser", "omtestgrp", "omtestextra");
    let _cleanup = Cleanup(vec![format!("userdel -r {user}"), format!("groupdel {group}"), format!("groupdel {extra}")]);
    assert!(changed(&run("group", json!({"name": group, "gid": 45001}))));
    assert!(!changed(&run("group", json!({"name": group, "gid": 45001}))));
    assert!(changed(&run("group", json!({"name": extra}))));
    let out = run("user", json!({"name": user, "uid": 45001, "group": group, "groups": [extra], "shell": "/bin/sh", "comment": "om test"}));
    assert!(changed(&out));
    assert_eq!(out.result["uid"], 45001);
    assert_eq!(out.result["group"], 45001);
    assert_eq!(out.result["home"], format!("/home/{user}"));
    assert!(Path::new(&format!("/home/{user}")).is_dir());
    assert!(!changed(&run(
        "user",
        json!({"name": user, "uid": 45001, "group": group, "groups": [extra], "shell": "/bin/sh", "comment": "om test"})
    )));
    assert!(changed(&run("user", json!({"name": user, "shell": "/bin/bash"}))));
    assert!(
        std::fs::read_to_string("/etc/passwd").expect("passwd").contains(&format!("{user}:x:45001:45001:om test:/home/{user}:/bin/bash"))
    );
    let key = run("user", json!({"name": user, "generate_ssh_key": true, "ssh_key_type": "ed25519"}));
    assert!(changed(&key));
    assert!(key.result["ssh_public_key"].as_str().expect("key").starts_with("ssh-ed25519 "));
    assert!(!changed(&run("user", json!({"name": user, "generate_ssh_key": true, "ssh_key_type": "ed25519"}))));
    assert!(changed(&run("user", json!({"name": user, "state": "absent", "remove": true}))));
    assert!(!std::fs::read_to_string("/etc/passwd").expect("passwd").contains(user));
    assert!(changed(&run("group", json!({"name": group, "state": "absent"}))));
}

#[test]
fn user_crontab_is_written_with_the_ansible_marker() {
    if !privileged() {
        return;
    }
    let user = "omcronuser";
    let _cleanup = Cleanup(vec![format!("crontab -r -u {user}"), format!("userdel -r {user}")]);
    assert!(changed(&run("user", json!({"name": user}))));
    let a = json!({"name": "check dirs", "minute": "0", "hour": "5,2", "job": "ls -alh > /dev/null", "user": user});
    assert!(changed(&run("cron", a.clone())));
    assert!(!changed(&run("cron", a)));
    let out = std::process::Command::new("crontab").args(["-l", "-u", user]).output().expect("crontab -l");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.ends_with("#Ansible: check dirs\n0 5,2 * * * ls -alh > /dev/null\n"), "{text}");
    assert!(changed(&run("cron", json!({"name": "check dirs", "state": "absent", "user": user}))));
}

#[test]
fn tmpfs_is_mounted_recorded_and_removed() {
    if !privileged() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let fstab = dir.path().join("fstab");
    std::fs::write(&fstab, "# test fstab\n").expect("fstab");
    let mnt = dir.path().join("mnt");
    let _cleanup = Cleanup(vec![format!("umount {}", mnt.display())]);
    let a = json!({"path": mnt, "src": "tmpfs", "fstype": "tmpfs", "opts": "size=1m", "state": "mounted", "fstab": fstab});
    assert!(changed(&run("mount", a.clone())));
    assert!(std::fs::read_to_string("/proc/self/mountinfo").expect("mountinfo").contains(&mnt.to_string_lossy().to_string()));
    assert_eq!(std::fs::read_to_string(&fstab).expect("fstab"), format!("# test fstab\ntmpfs {} tmpfs size=1m 0 0\n", mnt.display()));
    assert!(!changed(&run("mount", a)));
    assert!(changed(&run("mount", json!({"path": mnt, "state": "absent", "fstab": fstab}))));
    assert!(!std::fs::read_to_string("/proc/self/mountinfo").expect("mountinfo").contains(&mnt.to_string_lossy().to_string()));
    assert_eq!(std::fs::read_to_string(&fstab).expect("fstab"), "# test fstab\n");
}

/// A local RPM repository built in the test (rpmbuild + createrepo_c), installed into a
/// throwaway root with the real dnf: offline, and nothing touches this machine's packages.
#[test]
fn dnf_and_yum_install_and_remove_from_a_local_repository() {
    if !privileged() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::write(
        d.join("omtest.spec"),
        "Name: omtest\nVersion: 1.0\nRelease: 1\nSummary: om test package\nLicense: MIT\nBuildArch: noarch\nAutoReqProv: no\n\
         %description\nom test package\n%install\nmkdir -p %{buildroot}/opt/omtest\necho hello > %{buildroot}/opt/omtest/hello\n\
         %files\n/opt/omtest/hello\n",
    )
    .expect("spec");
    let sh = |cmd: String| {
        let out = std::process::Command::new("sh").arg("-c").arg(&cmd).output().expect("sh");
        assert!(out.status.success(), "{cmd}: {}", String::from_utf8_lossy(&out.stderr));
    };
    let p = d.display();
    sh(format!("rpmbuild --define '_topdir {p}/build' -bb {p}/omtest.spec"));
    sh(format!("mkdir -p {p}/repo {p}/root && cp {p}/build/RPMS/noarch/*.rpm {p}/repo/ && createrepo_c -q {p}/repo"));
    std::fs::write(
        d.join("dnf.conf"),
        format!("[main]\ngpgcheck=0\nreposdir=/dev/null\ncachedir={p}/cache\n[local]\nname=local\nbaseurl=file://{p}/repo\ngpgcheck=0\n"),
    )
    .expect("dnf.conf");
    let root = d.join("root");
    let args = |state: &str| {
        json!({"name": "omtest", "state": state, "installroot": root, "conf_file": d.join("dnf.conf"), "releasever": "1",
               "disable_gpg_check": true, "install_weak_deps": false})
    };
    let hello = root.join("opt/omtest/hello");
    let check = run_on(&LocalOs, "dnf", args("present"), true, false);
    assert!(changed(&check));
    assert!(!hello.exists(), "check mode installed the package");
    assert!(changed(&run("dnf", args("present"))));
    assert_eq!(std::fs::read_to_string(&hello).expect("installed file"), "hello\n");
    assert!(!changed(&run("dnf", args("present"))), "installed already");
    assert!(!changed(&run("yum", args("latest"))), "yum is dnf here; 1.0-1 is the latest");
    let missing = run("dnf", json!({"name": "om-no-such-rpm", "installroot": root, "conf_file": d.join("dnf.conf"), "releasever": "1"}));
    assert!(missing.failed(), "{:?}", missing.result);
    assert!(changed(&run("yum", args("absent"))));
    assert!(!hello.exists());
    assert!(!changed(&run("dnf", args("absent"))));
}
