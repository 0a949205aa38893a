//! `om proc` output: a process table, one process, signals, affinity, spawn results.

use om_facts::ProcessInfo;
use om_facts::process::Spawned;
use serde_json::json;

use super::Printer;

fn mib(bytes: u64) -> String {
    format!("{:.1}M", bytes as f64 / 1024.0 / 1024.0)
}

pub(crate) fn list(out: &mut Printer, list: &[ProcessInfo], json: bool) -> anyhow::Result<()> {
    if json {
        return out.json(&list);
    }
    out.line(format!(
        "{:>7} {:>7} {:<10} {:<10} {:>8} {:>9} {:>4} {:<16} COMMAND",
        "PID", "PPID", "USER", "STATUS", "RSS", "CPU(s)", "THR", "NAME"
    ))?;
    for p in list {
        let cpu = p.cpu_times.map(|t| format!("{:.2}", t.user + t.system)).unwrap_or_else(|| "-".into());
        let cmd = p.cmdline.as_ref().map(|c| c.join(" ")).unwrap_or_default();
        out.line(format!(
            "{:>7} {:>7} {:<10} {:<10} {:>8} {:>9} {:>4} {:<16} {}",
            p.pid,
            p.ppid.map(|v| v.to_string()).unwrap_or_else(|| "-".into()),
            p.username.as_deref().unwrap_or("-"),
            p.status.as_deref().unwrap_or("-"),
            p.memory_info.map(|m| mib(m.rss)).unwrap_or_else(|| "-".into()),
            cpu,
            p.num_threads.map(|n| n.to_string()).unwrap_or_else(|| "-".into()),
            p.name.as_deref().unwrap_or("-"),
            cmd
        ))?;
    }
    Ok(())
}

pub(crate) fn show(out: &mut Printer, p: &ProcessInfo, json: bool) -> anyhow::Result<()> {
    if json {
        return out.json(p);
    }
    let value = serde_json::to_value(p)?;
    if let Some(map) = value.as_object() {
        for (k, v) in map {
            let text = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            out.line(format!("{k:<15} {text}"))?;
        }
    }
    Ok(())
}

pub(crate) fn killed(out: &mut Printer, pids: &[i32], signal: i32, json: bool) -> anyhow::Result<()> {
    if json {
        return out.json(&json!({"pids": pids, "signal": signal}));
    }
    for pid in pids {
        out.line(format!("{pid}: sent signal {signal}"))?;
    }
    Ok(())
}

pub(crate) fn affinity(out: &mut Printer, pid: i32, cpus: &[usize], json: bool) -> anyhow::Result<()> {
    if json {
        return out.json(&json!({"pid": pid, "cpus": cpus}));
    }
    let list: Vec<String> = cpus.iter().map(usize::to_string).collect();
    out.line(format!("pid {pid}'s current affinity list: {}", list.join(",")))?;
    Ok(())
}

pub(crate) fn spawned(out: &mut Printer, s: &Spawned, json: bool) -> anyhow::Result<()> {
    if json {
        return out.json(s);
    }
    out.raw(s.stdout.as_bytes())?;
    let t = s.cpu_times;
    out.line(format!(
        "pid {} exited {}; cpu times: user={:.2}s system={:.2}s children_user={:.2}s children_system={:.2}s",
        s.pid,
        s.returncode.map(|c| c.to_string()).unwrap_or_else(|| "by a signal".into()),
        t.user,
        t.system,
        t.children_user,
        t.children_system
    ))?;
    Ok(())
}
