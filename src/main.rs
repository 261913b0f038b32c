use clap::{Parser, Subcommand};

/// Deterministic simulator of an EXPRESSCLUSTER X style HA cluster.
#[derive(Parser)]
#[command(name = "clustersim", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run scenario files (a file, or every *.yaml under a folder) and check their expectations.
    Run(clustersim::scenario::RunArgs),
}

fn main() {
    match Cli::parse().command {
        Command::Run(args) => std::process::exit(clustersim::scenario::run_cli(args)),
    }
}
