//! Issue #12, connections: slow bodies, event streams and idle keep-alive sockets do
//! not shut other clients out of `/api/v1`; a slow body is cut. Real sockets on an
//! ephemeral loopback port.

mod rest_support;

use rest_support::raw::{connect, content_length, open_stream, read_head, send_head, AUTH};
use rest_support::start;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

#[test]
fn slow_streams_and_idle_sockets_leave_api_v1_answering() {
    let server = start(&[]);
    let addr = server.run.addr().to_string();
    let mut held = Vec::new();
    for _ in 0..64 {
        let mut s = connect(&addr);
        let head = format!("POST /api/v1/groups/failover1/start HTTP/1.1\r\nHost: x\r\n{AUTH}Content-Length: 100\r\n\r\n{{");
        s.write_all(head.as_bytes()).unwrap();
        held.push(s);
    }
    for _ in 0..64 {
        held.push(open_stream(&addr));
    }
    for _ in 0..200 {
        let mut s = connect(&addr);
        send_head(&mut s, "GET", "/api/v1/cluster", "");
        let head = read_head(&mut s);
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        let mut body = vec![0u8; content_length(&head)];
        s.read_exact(&mut body).unwrap();
        held.push(s); // idle keep-alive from now on
    }
    let t = Instant::now();
    let r = server.get("/api/v1/cluster");
    let took = t.elapsed();
    assert_eq!(r.status, 200, "{r:?}");
    assert!(
        took < Duration::from_secs(1),
        "a fresh client waited {took:?}"
    );
    let op = server.post("/api/v1/groups/failover2/stop", None);
    assert_eq!(op.status, 200, "{op:?}");
    eprintln!("fresh /api/v1 client with 328 sockets held: {took:?}");
    drop(held);
}

#[test]
fn a_slow_body_is_cut_after_the_body_timeout() {
    let server = start(&[]);
    let mut s = connect(&server.run.addr().to_string());
    let head =
        format!("POST /sim/v1/faults HTTP/1.1\r\nHost: x\r\n{AUTH}Content-Length: 100\r\n\r\n{{");
    s.write_all(head.as_bytes()).unwrap();
    let t = Instant::now();
    let answer = read_head(&mut s);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let took = t.elapsed();
    assert!(
        took >= Duration::from_secs(9) && took < Duration::from_secs(15),
        "{took:?}"
    );
}

#[test]
fn event_streams_past_their_limit_get_503() {
    let server = start(&[]);
    let addr = server.run.addr().to_string();
    let mut held = Vec::new();
    for _ in 0..clustersim::host::limits::MAX_EVENT_STREAMS {
        held.push(open_stream(&addr));
    }
    let r = server.get("/sim/v1/events/stream");
    assert_eq!(r.status, 503, "{r:?}");
    assert!(r.text.contains("event streams"), "{r:?}");
    drop(held.pop());
    std::thread::sleep(Duration::from_millis(300));
    open_stream(&addr); // a freed slot is reused
}

/// 64 connections each with a request being answered (`POST /sim/v1/test/hold`, a
/// request that takes `ms` to answer), sent at once.
fn hold_64(addr: &str, ms: u64) -> Vec<TcpStream> {
    (0..64)
        .map(|_| {
            let mut s = connect(addr);
            let body = format!("{{\"ms\": {ms}}}");
            let extra = format!("Content-Length: {}\r\n", body.len());
            send_head(&mut s, "POST", "/sim/v1/test/hold", &extra);
            s.write_all(body.as_bytes()).unwrap();
            s
        })
        .collect()
}

/// Each held connection's answer: all 200.
fn all_answered(held: Vec<TcpStream>) {
    for (i, mut s) in held.into_iter().enumerate() {
        let head = read_head(&mut s);
        assert!(head.starts_with("HTTP/1.1 200"), "hold {i}: {head:?}");
    }
}

