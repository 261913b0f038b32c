use super::*;
use crate::sim::{FaultKind, FaultSpec, Operation};

fn header() -> Record {
    Record::Header {
        model: Box::new(Model::default_cluster().source),
        seed: 3,
        clock: "manual".into(),
        speed: 1.0,
    }
}

fn inputs() -> Vec<Record> {
    let crash = Input::Fault(FaultSpec {
        kind: FaultKind::ServerCrash {
            server: "server1".into(),
        },
        at_ms: None,
        duration_ms: Some(30_000),
    });
    vec![
        Record::Input {
            at_ms: 1_000,
            input: Input::Operation(Operation::ClusterSuspend),
            from: None,
        },
        Record::Clock { now_ms: 4_000 },
        Record::Input {
            at_ms: 5_000,
            input: Input::Operation(Operation::ClusterResume),
            from: None,
        },
        Record::Input {
            at_ms: 9_000,
            input: crash,
            from: None,
        },
    ]
}

fn file_bytes() -> (Vec<u8>, usize) {
    let mut bytes = preamble();
    bytes.extend(frame(&header()));
    let recs = inputs();
    for r in &recs[..recs.len() - 1] {
        bytes.extend(frame(r));
    }
    let last_start = bytes.len();
    bytes.extend(frame(recs.last().unwrap()));
    (bytes, last_start)
}

#[test]
fn a_whole_journal_reads_back() {
    let (bytes, _) = file_bytes();
    let d = decode(&bytes).unwrap();
    assert_eq!(d.problem, None);
    assert_eq!(d.records, 5);
    assert_eq!(d.state.journal.seed, 3);
    assert_eq!(d.state.journal.entries.len(), 3);
    assert_eq!(d.state.now_ms, 9_000);
    assert_eq!(d.good_len, bytes.len() as u64);
}

#[test]
fn truncation_at_every_offset_of_the_last_record_keeps_the_others() {
    let (bytes, last_start) = file_bytes();
    for cut in last_start..bytes.len() {
        let d = decode(&bytes[..cut]).unwrap();
        assert_eq!(d.state.journal.entries.len(), 2, "cut at {cut}");
        assert_eq!(d.good_len, last_start as u64, "cut at {cut}");
        assert_eq!(d.state.now_ms, 5_000);
        // At the record boundary the file is simply shorter: nothing torn.
        assert_eq!(d.problem.is_some(), cut > last_start, "cut at {cut}");
    }
}

#[test]
fn a_flipped_byte_in_the_last_record_is_detected() {
    let (bytes, last_start) = file_bytes();
    for at in last_start..bytes.len() {
        let mut b = bytes.clone();
        b[at] ^= 0x5a;
        let d = decode(&b).unwrap();
        assert!(d.problem.is_some(), "flip at {at}");
        assert_eq!(d.state.journal.entries.len(), 2, "flip at {at}");
        assert_eq!(d.good_len, last_start as u64);
    }
}

#[test]
fn open_moves_a_bad_tail_aside_and_appends_after_the_good_part() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, last_start) = file_bytes();
    std::fs::write(dir.path().join(JOURNAL_FILE), &bytes[..bytes.len() - 3]).unwrap();
    let mut o = Store::open(dir.path(), &header(), FsyncPolicy::EveryInput).unwrap();
    let rec = o.recovered.take().unwrap();
    assert!(rec.problem.unwrap().contains("torn record"));
    let stem = format!("{JOURNAL_FILE}.corrupt-{last_start}-");
    let aside = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_str().unwrap().contains(&stem))
        .expect("the tail is kept beside the journal, with a timestamp");
    let aside = std::fs::read(aside).unwrap();
    assert_eq!(aside, &bytes[last_start..bytes.len() - 3]);
    o.store
        .append(&Record::Clock { now_ms: 7_000 }, true)
        .unwrap();
    let d = read_dir(dir.path()).unwrap();
    assert_eq!((d.problem, d.records, d.state.now_ms), (None, 5, 7_000));
}

