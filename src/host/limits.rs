//! Every limit of `serve` in one place (issue #12): what one request may ask of the
//! engine, how long a connection may take, how much is kept. docs/limits.md lists
//! them with their defaults; nothing a client sends can freeze, starve or exhaust the
//! server. Checks that refuse an input return a message naming the limit (a 400).

use std::time::Duration;

/// Longest virtual time one `POST /sim/v1/clock/advance` may ask for: 366 days.
/// Longer stretches are several calls (each answers when done).
pub const MAX_ADVANCE_MS: u64 = 366 * 86_400_000;
/// Latest virtual time anything may be scheduled at, and the longest fault
/// `duration_ms`: 100 years. Far enough for any scenario, far from u64 overflow.
pub const MAX_TIME_MS: u64 = 100 * 365 * 86_400_000;
/// Realtime speed range (virtual seconds per wall second).
pub const MIN_SPEED: f64 = 0.001;
pub const MAX_SPEED: f64 = 1_000_000.0;
/// Engine events processed per slice of a long advance or realtime catch-up; between
/// slices the engine publishes a snapshot and answers other commands.
pub const SLICE_EVENTS: u64 = 20_000;
/// Largest `limit` of one `GET /sim/v1/events` page (also its default).
pub const MAX_EVENTS_LIMIT: usize = 10_000;
/// Log entries kept per cluster; older ones are dropped (counted in `dropped` of
/// the `X-Events-Dropped` header of `GET /sim/v1/events`).
pub const EVENT_LOG_RETENTION: usize = 20_000;

/// A connection must send a complete request header within this time of its first
/// byte.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// A request body must arrive completely within this time of its header.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// An idle keep-alive connection (no request in flight, nothing sent) is closed after
/// this time.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// `/api/v1` (and every other non-stream) requests handled at once per listener
/// [doc: 64 API connections per server]; a request counts from when its body has
/// arrived until its answer is ready, so idle and slow sockets never hold a slot.
pub const MAX_REQUESTS: usize = 64;
/// What a request finds when all [`MAX_REQUESTS`] slots of its listener are taken
/// (`--past-max-connections`). The reference gives the maximum, not what happens past
/// it [doc: 64 API connections per server]; its API service runs on Node.js, whose
/// `server.maxConnections` closes a connection past the maximum without an answer, so
/// `drop` is the default [assume].
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PastMax {
    /// The connection is closed without an answer (the client sees an empty reply).
    Drop,
    /// The request waits until a slot is free.
    Wait,
}

/// What a per-server address does while its server is powered off (`--dead-address`).
/// A powered-off host answers no SYN, so a client's *connect* times out [infer:
/// behaviour §0]; a hung server's kernel still accepts, whatever this says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum DeadAddress {
    /// Connects time out, as to a powered-off host: nothing is accepted and the listen
    /// queue is kept full, so the kernel drops further SYNs (Linux).
    #[default]
    Timeout,
    /// Connects are refused at once (a host whose port is closed).
    Refuse,
    /// Connects complete and requests wait unanswered, as on a hung server.
    Hang,
}

/// Longest `ms` of the hidden `POST /sim/v1/test/hold` (a slow request, for tests).
pub const MAX_TEST_HOLD_MS: u64 = 10_000;

/// Open sockets per listener (idle, reading, streaming); past it, new clients wait in
/// the backlog.
pub const MAX_OPEN_CONNECTIONS: usize = 4_096;
/// Listen backlog: absorbs a burst of a few hundred clients without SYN retries.
pub const LISTEN_BACKLOG: u32 = 1_024;
/// Open `/sim/v1/events/stream` streams per listener; past it a 503.
pub const MAX_EVENT_STREAMS: usize = 256;
/// Event streams send a comment this often, so dead clients are noticed.
pub const STREAM_HEARTBEAT: Duration = Duration::from_secs(15);
/// How long in-flight requests may finish after a shutdown or cluster removal.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);
/// How long removing a cluster waits for its listeners' accept tasks to end (they
/// end as soon as they see the stop; the bound only guards a stuck task).
pub const LISTENER_CLOSE_WAIT: Duration = Duration::from_secs(5);
/// Distinct user names one source may fail for within a lockout window before the
/// whole source is locked out (the lockout stays per source and user otherwise).
pub const AUTH_USERS_PER_SOURCE: usize = 16;
/// Sources with failures on record at most. While it is full of live entries, a new
/// source is refused (403) until entries expire: the table never forgets a count.
pub const AUTH_MAX_SOURCES: usize = 10_000;

