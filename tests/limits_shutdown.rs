//! Issue #12, graceful shutdown: SIGTERM during a request lets it finish, then the
//! process exits 0.
#![cfg(unix)]

mod rest_support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn sigterm_during_a_request_lets_it_complete_and_exits_0() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_clustersim"))
        .args(["serve", "--clock", "manual", "--listen", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let url = loop {
        let line = lines.next().expect("a line").expect("utf-8");
        if let Some(rest) = line.split(" serving ").nth(1) {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    let base = url
        .trim_end_matches('/')
        .trim_end_matches("/api/v1")
        .to_string();
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(20))
        .build();
    let r = rest_support::request_to(
        &agent,
        &base,
        "POST",
        "/sim/v1/faults",
        Some(r#"{"kind": "monitor-result", "monitor": "fipw1", "result": "error"}"#),
        Some(("user", "password")),
    );
    assert_eq!(r.status, 200, "{r:?}");
    let (b, a) = (base.clone(), agent.clone());
    let long = std::thread::spawn(move || {
        rest_support::request_to(
            &a,
            &b,
            "POST",
            "/sim/v1/clock/advance",
            Some(r#"{"ms": 31622400000}"#),
            Some(("user", "password")),
        )
    });
    std::thread::sleep(Duration::from_millis(100));
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let r = long.join().unwrap();
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["now_ms"], 31_622_400_000u64, "{r:?}");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{status:?}");
}
