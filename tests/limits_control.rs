//! Issue #12, bounded work per request: control inputs past their limits are refused
//! with the limit named, and a long advance runs in slices while everything else keeps
//! answering.

mod rest_support;

use rest_support::{manual, start};
use std::time::{Duration, Instant};

#[test]
fn inputs_past_their_limits_are_refused_with_the_limit() {
    let s = manual(&[]);
    let r = s.post(
        "/sim/v1/clock/advance",
        Some(r#"{"ms": 18446744073709551615}"#),
    );
    assert_eq!(r.status, 400, "{r:?}");
    assert!(r.message().contains("31622400000"), "{r:?}");
    let r = s.post(
        "/sim/v1/faults",
        Some(
            r#"{"kind": "server-crash", "server": "server1", "duration_ms": 18446744073709551610}"#,
        ),
    );
    assert_eq!(r.status, 400, "{r:?}");
    assert!(r.message().contains("duration_ms"), "{r:?}");
    let r = s.get("/sim/v1/events?limit=100000000");
    assert_eq!(r.status, 400, "{r:?}");
    assert!(r.message().contains("10000"), "{r:?}");
    // The longest accepted fault heals at its end, after its start.
    let r = s.post(
        "/sim/v1/faults",
        Some(r#"{"kind": "server-hang", "server": "server2", "at_ms": 3153600000000, "duration_ms": 3153600000000}"#),
    );
    assert_eq!(r.status, 200, "{r:?}");
    let f = &s.get("/sim/v1/faults").body[0];
    assert!(f["end_ms"].as_u64() > f["start_ms"].as_u64(), "{f}");

    let rt = start(&[]);
    for speed in ["1e9", "1e300", "0", "-1"] {
        let r = rt.post(
            "/sim/v1/clock/speed",
            Some(&format!("{{\"speed\": {speed}}}")),
        );
        assert_eq!(r.status, 400, "{speed}: {r:?}");
        assert!(r.message().contains("1000000"), "{r:?}");
    }
    let r = rt.post("/sim/v1/clock/speed", Some(r#"{"speed": 100000}"#));
    assert_eq!(r.status, 200, "{r:?}");
}

/// The attack of the issue: a persistent monitor error, then the longest advance.
/// While it runs, status GETs, the clock and an operation answer; it completes.
#[test]
fn a_long_advance_does_not_block_other_requests() {
    let s = std::sync::Arc::new(manual(&[]));
    let r = s.post(
        "/sim/v1/faults",
        Some(r#"{"kind": "monitor-result", "monitor": "fipw1", "result": "error"}"#),
    );
    assert_eq!(r.status, 200, "{r:?}");
    let adv = {
        let s = s.clone();
        std::thread::spawn(move || {
            let t = Instant::now();
            let body = s.advance(31_622_400_000);
            (body, t.elapsed())
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    let mut slowest = Duration::ZERO;
    let mut saw_progress = false;
    for _ in 0..5 {
        let t = Instant::now();
        assert_eq!(s.get("/api/v1/cluster").status, 200);
        slowest = slowest.max(t.elapsed());
        let c = s.get("/sim/v1/clock");
        assert_eq!(c.status, 200, "{c:?}");
        saw_progress |= c.body["now_ms"].as_u64().unwrap() > 0;
        std::thread::sleep(Duration::from_millis(50));
    }
    let running = !adv.is_finished();
    let op = s.post("/api/v1/groups/failover2/stop", None);
    assert_eq!(op.status, 200, "{op:?}");
    let (body, took) = adv.join().unwrap();
    assert_eq!(body["now_ms"], 31_622_400_000u64, "{body}");
    assert!(body["processed"].as_u64().unwrap() > 0, "{body}");
    assert!(slowest < Duration::from_secs(1), "a GET took {slowest:?}");
    eprintln!("advance took {took:?}; slowest GET during it {slowest:?}; running during GETs: {running}; progress seen: {saw_progress}");
}

/// Fault lifecycle: a fired one-shot failure and a healed fault are `ended` with the
/// reason, not `active` forever.
#[test]
fn faults_end_when_healed_expired_or_fired() {
    let s = manual(&[]);
    s.settle();
    let id = |r: rest_support::Resp| r.body["id"].as_u64().unwrap();
    let once = id(s.post(
        "/sim/v1/faults",
        Some(r#"{"kind": "activation-failure", "resource": "fip1", "server": "server2"}"#),
    ));
    let hang = id(s.post(
        "/sim/v1/faults",
        Some(r#"{"kind": "server-hang", "server": "server2", "at_ms": 999999999}"#),
    ));
    let short = id(s.post(
        "/sim/v1/faults",
        Some(r#"{"kind": "heartbeat-path-down", "server": "server1", "path": "lankhb1", "duration_ms": 1000}"#),
    ));
    assert_eq!(s.delete(&format!("/sim/v1/faults/{hang}")).status, 200);
    s.op_ok(
        "/api/v1/groups/failover1/move",
        Some(r#"{"target": "server2"}"#),
    );
    s.settle();
    let list = s.get("/sim/v1/faults").body;
    let state = |want: u64| {
        let f = list
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == want)
            .expect("listed");
        (
            f["state"].as_str().unwrap().to_string(),
            f["ended"].as_str().unwrap_or("").to_string(),
        )
    };
    assert_eq!(state(once), ("ended".into(), "fired".into()), "{list}");
    assert_eq!(state(hang), ("ended".into(), "cancelled".into()), "{list}");
    assert_eq!(state(short), ("ended".into(), "expired".into()), "{list}");
}
