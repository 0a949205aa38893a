//! `om play`'s terminal output, as ansible-playbook's default callback prints it without
//! colour: banners padded with `*` to 80 columns, `ok:`/`changed:`/`skipping:`/`fatal:`
//! lines, item lines for loops, and the `PLAY RECAP`.

use std::io::Write;

use om_core::{Event, Outcome, Sink, SinkError, Status};
use serde_json::Value;

use crate::cli::PlayArgs;

/// Prints a playbook run as ansible-playbook does.
pub(crate) struct PlaySink {
    out: std::io::Stdout,
    /// Files (and loop labels) the current include task loaded, with their hosts; printed
    /// as one `included:` line each when the task ends.
    included: Vec<(String, Option<String>, Vec<String>)>,
    /// `--diff`: print what changed.
    diff: bool,
    /// The module of the task in progress (`debug` results print without `changed`).
    module: String,
    /// `-v`: every result with its JSON (indented from `-vvv`).
    verbose: u8,
    /// Where the task in progress was written, for ansible-core 2.19's `[ERROR]` excerpt.
    span: Option<om_core::Span>,
    /// `-vv`: each playbook (as named on the command line) and its number of plays, for the
    /// `PLAYBOOK:` banner printed when its run starts.
    books: std::collections::VecDeque<(String, usize)>,
}

impl PlaySink {
    /// A sink for `books` (each playbook as named and its number of plays), run in order.
    pub(crate) fn new(diff: bool, verbose: u8, books: Vec<(String, usize)>) -> Self {
        Self { out: std::io::stdout(), included: Vec::new(), diff, module: String::new(), verbose, span: None, books: books.into() }
    }

    /// `-vv`: `task path: FILE:LINE` under a task banner, as ansible-playbook prints it.
    fn task_path(&mut self) -> Result<(), SinkError> {
        match (&self.span, self.verbose >= 2) {
            (Some(span), true) => {
                let text = format!("task path: {}:{}", span.file, span.line);
                self.line(&text)
            }
            _ => Ok(()),
        }
    }

    /// The module's `diff` (one or a list) as ansible-core's callback prints it.
    fn print_diff(&mut self, outcome: &Outcome) -> Result<(), SinkError> {
        if !self.diff || !flag(outcome, "changed") {
            return Ok(());
        }
        let diffs = match outcome.result.get("diff") {
            Some(Value::Array(list)) => list.clone(),
            Some(d @ Value::Object(_)) => vec![d.clone()],
            _ => return Ok(()),
        };
        for d in diffs {
            let text = |key: &str| -> Option<String> {
                match d.get(key)? {
                    Value::String(s) => Some(s.clone()),
                    other => Some(format!("{}\n", python_json(&sorted(other), Some(4), 0).replace(", ", ","))),
                }
            };
            let (Some(before), Some(after)) = (text("before"), text("after")) else { continue };
            let header = |key: &str, word: &str| match d.get(key).and_then(Value::as_str) {
                Some(h) if h.starts_with(&format!("{word}:")) => h.to_string(),
                Some(h) => format!("{word}: {h}"),
                None => word.to_string(),
            };
            let out = unified_diff(&before, &after, &header("before_header", "before"), &header("after_header", "after"));
            if !out.is_empty() {
                writeln!(self.out, "{out}").map_err(SinkError::from)?;
            }
        }
        Ok(())
    }

    fn flush_included(&mut self) -> Result<(), SinkError> {
        for (file, label, hosts) in std::mem::take(&mut self.included) {
            let item = label.map(|l| format!(" => (item={l})")).unwrap_or_default();
            self.line(&format!("included: {file} for {}{item}", hosts.join(", ")))?;
        }
        Ok(())
    }

    fn line(&mut self, text: &str) -> Result<(), SinkError> {
        writeln!(self.out, "{text}").map_err(SinkError::from)
    }
}

/// Actions that run on the controller: their failures are "Action failed".
const CONTROLLER_ACTIONS: &[&str] = &["fail", "assert", "debug", "set_fact", "include_vars", "pause", "group_by", "add_host"];

