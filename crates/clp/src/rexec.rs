//! `clprexec --script file -h ip [-T timeout]`: run a script on a server, as REST's
//! `POST /api/v1/scripts/run` (the script is named as the cluster lists it).

use super::client::Client;
use super::{msg, opts, report, Out};
use serde_json::json;

const USAGE: &str = "Usage: clprexec --script script_file -h IP [-T timeout]";

pub fn run(client: &Client, args: &[String]) -> Out {
    let p = match opts::parse(args, &[], &["--script", "-h", "-T"], 0, USAGE) {
        Ok(p) => p,
        Err(o) => return o,
    };
    let (Some(script), Some(host)) = (p.value("--script"), p.value("-h")) else {
        return Out::fail(format!("{}\n{USAGE}", msg::INVALID_OPTION));
    };
    let mut body = json!({"script": script, "target": host});
    if let Some(t) = p.value("-T") {
        match t.parse::<u64>() {
            Ok(secs) if secs > 0 => body["timeout"] = json!(secs),
            _ => return Out::fail(format!("{}\n{USAGE}", msg::INVALID_OPTION)),
        }
    }
    match client.post("/api/v1/scripts/run", Some(body)) {
        Ok(r) => report(r, msg::SCRIPT_MISSING),
        Err(e) => e.into(),
    }
}
