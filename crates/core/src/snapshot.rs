//! Builds a `ClusterView`: the cluster as one server sees it, with the product's status
//! strings. Section 1 of the behaviour contract decides every string here.

use super::engine::Sim;
use super::group_state::RState;
use super::view::{status, *};
use crate::model::{HeartbeatKind, ResolverKind, ServerId};

fn path_kind(k: HeartbeatKind) -> &'static str {
    match k {
        HeartbeatKind::Lankhb => "lankhb",
        HeartbeatKind::Lanhb => "lanhb",
        HeartbeatKind::Diskhb => "diskhb",
        HeartbeatKind::Witnesshb => "witnesshb",
    }
}

impl Sim {
    /// The cluster as the first running server (by priority) sees it; everything
    /// `Offline` when no server runs the cluster service.
    pub fn view(&self) -> ClusterView {
        self.view_as(self.first_running_observer())
    }

    /// The cluster as `server` sees it (what its own API listener answers).
    pub fn view_from(&self, server: ServerId) -> ClusterView {
        if self.servers[server].running() {
            self.view_as(Some(server))
        } else {
            self.view_as(None)
        }
    }

    /// The view as observer `o` knows the cluster (ground truth for `None`). (Over 100
    /// lines until the view's statuses become enums, #10 item 4, which splits it per
    /// section.)
    fn view_as(&self, o: Option<ServerId>) -> ClusterView {
        let m = &self.model;
        let n = self.n();
        let sees = |s: ServerId| o.is_some_and(|o| o == s || self.members.believes_up.get(o, s));
        let servers: Vec<ServerView> = (0..n)
            .map(|s| {
                let st = match o {
                    None => status::OFFLINE,
                    Some(o) if o == s => status::ONLINE,
                    Some(o) if !self.members.believes_up.get(o, s) => status::OFFLINE,
                    Some(o) => {
                        let partial = (0..m.paths.len()).any(|p| self.hb.timed_out(o, s, p));
                        if partial {
                            status::CAUTION
                        } else {
                            status::ONLINE
                        }
                    }
                };
                let paths = m
                    .paths
                    .iter()
                    .enumerate()
                    .map(|(p, path)| PathView {
                        name: path.name.clone(),
                        kind: path_kind(path.kind),
                        status: match o {
                            _ if !path.on_server[s] => status::UNUSED,
                            None => status::OFFLINE,
                            Some(o) if o == s => status::NORMAL,
                            Some(o) if !self.members.believes_up.get(o, s) => status::OFFLINE,
                            Some(o) if self.hb.timed_out(o, s, p) => status::ERROR,
                            Some(_) => status::NORMAL,
                        },
                    })
                    .collect();
                ServerView {
                    name: m.servers[s].name.clone(),
                    status: st,
                    ip: m.servers[s].ip.clone(),
                    reachable: self.servers[s].power && !self.servers[s].hung,
                    paths,
                }
            })
            .collect();

        let heartbeats = m
            .paths
            .iter()
            .enumerate()
            .map(|(p, path)| {
                let st = match o {
                    None => status::OFFLINE,
                    Some(o) => {
                        let peers: Vec<ServerId> = (0..n)
                            .filter(|&j| {
                                j != o && path.on_server[j] && self.members.believes_up.get(o, j)
                            })
                            .collect();
                        let lost = peers
                            .iter()
                            .filter(|&&j| self.hb.timed_out(o, j, p))
                            .count();
                        if !path.on_server[o] {
                            status::UNUSED
                        } else if lost == 0 {
                            status::NORMAL
                        } else if lost < peers.len() {
                            status::CAUTION
                        } else {
                            status::ERROR
                        }
                    }
                };
                PathView {
                    name: path.name.clone(),
                    kind: path_kind(path.kind),
                    status: st,
                }
            })
            .collect();

        let resolvers = m
            .resolvers
            .iter()
            .enumerate()
            .map(|(i, r)| ResolverView {
                name: r.name.clone(),
                kind: match r.kind {
                    ResolverKind::Pingnp => "pingnp",
                    ResolverKind::Majority => "majority",
                },
                status: match o {
                    None => status::OFFLINE,
                    Some(o)
                        if r.kind == ResolverKind::Pingnp
                            && !self.env.faults.resolver_reachable(i, o) =>
                    {
                        status::ERROR
                    }
                    Some(_) => status::NORMAL,
                },
            })
            .collect();

        // A group is shown where the observer believes it active (§0: a quiet peer it
        // still counts keeps the statuses it last reported).
        let shown_on = |g: usize| -> Option<ServerId> { o.and_then(|o| self.known_current(o, g)) };
        let frozen = |s: ServerId| o.and_then(|o| self.frozen(o, s));
        let group_status = |g: usize, s: ServerId| match frozen(s) {
            Some(f) => f.group[g],
            None => self.group_status_on(g, s),
        };
        let rstate = |r: usize, s: ServerId| match frozen(s) {
            Some(f) => f.rstate[r],
            None => self.rstate(r, s),
        };
        let name_of = |s: Option<ServerId>| {
            s.map(|s| m.servers[s].name.clone())
                .unwrap_or_else(|| status::NONE.to_string())
        };
        let groups: Vec<GroupView> = m
            .groups
            .iter()
            .enumerate()
            .map(|(g, group)| {
                let cur = shown_on(g);
                GroupView {
                    name: group.name.clone(),
                    status: cur.map(|s| group_status(g, s)).unwrap_or(status::OFFLINE),
                    current: name_of(cur),
                    resources: group
                        .resources
                        .iter()
                        .map(|&r| m.resources[r].name.clone())
                        .collect(),
                }
            })
            .collect();

        let resources = m
            .resources
            .iter()
            .enumerate()
            .map(|(r, res)| {
                let cur = shown_on(res.group).filter(|&s| rstate(r, s) != RState::Offline);
                ResourceView {
                    name: res.name.clone(),
                    kind: res.kind.as_str(),
                    status: cur
                        .map(|s| rstate(r, s).status())
                        .unwrap_or(status::OFFLINE),
                    current: name_of(cur),
                    group: m.groups[res.group].name.clone(),
                    depends_on: res
                        .depends_on
                        .iter()
                        .map(|&d| m.resources[d].name.clone())
                        .collect(),
                }
            })
            .collect();

        let monitors = m
            .monitors
            .iter()
            .enumerate()
            .map(|(i, mon)| {
                let per: Vec<MonitorServerView> = (m.monitor_servers(i).iter().copied())
                    .map(|s| MonitorServerView {
                        name: m.servers[s].name.clone(),
                        status: if let Some(f) = frozen(s) {
                            f.mon[i]
                        } else if sees(s) {
                            self.mon_status(i, s)
                        } else {
                            status::OFFLINE
                        },
                    })
                    .collect();
                MonitorView {
                    name: mon.name.clone(),
                    kind: mon.kind.clone(),
                    status: overall_monitor_status(&per),
                    servers: per,
                }
            })
            .collect::<Vec<_>>();

        let cluster_status = match o {
            // Stopped in good order everywhere reads Offline; lost servers read Error.
            None => {
                if self
                    .servers
                    .iter()
                    .all(|s| !s.hung && !s.abnormal && s.crash_faults == 0)
                {
                    status::OFFLINE
                } else {
                    status::ERROR
                }
            }
            Some(_) => {
                let all_online = servers
                    .iter()
                    .all(|s: &ServerView| s.status == status::ONLINE);
                let failure = groups.iter().any(|g| g.status.ends_with("Failure"))
                    || monitors.iter().any(|m| m.status == status::ERROR);
                if all_online && !failure {
                    status::NORMAL
                } else {
                    status::CAUTION
                }
            }
        };

        ClusterView {
            now_ms: self.kernel.now(),
            name: m.name.clone(),
            status: cluster_status,
            observer: o.map(|o| m.servers[o].name.clone()),
            toratio: self.toratio,
            suspended: self.suspended,
            busy: self.busy(),
            servers,
            heartbeats,
            resolvers,
            groups,
            resources,
            monitors,
            mirrors: self.mirror_views(),
            mirror_actions: (!m.mirrors.is_empty()).then(|| MirrorActionsView {
                backup: self.mirror_action_status(super::input::MirrorActionKind::Backup),
                restore: self.mirror_action_status(super::input::MirrorActionKind::Restore),
            }),
        }
    }