/// ansible-core 2.19's error report: the message, `Origin: file:line:col`, and the three
/// lines up to the task with a caret under its column.
fn error_block(message: &str, span: Option<&om_core::Span>) -> String {
    let mut out = format!("[ERROR]: {message}");
    let Some(span) = span else { return out };
    out.push_str(&format!("\nOrigin: {span}\n"));
    let Ok(text) = std::fs::read_to_string(&*span.file) else { return out };
    let line = span.line as usize;
    let first = line.saturating_sub(2).max(1);
    let width = line.to_string().len();
    out.push('\n');
    for (n, l) in text.lines().enumerate().map(|(i, l)| (i + 1, l)).filter(|(n, _)| (first..=line).contains(n)) {
        out.push_str(format!("{n:>width$} {l}").trim_end());
        out.push('\n');
    }
    out.push_str(&format!("{}^ column {}\n", " ".repeat(width + span.column as usize), span.column));
    out
}

/// `\nNAME ****…`: the text and stars, 80 columns in all (at least three stars).
fn banner(text: &str) -> String {
    let stars = 79usize.saturating_sub(text.chars().count()).max(3);
    format!("\n{text} {}", "*".repeat(stars))
}

/// ansible-core's `_dump_results`: sorted keys, internal keys, `failed` and (for `debug`)
/// `changed` dropped; indented when asked.
fn dump(result: &om_core::Vars, indent: bool, debug: bool) -> String {
    // ansible-core's _clean_results: `debug` shows its msg alone, or its var without status keys.
    let debug_msg = debug && result.contains_key("msg");
    let mut clean: Vec<(&String, &Value)> = result
        .iter()
        .filter(|(k, _)| !(k.starts_with("_ansible") || matches!(k.as_str(), "invocation" | "failed")))
        .filter(|(k, _)| !debug_msg || matches!(k.as_str(), "msg" | "exception" | "warnings" | "deprecations"))
        .filter(|(k, _)| {
            !debug
                || !matches!(k.as_str(), "changed" | "skipped" | "skip_reason" | "ansible_loop_var" | "ansible_index_var" | "ansible_loop")
        })
        .collect();
    clean.sort_by(|a, b| a.0.cmp(b.0));
    let map: serde_json::Map<String, Value> = clean.into_iter().map(|(k, v)| (k.clone(), sorted(v))).collect();
    let value = Value::Object(map);
    if indent { python_json(&value, Some(4), 0) } else { python_json(&value, None, 0) }
}

fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k.clone(), sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// `json.dumps` with Python's separators (`, ` and `: ` inline; `,` and `: ` indented).
fn python_json(value: &Value, indent: Option<usize>, level: usize) -> String {
    let pad = |l: usize| indent.map(|n| " ".repeat(n * l)).unwrap_or_default();
    match value {
        Value::Object(map) if !map.is_empty() => {
            let items: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}{}: {}", pad(level + 1), Value::String(k.clone()), python_json(v, indent, level + 1)))
                .collect();
            match indent {
                Some(_) => format!("{{\n{}\n{}}}", items.join(",\n"), pad(level)),
                None => format!("{{{}}}", items.join(", ")),
            }
        }
        Value::Array(list) if !list.is_empty() => {
            let items: Vec<String> = list.iter().map(|v| format!("{}{}", pad(level + 1), python_json(v, indent, level + 1))).collect();
            match indent {
                Some(_) => format!("[\n{}\n{}]", items.join(",\n"), pad(level)),
                None => format!("[{}]", items.join(", ")),
            }
        }
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
        Value::Number(n) if n.is_f64() => om_template::python::number_repr(n),
        other => other.to_string(),
    }
}

fn flag(outcome: &Outcome, key: &str) -> bool {
    outcome.result.get(key).and_then(Value::as_bool).unwrap_or(false)
}

