//! The narrative of a run: every move, failover, failback, recovery action, final action
//! and network-partition decision in the event log, with the reason the engine recorded
//! (which monitor, which count, which policy entry, which servers were excluded).

use super::pattern::route;
use super::timeline::fmt_secs;
use crate::model::Model;
use crate::sim::{Event, EventKind};

/// Kinds the narrative tells, with the words for them.
fn phrase(kind: EventKind) -> Option<&'static str> {
    use EventKind::*;
    Some(match kind {
        ServerDown => "declares a peer down",
        NpAction => "runs the network-partition action",
        BothActive => "finds a group active on both sides",
        GroupMoving => "starts a group move",
        GroupMoved => "completes a group move",
        GroupMoveFailed => "fails a group move",
        FailoverStarting => "starts a failover",
        FailoverDone => "completes a failover",
        FailoverFailed => "fails a failover",
        FailbackStarting => "starts a failback",
        FailbackDone => "completes a failback",
        FailbackFailed => "fails a failback",
        DestinationChosen => "chooses a destination",
        NoDestination => "finds no destination",
        ActivationRetry => "retries an activation",
        ActivationFailover => "fails a group over after an activation failure",
        DeactivationRetry => "retries a deactivation",
        FinalAction => "runs a final action",
        FinalActionSuppressed => "suppresses a final action",
        MonitorError => "sees a monitor error",
        MonitorCaution => "sees a monitor warning",
        RecoveryRestart => "restarts a recovery target",
        RecoveryFailover => "fails a recovery target over",
        RecoveryFinalAction => "runs a monitor's final action",
        RecoveryExhausted => "has no recovery action left",
        RecoverySkipped => "skips recovery",
        _ => return None,
    })
}

/// One line per told event: time, where, what, the objects, and why.
pub fn narrative(model: &Model, events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| phrase(e.kind).map(|p| line(model, e, p)))
        .collect()
}

fn line(model: &Model, e: &Event, what: &str) -> String {
    let who = e.server.map_or("the cluster".to_string(), |s| {
        model.server_name(s).to_string()
    });
    let mut objects = Vec::new();
    if let Some(g) = e.group {
        objects.push(format!("group {}", model.groups[g].name));
    }
    if let Some(r) = e.resource {
        objects.push(format!("resource {}", model.resources[r].name));
    }
    if let Some(m) = e.monitor {
        objects.push(format!("monitor {}", model.monitors[m].name));
    }
    let name = |s: usize| model.server_name(s);
    match (route(e), e.peer) {
        ((None, None), Some(p)) => objects.push(format!("server {}", name(p))),
        ((None, None), None) => {}
        ((from, to), _) => {
            objects.extend(from.map(|s| format!("from {}", name(s))));
            objects.extend(to.map(|s| format!("to {}", name(s))));
        }
    }
    let objects = if objects.is_empty() {
        String::new()
    } else {
        format!(" ({})", objects.join(", "))
    };
    // The engine's reason when it gave one, else the product message, which for
    // completions and skipped recoveries says it all.
    let why = match (&e.reason, e.message(model)) {
        (Some(r), _) => format!(": {r}"),
        (None, Some(m)) => format!(": \"{m}\""),
        (None, None) => " (no reason recorded)".to_string(),
    };
    format!("{:>10}  {who} {what}{objects}{why}", fmt_secs(e.t_ms))
}

/// One event as a compact line: time, server, kind, the other fields, reason.
pub fn event_line(model: &Model, e: &Event) -> String {
    let mut s = format!(
        "{:>10}  {:<8} {}",
        fmt_secs(e.t_ms),
        e.server.map_or("-", |x| model.server_name(x)),
        e.kind.as_str()
    );
    for (field, name) in e.named(model).into_iter().filter(|(f, _)| *f != "server") {
        s.push_str(&format!(" {field}={name}"));
    }
    if let Some(st) = e.status {
        s.push_str(&format!(" status=\"{st}\""));
    }
    if let Some(r) = &e.reason {
        s.push_str(&format!(" reason=\"{r}\""));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_failovers_with_their_reason_and_skips_routine_events() {
        let model = Model::default_cluster();
        let mut f = Event::new(EventKind::FailoverStarting);
        f.t_ms = 93_000;
        f.server = model.server_id("server2");
        f.group = model.group_id("failover1");
        f.reason = Some("server1 is down (heartbeat timeout 90s)".into());
        let routine = Event::new(EventKind::MonitorStatus);
        let lines = narrative(&model, &[routine, f]);
        assert_eq!(lines.len(), 1);
        assert!(lines[0].contains("93.000s"), "{}", lines[0]);
        assert!(
            lines[0].contains("server2 starts a failover (group failover1, to server2)"),
            "{}",
            lines[0]
        );
        assert!(lines[0].ends_with("heartbeat timeout 90s)"), "{}", lines[0]);
    }

    #[test]
    fn names_the_source_and_destination_of_a_move() {
        let model = Model::default_cluster();
        let mut m = Event::new(EventKind::GroupMoving);
        m.server = model.server_id("server1");
        m.peer = model.server_id("server2");
        m.group = model.group_id("failover1");
        m.reason = Some("operator moved failover1 to server2".into());
        let lines = narrative(&model, &[m]);
        assert!(
            lines[0].contains(
                "server1 starts a group move (group failover1, from server1, to server2)"
            ),
            "{}",
            lines[0]
        );
    }
}
