//! Product surfaces ("faces") served over the host's clusters, one folder each.

pub mod expresscluster;