impl Sink for PlaySink {
    fn event(&mut self, event: &Event) -> Result<(), SinkError> {
        match event {
            Event::PlayStarted { name, .. } => self.line(&banner(&format!("PLAY [{name}]"))),
            Event::TaskStarted { name, module, span, .. } => {
                self.module.clone_from(module);
                self.span.clone_from(span);
                self.line(&banner(&format!("TASK [{name}]")))?;
                self.task_path()
            }
            Event::HandlerStarted { name, module, span, .. } => {
                self.module.clone_from(module);
                self.span.clone_from(span);
                self.line(&banner(&format!("RUNNING HANDLER [{name}]")))?;
                self.task_path()
            }
            Event::RunStarted { .. } => match self.books.pop_front() {
                Some((path, plays)) if self.verbose >= 2 => {
                    let name = std::path::Path::new(&path).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                    self.line(&banner(&format!("PLAYBOOK: {name}")))?;
                    self.line(&format!("{plays} plays in {path}"))
                }
                _ => Ok(()),
            },
            Event::Warning { message, .. } if message == "skipping: no hosts matched" || message.starts_with("FAILED - RETRYING: ") => {
                self.line(message)
            }
            // ansible-core ends the playbook without a banner when every host has failed.
            Event::Warning { message, .. } if message == "NO MORE HOSTS LEFT" => Ok(()),
            // -vvv: om's own connection lines in ansible-playbook's `<host> …` shape.
            Event::Connection { host, message } if self.verbose >= 3 => self.line(&format!("<{host}> {message}")),
            Event::Warning { message, .. } => {
                let _ = writeln!(std::io::stderr(), "[WARNING]: {message}");
                Ok(())
            }
            Event::TaskFinished { .. } => self.flush_included(),
            // An include's own results print nothing; each file it loaded prints once.
            Event::HostResult { host, outcome, .. } if flag(outcome, "_ansible_include") && outcome.status == Status::Ok => {
                if flag(outcome, "_ansible_included") {
                    let file = outcome.result.get("include").and_then(Value::as_str).unwrap_or_default().to_string();
                    let label =
                        outcome.result.get("_ansible_item_label").map(|l| l.as_str().map(str::to_string).unwrap_or_else(|| l.to_string()));
                    match self.included.iter_mut().find(|(f, l, _)| *f == file && *l == label) {
                        Some((_, _, hosts)) => hosts.push(host.clone()),
                        None => self.included.push((file, label, vec![host.clone()])),
                    }
                }
                Ok(())
            }
            Event::HostResult { host, outcome, .. } => {
                self.print_diff(outcome)?;
                // As ansible-core's _dump_results: no diff below -vvv, no exception, and a
                // skipped result without its `skipped` flag; a loop's skipped summary without
                // its items (each was shown on its own line).
                let mut shown = outcome.clone();
                if self.verbose < 3 {
                    shown.result.remove("diff");
                }
                shown.result.remove("exception");
                if outcome.status == Status::Skipped {
                    shown.result.remove("skipped");
                    shown.result.remove("results");
                }
                let outcome = &shown;
                let host = &match outcome.result.get("_ansible_delegated_to").and_then(Value::as_str) {
                    Some(to) if to != host => format!("{host} -> {to}"),
                    _ => host.clone(),
                };
                let indent = flag(outcome, "_ansible_verbose_always") || self.verbose >= 3;
                let verbose = indent || self.verbose > 0;
                let ignored = flag(outcome, "_ansible_ignored");
                let label =
                    outcome.result.get("_ansible_item_label").map(|l| l.as_str().map(str::to_string).unwrap_or_else(|| l.to_string()));
                let looped = outcome.result.contains_key("results") && outcome.result.get("results").is_some_and(Value::is_array);
                let text = match (outcome.status, &label) {
                    (Status::Ok | Status::Changed, Some(label)) => {
                        let word = if outcome.status == Status::Changed { "changed" } else { "ok" };
                        let mut s = format!("{word}: [{host}] => (item={label})");
                        if verbose {
                            s.push_str(&format!(" => {}", dump(&outcome.result, indent, self.module == "debug")));
                        }
                        Some(s)
                    }
                    (Status::Skipped, Some(label)) => {
                        let mut s = format!("skipping: [{host}] => (item={label}) ");
                        if verbose {
                            s.push_str(&format!(" => {}", dump(&outcome.result, indent, self.module == "debug")));
                        }
                        Some(s)
                    }
                    (Status::Failed | Status::Unreachable, Some(label)) => {
                        Some(format!("failed: [{host}] (item={label}) => {}", dump(&outcome.result, false, self.module == "debug")))
                    }
                    (Status::Ok | Status::Changed, None) if looped => None,
                    (Status::Failed, None) if looped => None,
                    (Status::Skipped, None) if self.verbose > 0 => {
                        Some(format!("skipping: [{host}] => {}", dump(&outcome.result, indent, self.module == "debug")))
                    }
                    (Status::Skipped, None) => Some(format!("skipping: [{host}]")),
                    (Status::Ok, None) if verbose => {
                        Some(format!("ok: [{host}] => {}", dump(&outcome.result, indent, self.module == "debug")))
                    }
                    (Status::Ok, None) => Some(format!("ok: [{host}]")),
                    (Status::Changed, None) if verbose => {
                        Some(format!("changed: [{host}] => {}", dump(&outcome.result, indent, self.module == "debug")))
                    }
                    (Status::Changed, None) => Some(format!("changed: [{host}]")),
                    (Status::Failed, None) => {
                        Some(format!("fatal: [{host}]: FAILED! => {}", dump(&outcome.result, false, self.module == "debug")))
                    }
                    (Status::Unreachable, None) => {
                        Some(format!("fatal: [{host}]: UNREACHABLE! => {}", dump(&outcome.result, false, self.module == "debug")))
                    }
                };
                if outcome.status == Status::Failed && !looped {
                    let msg = outcome.result.get("msg").and_then(Value::as_str).unwrap_or("failed");
                    let kind = if CONTROLLER_ACTIONS.contains(&self.module.as_str()) { "Action" } else { "Module" };
                    self.line(&error_block(&format!("Task failed: {kind} failed: {msg}"), self.span.as_ref()))?;
                }
                if let Some(text) = text {
                    self.line(&text)?;
                }
                if ignored && label.is_none() {
                    self.line("...ignoring")?;
                }
                Ok(())
            }
            Event::RunFinished { recap, .. } => {
                self.line(&banner("PLAY RECAP"))?;
                for (host, c) in &recap.hosts {
                    self.line(&format!(
                        "{host:<26} : ok={:<4} changed={:<4} unreachable={:<4} failed={:<4} skipped={:<4} rescued={:<4} ignored={:<4}",
                        c.ok, c.changed, c.unreachable, c.failed, c.skipped, c.rescued, c.ignored
                    ))?;
                }
                self.line("")?;
                self.out.flush().map_err(SinkError::from)
            }
            _ => Ok(()),
        }
    }
}

