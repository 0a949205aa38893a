use om_server::{Platform, StartOptions};

use crate::ExitStatus;
use crate::cli::ServeArgs;
use crate::output::Printer;
use crate::settings::{platform_config, runtime};

pub(crate) fn run(args: ServeArgs) -> anyhow::Result<ExitStatus> {
    let mut config = platform_config(&args.platform)?;
    if let Some(listen) = args.listen {
        config.server.listen = listen;
    }
    if let Some(workers) = args.workers {
        config.workers.local = workers;
    }
    if args.no_examples {
        config.server.examples = false;
    }
    runtime()?.block_on(async move {
        let platform = Platform::start(config, StartOptions { no_migrate: args.no_migrate }).await?;
        let demo = if args.demo { Some(om_server::demo::install(&platform.state).await?) } else { None };
        let mut out = Printer::new();
        if args.json {
            out.json(&serde_json::json!({"started": platform.started, "demo": demo.as_ref().map(|d| &d.report)}))?;
        } else {
            let s = &platform.started;
            out.line(format!("om serve: {} ({} in {})", s.url, s.database, s.data_dir.display()))?;
            if let Some(password) = &s.admin_password {
                out.line(format!("  first start: user `admin`, one-time password: {password}"))?;
                out.line("  (shown once; only its argon2id hash is stored)")?;
            }
            if s.examples_installed > 0 {
                out.line(format!("  example actions installed: {}", s.examples_installed))?;
            }
            if !s.interrupted_jobs.is_empty() {
                out.line(format!("  jobs interrupted by the last stop: {:?}", s.interrupted_jobs))?;
            }
            if let Some(d) = &demo {
                out.line(format!("  demo inventory: {}", d.report.summary))?;
            }
        }
        drop(out);
        platform.serve().await?;
        drop(demo);
        Ok(ExitStatus::Success)
    })
}
