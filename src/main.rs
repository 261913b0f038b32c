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
    /// Check cluster files (YAML or clp.conf): a summary line each, or one line per problem (exit code 2).
    Validate {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Check exercise files against the cluster each names: a summary line each, or one line per problem (exit code 2).
    Exercise {
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
    /// Convert an EXPRESSCLUSTER clp.conf (XML) into a cluster YAML file (stdout or -o).
    Import {
        file: PathBuf,
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
    },
    /// The product's clp* commands against a running `serve`: `clp clpstat -g`, `clp install DIR`.
    #[command(disable_help_flag = true)]
    Clp {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Run a sweep file (settings x seeds) across the cores; `sweep merge`, `sweep report`.
    Sweep(clustersim::sweep::SweepArgs),
    /// Search fault schedules for one that breaks a property; write the smallest as a scenario.
    Hunt(clustersim::hunt::HuntArgs),
    /// Print a shell completion script (e.g. `clustersim completions bash > ~/.local/share/bash-completion/completions/clustersim`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `clustersim man | man -l -`.
    Man,
}

fn main() -> ExitCode {
    // Invoked as `clpstat`, `clpgrp`, ... (links made by `clustersim clp install DIR`).
    let argv: Vec<String> = std::env::args().collect();
    if let Some(cmd) = argv
        .first()
        .and_then(|a| clustersim::clp::command_of_argv0(a))
    {
        return exit(clustersim::clp::main_command(cmd, argv[1..].to_vec()));
    }
    let args = Cli::try_parse_from(&argv)
        .unwrap_or_else(|e| cli::tips::retip(e, &Cli::command(), &argv).exit());
    match args.command {
        Command::Validate { files } => validate(&files, cli::validate::check_file),
        Command::Exercise { files } => validate(&files, clustersim::host::exercise::check_file),
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
        Command::Import { file, output } => {
            exit(clustersim::import::run_cli(&file, output.as_deref()))
        }
        Command::Clp { args } => exit(clustersim::clp::main_clp(args)),
        Command::Sweep(args) => ExitCode::from(clustersim::sweep::run_cli(args) as u8),
        Command::Hunt(args) => ExitCode::from(clustersim::hunt::run_cli(args) as u8),
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

fn exit(code: i32) -> ExitCode {
    ExitCode::from(u8::try_from(code).unwrap_or(1))
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

fn validate(
    files: &[PathBuf],
    check: impl Fn(&std::path::Path) -> Result<String, Vec<String>>,
) -> ExitCode {
    let mut ok = true;
    for file in files {
        match check(file) {
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
