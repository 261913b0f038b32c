//! `serve --state DIR` survives kill -9. A seeded script of operations, faults and
//! advances is driven into the real binary, which is SIGKILLed at random moments of a
//! burst of writes (10 real kill/restart cycles on one DIR); after every restart each
//! acknowledged input is there and the event log equals, byte for byte, the log of an
//! uninterrupted run of the same steps. Then the final journal file is cut at every
//! record boundary and inside every record (in-process kill points: what a kill
//! between or during a write leaves) and each cut recovers to the matching state.

mod rest_support;

use clustersim::host::journal::{replay, Journal};
use clustersim::persist::{FsyncPolicy, Record, Store, JOURNAL_FILE};
use clustersim::{Model, Sim};
use rand::{Rng, SeedableRng};
use rest_support::process::{spawn_serve, Proc};
use rest_support::{manual, request_to, Resp};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone, Debug)]
enum Step {
    Post(&'static str, Option<&'static str>),
    Advance(u64),
}

const POSTS: &[(&str, Option<&str>)] = &[
    ("/api/v1/groups/failover1/move", None),
    ("/api/v1/groups/failover2/move", None),
    ("/api/v1/groups/failover1/stop", None),
    ("/api/v1/groups/failover1/start", None),
    ("/api/v1/cluster/suspend", None),
    ("/api/v1/cluster/resume", None),
    ("/api/v1/monitors/fipw1/suspend", None),
    ("/api/v1/monitors/fipw1/resume", None),
    (
        "/sim/v1/faults",
        Some(r#"{"kind":"server-crash","server":"server2","duration_ms":120000}"#),
    ),
    (
        "/sim/v1/faults",
        Some(
            r#"{"kind":"heartbeat-path-down","server":"server1","path":"lankhb1","duration_ms":30000}"#,
        ),
    ),
    (
        "/sim/v1/faults",
        Some(r#"{"kind":"monitor-result","monitor":"fipw2","result":"error","duration_ms":20000}"#),
    ),
    (
        "/sim/v1/faults",
        Some(r#"{"kind":"resource-failure","resource":"script1","server":"server1"}"#),
    ),
];

fn script(n: usize) -> Vec<Step> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(13);
    (0..n)
        .map(|_| {
            if rng.gen_bool(0.4) {
                Step::Advance(rng.gen_range(1_000..40_000))
            } else {
                let (p, b) = POSTS[rng.gen_range(0..POSTS.len())];
                Step::Post(p, b)
            }
        })
        .collect()
}

fn send(agent: &ureq::Agent, base: &str, step: &Step) -> Resp {
    match step {
        Step::Post(p, b) => request_to(agent, base, "POST", p, *b, Some(("user", "password"))),
        Step::Advance(ms) => {
            let body = format!("{{\"ms\":{ms}}}");
            request_to(
                agent,
                base,
                "POST",
                "/sim/v1/clock/advance",
                Some(&body),
                Some(("user", "password")),
            )
        }
    }
}

/// After each step of an uninterrupted run: (virtual ms, inputs, log entries).
struct Reference {
    journal: Journal,
    after: Vec<(u64, usize, usize)>,
    sim: Sim,
}

impl Reference {
    /// The log as `GET /sim/v1/events` renders it, up to entry `n`.
    fn log(&self, n: usize) -> String {
        let m = self.sim.model().clone();
        let items: Vec<String> = self.sim.events()[..n]
            .iter()
            .map(|e| e.to_json(&m).to_string())
            .collect();
        format!("[{}]", items.join(","))
    }
}

/// Runs the script on an in-process server without `--state`, then again directly
/// on a `Sim` with the server's journal, noting the state after every step.
fn reference(steps: &[Step]) -> Reference {
    let s = manual(&["--seed", "5"]);
    let agent = ureq::agent();
    for st in steps {
        send(&agent, &s.base, st);
    }
    let journal: Journal = serde_json::from_value(s.get("/sim/v1/journal").body).unwrap();
    let posts = steps.iter().filter(|s| matches!(s, Step::Post(..))).count();
    assert_eq!(journal.entries.len(), posts, "one journaled input per POST");
    let mut sim = Sim::new(Arc::new(Model::default_cluster()), 5);
    sim.run_until(0);
    let mut after = vec![(0, 0, sim.events().len())];
    let mut inputs = 0;
    for st in steps {
        match st {
            Step::Post(..) => {
                let e = &journal.entries[inputs];
                assert_eq!(e.at_ms, sim.now());
                let _ = sim.apply(e.input.clone());
                inputs += 1;
            }
            Step::Advance(ms) => {
                sim.advance(*ms);
            }
        }
        after.push((sim.now(), inputs, sim.events().len()));
    }
    let r = Reference {
        journal,
        after,
        sim,
    };
    let rest = s.get("/sim/v1/events?limit=10000").text;
    assert_eq!(
        rest,
        r.log(r.sim.events().len()),
        "the direct run is the REST run"
    );
    r
}

fn spawn(dir: &std::path::Path) -> Proc {
    spawn_with(dir, &["--clock", "manual"])
}

fn spawn_with(dir: &std::path::Path, clock: &[&str]) -> Proc {
    let mut args: Vec<std::ffi::OsString> = clock.iter().map(Into::into).collect();
    args.extend(["--seed", "5", "--state"].map(Into::into));
    args.push(dir.into());
    spawn_serve(&args)
}

/// The number of steps whose effect the restarted server holds; checks it holds
/// every acknowledged one and nothing else, and that its log is the reference's.
fn check(p: &Proc, r: &Reference, acked: usize, sent: usize) -> usize {
    let agent = ureq::agent();
    let get = |path: &str| {
        request_to(
            &agent,
            &p.base,
            "GET",
            path,
            None,
            Some(("user", "password")),
        )
    };
    let journal: Journal = serde_json::from_value(get("/sim/v1/journal").body).unwrap();
    let now = get("/sim/v1/clock").body["now_ms"].as_u64().unwrap();
    let m = journal.entries.len();
    assert_eq!(
        journal.entries[..],
        r.journal.entries[..m],
        "inputs in order"
    );
    let k = (acked..=sent)
        .find(|&k| r.after[k].0 == now && r.after[k].1 == m)
        .unwrap_or_else(|| {
            panic!("state (t={now}, {m} inputs) is not after any of steps {acked}..={sent}")
        });
    let log = get("/sim/v1/events?limit=10000").text;
    assert_eq!(log, r.log(r.after[k].2), "event log after step {k}");
    k
}

#[test]
fn sigkill_at_random_moments_loses_nothing_acknowledged() {
    let steps = script(300);
    let r = reference(&steps);
    let dir = kill_cycles(&steps, &r, &["--clock", "manual"]);
    in_process_kill_points(dir.path(), &r);
}

/// The same kill cycles with a snapshot every 15 inputs: restarts restore the newest
/// snapshot and replay only the journal after it. Then the newest snapshot is
/// damaged (a flipped byte: the previous one is used), then every snapshot is
/// truncated (the journal from zero): each time the log is still the uninterrupted
/// run's.
#[test]
fn sigkill_with_snapshots_recovers_from_the_newest_valid_snapshot() {
    let steps = script(300);
    let r = reference(&steps);
    let args = ["--clock", "manual", "--checkpoint-every", "15"];
    let dir = kill_cycles(&steps, &r, &args);
    let snaps = clustersim::persist::snapshot::list(dir.path());
    assert_eq!(snaps.len(), 2, "the newest two are kept: {snaps:?}");
    let p = spawn_with(dir.path(), &args);
    assert!(p.stderr.lock().unwrap().contains("from snapshot"));
    assert_eq!(check(&p, &r, steps.len(), steps.len()), steps.len());
    drop(p);
    let mut newest = std::fs::read(&snaps[0]).unwrap();
    let mid = newest.len() / 2;
    newest[mid] ^= 0x01;
    std::fs::write(&snaps[0], &newest).unwrap();
    let p = spawn_with(dir.path(), &args);
    let text = p.stderr.lock().unwrap().clone();
    assert!(text.contains("checksum does not match"), "{text}");
    assert!(
        text.contains(&format!("from snapshot {}", snaps[1].display())),
        "{text}"
    );
    assert_eq!(check(&p, &r, steps.len(), steps.len()), steps.len());
    drop(p);
    // That start replayed more than 15 inputs after the older snapshot, so it wrote a
    // new one at once; truncate every snapshot there is now.
    let now: Vec<_> = clustersim::persist::snapshot::list(dir.path());
    assert!(!now.is_empty());
    for s in &now {
        let bytes = std::fs::read(s).unwrap();
        std::fs::write(s, &bytes[..bytes.len() - 100]).unwrap();
    }
    let p = spawn_with(dir.path(), &args);
    let text = p.stderr.lock().unwrap().clone();
    assert!(text.contains("torn"), "{text}");
    assert!(text.contains("from the journal)"), "{text}");
    assert_eq!(check(&p, &r, steps.len(), steps.len()), steps.len());
}

/// Ten SIGKILLs at random moments of a burst of writes, each restart checked; then the
/// rest of the script on the last incarnation. Returns the state directory.
fn kill_cycles(steps: &[Step], r: &Reference, args: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(99);
    let (mut done, mut acked, mut sent) = (0, 0, 0);
    for cycle in 0..11 {
        let mut p = spawn_with(dir.path(), args);
        done = check(&p, r, acked, sent);
        if cycle == 10 {
            break;
        }
        let acked_n = Arc::new(AtomicUsize::new(done));
        let sent_n = Arc::new(AtomicUsize::new(done));
        let (a, s2, base, steps2) = (
            acked_n.clone(),
            sent_n.clone(),
            p.base.clone(),
            steps.to_vec(),
        );
        let driver = std::thread::spawn(move || {
            let agent = ureq::AgentBuilder::new()
                .timeout(Duration::from_secs(5))
                .build();
            for (i, st) in steps2.iter().enumerate().skip(s2.load(Ordering::SeqCst)) {
                s2.store(i + 1, Ordering::SeqCst);
                let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    send(&agent, &base, st)
                }))
                .is_ok();
                if !ok {
                    return;
                }
                a.store(i + 1, Ordering::SeqCst);
            }
        });
        std::thread::sleep(Duration::from_millis(rng.gen_range(5..60)));
        p.kill(); // SIGKILL
        driver.join().unwrap();
        (acked, sent) = (
            acked_n.load(Ordering::SeqCst),
            sent_n.load(Ordering::SeqCst),
        );
        assert!(acked >= done);
    }
    // Finish the script on the last incarnation: the whole run equals the reference.
    let p = spawn_with(dir.path(), args);
    let agent = ureq::agent();
    for st in &steps[done..] {
        send(&agent, &p.base, st);
    }
    assert_eq!(check(&p, r, steps.len(), steps.len()), steps.len());
    drop(p);
    dir
}

