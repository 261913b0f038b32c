//! Product surfaces ("faces"), one folder each. A face is a function from one
//! cluster (its [`App`]: a [`ClusterHandle`](crate::host::ClusterHandle) to read the
//! published snapshot and send commands, plus the face's settings) to an
//! `axum::Router`. It renders its own product's words; nothing product-specific lives
//! in the host.
//!
//! Adding a face: a folder `src/faces/<name>/` with `pub fn router(&App) -> Router`,
//! plus one line in [`FACES`].

pub mod cello;
pub mod commissaire;
pub mod expresscluster;
pub mod maxscale;
pub mod xcat;

use crate::host::fleet::Fleet;
use crate::host::App;
use axum::Router;
use std::net::SocketAddr;
use std::sync::Weak;

/// A registered face.
pub struct Face {
    pub name: &'static str,
    /// The face's routes over one cluster (state applied).
    pub router: fn(&App) -> Router,
}

/// Every face, mounted on every cluster's listeners.
pub const FACES: &[Face] = &[Face {
    name: "expresscluster",
    router: expresscluster::routes::router,
}];

/// The faces' families of `GET /metrics` (product statuses in the product's words),
/// added to each scrape by the host (`host/metrics.rs`).
pub const METRIC_FAMILIES: &[fn(&mut prometheus_client::registry::Registry, &crate::sim::Sim)] =
    &[expresscluster::prometheus::families];

/// Faces served on their own listeners (`serve --face NAME=ADDR`), each with its own
/// authentication and error bodies.
pub const LISTENER_FACES: &[Face] = &[
    Face {
        name: "maxscale",
        router: maxscale::router,
    },
    Face {
        name: "xcat",
        router: xcat::router,
    },
];

/// Listener faces whose product answers HTTPS only (xCAT's `xcatws` runs under httpd
/// with SSL): HTTPS by default, a self-signed certificate when no `--tls-cert` is given,
/// plain http only with `--face-plain-http NAME`.
pub const HTTPS_BY_DEFAULT: &[&str] = &["xcat"];

/// A face over the whole fleet (a manager of many clusters), on its own listener.
pub struct FleetFace {
    pub name: &'static str,
    pub router: fn(Weak<Fleet>) -> Router,
}

/// Every fleet face (`serve [--fleet FLEET.yaml] --face NAME=ADDR`).
pub const FLEET_FACES: &[FleetFace] = &[
    FleetFace {
        name: "commissaire",
        router: commissaire::router,
    },
    FleetFace {
        name: "cello",
        router: cello::router,
    },
];

pub fn fleet_face(name: &str) -> Option<&'static FleetFace> {
    FLEET_FACES.iter().find(|f| f.name == name)
}

/// The `--face` entries that belong to one cluster (not to the fleet).
pub fn cluster_faces(faces: &[(String, SocketAddr)]) -> Vec<(String, SocketAddr)> {
    faces
        .iter()
        .filter(|(n, _)| fleet_face(n).is_none())
        .cloned()
        .collect()
}

/// The listener face called `name`, or the list of valid names.
pub fn listener_face(name: &str) -> Result<&'static Face, String> {
    LISTENER_FACES
        .iter()
        .find(|f| f.name == name)
        .ok_or_else(|| {
            let valid: Vec<&str> = LISTENER_FACES
                .iter()
                .map(|f| f.name)
                .chain(FLEET_FACES.iter().map(|f| f.name))
                .collect();
            format!("unknown face {name:?}; valid: {}", valid.join(", "))
        })
}

/// All faces' routes over `app`.
pub fn router(app: &App) -> Router {
    FACES
        .iter()
        .fold(Router::new(), |r, face| r.merge((face.router)(app)))
}
