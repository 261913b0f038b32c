//! The commands' messages, in the product's words (EXPRESSCLUSTER X Reference Guide,
//! "EXPRESSCLUSTER command reference", the error message tables of each command, as
//! NEC's scripts quote them). Kept in one place so tests and README can list them.

pub const SUCCEEDED: &str = "Command succeeded.";
pub const INVALID_OPTION: &str = "Invalid option.";
pub const NOT_CONNECTED: &str =
    "Could not connect to the server. Check if the cluster service is active.";
pub const SERVER_NOT_ACTIVE: &str = "Server is not active. Check if the cluster service is active.";
pub const INVALID_SERVER: &str = "Invalid server name. Specify a valid server name in the cluster.";
pub const INVALID_GROUP: &str = "Invalid group name. Specify a valid group name in the cluster.";
pub const INVALID_RESOURCE: &str =
    "Invalid group resource name. Specify a valid group resource name in the cluster.";
pub const GROUP_STARTED_LOCAL: &str = "The group has already been started on the local server.";
pub const GROUP_STARTED_OTHER: &str = "The group has already been started on the other server. To start/stop the group on the local server, use -f option.";
pub const GROUP_STARTED_OTHER_MOVE: &str = "The group has already been started on the other server. To move the group, use \"-h <hostname>\" option.";
pub const GROUP_STOPPED: &str = "The group has already been stopped.";
pub const GROUP_BUSY: &str = "The group is busy. Try again later.";
pub const INVALID_TARGET_SERVER: &str = "Invalid server. Specify a server that can run and stop the group, or a server that can be a target when you move the group.";
pub const RESOURCE_STARTED: &str =
    "The group resource has already been started on the local server.";
pub const RESOURCE_STOPPED: &str = "The group resource has already been stopped.";
pub const MONITOR_NOT_REGISTERED: &str =
    "Specified monitor resource is not registered. Check the cluster configuration information.";
pub const CLUSTER_STOPPED: &str = "The cluster has been stopped. Check the active status of the cluster daemon by using the command such as ps command.";
pub const CLUSTER_SUSPENDED: &str = "The cluster has been suspended. The cluster daemon has been suspended. Check activation status of the cluster daemon by using a command such as the ps command.";
pub const RATIO_RANGE: &str = "Specify a number in a valid range.";
pub const RATIO_NUMBER: &str = "Specify a correct number.";
pub const PERIOD_INVALID: &str = "Set the correct extension period.";
pub const PERIOD_EXAMPLE: &str = "Ex) 2m, 3h, 4d";
pub const PERIOD_TOO_LONG: &str =
    "Set the extension period in a range less than the maximum extension period.";
pub const OPERATION_IN_PROGRESS: &str = "Internal communication timeout has occurred in the cluster server. If it occurs frequently, set a longer timeout.";
pub const SCRIPT_MISSING: &str = "The specified script file does not exist.";
/// A command run as a server that is powered off or hung: names it and says how to
/// run as another (clustersim's own words: the product has no shell on a dead host).
pub fn machine_down(server: &str) -> String {
    format!(
        "The server {server} is powered off or hung: no command can run on it (clustersim).\nRun the command as another server: clpstat -h HOST, --server HOST, or CLP_SERVER=HOST."
    )
}
