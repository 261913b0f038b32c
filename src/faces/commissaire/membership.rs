//! Hosts joining and leaving clusters: a new host becomes a server of its cluster
//! through the core's live reconfiguration (`server-add`, started at once), a removed
//! one leaves it (`server-remove`: a running server stops first). A host registered
//! without a cluster (`PUT /host/{ip}` with no `cluster`) waits in the face's store as
//! `disassociated` until a membership change adds it.

use super::hosts::address;
use crate::host::command::{Command, Reply};
use crate::host::fleet::Cluster;
use crate::sim::{Input, Operation};

/// The name a new host's server gets: the first free `server<k>` [assume: the
/// product's hosts have no cluster-side name; EXPRESSCLUSTER's default names are
/// `server1`, `server2`, ...].
pub fn new_server_name(cl: &Cluster) -> String {
    let model = cl.app.engine.model();
    (1..)
        .map(|k| format!("server{k}"))
        .find(|n| model.servers.iter().all(|s| &s.name != n))
        .unwrap_or_default()
}

async fn apply(cl: &Cluster, op: Operation) -> bool {
    let reply = cl
        .app
        .engine
        .send(Command::Apply(Input::Operation(op)))
        .await;
    matches!(reply, Ok(Reply::Applied { result: Ok(_), .. }))
}

/// Adds the host at `ip` to `cl` as a new, started server; false when the core
/// refuses (a bad address, an operation in progress, a product limit).
pub async fn add(cl: &Cluster, ip: &str) -> bool {
    let op = Operation::ServerAdd {
        server: new_server_name(cl),
        ip: Some(ip.to_string()),
        priority: None,
        start: true,
    };
    apply(cl, op).await
}

/// Removes the server at `ip` from `cl`; false when it is not there or the core
/// refuses (the last server, an operation in progress).
pub async fn remove(cl: &Cluster, ip: &str) -> bool {
    let model = cl.app.engine.model();
    let Some(s) = (0..model.servers.len()).find(|&s| address(&model, s) == ip) else {
        return false;
    };
    let op = Operation::ServerRemove {
        server: model.servers[s].name.clone(),
    };
    apply(cl, op).await
}
