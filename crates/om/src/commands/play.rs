use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use om_core::{Event, Fanout, JsonLinesSink, Sink, Vars};
use om_exec::{BecomeOptions, Transports};
use om_inventory::{Inventory, LoadOptions, Pattern};
use om_play::{PlayOptions, Runner};
use om_ssh::{HostKeyPolicy, SshConfig, SshConnector, SshOptions};
use om_template::vault::VaultSecret;

use crate::ExitStatus;
use crate::cli::PlayArgs;
use crate::output::play::{self, PlaySink};
use crate::settings::TerminalPrompter;

pub(crate) fn run(args: PlayArgs, verbose: u8) -> anyhow::Result<ExitStatus> {
    if args.rewrite {
        return play::rewrite(&args.playbooks).map(|()| ExitStatus::Success);
    }
    let vault = vault_secrets(&args)?;
    let load = om_play::LoadOptions { roles_path: roles_path(), vault: vault.clone() };
    let mut books = Vec::new();
    for path in &args.playbooks {
        match om_play::load(path, &load) {
            Ok(book) => books.push(book),
            Err(err) => {
                crate::output::error(&anyhow::Error::new(err));
                return Ok(ExitStatus::Unreachable);
            }
        }
    }
    if args.syntax_check {
        return play::syntax_ok(&args.playbooks).map(|()| ExitStatus::Success);
    }
    let dir = books.first().map(|b| b.dir.clone());
    let loaded =
        Inventory::load(&super::inventory::sources(&args.inventory)?, &LoadOptions { playbook_dir: dir, ..LoadOptions::default() })?;
    super::inventory::warn(&loaded.warnings);
    let inventory = Arc::new(loaded.inventory);
    let options = PlayOptions {
        forks: args.forks.max(1),
        check: args.check,
        diff: args.diff,
        extra_vars: extra_vars(&args.extra_vars)?,
        tags: if args.tags.is_empty() { vec!["all".into()] } else { args.tags.clone() },
        skip_tags: args.skip_tags.clone(),
        limit: args.limit.as_deref().map(Pattern::parse_limit).transpose()?,
        start_at_task: args.start_at_task.clone(),
        escalation: BecomeOptions {
            enabled: args.escalate,
            method: None,
            user: args.become_user.clone(),
            password: args
                .ask_become_pass
                .then(|| rpassword::prompt_password("BECOME password: ").map(om_core::Secret::new))
                .transpose()?,
        },
        vault,
        force_handlers: args.force_handlers,
        step: args.step,
        prompter: Some(om_play::Prompter(Arc::new(TtyAsk))),
        output_events: false,
        cancellable: false,
    };
    let connector = Arc::new(Transports::new(Arc::new(ssh(&args, &inventory)?), args.connection.clone()));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let runner = Runner::new(Arc::clone(&inventory), connector, options, tx);
    if args.list_tasks || args.list_hosts || args.list_tags {
        return play::listings(&args, &books, &runner).map(|()| ExitStatus::Success);
    }
    let mut sinks = Fanout::new();
    if args.json {
        sinks.push(Box::new(JsonLinesSink::new(std::io::stdout())));
    } else {
        let named = args.playbooks.iter().zip(&books).map(|(p, b)| (p.display().to_string(), b.plays.len())).collect();
        sinks.push(Box::new(PlaySink::new(args.diff, verbose, named)));
    }
    // As ansible-playbook: a run that stops on an error (a file that does not parse, what
    // the strategy cannot do) prints no PLAY RECAP; so each run's recap waits for what comes
    // next (`--json` keeps it).
    let errored = Arc::new(AtomicBool::new(false));
    let stopped = Arc::clone(&errored);
    let hold = !args.json;
    let printer = std::thread::spawn(move || {
        let show = |sinks: &mut Fanout, event: &Event| {
            if let Err(err) = sinks.event(event) {
                tracing::error!(error = %err, "a sink failed");
            }
        };
        let mut held = None;
        while let Some(event) = rx.blocking_recv() {
            if let Some(recap) = held.take() {
                show(&mut sinks, &recap);
            }
            match event {
                Event::RunFinished { .. } if hold => held = Some(event),
                other => show(&mut sinks, &other),
            }
        }
        if let Some(recap) = held
            && !stopped.load(Ordering::SeqCst)
        {
            show(&mut sinks, &recap);
        }
        sinks.finish()
    });
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")?;
    let result = runtime.block_on(async {
        let mut last = None;
        for book in &books {
            tokio::select! {
                r = runner.run(book) => last = Some(r),
                _ = tokio::signal::ctrl_c() => return None,
            }
            if matches!(last, Some(Err(_))) {
                break;
            }
        }
        last
    });
    errored.store(matches!(result, Some(Err(_))), Ordering::SeqCst);
    drop(runner);
    runtime.shutdown_timeout(Duration::from_millis(200));
    let _ = printer.join();
    match result {
        None => Ok(ExitStatus::Interrupted),
        Some(Err(err)) => {
            // As ansible-playbook: 4 for a file that did not parse (an included one too).
            let parse = matches!(err, om_play::PlayError::Syntax { .. } | om_play::PlayError::Yaml(_) | om_play::PlayError::Legacy { .. });
            crate::output::error(&anyhow::Error::new(err));
            Ok(if parse { ExitStatus::Unreachable } else { ExitStatus::Error })
        }
        Some(Ok(recap)) if recap.any_unreachable() => Ok(ExitStatus::Unreachable),
        Some(Ok(recap)) if recap.any_failed() => Ok(ExitStatus::Failed),
        Some(Ok(_)) => Ok(ExitStatus::Success),
    }
}