#[test]
fn unusable_files_are_refused_with_a_reason() {
    assert!(decode(b"hello").unwrap_err().contains("magic"));
    let mut b = preamble();
    b[8] = 9;
    assert!(decode(&b).unwrap_err().contains("version 9"));
    assert!(decode(&preamble()).unwrap_err().contains("no header"));
}

#[test]
fn fsync_policies_parse() {
    assert_eq!("every-input".parse(), Ok(FsyncPolicy::EveryInput));
    assert_eq!("batch:64".parse(), Ok(FsyncPolicy::Batch(64)));
    assert!("batch:0".parse::<FsyncPolicy>().is_err());
    assert!("sometimes".parse::<FsyncPolicy>().is_err());
}

/// A journal that starts at a checkpoint, rewritten (restore, panic recovery), reads
/// back with its checkpoint; and the rewrite drops snapshots of the old journal.
#[test]
fn a_checkpointed_journal_is_rewritten_with_its_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = Store::open(dir.path(), &header(), FsyncPolicy::Batch(8)).unwrap();
    let model = std::sync::Arc::new(Model::default_cluster());
    let mut sim = crate::sim::Sim::new(model, 3);
    sim.run_until(50_000);
    let mut j = Journal::new(3);
    j.record(1_000, Input::Operation(Operation::ClusterSuspend));
    j.checkpoint(50_000, sim.save_state());
    j.record(60_000, Input::Operation(Operation::ClusterResume));
    o.store.snapshot(1.0, j.base.as_ref().unwrap()).unwrap();
    assert_eq!(snapshot::list(dir.path()).len(), 1);
    o.store.rewrite(header(), &j, 70_000).unwrap();
    assert!(
        snapshot::list(dir.path()).is_empty(),
        "snapshots of the old journal go"
    );
    let d = read_dir(dir.path()).unwrap();
    assert_eq!(d.problem, None);
    assert_eq!(d.state.journal, j);
    assert_eq!(d.state.now_ms, 70_000);
}

/// Snapshots are tried newest first; one that is damaged, or whose journal prefix is
/// not the journal's any more, is skipped (and renamed), and the journal decides.
#[test]
fn snapshots_fall_back_to_older_ones_then_to_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = Store::open(dir.path(), &header(), FsyncPolicy::Batch(8)).unwrap();
    let model = std::sync::Arc::new(Model::default_cluster());
    let sim = crate::sim::Sim::new(model, 3);
    let mut j = Journal::new(3);
    for (i, r) in inputs().into_iter().enumerate() {
        o.store.append(&r, true).unwrap();
        j.checkpoint(i as u64, sim.save_state());
        o.store.snapshot(1.0, j.base.as_ref().unwrap()).unwrap();
    }
    let snaps = snapshot::list(dir.path());
    assert_eq!(snaps.len(), snapshot::SNAPSHOTS_KEPT);
    let bytes = std::fs::read(dir.path().join(JOURNAL_FILE)).unwrap();
    let (used, problems) = snapshot::newest_valid(dir.path(), Some(&bytes));
    assert_eq!(used.unwrap().file, snaps[0]);
    assert!(problems.is_empty());
    // Damage the newest: the older one is used.
    let mut b = std::fs::read(&snaps[0]).unwrap();
    let last = b.len() - 1;
    b[last] ^= 1;
    std::fs::write(&snaps[0], &b).unwrap();
    let (used, problems) = snapshot::newest_valid(dir.path(), Some(&bytes));
    assert_eq!(used.unwrap().file, snaps[1]);
    assert!(problems[0].contains("checksum"), "{problems:?}");
    assert!(problems[0].contains(".css.corrupt-"), "{problems:?}");
    // A journal damaged before the older one's offset (here in its header): the
    // snapshot stands in for the damaged bytes.
    let mut other = bytes.clone();
    other[20] ^= 1;
    let (used, _) = snapshot::newest_valid(dir.path(), Some(&other));
    assert!(used.unwrap().covers_damage);
    // Another journal (another header, no record boundary there): not used.
    let mut o2 = Store::open(&dir.path().join("b"), &header(), FsyncPolicy::Batch(8)).unwrap();
    o2.store.append(&Record::Clock { now_ms: 1 }, true).unwrap();
    let third = std::fs::read(dir.path().join("b").join(JOURNAL_FILE)).unwrap();
    let (used, problems) = snapshot::newest_valid(dir.path(), Some(&third));
    assert!(used.is_none());
    assert!(
        problems[0].contains("journal bytes") || problems[0].contains("not the one"),
        "{problems:?}"
    );
}

