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

/// How the import maps a product resource type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mapping {
    /// The model has the type itself.
    Exact,
    /// Simulated as the nearest kind (a warning names it).
    Nearest,
    /// No equivalent: served by name, activated and stopped like an exec resource,
    /// listed as "not simulated".
    NotSimulated,
}

/// Product resource types -> model kinds. Nearest kinds, by what the resource does:
/// Windows disks (`sd`) and shares (`cifs`) as disk and nas; Windows application
/// resources (`script`, `appli`, `service`, `regsync`, `print`) as exec; names on the
/// network (`vcom`, `dyndns`, `gcdns`, `ocidns`) as ddns; cloud virtual IPs
/// (`awssip`, `gcvip`, `ocivip`, `azurelb`, `gclb`, `ocilb`) as their closest IP kind.
fn resource_kind(tag: &str) -> (ResourceKind, Mapping) {
    use ResourceKind::*;
    if let Some(k) = ResourceKind::ALL.iter().find(|k| k.as_str() == tag) {
        return (*k, Mapping::Exact);
    }
    let near = match tag {
        "sd" => Disk,
        "cifs" => Nas,
        "script" | "appli" | "service" | "regsync" | "print" => Exec,
        "vcom" | "dyndns" | "gcdns" | "ocidns" => Ddns,
        "awssip" => Awsvip,
        "azurelb" | "gcvip" | "gclb" | "ocivip" | "ocilb" => Vip,
        _ => return (Exec, Mapping::NotSimulated),
    };
    (near, Mapping::Nearest)
}

/// Monitor types NEC documents for Linux and Windows (`clpcfset` parameter lists and
/// the Reference Guides). The model runs every monitor the same way (its checks pass
/// until a fault says otherwise), so these import as they are; any other type is
/// imported too, with a "not simulated" warning.
const MONITOR_TYPES: &[&str] = &[
    "userw",
    "fipw",
    "vipw",
    "ipw",
    "miiw",
    "diskw",
    "pidw",
    "psw",
    "genw",
    "mdw",
    "mdnw",
    "hdw",
    "hdnw",
    "hdtw",
    "volmgrw",
    "ddnsw",
    "dyndnsw",
    "vmw",
    "vmdw",
    "mtw",
    "nasw",
    "bmcw",
    "mrw",
    "jraw",
    "sraw",
    "psrw",
    "lmw",
    "sdw",
    "servicew",
    "vcomw",
    "appliw",
    "cifsw",
    "printw",
    "regsyncw",
    "spoolw",
    "db2w",
    "ftpw",
    "httpw",
    "imap4w",
    "mysqlw",
    "nfsw",
    "odbcw",
    "oraclew",
    "oracleasw",
    "osmw",
    "otxw",
    "pop3w",
    "psqlw",
    "sambaw",
    "smtpw",
    "sqlserverw",
    "sybasew",
    "tuxw",
    "wasw",
    "wlsw",
    "jbossw",
    "iisw",
    "awsazw",
    "awsdnsw",
    "awseipw",
    "awsvipw",
    "awssipw",
    "azurednsw",
    "azurelbw",
    "azureppw",
    "gcdnsw",
    "gclbw",
    "gcvipw",
    "ocilbw",
    "ocivipw",
    "ocidnsw",
    "snmpw",
    "diskhbw",
];

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
        let (kind, mapping) = resource_kind(tag);
        match mapping {
            Mapping::Exact => {}
            Mapping::Nearest => out.warn(format!(
                "{}: type `{tag}` is simulated as `{kind}`",
                xml_path(el)
            )),
            Mapping::NotSimulated => out.warn(format!(
                "{}: type `{tag}` is not simulated; served by name, it activates and \
                 stops like an `exec` resource",
                xml_path(el)
            )),
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
        // A hybrid disk's netdevs name its connects too; the model mirrors md only.
        mirror: matches!(d.kind, ResourceKind::Md | ResourceKind::Hd)
            .then(|| mirror(c, n))
            .filter(|_| d.kind == ResourceKind::Md),
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
    let tag = el.tag_name().name();
    let mirror_monitor = matches!(tag, "mdw" | "mdnw" | "hdw" | "hdnw");
    if !MONITOR_TYPES.contains(&tag) {
        out.warn(format!(
            "{p}: type `{tag}` is not simulated; served by name, its checks pass until a \
             fault says otherwise"
        ));
    }
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