/// Offsets where each record of `bytes` (after the 12-byte preamble) starts, and the end.
fn boundaries(bytes: &[u8]) -> Vec<usize> {
    let mut at = 12;
    let mut v = vec![at];
    while at < bytes.len() {
        let len = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        at += 8 + len;
        v.push(at);
    }
    v
}

/// Every record boundary and a point inside every record: the recovered cluster is
/// the reference after the last complete record's step.
fn in_process_kill_points(dir: &std::path::Path, r: &Reference) {
    let bytes = std::fs::read(dir.join(JOURNAL_FILE)).unwrap();
    let b = boundaries(&bytes);
    assert_eq!(b.len(), r.after.len() + 1, "header + one record per step");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let model = Arc::new(Model::default_cluster());
    let fresh = Record::Header {
        model: Box::new(model.source.clone()),
        seed: 5,
        clock: "manual".into(),
        speed: 1.0,
    };
    let mut points = 0;
    for k in 0..r.after.len() {
        let end = b[k + 1];
        let inside = if k + 2 < b.len() {
            rng.gen_range(end + 1..b[k + 2])
        } else {
            end
        };
        for cut in [end, inside] {
            let d = tempfile::tempdir().unwrap();
            std::fs::write(d.path().join(JOURNAL_FILE), &bytes[..cut]).unwrap();
            let o = Store::open(d.path(), &fresh, FsyncPolicy::EveryInput).unwrap();
            let rec = o.recovered.unwrap();
            assert_eq!(rec.problem.is_some(), cut != end, "cut at {cut}");
            let st = rec.state;
            let sim = replay(model.clone(), &st.journal, st.now_ms);
            let (now, inputs, events) = r.after[k];
            assert_eq!(
                (st.now_ms, st.journal.entries.len()),
                (now, inputs),
                "cut at {cut}"
            );
            assert_eq!(sim.events().len(), events, "cut at {cut}");
            let m = sim.model().clone();
            for (a, e) in sim.events().iter().zip(r.sim.events()) {
                assert_eq!(a.to_json(&m).to_string(), e.to_json(&m).to_string());
            }
            points += 1;
        }
    }
    assert!(points >= 100, "{points} kill points");
}

