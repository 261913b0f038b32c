//! The fleet itself is durable with `--state ROOT`: `ROOT/fleet.json` lists every
//! cluster created while serving (`POST /sim/v1/clusters`, fork, a manager face) as
//! a cluster entry (the fields of `POST /sim/v1/clusters`, see `fleet_file`): its
//! cluster file, seed, clock, the addresses it was bound to, credentials and state
//! folder; and the names of clusters from the command line or fleet file that were
//! deleted. A restart creates the first again on the same addresses (each resumes
//! from its own journal) and leaves the others out, so a deleted cluster stays
//! deleted. The file is rewritten whole (temporary file, fsync, rename, directory
//! fsync) before a create is answered; `ROOT/fleet.lock` keeps one writer.

use super::fleet::{Cluster, ClusterSpec};
use crate::persist::lock::DirLock;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

pub const FLEET_FILE: &str = "fleet.json";

/// What `fleet.json` holds.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recorded {
    /// Clusters created while serving, in creation order (cluster entries).
    pub created: Vec<Value>,
    /// Clusters of the command line or fleet file that were deleted.
    pub deleted: Vec<String>,
}

/// The open record of a fleet with `--state`.
#[derive(Debug)]
pub struct FleetRecord {
    root: PathBuf,
    lock: DirLock,
    pub recorded: Recorded,
}

impl FleetRecord {
    /// Locks `root` for the fleet (`fleet.lock`) and reads its record, if any.
    pub fn open(root: &Path) -> Result<FleetRecord, String> {
        std::fs::create_dir_all(root)
            .map_err(|e| format!("cannot create state directory {}: {e}", root.display()))?;
        let lock = DirLock::acquire_named(root, "fleet.lock").map_err(|e| e.to_string())?;
        let path = root.join(FLEET_FILE);
        let recorded = match std::fs::read(&path) {
            Ok(b) => serde_json::from_slice(&b)
                .map_err(|e| format!("{}: not a fleet record: {e}", path.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Recorded::default(),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        Ok(FleetRecord {
            root: root.to_path_buf(),
            lock,
            recorded,
        })
    }

    /// Names the fleet's address in its lock file (`persist::lock`).
    pub fn note_address(&self, address: &str) {
        if let Err(e) = self.lock.note(Some(address)) {
            eprintln!("clustersim: {}: fleet lock file: {e}", self.root.display());
        }
    }

    /// Writes the record whole; an error means it is not (surely) on disk.
    pub fn save(&self) -> Result<(), String> {
        let bytes = serde_json::to_vec_pretty(&self.recorded).expect("values serialize");
        crate::persist::write_atomic(&self.root, "fleet.tmp", &self.root.join(FLEET_FILE), &bytes)
            .map(drop)
            .map_err(|e| format!("the fleet record cannot be written: {e}"))
    }
}

/// A created cluster as a cluster entry that creates it again: its model, settings,
/// credentials, state folder and the addresses it is bound to now.
pub fn entry_of(spec: &ClusterSpec, cluster: &Cluster) -> Value {
    let listen: Vec<String> = cluster.bound.iter().map(|b| b.main.to_string()).collect();
    let faces: serde_json::Map<String, Value> = cluster
        .face_listeners
        .iter()
        .map(|(f, a)| (f.clone(), json!(a.to_string())))
        .collect();
    let mut v = json!({
        "name": spec.name,
        "cluster": spec.model.source,
        "seed": spec.seed,
        "clock": spec.clock.as_str(),
        "speed": spec.speed,
        "listen": listen,
        "per_server_listeners": spec.per_server_listeners,
        "faces": faces,
        "api_version": spec.api_version.as_str(),
        "user": spec.user,
        "password": spec.password,
    });
    if let Some(s) = &spec.state {
        v["state"] = json!(s);
    }
    v
}
