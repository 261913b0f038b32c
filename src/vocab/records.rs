//! Schema-only descriptions of JSON the engine renders by hand (the event log's JSON
//! form), so that the generated documents describe them and a test can hold real
//! responses against them.

use crate::sim::EventKind;
use schemars::JsonSchema;

/// One event-log entry as `/sim/v1/events` serves it and `--events` writes it
/// (`Event::to_json`). `module`, `level`, `id` and `message` are the product alert's,
/// when the event has one; objects are named, not numbered.
#[derive(JsonSchema)]
#[schemars(rename = "Event", deny_unknown_fields)]
#[allow(dead_code)]
pub struct EventRecord {
    pub seq: u64,
    pub t_ms: u64,
    pub kind: EventKind,
    /// The server the event was logged on.
    pub server: Option<String>,
    /// The other server: the one lost (`server-down`), the destination of a move that
    /// starts on its source.
    pub peer: Option<String>,
    pub group: Option<String>,
    pub resource: Option<String>,
    pub monitor: Option<String>,
    pub path: Option<String>,
    pub resolver: Option<String>,
    /// A product status string after the change.
    pub status: Option<String>,
    /// The fault's id (`fault-injected`, `fault-healed`).
    pub fault: Option<u64>,
    pub module: Option<String>,
    pub level: Option<AlertLevel>,
    pub id: Option<u16>,
    pub message: Option<String>,
    /// Why, in words.
    pub reason: Option<String>,
}

/// The level of a product alert.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub enum AlertLevel {
    Info,
    Warning,
    Error,
}

/// Whether a listed fault is waiting for its `at_ms` or in effect.
#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum FaultState {
    Scheduled,
    Active,
}
