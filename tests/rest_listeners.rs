//! Listeners: idle sockets and a burst against the 64 request slots, per-server
//! listeners that go silent (neither accept nor refuse) while their server is down or
//! hung, and HTTPS.

mod rest_support;

use rest_support::raw::AUTH;
use rest_support::{manual, request_to};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One `GET /api/v1/groups` on a fresh connection; the status code and body.
fn raw_get(addr: SocketAddr) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        s,
        "GET /api/v1/groups HTTP/1.1\r\nHost: x\r\n{AUTH}Connection: close\r\n\r\n"
    )?;
    let mut text = String::new();
    s.read_to_string(&mut text)?;
    let status = text.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

/// The 64 of the reference count requests being answered (issue #12): 64 idle
/// sockets no longer shut a 65th client out, and a burst of 300 clients (past the
/// 64 slots, within the listen backlog) is served without a failure.
#[test]
fn idle_sockets_do_not_hold_the_64_slots_and_a_burst_of_300_is_served() {
    let s = manual(&[]);
    let addr = s.run.addr();
    let idle: Vec<TcpStream> = (0..64).map(|_| TcpStream::connect(addr).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(200));
    let t = Instant::now();
    let (status, _) = raw_get(addr).expect("the 65th client is answered");
    assert_eq!(status, 200);
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
    let burst: Vec<_> = (0..300)
        .map(|_| std::thread::spawn(move || raw_get(addr)))
        .collect();
    let mut ok = 0;
    for t in burst {
        let (status, body) = t.join().unwrap().expect("no admitted request fails");
        assert_eq!(status, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).expect("JSON body");
        assert_eq!(v["groups"].as_array().map(Vec::len), Some(2));
        ok += 1;
    }
    assert_eq!(ok, 300);
    drop(idle);
    // Still healthy.
    assert_eq!(s.get("/api/v1/cluster").status, 200);
}

/// A dead host's address: the connection is not refused, but a request gets no answer
/// within a second (the client's own timeout runs out, as `curl --max-time` would).
fn silent(addr: SocketAddr) -> bool {
    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_millis(300)) else {
        return false; // refused: not what a powered-off host does
    };
    s.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
    let _ = write!(
        s,
        "GET /api/v1/cluster HTTP/1.1\r\nHost: x\r\n{AUTH}Connection: close\r\n\r\n"
    );
    let mut buf = [0u8; 16];
    matches!(s.read(&mut buf), Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut))
}

/// A powered-off host's address: the connect neither completes nor is refused; the
/// client's own connect timeout runs out.
fn connect_times_out(addr: SocketAddr) -> bool {
    matches!(
        TcpStream::connect_timeout(&addr, Duration::from_millis(300)),
        Err(e) if e.kind() == std::io::ErrorKind::TimedOut
    )
}

/// The address answers a request.
fn answers(addr: SocketAddr) -> bool {
    raw_get(addr).is_ok_and(|(status, _)| status == 200)
}

fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(5) {
        if cond() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("timed out waiting until {what}");
}

#[test]
fn per_server_listeners_follow_their_server() {
    let s = manual(&["--per-server-listeners"]);
    let per: Vec<SocketAddr> = s.run.bound.per_server.iter().map(|(_, a)| *a).collect();
    assert_eq!(per.len(), 2);
    assert_eq!(per[0].ip().to_string(), "127.0.0.11");
    assert_eq!(per[1].ip().to_string(), "127.0.0.12");
    assert!(per.iter().all(|a| a.port() == s.run.addr().port()));
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(5))
        .build();
    let get = |addr: SocketAddr, path: &str| {
        request_to(
            &agent,
            &format!("http://{addr}"),
            "GET",
            path,
            None,
            Some(("user", "password")),
        )
    };
    for a in &per {
        let r = get(*a, "/api/v1/cluster");
        assert_eq!(
            (r.status, r.body["cluster"]["name"].as_str()),
            (200, Some("cluster"))
        );
    }
    // Crash server2: its address answers no SYN (a connect times out, not refused),
    // server1's still answers.
    let r = s.post(
        "/sim/v1/faults",
        Some(r#"{"kind": "server-crash", "server": "server2"}"#),
    );
    let crash = r.body["id"].as_u64().unwrap();
    wait_until("server2's address times out at connect", || {
        connect_times_out(per[1])
    });
    assert_eq!(get(per[0], "/api/v1/servers").status, 200);
    // Before the heartbeat timeout server1 still believes server2 is up; after it, not.
    assert_eq!(
        get(per[0], "/api/v1/servers/server2").body["servers"][0]["status"],
        "Online"
    );
    s.advance(120_000);
    assert_eq!(
        get(per[0], "/api/v1/servers/server2").body["servers"][0]["status"],
        "Offline"
    );
    // Heal: powered on again, the listener is back.
    s.delete(&format!("/sim/v1/faults/{crash}"));
    s.advance(120_000);
    wait_until("server2's address answers again", || answers(per[1]));
    assert_eq!(get(per[1], "/api/v1/cluster").status, 200);
    // A hung server stops answering too, and open connections are dropped.
    let mut open = TcpStream::connect(per[0]).unwrap();
    let hang = s
        .post(
            "/sim/v1/faults",
            Some(r#"{"kind": "server-hang", "server": "server1"}"#),
        )
        .body["id"]
        .as_u64()
        .unwrap();
    wait_until("server1's address is silent", || silent(per[0]));
    open.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let _ = write!(
        open,
        "GET /api/v1/cluster HTTP/1.1\r\nHost: x\r\n{AUTH}\r\n"
    );
    let mut buf = [0u8; 64];
    let got = open.read(&mut buf);
    assert!(
        matches!(&got, Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut)),
        "a hung server's open connection answered or closed: {got:?}"
    );
    s.delete(&format!("/sim/v1/faults/{hang}"));
    wait_until("server1's address answers again", || answers(per[0]));
    // The request held on the open connection is answered now that server1 is back.
    open.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let n = open.read(&mut buf).unwrap();
    assert!(
        buf[..n].starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&buf[..n])
    );
    // The main listener never went away.
    assert_eq!(s.get("/api/v1/cluster").status, 200);
}

