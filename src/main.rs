//! The `clustersim` binary: parses the command line and dispatches to the library's
//! shells. No logic lives here.

use clap::{CommandFactory, Parser, Subcommand};
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
    Serve(clustersim::rest::ServeArgs),
    /// Run scenario files (a file, or every *.yaml under a folder) and check their expectations.
    Run(clustersim::scenario::RunArgs),
    /// Print a shell completion script (e.g. `clustersim completions bash > ~/.local/share/bash-completion/completions/clustersim`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `clustersim man | man -l -`.
    Man,
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
        Command::Serve(args) => ExitCode::from(clustersim::rest::run(args) as u8),
        Command::Run(args) => ExitCode::from(clustersim::scenario::run_cli(args) as u8),
        Command::Completions { shell } => {
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "clustersim", &mut std::io::stdout());
            ExitCode::SUCCESS
        }
        Command::Man => {
            match clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(&[format!("man: cannot write the page: {e}")]),
            }
        }
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