/// [doc: 64 API connections per server], past it [assume: the product's Node.js
/// `server.maxConnections`]: with 64 requests being answered, the 65th concurrent
/// connection's `GET /api/v1/cluster` is closed without an answer; the 64 are answered,
/// and the next client is served.
#[test]
fn a_65th_concurrent_api_v1_request_is_dropped_unanswered() {
    let server = start(&["--allow-test-panics"]);
    let addr = server.run.addr().to_string();
    let sent = Instant::now();
    let held = hold_64(&addr, 4_000);
    std::thread::sleep(Duration::from_millis(500));
    let mut s = connect(&addr);
    send_head(&mut s, "GET", "/api/v1/cluster", "");
    let answer = read_head(&mut s);
    let dropped_at = sent.elapsed();
    assert_eq!(answer, "", "the 65th gets no answer, its connection closes");
    assert!(dropped_at < Duration::from_millis(3_500), "{dropped_at:?}");
    all_answered(held);
    assert!(sent.elapsed() >= Duration::from_secs(4), "the 64 were held");
    let r = server.get("/api/v1/cluster");
    assert_eq!(r.status, 200, "{r:?}");
}

/// `--past-max-connections wait`: the 65th request waits for a slot instead.
#[test]
fn with_past_max_wait_the_65th_request_waits_for_a_slot() {
    let server = start(&["--allow-test-panics", "--past-max-connections", "wait"]);
    let addr = server.run.addr().to_string();
    let sent = Instant::now();
    let held = hold_64(&addr, 2_000);
    std::thread::sleep(Duration::from_millis(500));
    let r = server.get("/api/v1/cluster");
    let answered_at = sent.elapsed();
    assert_eq!(r.status, 200, "{r:?}");
    assert!(
        answered_at >= Duration::from_millis(1_900),
        "answered at {answered_at:?}, before a slot was free"
    );
    all_answered(held);
}

/// One more header byte on a non-blocking socket; true once the server has closed it
/// (end of stream, a reset, or an answer that ends the request).
fn closed_by_server(s: &mut TcpStream) -> bool {
    if s.write_all(b"X").is_err() {
        return true;
    }
    match s.read(&mut [0u8; 64]) {
        Ok(0) => true,
        Ok(_answer) => true,
        Err(e) => e.kind() != std::io::ErrorKind::WouldBlock,
    }
}

/// Slowloris: 150 connections trickle a request header a byte at a time. Each is cut
/// about `HEADER_TIMEOUT` (10 s) after its first byte, and meanwhile `/api/v1` answers.
#[test]
fn a_trickled_header_is_cut_after_the_header_timeout() {
    let server = start(&[]);
    let addr = server.run.addr().to_string();
    let mut slow: Vec<TcpStream> = (0..150)
        .map(|_| {
            let mut s = connect(&addr);
            s.write_all(b"GET /api/v1/cluster HTTP/1.1\r\n").unwrap();
            s.set_nonblocking(true).unwrap();
            s
        })
        .collect();
    let t = Instant::now();
    let mut cut = vec![None; slow.len()];
    let mut slowest_probe = Duration::ZERO;
    while cut.iter().any(Option::is_none) && t.elapsed() < Duration::from_secs(20) {
        for (s, c) in slow.iter_mut().zip(cut.iter_mut()) {
            if c.is_none() && closed_by_server(s) {
                *c = Some(t.elapsed());
            }
        }
        let p = Instant::now();
        assert_eq!(server.get("/api/v1/cluster").status, 200);
        slowest_probe = slowest_probe.max(p.elapsed());
        std::thread::sleep(Duration::from_millis(100));
    }
    let cut: Vec<Duration> = cut
        .into_iter()
        .map(|c| c.expect("every trickle is cut"))
        .collect();
    let (first, last) = (cut.iter().min().unwrap(), cut.iter().max().unwrap());
    assert!(*first >= Duration::from_secs(9), "cut at {first:?}");
    assert!(*last < Duration::from_secs(16), "cut at {last:?}");
    assert!(slowest_probe < Duration::from_secs(1), "{slowest_probe:?}");
    eprintln!("150 trickled headers cut at {first:?}..{last:?}; slowest probe {slowest_probe:?}");
}