    fn mirror_views(&self) -> Vec<MirrorView> {
        let m = &self.model;
        (0..m.mirrors.len())
            .map(|k| {
                let d = &m.mirrors[k];
                let st = &self.mirror[k];
                let servers = (0..2)
                    .map(|side| {
                        let (status, color) = self.mirror_side(k, side);
                        MirrorServerView {
                            name: m.servers[d.servers[side]].name.clone(),
                            status,
                            color,
                            latest: st.latest[side],
                            last_update_ms: st.last_update[side],
                            break_time_ms: st.break_time,
                        }
                    })
                    .collect();
                MirrorView {
                    name: m.resources[d.resource].name.clone(),
                    device: d.device.clone(),
                    status: self.mirror_overall(k),
                    size_mib: d.size_mib,
                    servers,
                    recovery: st.recovery.as_ref().map(|r| MirrorRecoveryView {
                        from: m.servers[d.servers[r.from]].name.clone(),
                        to: m.servers[d.servers[r.to]].name.clone(),
                        mode: if r.full { "NORMAL" } else { "FAST" },
                        bytes: r.bytes,
                        started_ms: r.started,
                        done_ms: r.done_at,
                    }),
                }
            })
            .collect()
    }
}

/// Error if any server is in Error, else Caution if any, else Suspend if every running
/// instance is suspended, else Normal if any runs, else Offline [assume].
fn overall_monitor_status(per: &[MonitorServerView]) -> &'static str {
    let has = |s: &str| per.iter().any(|x| x.status == s);
    if has(status::ERROR) {
        status::ERROR
    } else if has(status::CAUTION) {
        status::CAUTION
    } else if has(status::NORMAL) {
        status::NORMAL
    } else if has(status::SUSPEND) {
        status::SUSPEND
    } else {
        status::OFFLINE
    }
}

