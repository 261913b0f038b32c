//! `clpcl` (cluster service start/stop/restart, suspend/resume), `clpdown` (this
//! server: stop and shut down or reboot) and `clpstdn` (the whole cluster), each as
//! the REST operation the product's API offers for it.

use super::client::{encode, Client};
use super::{local_view, msg, opts, report, Out};
use std::time::{Duration, Instant};

const CL_USAGE: &str = "Usage: clpcl -s|-t|-r [-a] [-h hostname] | --suspend | --resume";

/// How long `clpcl -r` waits for the stop before starting again (`CLP_WAIT`, seconds)
/// [assume: the product's command waits for the cluster service to stop].
const RESTART_WAIT_SECS: u64 = 60;

pub fn clpcl(client: &Client, args: &[String]) -> Out {
    let modes = ["-s", "-t", "-r", "--suspend", "--resume"];
    let mut flags = modes.to_vec();
    flags.push("-a");
    let p = match opts::parse(args, &flags, &["-h"], 0, CL_USAGE) {
        Ok(p) => p,
        Err(o) => return o,
    };
    let invalid = || Out::fail(format!("{}\n{CL_USAGE}", msg::INVALID_OPTION));
    if p.count_of(&modes) != 1 || (p.has("-a") && p.has("-h")) {
        return invalid();
    }
    match () {
        _ if p.has("--suspend") || p.has("--resume") => {
            if p.has("-a") || p.has("-h") {
                return invalid();
            }
            let op = if p.has("--suspend") {
                "suspend"
            } else {
                "resume"
            };
            post(client, &format!("/api/v1/cluster/{op}"))
        }
        _ => {
            let server = if p.has("-a") {
                None
            } else {
                match server_arg(client, p.value("-h")) {
                    Ok(s) => Some(s),
                    Err(o) => return o,
                }
            };
            let path = |op: &str| match &server {
                None => format!("/api/v1/cluster/{op}"),
                Some(s) => format!("/api/v1/servers/{}/{op}", encode(s)),
            };
            if p.has("-r") {
                return restart(client, server.as_deref(), &path("stop"), &path("start"));
            }
            post(client, &path(if p.has("-s") { "start" } else { "stop" }))
        }
    }
}

/// `-h server` checked against the cluster, or the server the command runs on.
fn server_arg(client: &Client, h: Option<&str>) -> Result<String, Out> {
    let (local, view) = local_view(client)?;
    match h {
        None => Ok(local),
        Some(s) if view.server(s).is_some() => Ok(s.to_string()),
        Some(_) => Err(Out::fail(msg::INVALID_SERVER)),
    }
}

fn post(client: &Client, path: &str) -> Out {
    match client.post(path, None) {
        Ok(r) => report(r, msg::INVALID_SERVER),
        Err(e) => e.into(),
    }
}

/// Stop, wait until the service is stopped (on `server`, or everywhere), start.
fn restart(client: &Client, server: Option<&str>, stop: &str, start: &str) -> Out {
    let stopped = post(client, stop);
    if stopped.code != 0 {
        return stopped;
    }
    let wait = std::env::var("CLP_WAIT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(RESTART_WAIT_SECS);
    let deadline = Instant::now() + Duration::from_secs(wait);
    loop {
        let done = match client.view(server) {
            Ok(v) => match server {
                Some(s) => v.server(s).is_some_and(|x| x.status == "Offline"),
                None => v.observer.is_none(),
            },
            Err(e) => return e.into(),
        };
        if done {
            return post(client, start);
        }
        if Instant::now() >= deadline {
            return Out::fail(format!(
                "{}\n(the cluster service did not stop within {wait} s of wall time; with --clock manual, advance the clock, or set CLP_WAIT)",
                msg::OPERATION_IN_PROGRESS
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub fn clpdown(client: &Client, args: &[String]) -> Out {
    let p = match opts::parse(args, &["-r"], &[], 0, "Usage: clpdown [-r]") {
        Ok(p) => p,
        Err(o) => return o,
    };
    let local = match local_view(client) {
        Ok((l, _)) => l,
        Err(o) => return o,
    };
    let op = if p.has("-r") { "reboot" } else { "shutdown" };
    post(client, &format!("/api/v1/servers/{}/{op}", encode(&local)))
}

pub fn clpstdn(client: &Client, args: &[String]) -> Out {
    let p = match opts::parse(args, &["-r"], &[], 0, "Usage: clpstdn [-r]") {
        Ok(p) => p,
        Err(o) => return o,
    };
    if let Err(o) = local_view(client) {
        return o;
    }
    let op = if p.has("-r") { "reboot" } else { "shutdown" };
    post(client, &format!("/api/v1/cluster/{op}"))
}
