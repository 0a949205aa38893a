//! `POST /api/v1/jobs` and the Run button: validate, authorise every target, record, enqueue,
//! and answer at once; the job runs elsewhere (the Celery pattern, WEB-51).

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::json;

use om_store::{AuditRecord, Job, NewJob, NewJobHost, Server, ServerFilter};

use crate::auth::{Perm, Principal, Scope};
use crate::catalog::{ActionDef, ParamKind};
use crate::error::ApiError;
use crate::grant::GrantSubject;
use crate::state::AppState;

/// What a client asks to run.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LaunchRequest {
    pub action_id: i64,
    #[serde(default)]
    pub params: serde_json::Map<String, serde_json::Value>,
    pub targets: Targets,
    #[serde(default)]
    pub options: LaunchOptions,
}

/// Servers by id or name, or a whole category (resolved now).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    #[serde(default)]
    pub servers: Vec<serde_json::Value>,
    #[serde(default)]
    pub app_category: Option<i64>,
    #[serde(default)]
    pub fun_category: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LaunchOptions {
    #[serde(default)]
    pub forks: Option<usize>,
    #[serde(default)]
    pub timeout: Option<u64>,
    /// Required for actions marked `confirm`.
    #[serde(default)]
    pub confirm: bool,
}

/// Validates, authorises and queues a job; returns it as recorded.
pub async fn launch(state: &AppState, who: &Principal, request: &LaunchRequest, rerun_of: Option<i64>) -> Result<Job, ApiError> {
    if !state.store.ping().await {
        return Err(ApiError::Unavailable("the database does not answer".into()));
    }
    let row = state
        .store
        .action(request.action_id)
        .await
        .map_err(|_| ApiError::invalid("action_id", format!("no action {}", request.action_id)))?;
    if !row.enabled {
        return Err(ApiError::invalid("action_id", "this action is disabled"));
    }
    let action = ActionDef::parse(&row.definition)?;
    let values = action.validate(&request.params)?;
    let servers = resolve_targets(state, &request.targets).await?;
    if servers.is_empty() {
        return Err(ApiError::invalid("targets", "no enabled server matches"));
    }
    let limit = action.max_targets.min(state.config.server.max_targets);
    if servers.len() > limit {
        return Err(ApiError::invalid("targets", format!("{} servers exceed this action's limit of {limit}", servers.len())));
    }
    for s in &servers {
        let scope = Scope { fun_id: s.fun_category_id, app_id: s.app_category_id };
        if !who.access.allows(Perm::JobRun, scope) {
            return Err(ApiError::forbidden(format!("you may not run actions on `{}`", s.hostname)));
        }
        if !action.roles.is_empty() && !who.access.has_role_at(&action.roles, scope) {
            return Err(ApiError::forbidden(format!(
                "`{}` needs one of the roles {} on `{}`",
                action.name,
                action.roles.join(", "),
                s.hostname
            )));
        }
    }
    if action.danger != "none" && !request.options.confirm {
        return Err(ApiError::invalid(
            "options.confirm",
            format!("`{}` changes {} server(s); confirm to run it", action.name, servers.len()),
        ));
    }
    let zones: std::collections::BTreeSet<&str> = servers.iter().map(|s| s.zone.as_str()).collect();
    if zones.len() > 1 {
        return Err(ApiError::invalid(
            "targets",
            format!("targets span several zones ({}); run one job per zone", zones.into_iter().collect::<Vec<_>>().join(", ")),
        ));
    }
    let zone = servers[0].zone.clone();
    let target_spec = json!({
        "servers": servers.iter().map(|s| s.hostname.clone()).collect::<Vec<_>>(),
        "request": request.targets,
        "forks": request.options.forks,
        "timeout": request.options.timeout,
    });
    let new = NewJob {
        action_id: row.id,
        action_version_id: row.version_id,
        action_name: row.name.clone(),
        user_id: who.user.id,
        username: who.user.username.clone(),
        params: action.redact(&values),
        target_spec,
        zone,
        rerun_of,
    };
    let hosts: Vec<NewJobHost> = servers.iter().map(|s| NewJobHost { server_id: s.id, hostname: s.hostname.clone() }).collect();
    let specs: Vec<_> = servers.iter().map(|s| super::host_spec(&action, s)).collect();
    let subject = GrantSubject {
        action_id: row.id,
        action_version_id: row.version_id,
        action: &action,
        values: &values,
        hosts: &specs,
        user_id: who.user.id,
        username: &who.user.username,
    };
    let job = state
        .store
        .create_job_with(&new, &hosts, |id| {
            let grant = state.signer.sign(&subject.payload(id, om_store::now_ms()));
            let mut spec = new.target_spec.clone();
            spec["grant"] = serde_json::to_value(grant).unwrap_or_default();
            Some(spec)
        })
        .await?;
    if action.params.iter().any(|p| matches!(p.kind, ParamKind::Secret {}) && values.0.contains_key(&p.name)) {
        state.secrets.lock().expect("the secrets lock is never poisoned").insert(job.id, values.clone());
    }
    state.live.open(job.id, 0);
    state.metrics.jobs_launched.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    audit(
        state,
        who,
        "job.launch",
        "job",
        &job.id.to_string(),
        json!({
            "action_id": row.id, "action": row.name, "action_version_id": row.version_id,
            "params": new.params, "servers": job.target_spec["servers"], "rerun_of": rerun_of,
        }),
    )
    .await?;
    state.queued.notify_waiters();
    Ok(job)
}