#[test]
fn a_corrupt_tail_is_recovered_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let p = spawn(dir.path());
    let agent = ureq::agent();
    for st in script(20) {
        send(&agent, &p.base, &st);
    }
    let journal: Journal = serde_json::from_value(
        request_to(
            &agent,
            &p.base,
            "GET",
            "/sim/v1/journal",
            None,
            Some(("user", "password")),
        )
        .body,
    )
    .unwrap();
    let mut p = p;
    p.kill();
    let path = dir.path().join(JOURNAL_FILE);
    let mut bytes = std::fs::read(&path).unwrap();
    let b = boundaries(&bytes);
    // Flip a byte inside the last record: that record is lost, the others are kept.
    let last = b[b.len() - 2];
    bytes[last + 10] ^= 0x20;
    std::fs::write(&path, &bytes).unwrap();
    let mut p = spawn(dir.path());
    let text = p.stderr.lock().unwrap().clone();
    assert!(
        text.contains("recovered to the last complete record") && text.contains("checksum"),
        "{text}"
    );
    let again: Journal = serde_json::from_value(
        request_to(
            &agent,
            &p.base,
            "GET",
            "/sim/v1/journal",
            None,
            Some(("user", "password")),
        )
        .body,
    )
    .unwrap();
    let lost = usize::from(journal.entries.len() > again.entries.len());
    assert_eq!(
        again.entries[..],
        journal.entries[..journal.entries.len() - lost]
    );
    let stem = format!("{JOURNAL_FILE}.corrupt-{last}-");
    let kept = std::fs::read_dir(dir.path())
        .unwrap()
        .any(|e| e.unwrap().file_name().to_str().unwrap().starts_with(&stem));
    assert!(kept, "the bad tail is kept as {stem}<unix time>");
    p.kill();
}

