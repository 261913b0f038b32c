//! The validation pass over a state condition: one object, named through the core's
//! resolver, and fields that apply to that kind of object.

use super::raw::ConditionFile;
use super::FieldErr;
use crate::model::Model;
use crate::scenario::expect::{describe_condition, Condition, On, Subject};
use crate::scenario::pattern::status_str;
use crate::sim::names::{lookup, Kind};
use crate::sim::status;
use serde_norway::Value;

/// Resolves a condition; `prefix` is where it sits (`always`, `never`, or the
/// expectation itself when empty).
pub fn condition(model: &Model, c: &ConditionFile, prefix: &str) -> Result<Condition, FieldErr> {
    let f = |name: &str| {
        if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}.{name}")
        }
    };
    let server = |field: &str, s: &str| {
        lookup(model, Kind::Server, s).map_err(|e| (f(field), e.to_string()))
    };
    let subject = subject(model, c).map_err(|(field, m)| (f(&field), m))?;
    let st = |field: &str, v: &Option<String>| -> Result<Option<&'static str>, FieldErr> {
        v.as_deref()
            .map(status_str)
            .transpose()
            .map_err(|m| (f(field), m))
    };
    let status = st("status", &c.status)?;
    let not = st("not", &c.not)?;
    let on = on(c, &subject, &server).map_err(|(field, m)| (f(&field), m))?;
    let view_from = c
        .view_from
        .as_deref()
        .map(|s| server("view_from", s))
        .transpose()?;
    let cond = Condition {
        subject,
        status,
        not,
        on,
        view_from,
        online_on_servers: c.online_on_servers,
        suspended: c.suspended,
        text: String::new(),
    };
    let cond = applies(cond).map_err(|(field, m)| (f(&field), m))?;
    Ok(Condition {
        text: describe_condition(model, &cond),
        ..cond
    })
}

/// The one object the condition is about.
fn subject(model: &Model, c: &ConditionFile) -> Result<Subject, FieldErr> {
    type Named<'a> = (&'a str, &'a String, Kind, fn(usize) -> Subject);
    let named: Vec<Named> = [
        (
            "server",
            c.server.as_ref(),
            Kind::Server,
            Subject::Server as fn(usize) -> Subject,
        ),
        ("group", c.group.as_ref(), Kind::Group, Subject::Group),
        (
            "resource",
            c.resource.as_ref(),
            Kind::Resource,
            Subject::Resource,
        ),
        (
            "monitor",
            c.monitor.as_ref(),
            Kind::Monitor,
            Subject::Monitor,
        ),
        ("heartbeat", c.heartbeat.as_ref(), Kind::Path, Subject::Path),
        (
            "resolver",
            c.resolver.as_ref(),
            Kind::Resolver,
            Subject::Resolver,
        ),
        ("mirror", c.mirror.as_ref(), Kind::Resource, Subject::Mirror),
    ]
    .into_iter()
    .filter_map(|(field, v, kind, make)| v.map(|v| (field, v, kind, make)))
    .collect();
    if let Some(any) = c.any_group {
        if !any {
            return Err(("any_group".into(), "write `any_group: true`".into()));
        }
        if c.cluster.is_some() || !named.is_empty() {
            return Err((
                "any_group".into(),
                "a condition is about one object only".into(),
            ));
        }
        return Ok(Subject::AnyGroup);
    }
    match (c.cluster.as_ref(), named.as_slice()) {
        (Some(v), []) => {
            if matches!(v, Value::Bool(true)) || v.as_str() == Some(model.name.as_str()) {
                Ok(Subject::Cluster)
            } else {
                Err((
                    "cluster".into(),
                    format!(
                        "write `cluster: true` or the cluster's name `{}`",
                        model.name
                    ),
                ))
            }
        }
        (None, [("mirror", name, ..)]) => match model.resource_id(name) {
            Some(r) if model.resources[r].mirror.is_some() => Ok(Subject::Mirror(r)),
            _ => {
                let mds: Vec<&str> = model
                    .mirrors
                    .iter()
                    .map(|d| model.resources[d.resource].name.as_str())
                    .collect();
                Err((
                    "mirror".into(),
                    format!("`{name}` is not a mirror disk resource (md: {})", mds.join(", ")),
                ))
            }
        },
        (None, [(field, name, kind, make)]) => lookup(model, *kind, name)
            .map(make)
            .map_err(|e| (field.to_string(), e.to_string())),
        (None, []) => Err((
            "group".into(),
            "name the object: one of `cluster`, `server`, `group`, `resource`, `monitor`, `heartbeat`, `resolver`, `mirror`".into(),
        )),
        _ => Err(("group".into(), "a condition is about one object only".into())),
    }
}

/// Where the object is expected: `current` (groups, resources) or `instance`.
fn on(
    c: &ConditionFile,
    subject: &Subject,
    server: &dyn Fn(&str, &str) -> Result<usize, FieldErr>,
) -> Result<Option<On>, FieldErr> {
    let unprefixed =
        |r: Result<usize, FieldErr>, field: &str| r.map_err(|(_, m)| (field.to_string(), m));
    match (c.current.as_deref(), c.instance.as_deref()) {
        (Some(_), Some(_)) => Err((
            "instance".into(),
            "use `current` (groups, resources) or `instance` (monitors, heartbeats), not both"
                .into(),
        )),
        (Some(s), None) => {
            if !matches!(subject, Subject::Group(_) | Subject::Resource(_)) {
                return Err(("current".into(), "`current` applies to groups and resources; for monitors and heartbeats use `instance`".into()));
            }
            if s == status::NONE {
                return Ok(Some(On::Nowhere));
            }
            Ok(Some(On::Server(unprefixed(
                server("current", s),
                "current",
            )?)))
        }
        (None, Some(s)) => {
            if !matches!(
                subject,
                Subject::Monitor(_) | Subject::Path(_) | Subject::Mirror(_)
            ) {
                return Err(("instance".into(), "`instance` applies to monitors and heartbeats; for groups and resources use `current`".into()));
            }
            Ok(Some(On::Server(unprefixed(
                server("instance", s),
                "instance",
            )?)))
        }
        (None, None) => Ok(None),
    }
}

/// The fields that apply to the subject, and at least one thing to expect.
fn applies(c: Condition) -> Result<Condition, FieldErr> {
    let err = |field: &str, m: &str| Err((field.to_string(), m.to_string()));
    if c.online_on_servers.is_some() {
        if !matches!(c.subject, Subject::Group(_)) {
            return err("online_on_servers", "`online_on_servers` applies to groups");
        }
        if c.status.is_some() || c.not.is_some() || c.on.is_some() || c.view_from.is_some() {
            return err(
                "online_on_servers",
                "`online_on_servers` stands alone (no status, current or view_from)",
            );
        }
        if c.online_on_servers == Some(0) {
            return err("online_on_servers", "count from 1");
        }
    }
    if c.suspended.is_some() && c.subject != Subject::Cluster {
        return err("suspended", "`suspended` applies to the cluster");
    }
    let expects = c.status.is_some()
        || c.not.is_some()
        || c.on.is_some()
        || c.online_on_servers.is_some()
        || c.suspended.is_some();
    if !expects {
        return err(
            "status",
            "say what to expect: `status`, `not`, `current`, `online_on_servers` or `suspended`",
        );
    }
    Ok(c)
}