/// Lines with their newline; a last line without one gets Python difflib's marker.
fn diff_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
    if let Some(last) = lines.last_mut()
        && !last.ends_with('\n')
    {
        last.push_str("\n\\ No newline at end of file\n");
    }
    lines
}

/// `difflib.unified_diff` with three lines of context.
fn unified_diff(before: &str, after: &str, from: &str, to: &str) -> String {
    let (a, b) = (diff_lines(before), diff_lines(after));
    if a.len() * b.len() > 4_000_000 {
        return format!("--- {from}\n+++ {to}\n@@ too large to diff @@\n");
    }
    // Longest common subsequence, then edit operations: (tag, a range, b range).
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let mut ops: Vec<(char, usize, usize)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            ops.push((' ', i, j));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push(('-', i, j));
            i += 1;
        } else {
            ops.push(('+', i, j));
            j += 1;
        }
    }
    let changes: Vec<usize> = ops.iter().enumerate().filter(|(_, o)| o.0 != ' ').map(|(k, _)| k).collect();
    if changes.is_empty() {
        return String::new();
    }
    // Hunks: changes closer than 2 × context share one.
    let context = 3;
    let mut hunks: Vec<(usize, usize)> = Vec::new();
    for &k in &changes {
        let start = k.saturating_sub(context);
        let end = (k + context + 1).min(ops.len());
        match hunks.last_mut() {
            Some(h) if start <= h.1 => h.1 = end,
            _ => hunks.push((start, end)),
        }
    }
    let range = |start: usize, len: usize| match len {
        1 => format!("{}", start + 1),
        0 => format!("{start},0"),
        _ => format!("{},{len}", start + 1),
    };
    let mut out = format!("--- {from}\n+++ {to}\n");
    for (start, end) in hunks {
        let slice = &ops[start..end];
        let a_len = slice.iter().filter(|o| o.0 != '+').count();
        let b_len = slice.iter().filter(|o| o.0 != '-').count();
        let (a0, b0) = (slice[0].1, slice[0].2);
        out.push_str(&format!("@@ -{} +{} @@\n", range(a0, a_len), range(b0, b_len)));
        for &(tag, i, j) in slice {
            let line = if tag == '+' { &b[j] } else { &a[i] };
            out.push(tag);
            out.push_str(line);
        }
    }
    out
}

