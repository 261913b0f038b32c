//! `clpmonctrl`: suspend (`-s`) and resume (`-r`) monitors, one (`-m name`) or all, on
//! the local server or `-h hostname` (the REST body's `target`). `-c` (clear the
//! recovery counters) has no REST operation: it is refused with a message saying so.

use super::client::{encode, Client};
use super::{local_view, msg, opts, report, Out};
use serde_json::json;

const USAGE: &str = "Usage: clpmonctrl -s|-r|-c [-h hostname] [-m monitor_name]";

pub fn run(client: &Client, args: &[String]) -> Out {
    let modes = ["-s", "-r", "-c"];
    let p = match opts::parse(args, &modes, &["-m", "-h"], 0, USAGE) {
        Ok(p) => p,
        Err(o) => return o,
    };
    if p.count_of(&modes) != 1 {
        return Out::fail(format!("{}\n{USAGE}", msg::INVALID_OPTION));
    }
    let (local, view) = match local_view(client) {
        Ok(x) => x,
        Err(o) => return o,
    };
    if view.observer.is_none() {
        return Out::fail(msg::CLUSTER_STOPPED);
    }
    if view.suspended {
        return Out::fail(msg::CLUSTER_SUSPENDED);
    }
    let host = match p.value("-h") {
        Some(h) if view.server(h).is_none() => return Out::fail(msg::INVALID_SERVER),
        h => h.unwrap_or(&local).to_string(),
    };
    let names: Vec<String> = match p.value("-m") {
        Some(m) if view.monitor(m).is_none() => return Out::fail(msg::MONITOR_NOT_REGISTERED),
        Some(m) => vec![m.to_string()],
        // All monitors that run on the server.
        None => view
            .monitors
            .iter()
            .filter(|m| m.servers.iter().any(|s| s.name == host))
            .map(|m| m.name.clone())
            .collect(),
    };
    if p.has("-c") {
        return Out::fail(
            "clpmonctrl -c: the REST API has no operation to clear recovery counters (clustersim); counters reset when the monitor finds its target healthy again.",
        );
    }
    let (op, already) = if p.has("-s") {
        ("suspend", "Suspend")
    } else {
        ("resume", "")
    };
    for name in &names {
        let status = view.monitor(name).and_then(|m| {
            m.servers
                .iter()
                .find(|s| s.name == host)
                .map(|s| s.status.as_str())
        });
        // Suspending all monitors skips those already suspended, resuming skips running ones.
        let skip = p.value("-m").is_none()
            && match op {
                "suspend" => status == Some(already),
                _ => status != Some("Suspend"),
            };
        if skip {
            continue;
        }
        let path = format!("/api/v1/monitors/{}/{op}", encode(name));
        let out = match client.post(&path, Some(json!({"target": host}))) {
            Ok(r) => report(r, msg::MONITOR_NOT_REGISTERED),
            Err(e) => return e.into(),
        };
        if out.code != 0 {
            return out;
        }
    }
    Out::succeeded()
}
