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
    /// `t_ms` on the simulated calendar (`settings.epoch`), ISO 8601 in UTC.
    pub time: String,
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

/// `GET /sim/v1/vocabulary`: what the dashboard builds its forms and graph from.
#[derive(JsonSchema)]
#[schemars(rename = "Vocabulary")]
#[allow(dead_code)]
pub struct VocabularyRecord {
    /// Fault kind -> its fields (the `POST /sim/v1/faults` body, besides `kind`).
    pub fault_kinds: std::collections::BTreeMap<String, Vec<FieldRecord>>,
    /// Timing fields every fault takes.
    pub fault_timing: Vec<String>,
    /// Operation (`op`) -> its fields.
    pub operations: std::collections::BTreeMap<String, Vec<FieldRecord>>,
    pub event_kinds: Vec<EventKind>,
    pub statuses: Vec<super::Status>,
    /// Resource type -> its tier in the default dependency order.
    pub resource_tiers: std::collections::BTreeMap<String, u8>,
    /// This cluster's resources -> the resources each depends on, as the engine resolved
    /// them (explicit `depends_on`, else every resource of its group in a lower tier).
    pub dependencies: std::collections::BTreeMap<String, Vec<String>>,
}

/// One field of a fault kind or an operation, read from the type's schema.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct FieldRecord {
    pub name: String,
    pub required: bool,
    /// The JSON type (or types, when it may be null).
    #[serde(rename = "type")]
    pub json_type: serde_json::Value,
    /// The choices, for a field that takes one of a few words.
    #[serde(rename = "enum")]
    pub choices: Option<Vec<String>>,
    pub description: Option<String>,
    pub items: Option<serde_json::Value>,
    pub minimum: Option<serde_json::Value>,
    /// The cluster file sections whose names the field takes (`servers`, `heartbeats`,
    /// `resources`, ...); absent for free values.
    pub names: Option<Vec<String>>,
}
