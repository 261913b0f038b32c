//! `clp.conf` -> cluster, servers, heartbeats and resolvers (groups, resources and
//! monitors are in [`super::groups`]). Paths as NEC's `clpcfset`/`clpcreate` documents
//! them; absent values keep the product's defaults (the file stores only non-defaults).

use super::xml::{xml_path, Conf};
use super::Import;
use crate::model::file::{HeartbeatFile, ResolverFile, ServerFile};
use crate::model::{HeartbeatKind, Millis, NpAction, ResolverKind};
use roxmltree::Node;

/// Heartbeat kinds with a model equivalent, by element name.
const HEARTBEATS: &[(&str, HeartbeatKind)] = &[
    ("lankhb", HeartbeatKind::Lankhb),
    ("lanhb", HeartbeatKind::Lanhb),
    ("diskhb", HeartbeatKind::Diskhb),
    ("witnesshb", HeartbeatKind::Witnesshb),
];

pub fn cluster(c: &Conf, out: &mut Import) {
    let root = c.root();
    let Some(cl) = c.at(root, "cluster") else {
        out.error("/root/cluster: missing (the cluster's name is /root/cluster/name)".into());
        return;
    };
    match c.text(cl, "name") {
        Some(n) => out.file.cluster.name = n,
        None => out.error("/root/cluster/name: missing".into()),
    }
    // Informational: which OS the file was written for (Linux and Windows read alike).
    let _ = c.text(cl, "os");
    let _ = c.text(cl, "charset");
    let _ = c.text(cl, "encode");
    // Heartbeat timing, in milliseconds.
    for base in [root, cl] {
        if let Ok(Some(ms)) = out.num(c, base, "heartbeat/timeout") {
            out.file.settings.heartbeat_timeout = Millis(ms);
        }
        if let Ok(Some(ms)) = out.num(c, base, "heartbeat/interval") {
            out.file.settings.heartbeat_interval = Millis(ms);
        }
    }
    if let Ok(Some(code)) = out.num(c, cl, "networkpartition/npaction") {
        let path = "/root/cluster/networkpartition/npaction";
        out.file.settings.np_action = match code {
            1 => NpAction::StopClusterService,
            2 => NpAction::ShutdownOs,
            3 => NpAction::RebootOs,
            5 | 7 | 9 => out.approx(path, code, NpAction::RebootOs, "reboot-os"),
            4 | 6 | 8 | 10 | 11 => out.approx(path, code, NpAction::ShutdownOs, "shutdown-os"),
            0 => {
                out.warn(format!(
                    "{path}: 0 (no operation) has no equivalent; the default (shutdown-os) is kept"
                ));
                NpAction::ShutdownOs
            }
            _ => {
                out.error(format!("{path}: unknown action code {code}"));
                NpAction::ShutdownOs
            }
        };
    }
}

/// Each server's devices: (id, type, info) for `<device id=..><type>..<info>..`.
fn devices<'a>(c: &Conf<'a>, s: Node<'a, 'a>) -> Vec<(String, String, String, Node<'a, 'a>)> {
    c.children(s, "device")
        .into_iter()
        .map(|d| {
            let id = d.attribute("id").unwrap_or("").to_string();
            let kind = d
                .children()
                .find(|x| x.has_tag_name("type"))
                .and_then(|x| x.text())
                .unwrap_or("")
                .trim()
                .to_string();
            let info = d
                .children()
                .find(|x| x.has_tag_name("info"))
                .and_then(|x| x.text())
                .unwrap_or("")
                .trim()
                .to_string();
            (id, kind, info, d)
        })
        .collect()
}

fn take_device<'a>(c: &Conf<'a>, d: Node<'a, 'a>) {
    c.take(d);
    let _ = c.at(d, "type");
    let _ = c.at(d, "info");
}

