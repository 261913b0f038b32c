//! The one error type of a broken scenario file: file, place in the file, problem, all on
//! one line so that a CI log shows it whole.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// The scenario file as the user named it.
    pub file: String,
    /// Where: `steps[3].server`, `expect[1].group`, `line 4 column 2`; empty for the file.
    pub at: String,
    pub problem: String,
}

impl ScenarioError {
    pub fn new(file: &str, at: impl Into<String>, problem: impl Into<String>) -> ScenarioError {
        ScenarioError {
            file: file.to_string(),
            at: at.into(),
            problem: one_line(&problem.into()),
        }
    }
}

/// Collapses a multi-line message (serde, YAML) into one line.
pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.at.is_empty() {
            write!(f, "{}: {}", self.file, self.problem)
        } else {
            write!(f, "{}: {}: {}", self.file, self.at, self.problem)
        }
    }
}

impl std::error::Error for ScenarioError {}
