//! The OpenAPI 3 document at `/api/v1/openapi.json`, generated from the route table below,
//! which lists every operation of the API.

use serde_json::{Value, json};

/// (method, path, tag, summary, request body schema, success status)
type Operation = (&'static str, &'static str, &'static str, &'static str, Option<&'static str>, u16);

const OPERATIONS: &[Operation] = &[
    ("post", "/auth/login", "auth", "Sign in with a password; sets the om_session cookie", Some("LoginRequest"), 200),
    ("post", "/auth/logout", "auth", "Sign out; deletes the session", None, 200),
    ("get", "/me", "auth", "The caller, its roles, permissions and CSRF token", None, 200),
    (
        "post",
        "/me/password",
        "auth",
        "Change your own password; while a first-start or reset password must change, every other call of the session answers 403 password_change_required",
        Some("PasswordChange"),
        200,
    ),
    ("get", "/users", "users", "List users with their role bindings", None, 200),
    ("post", "/users", "users", "Create a user; a generated password is returned once", Some("UserInput"), 201),
    ("put", "/users/{id}", "users", "Disable, re-enable, set a password or replace role bindings", Some("UserUpdate"), 200),
    ("get", "/roles", "users", "Roles and their permissions", None, 200),
    ("get", "/tokens", "tokens", "List API tokens (yours; all for user admins)", None, 200),
    ("post", "/tokens", "tokens", "Create an API token; the secret is returned once", Some("TokenInput"), 201),
    ("delete", "/tokens/{id}", "tokens", "Revoke a token", None, 204),
    ("get", "/fun-categories", "categories", "Function categories you may read", None, 200),
    ("post", "/fun-categories", "categories", "Create a function category", Some("FunCategoryInput"), 201),
    ("put", "/fun-categories/{id}", "categories", "Edit a function category", Some("FunCategoryInput"), 200),
    ("delete", "/fun-categories/{id}", "categories", "Delete an empty function category", None, 204),
    ("get", "/app-categories", "categories", "Application categories you may read (?fun_category=)", None, 200),
    ("post", "/app-categories", "categories", "Create an application category", Some("AppCategoryInput"), 201),
    ("put", "/app-categories/{id}", "categories", "Edit an application category", Some("AppCategoryInput"), 200),
    ("delete", "/app-categories/{id}", "categories", "Delete an empty application category", None, 204),
    ("get", "/servers", "servers", "Servers you may read (?app_category=&fun_category=&q=)", None, 200),
    ("post", "/servers", "servers", "Create a server", Some("ServerInput"), 201),
    ("get", "/servers/{id}", "servers", "One server", None, 200),
    ("put", "/servers/{id}", "servers", "Replace a server", Some("ServerInput"), 200),
    ("delete", "/servers/{id}", "servers", "Delete a server", None, 204),
    ("get", "/inventory/tree", "servers", "Function → application → servers, filtered by scope", None, 200),
    ("get", "/inventory/ansible", "servers", "Ansible dynamic-inventory JSON of the CMDB", None, 200),
    ("post", "/import/servers", "servers", "Import servers from an Ansible INI inventory or JSON", Some("ImportRequest"), 200),
    ("get", "/actions", "actions", "The action catalog", None, 200),
    ("post", "/actions", "actions", "Create an action; answers 201 with its id", Some("ActionDef"), 201),
    ("get", "/actions/{id}", "actions", "One action with its definition", None, 200),
    ("put", "/actions/{id}", "actions", "Edit an action (adds a version)", Some("ActionDef"), 200),
    ("delete", "/actions/{id}", "actions", "Delete an action", None, 204),
    ("get", "/actions/{id}/schema", "actions", "An action's parameter schema", None, 200),
    ("get", "/actions/{id}/form", "actions", "An action's form as an HTML fragment", None, 200),
    ("get", "/files", "actions", "Files of the platform's repository", None, 200),
    ("post", "/jobs", "jobs", "Launch an action on servers; answers 202 with the job id at once", Some("LaunchRequest"), 202),
    (
        "get",
        "/jobs",
        "jobs",
        "Job history (?user=&action=&status=&server=&app_category=&fun_category=&since=&until=&limit=&cursor=)",
        None,
        200,
    ),
    ("get", "/jobs/{id}", "jobs", "A job with its hosts", None, 200),
    ("get", "/jobs/{id}/hosts", "jobs", "A job's hosts: status, rc, times", None, 200),
    (
        "get",
        "/jobs/{id}/events",
        "jobs",
        "Events: SSE with Accept: text/event-stream (Last-Event-ID resumes), else JSON (?after=)",
        None,
        200,
    ),
    ("get", "/jobs/{id}/output", "jobs", "Raw output of one host (?host=&stream=stdout|stderr)", None, 200),
    ("post", "/jobs/{id}/cancel", "jobs", "Cancel a queued or running job", None, 200),
    ("post", "/jobs/{id}/rerun", "jobs", "Run the job again (?only=failed for the hosts that did not end ok)", None, 202),
    ("get", "/audit-log", "audit", "The operator audit log, newest first (?verb=&actor=&limit=&cursor=)", None, 200),
    ("get", "/audit-log/verify", "audit", "Check the hash chain (?from=&to=); names the first broken seq", None, 200),
    ("get", "/workers", "workers", "Enrolled workers", None, 200),
    ("post", "/workers/enrollments", "workers", "A one-time token for `om worker --token`", Some("EnrollmentInput"), 201),
    ("get", "/schedules", "schedules", "Schedules (yours; all for user admins)", None, 200),
    (
        "post",
        "/schedules",
        "schedules",
        "Create a schedule: cron (5 fields), timezone (UTC or ±HH:MM), action, params, targets; it runs as you",
        Some("ScheduleRequest"),
        201,
    ),
    ("get", "/schedules/{id}", "schedules", "One schedule with its next and last run", None, 200),
    ("put", "/schedules/{id}", "schedules", "Replace a schedule (the owner stays)", Some("ScheduleRequest"), 200),
    ("delete", "/schedules/{id}", "schedules", "Delete a schedule", None, 204),
    ("get", "/openapi.json", "meta", "This document", None, 200),
];

/// The OpenAPI 3.0 document.
pub fn openapi() -> Value {
    let mut paths = serde_json::Map::new();
    for (method, path, tag, summary, body, status) in OPERATIONS {
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        let mut op = json!({
            "tags": [tag],
            "summary": summary,
            "operationId": format!("{method}{}", path.replace(['/', '{', '}', '-', '.'], "_")),
            "responses": {
                status.to_string(): {"description": "success", "content": {"application/json": {"schema": {"type": "object"}}}},
                "default": {"description": "an error", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
            },
        });
        if path.contains("{id}") {
            op["parameters"] = json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}]);
        }
        if let Some(schema) = body {
            op["requestBody"] =
                json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}});
        }
        entry[*method] = op;
    }
    let object = json!({"type": "object"});
    let mut schemas = serde_json::Map::new();
    for (_, _, _, _, body, _) in OPERATIONS {
        if let Some(name) = body {
            schemas.insert(name.to_string(), object.clone());
        }
    }
    schemas.insert(
        "Problem".into(),
        json!({"type": "object", "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"}, "detail": {"type": "string"}, "errors": {"type": "array", "items": {"type": "object"}}}}),
    );
    schemas.insert(
        "ScheduleRequest".into(),
        json!({"type": "object", "required": ["name", "cron", "action_id", "targets"], "properties": {
            "name": {"type": "string"}, "cron": {"type": "string", "example": "*/5 * * * *"}, "timezone": {"type": "string", "default": "UTC"},
            "action_id": {"type": "integer"}, "params": {"type": "object"}, "enabled": {"type": "boolean", "default": true},
            "targets": {"type": "object", "properties": {"servers": {"type": "array", "items": {}}, "app_category": {"type": "integer"}, "fun_category": {"type": "integer"}}}}}),
    );
    schemas.insert(
        "PasswordChange".into(),
        json!({"type": "object", "required": ["current_password", "new_password"], "properties": {
            "current_password": {"type": "string"}, "new_password": {"type": "string", "minLength": 8}}}),
    );
    schemas.insert(
        "LaunchRequest".into(),
        json!({"type": "object", "required": ["action_id", "targets"], "properties": {
            "action_id": {"type": "integer"}, "params": {"type": "object"},
            "targets": {"type": "object", "properties": {"servers": {"type": "array", "items": {}}, "app_category": {"type": "integer"}, "fun_category": {"type": "integer"}}},
            "options": {"type": "object", "properties": {"forks": {"type": "integer"}, "timeout": {"type": "integer"}, "confirm": {"type": "boolean"}}}}}),
    );
    json!({
        "openapi": "3.0.3",
        "info": {"title": "om platform API", "version": env!("CARGO_PKG_VERSION"), "description": "Everything the om web UI does. Authenticate with `Authorization: Bearer om_…` (API tokens) or the om_session cookie plus X-CSRF-Token."},
        "servers": [{"url": "/api/v1"}],
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}, "cookie": {"type": "apiKey", "in": "cookie", "name": "om_session"}},
        },
        "security": [{"bearer": []}, {"cookie": []}],
        "paths": paths,
    })
}
