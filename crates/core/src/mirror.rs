//! Mirror disks (`md`): which side holds the latest data, mirror break when the
//! mirror connects are cut or a side goes down, mirror recovery (full or differential
//! copy) when they connect again, the activation rule (only a side with the latest data
//! may activate), and what `mdw` / `mdnw` find.
//!
//! The state is reconciled by [`Sim::mirror_refresh`] after every engine step and every
//! input: connectivity is computed from the faults and the servers, so no fault or
//! power path needs to know about mirrors. Clusters without `md` resources skip it.

use super::engine::{Ev, Sim};
use super::event::{Arg, EventKind};
use super::group_state::RState;
use super::input::CheckResult;
use crate::model::ServerId;

/// Per-server mirror status strings and `clpmdstat` colours [infer: the product's
/// clpmdstat legend; GRAY is the product's colour for a server whose state is unknown].
pub mod mstatus {
    pub const NORMAL: &str = "Normal";
    pub const RECOVERING: &str = "Recovering";
    pub const ERROR: &str = "Error";
    pub const UNKNOWN: &str = "Unknown";
    /// The mirror as a whole (clpmdstat's "Mirror Status").
    pub const ABNORMAL: &str = "Abnormal";
    pub const GREEN: &str = "GREEN";
    pub const YELLOW: &str = "YELLOW";
    pub const RED: &str = "RED";
    pub const GRAY: &str = "GRAY";
}

/// `md 1`'s detail when the local data is not the latest [assume: the product's
/// wording is not in the catalogue].
pub const NOT_LATEST: &str = "The local server does not have the latest data.";
/// `mdadmn 5`'s detail when the connect is lost during a copy [assume].
pub const COPY_CUT: &str = "The mirror connect was disconnected.";

const MIB: u64 = 1024 * 1024;

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Recovery {
    pub from: usize,
    pub to: usize,
    pub full: bool,
    pub bytes: u64,
    pub started: u64,
    pub done_at: u64,
}

/// Backup or restore mode set by a pre-action (until its post-action).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum Mode {
    /// Offline: the mirror agents do not mirror.
    Offline,
    /// Online (`online`): the standby side is split off, the active side goes on.
    Isolated,
}

/// One mirror disk's state; sides are indexed as `MirrorDisk::servers`.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct MirrorState {
    pub latest: [bool; 2],
    pub connected: bool,
    /// A side whose difference information is gone: the next copy to it is full.
    pub full_needed: [bool; 2],
    /// Data changed on the latest side since the break (KiB).
    pub changed_kib: u64,
    pub writing_since: Option<u64>,
    pub break_time: Option<u64>,
    /// When each side last had the latest data (None: it has it now).
    pub last_update: [Option<u64>; 2],
    pub recovery: Option<Recovery>,
    pub gen: u64,
    pub mode: Option<Mode>,
    /// Copy even when auto mirror recovery is off (after a restore).
    pub force_recovery: bool,
    /// The per-server statuses last logged.
    #[serde(deserialize_with = "crate::state_codec::intern::pair")]
    pub logged: [&'static str; 2],
    pub agent_up: Vec<bool>,
}

impl MirrorState {
    pub(crate) fn new(n: usize) -> MirrorState {
        MirrorState {
            latest: [true, true],
            connected: true,
            full_needed: [false, false],
            changed_kib: 0,
            writing_since: None,
            break_time: None,
            last_update: [None, None],
            recovery: None,
            gen: 0,
            mode: None,
            force_recovery: false,
            logged: [mstatus::NORMAL, mstatus::NORMAL],
            agent_up: vec![true; n],
        }
    }
}

impl Sim {
    fn mirror_agent_started(&mut self, s: ServerId) {
        let kind = EventKind::MirrorAgentStarted;
        self.alert(Some(s), kind, ("mdagent", 1), vec![], |_| {});
    }

    pub(crate) fn mirror_init(&mut self) {
        let n = self.n();
        if self.model.mirrors.is_empty() {
            return;
        }
        for s in 0..n {
            if self.on_some_mirror(s) {
                self.mirror_agent_started(s);
            }
        }
    }

    fn on_some_mirror(&self, s: ServerId) -> bool {
        self.model.mirrors.iter().any(|d| d.side(s).is_some())
    }

