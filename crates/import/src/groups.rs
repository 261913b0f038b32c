//! `clp.conf` -> groups with their resources, and monitors. Parameter paths and codes
//! as NEC's `clpcfset`/`clpcreate` documents them: group `start`, `failover`,
//! `failback`, `policy@server/order`, member `resource@name="type@name"`; resource
//! `act/retry`, `act/fo`, `act/action`, `deact/retry`, `deact/action`, `depend@name`;
//! monitor `target`, `polling/{interval,timeout,reconfirmation,timing}`,
//! `polling/servers@id/name`, `relation/{type,name}`, `emergency/threshold/{restart,fo}`,
//! `emergency/action`, `emergency/timeout/notrecovery/use`. Times are in seconds.

use super::xml::{xml_path, Conf};
use super::Import;
use crate::model::file::{ActivationFile, DeactivationFile, GroupFile, MonitorFile, ResourceFile};
use crate::model::{AutoManual, FinalAction, Millis, MonitorTiming, ResourceKind};
use roxmltree::Node;
use std::collections::BTreeMap;

/// Product resource types -> model kinds; `true` when the kind is an approximation
/// (Windows types and types the model does not have) and deserves a warning.
fn resource_kind(tag: &str) -> Option<(ResourceKind, bool)> {
    use ResourceKind::*;
    let exact = match tag {
        "fip" => Fip,
        "vip" => Vip,
        "disk" => Disk,
        "md" => Md,
        "hd" => Hd,
        "volmgr" => Volmgr,
        "nas" => Nas,
        "ddns" => Ddns,
        "exec" => Exec,
        "vm" => Vm,
        "awsvip" => Awsvip,
        "awseip" => Awseip,
        "awsdns" => Awsdns,
        "azurepp" => Azurepp,
        "azuredns" => Azuredns,
        _ => {
            let near = match tag {
                "sd" => Disk,
                "cifs" => Nas,
                "script" | "appli" | "service" | "regsync" | "print" => Exec,
                "azurelb" | "gcvip" | "gclb" | "ocivip" | "ocilb" => Vip,
                _ => return None,
            };
            return Some((near, true));
        }
    };
    Some((exact, false))
}

fn auto_manual(v: u64) -> AutoManual {
    if v == 0 {
        AutoManual::Manual
    } else {
        AutoManual::Auto
    }
}

/// Resource activation/deactivation final action codes [doc: clpcfset].
fn rsc_action(out: &mut Import, path: &str, code: u64) -> Option<FinalAction> {
    Some(match code {
        0 => FinalAction::NoOperationContinue,
        1 => FinalAction::NoOperation,
        2 => FinalAction::StopGroup,
        3 => FinalAction::StopClusterService,
        4 => FinalAction::ShutdownOs,
        5 => FinalAction::RebootOs,
        9 | 11 | 13 => out.approx(path, code, FinalAction::RebootOs, "reboot-os"),
        8 | 10 | 12 | 14 | 15 => out.approx(path, code, FinalAction::ShutdownOs, "shutdown-os"),
        _ => {
            out.error(format!("{path}: unknown final action code {code}"));
            return None;
        }
    })
}

/// Monitor final action codes [doc: clpcfset]: 1 no operation ... 16 stop resource.
fn mon_action(out: &mut Import, path: &str, code: u64) -> Option<FinalAction> {
    match code {
        1 => Some(FinalAction::NoOperation),
        16 => {
            out.warn(format!(
                "{path}: 16 (stop resource) is simulated as stop-group"
            ));
            Some(FinalAction::StopGroup)
        }
        0 => {
            out.error(format!("{path}: unknown final action code 0"));
            None
        }
        c => rsc_action(out, path, c),
    }
}

struct Def<'a> {
    kind: ResourceKind,
    node: Node<'a, 'a>,
}

/// Resource definitions under `/root/resource`, by name.
fn definitions<'a>(c: &Conf<'a>, out: &mut Import) -> BTreeMap<String, Def<'a>> {
    let mut defs = BTreeMap::new();
    let Some(res) = c.at(c.root(), "resource") else {
        return defs;
    };
    for t in c.children(res, "types") {
        c.take(t);
    }
    for el in res
        .children()
        .filter(|n| n.is_element() && !n.has_tag_name("types"))
    {
        let tag = el.tag_name().name();
        let Some((kind, approx)) = resource_kind(tag) else {
            out.error(format!("{}: unknown resource type `{tag}`", xml_path(el)));
            continue;
        };
        if approx {
            out.warn(format!(
                "{}: type `{tag}` is simulated as `{kind}`",
                xml_path(el)
            ));
        }
        c.take(el);
        match el.attribute("name") {
            Some(n) => {
                defs.insert(n.to_string(), Def { kind, node: el });
            }
            None => out.error(format!("{}: a resource without a name", xml_path(el))),
        }
    }
    defs
}

