//! Shared by the integration tests of `serve`: a real `clustersim serve` on an
//! ephemeral loopback port (in process, [`start`]; or as a child process,
//! [`process::spawn_serve`]), a small HTTP client over `ureq`, and raw sockets ([`raw`]).
#![allow(dead_code)]

pub mod process;
pub mod raw;
pub mod tls;

use clustersim::host::{Running, ServeArgs};
use serde_json::Value;
use std::time::Duration;

pub struct Server {
    pub run: Running,
    pub base: String,
    agent: ureq::Agent,
}

/// A response: status, and the body as JSON (`Value::Null` if it is not JSON).
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub body: Value,
    pub text: String,
    pub content_type: String,
    pub www_authenticate: Option<String>,
}

impl Resp {
    pub fn code(&self) -> i64 {
        self.body["result"]["code"].as_i64().expect("result.code")
    }
    pub fn message(&self) -> &str {
        self.body["result"]["message"]
            .as_str()
            .expect("result.message")
    }
}

/// Starts a server with `flags` (plus `--listen 127.0.0.1:0` unless given).
pub fn start(flags: &[&str]) -> Server {
    let mut all: Vec<&str> = flags.to_vec();
    if !flags.contains(&"--listen") {
        all.extend(["--listen", "127.0.0.1:0"]);
    }
    let args = ServeArgs::from_flags(all).expect("valid flags");
    let run = Running::start(args).expect("server starts");
    let base = format!("http://{}", run.addr());
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(20))
        .build();
    Server { run, base, agent }
}

/// A manual-clock server (deterministic) with the default cluster.
pub fn manual(extra: &[&str]) -> Server {
    let mut flags = vec!["--clock", "manual"];
    flags.extend_from_slice(extra);
    start(&flags)
}

impl Server {
    pub fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        auth: Option<(&str, &str)>,
    ) -> Resp {
        request_to(&self.agent, &self.base, method, path, body, auth)
    }
    pub fn get(&self, path: &str) -> Resp {
        self.request("GET", path, None, Some(("user", "password")))
    }
    pub fn post(&self, path: &str, body: Option<&str>) -> Resp {
        self.request("POST", path, body, Some(("user", "password")))
    }
    pub fn delete(&self, path: &str) -> Resp {
        self.request("DELETE", path, None, Some(("user", "password")))
    }
    /// POST of an operation that must be accepted.
    pub fn op_ok(&self, path: &str, body: Option<&str>) {
        let r = self.post(path, body);
        assert_eq!(
            (r.status, r.code(), r.message()),
            (200, 0, ""),
            "{path}: {r:?}"
        );
    }
    pub fn advance(&self, ms: u64) -> Value {
        let r = self.post("/sim/v1/clock/advance", Some(&format!("{{\"ms\": {ms}}}")));
        assert_eq!(r.status, 200, "{r:?}");
        r.body
    }
    pub fn group(&self, name: &str) -> (String, String) {
        let r = self.get(&format!("/api/v1/groups/{name}"));
        assert_eq!(r.status, 200, "{r:?}");
        let g = &r.body["groups"][0];
        (
            g["status"].as_str().unwrap().to_string(),
            g["current"].as_str().unwrap().to_string(),
        )
    }
    /// Advances the manual clock until no operation is in progress (bounded).
    pub fn settle(&self) {
        for _ in 0..100 {
            self.advance(5_000);
            let g = self.get("/api/v1/groups");
            let pending = g.body["groups"]
                .as_array()
                .unwrap()
                .iter()
                .any(|g| g["status"].as_str().unwrap().ends_with("Pending"));
            if !pending {
                return;
            }
        }
        panic!("the cluster did not settle");
    }
}

/// `Basic ...` for `user:password`.
pub fn basic(user: &str, password: &str) -> String {
    use base64::Engine as _;
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    format!("Basic {token}")
}

/// One request to a full URL with extra headers (`https://` as `curl -k`: [`tls`]). An
/// HTTP error status is an answer like any other: the faces' tests read its code,
/// headers and body.
pub fn send(
    method: &str,
    url: &str,
    body: Option<&str>,
    headers: &[(&str, &str)],
) -> ureq::Response {
    let mut req = tls::agent().request(method, url);
    for (name, value) in headers {
        req = req.set(name, value);
    }
    let result = match body {
        Some(b) => req.send_string(b),
        None => req.call(),
    };
    match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{method} {url}: {e}"),
    }
}

pub fn request_to(
    agent: &ureq::Agent,
    base: &str,
    method: &str,
    path: &str,
    body: Option<&str>,
    auth: Option<(&str, &str)>,
) -> Resp {
    let mut req = agent.request(method, &format!("{base}{path}"));
    if let Some((u, p)) = auth {
        req = req.set("Authorization", &basic(u, p));
    }
    let result = match body {
        Some(b) => req.send_string(b),
        None => req.call(),
    };
    let resp = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{method} {path}: {e}"),
    };
    let status = resp.status();
    let content_type = resp.header("content-type").unwrap_or("").to_string();
    let www_authenticate = resp.header("www-authenticate").map(str::to_string);
    let text = resp.into_string().expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Resp {
        status,
        body,
        text,
        content_type,
        www_authenticate,
    }
}
