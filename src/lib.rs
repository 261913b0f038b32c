//! clustersim: a deterministic discrete-event simulator of an EXPRESSCLUSTER X style
//! high-availability cluster. See `ARCHITECTURE.md` for the map.

pub mod cli;
pub mod clp;
pub mod faces;
pub mod host;
pub mod hunt;
pub mod import;
pub mod kernel;
pub mod model;
pub mod persist;
pub mod scenario;
pub mod set;
pub mod sim;
pub mod sweep;
pub mod synth;
pub mod vocab;
pub mod web_assets;

pub use model::Model;
pub use sim::Sim;