pub fn servers(c: &Conf, out: &mut Import) {
    let mut list: Vec<(u64, ServerFile)> = Vec::new();
    for (pos, s) in c.children(c.root(), "server").into_iter().enumerate() {
        c.take(s);
        let Some(name) = s.attribute("name") else {
            out.error(format!("{}: a server without a name", xml_path(s)));
            continue;
        };
        let priority = out.num(c, s, "priority").ok().flatten();
        // The server's address: its first LAN interface (lowest device id).
        let mut lan: Vec<_> = devices(c, s)
            .into_iter()
            .filter(|(_, k, info, _)| k == "lan" && !info.is_empty())
            .collect();
        lan.sort_by_key(|(id, ..)| id.parse::<u64>().unwrap_or(u64::MAX));
        let ip = lan.first().map(|(_, _, info, d)| {
            take_device(c, *d);
            info.clone()
        });
        list.push((
            priority.unwrap_or(pos as u64),
            ServerFile {
                name: name.to_string(),
                priority: priority.map(|p| p as u32),
                ip,
            },
        ));
    }
    if list.is_empty() {
        out.error("/root/server: no server is defined".into());
    }
    list.sort_by_key(|(p, _)| *p);
    out.file.servers = list.into_iter().map(|(_, s)| s).collect();
}

/// Servers having a device with `id` (all when `id` is absent or every server has it).
fn servers_with_device(c: &Conf, id: Option<&str>) -> Option<Vec<String>> {
    let id = id?;
    let all = c.children(c.root(), "server");
    let mut on = Vec::new();
    for s in &all {
        for (did, _, _, d) in devices(c, *s) {
            if did == id {
                take_device(c, d);
                on.push(s.attribute("name").unwrap_or("").to_string());
            }
        }
    }
    (on.len() != all.len()).then_some(on)
}

pub fn heartbeats(c: &Conf, out: &mut Import) {
    let Some(hb) = c.at(c.root(), "heartbeat") else {
        out.error("/root/heartbeat: no heartbeat is defined".into());
        return;
    };
    for t in c.children(hb, "types") {
        c.take(t);
    }
    let mut list: Vec<(u64, HeartbeatFile)> = Vec::new();
    for el in hb.children().filter(|n| n.is_element()) {
        let tag = el.tag_name().name();
        let Some(&(_, kind)) = HEARTBEATS.iter().find(|(t, _)| *t == tag) else {
            continue; // timeout/interval/types are read elsewhere; the rest is reported
        };
        c.take(el);
        let Some(name) = el.attribute("name") else {
            out.error(format!("{}: a heartbeat without a name", xml_path(el)));
            continue;
        };
        let priority = out.num(c, el, "priority").ok().flatten();
        let device = c.text(el, "device");
        list.push((
            priority.unwrap_or(list.len() as u64),
            HeartbeatFile {
                name: name.to_string(),
                kind,
                interval: None,
                timeout: None,
                servers: servers_with_device(c, device.as_deref()),
            },
        ));
    }
    // Heartbeats in priority order (0 highest), as clpstat lists them.
    list.sort_by_key(|(p, _)| *p);
    out.file.heartbeats = list.into_iter().map(|(_, h)| h).collect();
    if out.file.heartbeats.is_empty() {
        out.error(
            "/root/heartbeat: no heartbeat of a supported type (lankhb, lanhb, diskhb, witnesshb)"
                .into(),
        );
    }
}

/// Mirror connects, in priority order. Two forms [doc: NEC's samples]: a top-level
/// `<mdc><mdc name="mdc1"><device>400</device></mdc></mdc>` (Linux files), or only
/// per-server `<device id="400"><type>mdc</type>` entries, the connect then named by
/// the `<mdcname>` of the md/hd `netdev` that uses that device (Windows files, and
/// Linux X 5.x files: EXPRESSCLUSTER/BasicCluster `X41/Win/conf/2nodesMirror/clp.conf`,
/// EXPRESSCLUSTER/clpcfdiff `conf/02_current/clp.conf`).
pub fn mirror_connects(c: &Conf, out: &mut Import) {
    let Some(root) = c.at(c.root(), "mdc") else {
        mirror_connect_devices(c, out);
        return;
    };
    for t in c.children(root, "types") {
        c.take(t);
    }
    let mut list = Vec::new();
    for el in c.children(root, "mdc") {
        c.take(el);
        let Some(name) = el.attribute("name") else {
            out.error(format!("{}: a mirror connect without a name", xml_path(el)));
            continue;
        };
        let priority = out.num(c, el, "priority").ok().flatten();
        let device = c.text(el, "device");
        list.push((
            priority.unwrap_or(list.len() as u64),
            crate::model::mirror::MirrorConnectFile {
                name: name.to_string(),
                servers: servers_with_device(c, device.as_deref()),
            },
        ));
    }
    list.sort_by_key(|(p, _)| *p);
    out.file.mirror_connects = list.into_iter().map(|(_, m)| m).collect();
    // The per-server mdc devices belong to the connects declared above.
    mark_mdc_devices(c);
}

