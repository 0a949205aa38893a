//! The shared model of om: what every crate in the flow agrees on.
//!
//! ```text
//! targets ──► plan ──► executor ──► transport ──► per-host events ──► sinks
//! Target      Plan     (om-exec)    Connection    Event / Outcome      Sink
//! ```
//!
//! A [`Target`] is a resolved set of [`Host`]s; a [`Task`] is one module call with its
//! control keywords and the [`Span`] it was written at; running a task on a host produces an
//! [`Outcome`], and everything that happens during a run is an [`Event`] handed to every
//! [`Sink`]. Errors say where: a [`Span`] for what the user wrote, a host and a [`Phase`] for
//! what happened on the fleet ([`HostError`]).

pub mod args;
pub mod event;
pub mod host;
pub mod outcome;
pub mod phase;
pub mod secret;
pub mod sink;
pub mod span;
pub mod task;
pub mod transport;

pub use args::{ArgsError, parse_free_form, python_replacement};
pub use event::{EVENT_FORMAT_VERSION, Event, HostCounts, Recap, Stream};
pub use host::{Host, Target, Vars};
pub use outcome::{HostError, Outcome, Status};
pub use phase::Phase;
pub use secret::Secret;
pub use sink::{Fanout, JsonLinesSink, Sink, SinkError};
pub use span::Span;
pub use task::Task;
pub use transport::{
    Connection, Connector, Escalation, EscalationMethod, ExecOutput, ExecRequest, ModuleCall, ModuleJob, ModuleReply, OutputChunk,
    OutputFn, Signal, UnknownEscalationMethod,
};
