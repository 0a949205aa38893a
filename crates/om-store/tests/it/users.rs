use crate::stores;

#[tokio::test]
async fn users_sessions_and_tokens() {
    for (label, store, _dir) in stores().await {
        let user = store.create_user("alice", "Alice", "$argon2id$fake", "operator", false).await.expect("create user");
        assert!(store.create_user("alice", "", "x", "viewer", false).await.is_err(), "{label}: usernames are unique");
        let bindings = store.role_bindings(user.id).await.expect("bindings");
        assert_eq!((bindings[0].role.as_str(), bindings[0].scope_kind.as_str()), ("operator", "global"), "{label}");
        store.set_role_bindings(user.id, &[("operator".into(), "fun".into(), 7)]).await.expect("rebind");
        assert_eq!(store.role_bindings(user.id).await.expect("bindings")[0].scope_id, 7, "{label}");

        let session = store.create_session("hash1", user.id, "csrf1", "127.0.0.1", "test").await.expect("session");
        assert_eq!(store.session("hash1", 60_000, 60_000).await.expect("lookup").map(|s| s.id), Some(session.id), "{label}");
        assert_eq!(store.session("hash1", -1, 60_000).await.expect("lookup"), None, "{label}: an idle session expires");
        assert_eq!(store.session("hash1", 60_000, 60_000).await.expect("lookup"), None, "{label}: and is gone");

        let token = store.create_token("thash", "ci", user.id, "run", "global", 0, None).await.expect("token");
        assert_eq!(store.token_by_hash("thash", "127.0.0.9").await.expect("lookup").map(|t| t.id), Some(token.id), "{label}");
        assert_eq!(store.token(token.id).await.expect("token").last_used_ip.as_deref(), Some("127.0.0.9"), "{label}");
        store.revoke_token(token.id).await.expect("revoke");
        assert_eq!(store.token_by_hash("thash", "127.0.0.9").await.expect("lookup"), None, "{label}: revoked tokens do not work");
        let expired = store.create_token("old", "old", user.id, "read", "global", 0, Some(1)).await.expect("token");
        assert!(store.token_by_hash("old", "x").await.expect("lookup").is_none(), "{label}: token {} expired", expired.id);
    }
}

#[tokio::test]
async fn actions_get_ids_from_1001_and_a_version_per_change() {
    for (label, store, _dir) in stores().await {
        let def = serde_json::json!({"run": {"kind": "command", "argv": ["uptime"]}, "params": []});
        let a = store.create_action(None, "uptime", "bas", "Uptime", &def, "admin").await.expect("create");
        assert_eq!(a.id, 1001, "{label}");
        let b = store.create_action(None, "who", "bas", "Who", &def, "admin").await.expect("create");
        assert_eq!(b.id, 1002, "{label}");
        let same = store.update_action(a.id, "uptime", "bas", "Uptime!", &def, true, "admin").await.expect("update");
        assert_eq!(same.version_id, a.version_id, "{label}: an unchanged definition adds no version");
        let def2 = serde_json::json!({"params": [], "run": {"argv": ["uptime", "-p"], "kind": "command"}});
        let changed = store.update_action(a.id, "uptime", "bas", "Uptime", &def2, true, "bob").await.expect("update");
        assert_ne!(changed.version_id, a.version_id, "{label}");
        let version = store.action_version(changed.version_id).await.expect("version");
        assert_eq!((version.author.as_str(), version.sha256.len()), ("bob", 64), "{label}");
        assert_eq!(version.definition, def2, "{label}");
    }
}
