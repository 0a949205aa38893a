use hyper::Method;
use om_server::ApiClient;
use serde_json::Value;

use crate::ExitStatus;
use crate::cli::{JobsArgs, JobsCommand};
use crate::output::Printer;
use crate::settings::runtime;

pub(crate) fn run(args: JobsArgs) -> anyhow::Result<ExitStatus> {
    let client = ApiClient::new(&args.remote.server, args.remote.token.clone())?;
    let json = args.remote.json;
    runtime()?.block_on(async move {
        let mut out = Printer::new();
        match args.command {
            JobsCommand::List { status, user, host, limit } => {
                let mut query = vec![("limit".to_string(), limit.to_string())];
                for (k, v) in [("status", status), ("user", user), ("server", host)] {
                    if let Some(v) = v {
                        query.push((k.into(), v));
                    }
                }
                let path = format!("/api/v1/jobs?{}", serde_urlencoded::to_string(&query)?);
                let page: Value = client.json(Method::GET, &path, None::<&()>).await?;
                if json {
                    out.json(&page)?;
                } else {
                    out.line(format!("{:>6}  {:<12} {:<28} {:>5}  {:<10} {}", "ID", "STATUS", "ACTION", "HOSTS", "USER", "CREATED"))?;
                    for j in page["items"].as_array().into_iter().flatten() {
                        out.line(format!(
                            "{:>6}  {:<12} {:<28} {:>5}  {:<10} {}",
                            j["id"],
                            j["status"].as_str().unwrap_or_default(),
                            j["action_name"].as_str().unwrap_or_default(),
                            j["hosts_total"],
                            j["username"].as_str().unwrap_or_default(),
                            om_server::ui::format_ts(j["created_at"].as_i64().unwrap_or_default())
                        ))?;
                    }
                }
            }
            JobsCommand::Show { id } => {
                let job: Value = client.json(Method::GET, &format!("/api/v1/jobs/{id}"), None::<&()>).await?;
                if json {
                    out.json(&job)?;
                } else {
                    out.line(format!(
                        "job {} · {} · {} · by {}",
                        job["id"],
                        job["action_name"].as_str().unwrap_or_default(),
                        job["status"].as_str().unwrap_or_default(),
                        job["username"].as_str().unwrap_or_default()
                    ))?;
                    out.line(format!("params: {}", job["params"]))?;
                    for h in job["hosts"].as_array().into_iter().flatten() {
                        out.line(format!(
                            "  {:<24} {:<12} rc={} {}",
                            h["hostname"].as_str().unwrap_or_default(),
                            h["status"].as_str().unwrap_or_default(),
                            h["rc"],
                            h["message"].as_str().unwrap_or_default()
                        ))?;
                    }
                }
            }
            JobsCommand::Cancel { id } => {
                let answer: Value = client.json(Method::POST, &format!("/api/v1/jobs/{id}/cancel"), None::<&()>).await?;
                if json {
                    out.json(&answer)?;
                } else {
                    out.line(format!("job {id}: {}", answer["status"].as_str().unwrap_or_default()))?;
                }
            }
        }
        Ok(ExitStatus::Success)
    })
}