/// `--rewrite`: the modernised text on stdout, what changed on stderr.
pub(crate) fn rewrite(files: &[std::path::PathBuf]) -> anyhow::Result<()> {
    let mut out = super::Printer::new();
    for file in files {
        let text = std::fs::read_to_string(file).map_err(|e| anyhow::anyhow!("cannot read `{}`: {e}", file.display()))?;
        let (new, changes) = om_play::rewrite::rewrite(&text);
        for (line, what) in changes {
            let _ = writeln!(std::io::stderr(), "{}:{line}: {what}", file.display());
        }
        out.text(&new)?;
    }
    Ok(())
}

/// `--syntax-check`: the playbooks loaded.
pub(crate) fn syntax_ok(books: &[std::path::PathBuf]) -> anyhow::Result<()> {
    let mut out = super::Printer::new();
    for b in books {
        out.line("")?;
        out.line(format!("playbook: {}", b.display()))?;
    }
    Ok(())
}

/// `--list-hosts`, `--list-tasks`, `--list-tags` as ansible-playbook prints them.
pub(crate) fn listings(args: &PlayArgs, books: &[om_play::Playbook], runner: &om_play::Runner) -> anyhow::Result<()> {
    let mut out = super::Printer::new();
    let tags = if args.tags.is_empty() { vec!["all".to_string()] } else { args.tags.clone() };
    let selected = |task_tags: &[String]| om_play::list::selected(task_tags, &tags, &args.skip_tags);
    for (book, path) in books.iter().zip(&args.playbooks) {
        out.line("")?;
        out.line(format!("playbook: {}", path.display()))?;
        let plays = om_play::list::listing(book, |p| runner.play_hosts(p), selected)?;
        for play in plays {
            out.line("")?;
            out.line(format!("  play #{} ({}): {}\tTAGS: [{}]", play.index, play.pattern, play.name, play.tags.join(", ")))?;
            if args.list_hosts {
                out.line(format!("    pattern: [{}]", play.pattern.split(',').map(|p| format!("'{p}'")).collect::<Vec<_>>().join(", ")))?;
                out.line(format!("    hosts ({}):", play.hosts.len()))?;
                for h in &play.hosts {
                    out.line(format!("      {h}"))?;
                }
            }
            if args.list_tags {
                let mut all: Vec<String> = play.tasks.iter().flat_map(|(_, t)| t.clone()).chain(play.tags.clone()).collect();
                all.sort();
                all.dedup();
                out.line(format!("      TASK TAGS: [{}]", all.join(", ")))?;
            }
            if args.list_tasks {
                out.line("    tasks:")?;
                for (name, t) in &play.tasks {
                    out.line(format!("      {name}\tTAGS: [{}]", t.join(", ")))?;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banners_are_80_columns_and_json_is_pythons() {
        assert_eq!(banner("PLAY [all]").len(), 81);
        let mut r = om_core::Vars::new();
        r.insert("msg".into(), "hi".into());
        r.insert("changed".into(), false.into());
        r.insert("_ansible_verbose_always".into(), true.into());
        assert_eq!(dump(&r, true, true), "{\n    \"msg\": \"hi\"\n}", "debug results drop `changed`");
        r.insert("failed".into(), true.into());
        assert_eq!(dump(&r, false, false), r#"{"changed": false, "msg": "hi"}"#);
    }

    #[test]
    fn diffs_are_difflib_unified() {
        let before = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let after = "a\nb\nc\nd\nE\nf\ng\nh\n";
        assert_eq!(
            unified_diff(before, after, "before: /x", "after: t.j2"),
            "--- before: /x\n+++ after: t.j2\n@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n"
        );
        assert_eq!(unified_diff("", "x\n", "before", "after"), "--- before\n+++ after\n@@ -0,0 +1 @@\n+x\n");
        assert_eq!(unified_diff("same\n", "same\n", "a", "b"), "");
    }
}
