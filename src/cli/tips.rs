//! Better tips for clap's "unexpected argument" error. clap suggests `-- --port` (pass
//! it as a value) whenever a command takes a positional argument; no clustersim
//! positional ever starts with `--`, so that tip only misleads. It is replaced by the
//! real option where a common name has one (`--port` is part of `--listen`).

use clap::builder::StyledStr;
use clap::error::{ContextKind, ContextValue, ErrorKind};

/// Names users try, and the option (or argument) that does it, when the subcommand
/// has that option (`None`: the positional FILE argument).
const REAL_NAMES: &[(&str, Option<&str>, &str)] = &[
    (
        "--port",
        Some("listen"),
        "the port is part of --listen HOST:PORT (e.g. --listen 127.0.0.1:8080)",
    ),
    (
        "--host",
        Some("listen"),
        "the address is --listen HOST:PORT (e.g. --listen 0.0.0.0:29009)",
    ),
    (
        "--bind",
        Some("listen"),
        "the address is --listen HOST:PORT (e.g. --listen 0.0.0.0:29009)",
    ),
    (
        "--address",
        Some("listen"),
        "the address is --listen HOST:PORT (e.g. --listen 0.0.0.0:29009)",
    ),
    (
        "--addr",
        Some("listen"),
        "the address is --listen HOST:PORT (e.g. --listen 0.0.0.0:29009)",
    ),
    (
        "--config",
        None,
        "give the cluster file as an argument, without an option (FILE)",
    ),
    (
        "--cluster",
        None,
        "give the cluster file as an argument, without an option (FILE)",
    ),
    (
        "--file",
        None,
        "give the file as an argument, without an option (FILE)",
    ),
];

/// `err` with the `-- ARG` tip dropped and, for a name in [`REAL_NAMES`] the
/// subcommand `argv` names understands, a tip naming the real option.
pub fn retip(mut err: clap::Error, cmd: &clap::Command, argv: &[String]) -> clap::Error {
    if err.kind() != ErrorKind::UnknownArgument {
        return err;
    }
    let Some(ContextValue::String(arg)) = err.get(ContextKind::InvalidArg).cloned() else {
        return err;
    };
    err.remove(ContextKind::Suggested);
    let name = arg.split('=').next().unwrap_or(&arg);
    let sub = argv
        .iter()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .and_then(|s| cmd.find_subcommand(s));
    let tip = REAL_NAMES.iter().find(|(n, real, _)| {
        *n == name
            && sub.is_some_and(|s| match real {
                Some(id) => s.get_arguments().any(|a| a.get_id() == id),
                None => s.get_positionals().next().is_some(),
            })
    });
    if let Some((_, _, text)) = tip {
        if err.get(ContextKind::SuggestedArg).is_none() {
            err.insert(
                ContextKind::Suggested,
                ContextValue::StyledStrs(vec![StyledStr::from(*text)]),
            );
        }
    }
    err
}
