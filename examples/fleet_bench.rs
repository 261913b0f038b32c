//! Fleet bars of `clustersim serve` (the host layer), against the release binary:
//!
//! 1. `GET /api/v1/groups` req/s of a single-cluster `serve` at N keep-alive
//!    connections, then of one cluster of a 100-cluster fleet in the same process,
//!    then single again after deleting the 99 (the better single figure counts).
//! 2. A fresh `serve` (realtime, speed 1): 1,000 default clusters created through
//!    `POST /sim/v1/clusters` (beside the one `serve` starts with), each on its own port; creation time, every cluster
//!    answering `GET /api/v1/cluster` correctly, RSS, and idle CPU over a window.
//!
//! Prints one JSON line.
//!
//! ```text
//! cargo build --release
//! cargo run --release --example fleet_bench -- [--bin target/release/clustersim]
//!     [--clusters 1000] [--connections 64] [--seconds 5] [--idle-seconds 10]
//! ```

#[path = "support/http.rs"]
mod http;

use http::{connect, request};
use std::net::SocketAddr;
use std::process::Child;
use std::time::{Duration, Instant};

struct Opts {
    bin: String,
    clusters: usize,
    connections: usize,
    seconds: u64,
    idle_seconds: u64,
}

fn opts() -> Result<Opts, String> {
    let mut o = Opts {
        bin: "target/release/clustersim".into(),
        clusters: 1000,
        connections: 64,
        seconds: 5,
        idle_seconds: 10,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or(format!("{a} needs a value"));
        let num = |v: String| v.parse::<u64>().map_err(|e| format!("{a}: {e}"));
        match a.as_str() {
            "--bin" => o.bin = val()?,
            "--clusters" => o.clusters = num(val()?)? as usize,
            "--connections" => o.connections = num(val()?)? as usize,
            "--seconds" => o.seconds = num(val()?)?,
            "--idle-seconds" => o.idle_seconds = num(val()?)?,
            _ => return Err(format!("unknown option {a}")),
        }
    }
    Ok(o)
}

/// Starts `serve` in realtime mode at speed 1 and waits for its first answer.
fn start(bin: &str) -> (Child, SocketAddr) {
    match http::start_serve(bin, "/api/v1/cluster") {
        Ok((child, addr, _)) => (child, addr),
        Err(e) => fail(&e),
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("fleet_bench: {msg}");
    std::process::exit(1)
}

/// Requests per second of `GET /api/v1/groups` at `addr` over `n` connections.
fn load(addr: SocketAddr, n: usize, seconds: u64) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let workers: Vec<_> = (0..n)
        .map(|_| {
            std::thread::spawn(move || {
                let mut ok = 0u64;
                let Ok(mut c) = connect(addr) else { return 0 };
                while Instant::now() < deadline {
                    match request(&mut c, "GET", "/api/v1/groups", "") {
                        Ok((200, _)) => ok += 1,
                        _ => break,
                    }
                }
                ok
            })
        })
        .collect();
    let t = Instant::now();
    let total: u64 = workers.into_iter().map(|w| w.join().unwrap_or(0)).sum();
    total as f64 / t.elapsed().as_secs_f64()
}

/// Creates clusters `from..to` (named `c<i>`) over `threads` connections; returns
/// their `api_url` addresses in order.
fn create(main: SocketAddr, from: usize, to: usize, threads: usize) -> Vec<SocketAddr> {
    let chunks: Vec<Vec<usize>> = (0..threads)
        .map(|t| (from..to).filter(|i| i % threads == t).collect())
        .collect();
    let workers: Vec<_> = chunks
        .into_iter()
        .map(|ids| {
            std::thread::spawn(move || {
                let mut c = connect(main).unwrap_or_else(|e| fail(&format!("connect: {e}")));
                ids.into_iter()
                    .map(|i| {
                        let body = format!("{{\"name\": \"c{i}\"}}");
                        match request(&mut c, "POST", "/sim/v1/clusters", &body) {
                            Ok((201, text)) => (i, api_addr(&text)),
                            other => fail(&format!("create c{i}: {other:?}")),
                        }
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut all: Vec<(usize, SocketAddr)> = workers
        .into_iter()
        .flat_map(|w| w.join().unwrap_or_default())
        .collect();
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, a)| a).collect()
}

fn api_addr(text: &str) -> SocketAddr {
    let v: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
    v["api_url"]
        .as_str()
        .and_then(|u| u.strip_prefix("http://"))
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| fail(&format!("no api_url in {text}")))
}

/// (resident KiB, CPU ticks user+system) of a process, from /proc.
fn proc_stats(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<u64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    // Fields 14 and 15 (utime, stime) are the 12th and 13th after the `)`.
    let ticks = f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0);
    (rss, ticks)
}

fn main() {
    let o = opts().unwrap_or_else(|e| fail(&e));

    // 1. Single cluster vs one cluster of a 100-cluster fleet, same process.
    // Single, fleet, single again (the 99 deleted): the better single figure counts,
    // so machine noise cannot flatter the ratio.
    let (mut child, main) = start(&o.bin);
    let single_before = load(main, o.connections, o.seconds);
    let fleet = create(main, 1, 100, 4); // + the first: 100
    let one = fleet[fleet.len() / 2];
    let in_fleet = load(one, o.connections, o.seconds);
    let mut c = connect(main).unwrap_or_else(|e| fail(&format!("connect: {e}")));
    for i in 1..100 {
        let path = format!("/sim/v1/clusters/c{i}");
        if !matches!(request(&mut c, "DELETE", &path, ""), Ok((200, _))) {
            fail(&format!("DELETE {path} failed"));
        }
    }
    let single_after = load(main, o.connections, o.seconds);
    let single = single_before.max(single_after);
    let _ = child.kill();
    let _ = child.wait();

    // 2. A fresh process with 1,000 clusters.
    let (mut child, main) = start(&o.bin);
    let t = Instant::now();
    let addrs = create(main, 0, o.clusters, 4);
    let creation_s = t.elapsed().as_secs_f64();
    let mut answered = 0;
    for a in &addrs {
        let mut c = connect(*a).unwrap_or_else(|e| fail(&format!("{a}: {e}")));
        match request(&mut c, "GET", "/api/v1/cluster", "") {
            Ok((200, body)) if body.contains("\"name\":\"cluster\"") => answered += 1,
            other => fail(&format!("{a}: GET /api/v1/cluster: {other:?}")),
        }
    }
    std::thread::sleep(Duration::from_secs(1));
    let (_, ticks0) = proc_stats(child.id());
    let t = Instant::now();
    std::thread::sleep(Duration::from_secs(o.idle_seconds));
    let (rss_kib, ticks1) = proc_stats(child.id());
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    let idle_cpu_pct = (ticks1 - ticks0) as f64 / hz / t.elapsed().as_secs_f64() * 100.0;
    let _ = child.kill();
    let _ = child.wait();

    println!(
        "{{\"clusters\":{},\"answered\":{answered},\"creation_s\":{creation_s:.2},\"rss_mib\":{:.0},\"idle_cpu_pct_of_core\":{idle_cpu_pct:.2},\"connections\":{},\"single_rps\":{single:.0},\"single_rps_before_after\":[{single_before:.0},{single_after:.0}],\"fleet100_one_cluster_rps\":{in_fleet:.0},\"fleet_vs_single\":{:.2}}}",
        o.clusters,
        rss_kib as f64 / 1024.0,
        o.connections,
        in_fleet / single
    );
}
