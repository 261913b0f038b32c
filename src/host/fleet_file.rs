//! How clusters are described: an entry of a fleet file (`serve --fleet FLEET.yaml`)
//! or the body of `POST /sim/v1/clusters`. Both have the same fields; absent ones take
//! the `serve` command line's values.
//!
//! ```yaml
//! clusters:
//!   - name: a                  # 1-63 of A-Z a-z 0-9 _ . -
//!     cluster: a.yaml          # fleet file: a path (relative to the fleet file);
//!                              # POST: the file's YAML text; either: an inline object;
//!                              # absent: the default cluster
//!     seed: 1
//!     clock: manual            # realtime | manual
//!     speed: 1                 # realtime only
//!     listen: 127.0.0.1:29010  # or a list; absent: --listen for the first entry,
//!                              # 127.0.0.1:0 (any free port) for the others
//!     per_server_listeners: false
//!     faces: {xcat: 127.0.0.1:8001, maxscale: 127.0.0.1:8989}  # own listeners
//!     api_version: "1.2"
//!     user: alice            # the cluster's own credential (`host/tenancy.rs`);
//!     password: secret         # absent: user = the cluster's name, password generated
//! admin: {user: teacher, password: s3cret}   # reaches every cluster (default: --user)
//! ```

use super::fleet::ClusterSpec;
use super::tenancy::Credential;
use super::{ApiVersion, ClockMode, ServeArgs};
use crate::model::Model;
use clap::ValueEnum;
use serde::Deserialize;
use serde_json::Value;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

/// One cluster as written in a fleet file or a POST body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub name: String,
    #[serde(default)]
    pub cluster: Option<Value>,
    #[serde(default)]
    pub seed: Option<u64>,
    #[serde(default)]
    pub clock: Option<String>,
    #[serde(default)]
    pub speed: Option<f64>,
    #[serde(default)]
    pub listen: Option<Value>,
    #[serde(default)]
    pub per_server_listeners: Option<bool>,
    /// Faces on their own listeners: face name -> address (`xcat: 127.0.0.1:8001`).
    #[serde(default)]
    pub faces: Option<std::collections::BTreeMap<String, String>>,
    #[serde(default)]
    pub api_version: Option<Value>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    /// State directory (fleet file: relative to it); default: `--state`/clusters/NAME.
    #[serde(default)]
    pub state: Option<std::path::PathBuf>,
    /// The date of virtual time 0 (ISO 8601); default `--epoch`, else the cluster
    /// file's `settings.epoch`.
    #[serde(default)]
    pub epoch: Option<String>,
}