/// Every `netdev` of an md or hd resource: `(device id, priority, mdcname)`.
fn netdevs(c: &Conf) -> Vec<(String, u64, String)> {
    let Some(res) = c.root().children().find(|n| n.has_tag_name("resource")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for r in res
        .children()
        .filter(|n| n.has_tag_name("md") || n.has_tag_name("hd"))
    {
        let Some(params) = r.children().find(|n| n.has_tag_name("parameters")) else {
            continue;
        };
        for nd in c.children(params, "netdev") {
            let field = |tag: &str| {
                nd.children()
                    .find(|x| x.has_tag_name(tag))
                    .and_then(|x| x.text())
                    .map(|t| t.trim().to_string())
            };
            if let (Some(dev), Some(name)) = (field("device"), field("mdcname")) {
                let prio = field("priority")
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(u64::MAX);
                out.push((dev, prio, name));
            }
        }
    }
    out
}

/// The per-server form: one connect per mdc device id, named by the netdev that uses
/// it (`mdc<N>` by device order when none names it), in the netdevs' priority order.
fn mirror_connect_devices(c: &Conf, out: &mut Import) {
    let mut ids: Vec<String> = Vec::new();
    for s in c.children(c.root(), "server") {
        for (id, kind, _, _) in devices(c, s) {
            if kind == "mdc" && !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    ids.sort_by_key(|id| id.parse::<u64>().unwrap_or(u64::MAX));
    let named = netdevs(c);
    let mut list: Vec<(u64, String, crate::model::mirror::MirrorConnectFile)> = Vec::new();
    for (pos, id) in ids.iter().enumerate() {
        let by_netdev = named
            .iter()
            .filter(|(d, ..)| d == id)
            .min_by_key(|(_, p, _)| *p);
        let (prio, name) = match by_netdev {
            Some((_, p, n)) => (*p, n.clone()),
            None => (u64::MAX, format!("mdc{}", pos + 1)),
        };
        if list.iter().any(|(_, n, _)| *n == name) {
            continue;
        }
        let servers = servers_with_device(c, Some(id));
        list.push((
            prio,
            name.clone(),
            crate::model::mirror::MirrorConnectFile { name, servers },
        ));
    }
    list.sort_by_key(|(p, ..)| *p);
    out.file.mirror_connects = list.into_iter().map(|(.., m)| m).collect();
    mark_mdc_devices(c);
}

/// An mdc device's `<mdc><info>` address is the connect's; nothing else to report.
fn mark_mdc_devices(c: &Conf) {
    for s in c.children(c.root(), "server") {
        for (_, kind, _, d) in devices(c, s) {
            if kind == "mdc" {
                take_device(c, d);
                if let Some(m) = c.at(d, "mdc") {
                    let _ = c.at(m, "info");
                }
            }
        }
    }
}

pub fn resolvers(c: &Conf, out: &mut Import) {
    let Some(np) = c.at(c.root(), "networkpartition") else {
        return;
    };
    for t in c.children(np, "types") {
        c.take(t);
    }
    let mut list: Vec<(u64, ResolverFile)> = Vec::new();
    for el in c.children(np, "pingnp") {
        c.take(el);
        let Some(name) = el.attribute("name") else {
            out.error(format!("{}: a resolver without a name", xml_path(el)));
            continue;
        };
        let priority = out.num(c, el, "priority").ok().flatten();
        if let Some(dev) = c.text(el, "device") {
            let _ = servers_with_device(c, Some(&dev));
        }
        // The first target of the first list is pinged; the model has one target.
        let mut targets = Vec::new();
        for g in c.children(el, "grp") {
            for l in c.children(g, "list") {
                if let Some(ip) = l.children().find(|x| x.has_tag_name("ip")) {
                    targets.push((ip, l, g));
                }
            }
        }
        let target = targets.first().map(|(ip, l, g)| {
            c.take(*g);
            c.take(*l);
            c.take(*ip).text().unwrap_or("").trim().to_string()
        });
        list.push((
            priority.unwrap_or(list.len() as u64),
            ResolverFile {
                name: name.to_string(),
                kind: ResolverKind::Pingnp,
                target,
            },
        ));
    }
    list.sort_by_key(|(p, _)| *p);
    out.file.resolvers = list.into_iter().map(|(_, r)| r).collect();
}
