//! The one gate to stdout (what the user asked for) and the one place errors are printed.
//!
//! Results, tables and JSON go through [`Printer`]; nothing else in om writes to stdout.

pub(crate) mod facts;
pub(crate) mod play;
pub(crate) mod proc;
pub(crate) mod run;

use std::io::Write;

/// Writes what the user asked for to stdout.
pub(crate) struct Printer {
    out: std::io::StdoutLock<'static>,
}

impl Printer {
    pub(crate) fn new() -> Self {
        Self { out: std::io::stdout().lock() }
    }

    /// One line of text.
    pub(crate) fn line(&mut self, text: impl std::fmt::Display) -> std::io::Result<()> {
        writeln!(self.out, "{text}")
    }

    /// A value as pretty JSON.
    pub(crate) fn json<T: serde::Serialize>(&mut self, value: &T) -> anyhow::Result<()> {
        serde_json::to_writer_pretty(&mut self.out, value)?;
        writeln!(self.out)?;
        Ok(())
    }

    /// Text as it is (a rendered report that ends in its own newline).
    pub(crate) fn text(&mut self, text: &str) -> std::io::Result<()> {
        self.out.write_all(text.as_bytes())?;
        self.out.flush()
    }

    /// One JSON document on one line (a JSON-lines stream).
    pub(crate) fn json_line<T: serde::Serialize>(&mut self, value: &T) -> anyhow::Result<()> {
        serde_json::to_writer(&mut self.out, value)?;
        writeln!(self.out)?;
        self.out.flush()?;
        Ok(())
    }

    pub(crate) fn raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.out.write_all(bytes)
    }
}

/// `--list-hosts`, as ansible-core prints it.
pub(crate) fn list_hosts(target: &om_core::Target) -> anyhow::Result<()> {
    let mut out = Printer::new();
    out.line(format!("  hosts ({}):", target.len()))?;
    for name in target.names() {
        out.line(format!("    {name}"))?;
    }
    Ok(())
}

/// A warning for the person at the terminal, as ansible-core words it.
pub(crate) fn warning(text: &str) {
    let _ = writeln!(std::io::stderr(), "[WARNING]: {text}");
}

/// Prints `text` as the book's `raw_input` did and reads one line (for `--interactive`).
pub(crate) fn prompt(text: &str) -> std::io::Result<String> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim().to_owned())
}

/// Prints an error once, with its causes; a cause line that starts with `hint:` is kept as a
/// hint under the message.
pub(crate) fn error(err: &anyhow::Error) {
    let mut text = format!("error: {err}");
    for cause in err.chain().skip(1) {
        text.push_str(&format!("\n  caused by: {cause}"));
    }
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{text}");
}

/// Whether an error comes from writing to a closed pipe.
pub(crate) fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| cause.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe))
}

/// A toolkit command could not do its job: the error once, then exit status 2.
pub(crate) fn toolkit_error(err: &anyhow::Error) -> crate::ExitStatus {
    error(err);
    crate::ExitStatus::Failed
}
