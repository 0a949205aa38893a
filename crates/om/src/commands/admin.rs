use std::io::Read;

use anyhow::{Context, bail};
use om_store::Store;

use crate::ExitStatus;
use crate::cli::{AdminArgs, AdminCommand};
use crate::output::Printer;
use crate::settings::{platform_config, runtime};

fn password(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if !from_stdin {
        return Ok((om_server::auth::random_password(), true));
    }
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).context("cannot read the password from stdin")?;
    let text = text.trim_end_matches(['\n', '\r']).to_string();
    if text.chars().count() < 8 {
        bail!("the password must have at least 8 characters");
    }
    Ok((text, false))
}

pub(crate) fn run(args: AdminArgs) -> anyhow::Result<ExitStatus> {
    let config = platform_config(&args.platform)?;
    runtime()?.block_on(async move {
        let store = Store::open(&config.database_url()).await?;
        let mut out = Printer::new();
        match args.command {
            AdminCommand::CreateUser { name, role, scope, password_stdin, json } => {
                let (kind, id) = scope.split_once(':').unwrap_or((scope.as_str(), "0"));
                if !om_server::auth::ROLES.iter().any(|(r, _)| *r == role) || !["global", "fun", "app"].contains(&kind) {
                    bail!("unknown role `{role}` or scope `{scope}`\n  hint: roles are admin, operator, viewer, auditor; scopes global, fun:<id>, app:<id>");
                }
                let (pw, generated) = password(password_stdin)?;
                let user = store.create_user(&name, &name, &om_server::auth::hash_password(pw.clone()).await?, &role, generated).await?;
                store.set_role_bindings(user.id, &[(role.clone(), kind.to_string(), id.parse().context("the scope id is a number")?)]).await?;
                audit(&store, "user.create", &user.id.to_string(), serde_json::json!({"username": name, "role": role, "scope": scope})).await?;
                let shown = generated.then_some(pw);
                if json {
                    out.json(&serde_json::json!({"user": user, "password": shown}))?;
                } else {
                    out.line(format!("created user `{}` ({role} at {scope})", user.username))?;
                    if let Some(p) = shown {
                        out.line(format!("one-time password: {p}"))?;
                    }
                }
            }
            AdminCommand::ResetPassword { name, password_stdin, json } => {
                let user = store.user_by_name(&name).await?.with_context(|| format!("no user `{name}`"))?;
                let (pw, generated) = password(password_stdin)?;
                // A reset password is for one sign-in: its owner must change it then (WEB-90).
                store.set_password(user.id, &om_server::auth::hash_password(pw.clone()).await?, true).await?;
                audit(&store, "user.password_reset", &user.id.to_string(), serde_json::json!({"username": name})).await?;
                let shown = generated.then_some(pw);
                if json {
                    out.json(&serde_json::json!({"user": name, "password": shown}))?;
                } else if let Some(p) = shown {
                    out.line(format!("new one-time password for `{name}`: {p}"))?;
                } else {
                    out.line(format!("password of `{name}` changed"))?;
                }
            }
            AdminCommand::CreateToken { user, name, scope, json } => {
                if !["read", "run", "admin"].contains(&scope.as_str()) {
                    bail!("unknown scope `{scope}`\n  hint: read, run or admin");
                }
                let owner = store.user_by_name(&user).await?.with_context(|| format!("no user `{user}`"))?;
                let (secret, hash) = om_server::auth::new_token("om_");
                let token = store.create_token(&hash, &name, owner.id, &scope, "global", 0, None).await?;
                audit(&store, "token.create", &token.id.to_string(), serde_json::json!({"user": user, "name": name, "scope": scope})).await?;
                if json {
                    out.json(&serde_json::json!({"token": secret, "record": token}))?;
                } else {
                    out.line(secret)?;
                }
            }
            AdminCommand::VerifyAuditLog { from, to, json } => {
                let v = store.verify_audit_log(from, to).await?;
                if json {
                    out.json(&v)?;
                } else if v.ok {
                    out.line(format!("audit log intact: {} rows checked, last seq {}", v.checked, v.last_seq))?;
                } else {
                    out.line(format!("audit log broken at seq {}: {}", v.broken_seq.unwrap_or_default(), v.reason.clone().unwrap_or_default()))?;
                }
                return Ok(if v.ok { ExitStatus::Success } else { ExitStatus::Error });
            }
            AdminCommand::Retention { dry_run, json } => {
                let report = store.prune(&config.retention, om_store::now_ms(), dry_run).await?;
                if json {
                    out.json(&serde_json::json!({"dry_run": dry_run, "pruned": report}))?;
                } else {
                    let verb = if dry_run { "would prune" } else { "pruned" };
                    out.line(format!("{verb}: {} job events, {} job outputs, {} jobs", report.job_events, report.job_outputs, report.jobs))?;
                }
            }
            AdminCommand::Migrate { json } => {
                let version = store.schema_version().await?;
                if json {
                    out.json(&serde_json::json!({"schema_version": version, "backend": store.backend()}))?;
                } else {
                    out.line(format!("schema version {version} on {}", store.backend().as_str()))?;
                }
            }
        }
        Ok(ExitStatus::Success)
    })
}

async fn audit(store: &Store, verb: &str, object_id: &str, details: serde_json::Value) -> anyhow::Result<()> {
    let actor = std::env::var("USER").unwrap_or_else(|_| "root".into());
    store
        .append_audit(om_store::AuditRecord {
            actor_kind: "system".into(),
            actor_name: format!("om admin ({actor})"),
            verb: verb.into(),
            object_kind: "user".into(),
            object_id: object_id.into(),
            details,
            ..Default::default()
        })
        .await?;
    Ok(())
}
