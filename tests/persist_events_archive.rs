//! The event log beyond memory: with `--state DIR` and a small `--event-retention`,
//! `GET /sim/v1/events?since=` pages through the whole log (older entries from
//! `DIR/events.log`), equal to the log of a server that kept everything in memory,
//! also after a restart from the journal. Without `--state` the same retention drops.

mod rest_support;

use rest_support::{manual, Server};

/// Crashes and heals enough to log over 400 entries (4x the retention).
fn drive(s: &Server) {
    for i in 0..100 {
        let server = if i % 2 == 0 { "server1" } else { "server2" };
        let body = format!(r#"{{"kind":"server-crash","server":"{server}","duration_ms":30000}}"#);
        assert_eq!(s.post("/sim/v1/faults", Some(&body)).status, 200);
        s.advance(120_000);
    }
}

/// The whole log, read in pages of `page` entries from seq 0.
fn paged(s: &Server, page: usize) -> Vec<serde_json::Value> {
    let mut all: Vec<serde_json::Value> = Vec::new();
    loop {
        let r = s.get(&format!("/sim/v1/events?since={}&limit={page}", all.len()));
        let items = r.body.as_array().expect("an array").clone();
        if items.is_empty() {
            return all;
        }
        all.extend(items);
    }
}

#[test]
fn old_entries_are_served_from_the_state_directory() {
    let full = manual(&["--seed", "3"]);
    drive(&full);
    let want = full.get("/sim/v1/events?limit=10000").body;
    let want = want.as_array().unwrap();
    assert!(want.len() > 400, "only {} entries", want.len());

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let flags = ["--seed", "3", "--state", d, "--event-retention", "100"];
    let s = manual(&flags);
    drive(&s);
    let r = s.get("/sim/v1/events?since=0&limit=50");
    assert_eq!(r.body.as_array().unwrap()[..], want[..50]);
    assert_eq!(paged(&s, 137), *want);
    assert_eq!(paged(&s, 1), want[..], "one entry a page");
    let mid = s.get("/sim/v1/events?since=321&limit=7").body;
    assert_eq!(mid.as_array().unwrap()[..], want[321..328]);
    drop(s);

    let again = manual(&flags); // resumes from the journal, archive rebuilt
    assert_eq!(paged(&again, 500), *want);

    let forgetful = manual(&["--seed", "3", "--event-retention", "100"]);
    drive(&forgetful);
    let first = forgetful.get("/sim/v1/events?since=0&limit=1").body;
    assert_ne!(
        first[0], want[0],
        "without --state the oldest entries are gone"
    );
}
