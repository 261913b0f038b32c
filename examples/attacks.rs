//! The attacks of issue #12, re-run against an in-process `serve` (ephemeral loopback
//! ports), with the bar's figures: for each, whether the input is refused or bounded,
//! the slowest `GET /api/v1/cluster` on a fresh connection during and after it
//! (bar: < 100 ms), and whether an operation still works.
//!
//! `cargo run --release --example attacks`
//!
//! Prints one line per attack. The pass/fail tests of the same attacks are in
//! `tests/limits_*.rs`; this example measures.

#[path = "support/http.rs"]
#[allow(dead_code)]
mod http;

use clustersim::host::{Running, ServeArgs};
use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

fn serve(flags: &[&str]) -> Running {
    let mut all = vec!["--listen", "127.0.0.1:0"];
    all.extend_from_slice(flags);
    Running::start(ServeArgs::from_flags(all).expect("flags")).expect("serve")
}

/// One request on a fresh connection: (status, body).
fn call(addr: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut c = http::connect(addr).expect("connect");
    http::request(&mut c, method, path, body).unwrap_or((0, String::new()))
}

/// The slowest of `n` fresh-connection `GET /api/v1/cluster`, 20 ms apart.
fn probe(addr: SocketAddr, n: usize) -> Duration {
    (0..n)
        .map(|_| {
            let t = Instant::now();
            let (status, _) = call(addr, "GET", "/api/v1/cluster", "");
            let took = t.elapsed();
            assert_eq!(status, 200, "GET /api/v1/cluster");
            std::thread::sleep(Duration::from_millis(20));
            took
        })
        .max()
        .unwrap_or_default()
}

/// An operation answered 200 with `result.code` 0.
fn operation_works(addr: SocketAddr) -> bool {
    let ok = |path: &str| {
        let (status, body) = call(addr, "POST", path, "");
        status == 200 && body.contains("\"code\":0")
    };
    ok("/api/v1/monitors/fipw2/suspend") && ok("/api/v1/monitors/fipw2/resume")
}

fn report(attack: &str, outcome: &str, during: Duration, addr: SocketAddr) {
    let after = probe(addr, 5);
    let op = operation_works(addr);
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{attack:<58} {outcome:<34} during {:>6.1} ms  after {:>6.1} ms  operation {}",
        ms(during),
        ms(after),
        if op { "ok" } else { "FAILED" }
    );
}

const ERROR: &str = r#"{"kind": "monitor-result", "monitor": "fipw1", "result": "error"}"#;

