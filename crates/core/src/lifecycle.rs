//! A server's life in the cluster: its service starting (and the cluster's startup
//! wait), stopping in good order (its groups leave first), stopping abnormally (crash,
//! NP action, final action), powering off and booting again. Membership
//! (`sim/membership.rs`) is what its peers make of it.

use super::engine::{AfterStop, Ev, Service, Sim};
use super::event::EventKind;
use super::group::TaskKind;
use super::group_state::RState;
use super::membership::Loss;
use crate::model::{AutoManual, ServerId};

impl Sim {
    /// A stop that is not the cluster's own doing: crash, NP action, final action.
    /// Everything on the server is gone at once; peers notice by heartbeat timeout.
    pub(crate) fn abnormal_stop(&mut self, s: ServerId, power_off: bool, reboot: bool) {
        self.freeze_all_of(s);
        self.forget_all(s);
        self.abort_tasks_on(s);
        if self.servers[s].op_stop {
            self.servers[s].op_stop = false;
            self.op_done();
        }
        self.servers[s].after_stop = AfterStop::Nothing;
        for r in 0..self.model.resources.len() {
            if self.rstate(r, s) != RState::Offline {
                self.set_rstate(r, s, RState::Offline);
            }
        }
        let was_alive = self.servers[s].service != Service::Stopped;
        self.server_set(s, |x| x.service = Service::Stopped);
        self.servers[s].abnormal = true;
        self.servers[s].cluster_wide_stop = false;
        self.members.believes_up.clear_row(s);
        self.members.declared_down.clear_row(s);
        if was_alive {
            self.log_at(s, EventKind::ServiceStopped, |e| {
                e.status = Some(super::view::status::OFFLINE);
            });
        }
        if power_off && self.servers[s].power {
            self.server_set(s, |x| x.power = false);
            self.log_at(s, EventKind::ServerPoweredOff, |e| {
                e.status = Some(super::view::status::OFFLINE)
            });
        }
        self.hb_refresh_server(s);
        self.mon_refresh_server(s);
        if reboot {
            self.schedule_boot(s, true);
        }
    }

    /// Powers off a server whose cluster service is not running (shutdown or reboot by
    /// the operator): whatever a failed stop left active goes with the power.
    pub(crate) fn power_off_stopped(&mut self, s: ServerId, reboot: bool) {
        self.abort_tasks_on(s);
        for r in 0..self.model.resources.len() {
            if self.rstate(r, s) != RState::Offline {
                self.set_rstate(r, s, RState::Offline);
            }
        }
        self.server_set(s, |x| x.power = false);
        self.log_at(s, EventKind::ServerPoweredOff, |_| {});
        if reboot {
            self.schedule_boot(s, true);
        }
    }

    pub(crate) fn schedule_boot(&mut self, s: ServerId, autostart: bool) {
        self.servers[s].boot_gen += 1;
        let gen = self.servers[s].boot_gen;
        let at = self.kernel.now() + self.model.settings.boot_duration.0;
        self.schedule(
            at,
            Ev::BootDone {
                server: s as u32,
                gen,
                autostart,
            },
        );
    }

    /// The OS is up again after a reboot or a power-on.
    pub(crate) fn boot_done(&mut self, s: ServerId, gen: u64, autostart: bool) {
        if gen != self.servers[s].boot_gen || self.servers[s].crash_faults > 0 {
            return;
        }
        let rebooting_for_op = self.servers[s].op_stop;
        self.servers[s].op_stop = false;
        self.servers[s].after_stop = AfterStop::Nothing;
        if !self.servers[s].power {
            self.server_set(s, |x| x.power = true);
            self.log_at(s, EventKind::ServerPoweredOn, |_| {});
        }
        if rebooting_for_op {
            self.op_done();
        }
        if !autostart || self.servers[s].hung {
            return;
        }
        if self.servers[s].abnormal && !self.model.settings.auto_start_after_abnormal_stop {
            self.alert(
                Some(s),
                EventKind::AutoStartSuppressed,
                ("cl", 18),
                vec![],
                |_| {},
            );
            return;
        }
        self.service_start(s);
    }

