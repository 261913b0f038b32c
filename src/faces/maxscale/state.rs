//! What MaxScale's monitor makes of the simulated servers: each server's state words,
//! roles and the last monitor event, updated on every published snapshot (the
//! monitor's tick) unless the monitor is stopped.
//!
//! Mapping [infer, `other-faces.md` 1]: a server that is powered off, hung or not
//! Online in the cluster's view is `Down`; the Online server where the primary group
//! (the cluster file's first group) is Online is `Master`; other Online servers are
//! `Slave`. Maintenance (set by `set server S maintenance`, or the cluster being
//! suspended) comes first. A server the monitor does not monitor keeps what MaxScale
//! gives a new server, `Running` (2.2 `server_alloc`), whatever the cluster does.

use crate::host::engine_task::Snapshot;
use crate::model::Model;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Master,
    Slave,
    Down,
    /// Not monitored: MaxScale's initial state of a server, never judged by a monitor.
    Running,
}

/// One server as the monitor last saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    pub role: Role,
    pub maintenance: bool,
    pub last_event: &'static str,
    /// Virtual ms of the last event.
    pub triggered_at: u64,
}

impl Seen {
    /// The state string in 2.2's fixed order: `Maintenance`, `Master`, `Slave`, then
    /// `Running` or `Down`.
    pub fn state(&self) -> String {
        let mut words = Vec::new();
        if self.maintenance {
            words.push("Maintenance");
        }
        match self.role {
            Role::Master => words.extend(["Master", "Running"]),
            Role::Slave => words.extend(["Slave", "Running"]),
            Role::Down => words.push("Down"),
            Role::Running => words.push("Running"),
        }
        words.join(", ")
    }
}

/// MaxScale's `@@server_id` of server `i` [infer].
pub fn node_id(i: usize) -> i64 {
    3000 + i as i64
}

/// The roles and maintenance flags the monitor reads from a snapshot.
pub fn observe(model: &Model, snap: &Snapshot) -> Vec<(Role, bool)> {
    let view = &snap.view;
    let primary = view.groups.first().filter(|g| g.status == "Online");
    (0..model.servers.len())
        .map(|i| {
            let name = &model.servers[i].name;
            let p = snap.power.get(i);
            let up = p.is_some_and(|p| p.on && !p.hung)
                && view.server(name).is_some_and(|s| s.status == "Online");
            let role = match (up, primary) {
                (false, _) => Role::Down,
                (true, Some(g)) if &g.current == name => Role::Master,
                (true, _) => Role::Slave,
            };
            let maintenance = p.is_some_and(|p| p.maintenance) || view.suspended;
            (role, maintenance)
        })
        .collect()
}

/// The monitor event for a change of role (`monitor.h`'s names).
fn event(before: Role, after: Role) -> Option<&'static str> {
    use Role::*;
    Some(match (before, after) {
        (Master, Down) => "master_down",
        (Slave, Down) => "slave_down",
        (Running, Down) => "server_down",
        (Down | Running, Master) => "master_up",
        (Down | Running, Slave) => "slave_up",
        (Slave, Master) => "new_master",
        (Master, Slave) => "new_slave",
        _ => return None,
    })
}

/// What MaxScale shows of a server no monitor has judged yet: `Running`,
/// `server_up` at `started` (2.2 `server_alloc`).
pub fn unjudged(started: u64) -> Seen {
    Seen {
        role: Role::Running,
        maintenance: false,
        last_event: "server_up",
        triggered_at: started,
    }
}

/// `seen` (in the order of `old` names) in the order of `new` names; new servers are
/// `Down` from `t` when monitored (`monitored`, in `new`'s order), else unjudged.
pub fn realign(
    seen: &[Seen],
    old: &[String],
    new: &[String],
    monitored: &[bool],
    (t, started): (u64, u64),
) -> Vec<Seen> {
    new.iter()
        .enumerate()
        .map(
            |(i, n)| match old.iter().position(|o| o == n).and_then(|j| seen.get(j)) {
                Some(s) => s.clone(),
                None if !monitored.get(i).copied().unwrap_or(true) => unjudged(started),
                None => Seen {
                    role: Role::Down,
                    maintenance: false,
                    last_event: "server_down",
                    triggered_at: t,
                },
            },
        )
        .collect()
}

/// One monitor tick: `seen` updated to what `now` shows, at virtual time `t`, for the
/// servers the monitor monitors (`monitored`); the others keep their role.
pub fn tick(seen: &mut Vec<Seen>, now: &[(Role, bool)], monitored: &[bool], t: u64) {
    let judged = |i: usize| monitored.get(i).copied().unwrap_or(true);
    if seen.len() != now.len() {
        // The first tick: every monitored server comes up from `Down`.
        *seen = now
            .iter()
            .enumerate()
            .map(|(i, &(role, maintenance))| {
                let mut s = if judged(i) {
                    Seen {
                        role,
                        maintenance,
                        last_event: event(Role::Down, role).unwrap_or("server_down"),
                        triggered_at: t,
                    }
                } else {
                    unjudged(t)
                };
                s.maintenance = maintenance;
                s
            })
            .collect();
        return;
    }
    for (i, (s, &(role, maintenance))) in seen.iter_mut().zip(now).enumerate() {
        s.maintenance = maintenance;
        if !judged(i) {
            continue;
        }
        if let Some(e) = event(s.role, role) {
            s.role = role;
            s.last_event = e;
            s.triggered_at = t;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_in_the_fixed_order_and_events_on_change() {
        let mut seen = Vec::new();
        tick(
            &mut seen,
            &[(Role::Master, false), (Role::Slave, true)],
            &[],
            0,
        );
        assert_eq!(seen[0].state(), "Master, Running");
        assert_eq!(seen[1].state(), "Maintenance, Slave, Running");
        assert_eq!(
            (seen[0].last_event, seen[1].last_event),
            ("master_up", "slave_up")
        );
        tick(
            &mut seen,
            &[(Role::Down, false), (Role::Master, false)],
            &[true, true],
            95_000,
        );
        assert_eq!(seen[0].state(), "Down");
        assert_eq!(seen[1].state(), "Master, Running");
        assert_eq!(
            (seen[0].last_event, seen[1].last_event, seen[1].triggered_at),
            ("master_down", "new_master", 95_000)
        );
        tick(
            &mut seen,
            &[(Role::Down, false), (Role::Master, false)],
            &[],
            99_000,
        );
        assert_eq!(seen[1].triggered_at, 95_000, "no change, no event");
        tick(
            &mut seen,
            &[(Role::Master, false), (Role::Slave, false)],
            &[false, true],
            99_500,
        );
        assert_eq!(
            seen[0].state(),
            "Down",
            "an unmonitored server keeps its state"
        );
        let fresh = realign(&[], &[], &["s3".into()], &[false], (10, 0));
        assert_eq!(
            (fresh[0].state(), fresh[0].last_event),
            ("Running".into(), "server_up")
        );
    }
}
