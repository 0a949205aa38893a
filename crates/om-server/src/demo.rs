//! `om serve --demo`: a demo inventory in the book's hierarchy. With OpenSSH's sshd on this
//! machine it is a lab of three real SSH hosts on loopback (living as long as the returned
//! [`Demo`]); without, this machine itself through the local transport.

use std::path::PathBuf;

use serde::Serialize;
use serde_json::Value;

use om_store::ServerInput;

use crate::error::ApiError;
use crate::inventory::parse_ini;
use crate::state::AppState;

/// The book's fixture names, in lab-host order.
const HOSTS: &[(&str, &str, &str)] = &[
    ("sn2013-08-021", "Linux.Web", "bbs.domain.com"),
    ("sn2013-08-022", "Linux.Web", "bbs.domain.com"),
    ("sn2012-07-010", "Linux.Mysql", "db.domain.com"),
];

#[derive(Debug, Clone, Serialize)]
pub struct DemoReport {
    pub summary: String,
    pub servers: Vec<String>,
    pub lab_dir: Option<PathBuf>,
}

/// The demo inventory; dropping it stops the lab.
pub struct Demo {
    pub report: DemoReport,
    _lab: Option<om_lab::Lab>,
}

/// Starts the demo lab (or falls back to this machine) and puts its hosts in the CMDB.
pub async fn install(state: &AppState) -> Result<Demo, ApiError> {
    let lab_dir = state.data_dir.join("demo-lab");
    let dir = lab_dir.clone();
    let lab = tokio::task::spawn_blocking(move || {
        let mut config = om_lab::LabConfig::new(&dir, HOSTS.len());
        config.base = std::net::Ipv4Addr::new(127, 0, 42, 1);
        config.port = 22422;
        om_lab::Lab::start(config)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    let (lab, entries) = match lab {
        Ok(lab) => {
            let text = std::fs::read_to_string(lab.inventory()).map_err(|e| ApiError::Internal(e.to_string()))?;
            let parsed = parse_ini(&text, "lab")?;
            let entries: Vec<(String, String, String, serde_json::Map<String, Value>)> = HOSTS
                .iter()
                .zip(parsed)
                .map(|((name, fun, app), e)| (name.to_string(), fun.to_string(), app.to_string(), e.vars))
                .collect();
            (Some(lab), entries)
        }
        Err(err) => {
            tracing::warn!(error = %err, "no lab for the demo; using this machine");
            let mut vars = serde_json::Map::new();
            vars.insert("ansible_connection".into(), "local".into());
            (None, vec![("localhost".to_string(), "Linux.Local".to_string(), "this-machine".to_string(), vars)])
        }
    };
    let mut servers = Vec::new();
    for (name, fun, app, mut vars) in entries {
        let fun_id = match state.store.fun_categories().await?.into_iter().find(|f| f.name == fun) {
            Some(f) => f.id,
            None => state.store.create_fun_category(&fun, "demo", 0).await?.id,
        };
        let app_id = match state.store.app_categories(Some(fun_id)).await?.into_iter().find(|a| a.name == app) {
            Some(a) => a.id,
            None => state.store.create_app_category(fun_id, &app, "demo").await?.id,
        };
        let ip = vars.remove("ansible_host").and_then(|v| v.as_str().map(str::to_string)).unwrap_or_else(|| "127.0.0.1".into());
        let port = vars.remove("ansible_port").and_then(|v| v.as_i64()).unwrap_or(22);
        let user = vars.remove("ansible_user").and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
        let input = ServerInput {
            hostname: name.clone(),
            ip_internal: ip,
            ip_external: String::new(),
            os: String::new(),
            app_category_id: app_id,
            zone: "default".into(),
            status: "active".into(),
            ssh_user: user,
            ssh_port: port,
            tags: vec!["demo".into()],
            vars,
            enabled: true,
            source: "manual".into(),
        };
        match state.store.server_by_name(&name).await? {
            Some(s) => {
                state.store.update_server(s.id, &input).await?;
            }
            None => {
                state.store.create_server(&input).await?;
            }
        }
        servers.push(name);
    }
    let summary = match &lab {
        Some(_) => format!("{} lab hosts over SSH ({})", servers.len(), servers.join(", ")),
        None => "this machine (local transport)".to_string(),
    };
    Ok(Demo { report: DemoReport { summary, servers, lab_dir: lab.as_ref().map(|_| lab_dir) }, _lab: lab })
}
