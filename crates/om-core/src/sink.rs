//! Sinks: whatever listens to a run — a terminal, a JSON-lines stream, a database, a browser.
//!
//! The executor never prints; it hands each [`Event`] to one [`Fanout`], which gives it to
//! every sink in turn. Each sink lives in the crate that owns its medium; the JSON-lines sink
//! is here because it needs nothing but `serde_json`.

use std::io::Write;

use crate::Event;

#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error("cannot write events")]
    Io(#[from] std::io::Error),
    #[error("cannot encode an event")]
    Encode(#[from] serde_json::Error),
}

/// Something that listens to a run.
pub trait Sink: Send {
    fn event(&mut self, event: &Event) -> Result<(), SinkError>;

    /// Called once after the last event.
    fn finish(&mut self) -> Result<(), SinkError> {
        Ok(())
    }
}

/// Hands every event to every sink, in the order the sinks were added.
#[derive(Default)]
pub struct Fanout {
    sinks: Vec<Box<dyn Sink>>,
}

impl Fanout {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, sink: Box<dyn Sink>) {
        self.sinks.push(sink);
    }

    pub fn is_empty(&self) -> bool {
        self.sinks.is_empty()
    }
}

impl Sink for Fanout {
    fn event(&mut self, event: &Event) -> Result<(), SinkError> {
        self.sinks.iter_mut().try_for_each(|s| s.event(event))
    }

    fn finish(&mut self) -> Result<(), SinkError> {
        self.sinks.iter_mut().try_for_each(|s| s.finish())
    }
}

/// Writes each event as one line of JSON (`--events`).
pub struct JsonLinesSink<W: Write + Send> {
    out: W,
}

impl<W: Write + Send> JsonLinesSink<W> {
    pub fn new(out: W) -> Self {
        Self { out }
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write + Send> Sink for JsonLinesSink<W> {
    fn event(&mut self, event: &Event) -> Result<(), SinkError> {
        serde_json::to_writer(&mut self.out, event)?;
        self.out.write_all(b"\n")?;
        Ok(())
    }

    fn finish(&mut self) -> Result<(), SinkError> {
        self.out.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_sink_writes_one_event_per_line() {
        let mut sink = JsonLinesSink::new(Vec::new());
        sink.event(&Event::TaskFinished { task: 0 }).expect("writes");
        sink.event(&Event::TaskFinished { task: 1 }).expect("writes");
        let text = String::from_utf8(sink.into_inner()).expect("utf-8");
        assert_eq!(text.lines().count(), 2);
        assert!(text.ends_with("{\"event\":\"task_finished\",\"task\":1}\n"));
    }
}
