//! The `/xcatws` resources: the routing of `xcatws.cgi`'s `%URIdef` for what the face
//! serves, node attributes (`lsdef`), power (`rpower`), `nodestat` and `nodels`.
//! Definitions and the site table are in `admin.rs` and `groups.rs`.

use super::defs::{split_list, Attrs};
use super::noderange::{self, RangeError, Universe};
use super::{admin, groups, Answer, Req};
use crate::host::command::{Command, Reply};
use crate::sim::{Input, Operation, PowerAction, PowerState};
use axum::http::{Method, StatusCode};
use serde_json::{json, Map, Value};

/// `GET /xcatws`: the resource groups this face serves, sorted as the script sorts its
/// `%URIdef` keys.
pub fn resource_list(method: &Method) -> Answer {
    if method != Method::GET {
        return not_supported(method, "/");
    }
    Answer::ok(json!(["globalconf", "groups", "nodes", "tokens"]))
}

pub fn not_supported(method: &Method, resource: &str) -> Answer {
    Answer::script(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("request method '{method}' is not supported on resource '{resource}'"),
    )
}

pub async fn dispatch(r: Req<'_>) -> Answer {
    let resource = format!("/{}", r.segs.join("/"));
    let m = r.method.clone();
    let segs = r.segs.clone();
    match segs.as_slice() {
        ["nodes"] if m == Method::GET => node_names(&r),
        ["nodes", nr] => match m {
            Method::GET => node_attrs(&r, nr, None),
            Method::PUT => admin::change(&r, nr).await,
            Method::POST => admin::create(&r, nr).await,
            Method::DELETE => admin::destroy(&r, nr).await,
            _ => not_supported(&m, &resource),
        },
        ["nodes", nr, "attrs", list] if m == Method::GET => node_attrs(&r, nr, Some(list)),
        ["nodes", nr, "power"] if m == Method::GET => power_stat(&r, nr),
        ["nodes", nr, "power"] if m == Method::PUT => power_put(&r, nr).await,
        ["nodes", nr, "nodestat"] if m == Method::GET => nodestat(&r, nr),
        ["nodes", nr, "nodels"] if m == Method::GET => nodels(&r, nr),
        ["nodes"] | ["nodes", _, "attrs", _] | ["nodes", _, "power" | "nodestat" | "nodels"] => {
            not_supported(&m, &resource)
        }
        ["groups", ..] | ["globalconf", ..] => groups::dispatch(&r, &resource).await,
        _ => super::unsupported(),
    }
}

/// What one request sees: the nodes (server order), each node's attributes as `lsdef`
/// shows them, and the groups with their members.
pub(super) struct Seen {
    pub names: Vec<String>,
    pub cluster: String,
    pub attrs: Vec<Attrs>,
    pub groups: Vec<(String, Vec<usize>)>,
}

pub(super) fn seen(r: &Req<'_>) -> Seen {
    let model = r.x.app.engine.model();
    let snap = r.x.app.engine.snapshot();
    let names: Vec<String> = model.servers.iter().map(|s| s.name.clone()).collect();
    let cluster = model.source.cluster.name.clone();
    let mut defs = r.x.defs();
    defs.follow(snap.resets);
    let mut attrs: Vec<Attrs> = names.iter().map(|n| defs.effective(n, &cluster)).collect();
    for (i, a) in attrs.iter_mut().enumerate() {
        let p = snap.power.get(i).copied().unwrap_or(NO_POWER);
        if let (false, Some(ip)) = (a.contains_key("ip"), &model.servers[i].ip) {
            a.insert("ip".into(), ip.clone());
        }
        a.insert("status".into(), node_status(&p).into());
    }
    let groups = defs
        .group_names(&names, &cluster)
        .into_iter()
        .map(|g| {
            let members = (0..names.len())
                .filter(|&i| split_list(attrs[i].get("groups").map_or("", |s| s)).contains(&g))
                .collect();
            (g, members)
        })
        .collect();
    Seen {
        names,
        cluster,
        attrs,
        groups,
    }
}

impl Seen {
    /// The nodes of a noderange, or the daemon's error: `lsdef` names each unknown
    /// object, other commands the noderange's invalid part.
    pub fn nodes(&self, nr: &str, lsdef: bool) -> Result<Vec<usize>, Answer> {
        let attr = |i: usize, col: &str| self.attrs[i].get(col).cloned().unwrap_or_default();
        let u = Universe {
            names: &self.names,
            groups: &self.groups,
            attr: &attr,
        };
        noderange::resolve(nr, &u).map_err(|e| match e {
            RangeError::Missing(bad) if lsdef => Answer::daemon(
                bad.iter()
                    .map(|b| format!("Could not find an object named '{b}' of type 'node'."))
                    .collect(),
            ),
            e => Answer::daemon(vec![e.to_string()]),
        })
    }
}

