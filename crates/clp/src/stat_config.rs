//! `clpstat --cl --sv --hb --np --grp --rsc --mon` and `-i` (all of them): the
//! configuration, read from `/sim/v1/config` with every default applied.
//!
//! Layout [infer from the product's configuration views; the reference names only the
//! options]: the title, then one `[Kind N : name]` heading per object (the cluster's is
//! `[Cluster Name: name]`) and its parameters as `label : value`, labels padded so the
//! colon is in column 41; a list continues on lines with an empty label. Times are in
//! seconds, as the product's configuration shows them.

use super::client::{Client, Unreachable};
use super::stat::{closing, title};
use crate::model::{AutoManual, Millis, Model, MonitorTiming, RecoveryTarget};

/// The configuration view for `flag`, or `None` if `flag` is a status view.
pub fn render(client: &Client, flag: &str) -> Option<Result<String, Unreachable>> {
    let parts: &[&str] = match flag {
        "-i" => &["--cl", "--sv", "--hb", "--np", "--grp", "--rsc", "--mon"],
        "--cl" | "--sv" | "--hb" | "--np" | "--grp" | "--rsc" | "--mon" => {
            std::slice::from_ref(&flag)
        }
        _ => return None,
    };
    Some(client.config().map(|m| {
        let mut out = Vec::new();
        for part in parts {
            out.extend(section(&m, part));
        }
        out.push(closing());
        out.join("\n") + "\n"
    }))
}

fn line(label: &str, value: impl std::fmt::Display) -> String {
    format!("    {label:<37}: {value}").trim_end().to_string()
}

/// A list: the first item on the label's line, the others under it.
fn list(out: &mut Vec<String>, label: &str, items: &[String]) {
    for (i, item) in items.iter().enumerate() {
        out.push(line(if i == 0 { label } else { "" }, item));
    }
    if items.is_empty() {
        out.push(line(label, ""));
    }
}

fn secs(m: Millis) -> String {
    let ms = m.ms();
    if ms.is_multiple_of(1000) {
        (ms / 1000).to_string()
    } else {
        format!("{}.{:03}", ms / 1000, ms % 1000)
    }
}

fn servers_of(m: &Model, on: &[bool]) -> Vec<String> {
    m.servers
        .iter()
        .zip(on)
        .filter(|(_, &x)| x)
        .map(|(s, _)| s.name.clone())
        .collect()
}

fn section(m: &Model, part: &str) -> Vec<String> {
    let mut out = Vec::new();
    match part {
        "--cl" => {
            out.push(title("CLUSTER INFORMATION"));
            out.push(format!("  [Cluster Name: {}]", m.name));
            let s = &m.settings;
            out.push(line("Heartbeat Interval", secs(s.heartbeat_interval)));
            out.push(line("Heartbeat Timeout", secs(s.heartbeat_timeout)));
            out.push(line("Server Sync Wait Time", secs(s.startup_wait)));
            out.push(line("Action at NP Occurrence", np_action(s.np_action)));
        }
        "--sv" => {
            out.push(title("SERVER INFORMATION"));
            for (i, s) in m.servers.iter().enumerate() {
                out.push(format!("  [Server{i} : {}]", s.name));
                out.push(line("Priority", s.priority));
                out.push(line("IP Address", s.ip.as_deref().unwrap_or("")));
            }
        }
        "--hb" => {
            out.push(title("HEARTBEAT RESOURCE INFORMATION"));
            for (i, p) in m.paths.iter().enumerate() {
                out.push(format!("  [HB{i} : {}]", p.name));
                out.push(line("Type", kind_name(&format!("{:?}", p.kind))));
                out.push(line("Priority", i));
                out.push(line("Interval", secs(p.interval)));
                out.push(line("Timeout", secs(p.timeout)));
                list(&mut out, "Servers", &servers_of(m, &p.on_server));
            }
        }
        "--np" => {
            out.push(title("NETWORK PARTITION RESOLUTION INFORMATION"));
            for (i, r) in m.resolvers.iter().enumerate() {
                out.push(format!("  [NP{i} : {}]", r.name));
                out.push(line("Type", kind_name(&format!("{:?}", r.kind))));
                out.push(line("Target", r.target.as_deref().unwrap_or("")));
            }
        }
        "--grp" => groups(m, &mut out),
        "--rsc" => resources(m, &mut out),
        _ => monitors(m, &mut out),
    }
    out
}

