//! Power control and maintenance, as a hardware manager (xCAT `rpower`) and a database
//! proxy (MaxScale `set server S maintenance`) act on the simulated servers.
//!
//! Power is a first-class state of each server with its own operations
//! ([`Operation::Power`]): `off` is a crash (peers notice by heartbeat timeout), `on`
//! boots the OS (`boot_duration`) and then starts the cluster service as the product
//! does at boot (after an abnormal stop only if `auto_start_after_abnormal_stop`),
//! `reset` and `boot` (when on) crash and boot again, `cycle` is off then on, and
//! `softoff` is an orderly shutdown (groups leave first, peers take them over).
//! Power operations are the hardware's, so they are not refused while an operator
//! operation of the cluster is in progress.
//!
//! Maintenance ([`Operation::Maintenance`]) is a persistent flag: a server in
//! maintenance is never chosen as a failover destination.

use super::engine::{AfterStop, Service, Sim};
use super::event::EventKind;
use super::input::{InputError, PowerAction};
use super::refusal::Refusal;
use crate::model::ServerId;
use serde::Serialize;

/// Per-server power and maintenance state kept beside the engine's server state.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct PowerCtl {
    /// Virtual time a power operation's boot completes, while it is pending.
    boot_at: Vec<Option<u64>>,
    pub(crate) maintenance: Vec<bool>,
}

impl PowerCtl {
    pub fn new(n: usize) -> PowerCtl {
        PowerCtl {
            boot_at: vec![None; n],
            maintenance: vec![false; n],
        }
    }

    /// Live reconfiguration: a server joins (no boot pending, not in maintenance).
    pub fn join(&mut self) {
        self.boot_at.push(None);
        self.maintenance.push(false);
    }

    /// Live reconfiguration: server `x` leaves; ids above it move down by one.
    pub fn remove_server(&mut self, x: ServerId) {
        self.boot_at.remove(x);
        self.maintenance.remove(x);
    }

    pub fn in_maintenance(&self, s: ServerId) -> bool {
        self.maintenance.get(s).copied().unwrap_or(false)
    }
}

/// Ground truth about one server's machine, for hardware-facing faces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PowerState {
    /// The machine is powered on.
    pub on: bool,
    /// Powered off, with a boot under way (after `on`, `reset`, `cycle`, `boot`).
    pub booting: bool,
    /// The OS is up but the server is hung.
    pub hung: bool,
    /// The cluster service is running (a full member).
    pub service_running: bool,
    /// The cluster service is stopping (leaving the cluster).
    pub service_stopping: bool,
    pub maintenance: bool,
}

fn refused(r: Refusal) -> InputError {
    InputError::Refused(r)
}

impl Sim {
    pub(crate) fn power_server(&self, name: &str) -> Result<ServerId, InputError> {
        self.model.server_id(name).ok_or_else(|| {
            InputError::unknown_name(
                "server",
                name,
                self.model.servers.iter().map(|s| s.name.as_str()),
            )
        })
    }

    fn booting(&self, s: ServerId) -> bool {
        !self.servers[s].power && self.power_ctl.boot_at[s].is_some_and(|t| t >= self.kernel.now())
    }

    /// Everything that can refuse a power action, without changing any state.
    pub(crate) fn power_check(
        &self,
        name: &str,
        action: PowerAction,
    ) -> Result<ServerId, InputError> {
        let s = self.power_server(name)?;
        let st = &self.servers[s];
        if st.crash_faults > 0 && action.powers_on() {
            return Err(refused(Refusal::HeldOffByFault(name.to_string())));
        }
        match action {
            PowerAction::On if st.power => {
                return Err(refused(Refusal::AlreadyPoweredOn(name.to_string())))
            }
            PowerAction::On | PowerAction::Cycle | PowerAction::Boot if self.booting(s) => {
                return Err(refused(Refusal::AlreadyBooting(name.to_string())))
            }
            PowerAction::Off | PowerAction::Softoff | PowerAction::Reset if !st.power => {
                return Err(refused(Refusal::PoweredOff(name.to_string())))
            }
            PowerAction::Softoff if st.service == Service::Stopping => {
                return Err(refused(Refusal::ServerStopping(name.to_string())))
            }
            _ => {}
        }
        Ok(s)
    }

    pub(crate) fn power_perform(&mut self, s: ServerId, action: PowerAction) {
        let on = self.servers[s].power;
        match action {
            PowerAction::Off => self.abnormal_stop(s, true, false),
            PowerAction::Softoff => {
                if self.servers[s].service == Service::Running {
                    self.graceful_stop(s, AfterStop::PowerOff, false, false);
                } else {
                    self.server_set(s, |x| x.power = false);
                    self.log_at(s, EventKind::ServerPoweredOff, |e| {
                        e.status = Some(super::view::status::OFFLINE)
                    });
                }
            }
            PowerAction::On => self.power_boot(s),
            PowerAction::Reset | PowerAction::Cycle | PowerAction::Boot => {
                if on {
                    self.abnormal_stop(s, true, false);
                }
                self.power_boot(s);
            }
        }
    }

    /// Boots a powered-off server; the service starts when the OS is up.
    fn power_boot(&mut self, s: ServerId) {
        self.schedule_boot(s, true);
        self.power_ctl.boot_at[s] = Some(self.kernel.now() + self.model.settings.boot_duration.0);
    }

    /// Whether `s` is in maintenance (never a failover destination).
    pub(crate) fn in_maintenance(&self, s: ServerId) -> bool {
        self.power_ctl.in_maintenance(s)
    }

    /// Each server's machine state, by server id (ground truth).
    pub fn power_states(&self) -> Vec<PowerState> {
        (0..self.n())
            .map(|s| {
                let st = &self.servers[s];
                PowerState {
                    on: st.power,
                    booting: self.booting(s),
                    hung: st.hung,
                    service_running: st.running(),
                    service_stopping: st.power && st.service == Service::Stopping,
                    maintenance: self.in_maintenance(s),
                }
            })
            .collect()
    }
}

#[cfg(test)]
#[path = "power_tests.rs"]
mod tests;