/// `ms` of an advance: at most [`MAX_ADVANCE_MS`].
pub fn check_advance(ms: u64) -> Result<u64, String> {
    if ms > MAX_ADVANCE_MS {
        return Err(format!(
            "ms must be at most {MAX_ADVANCE_MS} (366 days) per advance; advance in several steps"
        ));
    }
    Ok(ms)
}

/// A realtime speed: finite, within [`MIN_SPEED`]..=[`MAX_SPEED`].
pub fn check_speed(speed: f64) -> Result<f64, String> {
    if speed.is_finite() && (MIN_SPEED..=MAX_SPEED).contains(&speed) {
        Ok(speed)
    } else {
        Err(format!(
            "speed must be a number from {MIN_SPEED} to {MAX_SPEED}, not {speed}"
        ))
    }
}

/// A fault's `at_ms` and `duration_ms`: each at most [`MAX_TIME_MS`].
pub fn check_fault_times(at_ms: Option<u64>, duration_ms: Option<u64>) -> Result<(), String> {
    for (name, v) in [("at_ms", at_ms), ("duration_ms", duration_ms)] {
        if v.is_some_and(|v| v > MAX_TIME_MS) {
            return Err(format!(
                "{name} must be at most {MAX_TIME_MS} (100 years), not {}",
                v.unwrap_or(0)
            ));
        }
    }
    Ok(())
}

/// An events page `limit`: at most [`MAX_EVENTS_LIMIT`].
pub fn check_events_limit(limit: usize) -> Result<usize, String> {
    if limit > MAX_EVENTS_LIMIT {
        return Err(format!(
            "limit must be at most {MAX_EVENTS_LIMIT}; page on with since"
        ));
    }
    Ok(limit)
}

/// File size and YAML depth limits live with the model, so every loader applies them.
pub use crate::model::limits::{check_yaml, MAX_FILE_BYTES, MAX_YAML_DEPTH};

/// Servers a cluster created by `POST /sim/v1/clusters` may have, with
/// `lift_product_limits` or not (the product's own limit is 32): a remote client's
/// cluster stays small enough that one partition fault is a fraction of a second of
/// engine time. Fleet files and the command line are the operator's and not bounded.
pub const MAX_POSTED_SERVERS: usize = 256;
/// Clusters one process hosts at once (each is an engine task and its listeners).
pub const MAX_CLUSTERS: usize = 2_000;
/// Simulated objects (servers, groups, resources and monitors) of all the fleet's
/// clusters together.
pub const MAX_FLEET_OBJECTS: usize = 200_000;

/// What [`MAX_FLEET_OBJECTS`] counts of one cluster.
pub fn model_objects(m: &crate::model::Model) -> usize {
    m.servers.len() + m.groups.len() + m.resources.len() + m.monitors.len()
}

/// Refuses a posted cluster with more than [`MAX_POSTED_SERVERS`] servers.
pub fn check_posted_servers(m: &crate::model::Model) -> Result<(), String> {
    let n = m.servers.len();
    if n > MAX_POSTED_SERVERS {
        return Err(format!(
            "{n} servers exceed the host's limit of {MAX_POSTED_SERVERS} servers for a \
             cluster created by POST /sim/v1/clusters (lift_product_limits included); \
             load larger clusters from a fleet file"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_name_the_limit() {
        assert!(check_advance(u64::MAX).unwrap_err().contains("31622400000"));
        assert_eq!(check_advance(MAX_ADVANCE_MS), Ok(MAX_ADVANCE_MS));
        for bad in [1e9, 1e300, f64::NAN, f64::INFINITY, 0.0, -1.0] {
            assert!(check_speed(bad).unwrap_err().contains("1000000"), "{bad}");
        }
        assert_eq!(check_speed(100_000.0), Ok(100_000.0));
        let e = check_fault_times(None, Some(u64::MAX - 5)).unwrap_err();
        assert!(
            e.contains("duration_ms") && e.contains("3153600000000"),
            "{e}"
        );
        assert!(check_fault_times(Some(MAX_TIME_MS), Some(MAX_TIME_MS)).is_ok());
        assert!(check_events_limit(100_000_000)
            .unwrap_err()
            .contains("10000"));
    }
}