/// A new job with the same action and parameters, on all hosts or only those that did not
/// end ok.
pub async fn rerun(state: &AppState, who: &Principal, job_id: i64, only_failed: bool) -> Result<Job, ApiError> {
    let old = state.store.job(job_id).await?;
    let hosts = state.store.job_hosts(job_id).await?;
    let servers: Vec<serde_json::Value> = hosts
        .iter()
        .filter(|h| !only_failed || !["ok", "changed", "skipped"].contains(&h.status.as_str()))
        .map(|h| json!(h.server_id))
        .collect();
    if servers.is_empty() {
        return Err(ApiError::invalid("only", "no host of that job failed"));
    }
    let params = old.params.as_object().cloned().unwrap_or_default();
    if params.values().any(|v| v == "****") {
        return Err(ApiError::invalid("params", "the job had secret parameters, which are not kept; launch it again with them"));
    }
    let request = LaunchRequest {
        action_id: old.action_id,
        params,
        targets: Targets { servers, ..Default::default() },
        options: LaunchOptions { confirm: true, ..Default::default() },
    };
    launch(state, who, &request, Some(job_id)).await
}

async fn resolve_targets(state: &AppState, targets: &Targets) -> Result<Vec<Server>, ApiError> {
    let mut out: Vec<Server> = Vec::new();
    if targets.app_category.is_some() || targets.fun_category.is_some() {
        let filter = ServerFilter {
            app_category_id: targets.app_category,
            fun_category_id: targets.fun_category,
            enabled_only: true,
            ..Default::default()
        };
        out.extend(state.store.servers(&filter).await?);
    }
    let mut ids = Vec::new();
    let mut names = Vec::new();
    for s in &targets.servers {
        match s {
            serde_json::Value::Number(n) => {
                ids.push(n.as_i64().ok_or_else(|| ApiError::invalid("targets.servers", "ids are whole numbers"))?)
            }
            serde_json::Value::String(name) => match name.parse::<i64>() {
                Ok(id) => ids.push(id),
                Err(_) => names.push(name.clone()),
            },
            _ => return Err(ApiError::invalid("targets.servers", "give server ids or names")),
        }
    }
    // A few queries for thousands of targets, not one per target.
    let mut found = Vec::new();
    for chunk in names.chunks(1000) {
        let named = state.store.servers(&ServerFilter { names: Some(chunk.to_vec()), ..Default::default() }).await?;
        let known: HashSet<String> = named.iter().map(|s| s.hostname.to_lowercase()).collect();
        if let Some(missing) = chunk.iter().find(|n| !known.contains(&n.to_lowercase())) {
            return Err(ApiError::invalid("targets.servers", format!("no server `{missing}`")));
        }
        found.extend(named);
    }
    for chunk in ids.chunks(1000) {
        let by_id = state.store.servers(&ServerFilter { ids: Some(chunk.to_vec()), ..Default::default() }).await?;
        let known: HashSet<i64> = by_id.iter().map(|s| s.id).collect();
        if let Some(missing) = chunk.iter().find(|id| !known.contains(id)) {
            return Err(ApiError::invalid("targets.servers", format!("no server {missing}")));
        }
        found.extend(by_id);
    }
    if let Some(off) = found.iter().find(|s| !s.enabled || s.status == "retired") {
        return Err(ApiError::invalid("targets.servers", format!("`{}` is disabled or retired", off.hostname)));
    }
    out.extend(found);
    out.sort_by_key(|s| s.hostname.to_lowercase());
    out.dedup_by_key(|s| s.id);
    Ok(out)
}

/// Appends an operator action to the audit log.
pub async fn audit(
    state: &AppState,
    who: &Principal,
    verb: &str,
    object_kind: &str,
    object_id: &str,
    details: serde_json::Value,
) -> Result<(), ApiError> {
    state
        .store
        .append_audit(AuditRecord {
            actor_kind: who.actor_kind().into(),
            actor_id: who.user.id,
            actor_name: who.user.username.clone(),
            source_ip: who.ip.clone(),
            user_agent: who.user_agent.clone(),
            verb: verb.into(),
            object_kind: object_kind.into(),
            object_id: object_id.into(),
            details,
        })
        .await?;
    Ok(())
}
