//! The input journal: every input a cluster's engine applied, in order, with the
//! virtual time it was applied at. Model + seed + journal is the cluster's whole
//! state: [`replay`] rebuilds a [`Sim`] with a byte-identical event log. The engine
//! uses it to restore a cluster after a panic; persistence (#13) writes it to disk.

use crate::model::Model;
use crate::sim::{Input, Sim};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// One applied input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// Virtual time the input was applied at.
    pub at_ms: u64,
    pub input: Input,
    /// The server whose API received an operation (judged on its knowledge, §0);
    /// absent for the `--listen` address and for faults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<usize>,
}

/// A cluster's seed and inputs since its last reset.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journal {
    pub seed: u64,
    pub entries: Vec<JournalEntry>,
}

impl Journal {
    pub fn new(seed: u64) -> Journal {
        Journal {
            seed,
            entries: Vec::new(),
        }
    }

    pub fn record(&mut self, at_ms: u64, input: Input) {
        self.record_from(at_ms, None, input);
    }

    /// As [`Journal::record`], for an input received on server `from`'s own address.
    pub fn record_from(&mut self, at_ms: u64, from: Option<usize>, input: Input) {
        debug_assert!(self.entries.last().is_none_or(|e| e.at_ms <= at_ms));
        self.entries.push(JournalEntry { at_ms, input, from });
    }
}

/// Applies one journaled input as the engine did: an operation received on a server's
/// own address is judged on that server's knowledge.
pub fn apply_entry(
    sim: &mut Sim,
    from: Option<usize>,
    input: Input,
) -> Result<crate::sim::Applied, crate::sim::InputError> {
    match (from, input) {
        (Some(s), Input::Operation(op)) => sim
            .operate_from(s, op)
            .map(|()| crate::sim::Applied::Operation),
        (_, input) => sim.apply(input),
    }
}

/// Builds the sim `model` + `journal` describe, run on to virtual time `until_ms`.
/// Refusals while replaying are ignored: the journal holds the inputs the engine was
/// given, and the core refuses the same ones again at the same state.
pub fn replay(model: Arc<Model>, journal: &Journal, until_ms: u64) -> Sim {
    let mut sim = Sim::new(model, journal.seed);
    for e in &journal.entries {
        sim.run_until(e.at_ms);
        let _ = apply_entry(&mut sim, e.from, e.input.clone());
    }
    sim.run_until(until_ms);
    sim
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{FaultKind, FaultSpec, Operation};

    fn log_text(sim: &Sim) -> String {
        let m = sim.model().clone();
        sim.events()
            .iter()
            .map(|e| e.to_json(&m).to_string() + "\n")
            .collect()
    }

    #[test]
    fn replay_reproduces_a_live_run() {
        let model = Arc::new(Model::default_cluster());
        let mut live = Sim::new(model.clone(), 7);
        let mut journal = Journal::new(7);
        let inputs = [
            (5_000, Input::Operation(Operation::ClusterSuspend)),
            (9_000, Input::Operation(Operation::ClusterResume)),
            (
                20_000,
                Input::Fault(FaultSpec {
                    kind: FaultKind::ServerCrash {
                        server: "server1".into(),
                    },
                    at_ms: None,
                    duration_ms: Some(30_000),
                }),
            ),
        ];
        for (t, input) in inputs {
            live.run_until(t);
            journal.record(t, input.clone());
            let _ = live.apply(input);
        }
        live.run_until(200_000);
        let again = replay(model, &journal, 200_000);
        assert!(live.events().len() > 10);
        assert_eq!(log_text(&live), log_text(&again));
    }
}