impl Entry {
    /// A pool member's entry (`host/fleet_pool.rs`): the rest takes the defaults.
    pub fn pool_member(
        name: &str,
        cluster: Option<Value>,
        seed: Option<u64>,
        clock: Option<String>,
        speed: Option<f64>,
    ) -> Entry {
        Entry {
            name: name.to_string(),
            cluster,
            seed,
            clock,
            speed,
            listen: None,
            per_server_listeners: None,
            faces: None,
            api_version: None,
            user: None,
            password: None,
            state: None,
            epoch: None,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FleetFile {
    #[serde(default)]
    clusters: Vec<Entry>,
    /// A pool of lab clusters for a manager face (`host/fleet_pool.rs`).
    #[serde(default)]
    pool: Vec<super::fleet_pool::PoolEntry>,
    /// The instructor's credential (`host/tenancy.rs`); `serve --admin-user` wins.
    #[serde(default)]
    admin: Option<Credential>,
}

/// A fleet file read: its clusters (the pool's after them), the pool's members and
/// its `admin:` credential.
pub struct Loaded {
    pub specs: Vec<ClusterSpec>,
    pub members: Vec<super::fleet_pool::PoolMember>,
    pub admin: Option<Credential>,
}

/// Where a `cluster` string comes from.
#[derive(Clone, Copy)]
pub enum Origin<'a> {
    /// A fleet file in this folder: strings are paths relative to it.
    FleetFile(&'a Path),
    /// A POST body: strings are the cluster file's YAML text.
    Request,
}

/// Reads a fleet file into cluster specs (every problem named with the file and
/// the entry).
pub fn load(path: &Path, defaults: &ServeArgs) -> Result<Vec<ClusterSpec>, String> {
    load_with_pool(path, defaults).map(|(specs, _)| specs)
}

/// A fleet file's clusters, then its pool's (after them), and the pool's members.
pub fn load_with_pool(
    path: &Path,
    defaults: &ServeArgs,
) -> Result<(Vec<ClusterSpec>, Vec<super::fleet_pool::PoolMember>), String> {
    load_fleet(path, defaults).map(|l| (l.specs, l.members))
}

/// The whole fleet file (every problem named with the file and the entry).
pub fn load_fleet(path: &Path, defaults: &ServeArgs) -> Result<Loaded, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    super::limits::check_yaml(&text, &path.display().to_string())?;
    let file: FleetFile = serde_norway::from_str(&text)
        .map_err(|e| format!("{}: not a fleet file: {e}", path.display()))?;
    if file.clusters.is_empty() && file.pool.is_empty() {
        return Err(format!(
            "{}: `clusters` lists no cluster (and there is no `pool`)",
            path.display()
        ));
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut names = std::collections::BTreeSet::new();
    let mut specs = Vec::new();
    for (i, entry) in file.clusters.into_iter().enumerate() {
        if !names.insert(entry.name.clone()) {
            return Err(format!(
                "{}: clusters[{i}]: the name {:?} is used twice",
                path.display(),
                entry.name
            ));
        }
        let listen = if i == 0 { defaults.listen } else { any_port() };
        let first_without_faces = i == 0 && entry.faces.is_none();
        let mut spec = to_spec(entry, defaults, Origin::FleetFile(dir), listen)
            .map_err(|e| format!("{}: clusters[{i}]: {e}", path.display()))?;
        if first_without_faces {
            spec.faces = crate::faces::cluster_faces(&defaults.faces);
        }
        specs.push(spec);
    }
    let pool_listen = file.pool.first().map(|p| p.listen.is_some());
    let (pooled, members) = super::fleet_pool::expand(file.pool, defaults, Origin::FleetFile(dir))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    for spec in &pooled {
        if !names.insert(spec.name.clone()) {
            return Err(format!(
                "{}: the cluster name {:?} is used twice (pool members are NAME-1..NAME-N)",
                path.display(),
                spec.name
            ));
        }
    }
    if specs.is_empty() {
        // The first cluster is the one `--listen` and the unprefixed /sim/v1 mean.
        let mut pooled = pooled;
        if let Some(first) = pooled.first_mut() {
            first.faces = crate::faces::cluster_faces(&defaults.faces);
            first_member_listen(first, pool_listen == Some(true), defaults.listen)
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
        specs = pooled;
    } else {
        specs.extend(pooled);
    }
    Ok(Loaded {
        specs,
        members,
        admin: file.admin,
    })
}

/// In a fleet of pools only, the first member is the first cluster: it takes `--listen`
/// when its pool gives no `listen`; when the pool gives one, a `--listen` other than the
/// default would be ignored, so it is refused (exit 2) rather than silently dropped.
fn first_member_listen(
    first: &mut ClusterSpec,
    pool_listens: bool,
    listen: SocketAddr,
) -> Result<(), String> {
    if !pool_listens {
        first.listen = vec![listen];
        return Ok(());
    }
    let given = first.listen.first().copied();
    if listen.to_string() != super::DEFAULT_LISTEN && given != Some(listen) {
        return Err(format!(
            "pool[0] `listen` puts the first cluster {:?} on {}, so --listen {listen} would not \
             be used: drop --listen, or drop the pool's `listen` to let its first member take it",
            first.name,
            given.map(|a| a.to_string()).unwrap_or_default()
        ));
    }
    Ok(())
}

/// `127.0.0.1:0`.
pub fn any_port() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// An entry with the command line's values for what it leaves out.
pub fn to_spec(
    e: Entry,
    defaults: &ServeArgs,
    origin: Origin,
    default_listen: SocketAddr,
) -> Result<ClusterSpec, String> {
    super::fleet::check_name(&e.name)?;
    let mut model = match &e.cluster {
        None => Model::default_cluster(),
        Some(v) => load_cluster(v, origin, &e.name)?,
    };
    if let Some(epoch) = e.epoch.as_ref().or(defaults.epoch.as_ref()) {
        crate::model::calendar::parse_iso(epoch).map_err(|m| format!("epoch: {m}"))?;
        model.settings.epoch = epoch.clone();
    }
    let clock = match &e.clock {
        None => defaults.clock,
        Some(c) => ClockMode::from_str(c, false)
            .map_err(|_| format!("clock {c:?} is not one of: realtime, manual"))?,
    };
    let api_version = match &e.api_version {
        None => defaults.api_version,
        Some(v) => {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            ApiVersion::from_str(&text, false)
                .map_err(|_| format!("api_version {text:?} is not one of: 1.0, 1.1, 1.2"))?
        }
    };
    let listen = match &e.listen {
        None => vec![default_listen],
        Some(Value::String(s)) => vec![parse_addr(s)?],
        Some(Value::Array(list)) if !list.is_empty() => list
            .iter()
            .map(|v| match v {
                Value::String(s) => parse_addr(s),
                other => Err(format!("listen: {other} is not an address")),
            })
            .collect::<Result<_, _>>()?,
        Some(other) => {
            return Err(format!(
                "listen: {other} is not an address or a list of them"
            ))
        }
    };
    let mut faces = Vec::new();
    for (name, addr) in e.faces.iter().flatten() {
        faces
            .push(super::parse_face(&format!("{name}={addr}")).map_err(|m| format!("faces: {m}"))?);
    }
    let state = match (e.state, origin) {
        (Some(p), Origin::FleetFile(dir)) => Some(dir.join(p)),
        (Some(p), Origin::Request) => Some(p),
        (None, _) => defaults
            .state
            .as_ref()
            .map(|d| super::fleet::cluster_state_dir(d, &e.name)),
    };
    // Every cluster its own credential (`host/tenancy.rs`): what is not given is made.
    let credential = match (e.user, e.password) {
        (Some(user), Some(password)) => Credential { user, password },
        (user, None) => Credential::generate(user.as_deref().unwrap_or(&e.name)),
        (None, Some(password)) => Credential {
            user: e.name.clone(),
            password,
        },
    };
    Ok(ClusterSpec {
        state,
        start: None,
        faces,
        name: e.name,
        model: Arc::new(model),
        seed: e.seed.unwrap_or(defaults.seed),
        clock,
        speed: e.speed.unwrap_or(defaults.speed),
        listen,
        per_server_listeners: e
            .per_server_listeners
            .unwrap_or(defaults.per_server_listeners),
        api_version,
        user: credential.user,
        password: credential.password,
    })
}

fn parse_addr(s: &str) -> Result<SocketAddr, String> {
    s.parse()
        .map_err(|_| format!("listen: {s:?} is not an address:port (e.g. 127.0.0.1:0)"))
}

fn load_cluster(v: &Value, origin: Origin, name: &str) -> Result<Model, String> {
    let (text, source) = match (v, origin) {
        (Value::String(path), Origin::FleetFile(dir)) => {
            let p = dir.join(path);
            let text = std::fs::read_to_string(&p)
                .map_err(|e| format!("cannot read cluster file {}: {e}", p.display()))?;
            (text, p.display().to_string())
        }
        (Value::String(text), Origin::Request) => (text.clone(), format!("cluster {name}")),
        (obj @ Value::Object(_), _) => (obj.to_string(), format!("cluster {name}")),
        (other, _) => {
            return Err(format!(
                "cluster: {other} is neither a cluster file nor an object"
            ))
        }
    };
    // A cluster YAML file or a clp.conf (import warnings are not fatal).
    crate::import::load_any(&text, &source)
        .map(|(model, warnings)| {
            warnings.iter().for_each(|w| eprintln!("{w}"));
            model
        })
        .map_err(|errs| errs.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> ServeArgs {
        ServeArgs::from_flags(["--clock", "manual"]).unwrap()
    }

    #[test]
    fn a_fleet_file_names_its_problems() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("fleet.yaml");
        std::fs::write(&f, "clusters:\n  - name: a\n  - name: b\n    seed: 4\n    clock: realtime\n    api_version: 1.1\n    listen: [127.0.0.1:0, 127.0.0.2:0]\n").unwrap();
        let specs = load(&f, &defaults()).unwrap();
        assert_eq!(specs.len(), 2);
        assert_eq!(specs[0].clock, ClockMode::Manual);
        assert_eq!((specs[1].seed, specs[1].clock), (4, ClockMode::Realtime));
        assert_eq!(specs[1].api_version, ApiVersion::V1_1);
        assert_eq!(specs[1].listen.len(), 2);
        assert_eq!(
            specs[0].model.settings.epoch,
            crate::model::calendar::DEFAULT_EPOCH
        );

        // An entry's epoch wins over --epoch, which wins over the cluster file's.
        std::fs::write(
            &f,
            "clusters:\n  - name: a\n  - name: b\n    epoch: 2030-05-01T08:00:00Z\n",
        )
        .unwrap();
        let args = ServeArgs::from_flags(["--clock", "manual", "--epoch", "2027-01-01"]).unwrap();
        let specs = load(&f, &args).unwrap();
        assert_eq!(specs[0].model.settings.epoch, "2027-01-01");
        assert_eq!(specs[1].model.settings.epoch, "2030-05-01T08:00:00Z");

        for (body, want) in [
            ("clusters:\n  - name: a\n  - name: a\n", "used twice"),
            ("clusters:\n  - name: 'a b'\n", "invalid cluster name"),
            (
                "clusters:\n  - name: a\n    cluster: nope.yaml\n",
                "nope.yaml",
            ),
            (
                "clusters:\n  - name: a\n    clock: fast\n",
                "realtime, manual",
            ),
            ("clusters:\n  - name: a\n    colour: red\n", "colour"),
            ("clusters: []\n", "no cluster"),
            (
                "clusters:\n  - name: a\n    epoch: yesterday\n",
                "epoch: `yesterday`",
            ),
        ] {
            std::fs::write(&f, body).unwrap();
            let e = load(&f, &defaults()).unwrap_err();
            assert!(e.contains(want) && e.contains("fleet.yaml"), "{body}: {e}");
        }
    }
}
