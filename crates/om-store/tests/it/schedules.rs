use om_store::{ScheduleInput, StoreError};

use crate::stores;

#[tokio::test]
async fn schedules_crud_and_one_claim_per_slot() {
    for (label, store, _dir) in stores().await {
        let owner = store.create_user("sched", "Sched", "x", "operator", false).await.expect("a user");
        let input = ScheduleInput {
            name: "nightly uptime".into(),
            cron: "0 3 * * *".into(),
            timezone: "+08:00".into(),
            action_id: 1003,
            params: serde_json::json!({"lines": 5}),
            targets: serde_json::json!({"servers": ["web1"]}),
            owner_id: owner.id,
            enabled: true,
            next_run: Some(1_000),
        };
        let created = store.create_schedule(&input).await.expect("create");
        assert_eq!((created.params["lines"].as_i64(), created.next_run, created.enabled), (Some(5), Some(1_000), true), "{label}");
        assert_eq!(store.due_schedules(999).await.expect("due").len(), 0, "{label}");
        assert_eq!(store.due_schedules(5_000).await.expect("due").len(), 1, "{label}");
        // Two schedulers race for the slot due at 1000: one wins.
        assert!(store.claim_schedule_run(created.id, 1_000, Some(9_000), 5_000).await.expect("claim"), "{label}");
        assert!(!store.claim_schedule_run(created.id, 1_000, Some(9_000), 5_000).await.expect("claim"), "{label}");
        store.record_schedule_run(created.id, Some(42), "").await.expect("record");
        let after = store.schedule(created.id).await.expect("read");
        assert_eq!((after.next_run, after.last_run, after.last_job_id), (Some(9_000), Some(5_000), Some(42)), "{label}");
        let disabled = store.update_schedule(created.id, &ScheduleInput { enabled: false, ..input.clone() }).await.expect("update");
        assert!(!disabled.enabled, "{label}");
        assert_eq!(store.due_schedules(i64::MAX).await.expect("due").len(), 0, "{label}: disabled schedules never fire");
        assert_eq!(store.schedules(Some(owner.id)).await.expect("list").len(), 1, "{label}");
        store.delete_schedule(created.id).await.expect("delete");
        assert!(matches!(store.schedule(created.id).await, Err(StoreError::NotFound { .. })), "{label}");
    }
}
