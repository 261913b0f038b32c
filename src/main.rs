//! The `clustersim` binary: parses the command line and dispatches to the library.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "clustersim", version, about = "Deterministic simulator of an EXPRESSCLUSTER X style HA cluster")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the EXPRESSCLUSTER X REST API and the /sim/v1 control API over a live simulation.
    Serve(clustersim::rest::ServeArgs),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Serve(args) => ExitCode::from(clustersim::rest::run(args) as u8),
    }
}
