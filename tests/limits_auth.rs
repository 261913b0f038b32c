//! Issue #12, the eviction attack on the lockout over real sockets: guesses at `user`
//! interleaved with failures for junk users (from the same source, and from 10,000
//! other loopback sources that fill the failure table) get no more than
//! `--auth-max-failures` guesses evaluated per lockout window.

mod rest_support;

use rest_support::{basic, manual, Server};
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The status of one `GET /api/v1/cluster` as `user:password`, from `source`.
async fn status_from(
    addr: std::net::SocketAddr,
    source: std::net::IpAddr,
    user: &str,
    pw: &str,
) -> u16 {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind((source, 0).into()).unwrap();
    let mut s = socket.connect(addr).await.unwrap();
    let req = format!(
        "GET /api/v1/cluster HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nConnection: close\r\n\r\n",
        basic(user, pw)
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut head = [0u8; 12];
    s.read_exact(&mut head).await.unwrap();
    std::str::from_utf8(&head[9..12]).unwrap().parse().unwrap()
}

/// A wrong guess at `user` from 127.0.0.1: true if it was evaluated (401), false if
/// the source and user are locked out (403).
fn guess(s: &Server, n: usize) -> bool {
    let r = s.request(
        "GET",
        "/api/v1/cluster",
        None,
        Some(("user", &format!("guess{n}"))),
    );
    assert!(matches!(r.status, 401 | 403), "{r:?}");
    r.status == 401
}

#[test]
fn junk_users_from_the_same_source_do_not_reset_the_count() {
    let s = manual(&["--auth-max-failures", "5", "--auth-lockout-secs", "30"]);
    let (mut evaluated, mut n) = (0, 0);
    for _round in 0..5 {
        for _ in 0..4 {
            evaluated += usize::from(guess(&s, n));
            n += 1;
        }
        for j in 0..300 {
            let r = s.request(
                "GET",
                "/api/v1/cluster",
                None,
                Some((&format!("junk{n}-{j}"), "x")),
            );
            assert!(matches!(r.status, 401 | 403), "{r:?}");
        }
    }
    assert!(
        evaluated <= 5,
        "{evaluated} guesses evaluated in one window"
    );
    // Locked means locked: the right password from that source is refused too.
    let r = s.request("GET", "/api/v1/cluster", None, Some(("user", "password")));
    assert_eq!(r.status, 403, "{r:?}");
}

#[test]
fn filling_the_failure_table_from_other_sources_does_not_reset_the_count() {
    let s = manual(&["--auth-max-failures", "5", "--auth-lockout-secs", "60"]);
    let addr = s.run.addr();
    let mut evaluated = (0..4).filter(|n| guess(&s, *n)).count();
    assert_eq!(evaluated, 4, "the first four guesses are evaluated");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let t = Instant::now();
    let sources = clustersim::host::limits::AUTH_MAX_SOURCES + 500;
    let refused = rt.block_on(async {
        let mut refused = 0;
        let ips: Vec<std::net::IpAddr> = (0..sources)
            .map(|i| std::net::Ipv4Addr::new(127, 1, (i / 250) as u8, (i % 250 + 1) as u8).into())
            .collect();
        for chunk in ips.chunks(64) {
            let answers = futures_util::future::join_all(
                chunk.iter().map(|ip| status_from(addr, *ip, "junk", "x")),
            )
            .await;
            refused += answers.iter().filter(|s| **s == 403).count();
        }
        refused
    });
    eprintln!(
        "{sources} junk sources in {:?}; {refused} refused (table full)",
        t.elapsed()
    );
    assert!(
        refused >= 500,
        "past a full table, new sources are refused: {refused}"
    );
    for n in 4..40 {
        evaluated += usize::from(guess(&s, n));
    }
    assert_eq!(
        evaluated, 5,
        "no more than --auth-max-failures guesses in the window"
    );
    // The victim's own correct login from another source still works.
    let ok = rt.block_on(status_from(
        addr,
        "127.0.0.9".parse().unwrap(),
        "user",
        "password",
    ));
    assert_eq!(ok, 200);
    assert_eq!(
        s.get("/api/v1/cluster").status,
        403,
        "127.0.0.1 stays locked"
    );
}
