//! The exact requests of commctl's commands (projectatomic/commctl 0.0.6,
//! `src/commctl/cli.py`), replayed against the Commissaire face in the order a user
//! runs them, each checked against what Commissaire (commissaire-http with
//! commissaire-service) answers. commctl sends `Content-Type: application/json`, basic
//! auth, a JSON body on PUT (`_put`, cli.py:245-257) and `{}` on DELETE (`_delete`,
//! cli.py:259-271); it reads 2xx as success, 403 and 404 as their messages, anything
//! else as an error (`_handle_status`, cli.py:199-231). The real commctl, run against
//! the face, answers 58 of its 59 commands as Commissaire would (docs/faces/commissaire.md).

mod rest_support;

use rest_support::{basic, manual, send, Server};
use serde_json::{json, Value};

const LAB: &str = "scenarios/clusters/four-node-four-groups.yaml";

struct Face {
    s: Server,
    base: String,
}

fn face() -> Face {
    let s = manual(&[LAB, "--face", "commissaire=127.0.0.1:0"]);
    let addr = s.run.fleet.face_listeners.read().unwrap()[0].1;
    s.settle();
    Face {
        s,
        base: format!("http://{addr}"),
    }
}

impl Face {
    /// One commctl request: (status, body as JSON, or the text as a JSON string).
    fn commctl(&self, method: &str, path: &str, data: Option<Value>) -> (u16, Value) {
        let auth = basic("user", "password");
        let headers = [
            ("Authorization", auth.as_str()),
            ("Content-Type", "application/json"),
        ];
        let body = match (method, data) {
            ("PUT", d) => Some(d.unwrap_or(json!({})).to_string()),
            ("DELETE", _) => Some("{}".to_string()),
            (_, _) => None,
        };
        let url = format!("{}/api/v0{path}", self.base);
        let r = send(method, &url, body.as_deref(), &headers);
        let st = r.status();
        let text = r.into_string().unwrap();
        (
            st,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// Advances lab's clock and, once it exists, lab2's (each has its own).
    fn advance(&self, ms: u64) {
        self.s.advance(ms);
        let path = "/sim/v1/clusters/lab2/clock/advance";
        let _ = self.s.post(path, Some(&format!("{{\"ms\": {ms}}}")));
    }
}

fn addresses(v: &Value) -> Vec<&str> {
    let list = v.as_array().unwrap();
    list.iter()
        .map(|h| h["address"].as_str().unwrap())
        .collect()
}

#[test]
fn cluster_network_and_container_manager_commands() {
    let f = face();
    let ips = json!(["127.0.0.11", "127.0.0.12", "127.0.0.13", "127.0.0.14"]);
    // `cluster list`: cluster_list, cli.py:572-580.
    assert_eq!(f.commctl("GET", "/clusters", None), (200, json!(["lab"])));
    // `cluster get lab`: cluster_get, cli.py:273-283.
    let (st, c) = f.commctl("GET", "/cluster/lab", None);
    assert_eq!((st, &c["status"], &c["hostset"]), (200, &json!("ok"), &ips));
    // `host list` / `host list lab`: host_list, cli.py:582-601.
    let (_, all) = f.commctl("GET", "/hosts", None);
    assert_eq!(addresses(&all).len(), 4);
    assert_eq!(f.commctl("GET", "/cluster/lab/hosts", None), (200, ips));
    // `host get` / `host status`: host_get, cli.py:374-384; host_status, cli.py:431-441.
    let (_, h) = f.commctl("GET", "/host/127.0.0.12", None);
    assert_eq!(h["status"], "active");
    let (_, st) = f.commctl("GET", "/host/127.0.0.12/status", None);
    assert_eq!(
        (&st["type"], &st["host"]["status"]),
        (&json!("host_only"), &json!("active"))
    );
    assert_eq!(f.commctl("GET", "/host/10.9.9.9", None).0, 404);
    // `network list|get|create|delete`: cli.py:603-611, 529-539, 541-555, 557-569.
    assert_eq!(
        f.commctl("GET", "/networks", None),
        (200, json!(["default"]))
    );
    assert_eq!(
        f.commctl("GET", "/network/default", None).1["type"],
        "flannel_etcd"
    );
    let net = json!({"type": "flannel_server", "options": {"address": "10.0.0.1:8080"}});
    let (st, n) = f.commctl("PUT", "/network/net2", Some(net));
    assert_eq!((st, &n["name"]), (201, &json!("net2")));
    assert_eq!(
        f.commctl("GET", "/networks", None).1,
        json!(["default", "net2"])
    );
    assert_eq!(f.commctl("DELETE", "/network/net2", None), (200, json!([])));
    assert_eq!(f.commctl("GET", "/network/net2", None).0, 404);
    // `container_manager list|get|create|delete`: cli.py:319-371.
    assert_eq!(
        f.commctl("GET", "/containermanagers", None),
        (200, json!(["ecx"]))
    );
    let cm = json!({"type": "openshift", "options": {"server_url": "https://10.0.0.2:8443"}});
    assert_eq!(f.commctl("PUT", "/containermanager/cm2", Some(cm)).0, 201);
    let (_, got) = f.commctl("GET", "/containermanager/cm2", None);
    assert_eq!(got["options"]["server_url"], "https://10.0.0.2:8443");
    assert_eq!(
        f.commctl("DELETE", "/containermanager/cm2", None),
        (200, json!([]))
    );
    assert_eq!(f.commctl("GET", "/containermanager/cm2", None).0, 404);
}

/// `lab2` created empty, then hosts 127.0.0.21 (created, then joined) and 127.0.0.22
/// (created with `-c lab2`) in it.
fn lab2_with_two_hosts() -> Face {
    let f = face();
    // `cluster create lab2`: cluster_create, cli.py:285-302 (type, network, and the
    // `-c` default container_manager "").
    let data = json!({"type": "kubernetes", "network": "default", "container_manager": ""});
    let (st, c) = f.commctl("PUT", "/cluster/lab2", Some(data));
    assert_eq!(
        (st, &c["name"], &c["status"]),
        (201, &json!("lab2"), &json!(""))
    );
    let (_, c) = f.commctl("GET", "/cluster/lab2", None);
    assert_eq!(c["hostset"], json!([]));
    assert_eq!(
        c["hosts"],
        json!({"total": 0, "available": 0, "unavailable": 0})
    );
    assert_eq!(
        f.commctl("GET", "/cluster/lab2/hosts", None),
        (200, json!([]))
    );
    // `host create 127.0.0.21 KEYFILE`: host_create, cli.py:386-402 (the key base64).
    let key = json!({"ssh_priv_key": "LS0tLS1CRUdJTiBLRVktLS0tLQo="});
    assert_eq!(
        f.commctl("PUT", "/host/127.0.0.21", Some(key.clone())).0,
        201
    );
    let (st, s) = f.commctl("GET", "/host/127.0.0.21/status", None);
    assert_eq!((st, &s["container_manager"]), (200, &json!({})));
    // `host ssh`: host_ssh, cli.py:613-629 reads the creds.
    let (st, creds) = f.commctl("GET", "/host/127.0.0.21/creds", None);
    assert_eq!((st, &creds["remote_user"]), (200, &json!("root")));
    // `host join 127.0.0.21 lab2`: host_join, cli.py:419-429 (PUT, no data: `{}`).
    assert_eq!(
        f.commctl("PUT", "/cluster/lab2/hosts/127.0.0.21", None),
        (200, json!(["127.0.0.21"]))
    );
    // `host create -c lab2 127.0.0.22 KEYFILE`.
    let mut with = key.clone();
    with["cluster"] = json!("lab2");
    assert_eq!(f.commctl("PUT", "/host/127.0.0.22", Some(with)).0, 201);
    f.advance(60_000);
    let (_, c) = f.commctl("GET", "/cluster/lab2", None);
    assert_eq!(
        c["hosts"],
        json!({"total": 2, "available": 2, "unavailable": 0})
    );
    assert_eq!(addresses(&f.commctl("GET", "/hosts", None).1).len(), 6);
    f
}

#[test]
fn a_new_cluster_grows_with_created_and_joined_hosts() {
    lab2_with_two_hosts();
}

#[test]
fn unjoined_and_deleted_hosts_leave_and_the_cluster_goes() {
    let f = lab2_with_two_hosts();
    // `host unjoin 127.0.0.22 lab2`: host_unjoin, cli.py:443-453; the host stays.
    assert_eq!(
        f.commctl("DELETE", "/cluster/lab2/hosts/127.0.0.22", None),
        (200, json!([]))
    );
    f.advance(60_000);
    assert_eq!(
        f.commctl("GET", "/cluster/lab2/hosts", None).1,
        json!(["127.0.0.21"])
    );
    assert_eq!(f.commctl("GET", "/host/127.0.0.22", None).0, 200);
    // `host delete`: host_delete, cli.py:404-416.
    assert_eq!(
        f.commctl("DELETE", "/host/127.0.0.22", None),
        (200, json!([]))
    );
    assert_eq!(f.commctl("GET", "/host/127.0.0.22", None).0, 404);
    // `cluster restart start|status lab2` on the joined host.
    assert_eq!(f.commctl("PUT", "/cluster/lab2/restart", None).0, 201);
    f.advance(300_000);
    let (_, r) = f.commctl("GET", "/cluster/lab2/restart", None);
    assert_eq!(
        (&r["status"], &r["restarted"]),
        (&json!("finished"), &json!(["127.0.0.21"]))
    );
    // Its last host leaves; `cluster delete lab2`: cluster_delete, cli.py:304-316.
    assert_eq!(
        f.commctl("DELETE", "/host/127.0.0.21", None),
        (200, json!([]))
    );
    f.advance(60_000);
    assert_eq!(
        f.commctl("GET", "/cluster/lab2", None).1["hostset"],
        json!([])
    );
    assert_eq!(f.commctl("DELETE", "/cluster/lab2", None), (200, json!([])));
    assert_eq!(f.commctl("GET", "/clusters", None).1, json!(["lab"]));
}

#[test]
fn rolling_commands_answer_the_initial_record_and_a_second_start_is_created() {
    let f = face();
    // `cluster restart start lab`: cluster_restart_start, cli.py:493-503.
    let (st, r) = f.commctl("PUT", "/cluster/lab/restart", None);
    assert_eq!(st, 201);
    assert_eq!(
        (&r["in_process"], &r["restarted"]),
        (&json!([]), &json!([]))
    );
    // `cluster restart status lab`: cluster_restart_status, cli.py:481-491.
    let (_, r) = f.commctl("GET", "/cluster/lab/restart", None);
    assert_eq!(r["in_process"], json!(["127.0.0.11"]));
    // A second start while it runs, and an upgrade (cli.py:517-527): 201, as
    // commissaire-http, whose clusterexec answers every PUT with a new record.
    let (st, r) = f.commctl("PUT", "/cluster/lab/restart", None);
    assert_eq!((st, &r["in_process"]), (201, &json!([])));
    let (st, r) = f.commctl("PUT", "/cluster/lab/upgrade", None);
    assert_eq!((st, &r["upgraded"]), (201, &json!([])));
    f.advance(900_000);
    let (_, r) = f.commctl("GET", "/cluster/lab/restart", None);
    assert_eq!(
        (&r["status"], r["restarted"].as_array().unwrap().len()),
        (&json!("finished"), 4)
    );
    // `cluster upgrade start|status lab`: cli.py:517-527, 505-515.
    assert_eq!(f.commctl("PUT", "/cluster/lab/upgrade", None).0, 201);
    f.advance(900_000);
    let (_, r) = f.commctl("GET", "/cluster/lab/upgrade", None);
    assert_eq!(
        (&r["status"], r["upgraded"].as_array().unwrap().len()),
        (&json!("finished"), 4)
    );
    // `cluster deploy start lab 7.2.6` / `status`: cli.py:467-479, 455-465.
    let (st, r) = f.commctl(
        "PUT",
        "/cluster/lab/deploy",
        Some(json!({"version": "7.2.6"})),
    );
    assert_eq!(
        (st, &r["version"], &r["deployed"]),
        (201, &json!("7.2.6"), &json!([]))
    );
    f.advance(900_000);
    let (_, r) = f.commctl("GET", "/cluster/lab/deploy", None);
    assert_eq!(
        (&r["status"], r["deployed"].as_array().unwrap().len()),
        (&json!("finished"), 4)
    );
}

#[test]
fn wrong_credentials_are_403_which_commctl_reports() {
    let f = face();
    // _handle_status, cli.py:225-226: 403 is "The provided credentials were incorrect."
    let auth = basic("user", "nope");
    let r = send(
        "GET",
        &format!("{}/api/v0/clusters", f.base),
        None,
        &[("Authorization", &auth)],
    );
    assert_eq!(r.status(), 403);
}