#[test]
fn version_1_journals_are_still_read() {
    let (mut bytes, _) = file_bytes();
    bytes[8..12].copy_from_slice(&1u32.to_le_bytes());
    assert_eq!(decode(&bytes).unwrap().state.journal.entries.len(), 3);
}

/// A journal and a snapshot taken after its first records, then more records.
fn journal_with_snapshot(dir: &Path) -> (Journal, u64) {
    let mut o = Store::open(dir, &header(), FsyncPolicy::Batch(8)).unwrap();
    let sim = crate::sim::Sim::new(std::sync::Arc::new(Model::default_cluster()), 3);
    let mut j = Journal::new(3);
    let recs = inputs();
    for r in &recs[..2] {
        o.store.append(r, true).unwrap();
    }
    let covered = o.store.len;
    j.checkpoint(4_000, sim.save_state());
    o.store.snapshot(1.0, j.base.as_ref().unwrap()).unwrap();
    for r in &recs[2..] {
        o.store.append(r, true).unwrap();
        if let Record::Input { at_ms, input, from } = r {
            j.record_from(*at_ms, *from, input.clone());
        }
    }
    (j, covered)
}

/// A flipped byte the snapshot covers loses nothing: recovery starts from the
/// snapshot, writes a clean journal and keeps the old files in `replaced-*`.
#[test]
fn a_damaged_byte_a_snapshot_covers_loses_nothing_and_nothing_is_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let (j, covered) = journal_with_snapshot(dir.path());
    let path = dir.path().join(JOURNAL_FILE);
    let mut bytes = std::fs::read(&path).unwrap();
    let inside_first_input = (covered - 20) as usize;
    bytes[inside_first_input] ^= 0x40;
    std::fs::write(&path, &bytes).unwrap();
    let o = Store::open(dir.path(), &header(), FsyncPolicy::EveryInput).unwrap();
    let rec = o.recovered.unwrap();
    assert_eq!(rec.problem, None);
    assert!(
        rec.repaired.as_deref().unwrap().contains("covers"),
        "{rec:?}"
    );
    assert_eq!(rec.state.journal.entries, j.entries);
    let replaced: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("replaced-")
        })
        .collect();
    assert_eq!(replaced.len(), 1);
    assert_eq!(
        std::fs::read(replaced[0].join(JOURNAL_FILE)).unwrap(),
        bytes
    );
    // The new journal alone reads back whole.
    let d = read_dir(dir.path()).unwrap();
    assert_eq!((d.problem, d.state.journal.entries), (None, j.entries));
}

/// A missing journal with a snapshot beside it starts from the snapshot and says so.
#[test]
fn a_missing_journal_starts_from_the_newest_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    journal_with_snapshot(dir.path());
    std::fs::remove_file(dir.path().join(JOURNAL_FILE)).unwrap();
    let o = Store::open(dir.path(), &header(), FsyncPolicy::EveryInput).unwrap();
    let rec = o.recovered.unwrap();
    assert!(rec.repaired.unwrap().contains("was missing"));
    assert_eq!(rec.state.now_ms, 4_000);
    assert!(rec.state.journal.entries.is_empty() && rec.state.journal.base.is_some());
    assert_eq!(
        read_dir(dir.path()).unwrap().state.journal.base,
        rec.state.journal.base
    );
}
