use om_store::{ServerFilter, ServerInput, StoreError};

use crate::{stores, stores_at};

pub fn server(hostname: &str, app: i64, ip: &str) -> ServerInput {
    serde_json::from_value(serde_json::json!({"hostname": hostname, "app_category_id": app, "ip_internal": ip})).expect("a valid server")
}

#[tokio::test]
async fn hierarchy_crud_and_refused_deletes() {
    for (label, store, _dir) in stores().await {
        assert_eq!(store.schema_version().await.expect("version"), 5, "{label}");
        store.migrate().await.expect("migrating twice is a no-op");
        let web = store.create_fun_category("Linux.Web", "web servers", 1).await.expect("create");
        let db = store.create_fun_category("Linux.Mysql", "", 2).await.expect("create");
        assert!(matches!(store.create_fun_category("Linux.Web", "", 0).await, Err(StoreError::Conflict { .. })), "{label}");
        let bbs = store.create_app_category(web.id, "bbs.domain.com", "").await.expect("create");
        let dbapp = store.create_app_category(db.id, "db.domain.com", "").await.expect("create");
        let mut input = server("sn2013-08-021", bbs.id, "127.0.0.2");
        input.tags = vec!["web".into()];
        input.vars.insert("ansible_port".into(), 2222.into());
        let s1 = store.create_server(&input).await.expect("create server");
        assert_eq!(
            (s1.fun_category_id, s1.tags.clone(), s1.vars["ansible_port"].clone()),
            (web.id, vec!["web".to_string()], 2222.into()),
            "{label}"
        );
        store.create_server(&server("sn2013-08-022", bbs.id, "127.0.0.3")).await.expect("create server");
        store.create_server(&server("sn2012-07-010", dbapp.id, "127.0.0.4")).await.expect("create server");
        // Hostnames are case-insensitive; (zone, ip_internal) is unique.
        assert!(
            matches!(store.create_server(&server("SN2013-08-021", bbs.id, "127.0.0.9")).await, Err(StoreError::Conflict { .. })),
            "{label}"
        );
        assert!(matches!(store.create_server(&server("other", bbs.id, "127.0.0.2")).await, Err(StoreError::Conflict { .. })), "{label}");
        let in_web = store.servers(&ServerFilter { fun_category_id: Some(web.id), ..Default::default() }).await.expect("list");
        assert_eq!(in_web.iter().map(|s| s.hostname.as_str()).collect::<Vec<_>>(), ["sn2013-08-021", "sn2013-08-022"], "{label}");
        let found = store.servers(&ServerFilter { q: Some("08-02".into()), ..Default::default() }).await.expect("search");
        assert_eq!(found.len(), 2, "{label}");
        let by_ip = store.servers(&ServerFilter { q: Some("127.0.0.4".into()), ..Default::default() }).await.expect("search");
        assert_eq!(by_ip[0].hostname, "sn2012-07-010", "{label}");
        assert!(matches!(store.delete_app_category(bbs.id).await, Err(StoreError::NotEmpty { count: 2, .. })), "{label}");
        assert!(matches!(store.delete_fun_category(web.id).await, Err(StoreError::NotEmpty { count: 1, .. })), "{label}");
        input.os = "Debian 12".into();
        let updated = store.update_server(s1.id, &input).await.expect("update");
        assert_eq!(updated.os, "Debian 12");
        store.delete_server(s1.id).await.expect("delete");
        assert!(matches!(store.server(s1.id).await, Err(StoreError::NotFound { .. })), "{label}");
    }
}

#[tokio::test]
async fn servers_without_an_address_share_a_zone_after_the_upgrade_from_schema_3() {
    for (label, store, _dir) in stores_at(3).await {
        let fun = store.create_fun_category("Linux.Web", "", 0).await.expect("create");
        let app = store.create_app_category(fun.id, "bbs.domain.com", "").await.expect("create");
        let kept = store.create_server(&server("web-1", app.id, "127.0.0.2")).await.expect("create");
        store.create_server(&server("by-name-1", app.id, "")).await.expect("create");
        assert!(
            matches!(store.create_server(&server("by-name-2", app.id, "")).await, Err(StoreError::Conflict { .. })),
            "{label}: schema 3 counts the empty address"
        );
        let deleted = store.create_server(&server("web-2", app.id, "127.0.0.3")).await.expect("create");
        store.delete_server(deleted.id).await.expect("delete");

        store.migrate().await.expect("the upgrade");
        assert_eq!(store.schema_version().await.expect("version"), om_store::SCHEMA_VERSION, "{label}");
        let names: Vec<String> = store.servers(&ServerFilter::default()).await.expect("list").into_iter().map(|s| s.hostname).collect();
        assert_eq!(names.len(), 2, "{label}: {names:?}");
        assert_eq!(store.server(kept.id).await.expect("kept").ip_internal, "127.0.0.2", "{label}: rows keep their ids");
        let second = store.create_server(&server("by-name-2", app.id, "")).await.expect("a second server without an address");
        assert!(second.id > deleted.id, "{label}: a deleted server's id ({}) is not given again ({})", deleted.id, second.id);
        assert!(
            matches!(store.create_server(&server("web-3", app.id, "127.0.0.2")).await, Err(StoreError::Conflict { .. })),
            "{label}: an address is still unique in its zone"
        );
        let mut elsewhere = server("web-3", app.id, "127.0.0.2");
        elsewhere.zone = "dmz".into();
        store.create_server(&elsewhere).await.expect("the same address in another zone");
    }
}