fn node_names(r: &Req<'_>) -> Answer {
    Answer::ok(json!(seen(r).names))
}

/// `{"node1":{...},...}`, or with `xcoll=1` nodes with equal output under one key; no
/// body when there is nothing to say (as the script's output handlers).
fn per_node(r: &Req<'_>, names: &[String], items: Vec<(usize, Value)>) -> Answer {
    if items.is_empty() {
        return Answer::empty(StatusCode::OK);
    }
    let mut merged: Vec<(Vec<&str>, Value)> = Vec::new();
    for (i, v) in items {
        match merged.iter_mut().find(|(_, w)| r.xcoll && *w == v) {
            Some((keys, _)) => keys.push(&names[i]),
            None => merged.push((vec![&names[i]], v)),
        }
    }
    let out: Map<String, Value> = merged.into_iter().map(|(k, v)| (k.join(","), v)).collect();
    Answer::ok(Value::Object(out))
}

fn power_word(p: &PowerState) -> &'static str {
    if p.on || p.booting {
        "on"
    } else {
        "off"
    }
}

fn node_status(p: &PowerState) -> &'static str {
    if p.booting {
        "powering-on"
    } else if !p.on {
        "noping"
    } else if p.service_stopping {
        "powering-off"
    } else {
        "booted"
    }
}

/// `GET /nodes/{nr}` (`lsdef`) and `/nodes/{nr}/attrs/{list}` (`lsdef -i list`);
/// `ALLRESOURCES` is every node (`lsdef -l`).
fn node_attrs(r: &Req<'_>, nr: &str, list: Option<&str>) -> Answer {
    let s = seen(r);
    let ids = if nr == "ALLRESOURCES" {
        (0..s.names.len()).collect()
    } else {
        match s.nodes(nr, true) {
            Ok(ids) => ids,
            Err(a) => return a,
        }
    };
    let wanted: Option<Vec<&str>> = list.map(|l| l.split([',', ';']).collect());
    let items = ids
        .into_iter()
        .map(|i| {
            let shown: Map<String, Value> = s.attrs[i]
                .iter()
                .filter(|(k, _)| wanted.as_ref().is_none_or(|w| w.contains(&k.as_str())))
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            (i, Value::Object(shown))
        })
        .filter(|(_, v)| v.as_object().is_some_and(|m| !m.is_empty()))
        .collect();
    per_node(r, &s.names, items)
}

pub(super) const NO_POWER: PowerState = PowerState {
    on: false,
    booting: false,
    hung: false,
    service_running: false,
    service_stopping: false,
    maintenance: false,
};

fn power_stat(r: &Req<'_>, nr: &str) -> Answer {
    let s = seen(r);
    let ids = match s.nodes(nr, false) {
        Ok(ids) => ids,
        Err(a) => return a,
    };
    let snap = r.x.app.engine.snapshot();
    let power = |i: usize| power_word(snap.power.get(i).unwrap_or(&NO_POWER));
    let items = ids
        .into_iter()
        .map(|i| (i, json!({"power": power(i)})))
        .collect();
    per_node(r, &s.names, items)
}

fn nodestat(r: &Req<'_>, nr: &str) -> Answer {
    let s = seen(r);
    let ids = match s.nodes(nr, false) {
        Ok(ids) => ids,
        Err(a) => return a,
    };
    let snap = r.x.app.engine.snapshot();
    let stat = |i: usize| {
        let p = snap.power.get(i).copied().unwrap_or(NO_POWER);
        if p.booting || p.hung || p.on && p.service_stopping {
            "ping"
        } else if p.on {
            "sshd"
        } else {
            "noping"
        }
    };
    let items = ids
        .into_iter()
        .map(|i| (i, json!({"nodestat": stat(i)})))
        .collect();
    per_node(r, &s.names, items)
}

/// `GET /nodes/{nr}/nodels`: the names of the noderange's nodes.
fn nodels(r: &Req<'_>, nr: &str) -> Answer {
    let s = seen(r);
    match s.nodes(nr, false) {
        Ok(ids) if ids.is_empty() => Answer::empty(StatusCode::OK),
        Ok(ids) => Answer::ok(json!(ids.iter().map(|&i| &s.names[i]).collect::<Vec<_>>())),
        Err(a) => a,
    }
}

