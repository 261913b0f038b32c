//! `clprsc`: start (`-s`) and stop (`-t`) one group resource, on the local server or
//! `-h hostname`.

use super::client::{encode, Client};
use super::{local_view, msg, opts, report, Out};
use serde_json::json;

const USAGE: &str = "Usage: clprsc -s rscname [-h hostname] | -t rscname";

pub fn run(client: &Client, args: &[String]) -> Out {
    let p = match opts::parse(args, &["-s", "-t"], &["-h"], 1, USAGE) {
        Ok(p) => p,
        Err(o) => return o,
    };
    let Some(name) = p.positional.first() else {
        return Out::fail(format!("{}\n{USAGE}", msg::INVALID_OPTION));
    };
    if p.count_of(&["-s", "-t"]) != 1 {
        return Out::fail(format!("{}\n{USAGE}", msg::INVALID_OPTION));
    }
    let (local, view) = match local_view(client) {
        Ok(x) => x,
        Err(o) => return o,
    };
    if view.observer.is_none() {
        return Out::fail(msg::SERVER_NOT_ACTIVE);
    }
    let Some(res) = view.resource(name) else {
        return Out::fail(msg::INVALID_RESOURCE);
    };
    let host = match p.value("-h") {
        Some(h) if view.server(h).is_none() => return Out::fail(msg::INVALID_SERVER),
        h => h.unwrap_or(&local).to_string(),
    };
    let (path, body) = if p.has("-s") {
        if res.status == "Online" {
            return Out::fail(msg::RESOURCE_STARTED);
        }
        let path = format!("/api/v1/resources/{}/start", encode(name));
        (path, Some(json!({"target": host})))
    } else {
        if res.status == "Offline" {
            return Out::fail(msg::RESOURCE_STOPPED);
        }
        (format!("/api/v1/resources/{}/stop", encode(name)), None)
    };
    match client.post(&path, body) {
        Ok(r) => report(r, msg::INVALID_RESOURCE),
        Err(e) => e.into(),
    }
}
