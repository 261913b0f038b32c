//! Live reconfiguration: a new model version with one server more or one less, resolved
//! from the edited cluster file exactly as a loaded file is (every default, every check),
//! so a reconfigured cluster is one that could have been loaded as it now stands.
//!
//! Ids: an added server is appended (every existing id stays); a removed server's id
//! goes and the ids above it move down by one (an order-preserving map). Its name is
//! kept in [`Model::departed`] so the event log can still name it: the log refers to the
//! k-th departed server as [`DEPARTED_BASE`]` + k`.

use super::file::{ClusterFile, ServerFile};
use super::{Model, ServerId};

/// Server ids from here up name departed servers (`Model::departed`) in the event log.
pub const DEPARTED_BASE: usize = usize::MAX / 2;

impl Model {
    /// A server's name by id, including departed servers' (for the event log).
    pub fn server_name(&self, id: ServerId) -> &str {
        let name = if id >= DEPARTED_BASE {
            self.departed.get(id - DEPARTED_BASE)
        } else {
            self.servers.get(id).map(|s| &s.name)
        };
        name.map_or("?", |s| s.as_str())
    }

    /// This model with `server` appended: on every heartbeat path (an explicit path
    /// list gets it too), in every group and monitor that runs on all servers.
    pub fn with_server_added(&self, server: ServerFile) -> Result<Model, String> {
        if self.server_id(&server.name).is_some() {
            return Err(format!("Server {} already exists.", server.name));
        }
        let mut file = self.edited_source();
        for hb in &mut file.heartbeats {
            if let Some(list) = &mut hb.servers {
                list.push(server.name.clone());
            }
        }
        file.servers.push(server);
        self.resolved(file)
    }

    /// This model without server `name` (also dropped from every explicit list).
    /// Refused when it is the last server or the only server of a group's policy.
    pub fn with_server_removed(&self, name: &str) -> Result<Model, String> {
        if self.server_id(name).is_none() {
            return Err(format!("Server {name} does not exist."));
        }
        if self.servers.len() == 1 {
            return Err(format!(
                "Server {name} is the last server of the cluster; it cannot be removed."
            ));
        }
        let mut file = self.edited_source();
        file.servers.retain(|s| s.name != name);
        let drop = |list: &mut Option<Vec<String>>| {
            if let Some(l) = list {
                l.retain(|s| s != name);
            }
        };
        for hb in &mut file.heartbeats {
            drop(&mut hb.servers);
        }
        for m in &mut file.monitors {
            drop(&mut m.servers);
        }
        for g in &mut file.groups {
            drop(&mut g.servers);
            if g.servers.as_ref().is_some_and(|l| l.is_empty()) {
                return Err(format!(
                    "Server {name} is the only startup server of group {}; \
                     remove the group or add another server to it first.",
                    g.name
                ));
            }
        }
        let mut model = self.resolved(file)?;
        model.departed.push(name.to_string());
        Ok(model)
    }

    /// The source file with the settings in force (they may have been overridden after
    /// loading, as `serve --epoch` does).
    fn edited_source(&self) -> ClusterFile {
        let mut file = self.source.clone();
        file.settings = self.settings.clone();
        file
    }

    fn resolved(&self, file: ClusterFile) -> Result<Model, String> {
        let mut model = Model::from_file(file, "reconfiguration").map_err(|errs| {
            let lines: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
            lines.join("; ")
        })?;
        model.departed = self.departed.clone();
        Ok(model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(name: &str) -> ServerFile {
        ServerFile {
            name: name.into(),
            priority: None,
            ip: Some("10.0.0.3".into()),
        }
    }

    #[test]
    fn an_added_server_is_appended_and_on_every_path() {
        let m = Model::default_cluster();
        let m2 = m.with_server_added(server("server3")).unwrap();
        assert_eq!(m2.servers.len(), m.servers.len() + 1);
        let id = m2.server_id("server3").unwrap();
        assert_eq!(id, m.servers.len());
        assert!(m2.paths.iter().all(|p| p.on_server[id]));
        for s in &m.servers {
            assert_eq!(m2.server_id(&s.name), m.server_id(&s.name));
        }
        let err = m2.with_server_added(server("server3")).unwrap_err();
        assert_eq!(err, "Server server3 already exists.");
    }

    #[test]
    fn a_removed_server_keeps_its_name_for_the_log() {
        let m = Model::default_cluster();
        let first = m.servers[0].name.clone();
        let m2 = m.with_server_removed(&first).unwrap();
        assert_eq!(m2.servers.len(), m.servers.len() - 1);
        assert_eq!(m2.server_id(&first), None);
        assert_eq!(m2.server_name(DEPARTED_BASE), first);
        assert_eq!(m2.server_name(0), m.servers[1].name);
        let last = m2.servers[0].name.clone();
        assert!(m2
            .with_server_removed(&last)
            .unwrap_err()
            .contains("is the last server"));
        assert!(m2
            .with_server_removed("nosuch")
            .unwrap_err()
            .contains("does not exist"));
    }
}
