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
    let aside = std::fs::read(dir.path().join(format!("journal.corrupt-{last_start}"))).unwrap();
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
