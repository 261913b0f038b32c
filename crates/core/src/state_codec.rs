//! A [`Sim`]'s whole state as bytes, and back: what lets `serve --state` snapshot a
//! cluster and recover it without replaying the journal from zero (#13).
//!
//! Format, version 1: magic `CSIMSTAT` (8 bytes), version `u32` little-endian, then one
//! CBOR item (RFC 8949, written and read by `ciborium`) holding every field of `Sim`
//! by name, plus the model in force as its cluster file (JSON text, settings in
//! force) and the names of departed servers. The queue's pending events keep their
//! time, phase, key and insertion sequence, so they pop in the same order. There is
//! no random generator state to keep: the seeded generator is drawn from only while
//! `Sim::new` (and a server join, from its own salted seed) lays out phases, and
//! those phases are state here. `&'static str` statuses are written as text and
//! interned on reading ([`intern`]), so the event log renders byte for byte as before.
//!
//! Same state in, same bytes out: every map is a `BTreeMap`, every list in id order.

use super::engine::{Ev, ServerState, Sim};
use super::event::Event;
use super::heartbeat::Heartbeats;
use super::HeartbeatModel;
use crate::kernel::Kernel;
use crate::model::{ClusterFile, Model, ServerId};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub const STATE_MAGIC: &[u8; 8] = b"CSIMSTAT";
pub const STATE_VERSION: u32 = 1;

/// The model in force, as a cluster file that resolves to it again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelImage {
    /// The cluster file (JSON) with the settings in force (`serve --epoch` edits them).
    pub source: String,
    /// Servers that left (live reconfiguration): the log still names them.
    pub departed: Vec<String>,
}

impl ModelImage {
    pub fn of(model: &Model) -> ModelImage {
        let mut file = model.source.clone();
        file.settings = model.settings.clone();
        ModelImage {
            source: serde_json::to_string(&file).expect("cluster files serialize"),
            departed: model.departed.clone(),
        }
    }

    /// The model this image describes: `base` itself when it is that model (no
    /// resolving, and the engine keeps sharing one `Arc`), else resolved afresh.
    pub fn resolve(&self, base: Option<&Arc<Model>>) -> Result<Arc<Model>, String> {
        if let Some(b) = base.filter(|b| ModelImage::of(b) == *self) {
            return Ok(b.clone());
        }
        let file: ClusterFile = serde_json::from_str(&self.source)
            .map_err(|e| format!("the saved cluster file does not parse: {e}"))?;
        let mut model = Model::from_file(file, "saved state").map_err(|errs| {
            let v: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
            v.join("; ")
        })?;
        model.departed = self.departed.clone();
        Ok(Arc::new(model))
    }
}

/// Declares the saved and loaded forms of `Sim` from one field list, so a field
/// added to `Sim` and not here fails to compile (in `restore_state`).
macro_rules! sim_state {
    ($($f:ident: $t:ty,)*) => {
        #[derive(Serialize)]
        struct Saved<'a> {
            model: ModelImage,
            $($f: &'a $t,)*
        }

        #[derive(Deserialize)]
        struct Loaded {
            model: ModelImage,
            $($f: $t,)*
        }

        impl Sim {
            /// The whole state, to be given to [`Sim::restore_state`] (format: module).
            pub fn save_state(&self) -> Vec<u8> {
                let saved = Saved {
                    model: ModelImage::of(&self.model),
                    $($f: &self.$f,)*
                };
                // Sized up front (the log is most of it, ~120 bytes an entry), so a
                // checkpoint does not leave a trail of doubled and freed buffers.
                let mut out = Vec::with_capacity(4_096 + self.kernel.log().len() * 128);
                out.extend_from_slice(STATE_MAGIC);
                out.extend_from_slice(&STATE_VERSION.to_le_bytes());
                ciborium::into_writer(&saved, &mut out).expect("writing to a Vec cannot fail");
                out.shrink_to_fit();
                out
            }

            /// The sim `bytes` (from [`Sim::save_state`]) describe. `base` is the
            /// cluster's model as loaded: used as is when the state's model is the
            /// same, else the saved cluster file is resolved (a reconfigured cluster).
            pub fn restore_state(base: Option<&Arc<Model>>, bytes: &[u8]) -> Result<Sim, String> {
                let body = check_preamble(bytes)?;
                let l: Loaded = ciborium::from_reader(body)
                    .map_err(|e| format!("the saved state does not decode: {e}"))?;
                let model = l.model.resolve(base)?;
                let mut sim = Sim {
                    model,
                    $($f: l.$f,)*
                };
                sim.check_shape()?;
                sim.reach_rebuild();
                let model = sim.model.clone();
                sim.monitors.compact(&model);
                Ok(sim)
            }
        }
    };
}

