use std::sync::Arc;

use anyhow::Context;
use om_core::{Fanout, JsonLinesSink, Sink, Target};
use om_exec::{Executor, Transports};
use om_inventory::{Inventory, LoadOptions, Pattern};
use om_ssh::{SshConfig, SshConnector};

use crate::ExitStatus;
use crate::cli::RunArgs;
use crate::output;
use crate::output::run::{ContactedSink, Style, TerminalSink, TreeSink};
use crate::settings::{RunSettings, TerminalPrompter};

pub(crate) fn run(args: RunArgs) -> anyhow::Result<ExitStatus> {
    let settings = RunSettings::from_args(&args)?;
    let loaded = Inventory::load(&super::inventory::sources(&args.inventory)?, &LoadOptions::default())?;
    super::inventory::warn(&loaded.warnings);
    let inventory = loaded.inventory;
    let limit = args.limit.as_deref().map(Pattern::parse_limit).transpose()?;
    let selection = inventory.select_pattern(&Pattern::parse(&args.pattern)?, limit.as_ref())?;
    super::inventory::warn(&selection.warnings);
    let mut target = selection.target;
    for host in &mut target.hosts {
        Arc::make_mut(host).vars.extend(settings.extra_vars.clone());
    }
    if args.list_hosts {
        return output::list_hosts(&target).map(|()| ExitStatus::Success);
    }
    let ssh_config = match &settings.ssh.ssh_config {
        Some(path) => SshConfig::load(path)?,
        None => SshConfig::load_default()?,
    };
    let ssh = SshConnector::with_prompter(
        settings.ssh.clone(),
        ssh_config,
        inventory.hosts().iter().map(|h| h.as_ref().clone()),
        Arc::new(TerminalPrompter),
    );
    let executor = Executor::new(Arc::new(Transports::new(Arc::new(ssh), args.connection.clone())), settings.run.clone());
    let modules: Vec<String> = settings.plan.tasks.iter().map(|t| t.module.clone()).collect();
    let mut sinks = Fanout::new();
    match (args.json, args.events, args.one_line) {
        (true, ..) => sinks.push(Box::new(ContactedSink::new(modules.len()))),
        (_, true, _) => sinks.push(Box::new(JsonLinesSink::new(std::io::stdout()))),
        (_, _, one_line) => sinks.push(Box::new(TerminalSink::new(if one_line { Style::OneLine } else { Style::Blocks }, modules))),
    }
    if let Some(dir) = &args.tree {
        sinks.push(Box::new(TreeSink::new(dir.clone()).with_context(|| format!("cannot create --tree directory `{}`", dir.display()))?));
    }
    if target.is_empty() && !args.json {
        output::warning("No hosts matched, nothing to do");
    }
    drive(executor, target, settings, sinks)
}

/// Runs the executor on a runtime while a thread hands its events to the sinks.
fn drive(executor: Executor, target: Target, settings: RunSettings, mut sinks: Fanout) -> anyhow::Result<ExitStatus> {
    raise_file_limit();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")?;
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let printer = std::thread::spawn(move || {
        while let Some(event) = rx.blocking_recv() {
            if let Err(err) = sinks.event(&event) {
                tracing::error!(error = %err, "a sink failed");
            }
        }
        sinks.finish()
    });
    let recap = runtime.block_on(async {
        tokio::select! {
            recap = executor.run(&target, &settings.plan, tx) => Some(recap),
            _ = tokio::signal::ctrl_c() => None,
        }
    });
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    let finished = printer.join();
    let Some(recap) = recap else { return Ok(ExitStatus::Interrupted) };
    if let Ok(Err(err)) = finished {
        return Err(err).context("cannot print the results");
    }
    Ok(if recap.any_unreachable() {
        ExitStatus::Unreachable
    } else if recap.any_failed() {
        ExitStatus::Failed
    } else {
        ExitStatus::Success
    })
}

/// Thousands of hosts need a file descriptor each.
fn raise_file_limit() {
    if let Ok((_, hard)) = rlimit::Resource::NOFILE.get() {
        let _ = rlimit::Resource::NOFILE.set(hard, hard);
    }
}
