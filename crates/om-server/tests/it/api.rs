use axum::http::{Method, StatusCode, header};
use serde_json::json;

use crate::support::{Auth, TestPlatform, local};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_fail_generically_and_sessions_get_strict_cookies() {
    let p = TestPlatform::start().await;
    let wrong = p.post("/api/v1/auth/login", Auth::None, json!({"username": "admin", "password": "nope"})).await;
    let unknown = p.post("/api/v1/auth/login", Auth::None, json!({"username": "ghost", "password": "nope"})).await;
    assert_eq!((wrong.status, unknown.status), (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED));
    assert_eq!(wrong.json()["detail"], unknown.json()["detail"], "one message for every failure");
    assert_eq!(wrong.headers[header::CONTENT_TYPE], "application/problem+json");
    let ok = p.post("/api/v1/auth/login", Auth::None, json!({"username": "admin", "password": p.admin_password})).await;
    let cookie = ok.headers[header::SET_COOKIE].to_str().expect("ascii");
    assert!(
        cookie.starts_with("om_session=") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "no Secure flag without TLS");
    let admin = p.admin().await;
    let me = p.get("/api/v1/me", Auth::Session(&admin)).await.json();
    assert_eq!(me["user"]["username"], "admin");
    assert!(me["permissions"].as_array().expect("list").iter().any(|v| v == "user.admin"));
    let audit = p.get("/api/v1/audit-log?verb=user.login", Auth::Session(&admin)).await.json();
    let verbs: Vec<&str> = audit["items"].as_array().expect("items").iter().filter_map(|e| e["verb"].as_str()).collect();
    assert_eq!(verbs.iter().filter(|v| **v == "user.login_failed").count(), 2, "{verbs:?}");
    assert!(verbs.contains(&"user.login"));
    let out = p.post("/api/v1/auth/logout", Auth::Session(&admin), json!({})).await;
    assert_eq!(out.status, StatusCode::OK);
    assert_eq!(p.get("/api/v1/me", Auth::Session(&admin)).await.status, StatusCode::UNAUTHORIZED, "logout deletes the session");
    let page = p.get("/", Auth::None).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(page.headers[header::LOCATION].to_str().expect("ascii").starts_with("/login"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookie_sessions_need_the_csrf_token_and_a_matching_origin() {
    let p = TestPlatform::start().await;
    let admin = p.admin().await;
    let body = json!({"name": "Linux.Web"});
    let forged = p.post("/api/v1/fun-categories", Auth::CookieOnly(&admin), body.clone()).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.text());
    let form = p.request(Method::POST, "/logout", Auth::CookieOnly(&admin), None).await;
    assert_eq!(form.status, StatusCode::FORBIDDEN, "UI forms too");
    let req = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/api/v1/fun-categories")
        .header(header::HOST, p.addr.to_string())
        .header(header::ORIGIN, "http://evil.example")
        .header(header::COOKIE, &admin.cookie)
        .header("x-csrf-token", &admin.csrf)
        .header(header::CONTENT_TYPE, "application/json")
        .body(axum::body::Body::from(body.to_string()))
        .expect("a request");
    let cross = tower::ServiceExt::oneshot(om_server::router(p.state.clone()), req).await.expect("answers");
    assert_eq!(cross.status(), StatusCode::FORBIDDEN, "another origin is refused");
    assert_eq!(p.post("/api/v1/fun-categories", Auth::Session(&admin), body.clone()).await.status, StatusCode::CREATED);
    let token = p.token(&admin, "admin").await;
    assert_eq!(
        p.post("/api/v1/fun-categories", Auth::Token(&token), json!({"name": "Linux.Mysql"})).await.status,
        StatusCode::CREATED,
        "bearer tokens need no CSRF token"
    );
    let headers = p.get("/", Auth::Session(&admin)).await.headers;
    assert!(headers[header::CONTENT_SECURITY_POLICY].to_str().expect("ascii").contains("default-src 'self'"));
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parameters_are_validated_before_any_job_exists() {
    let p = TestPlatform::start().await;
    let admin = p.admin().await;
    p.book_fixture(&admin, local()).await;
    let marker = p.dir.path().join("x");
    let action = json!({"name": "tail log", "group": "bas",
        "params": [{"name": "lines", "type": "int", "min": 1, "max": 100, "default": 30}],
        "run": {"kind": "command", "argv": ["echo", "{{ lines }}"]}});
    let created = p.post("/api/v1/actions", Auth::Session(&admin), action).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let id = created.json()["id"].as_i64().expect("an id");
    assert!(id >= 1001, "new actions get ids from 1001: {id}");
    let bad_values = [json!(0), json!(101), json!("abc"), json!(format!("30; touch {}", marker.display()))];
    for bad in bad_values {
        let body = json!({"action_id": id, "params": {"lines": bad}, "targets": {"servers": ["sn2013-08-021"]}});
        let reply = p.post("/api/v1/jobs", Auth::Session(&admin), body).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {}", reply.text());
        assert_eq!(reply.json()["errors"][0]["field"], "lines");
    }
    let unknown = json!({"action_id": id, "targets": {"servers": ["sn2013-08-021", "no-such-host", 999_999]}});
    let reply = p.post("/api/v1/jobs", Auth::Session(&admin), unknown).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.text());
    assert_eq!(reply.json()["errors"][0]["field"], "targets.servers");
    assert!(reply.text().contains("no-such-host"), "the unknown target is named: {}", reply.text());
    let jobs = p.get("/api/v1/jobs", Auth::Session(&admin)).await.json();
    assert!(jobs["items"].as_array().expect("items").is_empty(), "no job was recorded");
    // Names are case-insensitive and a server named twice runs once.
    let targets = json!({"servers": ["SN2013-08-021", "sn2013-08-021"]});
    let good = p.post("/api/v1/jobs", Auth::Session(&admin), json!({"action_id": id, "targets": targets})).await;
    assert_eq!(good.status, StatusCode::ACCEPTED, "{}", good.text());
    let job = p.wait_job(&admin, good.json()["id"].as_i64().expect("id")).await;
    assert_eq!((job["status"].as_str(), job["params"]["lines"].as_i64()), (Some("succeeded"), Some(30)), "the default applies: {job}");
    let hosts: Vec<&str> = job["hosts"].as_array().expect("hosts").iter().filter_map(|h| h["hostname"].as_str()).collect();
    assert_eq!(hosts, ["sn2013-08-021"]);
    assert!(!marker.exists(), "nothing ran the injected command");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scopes_filter_reads_and_guard_every_run() {
    let p = TestPlatform::start().await;
    let admin = p.admin().await;
    let (web, _, _) = p.book_fixture(&admin, local()).await;
    let operator = p.user(&admin, "ops", "operator", &format!("fun:{web}")).await;
    let viewer = p.user(&admin, "duty", "viewer", "global:0").await;
    let auditor = p.user(&admin, "audit", "auditor", "global:0").await;
    let tree = p.get("/api/v1/inventory/tree", Auth::Session(&operator)).await.json();
    let names: Vec<&str> = tree.as_array().expect("list").iter().filter_map(|f| f["name"].as_str()).collect();
    assert_eq!(names, ["Linux.Web"], "an operator scoped to Linux.Web sees only that subtree");
    let servers = p.get("/api/v1/servers", Auth::Session(&operator)).await.json();
    assert_eq!(servers.as_array().expect("list").len(), 2);
    let run = |servers: &[&str]| json!({"action_id": 1003, "targets": {"servers": servers}});
    let outside = p.post("/api/v1/jobs", Auth::Session(&operator), run(&["sn2012-07-010"])).await;
    assert_eq!(outside.status, StatusCode::FORBIDDEN, "{}", outside.text());
    assert_eq!(p.post("/api/v1/jobs", Auth::Session(&operator), run(&["sn2013-08-021"])).await.status, StatusCode::ACCEPTED);
    assert_eq!(
        p.post("/api/v1/jobs", Auth::Session(&viewer), run(&["sn2013-08-021"])).await.status,
        StatusCode::FORBIDDEN,
        "viewers cannot run"
    );
    let read_token = p.token(&admin, "read").await;
    assert_eq!(
        p.post("/api/v1/jobs", Auth::Token(&read_token), run(&["sn2013-08-021"])).await.status,
        StatusCode::FORBIDDEN,
        "a read token cannot run"
    );
    for (kind, id) in [("fun", 999_999), ("app", 999_999)] {
        let ghost = p
            .post("/api/v1/tokens", Auth::Session(&admin), json!({"name": "ghost", "scope": "run", "scope_kind": kind, "scope_id": id}))
            .await;
        assert_eq!(ghost.status, StatusCode::UNPROCESSABLE_ENTITY, "a token for no {kind} {id}: {}", ghost.text());
    }
    assert_eq!(p.get("/api/v1/audit-log", Auth::Session(&auditor)).await.status, StatusCode::OK);
    assert_eq!(p.get("/api/v1/audit-log", Auth::Session(&operator)).await.status, StatusCode::FORBIDDEN);
    let run_page = p.get("/run", Auth::Session(&viewer)).await;
    assert!(!run_page.text().contains("id=\"run-button\""), "no Run button for viewers");
    let dangerous = p
        .post(
            "/api/v1/jobs",
            Auth::Session(&admin),
            json!({"action_id": 1007, "params": {"service": "nginx"}, "targets": {"servers": ["sn2013-08-021"]}}),
        )
        .await;
    assert_eq!(dangerous.status, StatusCode::UNPROCESSABLE_ENTITY, "dangerous actions need confirmation");
    assert!(dangerous.json()["detail"].as_str().expect("detail").contains("1 server"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cmdb_changes_are_audited_and_the_chain_verifies() {
    let p = TestPlatform::start().await;
    let admin = p.admin().await;
    let (web, bbs, _) = p.book_fixture(&admin, local()).await;
    let servers = p.get(&format!("/api/v1/servers?app_category={bbs}"), Auth::Session(&admin)).await.json();
    let id = servers[0]["id"].as_i64().expect("id");
    let mut input = json!({"hostname": "sn2013-08-021", "app_category_id": bbs, "ip_internal": "127.0.0.2", "os": "Debian 12"});
    let updated = p.request(Method::PUT, &format!("/api/v1/servers/{id}"), Auth::Session(&admin), Some(input.clone())).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text());
    input["ip_internal"] = json!("not-an-ip");
    assert_eq!(
        p.request(Method::PUT, &format!("/api/v1/servers/{id}"), Auth::Session(&admin), Some(input)).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let refused = p.request(Method::DELETE, &format!("/api/v1/fun-categories/{web}"), Auth::Session(&admin), None).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "a non-empty category is not deleted");
    let audit = p.get("/api/v1/audit-log?verb=server.update", Auth::Session(&admin)).await.json();
    let entry = &audit["items"][0];
    assert_eq!(
        (entry["before"].is_null(), entry["details"]["before"]["os"].as_str(), entry["details"]["after"]["os"].as_str()),
        (true, Some(""), Some("Debian 12"))
    );
    assert_eq!(entry["actor_name"], "admin");
    let verify = p.get("/api/v1/audit-log/verify", Auth::Session(&admin)).await.json();
    assert_eq!(verify["ok"], true, "{verify}");
    assert!(verify["checked"].as_i64().expect("count") >= 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_metrics_and_the_openapi_document() {
    let p = TestPlatform::start().await;
    assert_eq!(p.get("/healthz", Auth::None).await.status, StatusCode::OK);
    assert_eq!(p.get("/readyz", Auth::None).await.text(), "ready\n");
    let metrics = p.get("/metrics", Auth::None).await.text();
    assert!(metrics.contains("om_jobs_queued 0") && metrics.contains("om_event_channel_capacity 8192"), "{metrics}");
    let doc = p.get("/api/v1/openapi.json", Auth::None).await.json();
    assert_eq!(doc["openapi"], "3.0.3");
    for path in ["/jobs", "/servers", "/actions", "/audit-log/verify", "/tokens", "/users", "/fun-categories"] {
        assert!(doc["paths"][path].is_object(), "{path} is documented");
    }
    assert!(doc["paths"]["/jobs"]["post"]["requestBody"].is_object());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cmdb_exports_an_inventory_ansible_reads_the_same() {
    let p = TestPlatform::start().await;
    let admin = p.admin().await;
    // db2 and db3 have no address: hosts known by name, or reached locally.
    let ini = "[web]\nweb1 ansible_host=127.0.0.2 ansible_port=2222 role=front\nweb2 ansible_host=127.0.0.3\n\n[db]\ndb1 ansible_host=127.0.0.4 ansible_user=dba\ndb2.example.com\ndb3 ansible_connection=local\n\n[web:vars]\ntier=1\n";
    let imported =
        p.post("/api/v1/import/servers", Auth::Session(&admin), json!({"format": "ansible", "text": ini, "fun_category": "Lab"})).await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.text());
    assert_eq!(imported.json()["created"], 5);
    let inventory = p.get("/api/v1/inventory/ansible", Auth::Session(&admin)).await.json();
    assert_eq!(inventory["web"]["hosts"], json!(["web1", "web2"]));
    assert_eq!(inventory["db"]["hosts"], json!(["db1", "db2.example.com", "db3"]));
    assert_eq!(inventory["_meta"]["hostvars"]["db3"]["ansible_connection"], "local");
    assert_eq!(inventory["_meta"]["hostvars"]["web1"]["ansible_port"], 2222);
    assert_eq!(inventory["_meta"]["hostvars"]["db1"]["ansible_user"], "dba");
    let Some(ansible) = ansible_inventory() else {
        eprintln!(
            "skipping the ansible-inventory comparison: ansible-inventory not found (scripts/deps/lab.sh installs ansible-core in $OM_VENV)"
        );
        return;
    };
    let script = p.dir.path().join("inventory.sh");
    let json_file = p.dir.path().join("inventory.json");
    std::fs::write(&json_file, inventory.to_string()).expect("write");
    std::fs::write(&script, format!("#!/bin/sh\ncat '{}'\n", json_file.display())).expect("write");
    std::process::Command::new("chmod").arg("+x").arg(&script).status().expect("chmod");
    let out = std::process::Command::new(ansible).args(["-i"]).arg(&script).arg("--list").output().expect("ansible-inventory runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let theirs: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(theirs["web"]["hosts"], json!(["web1", "web2"]));
    assert_eq!(theirs["_meta"]["hostvars"]["web2"]["tier"], 1);
    let mut children: Vec<&str> = theirs["Lab"]["children"].as_array().expect("children").iter().filter_map(|c| c.as_str()).collect();
    children.sort();
    assert_eq!(children, ["db", "web"]);
}

/// The book's OManager asset files (both forms of `Serverinfo.xml` records: named fields and
/// the positional `<f1>…<f7>`) become the CMDB's hierarchy; a broken file is refused with its
/// position and nothing imported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_books_xml_asset_files_import_into_the_hierarchy() {
    let p = TestPlatform::start().await;
    let admin = p.admin().await;
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../om-inventory/tests/fixtures/omanager");
    let read = |name: &str| std::fs::read_to_string(fixtures.join(name)).expect("a fixture");
    let before = p.get("/api/v1/servers", Auth::Session(&admin)).await.json().as_array().map_or(0, Vec::len);
    let broken =
        json!({"format": "omanager", "categories": read("ServerOptioninfo.xml"), "text": "<wml>\n  <server><hostname>x</server>\n</wml>"});
    let refused = p.post("/api/v1/import/servers", Auth::Session(&admin), broken).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text());
    assert!(refused.text().contains("Serverinfo.xml:2:"), "the error says where: {}", refused.text());
    let body = json!({"format": "omanager", "categories": read("ServerOptioninfo.xml"), "text": read("Serverinfo.xml")});
    let imported = p.post("/api/v1/import/servers", Auth::Session(&admin), body).await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.text());
    assert_eq!(imported.json()["created"], 4, "{}", imported.text());
    let servers = p.get("/api/v1/servers", Auth::Session(&admin)).await.json();
    assert_eq!(servers.as_array().map_or(0, Vec::len), before + 4);
    let server = |name: &str| servers.as_array().and_then(|all| all.iter().find(|s| s["hostname"] == name).cloned()).expect(name);
    let named = server("SN2013-08-021");
    assert_eq!(
        (named["ip_internal"].as_str(), named["ip_external"].as_str(), named["os"].as_str(), named["vars"]["location"].as_str()),
        (Some("127.0.0.2"), Some("202.106.0.21"), Some("CentOS 6.4"), Some("Beijing")),
        "{named}"
    );
    let positional = server("SN2012-07-010");
    assert_eq!((positional["ip_internal"].as_str(), positional["os"].as_str()), (Some("127.0.0.4"), Some("CentOS 5.8")), "{positional}");
    let inventory = p.get("/api/v1/inventory/ansible", Auth::Session(&admin)).await.json();
    assert_eq!(inventory["Linux_Web"]["children"], json!(["bbs_domain_com", "blog_domain_com"]), "{inventory}");
    assert_eq!(inventory["Linux_Mysql"]["children"], json!(["db_domain_com"]), "{inventory}");
    assert_eq!(inventory["bbs_domain_com"]["hosts"], json!(["SN2013-08-021", "SN2013-08-022"]), "{inventory}");
}

fn ansible_inventory() -> Option<std::path::PathBuf> {
    let venv = std::env::var_os("OM_VENV")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".cache/om/venv")));
    venv.map(|v| v.join("bin/ansible-inventory")).filter(|p| p.is_file())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_time_and_reset_passwords_must_be_changed_before_anything_else() {
    let p = TestPlatform::start_fresh(|_| {}).await;
    let first = p.login("admin", &p.admin_password).await;
    let me = p.get("/api/v1/me", Auth::Session(&first)).await;
    assert_eq!((me.status, me.json()["user"]["must_change_password"].as_bool()), (StatusCode::OK, Some(true)), "{}", me.text());
    let refused = p.get("/api/v1/servers", Auth::Session(&first)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text());
    assert_eq!(refused.headers[axum::http::header::CONTENT_TYPE], "application/problem+json");
    assert_eq!(
        (refused.json()["type"].as_str(), refused.json()["code"].as_str()),
        (Some("/problems/password_change_required"), Some("password_change_required"))
    );
    let run = p.post("/api/v1/jobs", Auth::Session(&first), json!({"action_id": 1003, "targets": {"servers": ["x"]}})).await;
    assert_eq!(run.status, StatusCode::FORBIDDEN, "{}", run.text());
    // The UI sends every page to the change form, which renders.
    let page = p.get("/inventory", Auth::Session(&first)).await;
    assert_eq!(
        (page.status, page.headers.get(axum::http::header::LOCATION).and_then(|v| v.to_str().ok())),
        (StatusCode::SEE_OTHER, Some("/account/password"))
    );
    let form = p.get("/account/password", Auth::Session(&first)).await;
    assert!(form.status == StatusCode::OK && form.text().contains("id=\"password-required\""), "{}", form.text());
    // Wrong current password, too short, unchanged: refused.
    for (current, new) in [
        ("wrong password", "a fine new password"),
        (p.admin_password.as_str(), "short"),
        (p.admin_password.as_str(), p.admin_password.as_str()),
    ] {
        let reply = p.post("/api/v1/me/password", Auth::Session(&first), json!({"current_password": current, "new_password": new})).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{current} → {new}: {}", reply.text());
    }
    let changed = p
        .post(
            "/api/v1/me/password",
            Auth::Session(&first),
            json!({"current_password": p.admin_password, "new_password": "a fine new password"}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text());
    assert_eq!(p.get("/api/v1/servers", Auth::Session(&first)).await.status, StatusCode::OK, "the same session may work now");
    let admin = p.login("admin", "a fine new password").await;
    assert_eq!(p.get("/inventory", Auth::Session(&admin)).await.status, StatusCode::OK);

    // A user created with a chosen password works at once; a password reset by an admin
    // must be changed by its owner first.
    let ops = p.user(&admin, "ops", "operator", "global:0").await;
    assert_eq!(p.get("/api/v1/servers", Auth::Session(&ops)).await.status, StatusCode::OK);
    let id = p.get("/api/v1/me", Auth::Session(&ops)).await.json()["user"]["id"].as_i64().expect("id");
    let reset =
        p.request(Method::PUT, &format!("/api/v1/users/{id}"), Auth::Session(&admin), Some(json!({"password": "temporary pass 1"}))).await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.text());
    let ops = p.login("ops", "temporary pass 1").await;
    let refused = p.get("/api/v1/servers", Auth::Session(&ops)).await;
    assert_eq!((refused.status, refused.json()["code"].as_str()), (StatusCode::FORBIDDEN, Some("password_change_required")));
    let changed = p
        .post(
            "/api/v1/me/password",
            Auth::Session(&ops),
            json!({"current_password": "temporary pass 1", "new_password": "my own password"}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text());
    assert_eq!(p.get("/api/v1/servers", Auth::Session(&ops)).await.status, StatusCode::OK);
    let audit = p.get("/api/v1/audit-log?verb=user.password_change", Auth::Session(&admin)).await.json();
    let changes = audit["items"].as_array().expect("items").iter().filter(|e| e["verb"] == "user.password_change").count();
    let failures = audit["items"].as_array().expect("items").iter().filter(|e| e["verb"] == "user.password_change_failed").count();
    assert_eq!((changes, failures), (2, 1), "{audit}");
}
