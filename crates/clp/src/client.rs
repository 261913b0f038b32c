//! The commands' only way to the cluster: a blocking HTTP client of a running
//! `clustersim serve` (`/api/v1` for operations, `/sim/v1/view` for what one server's
//! cluster daemon knows, `/sim/v1/config` for the configuration views). Where it
//! connects and as whom comes from options, then environment variables, then the
//! defaults of `serve`.

use super::msg;
use serde::Deserialize;
use serde_json::Value;
use std::time::Duration;

pub const DEFAULT_URL: &str = "http://127.0.0.1:29009";

/// Connection settings, after options and environment are applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub url: String,
    pub user: String,
    pub password: String,
    /// The simulated server the command runs on; the cluster's first server when `None`.
    pub local: Option<String>,
}

impl Target {
    /// Takes `--url U`, `--user U`, `--password P`, `--server S` (anywhere in `args`) out
    /// of the arguments; what is not given comes from `CLP_URL`, `CLP_USER`,
    /// `CLP_PASSWORD`, `CLP_SERVER` via `env`, then the defaults.
    pub fn take_from(
        args: &mut Vec<String>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Target, String> {
        let mut take = |flag: &str| -> Result<Option<String>, String> {
            let Some(i) = args.iter().position(|a| a == flag) else {
                return Ok(None);
            };
            if i + 1 >= args.len() {
                return Err(msg::INVALID_OPTION.to_string());
            }
            let v = args.remove(i + 1);
            args.remove(i);
            Ok(Some(v))
        };
        let url = take("--url")?;
        let user = take("--user")?;
        let password = take("--password")?;
        let local = take("--server")?;
        Ok(Target {
            url: url
                .or_else(|| env("CLP_URL"))
                .unwrap_or_else(|| DEFAULT_URL.to_string())
                .trim_end_matches('/')
                .to_string(),
            user: user
                .or_else(|| env("CLP_USER"))
                .unwrap_or_else(|| "user".into()),
            password: password
                .or_else(|| env("CLP_PASSWORD"))
                .unwrap_or_else(|| "password".into()),
            local: local
                .or_else(|| env("CLP_SERVER"))
                .filter(|s| !s.is_empty()),
        })
    }
}

/// The product's `result` of an operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpResult {
    pub code: i64,
    pub message: String,
}

pub struct Client {
    agent: ureq::Agent,
    target: Target,
    auth: String,
}

/// A failure to talk to the server at all; printed as the product's connection message.
#[derive(Debug)]
pub struct Unreachable(pub String);

