//! Live reconfiguration: servers join and leave a running cluster, as the product's
//! configuration apply does ([`Operation::ServerAdd`], [`Operation::ServerRemove`]).
//!
//! The engine swaps in a new model version (`model/reconfig.rs`: the edited cluster file,
//! resolved like a loaded one) and grows or shrinks every per-server table with it:
//! - **add**: the server is appended (every id stays), powered on with its service
//!   stopped, so it shows Offline until it starts; it is on every heartbeat path, its
//!   heartbeat and monitor phases come from the kernel's stream derived for the
//!   join count (deterministic, and nothing drawn before changes).
//! - **remove**: a running server first stops as `server-stop` does (its groups fail
//!   over to their next servers); once its service is down and no task involves it, its
//!   id goes and the ids above it move down by one, everywhere: state tables, queued
//!   events (their heartbeat keys recomputed; the order among the others is kept, as
//!   the map keeps order) and the event log, where its own entries now name it as a
//!   departed server (`model::DEPARTED_BASE`), so they still render its name.
//!
//! The catalogue has no alert for a configuration change, so both are logged with
//! neutral kinds (`server-added`, `server-removed`). Each moves the last-applied date
//! (`Sim::config_applied_ms`).

use super::engine::{AfterStop, Ev, ServerState, Service, Sim};
use super::event::{Arg, EventKind};
use super::group_state::RState;
use super::heartbeat::{link_key, send_key};
use super::input::InputError;
use super::monitor::MonitorInstance;
use super::monitor_slots::Slots;
use super::names::{lookup, Kind};
use super::ops::Step;
use super::refusal::Refusal;
use crate::model::file::ServerFile;
use crate::model::{Model, ServerId, DEPARTED_BASE};
use rand::Rng;
use std::sync::Arc;

/// Reconfiguration state kept beside the engine's.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Reconfig {
    /// A removal waiting for its server to stop, with the model that follows it.
    #[serde(with = "crate::state_codec::removing")]
    removing: Option<(ServerId, Arc<Model>)>,
    /// Virtual time of the last configuration change (0: as loaded).
    applied_ms: u64,
    /// Servers added so far (seeds each joiner's phases).
    joins: u64,
}

fn refused(r: Refusal) -> InputError {
    InputError::Refused(r)
}

fn configuration(message: String) -> InputError {
    InputError::Refused(Refusal::Configuration(message))
}

/// Mixed into the seed for joiners' phases, so they are not the first draws again.
const JOIN_SALT: u64 = 0x9e37_79b9_7f4a_7c15;

impl Sim {
    /// Handles the reconfiguration operations; `None` for every other operation.
    /// Virtual time the configuration was last applied (0: as loaded at start).
    pub fn config_applied_ms(&self) -> u64 {
        self.reconfig.applied_ms
    }

    /// The server whose removal waits for its service to stop, if any.
    pub fn removal_pending(&self) -> Option<&str> {
        let (x, _) = self.reconfig.removing.as_ref()?;
        Some(&self.model.servers[*x].name)
    }

    fn reconfig_ready(&self) -> Result<(), InputError> {
        if let Some((x, _)) = &self.reconfig.removing {
            return Err(refused(Refusal::BeingRemoved(
                self.model.servers[*x].name.clone(),
            )));
        }
        // A rolling operation holds server ids in its order: the configuration waits.
        if self.busy() {
            return Err(refused(Refusal::Busy));
        }
        if self.rolling_in_progress() {
            return Err(refused(Refusal::RollingInProgress));
        }
        Ok(())
    }

    /// Checks a server-add and resolves the new configuration.
    pub(crate) fn plan_server_add(
        &self,
        name: &str,
        ip: &Option<String>,
        priority: Option<u32>,
        start: bool,
    ) -> Result<Step, InputError> {
        self.reconfig_ready()?;
        if start && self.suspended {
            return Err(refused(Refusal::Suspended));
        }
        let file = ServerFile {
            name: name.to_string(),
            priority,
            ip: ip.clone(),
        };
        let model = self.model.with_server_added(file).map_err(configuration)?;
        Ok(Step::ServerAdd {
            model: Arc::new(model),
            name: name.to_string(),
            start,
        })
    }

