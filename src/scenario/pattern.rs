//! Event patterns: the `when` of a trigger, the items of a `sequence`, what a `count`
//! counts. A pattern names event-log fields (`kind`, `server`, `group`, `status`, ...);
//! an event matches when every named field is equal (`reason` and `message`: contains).
//! `from` and `to` name the source and destination of a move, failover or failback,
//! whichever server the event was logged on (see [`route`]).

use crate::model::Model;
use crate::sim::names::{lookup, Kind};
use crate::sim::{status, Event, EventKind};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A pattern as written in a scenario file.
#[derive(Clone, Debug, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(description = "Matches events whose named fields are equal (reason, message: contain)")]
pub struct PatternFile {
    #[schemars(with = "Option<EventKind>")]
    pub kind: Option<String>,
    /// Where the event happened (for a move starting: its source when known).
    pub server: Option<String>,
    /// The other server: the one lost (`server-down`), the destination (a move
    /// starting on its source).
    pub peer: Option<String>,
    /// The source of a move, failover or failback (see [`route`]).
    pub from: Option<String>,
    /// The destination of a move, failover or failback (see [`route`]).
    pub to: Option<String>,
    pub group: Option<String>,
    pub resource: Option<String>,
    pub monitor: Option<String>,
    pub path: Option<String>,
    pub resolver: Option<String>,
    #[schemars(with = "Option<Status>")]
    pub status: Option<String>,
    /// A piece of the event's `reason` text.
    pub reason: Option<String>,
    /// A piece of the product alert message.
    pub message: Option<String>,
}

/// A pattern with names resolved to the model's ids.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventPattern {
    pub kind: Option<EventKind>,
    pub server: Option<usize>,
    pub peer: Option<usize>,
    pub from: Option<usize>,
    pub to: Option<usize>,
    pub group: Option<usize>,
    pub resource: Option<usize>,
    pub monitor: Option<usize>,
    pub path: Option<usize>,
    pub resolver: Option<usize>,
    pub status: Option<&'static str>,
    pub reason: Option<String>,
    pub message: Option<String>,
    /// The pattern as written, for messages.
    pub text: String,
}

/// Every status string of the product [doc], plus `None` for a group's `current`.
pub const STATUSES: &[&str] = &[
    status::UNKNOWN,
    status::NORMAL,
    status::CAUTION,
    status::ERROR,
    status::UNUSED,
    status::SUSPEND,
    status::ONLINE,
    status::OFFLINE,
    status::ONLINE_PENDING,
    status::OFFLINE_PENDING,
    status::ONLINE_FAILURE,
    status::OFFLINE_FAILURE,
    crate::sim::mirror::mstatus::RECOVERING,
    crate::sim::mirror::mstatus::ABNORMAL,
];

/// The interned status string equal to `s`, or a message listing the valid ones.
pub fn status_str(s: &str) -> Result<&'static str, String> {
    STATUSES
        .iter()
        .copied()
        .find(|x| *x == s)
        .ok_or_else(|| format!("unknown status `{s}` (known: {})", STATUSES.join(", ")))
}

impl PatternFile {
    /// Resolves names; `Err((field, message))` on an unknown name, kind or status.
    pub fn resolve(&self, model: &Model) -> Result<EventPattern, (&'static str, String)> {
        let kind = match &self.kind {
            Some(k) => Some(EventKind::from_name(k).ok_or_else(|| {
                let all: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
                (
                    "kind",
                    format!("unknown event kind `{k}` (known: {})", all.join(", ")),
                )
            })?),
            None => None,
        };
        let id = |field: &'static str, kind: Kind, v: &Option<String>| match v {
            Some(n) => lookup(model, kind, n)
                .map(Some)
                .map_err(|e| (field, e.to_string())),
            None => Ok(None),
        };
        let status = match &self.status {
            Some(s) => Some(status_str(s).map_err(|m| ("status", m))?),
            None => None,
        };
        let p = EventPattern {
            kind,
            server: id("server", Kind::Server, &self.server)?,
            peer: id("peer", Kind::Server, &self.peer)?,
            from: id("from", Kind::Server, &self.from)?,
            to: id("to", Kind::Server, &self.to)?,
            group: id("group", Kind::Group, &self.group)?,
            resource: id("resource", Kind::Resource, &self.resource)?,
            monitor: id("monitor", Kind::Monitor, &self.monitor)?,
            path: id("path", Kind::Path, &self.path)?,
            resolver: id("resolver", Kind::Resolver, &self.resolver)?,
            status,
            reason: self.reason.clone(),
            message: self.message.clone(),
            text: self.describe(),
        };
        if p == (EventPattern {
            text: p.text.clone(),
            ..Default::default()
        }) {
            return Err(("kind", "an event pattern needs at least one field".into()));
        }
        Ok(p)
    }

    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(k) = &self.kind {
            parts.push(k.clone());
        }
        let fields = [
            ("server", &self.server),
            ("peer", &self.peer),
            ("from", &self.from),
            ("to", &self.to),
            ("group", &self.group),
            ("resource", &self.resource),
            ("monitor", &self.monitor),
            ("path", &self.path),
            ("resolver", &self.resolver),
            ("status", &self.status),
            ("reason~", &self.reason),
            ("message~", &self.message),
        ];
        for (name, v) in fields {
            if let Some(v) = v {
                parts.push(format!("{name}={v}"));
            }
        }
        parts.join(" ")
    }
}