#[test]
fn https_with_a_given_certificate() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
    let cert = format!("{dir}/tls-cert.pem");
    let key = format!("{dir}/tls-key.pem");
    let s = manual(&["--tls-cert", &cert, "--tls-key", &key]);
    let mut roots = rustls::RootCertStore::empty();
    let pem = std::fs::read(&cert).unwrap();
    for c in rustls_pemfile::certs(&mut pem.as_slice()) {
        roots.add(c.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let tcp = TcpStream::connect(s.run.addr()).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    write!(
        tls,
        "GET /api/v1/cluster HTTP/1.1\r\nHost: localhost\r\n{AUTH}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    let _ = tls.read_to_string(&mut text);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(
        text.contains(r#""cluster":{"name":"cluster","status":"Normal"}"#),
        "{text}"
    );
    // Plain HTTP on the TLS port gets no HTTP answer.
    let plain = raw_get(s.run.addr());
    assert!(!matches!(plain, Ok((200, _))), "{plain:?}");
}

#[test]
fn bad_tls_files_do_not_start() {
    let args = clustersim::host::ServeArgs::from_flags([
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        "/nonexistent.pem",
        "--tls-key",
        "/nonexistent.key",
    ])
    .unwrap();
    let err = clustersim::host::Running::start(args)
        .err()
        .expect("refused");
    assert!(format!("{err:#}").contains("/nonexistent.pem"), "{err:#}");
    assert!(
        clustersim::host::ServeArgs::from_flags(["--tls-cert", "a.pem"]).is_err(),
        "--tls-key is required with --tls-cert"
    );
}

/// `--dead-address`: `timeout` (the default, above), `refuse` (a connect is refused at
/// once) and `hang` (the connect completes, the request waits unanswered). A hung
/// server's address accepts whatever the setting says.
#[test]
fn dead_address_settings_refuse_or_hang_instead() {
    for (setting, crashed) in [("refuse", "refused"), ("hang", "silent")] {
        let s = manual(&["--per-server-listeners", "--dead-address", setting]);
        let per: Vec<SocketAddr> = s.run.bound.per_server.iter().map(|(_, a)| *a).collect();
        s.post(
            "/sim/v1/faults",
            Some(r#"{"kind": "server-crash", "server": "server2"}"#),
        );
        wait_until(
            &format!("{setting}: server2's address is {crashed}"),
            || match crashed {
                "refused" => matches!(
                    TcpStream::connect_timeout(&per[1], Duration::from_millis(300)),
                    Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused
                ),
                _ => silent(per[1]),
            },
        );
        s.post(
            "/sim/v1/faults",
            Some(r#"{"kind": "server-hang", "server": "server1"}"#),
        );
        wait_until(
            &format!("{setting}: hung server1 accepts, never answers"),
            || silent(per[0]),
        );
    }
}

/// A real client with a connect timeout, asking the servers' addresses in turn as
/// NEC's clpsrvlist does (EXPRESSCLUSTER/clpsrvlist, `src/clpsrvlist.go` lines 34-93:
/// each server's `GET /api/v1/servers`, on error `continue` to the next): with server1
/// powered off, its connect times out and server2 answers, well within the time.
#[test]
fn a_client_with_a_connect_timeout_moves_on_to_the_next_server() {
    let s = manual(&["--per-server-listeners"]);
    let per: Vec<SocketAddr> = s.run.bound.per_server.iter().map(|(_, a)| *a).collect();
    s.post(
        "/sim/v1/faults",
        Some(r#"{"kind": "server-crash", "server": "server1"}"#),
    );
    wait_until("server1's address times out at connect", || {
        connect_times_out(per[0])
    });
    let agent = ureq::AgentBuilder::new()
        .timeout_connect(Duration::from_secs(1))
        .timeout(Duration::from_secs(5))
        .build();
    let t0 = Instant::now();
    let mut answered_by = None;
    let mut errors = Vec::new();
    for addr in &per {
        let url = format!("http://{addr}/api/v1/servers");
        match agent
            .get(&url)
            .set("Authorization", &rest_support::basic("user", "password"))
            .call()
        {
            Ok(r) => {
                answered_by = Some(*addr);
                let body: serde_json::Value = r.into_json().unwrap();
                assert_eq!(body["servers"][0]["status"], "Online", "{body}");
                break;
            }
            Err(e) => errors.push(e.to_string()),
        }
    }
    let took = t0.elapsed();
    assert_eq!(answered_by, Some(per[1]), "{errors:?}");
    assert!(
        errors.len() == 1 && errors[0].to_lowercase().contains("timed out"),
        "server1's connect must time out, not be refused: {errors:?}"
    );
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(4),
        "{took:?}"
    );
}
