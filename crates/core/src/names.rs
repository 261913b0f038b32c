//! Names to ids: the one check of every name an input refers to. `Sim::apply` uses it
//! when an operation or a fault arrives; the scenario loader calls the same functions
//! when a file is loaded, so a name problem is a broken file (exit 2), never a run
//! that fails later for the wrong reason.

use super::env;
use super::input::{FaultKind, InputError, Operation};
use crate::model::Model;

/// The kinds of named object of a cluster.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Server,
    Path,
    Resolver,
    Group,
    Resource,
    Monitor,
    Script,
    MirrorConnect,
}

impl Kind {
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Server => "server",
            Kind::Path => "heartbeat path",
            Kind::Resolver => "resolver",
            Kind::Group => "group",
            Kind::Resource => "resource",
            Kind::Monitor => "monitor",
            Kind::Script => "script",
            Kind::MirrorConnect => "mirror connect",
        }
    }

    /// The model's names of this kind, in model order.
    pub fn names(self, model: &Model) -> Vec<&str> {
        fn of<T>(items: &[T], name: impl Fn(&T) -> &str) -> Vec<&str> {
            items.iter().map(name).collect()
        }
        match self {
            Kind::Server => of(&model.servers, |x| &x.name),
            Kind::Path => of(&model.paths, |x| &x.name),
            Kind::Resolver => of(&model.resolvers, |x| &x.name),
            Kind::Group => of(&model.groups, |x| &x.name),
            Kind::Resource => of(&model.resources, |x| &x.name),
            Kind::Monitor => of(&model.monitors, |x| &x.name),
            Kind::Script => of(&model.scripts, |x| &x.name),
            Kind::MirrorConnect => of(&model.mirror_connects, |x| &x.name),
        }
    }
}

/// The id of `name` among the model's objects of `kind`; unknown names are refused with
/// the list of valid ones.
pub fn lookup(model: &Model, kind: Kind, name: &str) -> Result<usize, InputError> {
    let found = match kind {
        Kind::Server => model.server_id(name),
        Kind::Path => model.path_id(name),
        Kind::Resolver => model.resolver_id(name),
        Kind::Group => model.group_id(name),
        Kind::Resource => model.resource_id(name),
        Kind::Monitor => model.monitor_id(name),
        Kind::Script => model.script_id(name),
        Kind::MirrorConnect => model.mirror_connect_id(name),
    };
    found.ok_or_else(|| InputError::unknown_name(kind.noun(), name, kind.names(model)))
}

/// The server that runs a script: `target` is its address or its name.
pub fn script_target(model: &Model, target: &str) -> Result<usize, InputError> {
    model.server_by_ip(target).ok_or_else(|| {
        let ips: Vec<&str> = model
            .servers
            .iter()
            .filter_map(|s| s.ip.as_deref())
            .collect();
        InputError::Unknown(format!(
            "no server has the address `{target}`; valid: {} (or a server name: {})",
            ips.join(", "),
            Kind::Server.names(model).join(", ")
        ))
    })
}

/// A refused name and the input field that holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameError {
    pub field: &'static str,
    pub error: InputError,
}

impl From<NameError> for InputError {
    fn from(e: NameError) -> InputError {
        e.error
    }
}

/// Tags an error with the field it is about.
pub(crate) fn at<T>(field: &'static str, r: Result<T, InputError>) -> Result<T, NameError> {
    r.map_err(|error| NameError { field, error })
}

fn need(model: &Model, field: &'static str, kind: Kind, name: &str) -> Result<(), NameError> {
    at(field, lookup(model, kind, name)).map(|_| ())
}

fn need_opt(
    model: &Model,
    field: &'static str,
    kind: Kind,
    name: &Option<String>,
) -> Result<(), NameError> {
    name.as_deref()
        .map_or(Ok(()), |n| need(model, field, kind, n))
}

/// Checks every name an operation refers to. Whether the operation can be done now is
/// the engine's to decide when it is applied.
pub fn check_operation(model: &Model, op: &Operation) -> Result<(), NameError> {
    use Operation::*;
    match op {
        ClusterStart
        | ClusterStop
        | ClusterReboot
        | ClusterShutdown
        | ClusterSuspend
        | ClusterResume
        | ResetTimeoutRatio
        | SetTimeoutRatio { .. }
        | RollingRestart
        | RollingUpgrade
        | RollingDeploy { .. } => Ok(()),
        ServerStart { server }
        | ServerStop { server }
        | ServerReboot { server }
        | ServerShutdown { server }
        | ServerDummyFailureStart { server }
        | ServerDummyFailureStop { server }
        | Power { server, .. }
        | Maintenance { server, .. }
        | ServerRemove { server } => need(model, "server", Kind::Server, server),
        ServerAdd { .. } => Ok(()),
        GroupStart { group, target } | GroupStop { group, target } => {
            need_opt(model, "group", Kind::Group, group)?;
            need_opt(model, "target", Kind::Server, target)
        }
        GroupMove { group, target } => {
            need(model, "group", Kind::Group, group)?;
            need_opt(model, "target", Kind::Server, target)
        }
        ResourceStart { resource, target } => {
            need(model, "resource", Kind::Resource, resource)?;
            need_opt(model, "target", Kind::Server, target)
        }
        ResourceStop { resource } => need(model, "resource", Kind::Resource, resource),
        MonitorSuspend { monitor, target }
        | MonitorResume { monitor, target }
        | MonitorDummyFailureStart { monitor, target }
        | MonitorDummyFailureStop { monitor, target } => {
            need(model, "monitor", Kind::Monitor, monitor)?;
            need_opt(model, "target", Kind::Server, target)
        }
        ScriptRun { script, target, .. } => {
            need(model, "script", Kind::Script, script)?;
            at("target", script_target(model, target)).map(|_| ())
        }
        MirrorRecover { resource, .. } => {
            let r = at("resource", lookup(model, Kind::Resource, resource))?;
            if model.resources[r].mirror.is_none() {
                let mds = model
                    .resources
                    .iter()
                    .filter(|x| x.mirror.is_some())
                    .map(|x| x.name.as_str());
                return Err(NameError {
                    field: "resource",
                    error: InputError::unknown_name("mirror disk resource", resource, mds),
                });
            }
            Ok(())
        }
        MirrorAction { .. } => Ok(()),
    }
}

/// Checks a fault's names and shape (a partition's sides) exactly as the engine does
/// when the fault is injected: it is the engine's own resolver.
pub fn check_fault(model: &Model, kind: &FaultKind) -> Result<(), NameError> {
    env::faults::resolve(model, kind).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_field_and_lists_the_valid_names() {
        let model = Model::default_cluster();
        let e = check_fault(
            &model,
            &FaultKind::HeartbeatPathDown {
                server: "server1".into(),
                path: "lan9".into(),
            },
        )
        .unwrap_err();
        assert_eq!(e.field, "path");
        assert!(e.error.message().contains("unknown heartbeat path `lan9`"));
        let both = FaultKind::Partition {
            sides: vec![vec!["server1".into()], vec!["server1".into()]],
            paths: None,
            oneway: false,
        };
        assert_eq!(check_fault(&model, &both).unwrap_err().field, "sides");
        let op = Operation::GroupMove {
            group: "failover1".into(),
            target: Some("server9".into()),
        };
        let e = check_operation(&model, &op).unwrap_err();
        assert_eq!(e.field, "target");
        assert!(e.error.message().contains("server1"), "{:?}", e.error);
    }
}
