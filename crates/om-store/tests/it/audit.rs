use om_store::{AuditRecord, Backend};

use crate::stores;

fn record(i: i64) -> AuditRecord {
    AuditRecord {
        actor_kind: "user".into(),
        actor_id: 1,
        actor_name: "admin".into(),
        source_ip: "127.0.0.1".into(),
        user_agent: "test".into(),
        verb: if i % 2 == 0 { "server.update".into() } else { "job.launch".into() },
        object_kind: "server".into(),
        object_id: i.to_string(),
        details: serde_json::json!({"z": i, "a": {"secret": "****"}}),
    }
}

#[tokio::test]
async fn the_audit_chain_verifies_and_names_the_first_tampered_row() {
    for (label, store, _dir) in stores().await {
        for i in 1..=20 {
            assert_eq!(store.append_audit(record(i)).await.expect("append").seq, i, "{label}");
        }
        let ok = store.verify_audit_log(None, None).await.expect("verify");
        assert!(ok.ok && ok.checked == 20 && ok.last_seq == 20, "{label}: {ok:?}");
        let page = store.audit_entries(None, 5, Some("job."), None).await.expect("list");
        assert_eq!(page.iter().map(|e| e.seq).collect::<Vec<_>>(), [19, 17, 15, 13, 11], "{label}");
        let tamper = sqlx::query("UPDATE audit_log SET actor_name = 'mallory' WHERE seq = 7").execute(&store_pool(&store)).await;
        if store.backend() == Backend::Postgres {
            assert!(tamper.is_err(), "{label}: PostgreSQL rejects UPDATE on audit_log");
            let delete = sqlx::query("DELETE FROM audit_log WHERE seq = 3").execute(&store_pool(&store)).await;
            assert!(delete.is_err(), "{label}: and DELETE");
        } else {
            tamper.expect("the direct update goes through");
            let bad = store.verify_audit_log(None, None).await.expect("verify");
            assert_eq!((bad.ok, bad.broken_seq, bad.checked), (false, Some(7), 6), "{label}: {bad:?}");
            assert!(store.verify_audit_log(Some(8), Some(20)).await.expect("verify").ok, "{label}: later rows still chain");
        }
    }
}

/// A raw pool on the store's database, as an attacker with SQL access would have.
fn store_pool(store: &om_store::Store) -> sqlx::AnyPool {
    store.raw_pool()
}
