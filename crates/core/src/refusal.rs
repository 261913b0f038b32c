//! Why the engine refuses a well-formed operation now: one variant per reason, so a
//! face can choose its product's code from the reason and not from the words. The
//! engine's message for each is its `Display` (what `/sim/v1` shows, and what
//! `/api/v1` rewrites in the product's voice).

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// An operator operation is still in progress.
    Busy,
    /// A rolling operation is in progress (a reconfiguration waits for it).
    RollingInProgress,
    Suspended,
    ClusterAlreadyStarted,
    ClusterAlreadyStopped,
    NoServerUp,
    ClusterAlreadySuspended,
    ClusterNotRunning,
    ClusterNotSuspended,
    ServerDown(String),
    ServerAlreadyStarted(String),
    ServerStopping(String),
    /// Not running, or not counted as a member by the answering server.
    ServerNotRunning(String),
    /// The answering server cannot exchange heartbeats with it both ways.
    Unreachable(String),
    /// The answering server still believes the server up but it does not answer
    /// (crashed, powered off, hung): the attempt fails at virtual time `answer_at_ms`,
    /// after the internal communication timeout (§0).
    NoAnswer {
        server: String,
        answer_at_ms: u64,
    },
    GroupAlreadyStopped(String),
    GroupNotStartedOn {
        group: String,
        server: String,
    },
    GroupBusy(String),
    GroupNotStarted(String),
    GroupAlreadyStarted {
        group: String,
        server: String,
    },
    NoServerForGroup(String),
    NotStartupServer {
        server: String,
        group: String,
    },
    ExclusiveTaken(String),
    NoMoveDestination(String),
    GroupStartedElsewhere(String),
    NoServerForResource(String),
    ResourceAlreadyStarted(String),
    ResourceAlreadyStopped(String),
    MonitorNotOn {
        monitor: String,
        server: String,
    },
    /// Power: a server-crash fault holds the machine off.
    HeldOffByFault(String),
    AlreadyPoweredOn(String),
    AlreadyBooting(String),
    PoweredOff(String),
    /// Reconfiguration: a removal is still waiting for its server to stop.
    BeingRemoved(String),
    FaultNamesServer {
        fault: u64,
        server: String,
    },
    NotResponding(String),
    GroupWouldBeStranded {
        group: String,
        server: String,
    },
    RollingAlreadyInProcess(&'static str),
    NoMirror,
    MirrorRecoveryInProgress(String),
    MirrorConnectDown(String),
    NoLatestData(String),
    MirrorNormal(String),
    /// A configuration change the model refuses (its own message).
    Configuration(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Refusal::*;
        match self {
            Busy | RollingInProgress => f.write_str(
                "Another operation is in progress. Perform the next operation after it completes.",
            ),
            Suspended => f.write_str("The cluster is suspended. Resume the cluster first."),
            ClusterAlreadyStarted => f.write_str("The cluster is already started."),
            ClusterAlreadyStopped => f.write_str("The cluster is already stopped."),
            NoServerUp => f.write_str("No server of the cluster is up."),
            ClusterAlreadySuspended => f.write_str("The cluster is already suspended."),
            ClusterNotRunning => f.write_str("The cluster is not running."),
            ClusterNotSuspended => f.write_str("The cluster is not suspended."),
            ServerDown(s) => write!(f, "Server {s} is down."),
            ServerAlreadyStarted(s) => write!(f, "Server {s} is already started."),
            ServerStopping(s) => write!(f, "Server {s} is stopping."),
            ServerNotRunning(s) => write!(f, "Server {s} is not running."),
            Unreachable(s) => write!(f, "Cannot communicate with server {s}."),
            NoAnswer { server, .. } => write!(
                f,
                "Server {server} did not answer within the internal communication timeout."
            ),
            GroupAlreadyStopped(g) => write!(f, "Group {g} is already stopped."),
            GroupNotStartedOn { group, server } => {
                write!(f, "Group {group} is not started on server {server}.")
            }
            GroupBusy(g) => write!(f, "Group {g} is being operated on."),
            GroupNotStarted(g) => write!(f, "Group {g} is not started."),
            GroupAlreadyStarted { group, server } => {
                write!(f, "Group {group} is already started on server {server}.")
            }
            NoServerForGroup(g) => write!(f, "No server can start group {g}."),
            NotStartupServer { server, group } => {
                write!(
                    f,
                    "Server {server} is not a startup server of group {group}."
                )
            }
            ExclusiveTaken(s) => write!(f, "Server {s} already runs an exclusive group."),
            NoMoveDestination(g) => write!(f, "There is no server to move group {g} to."),
            GroupStartedElsewhere(g) => write!(f, "Group {g} is started on another server."),
            NoServerForResource(r) => write!(f, "No server can start resource {r}."),
            ResourceAlreadyStarted(r) => write!(f, "Resource {r} is already started."),
            ResourceAlreadyStopped(r) => write!(f, "Resource {r} is already stopped."),
            MonitorNotOn { monitor, server } => {
                write!(f, "Monitor {monitor} does not run on server {server}.")
            }
            HeldOffByFault(s) => write!(
                f,
                "Server {s} is held off by a server-crash fault; heal the fault first."
            ),
            AlreadyPoweredOn(s) => write!(f, "Server {s} is already powered on."),
            AlreadyBooting(s) => write!(f, "Server {s} is already booting."),
            PoweredOff(s) => write!(f, "Server {s} is powered off."),
            BeingRemoved(s) => write!(
                f,
                "Server {s} is being removed. Perform the next operation after it completes."
            ),
            FaultNamesServer { fault, server } => write!(
                f,
                "Fault {fault} names server {server}; heal it before removing the server."
            ),
            NotResponding(s) => write!(
                f,
                "Server {s} is not responding; power it off before removing it."
            ),
            GroupWouldBeStranded { group, server } => write!(
                f,
                "Group {group} is active on server {server} and no other server can run it. \
                 Stop the group or start another of its servers first."
            ),
            RollingAlreadyInProcess(kind) => write!(f, "A rolling {kind} is already in process."),
            NoMirror => f.write_str(super::mirror_action::NO_MIRROR),
            MirrorRecoveryInProgress(r) => {
                write!(f, "Mirror recovery of {r} is already in progress.")
            }
            MirrorConnectDown(r) => write!(f, "The mirror connect of {r} is not available."),
            NoLatestData(r) => write!(
                f,
                "No server has the latest data of {r}; forced mirror recovery names the source."
            ),
            MirrorNormal(r) => write!(f, "The mirror of {r} is normal."),
            Configuration(m) => f.write_str(m),
        }
    }
}