    /// Swaps in the configuration with the new server (the last id), started if asked.
    pub(crate) fn exec_server_add(&mut self, model: Arc<Model>, name: &str, start: bool) {
        let x = self.n();
        self.model = model;
        self.grow_tables(x);
        self.hb_join(x);
        self.reconfig.applied_ms = self.kernel.now();
        self.log_at(x, EventKind::ServerAdded, |e| {
            e.status = Some(super::view::status::OFFLINE);
            e.reason = Some(format!("server {name} joined the cluster configuration"));
        });
        if start {
            self.service_start(x);
        }
    }

    /// Every per-server table gets a column for the new server `x` (= the old count).
    fn grow_tables(&mut self, x: ServerId) {
        let model = self.model.clone();
        let salt = JOIN_SALT.wrapping_mul(self.reconfig.joins + 1);
        self.reconfig.joins += 1;
        let mut rng = self.kernel.derived_rng(salt);
        let jitter = model.settings.heartbeat_phase_jitter;
        let phases = model
            .paths
            .iter()
            .map(|p| {
                if jitter {
                    rng.gen_range(0..p.interval.0)
                } else {
                    0
                }
            })
            .collect();
        self.hb.join(phases);
        self.servers.push(ServerState::new());
        self.env.join(model.paths.len());
        self.members.believes_up.push_server();
        self.members.declared_down.push_server();
        grow_rows(&mut self.groups.rstate, x, |_| RState::Offline);
        let (mut inst, mut phase) = (
            self.monitors.inst.to_dense(),
            self.monitors.phase.to_dense(),
        );
        grow_rows(&mut inst, x, |_| MonitorInstance::default());
        grow_rows(&mut phase, x, |m| {
            rng.gen_range(0..model.monitors[m].interval.0)
        });
        let lists = Slots::<u64>::lists_of(&model);
        self.monitors.inst = Slots::from_dense(&inst, x + 1, lists.clone(), true);
        self.monitors.phase = Slots::from_dense(&phase, x + 1, lists, false);
        self.power_ctl.join();
        for m in &mut self.mirror {
            m.agent_up.push(true);
        }
        self.faults_reresolve(&model, Some);
        self.reach_rebuild();
    }

    /// Checks a server-remove and resolves the configuration without the server.
    pub(crate) fn plan_server_remove(&self, name: &str) -> Result<Step, InputError> {
        self.reconfig_ready()?;
        let x = lookup(&self.model, Kind::Server, name)?;
        let model = self
            .model
            .with_server_removed(name)
            .map_err(configuration)?;
        if let Some(id) = self.faults_unresolved_in(&model).first() {
            return Err(refused(Refusal::FaultNamesServer {
                fault: *id,
                server: name.to_string(),
            }));
        }
        let st = &self.servers[x];
        if st.power && st.hung {
            return Err(refused(Refusal::NotResponding(name.to_string())));
        }
        if st.service == Service::Stopping {
            return Err(refused(Refusal::ServerStopping(name.to_string())));
        }
        let running = st.running();
        for g in 0..self.model.groups.len() {
            if !self.groups.active_on[g].contains(&x) {
                continue;
            }
            if !running || !self.can_take_over(g, x) {
                return Err(refused(Refusal::GroupWouldBeStranded {
                    group: self.model.groups[g].name.clone(),
                    server: name.to_string(),
                }));
            }
        }
        Ok(Step::ServerRemove {
            server: x,
            model: Arc::new(model),
            running,
        })
    }

    /// Starts the removal: a running server stops first; the rest waits for it.
    pub(crate) fn exec_server_remove(&mut self, x: ServerId, model: Arc<Model>, running: bool) {
        self.reconfig.removing = Some((x, model));
        if running {
            self.graceful_stop(x, AfterStop::Nothing, false, true);
        }
        self.reconfig_settle();
    }

