//! The environment the cluster runs in: injected faults and the state of the
//! heartbeat links they hold down. It answers questions about the world ("does a
//! heartbeat from a reach b on path p now, as far as the network goes", "can this
//! server reach the resolver's target", "what does this monitor's check see") and
//! holds no product state: what the product does about the answers is `sim/`'s.
//!
//! Invariant: the environment changes only when a fault starts or ends (or a server
//! joins or leaves the configuration); it never reads or writes the product's state.

pub(crate) mod faults;

use crate::model::{Model, ServerId};
use faults::Faults;

#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct Env {
    pub faults: Faults,
    /// Per server, per path: how many active faults hold the path down on it.
    path_down: Vec<Vec<u32>>,
    /// The servers with a path held down (derived from `path_down`; not saved).
    #[serde(skip)]
    down: std::collections::BTreeSet<ServerId>,
}

impl Env {
    pub fn new(n_servers: usize, n_paths: usize) -> Env {
        Env {
            faults: Faults::default(),
            path_down: vec![vec![0; n_paths]; n_servers],
            down: Default::default(),
        }
    }

    /// A heartbeat-path-down fault on `s` starts (`on`) or ends.
    pub fn set_path_down(&mut self, s: ServerId, p: usize, on: bool) {
        let n = &mut self.path_down[s][p];
        if on {
            *n += 1;
        } else {
            *n -= 1;
        }
        if self.any_path_down(s) {
            self.down.insert(s);
        } else {
            self.down.remove(&s);
        }
    }

    /// Whether a fault holds one of s's paths down.
    pub fn any_path_down(&self, s: ServerId) -> bool {
        self.path_down[s].iter().any(|&c| c > 0)
    }

    /// The servers with a path held down, in increasing order.
    pub fn servers_with_paths_down(&self) -> impl Iterator<Item = ServerId> + '_ {
        self.down.iter().copied()
    }

    /// Rebuilds the derived index (after a restore or a reconfiguration).
    pub fn rebuild_index(&mut self) {
        self.down = (0..self.path_down.len())
            .filter(|&s| self.any_path_down(s))
            .collect();
    }

    /// Whether the network carries a heartbeat from `send` to `recv` on path `p` now:
    /// the path links both, neither end has it down, no partition cuts it. (Whether
    /// the servers send and listen is the product's question.)
    pub fn carries(&self, model: &Model, send: ServerId, recv: ServerId, p: usize) -> bool {
        let path = &model.paths[p];
        path.on_server[recv]
            && path.on_server[send]
            && self.path_down[recv][p] == 0
            && self.path_down[send][p] == 0
            && !self.faults.blocks(send, recv, p)
    }

    /// Live reconfiguration: a server joins with no fault on its paths.
    pub fn join(&mut self, n_paths: usize) {
        self.path_down.push(vec![0; n_paths]);
    }

    /// Live reconfiguration: server `x` leaves; ids above it move down by one.
    pub fn remove_server(&mut self, x: ServerId) {
        self.path_down.remove(x);
    }
}
