//! Native modules through `om-agent stdio` on the lab's sshd: started on the first call,
//! reused, restarted after it dies.

use om_core::{Connector, ExecRequest, ModuleCall, Phase};

use crate::{connector, host, runtime};
use om_ssh::SshOptions;

fn call<'a>(module: &'a str, args: &'a om_core::Vars) -> ModuleCall<'a> {
    ModuleCall { module, args, check: false, diff: false, input: None, escalation: None, environment: &[], on_output: &|_| {}, job: None }
}

fn args(v: serde_json::Value) -> om_core::Vars {
    v.as_object().expect("object").clone()
}

#[test]
fn native_modules_run_in_the_agent_and_a_dead_agent_is_replaced() {
    let lab = om_test::lab(1);
    runtime().block_on(async {
        let conn = connector(SshOptions::default()).connect(&host(&lab, "h1")).await.expect("connects");
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("motd");
        let copy = args(serde_json::json!({"dest": f}));
        let mut c = call("copy", &copy);
        c.input = Some(b"hello over the agent\n");
        let out = conn.call_module(c).await.expect("copy through the agent");
        assert_eq!(out.result["changed"], true, "{:?}", out.result);
        assert_eq!(std::fs::read(&f).expect("written"), b"hello over the agent\n");
        let pid_args = args(serde_json::json!({"_raw_params": "echo $PPID"}));
        let first = conn.call_module(call("shell", &pid_args)).await.expect("shell");
        let agent_pid = first.result["stdout"].as_str().expect("pid").to_string();
        let again = conn.call_module(call("shell", &pid_args)).await.expect("shell");
        assert_eq!(again.result["stdout"], agent_pid.as_str(), "one agent per connection");
        let cmdline = std::fs::read_to_string(format!("/proc/{agent_pid}/cmdline")).expect("the agent runs");
        assert!(cmdline.contains("om-agent") && cmdline.contains("stdio"), "{cmdline}");
        // A call in flight when the agent dies fails in phase `module`…
        let marker = dir.path().join("running");
        let long = args(serde_json::json!({"_raw_params": format!("touch {}; sleep 30", marker.display())}));
        let in_flight = conn.call_module(call("shell", &long));
        let killer = async {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            while !marker.exists() {
                assert!(std::time::Instant::now() < deadline, "the long call did not start");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
            conn.exec(ExecRequest::new(format!("kill -9 {agent_pid}")), &|_| {}).await.expect("kill");
        };
        let (failed, ()) = tokio::join!(in_flight, killer);
        let failed = failed.expect_err("the call in flight fails with the agent");
        assert_eq!(failed.phase, Phase::Module, "{failed}");
        // …and the next call starts a new agent.
        let stat = args(serde_json::json!({"path": "/"}));
        let out = conn.call_module(call("stat", &stat)).await.expect("the next call starts a new agent");
        assert_eq!(out.result["stat"]["isdir"], true);
        let third = conn.call_module(call("shell", &pid_args)).await.expect("shell");
        assert_ne!(third.result["stdout"], agent_pid.as_str());
        let bad = conn.call_module(call("file", &args(serde_json::json!({"path": "/x", "stat": "touch"})))).await.expect_err("bad args");
        assert!(bad.message.contains("Unsupported parameters for (file) module: stat"), "{}", bad.message);
        conn.close().await;
    });
}

#[test]
fn environment_reaches_the_programs_a_native_module_runs() {
    let lab = om_test::lab(1);
    runtime().block_on(async {
        let conn = connector(SshOptions::default()).connect(&host(&lab, "h1")).await.expect("connects");
        let env = vec![("OM_GREETING".to_string(), "it's \"quoted\" $HOME".to_string()), ("LC_ALL".to_string(), "C".to_string())];
        let shell = args(serde_json::json!({"_raw_params": "printf '%s' \"$OM_GREETING\""}));
        let mut c = call("shell", &shell);
        c.environment = &env;
        let out = conn.call_module(c).await.expect("shell through the agent");
        assert_eq!(out.result["stdout"], "it's \"quoted\" $HOME", "{:?}", out.result);
        // `command` expands `$VAR` in its words from the module's environment, as ansible-core.
        let command = args(serde_json::json!({"_raw_params": "echo $OM_GREETING"}));
        let mut c = call("command", &command);
        c.environment = &env;
        let out = conn.call_module(c).await.expect("command through the agent");
        assert_eq!(out.result["stdout"], "it's \"quoted\" $HOME");
        let without = conn.call_module(call("shell", &shell)).await.expect("shell");
        assert_eq!(without.result["stdout"], "", "the variable belongs to one call only");
        conn.close().await;
    });
}
