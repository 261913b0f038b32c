//! clustersim: a deterministic discrete-event simulator of an EXPRESSCLUSTER X style
//! high-availability cluster. See `ARCHITECTURE.md` for the map.

pub mod cli;
pub use clustersim_clp as clp;
pub mod faces;
pub mod host;
pub mod hunt;
pub use clustersim_import as import;
pub use clustersim_kernel as kernel;
pub use clustersim_model as model;
pub use clustersim_persist as persist;
pub mod scenario;
pub mod set;
pub use clustersim_core as sim;
pub mod sweep;
pub mod synth;
pub mod vocab;
pub mod web_assets;

pub use model::Model;
pub use sim::Sim;