    /// Starts the cluster service on s.
    pub(crate) fn service_start(&mut self, s: ServerId) {
        let first = !self.servers.iter().any(|x| x.running());
        self.server_set(s, |x| x.service = Service::Running);
        self.servers[s].abnormal = false;
        self.servers[s].cluster_wide_stop = false;
        self.log_at(s, EventKind::ServiceStarted, |e| {
            e.alert = Some(("pm", 1));
            e.status = Some(super::view::status::ONLINE);
        });
        let n = self.n();
        for o in 0..n {
            self.members.declared_down.set(o, s, false);
            self.members.failover_waits.remove(&(s, o));
        }
        self.forget_all(s);
        for j in 0..n {
            let hears = j == s
                || self.servers[j].running()
                    && (0..self.model.paths.len()).any(|p| self.flows(s, j, p));
            self.members.believes_up.set(s, j, hears);
        }
        self.reset_links_into(s);
        self.hb_refresh_server(s);
        self.mon_refresh_server(s);
        // The running peers hear the newcomer within one interval; count it at once so
        // that startup and failback decisions see a consistent membership.
        for j in 0..n {
            if j != s
                && self.servers[j].running()
                && !self.members.believes_up.get(j, s)
                && (0..self.model.paths.len()).any(|p| self.flows(j, s, p))
            {
                self.reset_link_pair(j, s);
                self.peer_found(j, s);
            }
        }
        if first {
            self.startup_waiting = true;
            self.startup_gen += 1;
            let gen = self.startup_gen;
            self.log_at(s, EventKind::StartupWait, |e| e.alert = Some(("nm", 5)));
            self.schedule(
                self.kernel.now() + self.model.settings.startup_wait.0,
                Ev::StartupWaitEnd { gen },
            );
        }
        if self.startup_waiting && self.servers.iter().all(|x| x.running()) {
            self.startup_waiting = false;
            self.log_at(s, EventKind::StartupComplete, |e| e.alert = Some(("nm", 6)));
            self.start_auto_groups();
        }
    }

    pub(crate) fn startup_wait_end(&mut self, gen: u64) {
        if gen != self.startup_gen || !self.startup_waiting {
            return;
        }
        self.startup_waiting = false;
        let Some(o) = self.first_running_observer() else {
            return;
        };
        self.log_at(o, EventKind::StartupTimeout, |e| e.alert = Some(("nm", 7)));
        self.start_auto_groups();
    }

    /// Cluster startup: every auto-start group on its first startup server.
    fn start_auto_groups(&mut self) {
        for g in 0..self.model.groups.len() {
            if self.model.groups[g].startup != AutoManual::Auto
                || !self.groups.active_on[g].is_empty()
                || self.task_of_group(g).is_some()
            {
                continue;
            }
            if let Some(s) = self.startup_server(g) {
                self.start_task(TaskKind::Start, g, None, Some(s), None, true, None);
            }
        }
    }

    /// Stops the cluster service on s in good order: its groups stop first, then it
    /// tells its peers and leaves (they take its groups over unless the whole cluster
    /// is stopping).
    pub(crate) fn graceful_stop(
        &mut self,
        s: ServerId,
        after: AfterStop,
        cluster_wide: bool,
        operator: bool,
    ) {
        self.server_set(s, |x| x.service = Service::Stopping);
        self.servers[s].after_stop = after;
        self.servers[s].cluster_wide_stop = cluster_wide;
        if operator {
            self.op_pending += 1;
            self.servers[s].op_stop = true;
        }
        self.log_at(s, EventKind::ServiceStopped, |e| {
            e.alert = Some(("pm", 2));
            e.status = Some(super::view::status::OFFLINE_PENDING);
        });
        self.mon_refresh_server(s);
        for g in 0..self.model.groups.len() {
            if self.groups.active_on[g].contains(&s) {
                if let Some(t) = self.task_of_group_on(g, s) {
                    self.abort_task(t);
                }
                self.start_task(TaskKind::Leave, g, Some(s), None, None, false, None);
            }
        }
        self.maybe_finish_leave(s);
    }

    /// A stopping server whose groups are all stopped leaves the cluster.
    pub(crate) fn maybe_finish_leave(&mut self, s: ServerId) {
        if self.servers[s].service != Service::Stopping
            || self.groups.tasks.values().any(|t| t.server() == s)
        {
            return;
        }
        self.server_set(s, |x| x.service = Service::Stopped);
        self.members.believes_up.clear_row(s);
        self.hb_refresh_server(s);
        self.silence_links_from(s);
        self.mon_refresh_server(s);
        for o in 0..self.n() {
            if o != s && self.servers[o].running() && self.members.believes_up.get(o, s) {
                self.peer_lost(o, s, Loss::Graceful);
            }
        }
        let op = self.servers[s].op_stop;
        if self.servers[s].after_stop != AfterStop::Nothing {
            // Powering off releases what a failed stop left behind.
            for r in 0..self.model.resources.len() {
                if self.rstate(r, s) != RState::Offline {
                    self.set_rstate(r, s, RState::Offline);
                }
            }
        }
        match self.servers[s].after_stop {
            AfterStop::Nothing => {
                if op {
                    self.servers[s].op_stop = false;
                    self.op_done();
                }
            }
            AfterStop::PowerOff => {
                self.server_set(s, |x| x.power = false);
                self.servers[s].after_stop = AfterStop::Nothing;
                self.log_at(s, EventKind::ServerPoweredOff, |e| {
                    e.status = Some(super::view::status::OFFLINE)
                });
                if op {
                    self.servers[s].op_stop = false;
                    self.op_done();
                }
            }
            AfterStop::Reboot => {
                self.server_set(s, |x| x.power = false);
                self.log_at(s, EventKind::ServerPoweredOff, |e| {
                    e.status = Some(super::view::status::OFFLINE)
                });
                self.schedule_boot(s, true);
            }
        }
    }

    /// One piece of the operator operation in progress has finished.
    pub(crate) fn op_done(&mut self) {
        self.op_pending = self.op_pending.saturating_sub(1);
    }
}
