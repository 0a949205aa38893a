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
