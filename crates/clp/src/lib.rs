//! The product's `clp*` commands against a running `clustersim serve`, over its HTTP
//! APIs only (see [`client`]), so they work against any cluster a host serves. One
//! multi-call entry: `clustersim clp <command> [args]`, or the binary invoked under the
//! command's own name (`clustersim clp install DIR` makes those links).
//!
//! Each command is a function from arguments and a [`client::Client`] to an [`Out`]:
//! what to print on stdout and stderr and the exit code (0 success, 1 anything else,
//! as the product's "other than 0: failure").

// The model crate under the module name these files use (`crate::model::...`).
use clustersim_model as model;

mod cl;
pub mod client;
mod grp;
mod mdstat;
mod monctrl;
pub mod msg;
mod opts;
mod rexec;
mod rsc;
mod stat;
mod stat_config;
mod stat_maps;
mod toratio;

use client::{Client, OpResult, Target, Unreachable};
use std::path::Path;

/// The commands, by the names they answer to.
pub const COMMANDS: &[&str] = &[
    "clpstat",
    "clpcl",
    "clpgrp",
    "clprsc",
    "clpmonctrl",
    "clptoratio",
    "clpdown",
    "clpstdn",
    "clprexec",
    "clpmdstat",
];

/// What a command printed and how it ended.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Out {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl Out {
    pub fn ok(stdout: impl Into<String>) -> Out {
        Out {
            stdout: stdout.into(),
            ..Out::default()
        }
    }
    /// A failure: `message` (one or more lines) on stderr, exit code 1.
    pub fn fail(message: impl AsRef<str>) -> Out {
        Out {
            stderr: format!("{}\n", message.as_ref()),
            code: 1,
            ..Out::default()
        }
    }
    pub fn succeeded() -> Out {
        Out::ok(format!("{}\n", msg::SUCCEEDED))
    }
}

impl From<Unreachable> for Out {
    fn from(e: Unreachable) -> Out {
        Out::fail(format!("{}\n({})", msg::NOT_CONNECTED, e.0))
    }
}

/// An operation's answer as the command prints it: the product's success line, or
/// `unknown_name` when the API did not know a name (result code 2), or the API's own
/// message (which is the engine's product wording) for every other refusal.
pub fn report(r: OpResult, unknown_name: &str) -> Out {
    match r.code {
        0 => Out::succeeded(),
        2 => Out::fail(unknown_name),
        _ if r.message.is_empty() => Out::fail(format!("Command failed (code {}).", r.code)),
        _ => Out::fail(&r.message),
    }
}

/// The basename of `argv0` if it is one of the commands.
pub fn command_of_argv0(argv0: &str) -> Option<&'static str> {
    let base = Path::new(argv0).file_name()?.to_str()?;
    let base = base.strip_suffix(".exe").unwrap_or(base);
    COMMANDS.iter().copied().find(|c| *c == base)
}

/// `clustersim clp ARGS`: a command name and its arguments, or `install DIR`.
pub fn main_clp(args: Vec<String>) -> i32 {
    match args.first().map(String::as_str) {
        Some("install") if args.len() == 2 => install(Path::new(&args[1])),
        Some(cmd) if COMMANDS.contains(&cmd) => main_command(cmd, args[1..].to_vec()),
        _ => {
            eprintln!(
                "usage: clustersim clp <command> [args]   (commands: {})",
                COMMANDS.join(", ")
            );
            eprintln!("       clustersim clp install DIR           (links the commands into DIR)");
            2
        }
    }
}

/// Runs `cmd` with the process environment and prints its output.
pub fn main_command(cmd: &str, args: Vec<String>) -> i32 {
    let out = run(cmd, args, |k| std::env::var(k).ok());
    print!("{}", out.stdout);
    eprint!("{}", out.stderr);
    out.code
}

/// Runs `cmd`: connection options come out of `args` first (see [`Target::take_from`]).
pub fn run(cmd: &str, mut args: Vec<String>, env: impl Fn(&str) -> Option<String>) -> Out {
    let target = match Target::take_from(&mut args, env) {
        Ok(t) => t,
        Err(m) => return Out::fail(m),
    };
    let client = Client::new(target);
    match cmd {
        "clpstat" => stat::run(&client, &args),
        "clpcl" => cl::clpcl(&client, &args),
        "clpdown" => cl::clpdown(&client, &args),
        "clpstdn" => cl::clpstdn(&client, &args),
        "clpgrp" => grp::run(&client, &args),
        "clprsc" => rsc::run(&client, &args),
        "clpmonctrl" => monctrl::run(&client, &args),
        "clptoratio" => toratio::run(&client, &args),
        "clprexec" => rexec::run(&client, &args),
        "clpmdstat" => mdstat::run(&client, &args),
        _ => Out::fail(format!("{cmd}: not a clp command")),
    }
}

/// Links every command name in `dir` to this executable.
pub fn install(dir: &Path) -> i32 {
    let exe = match std::env::current_exe() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("clustersim clp install: cannot find this executable: {e}");
            return 1;
        }
    };
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!(
            "clustersim clp install: cannot create {}: {e}",
            dir.display()
        );
        return 1;
    }
    for cmd in COMMANDS {
        let link = dir.join(cmd);
        let _ = std::fs::remove_file(&link);
        #[cfg(unix)]
        let made = std::os::unix::fs::symlink(&exe, &link);
        #[cfg(not(unix))]
        let made = std::fs::hard_link(&exe, &link);
        if let Err(e) = made {
            eprintln!(
                "clustersim clp install: cannot link {}: {e}",
                link.display()
            );
            return 1;
        }
        println!("{} -> {}", link.display(), exe.display());
    }
    0
}

/// The view of the server the command runs on, refusing machines that are off or hung
/// (a real shell there would not exist).
pub fn local_view(client: &Client) -> Result<(String, client::View), Out> {
    local_view_as(client, None)
}

/// [`local_view`] as `server` (`clpstat -h HOST`) instead of the connection's default.
pub fn local_view_as(client: &Client, server: Option<&str>) -> Result<(String, client::View), Out> {
    let any = client.view(None)?;
    let local = match server {
        Some(s) if any.server(s).is_some() => s.to_string(),
        Some(_) => return Err(Out::fail(msg::INVALID_SERVER)),
        None => client.local_server(&any).map_err(Out::fail)?,
    };
    let view = client.view(Some(&local))?;
    if view.server(&local).is_some_and(|s| !s.reachable) {
        return Err(Out::fail(msg::machine_down(&local)));
    }
    Ok((local, view))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argv0_names_a_command_with_or_without_a_path() {
        assert_eq!(command_of_argv0("/usr/local/bin/clpstat"), Some("clpstat"));
        assert_eq!(command_of_argv0("clpgrp"), Some("clpgrp"));
        assert_eq!(command_of_argv0("clpgrp.exe"), Some("clpgrp"));
        assert_eq!(command_of_argv0("/x/clustersim"), None);
    }

    #[test]
    fn report_maps_result_codes() {
        let r = |code, m: &str| OpResult {
            code,
            message: m.into(),
        };
        assert_eq!(report(r(0, ""), "x"), Out::succeeded());
        assert_eq!(report(r(2, "nope"), "bad name").stderr, "bad name\n");
        let o = report(r(4, "Group failover1 is already stopped."), "x");
        assert_eq!(
            (o.code, o.stderr.as_str()),
            (1, "Group failover1 is already stopped.\n")
        );
    }
}
