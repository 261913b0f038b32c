//! Product surfaces ("faces"), one folder each. A face is a function from one
//! cluster (its [`App`]: a [`ClusterHandle`](crate::host::ClusterHandle) to read the
//! published snapshot and send commands, plus the face's settings) to an
//! `axum::Router`. It renders its own product's words; nothing product-specific lives
//! in the host.
//!
//! Adding a face: a folder `src/faces/<name>/` with `pub fn router(&App) -> Router`,
//! plus one line in [`FACES`].

pub mod expresscluster;

use crate::host::App;
use axum::Router;

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

/// All faces' routes over `app`.
pub fn router(app: &App) -> Router {
    FACES
        .iter()
        .fold(Router::new(), |r, face| r.merge((face.router)(app)))
}
