//! Load check for `clustersim serve` (the REST bars): starts the release binary in
//! realtime mode, measures how long after the process starts the first request is
//! answered, then drives `GET /api/v1/groups` over N keep-alive connections for a few
//! seconds and prints requests per second and latency percentiles as one JSON line.
//!
//! ```text
//! cargo build --release
//! cargo run --release --example rest_load -- [--bin target/release/clustersim]
//!     [--connections 64] [--seconds 10] [--path /api/v1/groups]
//! ```
//! (`wrk -t2 -c64 -d10s --latency -H 'Authorization: Basic dXNlcjpwYXNzd29yZA==' URL`
//! against a running `clustersim serve` gives the same figures from an independent
//! client.)

#[path = "support/http.rs"]
mod http;

use std::time::{Duration, Instant};

struct Opts {
    bin: String,
    connections: usize,
    seconds: u64,
    path: String,
}

fn opts() -> Result<Opts, String> {
    let mut o = Opts {
        bin: "target/release/clustersim".into(),
        connections: 64,
        seconds: 10,
        path: "/api/v1/groups".into(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--bin" => o.bin = val()?,
            "--connections" => o.connections = val()?.parse().map_err(|e| format!("{e}"))?,
            "--seconds" => o.seconds = val()?.parse().map_err(|e| format!("{e}"))?,
            "--path" => o.path = val()?,
            _ => return Err(format!("unknown option {a}")),
        }
    }
    Ok(o)
}

fn main() {
    let o = match opts() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("rest_load: {e}");
            std::process::exit(2);
        }
    };
    let (mut child, addr, first) = match http::start_serve(&o.bin, &o.path) {
        Ok(started) => started,
        Err(e) => {
            eprintln!("rest_load: {e}");
            std::process::exit(1);
        }
    };

    let deadline = Instant::now() + Duration::from_secs(o.seconds);
    let workers: Vec<_> = (0..o.connections)
        .map(|_| {
            let path = o.path.clone();
            std::thread::spawn(move || {
                let mut lat = Vec::with_capacity(200_000);
                let mut errors = 0u64;
                let mut conn = http::connect(addr);
                while Instant::now() < deadline {
                    let Ok(r) = conn.as_mut() else {
                        errors += 1;
                        break;
                    };
                    let t = Instant::now();
                    match http::request(r, "GET", &path, "") {
                        Ok((200, _)) => lat.push(t.elapsed()),
                        _ => errors += 1,
                    }
                }
                (lat, errors)
            })
        })
        .collect();
    let started = Instant::now();
    let mut all = Vec::new();
    let mut errors = 0;
    for w in workers {
        let (lat, e) = w.join().expect("worker");
        all.extend(lat);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let _ = child.kill();
    let _ = child.wait();
    all.sort_unstable();
    let pct = |p: f64| -> f64 {
        if all.is_empty() {
            return 0.0;
        }
        let i = ((all.len() as f64 * p).ceil() as usize).clamp(1, all.len()) - 1;
        all[i].as_secs_f64() * 1000.0
    };
    println!(
        "{{\"path\":\"{}\",\"connections\":{},\"seconds\":{:.1},\"requests\":{},\"errors\":{},\"rps\":{:.0},\"p50_ms\":{:.3},\"p99_ms\":{:.3},\"max_ms\":{:.3},\"first_response_ms\":{:.1}}}",
        o.path,
        o.connections,
        elapsed,
        all.len(),
        errors,
        all.len() as f64 / elapsed,
        pct(0.50),
        pct(0.99),
        pct(1.0),
        first.as_secs_f64() * 1000.0
    );
}