#[test]
fn journal_show_and_cut_edit_a_state_directory() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = spawn(dir.path());
    let agent = ureq::agent();
    for st in script(40) {
        send(&agent, &p.base, &st);
    }
    p.kill();
    let bin = env!("CARGO_BIN_EXE_clustersim");
    let show = Command::new(bin)
        .args(["journal", "show"])
        .arg(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8(show.stdout).unwrap();
    assert!(
        show.status.success() && text.contains("seed 5") && text.contains("\"op\":"),
        "{text}"
    );
    let cut = Command::new(bin)
        .args(["journal", "cut", "--at", "60s"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(cut.status.success(), "{cut:?}");
    let bad = Command::new(bin)
        .args(["journal", "cut", "--at", "60"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let p = spawn(dir.path());
    let get = |path: &str| {
        request_to(
            &agent,
            &p.base,
            "GET",
            path,
            None,
            Some(("user", "password")),
        )
    };
    let j: Journal = serde_json::from_value(get("/sim/v1/journal").body).unwrap();
    assert!(
        !j.entries.is_empty() && j.entries.iter().all(|e| e.at_ms <= 60_000),
        "{j:?}"
    );
    assert_eq!(get("/sim/v1/clock").body["now_ms"], 60_000);
}

#[test]
fn a_realtime_cluster_resumes_its_clock_after_a_kill() {
    let dir = tempfile::tempdir().unwrap();
    let rt = ["--clock", "realtime", "--speed", "100"];
    let mut p = spawn_with(dir.path(), &rt);
    let agent = ureq::agent();
    let auth = Some(("user", "password"));
    std::thread::sleep(Duration::from_millis(1500));
    let fault = r#"{"kind":"server-crash","server":"server2"}"#;
    let r = request_to(&agent, &p.base, "POST", "/sim/v1/faults", Some(fault), auth);
    assert_eq!(r.status, 200, "{r:?}");
    let j: Journal = serde_json::from_value(
        request_to(&agent, &p.base, "GET", "/sim/v1/journal", None, auth).body,
    )
    .unwrap();
    let at = j.entries[0].at_ms;
    assert!(at >= 100_000, "about 150 virtual seconds passed: {at}");
    p.kill();
    let p = spawn_with(dir.path(), &rt);
    let now = request_to(&agent, &p.base, "GET", "/sim/v1/clock", None, auth).body["now_ms"]
        .as_u64()
        .unwrap();
    assert!(
        now >= at,
        "the clock continues from {at}, not from 0: {now}"
    );
    let again: Journal = serde_json::from_value(
        request_to(&agent, &p.base, "GET", "/sim/v1/journal", None, auth).body,
    )
    .unwrap();
    assert_eq!(again.entries, j.entries);
}