fn resource(c: &Conf, out: &mut Import, name: &str, d: &Def, names: &[String]) -> ResourceFile {
    let n = d.node;
    let p = xml_path(n);
    let num = |out: &mut Import, path: &str| out.num(c, n, path).ok().flatten();
    let act_action =
        num(out, "act/action").and_then(|v| rsc_action(out, &format!("{p}/act/action"), v));
    let deact_action =
        num(out, "deact/action").and_then(|v| rsc_action(out, &format!("{p}/deact/action"), v));
    let deps: Vec<Node> = c.children(n, "depend");
    let depends_on = (!deps.is_empty()).then(|| {
        deps.iter()
            .filter_map(|dep| {
                c.take(*dep);
                let target = dep.attribute("name")?.to_string();
                if !names.contains(&target) {
                    out.error(format!(
                        "{}: depends on `{target}`, which is not a resource of the same group",
                        xml_path(*dep)
                    ));
                }
                Some(target)
            })
            .collect()
    });
    ResourceFile {
        name: name.to_string(),
        kind: d.kind,
        depends_on,
        activation: ActivationFile {
            duration: None,
            retry: num(out, "act/retry").map(|v| v as u32),
            failover_threshold: num(out, "act/fo").map(|v| v as u32),
            final_action: act_action,
        },
        deactivation: DeactivationFile {
            duration: None,
            retry: num(out, "deact/retry").map(|v| v as u32),
            final_action: deact_action,
        },
        mirror: (d.kind == ResourceKind::Md).then(|| mirror(c, n)),
    }
}

/// An md resource's mirror: its connects (`parameters/netdev/mdcname`) and NMP device.
fn mirror(c: &Conf, n: Node) -> crate::model::mirror::MirrorFile {
    let connects: Vec<String> = c
        .at(n, "parameters")
        .map(|p| c.children(p, "netdev"))
        .unwrap_or_default()
        .into_iter()
        .filter_map(|nd| {
            c.take(nd);
            c.text(nd, "priority");
            c.text(nd, "device");
            c.text(nd, "mdcname")
        })
        .collect();
    crate::model::mirror::MirrorFile {
        servers: None,
        connects: (!connects.is_empty()).then_some(connects),
        size_mib: None,
        device: c.text(n, "parameters/nmppath"),
    }
}

pub fn groups(c: &Conf, out: &mut Import) {
    let defs = definitions(c, out);
    let servers: Vec<String> = out.file.servers.iter().map(|s| s.name.clone()).collect();
    let mut placed: Vec<String> = Vec::new();
    for g in c.children(c.root(), "group") {
        c.take(g);
        let Some(name) = g.attribute("name") else {
            out.error(format!("{}: a group without a name", xml_path(g)));
            continue;
        };
        if let Some(t) = c.text(g, "type") {
            if t != "failover" {
                out.warn(format!(
                    "{}/type: `{t}` groups are simulated as failover groups",
                    xml_path(g)
                ));
            }
        }
        // The group's index: implied by the order of the groups.
        let _ = c.at(g, "gid");
        let num = |out: &mut Import, path: &str| out.num(c, g, path).ok().flatten();
        let startup = num(out, "start").map(auto_manual).unwrap_or_default();
        let failover = num(out, "failover").map(auto_manual).unwrap_or_default();
        let failback = num(out, "failback")
            .map(auto_manual)
            .unwrap_or(AutoManual::Manual);
        let mut policy: Vec<(u64, String)> = Vec::new();
        for pol in c.children(g, "policy") {
            c.take(pol);
            let server = pol.attribute("name").unwrap_or("").to_string();
            if !servers.contains(&server) {
                out.error(format!(
                    "{}: no server `{server}` in the cluster",
                    xml_path(pol)
                ));
            }
            let order = out
                .num(c, pol, "order")
                .ok()
                .flatten()
                .unwrap_or(policy.len() as u64);
            policy.push((order, server));
        }
        policy.sort();
        let members = members(c, out, g, &defs);
        let names: Vec<String> = members.iter().map(|(n, _)| n.clone()).collect();
        let resources = members
            .iter()
            .map(|(n, d)| resource(c, out, n, d, &names))
            .collect();
        placed.extend(names);
        out.file.groups.push(GroupFile {
            name: name.to_string(),
            startup,
            failover,
            failback,
            servers: (!policy.is_empty()).then(|| policy.into_iter().map(|(_, s)| s).collect()),
            exclusive: false,
            resources,
        });
    }
    for (n, d) in &defs {
        if !placed.contains(n) {
            out.warn(format!("{}: in no group; ignored", xml_path(d.node)));
        }
    }
}

