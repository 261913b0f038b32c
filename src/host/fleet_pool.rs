//! A pool of lab clusters (#15): the `pool:` section of a fleet file declares how many
//! clusters of which kind the fleet creates for a manager face (`faces/cello/`) to hand
//! out, and the fleet keeps, per member, who holds it and which generation (id) it is
//! in. A release bumps the generation and resets the cluster (state, faults, journal,
//! clock); the host keeps only these plain facts, the face renders its product's words.
//!
//! ```yaml
//! pool:
//!   - name: lab                 # members lab-1 .. lab-N; also the lab host's name
//!     count: 20
//!     cluster: two-node.yaml    # or an inline object; absent: the default cluster
//!     synthetic: {servers: 4, groups: 4}   # instead of `cluster`: a synthetic one
//!     listen: 127.0.0.1:29100   # member k listens on port + k - 1; absent: any free port
//!     seed: 1                   # clock, speed: as for `clusters`
//!     consensus_plugin: solo    # what the Cello objects say (and apply filters on)
//!     consensus_mode: batch
//!     fabric_version: fabric-1.0
//! ```

use super::fleet::ClusterSpec;
use super::fleet_file::{to_spec, Entry, Origin};
use super::ServeArgs;
use serde::Deserialize;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

/// At most this many clusters in a pool (each is an engine task and a listener).
pub const MAX_POOL_CLUSTERS: usize = 1_000;

/// What a member's Cello object says about it [assume: a Fabric-era lab cluster].
pub const DEFAULT_CONSENSUS_PLUGIN: &str = "solo";
pub const DEFAULT_CONSENSUS_MODE: &str = "batch";
pub const DEFAULT_FABRIC_VERSION: &str = "fabric-1.0";

/// One `pool:` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolEntry {
    pub name: String,
    pub count: usize,
    #[serde(default)]
    pub cluster: Option<Value>,
    #[serde(default)]
    pub synthetic: Option<Synthetic>,
    #[serde(default)]
    pub listen: Option<String>,
    #[serde(default)]
    pub seed: Option<u64>,
    #[serde(default)]
    pub clock: Option<String>,
    #[serde(default)]
    pub speed: Option<f64>,
    #[serde(default)]
    pub consensus_plugin: Option<String>,
    #[serde(default)]
    pub consensus_mode: Option<String>,
    #[serde(default)]
    pub fabric_version: Option<String>,
}

/// A synthetic template (`crate::synth::SynthSpec`'s main sizes).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Synthetic {
    pub servers: usize,
    #[serde(default = "one")]
    pub groups: usize,
}

fn one() -> usize {
    1
}

/// A member of the pool: a fleet cluster and what the manager keeps about it.
#[derive(Clone, Debug)]
pub struct PoolMember {
    /// The fleet cluster's name (`lab-3`).
    pub cluster: String,
    /// The pool entry it came from (the lab host).
    pub host: String,
    pub consensus_plugin: String,
    pub consensus_mode: String,
    pub fabric_version: String,
    /// Bumped by every release: the id changes with it.
    pub generation: u64,
    /// The user holding it (None: free).
    pub holder: Option<String>,
    /// Simulated time of the apply (the cluster's clock).
    pub applied_ms: Option<u64>,
    /// Stopped through the manager (`stop`), until a `start`.
    pub stopped: bool,
}

impl PoolMember {
    /// The member's id in this generation: 24 hex digits (a MongoDB ObjectId's
    /// shape), derived from its name and generation, so it is stable across reads
    /// and new after every release.
    pub fn id(&self) -> String {
        object_id(&format!("{}#{}", self.cluster, self.generation))
    }
}

