//! The typed requests a face or the control API sends to a cluster's engine: each
//! wraps one `Command` and unpacks its `Reply` (a reply of another kind is a bug,
//! answered like a panic).

use super::{unexpected, ClockInfo, ClusterHandle, Command, EngineError, Journal, Reply};

impl ClusterHandle {
    pub async fn clock(&self) -> Result<ClockInfo, EngineError> {
        match self.send(Command::Clock).await? {
            Reply::Clock(c) => Ok(c),
            other => Err(unexpected(other)),
        }
    }

    pub async fn journal(&self) -> Result<Journal, EngineError> {
        match self.send(Command::Journal).await? {
            Reply::Journal(j) => Ok(j),
            other => Err(unexpected(other)),
        }
    }

    pub async fn events(
        &self,
        since: u64,
        limit: usize,
    ) -> Result<Vec<(u64, String)>, EngineError> {
        match self.send(Command::Events { since, limit }).await? {
            Reply::Events(list) => Ok(list),
            other => Err(unexpected(other)),
        }
    }

    /// The answering server's status changes with `seq >= since`, at most `limit`.
    pub async fn history(
        &self,
        since: u64,
        limit: usize,
    ) -> Result<Vec<crate::host::history::Change>, EngineError> {
        match self.send(Command::History { since, limit }).await? {
            Reply::History(list) => Ok(list),
            other => Err(unexpected(other)),
        }
    }

    pub async fn view(
        &self,
        server: Option<usize>,
    ) -> Result<crate::sim::ClusterView, EngineError> {
        match self.send(Command::View { server }).await? {
            Reply::View(v) => Ok(*v),
            other => Err(unexpected(other)),
        }
    }

    pub async fn metrics(
        &self,
        open_metrics: bool,
        http: crate::host::metrics::HttpCounters,
    ) -> Result<String, EngineError> {
        match self.send(Command::Metrics { open_metrics, http }).await? {
            Reply::Text(t) => Ok(t),
            other => Err(unexpected(other)),
        }
    }

    pub async fn group_online_ms(&self) -> Result<Vec<u64>, EngineError> {
        match self.send(Command::GroupOnlineMs).await? {
            Reply::GroupOnlineMs(ms) => Ok(ms),
            other => Err(unexpected(other)),
        }
    }
}