sim_state! {
    kernel: Kernel<Ev, Event>,
    hb_model: HeartbeatModel,
    servers: Vec<ServerState>,
    hb: Heartbeats,
    answering: Option<ServerId>,
    next_task: u64,
    members: super::membership::Membership,
    groups: super::group_state::Groups,
    monitors: super::monitor::Monitors,
    env: super::env::Env,
    toratio: u32,
    toratio_gen: u64,
    suspended: bool,
    op_pending: u32,
    startup_gen: u64,
    startup_waiting: bool,
    check_invariants: bool,
    power_ctl: super::power::PowerCtl,
    reconfig: super::reconfig::Reconfig,
    rolling: super::rolling::RollingCtl,
    mirror: Vec<super::mirror::MirrorState>,
    mirror_actions: super::mirror_action::Actions,
}

fn check_preamble(bytes: &[u8]) -> Result<&[u8], String> {
    if bytes.len() < 12 || &bytes[..8] != STATE_MAGIC {
        return Err("not a clustersim state (no CSIMSTAT magic)".into());
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version != STATE_VERSION {
        return Err(format!(
            "state format version {version}; this clustersim reads version {STATE_VERSION}"
        ));
    }
    Ok(&bytes[12..])
}

impl Sim {
    /// The per-server and per-resource tables fit the model (a decoded state that
    /// does not would panic on the first index; say so instead).
    fn check_shape(&self) -> Result<(), String> {
        let n = self.model.servers.len();
        let m = &self.model;
        let ok = self.servers.len() == n
            && self.members.believes_up.len() == n
            && self.members.declared_down.len() == n
            && self.groups.rstate.len() == m.resources.len() * n
            && self.groups.active_on.len() == m.groups.len()
            && self.groups.home.len() == m.groups.len()
            && self.monitors.inst.len() == m.monitors.len() * n
            && self.monitors.counters.len() == m.monitors.len()
            && self.mirror.len() == m.mirrors.len();
        if ok {
            Ok(())
        } else {
            Err("the saved state does not fit its cluster file".into())
        }
    }
}

/// `&'static str` fields read back: each distinct text is allocated once for the
/// process and shared after that (the texts are the product's status words and alert
/// modules, a few dozen). A bound keeps a hostile file from growing the pool.
pub mod intern {
    use serde::de::Error;
    use serde::{Deserialize, Deserializer};
    use std::collections::BTreeSet;
    use std::sync::Mutex;

    const MAX_TEXTS: usize = 4_096;
    static POOL: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());

    pub fn get(s: &str) -> Result<&'static str, String> {
        let mut pool = POOL.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(&found) = pool.get(s) {
            return Ok(found);
        }
        if pool.len() >= MAX_TEXTS {
            return Err(format!("more than {MAX_TEXTS} distinct status texts"));
        }
        let leaked: &'static str = Box::leak(s.to_owned().into_boxed_str());
        pool.insert(leaked);
        Ok(leaked)
    }

    fn map<E: Error>(s: &str) -> Result<&'static str, E> {
        get(s).map_err(E::custom)
    }

    pub fn one<'de, D: Deserializer<'de>>(d: D) -> Result<&'static str, D::Error> {
        map(&String::deserialize(d)?)
    }

    pub fn opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<&'static str>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|s| map(&s))
            .transpose()
    }

    pub fn opt_pair<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<(&'static str, u16)>, D::Error> {
        Option::<(String, u16)>::deserialize(d)?
            .map(|(s, n)| map(&s).map(|s| (s, n)))
            .transpose()
    }

    pub fn vec<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<&'static str>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|s| map(s))
            .collect()
    }

    pub fn pair<'de, D: Deserializer<'de>>(d: D) -> Result<[&'static str; 2], D::Error> {
        let [a, b] = <[String; 2]>::deserialize(d)?;
        Ok([map(&a)?, map(&b)?])
    }
}

