//! Raw HTTP/1.1 over a `TcpStream`, for what a client library hides: slow bodies,
//! held and idle sockets, chunked event streams, connections closed without an answer.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// The Basic authorization header line of `user:password` (with its CRLF).
pub const AUTH: &str = "Authorization: Basic dXNlcjpwYXNzd29yZA==\r\n";

/// A connection to `addr` with a 20 s read timeout.
pub fn connect(addr: &str) -> TcpStream {
    let s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s
}

/// Writes `METHOD PATH` with credentials and `extra` header lines (each ending in CRLF).
pub fn send_head(s: &mut TcpStream, method: &str, path: &str, extra: &str) {
    let head = format!("{method} {path} HTTP/1.1\r\nHost: x\r\n{AUTH}{extra}\r\n");
    s.write_all(head.as_bytes()).unwrap();
}

/// Reads until the end of the response headers (or until the connection ends); returns
/// them, empty if the server closed the connection without answering.
pub fn read_head(s: &mut TcpStream) -> String {
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

/// The `Content-Length` of a response head.
pub fn content_length(head: &str) -> usize {
    head.lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length: ")
                .map(|v| v.trim().parse().unwrap())
        })
        .expect("content-length")
}

/// Opens `/sim/v1/events/stream` on a fresh connection; returns it once the 200 and
/// its headers have arrived.
pub fn open_stream(addr: &str) -> TcpStream {
    let mut s = connect(addr);
    send_head(&mut s, "GET", "/sim/v1/events/stream", "");
    let head = read_head(&mut s).to_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("transfer-encoding: chunked"), "{head}");
    s
}
