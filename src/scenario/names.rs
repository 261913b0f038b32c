//! Name checks against the cluster model, done when a scenario is loaded so that a typo
//! is a broken file (exit code 2) rather than a run that fails for the wrong reason.

use crate::model::Model;
use crate::sim::{FaultKind, Operation};

/// A problem with one field: (field name, message).
pub type FieldError = (&'static str, String);

/// The kinds of named object a scenario can refer to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Server,
    Path,
    Resolver,
    Group,
    Resource,
    Monitor,
    Script,
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
        }
    }
}

/// The id of `name` among the model's objects of `kind`, or a message listing the names.
pub fn resolve(model: &Model, kind: Kind, name: &str) -> Result<usize, String> {
    let found = match kind {
        Kind::Server => model.server_id(name),
        Kind::Path => model.path_id(name),
        Kind::Resolver => model.resolver_id(name),
        Kind::Group => model.group_id(name),
        Kind::Resource => model.resource_id(name),
        Kind::Monitor => model.monitor_id(name),
        Kind::Script => model.script_id(name),
    };
    found.ok_or_else(|| format!("unknown {} `{name}` ({})", kind.noun(), known(model, kind)))
}

fn known(model: &Model, kind: Kind) -> String {
    let names: Vec<&str> = match kind {
        Kind::Server => model.servers.iter().map(|x| x.name.as_str()).collect(),
        Kind::Path => model.paths.iter().map(|x| x.name.as_str()).collect(),
        Kind::Resolver => model.resolvers.iter().map(|x| x.name.as_str()).collect(),
        Kind::Group => model.groups.iter().map(|x| x.name.as_str()).collect(),
        Kind::Resource => model.resources.iter().map(|x| x.name.as_str()).collect(),
        Kind::Monitor => model.monitors.iter().map(|x| x.name.as_str()).collect(),
        Kind::Script => model.scripts.iter().map(|x| x.name.as_str()).collect(),
    };
    if names.is_empty() {
        "none are defined".into()
    } else {
        format!("known: {}", names.join(", "))
    }
}

fn need(model: &Model, field: &'static str, kind: Kind, name: &str) -> Result<(), FieldError> {
    resolve(model, kind, name)
        .map(|_| ())
        .map_err(|m| (field, m))
}

fn need_opt(
    model: &Model,
    field: &'static str,
    kind: Kind,
    name: &Option<String>,
) -> Result<(), FieldError> {
    match name {
        Some(n) => need(model, field, kind, n),
        None => Ok(()),
    }
}

/// Checks every name an operation refers to.
pub fn check_operation(model: &Model, op: &Operation) -> Result<(), FieldError> {
    use Operation::*;
    match op {
        ClusterStart | ClusterStop | ClusterReboot | ClusterShutdown | ClusterSuspend
        | ClusterResume | ResetTimeoutRatio => Ok(()),
        ServerStart { server }
        | ServerStop { server }
        | ServerReboot { server }
        | ServerShutdown { server }
        | ServerDummyFailureStart { server }
        | ServerDummyFailureStop { server }
        | Power { server, .. }
        | Maintenance { server, .. } => need(model, "server", Kind::Server, server),
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
        // Ranges are the engine's to refuse, so that a scenario can expect the refusal.
        SetTimeoutRatio { .. } => Ok(()),
        ScriptRun { script, target, .. } => {
            need(model, "script", Kind::Script, script)?;
            if model.server_by_ip(target).is_none() {
                return Err((
                    "target",
                    format!(
                        "`{target}` is neither a server's address nor a server name ({})",
                        known(model, Kind::Server)
                    ),
                ));
            }
            Ok(())
        }
    }
}

/// Checks every name a fault refers to.
pub fn check_fault(model: &Model, kind: &FaultKind) -> Result<(), FieldError> {
    use FaultKind::*;
    match kind {
        ServerCrash { server } | ServerHang { server } => {
            need(model, "server", Kind::Server, server)
        }
        HeartbeatPathDown { server, path } => {
            need(model, "server", Kind::Server, server)?;
            need(model, "path", Kind::Path, path)
        }
        Partition { sides, paths, .. } => {
            if sides.len() < 2 {
                return Err(("sides", "a partition needs at least two sides".into()));
            }
            for side in sides {
                for name in side {
                    if model.server_id(name).is_none() && model.resolver_id(name).is_none() {
                        return Err((
                            "sides",
                            format!(
                                "`{name}` is neither a server nor a resolver ({}; {})",
                                known(model, Kind::Server),
                                known(model, Kind::Resolver)
                            ),
                        ));
                    }
                }
            }
            for p in paths.iter().flatten() {
                need(model, "paths", Kind::Path, p)?;
            }
            Ok(())
        }
        ResolverTargetDown { resolver } => need(model, "resolver", Kind::Resolver, resolver),
        MonitorResult {
            monitor, server, ..
        } => {
            need(model, "monitor", Kind::Monitor, monitor)?;
            need_opt(model, "server", Kind::Server, server)
        }
        ActivationFailure {
            resource, server, ..
        }
        | DeactivationFailure {
            resource, server, ..
        }
        | ResourceFailure { resource, server } => {
            need(model, "resource", Kind::Resource, resource)?;
            need(model, "server", Kind::Server, server)
        }
    }
}
