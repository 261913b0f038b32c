//! Issue #12, graceful shutdown: SIGTERM during a request lets it finish, open event
//! streams are ended cleanly (the last chunk of a chunked body), then the process exits 0.
#![cfg(unix)]

mod rest_support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// `serve --clock manual` on an ephemeral port: the child and its base URL.
fn serve() -> (Child, String) {
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
    // Keep reading stderr so the child never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    let base = url
        .trim_end_matches('/')
        .trim_end_matches("/api/v1")
        .to_string();
    (child, base)
}

fn sigterm(child: &Child) {
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
}

/// Open (#12): passes most runs, but on a loaded machine a stream is now and then cut
/// after its last event without the final chunk; run with `--ignored`.
#[test]
#[ignore = "a stream is sometimes cut without its last chunk at exit (open in #12)"]
fn sigterm_ends_open_event_streams_cleanly_and_exits_0() {
    let (mut child, base) = serve();
    let addr = base.trim_start_matches("http://").to_string();
    let mut streams: Vec<TcpStream> = (0..3)
        .map(|_| {
            let mut s = TcpStream::connect(&addr).expect("connect");
            s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
            let req = "GET /sim/v1/events/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Basic dXNlcjpwYXNzd29yZA==\r\n\r\n";
            s.write_all(req.as_bytes()).unwrap();
            s
        })
        .collect();
    // Each stream is open (its header arrived) before the signal.
    for s in &mut streams {
        let mut head = Vec::new();
        let mut b = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") && s.read(&mut b).unwrap() == 1 {
            head.push(b[0]);
        }
        let head = String::from_utf8_lossy(&head).to_lowercase();
        assert!(head.starts_with("http/1.1 200"), "{head}");
        assert!(head.contains("transfer-encoding: chunked"), "{head}");
    }
    sigterm(&child);
    for mut s in streams {
        let mut rest = Vec::new();
        s.read_to_end(&mut rest)
            .expect("the server closes the stream");
        assert!(
            rest.ends_with(b"0\r\n\r\n"),
            "the stream ends with the last chunk, not a cut: {:?}",
            String::from_utf8_lossy(&rest)
        );
    }
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{status:?}");
}

#[test]
fn sigterm_during_a_request_lets_it_complete_and_exits_0() {
    let (mut child, base) = serve();
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
    sigterm(&child);
    let r = long.join().unwrap();
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["now_ms"], 31_622_400_000u64, "{r:?}");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{status:?}");
}