/// 24 hex digits from a text (FNV-1a, then two rounds of splitmix64).
pub fn object_id(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    let mix = |mut z: u64| {
        z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let (a, b) = (mix(h), mix(h ^ 0x5555_5555_5555_5555));
    format!("{:016x}{:08x}", a, b >> 32)
}

/// The fleet's pool (empty without a `pool:` section).
#[derive(Default)]
pub struct Pool(Mutex<Vec<PoolMember>>);

impl Pool {
    pub fn lock(&self) -> MutexGuard<'_, Vec<PoolMember>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
    pub fn set(&self, members: Vec<PoolMember>) {
        *self.lock() = members;
    }
    /// Who holds the cluster called `cluster` (None: free, or not a pool member).
    pub fn holder(&self, cluster: &str) -> Option<String> {
        let all = self.lock();
        all.iter()
            .find(|m| m.cluster == cluster)
            .and_then(|m| m.holder.clone())
    }
}

/// The clusters of the `pool:` entries and their members, named `{name}-{k}`.
pub fn expand(
    entries: Vec<PoolEntry>,
    defaults: &ServeArgs,
    origin: Origin,
) -> Result<(Vec<ClusterSpec>, Vec<PoolMember>), String> {
    let (mut specs, mut members) = (Vec::new(), Vec::new());
    for (i, e) in entries.into_iter().enumerate() {
        let at = |m: String| format!("pool[{i}]: {m}");
        super::fleet::check_name(&e.name).map_err(at)?;
        if e.count == 0 || specs.len() + e.count > MAX_POOL_CLUSTERS {
            return Err(at(format!(
                "count must be 1 or more, and a pool at most {MAX_POOL_CLUSTERS} clusters"
            )));
        }
        if e.cluster.is_some() && e.synthetic.is_some() {
            return Err(at("give `cluster` or `synthetic`, not both".into()));
        }
        let first = match &e.listen {
            None => super::fleet_file::any_port(),
            Some(s) => s.parse::<SocketAddr>().map_err(|_| {
                at(format!(
                    "listen: {s:?} is not an address:port (e.g. 127.0.0.1:29100)"
                ))
            })?,
        };
        if first.port() != 0 && first.port() as usize + e.count - 1 > u16::MAX as usize {
            return Err(at(format!(
                "listen: {} ports from {first} do not fit",
                e.count
            )));
        }
        let synthetic = match &e.synthetic {
            None => None,
            Some(s) => Some(synthetic_model(s).map_err(at)?),
        };
        for k in 0..e.count {
            let mut listen = first;
            if first.port() != 0 {
                listen.set_port(first.port() + k as u16);
            }
            let name = format!("{}-{}", e.name, k + 1);
            let entry =
                Entry::pool_member(&name, e.cluster.clone(), e.seed, e.clock.clone(), e.speed);
            let mut spec = to_spec(entry, defaults, origin, listen).map_err(at)?;
            if let Some(m) = &synthetic {
                let mut m = m.clone();
                m.settings.epoch = spec.model.settings.epoch.clone();
                spec.model = Arc::new(m);
            }
            specs.push(spec);
            members.push(PoolMember {
                cluster: name,
                host: e.name.clone(),
                consensus_plugin: text_or(&e.consensus_plugin, DEFAULT_CONSENSUS_PLUGIN),
                consensus_mode: text_or(&e.consensus_mode, DEFAULT_CONSENSUS_MODE),
                fabric_version: text_or(&e.fabric_version, DEFAULT_FABRIC_VERSION),
                generation: 0,
                holder: None,
                applied_ms: None,
                stopped: false,
            });
        }
    }
    Ok((specs, members))
}

fn text_or(v: &Option<String>, default: &str) -> String {
    v.clone().unwrap_or_else(|| default.to_string())
}

fn synthetic_model(s: &Synthetic) -> Result<crate::model::Model, String> {
    if s.servers == 0 || s.groups == 0 {
        return Err("synthetic: servers and groups must be 1 or more".into());
    }
    let spec = crate::synth::SynthSpec {
        servers: s.servers,
        groups: s.groups,
        policy_width: s.servers.min(4),
        ..Default::default()
    };
    spec.model().map_err(|e| {
        format!(
            "synthetic: {}",
            e.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<(Vec<ClusterSpec>, Vec<PoolMember>), String> {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("fleet.yaml");
        std::fs::write(&f, text).unwrap();
        let args = ServeArgs::from_flags(["--clock", "manual"]).unwrap();
        super::super::fleet_file::load_with_pool(&f, &args)
    }

    #[test]
    fn a_pool_expands_into_numbered_clusters_on_consecutive_ports() {
        let (specs, members) = load(
            "clusters:\n  - name: office\npool:\n  - name: lab\n    count: 3\n    listen: 127.0.0.1:29500\n    synthetic: {servers: 4, groups: 2}\n    consensus_plugin: pbft\n",
        )
        .unwrap();
        let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["office", "lab-1", "lab-2", "lab-3"]);
        let ports: Vec<u16> = specs[1..].iter().map(|s| s.listen[0].port()).collect();
        assert_eq!(ports, [29500, 29501, 29502]);
        assert_eq!(specs[1].model.servers.len(), 4);
        assert_eq!(members.len(), 3);
        assert_eq!(
            (
                members[0].consensus_plugin.as_str(),
                members[0].consensus_mode.as_str()
            ),
            ("pbft", DEFAULT_CONSENSUS_MODE)
        );
        let mut next = members[0].clone();
        assert_eq!(next.id().len(), 24);
        next.generation += 1;
        assert_ne!(next.id(), members[0].id(), "a release gives a new id");
        assert_ne!(members[0].id(), members[1].id());
    }

    #[test]
    fn pool_mistakes_are_named() {
        for (text, want) in [
            ("pool:\n  - name: lab\n    count: 0\n", "count must be 1"),
            ("pool:\n  - name: lab\n    count: 2\n    listen: here\n", "listen"),
            ("pool:\n  - name: lab\n    count: 3\n    listen: 127.0.0.1:65534\n", "do not fit"),
            (
                "pool:\n  - name: lab\n    count: 1\n    cluster: x.yaml\n    synthetic: {servers: 2}\n",
                "not both",
            ),
            ("pool:\n  - name: lab\n    count: 1\n    synthetic: {servers: 0}\n", "synthetic"),
            ("clusters:\n  - name: lab-1\npool:\n  - name: lab\n    count: 1\n", "used twice"),
            ("pool:\n  - name: lab\n    count: 1\n    colour: red\n", "colour"),
        ] {
            let e = load(text).unwrap_err();
            assert!(e.contains(want) && e.contains("fleet.yaml"), "{text}: {e}");
        }
    }
}
