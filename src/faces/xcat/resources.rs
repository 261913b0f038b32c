//! The `/xcatws` resources: nodes, their attributes, power and nodestat, and groups.

use super::{noderange, Answer, Req};
use crate::host::command::{Command, Reply};
use crate::sim::{Input, Operation, PowerAction, PowerState};
use axum::http::{Method, StatusCode};
use serde_json::{json, Map, Value};

/// `GET /xcatws`: the resource groups this face serves, sorted.
pub fn resource_list(method: &Method) -> Answer {
    if method != Method::GET {
        return not_supported(method, "/");
    }
    Answer::ok(json!(["groups", "nodes", "tokens"]))
}

pub fn not_supported(method: &Method, resource: &str) -> Answer {
    Answer::script(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("request method '{method}' is not supported on resource '{resource}'"),
    )
}

fn unsupported() -> Answer {
    Answer::script(StatusCode::NOT_FOUND, "Unsupported resource.")
}

pub async fn dispatch(r: Req<'_>) -> Answer {
    let resource = format!("/{}", r.segs.join("/"));
    let get = r.method == Method::GET;
    match (r.segs.as_slice(), get) {
        (["nodes"], true) => Answer::ok(json!(names(&r))),
        (["nodes", nr], true) => node_attrs(&r, nr, None),
        (["nodes", nr, "attrs", list], true) => node_attrs(&r, nr, Some(list)),
        (["nodes", nr, "power"], true) => power_stat(&r, nr),
        (["nodes", nr, "power"], false) if r.method == Method::PUT => power_put(&r, nr).await,
        (["nodes", nr, "nodestat"], true) => nodestat(&r, nr),
        (["nodes", nr], false) if r.method == Method::POST => super::admin::create(&r, nr).await,
        (["nodes", nr], false) if r.method == Method::DELETE => match nodes(&r, nr, false) {
            Ok(ids) => super::admin::destroy(&r, ids).await,
            Err(a) => a,
        },
        (["groups"], true) => Answer::ok(json!(group_names(&r))),
        (["groups", g], true) => group_attrs(&r, g, None),
        (["groups", g, "attrs", list], true) => group_attrs(&r, g, Some(list)),
        (["nodes"] | ["nodes", _] | ["nodes", _, "attrs", _], _)
        | (["nodes", _, "power" | "nodestat"], _)
        | (["groups"] | ["groups", _] | ["groups", _, "attrs", _], _) => {
            not_supported(&r.method, &resource)
        }
        _ => unsupported(),
    }
}

fn names(r: &Req<'_>) -> Vec<String> {
    r.x.app
        .engine
        .model()
        .servers
        .iter()
        .map(|s| s.name.clone())
        .collect()
}

/// Groups: `all` and the cluster's name, both with every server.
fn groups(r: &Req<'_>) -> Vec<(String, Vec<usize>)> {
    let n = r.x.app.engine.model().servers.len();
    let all: Vec<usize> = (0..n).collect();
    let mut g = vec![("all".to_string(), all.clone())];
    let cluster = &r.x.app.engine.model().source.cluster.name;
    if cluster != "all" {
        g.push((cluster.clone(), all));
    }
    g
}

fn group_names(r: &Req<'_>) -> Vec<String> {
    let mut g: Vec<String> = groups(r).into_iter().map(|(n, _)| n).collect();
    g.sort();
    g
}

/// The nodes of a noderange, or the daemon's error naming the unknown part.
fn nodes(r: &Req<'_>, nr: &str, lsdef: bool) -> Result<Vec<usize>, Answer> {
    noderange::resolve(nr, &names(r), &groups(r)).map_err(|bad| {
        Answer::daemon(if lsdef {
            bad.iter()
                .map(|b| format!("Could not find an object named '{b}' of type 'node'."))
                .collect()
        } else {
            vec![format!(
                "Invalid nodes and/or groups in noderange: {}",
                bad.join(",")
            )]
        })
    })
}