/// What `rpower` does for an IPMI node, on a simulated server.
#[derive(Clone, Copy)]
enum Rpower {
    /// A power operation of the core.
    Power(PowerAction),
    /// `stat`/`state`/`status`: read only (a PUT answers with no body).
    Stat,
    /// `wake`: ACPI S0; the simulated OS never sleeps, so nothing changes.
    Wake,
    /// `suspend`: ACPI S3; accepted, and the simulated OS stays up (as a real one that
    /// does not support sleeping); refused for a node that is off.
    Suspend,
}

fn rpower_action(word: &str) -> Option<Rpower> {
    Some(match word {
        "stat" | "state" | "status" => Rpower::Stat,
        "wake" => Rpower::Wake,
        "suspend" => Rpower::Suspend,
        w => Rpower::Power(serde_json::from_value(Value::String(w.into())).ok()?),
    })
}

/// `PUT .../power {"action": ...}`: each node in turn; refusals are the daemon's
/// per-node errors. `on` of a node that is on (and `off` of one that is off) does
/// nothing, as `rpower` reports the state it finds.
async fn power_put(r: &Req<'_>, nr: &str) -> Answer {
    let word = match r.params.get("action") {
        Some(Value::String(s)) if !s.is_empty() && s != "0" => s.clone(),
        Some(v @ (Value::Number(_) | Value::Bool(true))) => v.to_string(),
        _ => return Answer::script(StatusCode::NOT_FOUND, "Missed Action."),
    };
    let s = seen(r);
    let ids = match s.nodes(nr, false) {
        Ok(ids) => ids,
        Err(a) => return a,
    };
    if ids.iter().any(|&i| !s.attrs[i].contains_key("mgt")) {
        return Answer::daemon(vec![
            "Unable to identify plugin for this command, check relevant tables: nodehm.power,mgt;nodehm.mgt"
                .into(),
        ]);
    }
    let Some(action) = rpower_action(&word) else {
        let lines: Vec<String> = ids
            .iter()
            .map(|&i| {
                format!(
                    "{}: Error: Unsupported command: rpower {word} when using mgt=ipmi.",
                    s.names[i]
                )
            })
            .collect();
        return Answer::daemon(vec![lines.join("\n")]);
    };
    let errors = match rpower_each(r, &s.names, ids, action).await {
        Ok(errors) => errors,
        Err(a) => return a,
    };
    if errors.is_empty() {
        Answer::empty(StatusCode::OK)
    } else {
        Answer::daemon(errors)
    }
}

/// `action` on each node in turn: the per-node errors, or the answer that ends it all
/// (the engine gone).
async fn rpower_each(
    r: &Req<'_>,
    names: &[String],
    ids: Vec<usize>,
    action: Rpower,
) -> Result<Vec<String>, Answer> {
    let mut errors = Vec::new();
    for i in ids {
        let p =
            r.x.app
                .engine
                .snapshot()
                .power
                .get(i)
                .copied()
                .unwrap_or(NO_POWER);
        let on = p.on || p.booting;
        let action = match action {
            Rpower::Stat | Rpower::Wake => continue,
            Rpower::Suspend if on => continue,
            Rpower::Suspend => {
                errors.push(format!("{}: System is off, cannot be suspended", names[i]));
                continue;
            }
            Rpower::Power(a) => a,
        };
        let nothing_to_do = match action {
            PowerAction::On => on,
            PowerAction::Off | PowerAction::Softoff => !on,
            _ => false,
        };
        if nothing_to_do {
            continue;
        }
        let op = Operation::Power {
            server: names[i].clone(),
            action,
        };
        match refused_by(r, &names[i], op).await {
            None => {}
            Some(a) if a.status == StatusCode::FORBIDDEN => errors.extend(daemon_lines(a)),
            Some(a) => return Err(a),
        }
    }
    Ok(errors)
}

/// The messages of a daemon error answer.
pub(super) fn daemon_lines(a: Answer) -> Vec<String> {
    a.body
        .and_then(|b| b.get("error").and_then(Value::as_array).cloned())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// Applies one operation for node `n`: `None` when applied, else the daemon's error
/// `n: reason` (or 503 when the engine is gone).
pub(super) async fn refused_by(r: &Req<'_>, n: &str, op: Operation) -> Option<Answer> {
    match r
        .x
        .app
        .engine
        .send(Command::Apply(Input::Operation(op)))
        .await
    {
        Ok(Reply::Applied { result: Ok(_), .. }) => None,
        Ok(Reply::Applied { result: Err(e), .. }) => {
            Some(Answer::daemon(vec![format!("{n}: {}", e.message())]))
        }
        Ok(_) | Err(_) => Some(Answer::script(
            StatusCode::SERVICE_UNAVAILABLE,
            "communication with the xCAT server seems to have been ended prematurely",
        )),
    }
}
