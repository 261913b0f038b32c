//! What a cluster's engine task can be asked: a closed set of commands, plain data,
//! and their replies. Faces and the control API send a [`Command`] through a
//! [`ClusterHandle`](super::engine_task::ClusterHandle) and get a [`Reply`]; the
//! engine journals every [`Command::Apply`] (see [`super::journal`]).

use super::journal::Journal;
use crate::sim::{Applied, FaultInfo, Input, InputError};
use serde::Serialize;

/// A request to a cluster's engine. Each is applied at the wall instant it was sent
/// (realtime clocks catch up to it first).
#[derive(Clone, Debug)]
pub enum Command {
    /// Apply an operation, fault or heal now; journaled.
    Apply(Input),
    /// Apply an input received on server `from`'s own address: an operation is judged
    /// on what that server knows (§0); journaled with `from`.
    ApplyFrom { from: Option<usize>, input: Input },
    /// Manual clock: move virtual time forward by `ms`, processing what is due.
    Advance { ms: u64 },
    /// Realtime clock: virtual seconds per wall second from now on.
    SetSpeed { speed: f64 },
    /// Back to t=0 with `seed` (or the current seed); the journal starts again.
    Reset { seed: Option<u64> },
    /// The clock as it is now.
    Clock,
    /// Scheduled, active and (the last 1,000) ended faults.
    Faults,
    /// Log entries with `seq >= since`, at most `limit`, as JSON text.
    Events { since: u64, limit: usize },
    /// The answering server's status changes with `seq >= since`, at most `limit`
    /// (`host::history`).
    History { since: u64, limit: usize },
    /// The seed and the inputs applied since the last reset.
    Journal,
    /// Replace the state with a journal replayed to its time (a snapshot restored);
    /// rejected when the snapshot's cluster differs (checked by the handler).
    Restore(super::state::Start),
    /// Simulated ms each group has been Online since t=0, by group id.
    GroupOnlineMs,
    /// The whole cluster as server `server` knows it (the first running server's view
    /// when `None`); what the `clp*` commands read.
    View { server: Option<usize> },
    /// `/metrics`: the cluster's figures plus the listener's HTTP counters, as
    /// Prometheus text (OpenMetrics when `open_metrics`).
    Metrics {
        open_metrics: bool,
        http: super::metrics::HttpCounters,
    },
    /// Test hook: applies the input, then panics before answering, to check that the
    /// engine restores the cluster. Refused unless the cluster allows it.
    #[doc(hidden)]
    ApplyThenPanic(Input),
}

/// The clock of a cluster.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClockInfo {
    pub now_ms: u64,
    pub mode: &'static str,
    pub speed: f64,
    pub seed: u64,
}

/// The answer to a [`Command`] (one variant per command kind).
#[derive(Debug)]
pub enum Reply {
    Applied {
        result: Result<Applied, InputError>,
        /// An operator operation was in progress when this one arrived.
        busy_before: bool,
    },
    Advanced {
        now_ms: u64,
        events: usize,
        processed: u64,
    },
    Clock(ClockInfo),
    Faults(Vec<FaultInfo>),
    Events(Vec<(u64, String)>),
    History(Vec<super::history::Change>),
    Journal(Journal),
    GroupOnlineMs(Vec<u64>),
    View(Box<crate::sim::ClusterView>),
    Text(String),
}

/// Why a command got no reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EngineError {
    /// The engine panicked while running the command; the cluster was restored to its
    /// state before it (answered as a 500).
    Panicked(String),
    /// The cluster was deleted or its engine is gone.
    Gone,
    /// The input was applied and written, but the state journal's fsync failed: it
    /// may not survive a crash (answered as a 503).
    NotDurable(String),
    /// The state journal could not be written (disk full, I/O error): the input was
    /// not applied, or (an advance) its new time will not survive a restart. A 503.
    Unrecorded(String),
    /// The command does not apply (e.g. the test hook on a cluster that refuses it).
    NotAllowed(&'static str),
}

impl std::fmt::Display for EngineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EngineError::Panicked(m) => write!(f, "the simulation engine panicked: {m}"),
            EngineError::NotDurable(e) => {
                write!(f, "the state journal could not be forced to disk: {e}")
            }
            EngineError::Unrecorded(e) => f.write_str(e),
            EngineError::Gone => f.write_str("the cluster's engine has stopped"),
            EngineError::NotAllowed(m) => f.write_str(m),
        }
    }
}