    /// Another running server of g's policy, not in maintenance, could take g over.
    fn can_take_over(&self, g: usize, x: ServerId) -> bool {
        self.model.groups[g].policy.iter().any(|&s| {
            s != x
                && self.servers[s].running()
                && !self.in_maintenance(s)
                && self.exclusive_ok(g, s)
        })
    }

    /// Completes a pending removal once its server is stopped and no task involves it.
    /// Called after every engine step, where no index is held by anything else.
    pub(crate) fn reconfig_settle(&mut self) {
        let Some((x, _)) = &self.reconfig.removing else {
            return;
        };
        let x = *x;
        let involved = |t: &super::group::Task| t.from == Some(x) || t.to == Some(x);
        // Peers first notice it has gone and move its groups (a crashed server's too).
        let counted = (0..self.n())
            .any(|o| o != x && self.servers[o].running() && self.members.believes_up.get(o, x));
        let waited =
            |ev: &Ev| matches!(ev, Ev::FailoverWaitEnd { lost, .. } if *lost as usize == x);
        if self.servers[x].service != Service::Stopped
            || self.groups.tasks.values().any(involved)
            || counted
            || self.kernel.any_queued(waited)
        {
            return;
        }
        if let Some((x, model)) = self.reconfig.removing.take() {
            self.remove_now(x, model);
        }
    }

    fn remove_now(&mut self, x: ServerId, model: Arc<Model>) {
        let name = self.model.servers[x].name.clone();
        // Faults injected while it stopped that name it end first, as healed.
        for id in self.faults_unresolved_in(&model) {
            let _ = self.fault_end(id, false);
        }
        // Whatever a failed stop left behind goes with the server.
        for r in 0..self.model.resources.len() {
            if self.rstate(r, x) != RState::Offline {
                self.set_rstate(r, x, RState::Offline);
            }
        }
        let n = self.n();
        let down = move |s: usize| (s != x).then_some(if s > x { s - 1 } else { s });
        self.servers.remove(x);
        self.env.remove_server(x);
        self.hb.remove_server(x);
        self.members.believes_up.remove_server(x);
        self.members.declared_down.remove_server(x);
        let known = std::mem::take(&mut self.members.known);
        self.members.known = known
            .into_iter()
            .filter_map(|((o, j), f)| Some(((down(o)?, down(j)?), f)))
            .collect();
        drop_column(&mut self.groups.rstate, n, x);
        let (mut inst, mut phase) = (
            self.monitors.inst.to_dense(),
            self.monitors.phase.to_dense(),
        );
        drop_column(&mut inst, n, x);
        drop_column(&mut phase, n, x);
        let lists = Slots::<u64>::lists_of(&model);
        self.monitors.inst = Slots::from_dense(&inst, n - 1, lists.clone(), true);
        self.monitors.phase = Slots::from_dense(&phase, n - 1, lists, false);
        for on in &mut self.groups.active_on {
            *on = on.iter().filter_map(|&s| down(s)).collect();
        }
        for h in &mut self.groups.home {
            *h = h.and_then(down);
        }
        self.reach_rebuild();
        for t in self.groups.tasks.values_mut() {
            t.from = t.from.and_then(down);
            t.to = t.to.and_then(down);
        }
        self.power_ctl.remove_server(x);
        for m in &mut self.mirror {
            m.agent_up.remove(x);
        }
        self.kernel.rewrite_queue(|key, ev| remap_ev(ev, key, down));
        let departed = DEPARTED_BASE + model.departed.len() - 1;
        self.remap_log(x, departed);
        self.model = model.clone();
        self.faults_reresolve(&model, down);
        self.reconfig.applied_ms = self.kernel.now();
        self.log(EventKind::ServerRemoved, |e| {
            e.server = Some(departed);
            e.reason = Some(format!("server {name} left the cluster configuration"));
        });
    }

