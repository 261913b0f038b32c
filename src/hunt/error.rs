//! The one error of `hunt`: bad input (a flag, the cluster file, a shard part) or an
//! output that cannot be written, as one line naming where. Exit code 2.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HuntError {
    /// Where: `--property column 7`, `--kinds`, `part-1.json`, a file and its field.
    pub place: String,
    pub problem: String,
}

impl HuntError {
    pub fn new(place: impl Into<String>, problem: impl Into<String>) -> HuntError {
        let problem: String = problem.into();
        HuntError {
            place: place.into(),
            problem: problem.split_whitespace().collect::<Vec<_>>().join(" "),
        }
    }
}

impl fmt::Display for HuntError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "hunt: {}: {}", self.place, self.problem)
    }
}

impl std::error::Error for HuntError {}