/// `{"node1":{...},...}`, or with `xcoll=1` nodes with equal output under one key.
fn per_node(r: &Req<'_>, ids: &[usize], value: impl Fn(usize) -> Value) -> Answer {
    let names = names(r);
    let mut out = Map::new();
    if r.xcoll {
        let mut merged: Vec<(Vec<&str>, Value)> = Vec::new();
        for &i in ids {
            let v = value(i);
            match merged.iter_mut().find(|(_, w)| *w == v) {
                Some((keys, _)) => keys.push(&names[i]),
                None => merged.push((vec![&names[i]], v)),
            }
        }
        for (keys, v) in merged {
            out.insert(keys.join(","), v);
        }
    } else {
        for &i in ids {
            out.insert(names[i].clone(), value(i));
        }
    }
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

fn node_attrs(r: &Req<'_>, nr: &str, list: Option<&str>) -> Answer {
    let ids = match nodes(r, nr, true) {
        Ok(ids) => ids,
        Err(a) => return a,
    };
    let snap = r.x.app.engine.snapshot();
    let model = &r.x.app.engine.model();
    let groups: Vec<String> = groups(r).into_iter().map(|(g, _)| g).collect();
    let wanted: Option<Vec<&str>> = list.map(|l| l.split(',').collect());
    per_node(r, &ids, |i| {
        let p = snap.power.get(i).copied().unwrap_or(NO_POWER);
        let all = [
            ("arch", "x86_64".to_string()),
            ("groups", groups.join(",")),
            ("ip", model.servers[i].ip.clone().unwrap_or_default()),
            ("mgt", "ipmi".to_string()),
            ("os", "rhels8".to_string()),
            ("status", node_status(&p).to_string()),
        ];
        let mut m = Map::new();
        for (k, v) in all {
            if wanted.as_ref().is_none_or(|w| w.contains(&k)) {
                m.insert(k.to_string(), Value::String(v));
            }
        }
        Value::Object(m)
    })
}

const NO_POWER: PowerState = PowerState {
    on: false,
    booting: false,
    hung: false,
    service_running: false,
    service_stopping: false,
    maintenance: false,
};

fn power_stat(r: &Req<'_>, nr: &str) -> Answer {
    let ids = match nodes(r, nr, false) {
        Ok(ids) => ids,
        Err(a) => return a,
    };
    let snap = r.x.app.engine.snapshot();
    per_node(
        r,
        &ids,
        |i| json!({"power": power_word(snap.power.get(i).unwrap_or(&NO_POWER))}),
    )
}

fn nodestat(r: &Req<'_>, nr: &str) -> Answer {
    let ids = match nodes(r, nr, false) {
        Ok(ids) => ids,
        Err(a) => return a,
    };
    let snap = r.x.app.engine.snapshot();
    per_node(r, &ids, |i| {
        let p = snap.power.get(i).copied().unwrap_or(NO_POWER);
        let stat = if p.booting || p.hung || p.on && p.service_stopping {
            "ping"
        } else if p.on {
            "sshd"
        } else {
            "noping"
        };
        json!({"nodestat": stat})
    })
}

/// `PUT .../power {"action": ...}`: each node in turn; refusals are the daemon's
/// per-node errors. `on` of a node that is on (and `off` of one that is off) does
/// nothing, as `rpower` reports the state it finds.
async fn power_put(r: &Req<'_>, nr: &str) -> Answer {
    let Some(action) = r.params.get("action") else {
        return Answer::script(StatusCode::NOT_FOUND, "Missed Action.");
    };
    let word = action
        .as_str()
        .map(str::to_string)
        .unwrap_or(action.to_string());
    let ids = match nodes(r, nr, false) {
        Ok(ids) => ids,
        Err(a) => return a,
    };
    if word == "stat" || word == "state" {
        return power_stat(r, nr);
    }
    let Ok(action) = serde_json::from_value::<PowerAction>(Value::String(word.clone())) else {
        return Answer::daemon(vec![format!("Unsupported command: rpower {word}")]);
    };
    let names = names(r);
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
        match r
            .x
            .app
            .engine
            .send(Command::Apply(Input::Operation(op)))
            .await
        {
            Ok(Reply::Applied { result: Ok(_), .. }) => {}
            Ok(Reply::Applied { result: Err(e), .. }) => {
                errors.push(format!("{}: Error: {}", names[i], e.message()))
            }
            Ok(_) | Err(_) => {
                return Answer::script(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "communication with the xCAT server seems to have been ended prematurely",
                )
            }
        }
    }
    if errors.is_empty() {
        Answer::empty(StatusCode::OK)
    } else {
        Answer::daemon(errors)
    }
}

/// Applies one operation for node `n`: `None` when applied, else the daemon's error
/// with the engine's reason (or 503 when the engine is gone).
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
            Some(Answer::daemon(vec![format!("{n}: Error: {}", e.message())]))
        }
        Ok(_) | Err(_) => Some(Answer::script(
            StatusCode::SERVICE_UNAVAILABLE,
            "communication with the xCAT server seems to have been ended prematurely",
        )),
    }
}

fn group_attrs(r: &Req<'_>, g: &str, list: Option<&str>) -> Answer {
    let all = groups(r);
    let Some((_, members)) = all.iter().find(|(name, _)| name == g) else {
        return Answer::daemon(vec![format!(
            "Could not find an object named '{g}' of type 'group'."
        )]);
    };
    let names = names(r);
    let members: Vec<&str> = members.iter().map(|&i| names[i].as_str()).collect();
    let wanted: Option<Vec<&str>> = list.map(|l| l.split(',').collect());
    let mut m = Map::new();
    for (k, v) in [
        ("grouptype", "static".to_string()),
        ("members", members.join(",")),
    ] {
        if wanted.as_ref().is_none_or(|w| w.contains(&k)) {
            m.insert(k.to_string(), Value::String(v));
        }
    }
    Answer::ok(json!({ g: m }))
}
