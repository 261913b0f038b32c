//! Mirror disks in the model: the mirror connects (the networks a mirror disk copies
//! its writes over, declared like heartbeat paths) and each `md` resource's mirror (its
//! two servers, its connects, its size and its NMP device).

use super::file::{ClusterFile, ResourceFile};
use super::types::{ResourceKind, ServerId};
use super::{Monitor, Resource};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A mirror connect as written in the cluster file.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MirrorConnectFile {
    pub name: String,
    /// Servers on this network; all servers when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub servers: Option<Vec<String>>,
}

/// An `md` resource's mirror as written in the cluster file; every field has a default.
#[derive(Clone, Debug, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MirrorFile {
    /// The two servers that hold the mirror; the group's first two startup servers
    /// when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub servers: Option<Vec<String>>,
    /// Mirror connects, in priority order; every declared one when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connects: Option<Vec<String>>,
    /// Data partition size in MiB; `settings.mirror_disk_size_mib` when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_mib: Option<u64>,
    /// The mirror partition device; `/dev/NMP<k>` (k-th md resource) when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
}

#[derive(Clone, Debug)]
pub struct MirrorConnect {
    pub name: String,
    /// Indexed by server: whether the server is on this network.
    pub on_server: Vec<bool>,
}

/// A resolved mirror disk: resource `resource` mirrored between `servers`.
#[derive(Clone, Debug)]
pub struct MirrorDisk {
    pub resource: usize,
    /// The primary (first) and the secondary server.
    pub servers: [ServerId; 2],
    pub connects: Vec<usize>,
    pub size_mib: u64,
    pub device: String,
}

impl MirrorDisk {
    /// The other server of the mirror, if `s` is one of its two.
    pub fn peer(&self, s: ServerId) -> Option<ServerId> {
        match self.servers {
            [a, b] if a == s => Some(b),
            [a, b] if b == s => Some(a),
            _ => None,
        }
    }
    /// 0 or 1: which side of the mirror `s` is.
    pub fn side(&self, s: ServerId) -> Option<usize> {
        self.servers.iter().position(|&x| x == s)
    }
}

/// What resolving the mirror parts produces, or the problems found (`at`, `problem`).
pub(super) struct Resolved {
    pub connects: Vec<MirrorConnect>,
    pub connect_ix: BTreeMap<String, usize>,
    pub disks: Vec<MirrorDisk>,
}

/// Resolves mirror connects and the mirrors of `md` resources. `groups_policy` is each
/// group's failover policy; `servers` and `paths` the resolved name indexes.
pub(super) fn resolve(
    file: &ClusterFile,
    servers: &BTreeMap<String, usize>,
    paths: &BTreeMap<String, usize>,
    resources: &mut [Resource],
    groups_policy: &[Vec<ServerId>],
    size_default: u64,
    errs: &mut Vec<(String, String)>,
) -> Resolved {
    let mut cx = Ctx {
        servers,
        connects: Vec::new(),
        connect_ix: BTreeMap::new(),
        errs,
    };
    cx.resolve_connects(file, paths);
    let mut disks = Vec::new();
    // Resource ids run across the groups in declaration order, as in `validate`.
    let mut rid = 0;
    for (gi, g) in file.groups.iter().enumerate() {
        for (ri, r) in g.resources.iter().enumerate() {
            let at = format!("groups[{gi}].resources[{ri}].mirror");
            if let Some(disk) = cx.disk(&at, r, &groups_policy[gi], rid, disks.len(), size_default)
            {
                resources[rid].mirror = Some(disks.len());
                disks.push(disk);
            }
            rid += 1;
        }
    }
    Resolved {
        connects: cx.connects,
        connect_ix: cx.connect_ix,
        disks,
    }
}

/// What the pieces of `resolve` share: the server index, the connects resolved so
/// far and the error list.
struct Ctx<'a> {
    servers: &'a BTreeMap<String, usize>,
    connects: Vec<MirrorConnect>,
    connect_ix: BTreeMap<String, usize>,
    errs: &'a mut Vec<(String, String)>,
}

