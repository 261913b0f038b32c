//! The command-line shell's subcommands. Each is a library function so that `main.rs`
//! stays a thin dispatcher and the tests can reach the logic; the binary's exit codes
//! live here too.

pub mod bench;
pub mod color;
pub mod journal;
pub mod tips;
pub mod validate;

/// The seed every command uses unless told otherwise (`serve`, `run`, `bench`).
pub const DEFAULT_SEED: u64 = 1;

/// Exit code for bad input: an invalid or unreadable file, or a bad flag (as clap does).
pub const EXIT_BAD_INPUT: u8 = 2;
