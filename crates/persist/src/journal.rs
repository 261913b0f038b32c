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

/// A cluster's seed and inputs since its last reset: since t=0, or since `base`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journal {
    pub seed: u64,
    /// A checkpoint the entries follow (`--checkpoint-every`): the inputs before it
    /// are no longer in memory, their effect is its state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<Checkpoint>,
    pub entries: Vec<JournalEntry>,
}

/// The whole sim state at `at_ms` after `inputs` inputs (`Sim::save_state`), in
/// place of those inputs. In JSON (`GET /sim/v1/snapshot`) the state is base64.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    pub at_ms: u64,
    /// Inputs applied before it (since the last reset).
    pub inputs: u64,
    #[serde(with = "base64_state")]
    pub state: Arc<Vec<u8>>,
}

/// The journal as `GET /sim/v1/journal` lists it: of a checkpoint only its time and
/// input count (its state, megabytes, is in `GET /sim/v1/snapshot`).
#[derive(Serialize)]
pub struct Listing<'a> {
    seed: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    base: Option<CheckpointInfo>,
    entries: &'a [JournalEntry],
}

#[derive(Serialize)]
struct CheckpointInfo {
    at_ms: u64,
    inputs: u64,
}

impl<'a> Listing<'a> {
    pub fn of(j: &'a Journal) -> Listing<'a> {
        Listing {
            seed: j.seed,
            base: j.base.as_ref().map(|b| CheckpointInfo {
                at_ms: b.at_ms,
                inputs: b.inputs,
            }),
            entries: &j.entries,
        }
    }
}

mod base64_state {
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer};
    use std::sync::Arc;

    pub fn serialize<S: Serializer>(v: &Arc<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(v.as_slice()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Arc<Vec<u8>>, D::Error> {
        let text = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map(Arc::new)
            .map_err(serde::de::Error::custom)
    }
}

impl Journal {
    pub fn new(seed: u64) -> Journal {
        Journal {
            seed,
            base: None,
            entries: Vec::new(),
        }
    }

    /// Inputs since the last reset, the checkpointed ones included.
    pub fn total_inputs(&self) -> u64 {
        self.base.as_ref().map_or(0, |b| b.inputs) + self.entries.len() as u64
    }

    /// Replaces the entries so far with `state` (the sim after them, at `at_ms`).
    pub fn checkpoint(&mut self, at_ms: u64, state: Vec<u8>) {
        let inputs = self.total_inputs();
        self.entries = Vec::new();
        self.base = Some(Checkpoint {
            at_ms,
            inputs,
            state: Arc::new(state),
        });
    }

    /// The journal as it was at `at_ms`: the inputs applied up to and including then.
    /// Refused for a time before the checkpoint (those inputs are not in memory).
    pub fn at(&self, at_ms: u64) -> Result<Journal, String> {
        if let Some(b) = self.base.as_ref().filter(|b| at_ms < b.at_ms) {
            return Err(format!(
                "the inputs before t={} ms ({}) were checkpointed out of memory; \
                 serve with --state DIR to keep them on disk, or --checkpoint-every 0",
                b.at_ms, b.inputs
            ));
        }
        Ok(Journal {
            seed: self.seed,
            base: self.base.clone(),
            entries: self
                .entries
                .iter()
                .filter(|e| e.at_ms <= at_ms)
                .cloned()
                .collect(),
        })
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
/// With a checkpoint, the sim starts from its state (whose model may be a
/// reconfigured one); a checkpoint that does not decode is a bug and panics.
pub fn replay(model: Arc<Model>, journal: &Journal, until_ms: u64) -> Sim {
    let mut sim = match &journal.base {
        Some(b) => Sim::restore_state(Some(&model), &b.state)
            .unwrap_or_else(|e| panic!("a checkpoint of this process does not restore: {e}")),
        None => Sim::new(model, journal.seed),
    };
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
