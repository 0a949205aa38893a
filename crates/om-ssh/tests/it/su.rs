//! `su` as the become method against the lab's sshd: a non-root login user becomes a
//! throwaway user with a known password, through pipes and on a PTY.

use std::os::unix::fs::MetadataExt;

use om_core::{Connector, Escalation, EscalationMethod, ExecRequest, ModuleCall, Phase, Secret};
use om_ssh::SshOptions;

use crate::{connector, host, runtime};

const LOGIN_PASSWORD: &str = "login-pw-7f3a";
const TARGET_PASSWORD: &str = "su-target-pw-91c2";

fn su(user: &str, password: Option<&str>) -> Escalation {
    Escalation { method: EscalationMethod::Su, user: user.into(), password: password.map(|p| Secret::new(p.to_string())) }
}

fn request(command: &str, escalation: Escalation, pty: bool, stdin: Option<&[u8]>) -> ExecRequest {
    ExecRequest { pty, stdin: stdin.map(<[u8]>::to_vec), escalation: Some(escalation), ..ExecRequest::new(command) }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn su_with_the_right_password_a_wrong_one_and_none() {
    if !om_test::privileged() {
        eprintln!("skipped: needs OM_TEST_PRIVILEGED=1 (creates two local users with passwords)");
        return;
    }
    let pid = std::process::id();
    let login = om_test::LocalUser::new(format!("omsul{pid}"), LOGIN_PASSWORD);
    let target = om_test::LocalUser::new(format!("omsut{pid}"), TARGET_PASSWORD);
    let lab = om_test::lab(1);
    let mut h1 = host(&lab, "h1");
    h1.vars.insert("ansible_user".into(), login.name.clone().into());
    h1.vars.insert("ansible_password".into(), LOGIN_PASSWORD.into());
    h1.vars.remove("ansible_ssh_private_key_file");
    let name = target.name.clone();
    runtime().block_on(async {
        let conn = connector(SshOptions::default()).connect(&h1).await.expect("password login");
        let right = su(&name, Some(TARGET_PASSWORD));

        // Through pipes: stdout and stderr apart, caller stdin after the password.
        let req = request("id -un; echo err >&2; cat", right.clone(), false, Some(b"stdin after the password"));
        let out = conn.exec(req, &|_| {}).await.expect("su with the right password");
        assert_eq!(text(&out.stdout), format!("{name}\nstdin after the password"));
        assert_eq!(text(&out.stderr), "err\n", "no prompt, no marker");
        assert_eq!(out.rc, Some(0));
        let out = conn.exec(request("exit 7", right.clone(), false, None), &|_| {}).await.expect("runs");
        assert_eq!(out.rc, Some(7), "the command's exit status comes back through su");

        // On a PTY: no echo, no `\r`, stderr merged into stdout, stdin passed byte for byte.
        let req = request("id -un; test -t 1 && echo on a tty; echo err >&2; echo done", right.clone(), true, None);
        let out = conn.exec(req, &|_| {}).await.expect("su on a PTY");
        assert_eq!(text(&out.stdout), format!("{name}\non a tty\nerr\ndone\n"));
        assert!(out.stderr.is_empty());
        let raw: &[u8] = b"\x03\x04\r\nline\x1a\x7f\n";
        let out = conn.exec(request("cat", right.clone(), true, Some(raw)), &|_| {}).await.expect("stdin on a PTY");
        assert_eq!(out.stdout, raw, "{:?}", text(&out.stdout));
        for out in [&out.stdout, &out.stderr] {
            assert!(!text(out).contains(TARGET_PASSWORD));
        }

        // A wrong password, through pipes and on a PTY.
        for pty in [false, true] {
            let err =
                conn.exec(request("id -un", su(&name, Some("not-the-password")), pty, None), &|_| {}).await.expect_err("wrong password");
            assert_eq!(err.phase, Phase::Become, "{err}");
            assert_eq!(err.message, format!("incorrect su password for becoming `{name}`"), "pty {pty}");
            assert!(!format!("{err:?}").contains("not-the-password"), "{err:?}");
        }

        // No password: su asks, om says how to give one.
        let err = conn.exec(request("id -un", su(&name, None), false, None), &|_| {}).await.expect_err("no password");
        assert_eq!(err.phase, Phase::Become);
        assert!(err.hint.as_deref().is_some_and(|h| h.contains("-K")), "{err:?}");

        // A user that does not exist.
        let err = conn.exec(request("id -un", su("omsu-nobody", Some("x")), false, None), &|_| {}).await.expect_err("no such user");
        assert_eq!(err.phase, Phase::Become);
        assert!(err.message.contains("does not exist"), "{err}");

        // Native modules with su run over shell commands (no agent per su user): `copy`
        // writes the file as the target user, its content passing through su's stdin.
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o777)).expect("chmod");
        let dest = dir.path().join("as-target");
        let args = serde_json::json!({"dest": dest}).as_object().expect("object").clone();
        let call = ModuleCall {
            module: "copy",
            args: &args,
            check: false,
            diff: false,
            input: Some(b"written by su\n"),
            escalation: Some(&right),
            environment: &[],
            on_output: &|_| {},
            job: None,
        };
        let reply = conn.call_module(call).await.expect("copy with su");
        assert_eq!(reply.result["changed"], true, "{:?}", reply.result);
        assert_eq!(std::fs::read(&dest).expect("written"), b"written by su\n");
        assert_eq!(std::fs::metadata(&dest).expect("stat").uid(), target.uid());
    });
}