impl Sim {
    /// Ground truth, for properties and tests: the servers on which group g holds a
    /// resource (Online, or Offline Pending: not yet released), leaving out hung
    /// servers, which serve nothing until they resume.
    pub fn group_active_servers(&self, g: usize) -> Vec<ServerId> {
        self.groups.active_on[g]
            .iter()
            .copied()
            .filter(|&s| !self.servers[s].hung)
            .filter(|&s| {
                self.model.groups[g]
                    .resources
                    .iter()
                    .any(|&r| matches!(self.rstate(r, s), RState::Online | RState::OfflinePending))
            })
            .collect()
    }

    /// Ground truth: whether heartbeats of s reach o right now on some path.
    pub fn hears(&self, o: ServerId, s: ServerId) -> bool {
        self.hears_now(o, s)
    }

    /// Ground truth: whether server o reaches resolver i's ping target right now.
    pub fn reaches_resolver_target(&self, o: ServerId, i: usize) -> bool {
        self.env.faults.resolver_reachable(i, o)
    }

    /// Ground truth: s is leaving in good order: powered, not hung, its cluster service
    /// stopping its groups (it takes no membership decisions until it has left).
    pub fn is_leaving(&self, s: ServerId) -> bool {
        self.servers[s].alive() && !self.servers[s].running()
    }

    /// Ground truth: the cluster service runs on s (powered, not hung, not stopping).
    pub fn is_running(&self, s: ServerId) -> bool {
        self.servers[s].running()
    }

    /// Whether server o counts server j as a cluster member (o's membership).
    pub fn counts_as_member(&self, o: ServerId, j: ServerId) -> bool {
        o == j && self.servers[o].running() || self.members.believes_up.get(o, j)
    }
}