fn kind_name(debug: &str) -> String {
    debug.to_lowercase()
}

fn np_action(a: crate::model::NpAction) -> &'static str {
    match a {
        crate::model::NpAction::StopClusterService => "Stop the cluster service",
        crate::model::NpAction::ShutdownOs => "Stop the cluster service and shutdown OS",
        crate::model::NpAction::RebootOs => "Stop the cluster service and reboot OS",
    }
}

fn groups(m: &Model, out: &mut Vec<String>) {
    out.push(title("GROUP INFORMATION"));
    for (i, g) in m.groups.iter().enumerate() {
        out.push(format!("  [Group{i} : {}]", g.name));
        out.push(line("Type", "failover"));
        let auto = |a: AutoManual, yes: &'static str, no: &'static str| match a {
            AutoManual::Auto => yes,
            AutoManual::Manual => no,
        };
        out.push(line(
            "Startup Attribute",
            auto(g.startup, "Auto Startup", "Manual Startup"),
        ));
        out.push(line(
            "Failover Exclusive Attribute",
            if g.exclusive { "Normal" } else { "Off" },
        ));
        out.push(line(
            "Failback Attribute",
            auto(g.failback, "Auto Failback", "Manual Failback"),
        ));
        out.push(line(
            "Failover Attribute",
            auto(g.failover, "Auto Failover", "Manual Failover"),
        ));
        let policy: Vec<String> = g
            .policy
            .iter()
            .enumerate()
            .map(|(k, &s)| format!("{k} {}", m.servers[s].name))
            .collect();
        list(out, "Servers which can run the Group", &policy);
    }
}

fn resources(m: &Model, out: &mut Vec<String>) {
    out.push(title("GROUP RESOURCE INFORMATION"));
    for (i, r) in m.resources.iter().enumerate() {
        out.push(format!("  [Resource{i} : {}]", r.name));
        out.push(line("Type", r.kind));
        out.push(line("Group", &m.groups[r.group].name));
        let deps: Vec<String> = r
            .depends_on
            .iter()
            .map(|&d| m.resources[d].name.clone())
            .collect();
        list(out, "Dependent Resources", &deps);
        out.push(line(
            "Retry Count at Activation Failure",
            r.activation_retry,
        ));
        out.push(line("Failover Threshold", r.failover_threshold));
        out.push(line(
            "Final Action at Activation Failure",
            r.activation_final_action.describe(),
        ));
        out.push(line(
            "Retry Count at Deactivation Failure",
            r.deactivation_retry,
        ));
        out.push(line(
            "Final Action at Deactivation Failure",
            r.deactivation_final_action.describe(),
        ));
    }
}

fn monitors(m: &Model, out: &mut Vec<String>) {
    out.push(title("MONITOR RESOURCE INFORMATION"));
    for (i, mon) in m.monitors.iter().enumerate() {
        out.push(format!("  [Monitor{i} : {}]", mon.name));
        out.push(line("Type", &mon.kind));
        let timing = match mon.timing {
            MonitorTiming::Always => "Always",
            MonitorTiming::Active => "Activating",
        };
        out.push(line("Monitor Timing", timing));
        let target = mon.target.map(|r| m.resources[r].name.as_str());
        out.push(line("Target Resource", target.unwrap_or("")));
        out.push(line("Interval", secs(mon.interval)));
        out.push(line("Timeout", secs(mon.timeout)));
        out.push(line("Retry Count", mon.retry));
        let (rt, rtype) = match mon.recovery {
            RecoveryTarget::Resource(r) => (m.resources[r].name.as_str(), "Resource"),
            RecoveryTarget::Group(g) => (m.groups[g].name.as_str(), "Group"),
            RecoveryTarget::LocalServer => ("LocalServer", "Cluster"),
        };
        out.push(line("Recovery Target", rt));
        out.push(line("Recovery Target Type", rtype));
        out.push(line("Reactivation Threshold", mon.max_reactivation));
        out.push(line("Failover Threshold", mon.max_failover));
        out.push(line("Final Action", mon.final_action.describe()));
        out.push(line(
            "Do Not Retry at Timeout Occurrence",
            if mon.ignore_timeout { "On" } else { "Off" },
        ));
        list(out, "Servers", &servers_of(m, &mon.on_server));
    }
}
