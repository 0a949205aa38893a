use anyhow::Context;
use om_lab::{LabConfig, Netem, Request, SupervisorCommand};

use crate::ExitStatus;
use crate::cli::{LabArgs, LabCommand};
use crate::output::Printer;

pub(crate) fn run(args: LabArgs) -> anyhow::Result<ExitStatus> {
    let dir = args.dir;
    let mut out = Printer::new();
    match args.command {
        LabCommand::Up { hosts, base, port, user, netns, json } => {
            let config = LabConfig { dir: dir.clone(), hosts, base, port, user: user.unwrap_or_else(om_lab::current_user), netns };
            let exe = std::env::current_exe().context("cannot find the om executable to run the lab supervisor")?;
            let dir_arg = std::path::absolute(&dir).unwrap_or(dir).display().to_string();
            let supervisor = SupervisorCommand { program: exe, args: vec!["lab".into(), "--dir".into(), dir_arg, "supervise".into()] };
            let state = om_lab::up(config, supervisor)?;
            if json {
                out.json(&state)?;
            } else {
                let d = state.dir.display();
                out.line(format!("lab up: {} hosts on port {} (supervisor pid {})", state.hosts.len(), state.port, state.pid))?;
                out.line(format!("  inventory:  {d}/inventory.ini"))?;
                out.line(format!("  ssh:        ssh -F {d}/ssh_config h1"))?;
                out.line(format!("  stop:       om lab down --dir {d}"))?;
            }
        }
        LabCommand::Status { json } => {
            let Some(state) = om_lab::running(&dir)? else {
                if json {
                    out.json(&serde_json::json!({ "running": false }))?;
                } else {
                    out.line(format!("no lab is running in {}", dir.display()))?;
                }
                return Ok(ExitStatus::Error);
            };
            let hosts = om_lab::status_of(&dir)?;
            if json {
                out.json(&serde_json::json!({ "running": true, "lab": state, "hosts": hosts }))?;
            } else {
                out.line(format!("lab running in {} (supervisor pid {}, port {})", state.dir.display(), state.pid, state.port))?;
                out.line(format!("{:<8} {:<16} {:<5} {:>11} {:>8}", "HOST", "ADDRESS", "UP", "CONNECTIONS", "SESSIONS"))?;
                for h in hosts {
                    out.line(format!(
                        "{:<8} {:<16} {:<5} {:>11} {:>8}",
                        h.name,
                        h.address,
                        if h.up { "yes" } else { "no" },
                        h.connections,
                        h.sessions
                    ))?;
                }
            }
        }
        LabCommand::Down => {
            if om_lab::down(&dir)? {
                out.line(format!("lab in {} stopped", dir.display()))?;
            } else {
                out.line(format!("no lab is running in {}", dir.display()))?;
            }
        }
        LabCommand::Kill { host } => {
            om_lab::request(&dir, &Request::Kill { host: host.clone() })?;
            out.line(format!("{host}: cut off"))?;
        }
        LabCommand::Revive { host } => {
            om_lab::request(&dir, &Request::Revive { host: host.clone() })?;
            out.line(format!("{host}: back"))?;
        }
        LabCommand::Netem { host, delay, jitter, loss, clear } => {
            let netem = if clear { Netem::default() } else { Netem { delay_ms: delay, jitter_ms: jitter, loss_percent: loss } };
            om_lab::netem(&dir, &host, netem)?;
            out.line(format!("{host}: {netem}"))?;
        }
        LabCommand::Supervise => om_lab::supervise(&dir)?,
    }
    Ok(ExitStatus::Success)
}