fn control_inputs() {
    let s = serve(&["--clock", "manual"]);
    let a = s.addr();
    call(a, "POST", "/sim/v1/faults", ERROR);
    let (st, _) = call(
        a,
        "POST",
        "/sim/v1/clock/advance",
        r#"{"ms":18446744073709551615}"#,
    );
    report(
        "advance u64::MAX with a persistent monitor error",
        &format!("{st}"),
        probe(a, 3),
        a,
    );
    // The longest accepted advance, probed while it runs.
    let adv = std::thread::spawn(move || {
        let t = Instant::now();
        let st = call(a, "POST", "/sim/v1/clock/advance", r#"{"ms":31622400000}"#).0;
        (st, t.elapsed())
    });
    let during = probe(a, 10);
    let (st, took) = adv.join().unwrap();
    report(
        "advance 366 days (the maximum), probed while it runs",
        &format!("{st} after {:.2} s", took.as_secs_f64()),
        during,
        a,
    );
    let body = r#"{"kind":"server-crash","server":"server1","duration_ms":18446744073709551610}"#;
    let (st, _) = call(a, "POST", "/sim/v1/faults", body);
    report(
        "fault duration_ms near u64::MAX",
        &format!("{st}"),
        probe(a, 3),
        a,
    );
    let t = Instant::now();
    let (st, _) = call(a, "GET", "/sim/v1/events?limit=100000000", "");
    let refused_in = t.elapsed();
    report(
        "GET /sim/v1/events?limit=100000000",
        &format!("{st} in {refused_in:?}"),
        probe(a, 3),
        a,
    );

    let rt = serve(&["--speed", "1"]);
    let a = rt.addr();
    call(a, "POST", "/sim/v1/faults", ERROR);
    for speed in ["1e9", "1e300"] {
        let (st, _) = call(
            a,
            "POST",
            "/sim/v1/clock/speed",
            &format!("{{\"speed\":{speed}}}"),
        );
        report(
            &format!("realtime speed {speed}"),
            &format!("{st}"),
            probe(a, 3),
            a,
        );
    }
    let (st, _) = call(a, "POST", "/sim/v1/clock/speed", r#"{"speed":1000000}"#);
    std::thread::sleep(Duration::from_millis(300));
    let during = probe(a, 10);
    report(
        "realtime speed 1,000,000 (the maximum), monitor error",
        &format!("{st}, runs"),
        during,
        a,
    );
}

/// Opens `n` sockets that each send part of a request, `partial`, and stop.
fn hold(addr: SocketAddr, n: usize, partial: &str) -> Vec<TcpStream> {
    (0..n)
        .map(|_| {
            let mut s = TcpStream::connect(addr).expect("connect");
            s.write_all(partial.as_bytes()).unwrap();
            s
        })
        .collect()
}

fn connections() {
    let s = serve(&["--clock", "manual"]);
    let a = s.addr();
    let auth = format!("Authorization: {}\r\n", http::AUTH);
    let slow_body = format!("POST /api/v1/groups/failover1/start HTTP/1.1\r\nHost: x\r\n{auth}Content-Length: 100\r\n\r\n{{");
    let stream = format!("GET /sim/v1/events/stream HTTP/1.1\r\nHost: x\r\n{auth}\r\n");
    let mut held = hold(a, 64, &slow_body);
    held.extend(hold(a, 64, &stream));
    let idle: Vec<_> = (0..200)
        .map(|_| {
            let mut c = http::connect(a).unwrap();
            http::request(&mut c, "GET", "/api/v1/cluster", "").unwrap();
            c
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    report(
        "64 slow bodies + 64 event streams + 200 idle keep-alive",
        "held open",
        probe(a, 10),
        a,
    );
    drop((held, idle));
    // Slowloris: 150 connections sending a header a byte at a time.
    let mut slow = hold(a, 150, "GET /api/v1/cluster HTTP/1.1\r\n");
    let t = Instant::now();
    let mut worst = Duration::ZERO;
    while t.elapsed() < Duration::from_secs(3) {
        for s in &mut slow {
            let _ = s.write_all(b"X");
        }
        worst = worst.max(probe(a, 1));
    }
    report(
        "slowloris: 150 connections, one header byte per ~20 ms",
        "3 s of trickling",
        worst,
        a,
    );
    drop(slow);
    // A burst of 300 clients at once: a SYN retry would cost ~1 s.
    let t = Instant::now();
    let clients: Vec<_> = (0..300)
        .map(|_| {
            std::thread::spawn(move || {
                let t = Instant::now();
                let st = call(a, "GET", "/api/v1/cluster", "").0;
                (st, t.elapsed())
            })
        })
        .collect();
    let results: Vec<(u16, Duration)> = clients.into_iter().map(|c| c.join().unwrap()).collect();
    let slow_n = results
        .iter()
        .filter(|(_, d)| *d > Duration::from_millis(900))
        .count();
    let ok = results.iter().filter(|(st, _)| *st == 200).count();
    let worst = results.iter().map(|r| r.1).max().unwrap_or_default();
    report(
        "burst of 300 clients",
        &format!("{ok} ok, {slow_n} > 0.9 s, {:?} all", t.elapsed()),
        worst,
        a,
    );
}

fn main() {
    control_inputs();
    connections();
}
