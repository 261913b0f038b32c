//! The benchmark examples' HTTP/1.1 client: one request at a time on a keep-alive
//! connection, so a measurement counts the server's work and not a client library's
//! pooling. Included by `rest_load` and `fleet_bench` with `#[path]`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `user:password`, the embedded default cluster's credentials.
pub const AUTH: &str = "Basic dXNlcjpwYXNzd29yZA==";

/// A keep-alive connection with Nagle off.
pub fn connect(addr: SocketAddr) -> std::io::Result<BufReader<TcpStream>> {
    let s = TcpStream::connect(addr)?;
    s.set_nodelay(true)?;
    Ok(BufReader::new(s))
}

/// One request on a keep-alive connection: (status, body).
pub fn request(
    r: &mut BufReader<TcpStream>,
    method: &str,
    path: &str,
    body: &str,
) -> std::io::Result<(u16, String)> {
    write!(
        r.get_mut(),
        "{method} {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: {AUTH}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut line = String::new();
    r.read_line(&mut line)?;
    let status = line.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    let mut len = 0usize;
    loop {
        line.clear();
        if r.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut buf = vec![0u8; len];
    r.read_exact(&mut buf)?;
    Ok((status, String::from_utf8_lossy(&buf).into_owned()))
}

/// A port the OS just handed out (and took back), for a child `serve` to bind.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(29009)
}

/// Starts `BIN serve --listen ADDR --clock realtime` on a free port and waits (polling
/// every 0.5 ms, at most 10 s) until `GET path` answers 200. Returns the child, its
/// address and the time from spawn to that first answer.
pub fn start_serve(bin: &str, path: &str) -> Result<(Child, SocketAddr, Duration), String> {
    let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let t0 = Instant::now();
    let mut child = Command::new(bin)
        .args([
            "serve",
            "--listen",
            &addr.to_string(),
            "--clock",
            "realtime",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {bin}: {e} (cargo build --release first)"))?;
    while t0.elapsed() < Duration::from_secs(10) {
        if let Ok(mut c) = connect(addr) {
            if let Ok((200, _)) = request(&mut c, "GET", path, "") {
                return Ok((child, addr, t0.elapsed()));
            }
        }
        std::thread::sleep(Duration::from_micros(500));
    }
    let _ = child.kill();
    let _ = child.wait();
    Err("serve did not answer within 10 s".into())
}