impl Ctx<'_> {
    /// The mirror connects: unique names apart from the heartbeat paths', known servers.
    fn resolve_connects(&mut self, file: &ClusterFile, paths: &BTreeMap<String, usize>) {
        let n = file.servers.len();
        for (i, c) in file.mirror_connects.iter().enumerate() {
            let at = format!("mirror_connects[{i}]");
            if c.name.trim().is_empty() {
                self.errs
                    .push((format!("{at}.name"), "name is empty".into()));
            } else if paths.contains_key(&c.name) {
                self.errs.push((
                    format!("{at}.name"),
                    format!("`{}` is already the name of a heartbeat path", c.name),
                ));
            } else if self.connect_ix.insert(c.name.clone(), i).is_some() {
                self.errs
                    .push((format!("{at}.name"), format!("duplicate name `{}`", c.name)));
            }
            let mut on_server = vec![c.servers.is_none(); n];
            for (k, name) in c.servers.iter().flatten().enumerate() {
                match self.servers.get(name) {
                    Some(&s) => on_server[s] = true,
                    None => self.errs.push((
                        format!("{at}.servers[{k}]"),
                        format!("unknown server `{name}`"),
                    )),
                }
            }
            self.connects.push(MirrorConnect {
                name: c.name.clone(),
                on_server,
            });
        }
    }

    /// The mirror of resource `rid` (the `k`-th disk if it resolves), or `None` when
    /// it is no `md` resource or its mirror has a problem (reported).
    fn disk(
        &mut self,
        at: &str,
        r: &ResourceFile,
        policy: &[ServerId],
        rid: usize,
        k: usize,
        size_default: u64,
    ) -> Option<MirrorDisk> {
        if r.kind != ResourceKind::Md {
            if r.mirror.is_some() {
                self.errs
                    .push((at.to_string(), "only an `md` resource has a mirror".into()));
            }
            return None;
        }
        let m = r.mirror.clone().unwrap_or_default();
        let pair = self.pair(at, &m, policy)?;
        let connects = self.disk_connects(at, &m, pair)?;
        Some(MirrorDisk {
            resource: rid,
            servers: pair,
            connects,
            size_mib: m.size_mib.unwrap_or(size_default).max(1),
            device: m.device.unwrap_or_else(|| format!("/dev/NMP{}", k + 1)),
        })
    }

    /// A mirror's two servers: the named ones, or the group's first two startup servers.
    fn pair(&mut self, at: &str, m: &MirrorFile, policy: &[ServerId]) -> Option<[ServerId; 2]> {
        let pair: Vec<ServerId> = match &m.servers {
            Some(list) => list
                .iter()
                .filter_map(|x| self.servers.get(x).copied())
                .collect(),
            None => policy.iter().copied().take(2).collect(),
        };
        let named_ok = m
            .servers
            .as_ref()
            .is_none_or(|l| l.iter().all(|x| self.servers.contains_key(x)));
        if !named_ok || pair.len() != 2 || pair[0] == pair[1] {
            self.errs.push((
                format!("{at}.servers"),
                "a mirror disk needs exactly two different, known servers".into(),
            ));
            return None;
        }
        Some([pair[0], pair[1]])
    }

    /// A mirror's connects (the named ones, or all) that reach both its servers.
    fn disk_connects(
        &mut self,
        at: &str,
        m: &MirrorFile,
        pair: [ServerId; 2],
    ) -> Option<Vec<usize>> {
        let list: Vec<usize> = match &m.connects {
            Some(names) => names
                .iter()
                .filter_map(|x| {
                    let c = self.connect_ix.get(x).copied();
                    if c.is_none() {
                        self.errs.push((
                            format!("{at}.connects"),
                            format!("unknown mirror connect `{x}`"),
                        ));
                    }
                    c
                })
                .collect(),
            None => (0..self.connects.len()).collect(),
        };
        let list: Vec<usize> = list
            .into_iter()
            .filter(|&c| self.connects[c].on_server[pair[0]] && self.connects[c].on_server[pair[1]])
            .collect();
        if list.is_empty() {
            self.errs.push((
                at.to_string(),
                "a mirror disk needs a mirror connect between its two servers \
                 (declare `mirror_connects`)"
                    .into(),
            ));
            return None;
        }
        Some(list)
    }
}

/// `mdw` and `mdnw` watch a mirror disk: their target must be an `md` resource.
pub(super) fn check_monitors(
    monitors: &[Monitor],
    resources: &[Resource],
    errs: &mut Vec<(String, String)>,
) {
    for (i, m) in monitors.iter().enumerate() {
        if !matches!(m.kind.as_str(), "mdw" | "mdnw") {
            continue;
        }
        let ok = m.target.is_some_and(|r| resources[r].mirror.is_some());
        if !ok {
            errs.push((
                format!("monitors[{i}].target"),
                format!(
                    "a `{}` monitor needs an `md` resource as its target",
                    m.kind
                ),
            ));
        }
    }
}
