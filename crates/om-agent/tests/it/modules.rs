//! Modules through the agent: content travels as a blob both ways.

use crate::{agent, args};

#[tokio::test]
async fn copy_sends_content_and_fetch_brings_it_back() {
    let (client, _child) = agent().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let dest = dir.path().join("motd");
    let content: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
    let a = args(serde_json::json!({"dest": dest, "mode": "0640", "src": "motd"}));
    let out = client.module("copy", &a, false, false, &content, None).await.expect("copy");
    assert_eq!(out.result["changed"], true, "{:?}", out.result);
    assert_eq!(out.result["mode"], "0640");
    assert_eq!(std::fs::read(&dest).expect("written"), content);
    let again = client.module("copy", &a, false, false, &content, None).await.expect("copy again");
    assert_eq!(again.result["changed"], false);
    let fetched =
        client.module("fetch", &args(serde_json::json!({"src": dest, "dest": "/unused"})), false, false, &[], None).await.expect("fetch");
    assert_eq!(fetched.data.as_deref(), Some(content.as_slice()));
    let sum = fetched.result["remote_checksum"].as_str().expect("checksum").to_string();
    let unchanged = client
        .module("fetch", &args(serde_json::json!({"src": dest, "dest": "/unused", "_local_checksum": sum})), false, false, &[], None)
        .await
        .expect("fetch");
    assert!(unchanged.data.is_none(), "an unchanged file is not sent again");
}

#[tokio::test]
async fn setup_returns_ansible_facts() {
    let (client, _child) = agent().await;
    let out = client
        .module("setup", &args(serde_json::json!({"gather_subset": "!all", "filter": "ansible_*name*"})), false, false, &[], None)
        .await
        .expect("setup");
    let facts = out.result["ansible_facts"].as_object().expect("facts");
    assert_eq!(
        facts["ansible_hostname"],
        std::fs::read_to_string("/proc/sys/kernel/hostname").expect("hostname").trim().split('.').next().expect("short")
    );
    assert!(facts.contains_key("ansible_nodename"));
    assert!(!facts.contains_key("ansible_kernel"), "filter keeps only matching names");
}

fn privileged() -> bool {
    std::env::var("OM_TEST_PRIVILEGED").is_ok_and(|v| v == "1")
}

#[tokio::test]
async fn hostname_changes_inside_its_own_uts_and_mount_namespace() {
    if !privileged() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = dir.path().join("hostname");
    std::fs::write(&fake, "before\n").expect("write");
    let script = format!("mount --bind {} /etc/hostname && hostname before && exec \"$0\" \"$@\"", fake.display());
    let agent = crate::agent_bin().to_string_lossy().into_owned();
    let (client, _child) =
        om_agent::process::spawn("unshare".as_ref(), &["-u", "-m", "--", "sh", "-c", &script, &agent]).await.expect("agent in namespaces");
    let real = std::fs::read_to_string("/proc/sys/kernel/hostname").expect("hostname");
    let out = client
        .module("hostname", &args(serde_json::json!({"name": "web01.example.test"})), false, true, &[], None)
        .await
        .expect("hostname");
    assert_eq!(out.result["changed"], true, "{:?}", out.result);
    assert_eq!(out.result["ansible_facts"]["ansible_hostname"], "web01");
    assert_eq!(out.result["diff"]["before"], "hostname = before\n");
    assert_eq!(std::fs::read_to_string(&fake).expect("read"), "web01.example.test\n");
    let again = client
        .module("hostname", &args(serde_json::json!({"name": "web01.example.test"})), false, false, &[], None)
        .await
        .expect("hostname");
    assert_eq!(again.result["changed"], false);
    let inside = client
        .module("command", &args(serde_json::json!({"_raw_params": "cat /proc/sys/kernel/hostname"})), false, false, &[], None)
        .await
        .expect("cat");
    assert_eq!(inside.result["stdout"], "web01.example.test");
    assert_eq!(std::fs::read_to_string("/proc/sys/kernel/hostname").expect("hostname"), real, "the machine's own name is untouched");
}

#[tokio::test]
async fn sysctl_sets_a_live_value_inside_a_network_namespace() {
    if !privileged() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("sysctl.conf");
    let agent = crate::agent_bin().to_string_lossy().into_owned();
    let (client, _child) = om_agent::process::spawn("unshare".as_ref(), &["-n", "--", &agent]).await.expect("agent in a netns");
    let a = args(serde_json::json!({"name": "net.ipv4.ip_forward", "value": "1", "sysctl_set": true, "sysctl_file": file}));
    let out = client.module("sysctl", &a, false, false, &[], None).await.expect("sysctl");
    assert_eq!(out.result["changed"], true, "{:?}", out.result);
    let live = client
        .module("command", &args(serde_json::json!({"_raw_params": "cat /proc/sys/net/ipv4/ip_forward"})), false, false, &[], None)
        .await
        .expect("cat");
    assert_eq!(live.result["stdout"], "1");
    assert_eq!(std::fs::read_to_string(&file).expect("file"), "net.ipv4.ip_forward=1\n");
    let again = client.module("sysctl", &a, false, false, &[], None).await.expect("sysctl");
    assert_eq!(again.result["changed"], false);
}