/// A group's `<resource name="type@name"/>` members, resolved to their definitions.
fn members<'a, 'd>(
    c: &Conf<'a>,
    out: &mut Import,
    g: Node<'a, 'a>,
    defs: &'d BTreeMap<String, Def<'a>>,
) -> Vec<(String, &'d Def<'a>)> {
    let mut list = Vec::new();
    for m in c.children(g, "resource") {
        c.take(m);
        let full = m.attribute("name").unwrap_or("");
        // `type@name` as clp.conf writes it; `name@type` accepted too.
        let found = full
            .split_once('@')
            .and_then(|(a, b)| defs.get_key_value(b).or_else(|| defs.get_key_value(a)))
            .or_else(|| defs.get_key_value(full));
        match found {
            Some((n, d)) => list.push((n.clone(), d)),
            None => out.error(format!(
                "{}: no resource `{full}` is defined under /root/resource",
                xml_path(m)
            )),
        }
    }
    list
}

pub fn monitors(c: &Conf, out: &mut Import) {
    let Some(mon) = c.at(c.root(), "monitor") else {
        return;
    };
    for t in c.children(mon, "types") {
        c.take(t);
    }
    for el in mon
        .children()
        .filter(|n| n.is_element() && !n.has_tag_name("types"))
    {
        c.take(el);
        let Some(name) = el.attribute("name") else {
            out.error(format!("{}: a monitor without a name", xml_path(el)));
            continue;
        };
        if let Some(m) = monitor(c, out, el, name) {
            out.file.monitors.push(m);
        }
    }
}

fn monitor(c: &Conf, out: &mut Import, el: Node, name: &str) -> Option<MonitorFile> {
    let p = xml_path(el);
    let resources: Vec<String> = out
        .file
        .groups
        .iter()
        .flat_map(|g| g.resources.iter().map(|r| r.name.clone()))
        .collect();
    let groups: Vec<String> = out.file.groups.iter().map(|g| g.name.clone()).collect();
    let servers: Vec<String> = out.file.servers.iter().map(|s| s.name.clone()).collect();
    // Mirror monitors name their mirror disk as `parameters/object`.
    let mirror_monitor = matches!(el.tag_name().name(), "mdw" | "mdnw");
    let target = c.text(el, "target").or_else(|| {
        mirror_monitor
            .then(|| c.text(el, "parameters/object"))
            .flatten()
    });
    if let Some(t) = &target {
        if !resources.contains(t) {
            out.error(format!("{p}/target: no group resource `{t}`"));
        }
    }
    let num = |out: &mut Import, path: &str| out.num(c, el, path).ok().flatten();
    let secs = |v: u64| Millis::secs(v);
    // A target is only written for timing "active" [doc: clpcfset, "when Monitor
    // Timing is Always, do not set target"], so a target without a timing means active.
    let timing = match num(out, "polling/timing") {
        Some(1) => MonitorTiming::Active,
        None if target.is_some() && !mirror_monitor => MonitorTiming::Active,
        _ => MonitorTiming::Always,
    };
    let recovery_target = match (c.text(el, "relation/type"), c.text(el, "relation/name")) {
        (Some(t), Some(n)) if t == "cls" => Some(if n == "LocalServer" {
            n
        } else {
            "LocalServer".into()
        }),
        (Some(t), Some(n)) if t == "rsc" && !resources.contains(&n) => {
            out.error(format!("{p}/relation/name: no group resource `{n}`"));
            None
        }
        (Some(t), Some(n)) if t == "grp" && !groups.contains(&n) => {
            out.error(format!("{p}/relation/name: no group `{n}`"));
            None
        }
        (Some(t), _) if !["rsc", "grp", "cls"].contains(&t.as_str()) => {
            out.error(format!("{p}/relation/type: `{t}` is not rsc, grp or cls"));
            None
        }
        (_, n) => n,
    };
    let mut on = Vec::new();
    for s in c.children(c.at(el, "polling").unwrap_or(el), "servers") {
        c.take(s);
        if let Some(n) = c.text(s, "name") {
            if !servers.contains(&n) {
                out.error(format!("{}/name: no server `{n}`", xml_path(s)));
            }
            on.push(n);
        }
    }
    let final_action = num(out, "emergency/action")
        .and_then(|v| mon_action(out, &format!("{p}/emergency/action"), v));
    Some(MonitorFile {
        name: name.to_string(),
        kind: el.tag_name().name().to_string(),
        target,
        interval: num(out, "polling/interval").map(secs),
        timeout: num(out, "polling/timeout").map(secs),
        retry: num(out, "polling/reconfirmation").map(|v| v as u32),
        timing,
        servers: (!on.is_empty()).then_some(on),
        recovery_target,
        max_reactivation: num(out, "emergency/threshold/restart").map(|v| v as u32),
        max_failover: num(out, "emergency/threshold/fo").map(|v| v as u32),
        final_action,
        ignore_timeout: num(out, "emergency/timeout/notrecovery/use") == Some(1),
    })
}
