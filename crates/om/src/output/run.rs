//! The terminal sinks of `om run`: per-host results in ansible-core's forms (RUN-11), a live
//! progress line on a terminal's stderr, a recap with timing; `--json`'s contacted/dark
//! object (RUN-12); `--tree`'s file per host.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use om_core::event::HostCounts;
use om_core::{Event, Outcome, Sink, SinkError, Status, Vars};
use serde_json::Value;

/// Modules whose results print as `host | CHANGED | rc=0 >>` and their output.
const COMMAND_LIKE: &[&str] = &["command", "shell", "raw", "script"];

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// ansible-core's default ad-hoc form.
    Blocks,
    /// `-o`.
    OneLine,
}

/// Prints results as they arrive, the progress line, and the recap.
pub(crate) struct TerminalSink {
    out: std::io::Stdout,
    style: Style,
    modules: Vec<String>,
    hosts: usize,
    done: usize,
    counts: HostCounts,
    started: Instant,
    progress: Option<Progress>,
    tasks: usize,
}

struct Progress {
    drawn: bool,
    last: Instant,
}

impl TerminalSink {
    pub(crate) fn new(style: Style, modules: Vec<String>) -> Self {
        let progress = std::io::stderr().is_terminal().then(|| Progress { drawn: false, last: Instant::now() - Duration::from_secs(1) });
        let tasks = modules.len();
        Self {
            out: std::io::stdout(),
            style,
            modules,
            hosts: 0,
            done: 0,
            counts: HostCounts::default(),
            started: Instant::now(),
            progress,
            tasks,
        }
    }

    fn clear_progress(&mut self) {
        if let Some(p) = self.progress.as_mut()
            && p.drawn
        {
            let _ = write!(std::io::stderr(), "\r\x1b[K");
            p.drawn = false;
        }
    }

    fn draw_progress(&mut self, force: bool) {
        let total = self.hosts * self.tasks.max(1);
        let line = format!(
            "[{}/{}] ok={} changed={} failed={} unreachable={}  {:.0}/s",
            self.done,
            total,
            self.counts.ok,
            self.counts.changed,
            self.counts.failed,
            self.counts.unreachable,
            self.done as f64 / self.started.elapsed().as_secs_f64().max(0.001)
        );
        if let Some(p) = self.progress.as_mut()
            && (force || p.last.elapsed() > Duration::from_millis(100))
        {
            let _ = write!(std::io::stderr(), "\r\x1b[K{line}");
            let _ = std::io::stderr().flush();
            p.drawn = true;
            p.last = Instant::now();
        }
    }
}