    /// The log in the new ids: the removed server's entries name it as departed.
    fn remap_log(&mut self, x: ServerId, departed: usize) {
        let f = |s: usize| match s {
            s if s >= DEPARTED_BASE => s,
            s if s == x => departed,
            s if s > x => s - 1,
            s => s,
        };
        for e in self.kernel.log_mut() {
            e.server = e.server.map(f);
            e.peer = e.peer.map(f);
            for a in &mut e.args {
                if let Arg::Server(s) = a {
                    *s = f(*s);
                }
            }
        }
    }
}

/// A queued event in the new ids (and its heartbeat key); `None` if it involves the
/// removed server. (Over 100 lines: one arm per `Ev` variant, as rustfmt lays them
/// out; a catch-all would let a new variant keep stale ids.)
fn remap_ev(ev: Ev, key: u64, down: impl Fn(usize) -> Option<usize>) -> Option<(u64, Ev)> {
    let d = |s: u32| down(s as usize).map(|s| s as u32);
    Some(match ev {
        Ev::HbDeadline {
            recv,
            send,
            path,
            id,
        } => {
            let (recv, send) = (d(recv)?, d(send)?);
            let key = link_key(recv as usize, send as usize, path as usize);
            (
                key,
                Ev::HbDeadline {
                    recv,
                    send,
                    path,
                    id,
                },
            )
        }
        Ev::HbResume {
            recv,
            send,
            path,
            id,
        } => {
            let (recv, send) = (d(recv)?, d(send)?);
            let key = send_key(send as usize, path as usize, recv as usize);
            (
                key,
                Ev::HbResume {
                    recv,
                    send,
                    path,
                    id,
                },
            )
        }
        Ev::HbSend { send, path } => {
            let send = d(send)?;
            (
                send_key(send as usize, path as usize, 0),
                Ev::HbSend { send, path },
            )
        }
        Ev::MonitorCheck {
            monitor,
            server,
            gen,
        } => (
            key,
            Ev::MonitorCheck {
                monitor,
                server: d(server)?,
                gen,
            },
        ),
        Ev::MonitorTimeout {
            monitor,
            server,
            gen,
        } => (
            key,
            Ev::MonitorTimeout {
                monitor,
                server: d(server)?,
                gen,
            },
        ),
        Ev::BootDone {
            server,
            gen,
            autostart,
        } => (
            key,
            Ev::BootDone {
                server: d(server)?,
                gen,
                autostart,
            },
        ),
        Ev::ScriptDone {
            server,
            script,
            timed_out,
        } => (
            key,
            Ev::ScriptDone {
                server: d(server)?,
                script,
                timed_out,
            },
        ),
        Ev::FailoverWaitEnd { server, lost } => (
            key,
            Ev::FailoverWaitEnd {
                server: d(server)?,
                lost: d(lost)?,
            },
        ),
        Ev::NoAnswer { answering, target } => (
            key,
            Ev::NoAnswer {
                answering: d(answering)?,
                target: d(target)?,
            },
        ),
        other @ (Ev::ResourceStep { .. }
        | Ev::FaultStart { .. }
        | Ev::FaultEnd { .. }
        | Ev::StartupWaitEnd { .. }
        | Ev::RatioExpire { .. }
        | Ev::RollingTick { .. }
        | Ev::MirrorCopyDone { .. }
        | Ev::MirrorActionStep { .. }
        | Ev::MirrorActionTimeout { .. }) => (key, other),
    })
}

/// A `row * n + server` table with one more column, filled by `new(row)`.
fn grow_rows<T: Clone>(v: &mut Vec<T>, n: usize, mut new: impl FnMut(usize) -> T) {
    let old = std::mem::take(v);
    for (row, cells) in old.chunks(n.max(1)).enumerate() {
        v.extend_from_slice(cells);
        v.push(new(row));
    }
}

/// A `row * n + server` table without column `x`.
fn drop_column<T>(v: &mut Vec<T>, n: usize, x: usize) {
    let old = std::mem::take(v);
    *v = old
        .into_iter()
        .enumerate()
        .filter(|(i, _)| i % n != x)
        .map(|(_, t)| t)
        .collect();
}

#[cfg(test)]
#[path = "reconfig_tests.rs"]
mod tests;
