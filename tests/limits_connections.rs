//! Issue #12, connections: slow bodies, event streams and idle keep-alive sockets do
//! not shut other clients out of `/api/v1`; a slow body is cut. Real sockets on an
//! ephemeral loopback port.

mod rest_support;

use rest_support::start;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

const AUTH: &str = "Authorization: Basic dXNlcjpwYXNzd29yZA==\r\n"; // user:password

fn connect(addr: &str) -> TcpStream {
    let s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s
}

/// Reads until the end of the response headers; returns them.
fn read_head(s: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let mut b = [0u8; 1];
    while !got.ends_with(b"\r\n\r\n") {
        match s.read(&mut b) {
            Ok(1) => got.push(b[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}

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
        let mut s = connect(&addr);
        let head = format!("GET /sim/v1/events/stream HTTP/1.1\r\nHost: x\r\n{AUTH}\r\n");
        s.write_all(head.as_bytes()).unwrap();
        assert!(
            read_head(&mut s).starts_with("HTTP/1.1 200"),
            "stream opens"
        );
        held.push(s);
    }
    for _ in 0..200 {
        let mut s = connect(&addr);
        let req = format!("GET /api/v1/cluster HTTP/1.1\r\nHost: x\r\n{AUTH}\r\n");
        s.write_all(req.as_bytes()).unwrap();
        let head = read_head(&mut s);
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        let len: usize = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length: ")
                    .map(|v| v.trim().parse().unwrap())
            })
            .expect("content-length");
        let mut body = vec![0u8; len];
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
        let mut s = connect(&addr);
        let head = format!("GET /sim/v1/events/stream HTTP/1.1\r\nHost: x\r\n{AUTH}\r\n");
        s.write_all(head.as_bytes()).unwrap();
        assert!(read_head(&mut s).starts_with("HTTP/1.1 200"));
        held.push(s);
    }
    let r = server.get("/sim/v1/events/stream");
    assert_eq!(r.status, 503, "{r:?}");
    assert!(r.text.contains("event streams"), "{r:?}");
    drop(held.pop());
    std::thread::sleep(Duration::from_millis(300));
    let mut s = connect(&addr);
    let head = format!("GET /sim/v1/events/stream HTTP/1.1\r\nHost: x\r\n{AUTH}\r\n");
    s.write_all(head.as_bytes()).unwrap();
    assert!(
        read_head(&mut s).starts_with("HTTP/1.1 200"),
        "a freed slot is reused"
    );
}
