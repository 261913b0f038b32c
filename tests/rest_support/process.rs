//! `clustersim serve` as a child process of the test (kill -9, signals, exit codes):
//! started on an ephemeral loopback port, its base URL read from the "serving" line,
//! its stderr kept. Killed when dropped.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

pub struct Proc {
    pub child: Child,
    /// `http://127.0.0.1:PORT`, without `/api/v1`.
    pub base: String,
    /// Everything the process wrote to stderr so far.
    pub stderr: Arc<Mutex<String>>,
}

/// `clustersim serve ARGS --listen 127.0.0.1:0`; returns once it has announced its
/// address.
pub fn spawn_serve<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Proc {
    let mut child = Command::new(env!("CARGO_BIN_EXE_clustersim"))
        .arg("serve")
        .args(args)
        .args(["--listen", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("clustersim starts");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = String::new();
    let base = loop {
        let line = lines.next().expect("serve prints its address").unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if let Some(i) = line.find("serving http://") {
            let url = &line[i + "serving ".len()..];
            break url.split_whitespace().next().unwrap().to_string();
        }
    };
    let stderr = Arc::new(Mutex::new(seen));
    let sink = stderr.clone();
    // Keep reading, so the child never blocks on a full pipe.
    std::thread::spawn(move || {
        for l in lines.map_while(Result::ok) {
            sink.lock().unwrap().push_str(&(l + "\n"));
        }
    });
    let base = base
        .trim_end_matches('/')
        .trim_end_matches("/api/v1")
        .to_string();
    Proc {
        child,
        base,
        stderr,
    }
}

impl Proc {
    /// `host:port` of the listener.
    pub fn addr(&self) -> String {
        self.base.trim_start_matches("http://").to_string()
    }

    /// Sends `signal` (`TERM`, `INT`, ...) with kill(1).
    pub fn signal(&self, signal: &str) {
        let sent = Command::new("kill")
            .args([format!("-{signal}"), self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "kill -{signal}");
    }

    /// SIGKILL, and waits for the process.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