    /// The mirror agent runs while the machine runs (it is its own service).
    fn agent_up(&self, s: ServerId) -> bool {
        self.servers[s].power && !self.servers[s].hung
    }

    /// Mirror connects of mirror k still carrying traffic between its two servers.
    fn connects_up(&self, k: usize) -> usize {
        let d = &self.model.mirrors[k];
        let [a, b] = d.servers;
        d.connects
            .iter()
            .filter(|&&c| !self.env.faults.mirror_connect_cut(c, a, b))
            .count()
    }

    /// The status and colour of side `side` of mirror k.
    pub(crate) fn mirror_side(&self, k: usize, side: usize) -> (&'static str, &'static str) {
        let st = &self.mirror[k];
        let s = self.model.mirrors[k].servers[side];
        if !self.agent_up(s) {
            return (mstatus::UNKNOWN, mstatus::GRAY);
        }
        match &st.recovery {
            Some(r) if r.to == side => (mstatus::RECOVERING, mstatus::YELLOW),
            _ if st.latest[side] => (mstatus::NORMAL, mstatus::GREEN),
            _ => (mstatus::ERROR, mstatus::RED),
        }
    }

    /// clpmdstat's "Mirror Status" of mirror k.
    pub(crate) fn mirror_overall(&self, k: usize) -> &'static str {
        let st = &self.mirror[k];
        if st.recovery.is_some() {
            mstatus::RECOVERING
        } else if st.connected && st.latest == [true, true] {
            mstatus::NORMAL
        } else {
            mstatus::ABNORMAL
        }
    }

    /// Reconciles every mirror with the servers, faults and resources; logs what changed.
    pub(crate) fn mirror_refresh(&mut self) {
        if self.model.mirrors.is_empty() {
            return;
        }
        // An action that just finished may set a mode the mirrors must see now.
        self.mirror_action_poll();
        for k in 0..self.model.mirrors.len() {
            self.mirror_refresh_one(k);
        }
    }

    fn mirror_refresh_one(&mut self, k: usize) {
        let d = self.model.mirrors[k].clone();
        self.mirror_agents(k);
        let up = d.servers.map(|s| self.agent_up(s));
        let conn = up[0] && up[1] && self.mirror[k].mode.is_none() && self.connects_up(k) > 0;
        let writers: Vec<usize> = (0..2)
            .filter(|&i| up[i] && self.rstate(d.resource, d.servers[i]) == RState::Online)
            .collect();
        let was = self.mirror[k].connected;
        self.mirror[k].connected = conn;
        if was && !conn {
            self.mirror_break(k);
        }
        if !conn {
            // A side that writes while the other cannot follow leaves it behind.
            for &w in &writers {
                let o = 1 - w;
                if self.mirror[k].latest[w] && self.mirror[k].latest[o] {
                    self.mirror[k].latest[o] = false;
                    self.mirror[k].last_update[o] = Some(self.kernel.now());
                } else if !self.mirror[k].latest[w] {
                    // Writing on a side that is behind (forced): nobody is latest.
                }
            }
            if writers.len() == 2 {
                self.mirror[k].latest = [false, false];
            }
            let st = &mut self.mirror[k];
            match (writers.is_empty(), st.writing_since) {
                (false, None) => st.writing_since = Some(self.kernel.now()),
                (true, Some(t)) => self.mirror_account(k, t),
                _ => {}
            }
        } else {
            if let Some(t) = self.mirror[k].writing_since {
                self.mirror_account(k, t);
            }
            self.mirror_maybe_recover(k);
        }
        self.mirror_log_status(k);
    }

    /// Adds the data written since `since` to the difference.
    fn mirror_account(&mut self, k: usize, since: u64) {
        let rate = self.model.settings.mirror_change_rate_kib_s;
        let st = &mut self.mirror[k];
        st.changed_kib = st
            .changed_kib
            .saturating_add((self.kernel.now() - since).saturating_mul(rate) / 1000);
        st.writing_since = None;
    }

    /// mdagent 1 / 3 when a server of the mirror comes up or shuts down in order.
    fn mirror_agents(&mut self, k: usize) {
        let d = self.model.mirrors[k].clone();
        for s in d.servers {
            let up = self.agent_up(s);
            if self.mirror[k].agent_up[s] == up {
                continue;
            }
            for st in self.mirror.iter_mut() {
                st.agent_up[s] = up;
            }
            if up {
                self.mirror_agent_started(s);
            } else if !self.servers[s].abnormal {
                self.alert(
                    Some(s),
                    EventKind::MirrorAgentStopped,
                    ("mdagent", 3),
                    vec![],
                    |_| {},
                );
            }
        }
    }

    fn mirror_break(&mut self, k: usize) {
        let d = self.model.mirrors[k].clone();
        self.mirror[k].break_time = Some(self.kernel.now());
        let reason = if self.mirror[k].mode.is_some() {
            "backup/restore mode".to_string()
        } else if d.servers.iter().any(|&s| !self.agent_up(s)) {
            "a server of the mirror is down".to_string()
        } else {
            "every mirror connect is cut".to_string()
        };
        let on = d.servers.into_iter().find(|&s| self.agent_up(s));
        self.log(EventKind::MirrorBreak, |e| {
            e.server = on;
            e.resource = Some(d.resource);
            e.status = Some(mstatus::ABNORMAL);
            e.reason = Some(reason);
        });
        if let Some(r) = self.mirror[k].recovery.take() {
            self.mirror[k].gen += 1;
            let from = d.servers[r.from];
            self.alert(
                Some(from),
                EventKind::MirrorRecoveryFailed,
                ("mdadmn", 5),
                vec![Arg::Text(COPY_CUT.into()), Arg::Text(d.device.clone())],
                |e| e.resource = Some(d.resource),
            );
        }
    }

    /// Starts a copy from the latest side to the other when the rules allow.
    fn mirror_maybe_recover(&mut self, k: usize) {
        let st = &self.mirror[k];
        let auto = self.model.settings.auto_mirror_recovery || st.force_recovery;
        if st.recovery.is_some() || !auto {
            return;
        }
        let (from, to) = match st.latest {
            [true, false] => (0, 1),
            [false, true] => (1, 0),
            [true, true] => {
                self.mirror[k].changed_kib = 0;
                self.mirror[k].break_time = None;
                return;
            }
            [false, false] => return, // no source: an operator must choose (forced recovery)
        };
        self.mirror_start_copy(k, from, to);
    }

    pub(crate) fn mirror_start_copy(&mut self, k: usize, from: usize, to: usize) {
        let d = self.model.mirrors[k].clone();
        let model = self.model.clone();
        let set = &model.settings;
        let st = &self.mirror[k];
        let full = st.full_needed[to] || !set.mirror_differential_copy;
        let size = d.size_mib.saturating_mul(MIB);
        let bytes = if full {
            size
        } else {
            st.changed_kib.saturating_mul(1024).min(size)
        };
        let rate = set.mirror_copy_rate_mib_s.max(1).saturating_mul(MIB);
        let ms = bytes.saturating_mul(1000).div_ceil(rate);
        self.mirror[k].gen += 1;
        let gen = self.mirror[k].gen;
        self.mirror[k].recovery = Some(Recovery {
            from,
            to,
            full,
            bytes,
            started: self.kernel.now(),
            done_at: self.kernel.now() + ms,
        });
        self.mirror[k].force_recovery = false;
        let src = d.servers[from];
        let mode = if full { "NORMAL" } else { "FAST" };
        self.alert(
            Some(src),
            EventKind::MirrorRecoveryMode,
            ("mdadmn", 7),
            vec![Arg::Text(mode.into()), Arg::Text(d.device.clone())],
            |e| e.resource = Some(d.resource),
        );
        let reason = format!(
            "{} copy of {bytes} bytes from {} to {} at {} MiB/s: {ms} ms",
            if full { "full" } else { "differential" },
            self.model.servers[src].name,
            self.model.servers[d.servers[to]].name,
            set.mirror_copy_rate_mib_s
        );
        self.alert(
            Some(src),
            EventKind::MirrorRecoveryStarting,
            ("mdadmn", 17),
            vec![Arg::Resource(d.resource), Arg::Int(bytes as i64)],
            |e| {
                e.resource = Some(d.resource);
                e.peer = Some(d.servers[to]);
                e.reason = Some(reason);
            },
        );
        self.schedule(
            self.kernel.now() + ms,
            Ev::MirrorCopyDone {
                mirror: k as u32,
                gen,
            },
        );
    }

    pub(crate) fn mirror_copy_done(&mut self, k: usize, gen: u64) {
        if self.mirror[k].gen != gen {
            return;
        }
        let Some(r) = self.mirror[k].recovery.take() else {
            return;
        };
        let d = self.model.mirrors[k].clone();
        let st = &mut self.mirror[k];
        st.latest[r.to] = true;
        st.full_needed[r.to] = false;
        st.last_update[r.to] = None;
        st.changed_kib = 0;
        st.break_time = None;
        let took = self.kernel.now() - r.started;
        self.alert(
            Some(d.servers[r.from]),
            EventKind::MirrorRecoveryDone,
            ("mdadmn", 6),
            vec![Arg::Resource(d.resource)],
            |e| {
                e.resource = Some(d.resource);
                e.peer = Some(d.servers[r.to]);
                e.reason = Some(format!("copied {} bytes in {took} ms", r.bytes));
            },
        );
    }

    /// Logs `mirror-status` for each side whose status changed, and lets the mirror
    /// monitors look again (cheap: a check is scheduled only when one is due).
    fn mirror_log_status(&mut self, k: usize) {
        let d = self.model.mirrors[k].clone();
        for side in 0..2 {
            let (st, colour) = self.mirror_side(k, side);
            if st == self.mirror[k].logged[side] {
                continue;
            }
            self.mirror[k].logged[side] = st;
            let overall = self.mirror_overall(k);
            self.log_at(d.servers[side], EventKind::MirrorStatus, |e| {
                e.resource = Some(d.resource);
                e.status = Some(st);
                e.reason = Some(format!("{colour}; mirror status {overall}"));
            });
        }
        for m in 0..self.model.monitors.len() {
            let def = &self.model.monitors[m];
            if def.target == Some(d.resource) && matches!(def.kind.as_str(), "mdw" | "mdnw") {
                for s in 0..self.n() {
                    self.mon_refresh(m, s);
                }
            }
        }
    }

    /// Refuses the activation of `md` resource r on s where the data is not the latest
    /// (`md 1`); true when refused.
    pub(crate) fn mirror_refuses(&mut self, r: usize, s: ServerId) -> bool {
        let Some(k) = self.model.resources[r].mirror else {
            return false;
        };
        let d = self.model.mirrors[k].clone();
        let ok = d.side(s).is_some_and(|i| {
            self.mirror[k].latest[i] && self.mirror[k].recovery.as_ref().is_none_or(|x| x.to != i)
        });
        if !ok {
            let detail = if d.side(s).is_none() {
                format!(
                    "{} is not a server of this mirror disk.",
                    self.model.servers[s].name
                )
            } else {
                NOT_LATEST.to_string()
            };
            self.alert(
                Some(s),
                EventKind::MirrorActivationRefused,
                ("md", 1),
                vec![Arg::Text(detail), Arg::Text(d.device.clone())],
                |e| e.resource = Some(r),
            );
        }
        !ok
    }

    /// What `mdw` / `mdnw` monitor m finds on s (None: not a mirror monitor, or all well).
    pub(crate) fn mirror_monitor_result(&self, m: usize, s: ServerId) -> Option<CheckResult> {
        let def = &self.model.monitors[m];
        let k = self.model.resources[def.target?].mirror?;
        let d = &self.model.mirrors[k];
        match def.kind.as_str() {
            "mdw" => match self.mirror_overall(k) {
                mstatus::NORMAL => None,
                _ if self.mirror[k].latest == [false, false] => Some(CheckResult::Error),
                _ => Some(CheckResult::Caution),
            },
            "mdnw" => {
                let peer = d.peer(s)?;
                let up = self.connects_up(k);
                if up == 0 || !self.agent_up(peer) {
                    Some(CheckResult::Error)
                } else if up < d.connects.len() {
                    Some(CheckResult::Caution)
                } else {
                    None
                }
            }
            _ => None,
        }
    }
}
