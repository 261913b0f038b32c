//! `POST /xcatws/nodes/{n}` (mkdef: 201, a new server joins the cluster with its
//! service started) and `DELETE /xcatws/nodes/{noderange}` (rmdef: 200, each node leaves
//! the cluster), by live reconfiguration (`server-add`, `server-remove`).

use super::{noderange, resources::refused_by, Answer, Req};
use crate::sim::Operation;
use axum::http::StatusCode;
use serde_json::Value;

/// `POST /xcatws/nodes/{n}`: each name of a comma list becomes a server; the `ip`
/// attribute, if given, is its address (other attributes are accepted and not kept).
pub async fn create(r: &Req<'_>, nr: &str) -> Answer {
    let ip = match r.params.get("ip") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            return Answer::daemon(vec![format!("Invalid value {other} for attribute ip.")])
        }
    };
    let model = r.x.app.engine.model();
    let wanted: Vec<&str> = nr.split(',').collect();
    if wanted.iter().any(|n| !noderange::plain_name(n)) {
        return Answer::daemon(vec![format!("Invalid node name in noderange: {nr}")]);
    }
    if let Some(n) = wanted.iter().find(|n| model.server_id(n).is_some()) {
        return Answer::daemon(vec![format!("A definition for '{n}' already exists.")]);
    }
    if wanted.len() > 1 && ip.is_some() {
        return Answer::daemon(vec!["One ip cannot be given to several nodes.".into()]);
    }
    for n in wanted {
        let op = Operation::ServerAdd {
            server: n.to_string(),
            ip: ip.clone(),
            priority: None,
            start: true,
        };
        if let Some(a) = refused_by(r, n, op).await {
            return a;
        }
    }
    Answer::empty(StatusCode::CREATED)
}

/// `DELETE /xcatws/nodes/{noderange}`: every node of the range leaves the cluster.
pub async fn destroy(r: &Req<'_>, ids: Vec<usize>) -> Answer {
    let model = r.x.app.engine.model();
    let names: Vec<String> = ids.iter().map(|&i| model.servers[i].name.clone()).collect();
    for n in names {
        let op = Operation::ServerRemove { server: n.clone() };
        if let Some(a) = refused_by(r, &n, op).await {
            return a;
        }
    }
    Answer::empty(StatusCode::OK)
}