/// `vars_prompt` and `--step` questions on the controlling terminal (`/dev/tty`) when standard
/// input is a terminal; otherwise nobody answers and prompts take their defaults.
struct TtyAsk;

impl om_play::Ask for TtyAsk {
    fn ask(&self, question: &str, private: bool) -> Option<String> {
        use std::io::{BufRead, IsTerminal, Write};
        // As ansible-playbook: no questions unless om's input is a terminal.
        if !std::io::stdin().is_terminal() {
            return None;
        }
        let tty = std::fs::OpenOptions::new().read(true).write(true).open("/dev/tty").ok()?;
        if private {
            return rpassword::prompt_password(question).ok();
        }
        let mut out = &tty;
        out.write_all(question.as_bytes()).ok()?;
        out.flush().ok()?;
        let mut line = String::new();
        std::io::BufReader::new(&tty).read_line(&mut line).ok()?;
        Some(line.trim_end_matches(['\n', '\r']).to_string())
    }
}

fn ssh(args: &PlayArgs, inventory: &Inventory) -> anyhow::Result<SshConnector> {
    let policy = args
        .host_key_checking
        .as_deref()
        .map(|t| HostKeyPolicy::parse(t).with_context(|| format!("unknown host key checking `{t}`")))
        .transpose()?;
    let options = SshOptions {
        user: args.user.clone(),
        private_keys: args.private_key.clone(),
        connect_timeout: Some(Duration::from_secs(args.timeout)),
        host_key_checking: policy,
        ssh_config: args.ssh_config.clone(),
        default_policy: HostKeyPolicy::Strict,
        ..SshOptions::default()
    };
    let config = match &args.ssh_config {
        Some(path) => SshConfig::load(path)?,
        None => SshConfig::load_default()?,
    };
    Ok(SshConnector::with_prompter(options, config, inventory.hosts().iter().map(|h| h.as_ref().clone()), Arc::new(TerminalPrompter)))
}

fn roles_path() -> Vec<std::path::PathBuf> {
    let given = std::env::var("ANSIBLE_ROLES_PATH").unwrap_or_default();
    let mut out: Vec<std::path::PathBuf> = given.split(':').filter(|s| !s.is_empty()).map(Into::into).collect();
    if let Some(home) = std::env::var_os("HOME") {
        out.push(std::path::PathBuf::from(home).join(".ansible/roles"));
    }
    out.extend(["/usr/share/ansible/roles", "/etc/ansible/roles"].map(Into::into));
    out
}

fn vault_secrets(args: &PlayArgs) -> anyhow::Result<Vec<VaultSecret>> {
    args.vault_password_file
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).with_context(|| format!("cannot read the vault password file `{}`", p.display()))?;
            Ok(VaultSecret::new(text.trim_end_matches(['\n', '\r'])))
        })
        .collect()
}

/// `-e`: `k=v` pairs, YAML/JSON text, or `@file` (YAML or JSON).
fn extra_vars(items: &[String]) -> anyhow::Result<Vars> {
    let mut vars = Vars::new();
    for item in items {
        let (text, name) = match item.strip_prefix('@') {
            Some(path) => {
                (std::fs::read_to_string(path).with_context(|| format!("cannot read extra vars file `{path}`"))?, path.to_string())
            }
            None => (item.clone(), "-e".to_string()),
        };
        if item.starts_with('@') || text.trim_start().starts_with(['{', '[']) {
            let node = om_template::yaml::load(&text, &name)?;
            match node.to_json() {
                serde_json::Value::Object(map) => vars.extend(map),
                _ => anyhow::bail!("extra vars `{item}` are not a mapping\n  hint: write key=value, a YAML/JSON mapping, or @file"),
            }
        } else {
            vars.extend(om_core::parse_free_form(&text, None)?);
        }
    }
    Ok(vars)
}
