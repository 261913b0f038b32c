//! Fault effects: what a fault starting or ending does to the product's state. The
//! faults themselves (records, resolution, the questions they answer) are the
//! environment's (`sim/env/`).

use super::engine::{Ev, Sim};
use super::env::faults::{resolve, Resolved};
use super::event::EventKind;
use super::group_state::RState;
use super::input::{FaultId, FaultSpec, InputError};
use super::FaultInfo;
use crate::model::{Model, ServerId};

impl Sim {
    pub(crate) fn fault_inject(&mut self, spec: FaultSpec) -> Result<FaultId, InputError> {
        let what = resolve(&self.model, &spec.kind)?;
        if spec.duration_ms == Some(0) {
            return Err(InputError::Invalid("duration_ms must be positive".into()));
        }
        let now = self.kernel.now();
        let start = spec.at_ms.unwrap_or(now).max(now);
        let end = spec.duration_ms.map(|d| start.saturating_add(d));
        let id = self.env.faults.add(spec, what, start, end);
        if start > now {
            self.schedule(start, Ev::FaultStart { id });
        } else {
            self.fault_start(id);
        }
        Ok(id)
    }

    pub(crate) fn fault_start(&mut self, id: FaultId) {
        let Some(f) = self.env.faults.start(&self.model, id) else {
            return;
        };
        if let Some(end) = f.end {
            self.schedule(end, Ev::FaultEnd { id });
        }
        self.log(EventKind::FaultInjected, |e| {
            e.fault = Some(id);
            e.reason = Some(f.desc);
        });
        self.apply_effect(&f.what, true);
    }

    pub(crate) fn fault_heal(&mut self, id: FaultId) -> Result<(), InputError> {
        self.fault_end(id, false)
    }

    /// Ends a fault: by its duration (`expired`) or healed by hand.
    pub(crate) fn fault_end(&mut self, id: FaultId, expired: bool) -> Result<(), InputError> {
        let now = self.kernel.now();
        let Some(f) = self.env.faults.end(&self.model, id, expired, now)? else {
            return Ok(());
        };
        self.log(EventKind::FaultHealed, |e| {
            e.fault = Some(id);
            e.reason = Some(f.desc);
        });
        if f.was_active {
            self.apply_effect(&f.what, false);
        }
        Ok(())
    }

    /// Live reconfiguration: faults not yet ended whose names do not resolve in `model`.
    pub(crate) fn faults_unresolved_in(&self, model: &Model) -> Vec<FaultId> {
        self.env.faults.unresolved_in(model)
    }

    /// Live reconfiguration: see [`super::env::faults::Faults::reresolve`].
    pub(crate) fn faults_reresolve(
        &mut self,
        model: &Model,
        map: impl Fn(ServerId) -> Option<ServerId>,
    ) {
        self.env.faults.reresolve(model, map);
    }

    /// Live faults and the last ended ones, by id: what `/sim/v1/faults` shows.
    pub fn fault_history(&self) -> Vec<FaultInfo> {
        self.env.faults.history()
    }

    pub(crate) fn fault_list(&self) -> Vec<FaultInfo> {
        self.env.faults.list()
    }

    fn apply_effect(&mut self, what: &Resolved, on: bool) {
        match *what {
            Resolved::Crash(s) => {
                if on {
                    self.servers[s].crash_faults += 1;
                    if self.servers[s].power {
                        self.abnormal_stop(s, true, false);
                    }
                } else {
                    self.servers[s].crash_faults -= 1;
                    if self.servers[s].crash_faults == 0 && !self.servers[s].power {
                        self.schedule_boot(s, true);
                    }
                }
            }
            Resolved::Hang(s) => {
                if on {
                    self.servers[s].hang_faults += 1;
                    if !self.servers[s].hung {
                        self.freeze_all_of(s);
                        self.server_set(s, |x| x.hung = true);
                        self.servers[s].hung_since = self.kernel.now();
                        self.log_at(s, EventKind::ServerHung, |_| {});
                        self.hb_refresh_server(s);
                        self.mon_refresh_server(s);
                    }
                } else {
                    self.servers[s].hang_faults -= 1;
                    if self.servers[s].hang_faults == 0 && self.servers[s].hung {
                        self.server_set(s, |x| x.hung = false);
                        self.log_at(s, EventKind::ServerResumed, |_| {});
                        self.check_declared_down(s);
                        if self.servers[s].alive() {
                            self.reset_links_into(s);
                        }
                        self.hb_refresh_server(s);
                        self.mon_refresh_server(s);
                    }
                }
            }
            Resolved::PathDown(s, p) => {
                self.env.set_path_down(s, p, on);
                self.hb_refresh_server_path(s, p);
            }
            Resolved::Partition(ref pt) => {
                for i in 0..pt.members.len() {
                    for j in i + 1..pt.members.len() {
                        self.hb_refresh_between(&pt.members[i], &pt.members[j]);
                    }
                }
            }
            Resolved::ResolverDown(r) => {
                let alert = if on { ("nm", 37) } else { ("nm", 36) };
                let kind = if on {
                    EventKind::ResolverError
                } else {
                    EventKind::ResolverNormal
                };
                if on || !self.env.faults.resolver_down(r) {
                    for s in 0..self.n() {
                        if self.servers[s].running() {
                            self.alert(
                                Some(s),
                                kind,
                                alert,
                                vec![super::event::Arg::Resolver(r), super::event::Arg::Server(s)],
                                |e| e.resolver = Some(r),
                            );
                        }
                    }
                }
            }
            Resolved::MonitorResult(m, s, _) => match s {
                Some(s) => self.mon_refresh(m, s),
                None => {
                    for s in 0..self.n() {
                        self.mon_refresh(m, s);
                    }
                }
            },
            // Mirrors are reconciled after every input (`Sim::mirror_refresh`).
            Resolved::ActivationFailure(..)
            | Resolved::DeactivationFailure(..)
            | Resolved::MirrorConnectDown(..) => {}
            Resolved::ResourceFailure(r, s) => {
                if on && self.rstate(r, s) == RState::Online {
                    self.env.faults.set_resource_failure(r, s, true);
                } else if !on {
                    self.env.faults.set_resource_failure(r, s, false);
                }
                self.mon_refresh_target(r, s);
            }
        }
    }
}