/// The source and destination servers of a move, failover or failback event.
///
/// The engine logs a task's start on its source when it has one (`server` = source,
/// `peer` = destination: moves, failbacks, monitor-caused failovers) and on its
/// destination otherwise (`server` = destination: a failover after a server was lost,
/// whose source is gone); completions and `destination-chosen` are logged on the
/// destination. The decisions to fail over after an activation failure or a monitor
/// error are logged on the source with the destination as `peer`. Other events have
/// neither.
pub fn route(e: &Event) -> (Option<usize>, Option<usize>) {
    use EventKind::*;
    match e.kind {
        ActivationFailover | RecoveryFailover => (e.server, e.peer),
        GroupMoving | FailoverStarting | FailbackStarting => match e.peer {
            Some(dest) => (e.server, Some(dest)),
            None => (None, e.server),
        },
        GroupMoved | FailoverDone | FailbackDone | DestinationChosen => (None, e.server),
        _ => (None, None),
    }
}

impl EventPattern {
    fn route_matches(&self, e: &Event) -> bool {
        if self.from.is_none() && self.to.is_none() {
            return true;
        }
        let (from, to) = route(e);
        self.from.is_none_or(|f| from == Some(f)) && self.to.is_none_or(|t| to == Some(t))
    }

    pub fn matches(&self, e: &Event, model: &Model) -> bool {
        fn eq<T: PartialEq>(want: &Option<T>, got: &Option<T>) -> bool {
            want.as_ref().is_none_or(|w| got.as_ref() == Some(w))
        }
        self.kind.is_none_or(|k| k == e.kind)
            && eq(&self.server, &e.server)
            && eq(&self.peer, &e.peer)
            && self.route_matches(e)
            && eq(&self.group, &e.group)
            && eq(&self.resource, &e.resource)
            && eq(&self.monitor, &e.monitor)
            && eq(&self.path, &e.path)
            && eq(&self.resolver, &e.resolver)
            && self.status.is_none_or(|s| e.status == Some(s))
            && self
                .reason
                .as_ref()
                .is_none_or(|r| e.reason.as_deref().is_some_and(|x| x.contains(r.as_str())))
            && self
                .message
                .as_ref()
                .is_none_or(|m| e.message(model).is_some_and(|x| x.contains(m.as_str())))
    }
}

impl fmt::Display for EventPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A product status string (`Online Pending`, `Caution`, ...).
pub struct Status;

impl schemars::JsonSchema for Status {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Status".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A product status string.",
            "type": "string",
            "enum": STATUSES,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_names_and_refuses_unknown_ones() {
        let model = Model::default_cluster();
        let p = PatternFile {
            kind: Some("group-status".into()),
            group: Some("failover1".into()),
            server: Some("server2".into()),
            status: Some("Online Pending".into()),
            ..Default::default()
        };
        let r = p.resolve(&model).unwrap();
        assert_eq!(r.kind, Some(EventKind::GroupStatus));
        assert_eq!(r.server, model.server_id("server2"));
        let mut e = Event::new(EventKind::GroupStatus);
        e.group = model.group_id("failover1");
        e.server = model.server_id("server2");
        e.status = Some(status::ONLINE_PENDING);
        assert!(r.matches(&e, &model));
        e.status = Some(status::ONLINE);
        assert!(!r.matches(&e, &model));

        let bad = PatternFile {
            server: Some("server9".into()),
            ..Default::default()
        };
        let (field, msg) = bad.resolve(&model).unwrap_err();
        assert_eq!(field, "server");
        assert!(msg.contains("server9") && msg.contains("server1"), "{msg}");
        let bad = PatternFile {
            status: Some("online".into()),
            ..Default::default()
        };
        assert_eq!(bad.resolve(&model).unwrap_err().0, "status");
        let empty = PatternFile::default();
        assert!(empty.resolve(&model).is_err());
    }
}
