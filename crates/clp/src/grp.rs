//! `clpgrp`: start (`-s`), stop (`-t`), move (`-m`) groups, and `-n` (where a group
//! runs). Like the product's command it checks names and the obvious states against
//! what the local server knows before asking, and prints the product's message;
//! anything else the cluster refuses is printed as the API words it.

use super::client::{encode, Client, View};
use super::{local_view, msg, opts, report, Out};
use serde_json::json;

const USAGE: &str = "Usage: clpgrp -s [grpname] [-h hostname] | -t [grpname] [-h hostname] | -m grpname [-h hostname] | -n grpname";

pub fn run(client: &Client, args: &[String]) -> Out {
    let modes = ["-s", "-t", "-m", "-n"];
    let p = match opts::parse(args, &modes, &["-h"], 1, USAGE) {
        Ok(p) => p,
        Err(o) => return o,
    };
    let invalid = || Out::fail(format!("{}\n{USAGE}", msg::INVALID_OPTION));
    let group = p.positional.first().map(String::as_str);
    if p.count_of(&modes) != 1
        || ((p.has("-m") || p.has("-n")) && group.is_none())
        || (p.has("-n") && p.has("-h"))
    {
        return invalid();
    }
    let (local, view) = match local_view(client) {
        Ok(x) => x,
        Err(o) => return o,
    };
    if view.observer.is_none() {
        return Out::fail(msg::SERVER_NOT_ACTIVE);
    }
    let host = match p.value("-h") {
        Some(h) if view.server(h).is_none() => return Out::fail(msg::INVALID_SERVER),
        h => h,
    };
    if let Some(g) = group {
        if view.group(g).is_none() {
            return Out::fail(msg::INVALID_GROUP);
        }
    }
    let on = host.unwrap_or(&local);
    match (p.flags[0].as_str(), group) {
        ("-n", Some(g)) => where_runs(&view, g),
        ("-s", Some(g)) => start(client, &view, g, on, host.is_some()),
        ("-s", None) => post(client, "/api/v1/groups/start", Some(json!({"target": on}))),
        ("-t", Some(g)) => {
            if view.group(g).is_some_and(|x| x.current == "None") {
                return Out::fail(msg::GROUP_STOPPED);
            }
            post(client, &format!("/api/v1/groups/{}/stop", encode(g)), None)
        }
        ("-t", None) => post(client, "/api/v1/groups/stop", Some(json!({"target": on}))),
        (_, Some(g)) => {
            if view.group(g).is_some_and(|x| x.current == "None") {
                return Out::fail(msg::GROUP_STOPPED);
            }
            let body = host.map(|h| json!({"target": h}));
            post(client, &format!("/api/v1/groups/{}/move", encode(g)), body)
        }
        _ => invalid(),
    }
}

fn start(client: &Client, view: &View, g: &str, on: &str, explicit: bool) -> Out {
    let current = view.group(g).map(|x| x.current.as_str()).unwrap_or("None");
    if current == on {
        return Out::fail(msg::GROUP_STARTED_LOCAL);
    }
    if current != "None" {
        return Out::fail(if explicit {
            msg::INVALID_TARGET_SERVER
        } else {
            msg::GROUP_STARTED_OTHER
        });
    }
    post(
        client,
        &format!("/api/v1/groups/{}/start", encode(g)),
        Some(json!({"target": on})),
    )
}

/// `-n`: the server's name, or the product's "stopped" message when it runs nowhere.
fn where_runs(view: &View, g: &str) -> Out {
    match view.group(g).map(|x| x.current.as_str()) {
        Some(cur) if cur != "None" => Out::ok(format!("{cur}\n")),
        _ => Out::fail(msg::GROUP_STOPPED),
    }
}

fn post(client: &Client, path: &str, body: Option<serde_json::Value>) -> Out {
    match client.post(path, body) {
        Ok(r) => report(r, msg::INVALID_GROUP),
        Err(e) => e.into(),
    }
}
