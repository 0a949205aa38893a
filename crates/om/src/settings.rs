//! Turns arguments into validated settings: for `om run` the plan, the executor's and the SSH
//! transport's options, secrets asked for on the terminal; for `om serve` and `om admin` the
//! platform's configuration (flags win over the file).

use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use om_core::{Secret, Task, Vars};
use om_exec::{Background, BecomeOptions, Plan, RunOptions};
use om_ssh::{HostKeyPolicy, Prompter, SshOptions};

use crate::cli::{PlatformArgs, RunArgs};

/// A usage error: exit 5, as ansible-core does for bad options.
#[derive(Debug, thiserror::Error)]
#[error("{message}\n  hint: {hint}")]
pub(crate) struct BadOption {
    pub message: String,
    pub hint: String,
}

fn bad(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    BadOption { message: message.into(), hint: hint.into() }.into()
}

/// Everything `om run` needs, validated.
pub(crate) struct RunSettings {
    pub plan: Plan,
    pub run: RunOptions,
    pub ssh: SshOptions,
    pub extra_vars: Vars,
}

impl RunSettings {
    pub(crate) fn from_args(args: &RunArgs) -> anyhow::Result<Self> {
        if args.sudo || args.sudo_user.is_some() || args.ask_sudo_pass {
            bail!(bad("--sudo, -U and --ask-sudo-pass were removed from ansible", "use -b, --become-user and -K"));
        }
        let plan = Plan::new(tasks(args)?);
        let policy = match &args.host_key_checking {
            Some(text) => Some(
                HostKeyPolicy::parse(text)
                    .ok_or_else(|| bad(format!("unknown host key checking `{text}`"), "use yes, accept-new, no or ask"))?,
            ),
            None => None,
        };
        let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
        let password = args.ask_pass.then(|| ask("SSH password: ")).transpose()?;
        let become_password = args.ask_become_pass.then(|| ask("BECOME password: ")).transpose()?;
        let ssh = SshOptions {
            user: args.user.clone(),
            password,
            private_keys: args.private_key.clone(),
            connect_timeout: Some(Duration::from_secs(args.timeout)),
            host_key_checking: policy,
            ssh_config: args.ssh_config.clone(),
            jump: args.jump.clone(),
            common_args: args.ssh_common_args.clone(),
            extra_args: args.ssh_extra_args.clone(),
            default_policy: if interactive { HostKeyPolicy::Ask } else { HostKeyPolicy::Strict },
            ..SshOptions::default()
        };
        let run = RunOptions {
            forks: args.forks.max(1),
            task_timeout: args.task_timeout.map(Duration::from_secs),
            escalation: BecomeOptions {
                enabled: args.escalate,
                method: args.become_method.as_deref().map(str::parse).transpose()?,
                user: args.become_user.clone(),
                password: become_password,
            },
            background: args.background.map(|limit_s| Background { limit_s, poll_s: args.poll }),
            output_events: args.events,
            kind: "run".into(),
            fact_cache: std::env::var_os(crate::env::OM_FACT_CACHE).filter(|d| !d.is_empty()).map(crate::env::fact_cache),
            ..RunOptions::default()
        };
        Ok(Self { plan, run, ssh, extra_vars: extra_vars(&args.extra_vars)? })
    }
}

/// Pairs `-m`/`-a` in order; an `-a` without its own `-m` reuses the previous module.
fn tasks(args: &RunArgs) -> anyhow::Result<Vec<Task>> {
    if let Some(jid) = &args.status {
        return Ok(vec![om_exec::task("async_status", &format!("jid={jid}"))?]);
    }
    let count = args.module.len().max(args.args.len()).max(1);
    let mut tasks = Vec::with_capacity(count);
    let mut module = "command".to_string();
    for i in 0..count {
        if let Some(m) = args.module.get(i) {
            module = m.clone();
        }
        if om_exec::action::find(&module).is_none() {
            let unknown = om_exec::action::unknown(&module);
            let hint = match &unknown.closest {
                Some(c) => format!("did you mean `{c}`? known modules: {}", unknown.known.join(", ")),
                None => format!("known modules: {}", unknown.known.join(", ")),
            };
            bail!(bad(format!("unknown module `{module}`"), hint));
        }
        let text = args.args.get(i).map(String::as_str).unwrap_or("");
        let mut task = om_exec::task(&module, text).with_context(|| format!("cannot read the arguments of `{module}`"))?;
        task.name = if text.is_empty() { module.clone() } else { format!("{module}: {text}") };
        task.check = args.check;
        task.diff = args.diff;
        tasks.push(task);
    }
    Ok(tasks)
}

/// `-e`: `k=v` pairs, a JSON object, or `@file` holding JSON.
fn extra_vars(items: &[String]) -> anyhow::Result<Vars> {
    let mut vars = Vars::new();
    for item in items {
        let text = match item.strip_prefix('@') {
            Some(path) => std::fs::read_to_string(Path::new(path)).with_context(|| format!("cannot read extra vars file `{path}`"))?,
            None => item.clone(),
        };
        if text.trim_start().starts_with('{') {
            match serde_json::from_str(&text) {
                Ok(serde_json::Value::Object(map)) => vars.extend(map),
                _ => bail!(bad(format!("extra vars `{item}` are not a JSON object"), "write them as key=value or as a JSON object")),
            }
        } else {
            vars.extend(om_core::parse_free_form(&text, None)?);
        }
    }
    Ok(vars)
}

fn ask(prompt: &str) -> anyhow::Result<Secret<String>> {
    rpassword::prompt_password(prompt)
        .map(Secret::new)
        .with_context(|| format!("cannot ask for `{}` without a terminal", prompt.trim_end_matches(": ")))
}

/// Answers the transport's questions on the terminal.
pub(crate) struct TerminalPrompter;

impl Prompter for TerminalPrompter {
    fn passphrase(&self, key: &Path) -> Option<Secret<String>> {
        if !std::io::stdin().is_terminal() {
            return None;
        }
        rpassword::prompt_password(format!("Enter passphrase for key '{}': ", key.display())).ok().map(Secret::new)
    }

    fn confirm_host_key(&self, host: &str, address: &str, fingerprint: &str) -> bool {
        if !std::io::stdin().is_terminal() {
            return false;
        }
        let question = format!(
            "The authenticity of host '{host} ({address})' can't be established.\nKey fingerprint is {fingerprint}.\nAre you sure you want to continue connecting (yes/no)? "
        );
        let mut stderr = std::io::stderr();
        if std::io::Write::write_all(&mut stderr, question.as_bytes()).is_err() {
            return false;
        }
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer).is_ok() && answer.trim().eq_ignore_ascii_case("yes")
    }
}

/// The configuration file named by `--config` (which must exist), else `/etc/om/om.toml` if
/// present, with `--data` applied.
pub(crate) fn platform_config(args: &PlatformArgs) -> anyhow::Result<om_server::Config> {
    let mut config = match &args.config {
        Some(path) => om_server::Config::load(path, true)?,
        None => om_server::Config::load(std::path::Path::new("/etc/om/om.toml"), false)?,
    };
    if let Some(data) = &args.data {
        config.server.data_dir = std::path::absolute(data).with_context(|| format!("cannot resolve `{}`", data.display()))?;
    }
    Ok(config)
}

/// A runtime for commands that talk to the platform or serve it.
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")
}