impl Client {
    pub fn new(target: Target) -> Client {
        use base64::Engine as _;
        let token = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", target.user, target.password));
        Client {
            agent: ureq::AgentBuilder::new()
                .timeout(Duration::from_secs(30))
                .build(),
            target,
            auth: format!("Basic {token}"),
        }
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    fn send(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, Unreachable> {
        let req = self
            .agent
            .request(method, &format!("{}{path}", self.target.url))
            .set("Authorization", &self.auth);
        let result = match body {
            Some(b) => req.send_json(b.clone()),
            None if method == "POST" => req.send_string(""),
            None => req.call(),
        };
        let resp = match result {
            Ok(r) => r,
            Err(ureq::Error::Status(401, _)) | Err(ureq::Error::Status(403, _)) => {
                return Err(Unreachable(format!(
                    "{}: authentication failed (user {:?}; set CLP_USER / CLP_PASSWORD)",
                    self.target.url, self.target.user
                )))
            }
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => return Err(Unreachable(format!("{}: {e}", self.target.url))),
        };
        let text = resp
            .into_string()
            .map_err(|e| Unreachable(format!("{}: {e}", self.target.url)))?;
        serde_json::from_str(&text).map_err(|e| {
            Unreachable(format!(
                "{}{path}: the answer is not JSON ({e})",
                self.target.url
            ))
        })
    }

    pub fn get(&self, path: &str) -> Result<Value, Unreachable> {
        self.send("GET", path, None)
    }

    /// POSTs an operation and returns its `result`.
    pub fn post(&self, path: &str, body: Option<Value>) -> Result<OpResult, Unreachable> {
        let v = self.send("POST", path, body.as_ref())?;
        Ok(OpResult {
            code: v["result"]["code"].as_i64().unwrap_or(-1),
            message: v["result"]["message"].as_str().unwrap_or("").to_string(),
        })
    }

    /// What `server`'s cluster daemon knows (`None`: the first running server's view).
    pub fn view(&self, server: Option<&str>) -> Result<View, Unreachable> {
        let path = match server {
            Some(s) => format!("/sim/v1/view?server={}", encode(s)),
            None => "/sim/v1/view".to_string(),
        };
        let v = self.get(&path)?;
        if let Some(m) = v["result"]["message"].as_str() {
            return Err(Unreachable(format!("{}{path}: {m}", self.target.url)));
        }
        serde_json::from_value(v).map_err(|e| {
            Unreachable(format!(
                "{}{path}: unexpected answer ({e})",
                self.target.url
            ))
        })
    }

    /// The loaded configuration, with every default applied.
    pub fn config(&self) -> Result<crate::model::Model, Unreachable> {
        let v = self.get("/sim/v1/config")?;
        let file: crate::model::ClusterFile = serde_json::from_value(v).map_err(|e| {
            Unreachable(format!(
                "{}/sim/v1/config: unexpected answer ({e})",
                self.target.url
            ))
        })?;
        crate::model::Model::from_file(file, "/sim/v1/config").map_err(|errs| {
            Unreachable(format!(
                "/sim/v1/config: {}",
                errs.first().map(|e| e.to_string()).unwrap_or_default()
            ))
        })
    }

    /// The server the command runs on: the option or variable, else the first server.
    pub fn local_server(&self, view: &View) -> Result<String, String> {
        match &self.target.local {
            Some(s) if view.servers.iter().any(|x| &x.name == s) => Ok(s.clone()),
            Some(_) => Err(msg::INVALID_SERVER.to_string()),
            None => view
                .servers
                .first()
                .map(|s| s.name.clone())
                .ok_or_else(|| msg::INVALID_SERVER.to_string()),
        }
    }
}

/// Percent-encodes a path segment or query value.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `GET /sim/v1/view`: the fields the commands read.
#[derive(Clone, Debug, Deserialize)]
pub struct View {
    pub name: String,
    pub status: String,
    pub observer: Option<String>,
    pub toratio: u32,
    pub suspended: bool,
    pub servers: Vec<ServerV>,
    pub heartbeats: Vec<PathV>,
    pub resolvers: Vec<PathV>,
    pub groups: Vec<GroupV>,
    pub resources: Vec<ResourceV>,
    pub monitors: Vec<MonitorV>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct ServerV {
    pub name: String,
    pub status: String,
    pub reachable: bool,
    pub paths: Vec<PathV>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct PathV {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub status: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct GroupV {
    pub name: String,
    pub status: String,
    pub current: String,
    pub resources: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct ResourceV {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub status: String,
    pub current: String,
    pub group: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct MonitorV {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub status: String,
    pub servers: Vec<MonitorServerV>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct MonitorServerV {
    pub name: String,
    pub status: String,
}

impl View {
    pub fn server(&self, name: &str) -> Option<&ServerV> {
        self.servers.iter().find(|s| s.name == name)
    }
    pub fn group(&self, name: &str) -> Option<&GroupV> {
        self.groups.iter().find(|g| g.name == name)
    }
    pub fn resource(&self, name: &str) -> Option<&ResourceV> {
        self.resources.iter().find(|r| r.name == name)
    }
    pub fn monitor(&self, name: &str) -> Option<&MonitorV> {
        self.monitors.iter().find(|m| m.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| owned.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }

    #[test]
    fn options_beat_variables_beat_defaults() {
        let mut args: Vec<String> = ["-s", "--url", "http://h:1/", "failover1"]
            .map(String::from)
            .to_vec();
        let t = Target::take_from(
            &mut args,
            env_of(&[
                ("CLP_URL", "http://x"),
                ("CLP_USER", "u"),
                ("CLP_SERVER", "server2"),
            ]),
        )
        .unwrap();
        assert_eq!(args, ["-s", "failover1"]);
        assert_eq!(t.url, "http://h:1");
        assert_eq!(t.user, "u");
        assert_eq!(t.password, "password");
        assert_eq!(t.local.as_deref(), Some("server2"));
        let t = Target::take_from(&mut Vec::new(), env_of(&[])).unwrap();
        assert_eq!(t.url, DEFAULT_URL);
        assert_eq!(t.local, None);
    }

    #[test]
    fn a_connection_option_without_value_is_an_invalid_option() {
        let mut args = vec!["--url".to_string()];
        assert_eq!(
            Target::take_from(&mut args, env_of(&[])).unwrap_err(),
            msg::INVALID_OPTION
        );
    }

    #[test]
    fn encoding_keeps_names_and_escapes_the_rest() {
        assert_eq!(encode("server-1_a.b"), "server-1_a.b");
        assert_eq!(encode("a b&c"), "a%20b%26c");
    }
}