/// `Reconfig::removing`: the server being removed and the model that follows.
pub mod removing {
    use super::ModelImage;
    use crate::model::{Model, ServerId};
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::sync::Arc;

    type Removing = Option<(ServerId, Arc<Model>)>;

    pub fn serialize<S: Serializer>(v: &Removing, s: S) -> Result<S::Ok, S::Error> {
        v.as_ref()
            .map(|(id, m)| (*id, ModelImage::of(m)))
            .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Removing, D::Error> {
        Option::<(ServerId, ModelImage)>::deserialize(d)?
            .map(|(id, img)| img.resolve(None).map(|m| (id, m)))
            .transpose()
            .map_err(D::Error::custom)
    }
}

/// `Event` read back: its statuses and alert module interned (see [`intern`]).
#[derive(Deserialize)]
struct EventImage {
    seq: u64,
    t_ms: u64,
    kind: super::event::EventKind,
    server: Option<usize>,
    peer: Option<usize>,
    group: Option<usize>,
    resource: Option<usize>,
    monitor: Option<usize>,
    path: Option<usize>,
    resolver: Option<usize>,
    status: Option<String>,
    fault: Option<u64>,
    alert: Option<(String, u16)>,
    args: Vec<super::event::Arg>,
    reason: Option<String>,
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Event, D::Error> {
        use serde::de::Error;
        let e = EventImage::deserialize(d)?;
        let status = e.status.map(|s| intern::get(&s)).transpose();
        let alert = e
            .alert
            .map(|(m, id)| intern::get(&m).map(|m| (m, id)))
            .transpose();
        Ok(Event {
            seq: e.seq,
            t_ms: e.t_ms,
            kind: e.kind,
            server: e.server,
            peer: e.peer,
            group: e.group,
            resource: e.resource,
            monitor: e.monitor,
            path: e.path,
            resolver: e.resolver,
            status: status.map_err(D::Error::custom)?,
            fault: e.fault,
            alert: alert.map_err(D::Error::custom)?,
            args: e.args,
            reason: e.reason,
        })
    }
}

/// `FaultInfo` (the ended faults `Faults` remembers) read back, as `GET
/// /sim/v1/faults` writes it.
#[derive(Deserialize)]
struct FaultInfoImage {
    id: super::input::FaultId,
    #[serde(flatten)]
    spec: super::input::FaultSpec,
    state: String,
    start_ms: u64,
    end_ms: Option<u64>,
    #[serde(default)]
    ended: Option<String>,
}

impl<'de> Deserialize<'de> for super::FaultInfo {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<super::FaultInfo, D::Error> {
        use serde::de::Error;
        let f = FaultInfoImage::deserialize(d)?;
        let ended = f.ended.map(|s| intern::get(&s)).transpose();
        Ok(super::FaultInfo {
            id: f.id,
            spec: f.spec,
            state: intern::get(&f.state).map_err(D::Error::custom)?,
            start_ms: f.start_ms,
            end_ms: f.end_ms,
            ended: ended.map_err(D::Error::custom)?,
        })
    }
}
