//! Events: everything that happens during a run, in order, as sinks receive them.
//!
//! The JSON-lines form of these events (`--events`) is a contract with scripts: each event is
//! one object with an `event` field naming its kind, and `run_started` carries
//! [`EVENT_FORMAT_VERSION`]. Fields are only ever added; a change that removes or retypes one
//! bumps the version.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{Outcome, Span, Status};

/// Version of the JSON-lines event format.
pub const EVENT_FORMAT_VERSION: u32 = 1;

/// Which output stream a chunk came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stream {
    Stdout,
    Stderr,
}

/// One thing that happened during a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A run began: `kind` is what started it (`run`, `play`, `action`…), `hosts` how many
    /// hosts it targets.
    RunStarted { version: u32, run_id: String, kind: String, hosts: usize, at: DateTime<Utc> },
    /// A play began (playbooks only).
    PlayStarted {
        name: String,
        hosts: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        span: Option<Span>,
    },
    /// A task began on `hosts` hosts; `task` numbers tasks from 0 within the run.
    TaskStarted {
        task: usize,
        name: String,
        module: String,
        hosts: usize,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        span: Option<Span>,
    },
    /// A handler began on `hosts` hosts (playbooks only); numbered like tasks.
    HandlerStarted {
        task: usize,
        name: String,
        module: String,
        hosts: usize,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        span: Option<Span>,
    },
    /// A chunk of live output from a host (lossy UTF-8).
    Output { host: String, task: usize, stream: Stream, data: String },
    /// A host finished a task.
    HostResult { host: String, task: usize, outcome: Outcome },
    /// Every host finished a task.
    TaskFinished { task: usize },
    /// Something the user should know that is not a result.
    Warning {
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        host: Option<String>,
    },
    /// Something about the connection to a host (established, reconnected, its agent):
    /// `-vvv`'s `<host> …` lines.
    Connection { host: String, message: String },
    /// The run ended; the recap counts every host's results.
    RunFinished { recap: Recap, elapsed_us: u64 },
}

/// Per-host counts, as in `PLAY RECAP`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostCounts {
    pub ok: u32,
    pub changed: u32,
    pub unreachable: u32,
    pub failed: u32,
    pub skipped: u32,
    pub rescued: u32,
    pub ignored: u32,
}

/// The recap of a run: counts per host, in host-name order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Recap {
    pub hosts: BTreeMap<String, HostCounts>,
}

impl Recap {
    /// Counts one result. As in ansible-core, `changed` also counts as `ok`.
    pub fn record(&mut self, host: &str, status: Status) {
        let counts = self.hosts.entry(host.to_string()).or_default();
        match status {
            Status::Ok => counts.ok += 1,
            Status::Changed => {
                counts.ok += 1;
                counts.changed += 1;
            }
            Status::Failed => counts.failed += 1,
            Status::Unreachable => counts.unreachable += 1,
            Status::Skipped => counts.skipped += 1,
        }
    }

    pub fn any_failed(&self) -> bool {
        self.hosts.values().any(|c| c.failed > 0)
    }

    pub fn any_unreachable(&self) -> bool {
        self.hosts.values().any(|c| c.unreachable > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_serialize_with_a_kind_tag() {
        let e = Event::TaskFinished { task: 3 };
        assert_eq!(serde_json::to_string(&e).expect("serializes"), r#"{"event":"task_finished","task":3}"#);
    }

    #[test]
    fn changed_counts_as_ok_too() {
        let mut r = Recap::default();
        r.record("h1", Status::Changed);
        r.record("h1", Status::Failed);
        let c = r.hosts["h1"];
        assert_eq!((c.ok, c.changed, c.failed), (1, 1, 1));
        assert!(r.any_failed() && !r.any_unreachable());
    }
}
