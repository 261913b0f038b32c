//! The storage-fault property: whatever fails while a journal is appended to (a full
//! disk, a short write, a failed fsync, a truncation that fails for a while), every
//! acknowledged record is read back after a crash and nothing unacknowledged is; and
//! a flipped byte loses only the records from the damaged one on.
//!
//! It fails when `Store::append` stops cutting a failed append back (make
//! `Store::cut_torn` return `Ok(())` without truncating): the torn bytes then end
//! the readable journal and every later acknowledged record is lost.

use super::faulty::{flip, Fault, FaultyFile};
use super::*;
use crate::sim::{FaultKind, FaultSpec, Operation};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn header() -> Record {
    Record::Header {
        model: Box::new(Model::default_cluster().source),
        seed: 9,
        clock: "manual".into(),
        speed: 1.0,
    }
}

/// Step `i`'s record: an input (told apart by its time) or a clock mark.
fn record(i: usize, kind: u8) -> Record {
    let at_ms = 1_000 * (i as u64 + 1);
    let input = match kind {
        0 => Input::Operation(Operation::ClusterSuspend),
        1 => Input::Operation(Operation::ClusterResume),
        2 => Input::Fault(FaultSpec {
            kind: FaultKind::ServerCrash {
                server: "server2".into(),
            },
            at_ms: None,
            duration_ms: Some(30_000),
        }),
        _ => return Record::Clock { now_ms: at_ms },
    };
    Record::Input {
        at_ms,
        input,
        from: None,
    }
}

fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        Just(Fault::Fail),
        (1usize..300).prop_map(Fault::Short),
        Just(Fault::FailSync),
    ]
}

fn policy() -> impl Strategy<Value = FsyncPolicy> {
    prop_oneof![
        Just(FsyncPolicy::EveryInput),
        Just(FsyncPolicy::Batch(1)),
        Just(FsyncPolicy::Batch(3)),
    ]
}

/// An acknowledged input record: its time and where it ends in the file.
struct Acked {
    at_ms: u64,
    end: u64,
}

/// What a run left: the acknowledged input records, the bytes a crash leaves, where
/// the header ends, and the input whose failed append could not be cut off when the
/// run ended (its fsync failed, then the truncation too: it may be read back).
struct Run {
    acked: Vec<Acked>,
    bytes: Vec<u8>,
    header_end: u64,
    uncut: Option<u64>,
}

/// Appends `kinds` through a store on a faulty file.
fn run(
    kinds: &[u8],
    plan: BTreeMap<usize, Fault>,
    truncate_failures: u32,
    policy: FsyncPolicy,
) -> Run {
    let file = Arc::new(FaultyFile::new(plan, truncate_failures));
    // The header's append is call 0; a plan that fails it gets a store-less run.
    let Ok(mut store) = Store::start_on(file.clone(), &header(), policy) else {
        return Run {
            acked: Vec::new(),
            bytes: file.bytes(),
            header_end: u64::MAX,
            uncut: None,
        };
    };
    let header_end = store.len;
    let (mut acked, mut uncut) = (Vec::new(), None);
    for (i, &k) in kinds.iter().enumerate() {
        let r = record(i, k);
        let at_ms = match r {
            Record::Input { at_ms, .. } => Some(at_ms),
            _ => None,
        };
        let was_torn = store.torn;
        match (store.append(&r, true), at_ms) {
            (Ok(_), Some(at_ms)) => acked.push(Acked {
                at_ms,
                end: store.len,
            }),
            (Err(_), _) if !was_torn => uncut = at_ms,
            _ => {}
        }
    }
    Run {
        acked,
        bytes: file.bytes(),
        header_end,
        uncut: uncut.filter(|_| store.torn),
    }
}

fn times(d: &Decoded) -> Vec<u64> {
    d.state.journal.entries.iter().map(|e| e.at_ms).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn acknowledged_records_survive_storage_faults(
        kinds in prop::collection::vec(0u8..5, 1..40),
        faults in prop::collection::vec((1usize..41, fault()), 0..10),
        truncate_failures in 0u32..3,
        policy in policy(),
        damage in prop::option::of((any::<prop::sample::Index>(), 1u8..=255)),
    ) {
        let plan: BTreeMap<usize, Fault> = faults.into_iter().collect();
        let Run { acked, bytes, header_end, uncut } = run(&kinds, plan, truncate_failures, policy);
        prop_assume!(header_end != u64::MAX);
        let d = decode(&bytes).expect("the header was written whole");
        let all: Vec<u64> = acked.iter().map(|a| a.at_ms).collect();
        let mut got = times(&d);
        // A whole record whose fsync failed and whose cut failed too is on disk: the
        // only unacknowledged record that may be read back, and only as the last.
        if uncut.is_some() && got.last() == uncut.as_ref() {
            got.pop();
        }
        prop_assert_eq!(got, all.clone(), "problem: {:?}", d.problem);
        if let Some((at, mask)) = damage {
            // A corrupt byte after the header: the records before the damaged one
            // are read back, it and the ones after it are not (no snapshot here).
            let tail = bytes.len() as u64 - header_end;
            prop_assume!(tail > 0);
            let at = header_end + at.index(tail as usize) as u64;
            let d = decode(&flip(bytes, at as usize, mask)).expect("the header is intact");
            let before: Vec<u64> = acked.iter().filter(|a| a.end <= at).map(|a| a.at_ms).collect();
            prop_assert_eq!(times(&d), before);
            prop_assert!(d.problem.is_some() || at >= acked.last().map_or(header_end, |a| a.end));
        }
    }
}

#[test]
fn a_failed_append_is_cut_back_before_the_next_one() {
    let plan = BTreeMap::from([(2, Fault::Short(17)), (3, Fault::Fail)]);
    let Run { acked, bytes, .. } = run(&[0, 1, 2, 0, 1], plan, 1, FsyncPolicy::EveryInput);
    // Call 2 (the second record) was torn and cut; call 3's failed; the truncation
    // that failed once was retried before call 4 wrote anything.
    let d = decode(&bytes).unwrap();
    assert_eq!(d.problem, None);
    assert_eq!(times(&d), acked.iter().map(|a| a.at_ms).collect::<Vec<_>>());
    assert_eq!(times(&d), vec![1_000, 4_000, 5_000]);
}