impl Sink for TerminalSink {
    fn event(&mut self, event: &Event) -> Result<(), SinkError> {
        match event {
            Event::RunStarted { hosts, .. } => {
                self.hosts = *hosts;
                self.started = Instant::now();
            }
            Event::TaskStarted { task, name, .. } if self.tasks > 1 => {
                self.clear_progress();
                writeln!(self.out, "TASK [{}/{}] {name}", task + 1, self.tasks)?;
            }
            Event::HostResult { host, task, outcome } => {
                self.done += 1;
                count(&mut self.counts, outcome.status);
                self.clear_progress();
                let module = self.modules.get(*task).map(String::as_str).unwrap_or("command");
                let text = match self.style {
                    Style::Blocks => block(host, module, outcome),
                    Style::OneLine => one_line(host, module, outcome),
                };
                self.out.write_all(text.as_bytes())?;
                self.out.flush()?;
                self.draw_progress(false);
            }
            Event::Warning { message, host } => {
                self.clear_progress();
                let who = host.as_deref().map(|h| format!("{h}: ")).unwrap_or_default();
                writeln!(std::io::stderr(), "[WARNING]: {who}{message}")?;
            }
            Event::RunFinished { recap, elapsed_us } => {
                self.clear_progress();
                let mut total = HostCounts::default();
                for c in recap.hosts.values() {
                    total.ok += c.ok;
                    total.changed += c.changed;
                    total.failed += c.failed;
                    total.unreachable += c.unreachable;
                    total.skipped += c.skipped;
                }
                let secs = *elapsed_us as f64 / 1e6;
                writeln!(
                    self.out,
                    "RECAP {} hosts in {secs:.2}s: ok={} changed={} failed={} unreachable={} skipped={}",
                    recap.hosts.len(),
                    total.ok,
                    total.changed,
                    total.failed,
                    total.unreachable,
                    total.skipped
                )?;
            }
            _ => {}
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<(), SinkError> {
        self.clear_progress();
        self.out.flush()?;
        Ok(())
    }
}

fn count(c: &mut HostCounts, status: Status) {
    match status {
        Status::Ok => c.ok += 1,
        Status::Changed => {
            c.ok += 1;
            c.changed += 1;
        }
        Status::Failed => c.failed += 1,
        Status::Unreachable => c.unreachable += 1,
        Status::Skipped => c.skipped += 1,
    }
}

fn is_command(module: &str, outcome: &Outcome) -> bool {
    let short = module.rsplit('.').next().unwrap_or(module);
    COMMAND_LIKE.contains(&short) && !outcome.result.contains_key("ansible_job_id") && outcome.result.contains_key("rc")
}

/// ansible-core's minimal callback.
pub(crate) fn block(host: &str, module: &str, outcome: &Outcome) -> String {
    let r = &outcome.result;
    let mut text = match outcome.status {
        Status::Skipped => format!("{host} | SKIPPED\n"),
        Status::Unreachable => format!("{host} | UNREACHABLE! => {}\n", pretty(r)),
        status if is_command(module, outcome) => {
            let caption = match status {
                Status::Changed => "CHANGED",
                Status::Failed => "FAILED",
                _ => "SUCCESS",
            };
            let field = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            let rc = r.get("rc").map(|v| v.to_string()).unwrap_or_else(|| "-1".into());
            let mut body = field("stdout");
            body.push_str(&field("stderr"));
            body.push_str(&field("msg"));
            format!("{host} | {caption} | rc={rc} >>\n{body}\n")
        }
        Status::Failed => format!("{host} | FAILED! => {}\n", pretty(r)),
        Status::Changed => format!("{host} | CHANGED => {}\n", pretty(r)),
        Status::Ok => format!("{host} | SUCCESS => {}\n", pretty(r)),
    };
    if let Some(hint) = outcome.error.as_ref().and_then(|e| e.hint.as_deref()) {
        text.push_str(&format!("  hint: {hint}\n"));
    }
    text
}

/// ansible-core's oneline callback.
pub(crate) fn one_line(host: &str, module: &str, outcome: &Outcome) -> String {
    let r = &outcome.result;
    let escape = |s: &str| s.replace('\n', "\\n").replace('\r', "\\r");
    let field = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    match outcome.status {
        Status::Skipped => format!("{host} | SKIPPED\n"),
        Status::Unreachable => format!("{host} | UNREACHABLE!: {}\n", field("msg")),
        status if is_command(module, outcome) => {
            let caption = match status {
                Status::Changed => "CHANGED",
                Status::Failed => "FAILED",
                _ => "SUCCESS",
            };
            let rc = r.get("rc").map(|v| v.to_string()).unwrap_or_else(|| "-1".into());
            let stderr = field("stderr");
            if stderr.is_empty() {
                format!("{host} | {caption} | rc={rc} | (stdout) {}\n", escape(&field("stdout")))
            } else {
                format!("{host} | {caption} | rc={rc} | (stdout) {} (stderr) {}\n", escape(&field("stdout")), escape(&stderr))
            }
        }
        status => {
            let caption = match status {
                Status::Failed => "FAILED!",
                Status::Changed => "CHANGED",
                _ => "SUCCESS",
            };
            format!("{host} | {caption} => {}\n", compact(r))
        }
    }
}

/// JSON with sorted keys, indented by 4, as ansible-core dumps results.
pub(crate) fn pretty(result: &Vars) -> String {
    let value = sorted(&Value::Object(result.clone()));
    let mut buf = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, formatter);
    let _ = serde::Serialize::serialize(&value, &mut ser);
    String::from_utf8_lossy(&buf).into_owned()
}

/// `{"changed": false,"ping": "pong"}`: ansible's indent=0 dump with newlines removed.
fn compact(result: &Vars) -> String {
    fn write(value: &Value, out: &mut String) {
        match value {
            Value::Object(map) => {
                out.push('{');
                for (i, (k, v)) in map.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String(k.clone()).to_string());
                    out.push_str(": ");
                    write(v, out);
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(v, out);
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut out = String::new();
    write(&sorted(&Value::Object(result.clone())), &mut out);
    out
}

fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(keys.into_iter().map(|k| (k.clone(), sorted(&map[k]))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// `--json`: `{"contacted": {host: result}, "dark": {host: {...}}}` printed at the end; with
/// several tasks a host's entry is the list of its results.
pub(crate) struct ContactedSink {
    tasks: usize,
    contacted: serde_json::Map<String, Value>,
    dark: serde_json::Map<String, Value>,
}

impl ContactedSink {
    pub(crate) fn new(tasks: usize) -> Self {
        Self { tasks, contacted: serde_json::Map::new(), dark: serde_json::Map::new() }
    }
}

impl Sink for ContactedSink {
    fn event(&mut self, event: &Event) -> Result<(), SinkError> {
        if let Event::HostResult { host, outcome, .. } = event {
            let (bucket, other) = if outcome.status == Status::Unreachable {
                (&mut self.dark, &mut self.contacted)
            } else {
                (&mut self.contacted, &mut self.dark)
            };
            let value = Value::Object(outcome.result.clone());
            if self.tasks > 1 {
                if let Some(Value::Array(earlier)) = other.remove(host) {
                    bucket.insert(host.clone(), Value::Array(earlier));
                }
                match bucket.entry(host.clone()).or_insert_with(|| Value::Array(Vec::new())) {
                    Value::Array(items) => items.push(value),
                    slot => *slot = value,
                }
            } else {
                bucket.insert(host.clone(), value);
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<(), SinkError> {
        let doc = serde_json::json!({ "contacted": self.contacted, "dark": self.dark });
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, &doc)?;
        writeln!(out)?;
        Ok(())
    }
}

/// `--tree DIR`: each host's latest result as JSON in `DIR/<host>`.
pub(crate) struct TreeSink {
    dir: PathBuf,
}

impl TreeSink {
    pub(crate) fn new(dir: PathBuf) -> std::io::Result<Self> {
        std::fs::create_dir_all(&dir)?;
        Ok(Self { dir })
    }
}

impl Sink for TreeSink {
    fn event(&mut self, event: &Event) -> Result<(), SinkError> {
        if let Event::HostResult { host, outcome, .. } = event {
            let name = host.replace('/', "_");
            std::fs::write(self.dir.join(name), serde_json::to_vec(&outcome.result)?)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(status: Status, pairs: Value) -> Outcome {
        Outcome::new(status, pairs.as_object().cloned().unwrap_or_default())
    }

    #[test]
    fn command_results_print_like_ansible() {
        let o = outcome(Status::Changed, serde_json::json!({"rc": 0, "stdout": "h1", "stderr": "", "msg": "", "changed": true}));
        assert_eq!(block("h1", "command", &o), "h1 | CHANGED | rc=0 >>\nh1\n");
        let o = outcome(Status::Failed, serde_json::json!({"rc": 2, "stdout": "", "stderr": "ls: nope", "msg": "non-zero return code"}));
        assert_eq!(block("h1", "shell", &o), "h1 | FAILED | rc=2 >>\nls: nopenon-zero return code\n");
        assert_eq!(one_line("h1", "shell", &o), "h1 | FAILED | rc=2 | (stdout)  (stderr) ls: nope\n");
    }

    #[test]
    fn json_modules_print_sorted_and_indented_by_four() {
        let o = outcome(Status::Ok, serde_json::json!({"ping": "pong", "changed": false}));
        assert_eq!(block("h1", "ping", &o), "h1 | SUCCESS => {\n    \"changed\": false,\n    \"ping\": \"pong\"\n}\n");
        assert_eq!(one_line("h1", "ping", &o), "h1 | SUCCESS => {\"changed\": false,\"ping\": \"pong\"}\n");
    }
}
