//! The `clustersim` binary: parses the command line and dispatches to the library's
//! shells. No logic lives here.

use clap::{Parser, Subcommand};
use clustersim::cli::{self, EXIT_BAD_INPUT};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "clustersim",
    version,
    about = "Deterministic simulator of an EXPRESSCLUSTER X style HA cluster"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check cluster files: a summary line each, or one line per problem (exit code 2).
    Validate {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print the embedded default cluster's YAML.
    DefaultConfig,
    /// Run a synthetic cluster under random faults as fast as possible; print one JSON line.
    Bench(cli::bench::BenchArgs),
    /// Serve the EXPRESSCLUSTER X REST API and the /sim/v1 control API over a live simulation.
    Serve(clustersim::host::ServeArgs),
    /// Inspect or edit a `serve --state` directory's journal.
    #[command(subcommand)]
    Journal(cli::journal::JournalCmd),
    /// Record a live cluster's session as a scenario file that `run` replays exactly.
    Record(cli::journal::RecordArgs),
    /// Run scenario files (a file, or every *.yaml under a folder) and check their expectations.
    Run(clustersim::scenario::RunArgs),
}

fn main() -> ExitCode {
    let args = Cli::parse();
    match args.command {
        Command::Validate { files } => validate(&files),
        Command::DefaultConfig => {
            print!("{}", clustersim::model::DEFAULT_CLUSTER_YAML);
            ExitCode::SUCCESS
        }
        Command::Bench(args) => match cli::bench::run(&args) {
            Ok(report) => match serde_json::to_string(&report) {
                Ok(line) => {
                    println!("{line}");
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&[format!("bench: cannot render the report: {e}")]),
            },
            Err(problems) => fail(&problems),
        },
        Command::Serve(args) => ExitCode::from(clustersim::host::run(args) as u8),
        Command::Journal(cmd) => done(match cmd {
            cli::journal::JournalCmd::Show { dir } => cli::journal::show(&dir),
            cli::journal::JournalCmd::Cut { dir, at } => cli::journal::cut(&dir, &at),
        }),
        Command::Record(args) => done(cli::journal::record(&args)),
        Command::Run(args) => ExitCode::from(clustersim::scenario::run_cli(args) as u8),
    }
}

/// Prints a subcommand's output, or its error with exit code 2.
fn done(r: Result<String, String>) -> ExitCode {
    match r {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(&[e]),
    }
}

fn validate(files: &[PathBuf]) -> ExitCode {
    let mut ok = true;
    for file in files {
        match cli::validate::check_file(file) {
            Ok(summary) => println!("{summary}"),
            Err(problems) => {
                ok = false;
                for p in problems {
                    eprintln!("{p}");
                }
            }
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_BAD_INPUT)
    }
}

fn fail(problems: &[String]) -> ExitCode {
    for p in problems {
        eprintln!("{p}");
    }
    ExitCode::from(EXIT_BAD_INPUT)
}
