//! Soak (issue #12): a persistent monitor error on a realtime cluster at speed
//! 100,000, RSS sampled over time. The event log is trimmed to its retention, so RSS
//! must level off; the bar is under 10 % growth after the first minute of 10.
//!
//! `cargo run --release --example soak -- [SECONDS] [SPEED] [load|reads]` (defaults
//! 600, 100000). With `load`, two clients keep `/api/v1` busy meanwhile (status GETs, a
//! group move every 100 ms each) and a fault with a duration is injected every 3 s;
//! `reads` is the same without the moves.
//! Prints one line per 10 s: wall s, virtual days, RSS MiB, events dropped so far,
//! journal entries, and the latency of `GET /api/v1/cluster`.

use clustersim::host::{Running, ServeArgs};
use std::time::{Duration, Instant};

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let secs: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(600);
    let speed = args.next().unwrap_or_else(|| "100000".into());
    let mode = args.next().unwrap_or_default();
    let (load, moves) = (mode == "load" || mode == "reads", mode == "load");
    let flags = ["--listen", "127.0.0.1:0", "--speed", &speed];
    let run = Running::start(ServeArgs::from_flags(flags).expect("flags")).expect("serve");
    let base = format!("http://{}", run.addr());
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(10))
        .build();
    let auth = "Basic dXNlcjpwYXNzd29yZA==";
    agent
        .post(&format!("{base}/sim/v1/faults"))
        .set("Authorization", auth)
        .send_string(r#"{"kind": "monitor-result", "monitor": "fipw1", "result": "error"}"#)
        .expect("fault injected");
    if load {
        for client in 0..2 {
            let (agent, base) = (agent.clone(), base.clone());
            std::thread::spawn(move || rest_load(&agent, &base, client, moves));
        }
    }
    let start = Instant::now();
    let mut first_minute = None;
    println!("wall_s  virtual_days  rss_mib  events_dropped  journal  cluster_get_ms");
    while start.elapsed() < Duration::from_secs(secs) {
        std::thread::sleep(Duration::from_secs(10));
        let t = Instant::now();
        let ok = agent
            .get(&format!("{base}/api/v1/cluster"))
            .set("Authorization", auth)
            .call()
            .is_ok();
        let get_ms = t.elapsed().as_secs_f64() * 1000.0;
        let clock: serde_json::Value = agent
            .get(&format!("{base}/sim/v1/clock"))
            .set("Authorization", auth)
            .call()
            .ok()
            .and_then(|r| r.into_json().ok())
            .unwrap_or_default();
        let dropped = agent
            .get(&format!("{base}/sim/v1/events?limit=1"))
            .set("Authorization", auth)
            .call()
            .ok()
            .and_then(|r| r.header("x-events-dropped").map(str::to_string))
            .unwrap_or_default();
        let journal = agent
            .get(&format!("{base}/sim/v1/journal"))
            .set("Authorization", auth)
            .call()
            .ok()
            .and_then(|r| r.into_json::<serde_json::Value>().ok())
            .and_then(|j| j["entries"].as_array().map(Vec::len))
            .unwrap_or(0);
        let days = clock["now_ms"].as_u64().unwrap_or(0) as f64 / 86_400_000.0;
        let rss = rss_kib();
        let wall = start.elapsed().as_secs();
        if wall >= 60 && first_minute.is_none() {
            first_minute = Some(rss);
        }
        println!(
            "{wall:>6}  {days:>12.1}  {:>7.1}  {dropped:>14}  {journal:>7}  {get_ms:>8.2}{}",
            rss as f64 / 1024.0,
            if ok { "" } else { "  (GET failed)" }
        );
    }
    if let Some(base_rss) = first_minute {
        let growth = (rss_kib() as f64 / base_rss as f64 - 1.0) * 100.0;
        println!("RSS growth after the first minute: {growth:.1} %");
    }
}

/// Steady `/api/v1` traffic: status GETs, a group move every 100 ms, and (client 0) a
/// fault with a duration every 3 s, alternating kinds.
fn rest_load(agent: &ureq::Agent, base: &str, client: usize, moves: bool) {
    let auth = "Basic dXNlcjpwYXNzd29yZA==";
    let faults = [
        r#"{"kind": "server-crash", "server": "server2", "duration_ms": 600000}"#,
        r#"{"kind": "monitor-result", "monitor": "fipw1", "server": "server1", "result": "caution", "duration_ms": 60000}"#,
        r#"{"kind": "heartbeat-path-down", "server": "server1", "path": "lankhb1", "duration_ms": 120000}"#,
    ];
    let mut last_fault = Instant::now();
    for i in 0u64.. {
        for path in ["/api/v1/cluster", "/api/v1/groups", "/api/v1/servers"] {
            let _ = agent
                .get(&format!("{base}{path}"))
                .set("Authorization", auth)
                .call();
        }
        let target = if i % 2 == 0 { "server2" } else { "server1" };
        if moves {
            let _ = agent
                .post(&format!("{base}/api/v1/groups/failover1/move"))
                .set("Authorization", auth)
                .send_string(&format!(r#"{{"target": "{target}"}}"#));
        }
        if client == 0 && last_fault.elapsed() >= Duration::from_secs(3) {
            last_fault = Instant::now();
            let _ = agent
                .post(&format!("{base}/sim/v1/faults"))
                .set("Authorization", auth)
                .send_string(faults[(i % 3) as usize]);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
