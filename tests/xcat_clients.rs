//! xCAT's own REST clients against the xCAT face, replayed request by request over
//! HTTPS as they send them (CI cannot fetch them): `xcatws-test.sh` and
//! `xcatws-test.py` from `xCAT-server/xCAT-wsapi/` of xcat2/xcat-core. Each request
//! cites the script's line; each answer is checked against what xcatws.cgi over a real
//! xcatd answers (status, and the exact text where the script prints it). The shell
//! script stops at the first answer containing `errorcode` (its line 99), so every
//! answer here must be free of it, as it is from a real management node.

mod rest_support;

use rest_support::{manual, send, Server};
use serde_json::{json, Value};

const USER: &str = "wsuser";
const PW: &str = "cluster_rest";

fn start() -> (Server, String) {
    let s = manual(&[
        "--user",
        USER,
        "--password",
        PW,
        "--face",
        "xcat=127.0.0.1:0",
    ]);
    let addr = s.run.fleet.first().unwrap().face_listeners[0].1;
    (s, format!("https://{addr}/xcatws"))
}

/// The script's `REST` function (xcatws-test.sh:70-105): `curl -X M -k [-H
/// Content-Type:application/json -d DATA] URL?pretty=1&userName=U&userPW=P` (line 87),
/// or with `-t` the token header instead of the credentials (line 85). `datamsg` is
/// never cleared (line 74-76), so a request without data resends the last data.
struct ShellScript {
    base: String,
    datamsg: Option<String>,
    token: Option<String>,
}

impl ShellScript {
    fn rest(&mut self, method: &str, src: &str, data: Option<&str>) -> (u16, String) {
        if let Some(d) = data {
            self.datamsg = Some(d.to_string());
        }
        let mut headers = vec![("Content-Type", "application/json")];
        let url = match &self.token {
            Some(t) => {
                headers.push(("X-Auth-Token", t));
                format!("{}{src}?pretty=1", self.base)
            }
            None => format!("{}{src}?pretty=1&userName={USER}&userPW={PW}", self.base),
        };
        if self.datamsg.is_none() {
            headers.clear();
            if let Some(t) = &self.token {
                headers.push(("X-Auth-Token", t));
            }
        }
        let r = send(method, &url, self.datamsg.as_deref(), &headers);
        let status = r.status();
        let text = r.into_string().unwrap();
        assert!(!text.contains("errorcode"), "{method} {src}: {text}");
        (status, text)
    }
}

fn pretty(v: Value) -> String {
    // Perl's JSON with indent(1), as xcatws.cgi prints with pretty=1 (see perl_json.rs);
    // written out here by hand for the few answers whose text is checked whole.
    let text = serde_json::to_string_pretty(&v).unwrap();
    let text = text.replace("\": ", "\":");
    let indented: Vec<String> = text
        .lines()
        .map(|l| {
            let spaces = l.len() - l.trim_start().len();
            format!("{}{}", " ".repeat(spaces / 2 * 3), l.trim_start())
        })
        .collect();
    format!("{}\n\n", indented.join("\n"))
}

/// xcatws-test.sh lines 139-196, with `-t` (token, line 128) or without.
fn shell_script(base: &str, token: Option<String>) {
    let mut sh = ShellScript {
        base: base.to_string(),
        datamsg: None,
        token,
    };
    // line 141: all resources.
    let (st, text) = sh.rest("GET", "/", None);
    assert_eq!(st, 200);
    let list: Vec<String> = serde_json::from_str(&text).unwrap();
    assert!(list.contains(&"globalconf".to_string()) && list.contains(&"nodes".to_string()));
    // line 145: the site table as clustersite.
    let (st, text) = sh.rest("GET", "/globalconf", None);
    let site: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        (st, &site["clustersite"]["xcatdport"]),
        (200, &json!("3001"))
    );
    // line 148, 151: domain set, then read back.
    assert_eq!(
        sh.rest(
            "PUT",
            "/globalconf/attrs/domain",
            Some(r#"{"domain":"cluster.com"}"#)
        ),
        (200, String::new())
    );
    assert_eq!(
        sh.rest("GET", "/globalconf/attrs/domain", None),
        (
            200,
            pretty(json!({"clustersite": {"domain": "cluster.com"}}))
        )
    );
    let create = r#"{"groups":"restapi","arch":"x86_64","mgt":"ipmi","netboot":"xnba"}"#;
    nodes_part(&mut sh, create);
    two_nodes_part(&mut sh, create);
    groups_part(&mut sh);
}

/// xcatws-test.sh lines 153-167: node create, show, change, show, delete.
fn nodes_part(sh: &mut ShellScript, create: &str) {
    // line 155, 158: a node created with its attributes, then shown with them.
    assert_eq!(
        sh.rest("POST", "/nodes/restapinode1", Some(create)),
        (201, String::new())
    );
    let (st, text) = sh.rest("GET", "/nodes/restapinode1", None);
    let node: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(st, 200);
    for (k, v) in [
        ("groups", "restapi"),
        ("arch", "x86_64"),
        ("mgt", "ipmi"),
        ("netboot", "xnba"),
        ("postscripts", "syslog,remoteshell,syncfiles"),
    ] {
        assert_eq!(node["restapinode1"][k], v, "{k}: {text}");
    }
    // line 161, 164: chdef, then the changed attributes.
    assert_eq!(
        sh.rest(
            "PUT",
            "/nodes/restapinode1",
            Some(r#"{"mgt":"fsp","netboot":"yaboot"}"#)
        ),
        (200, String::new())
    );
    let (_, text) = sh.rest("GET", "/nodes/restapinode1", None);
    let node: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        (
            &node["restapinode1"]["mgt"],
            &node["restapinode1"]["netboot"]
        ),
        (&json!("fsp"), &json!("yaboot"))
    );
    // line 167: rmdef.
    assert_eq!(
        sh.rest("DELETE", "/nodes/restapinode1", None),
        (200, String::new())
    );
}

/// xcatws-test.sh lines 169-183: two nodes at once.
fn two_nodes_part(sh: &mut ShellScript, create: &str) {
    // line 171, 174: two nodes at once.
    assert_eq!(
        sh.rest("POST", "/nodes/restapinode1,restapinode2", Some(create)),
        (201, String::new())
    );
    let (_, text) = sh.rest("GET", "/nodes/restapinode1,restapinode2", None);
    let nodes: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(nodes.as_object().unwrap().len(), 2, "{text}");
    // line 177, 180: chdef of both.
    assert_eq!(
        sh.rest(
            "PUT",
            "/nodes/restapinode1,restapinode2",
            Some(r#"{"mgt":"hmc","netboot":"grub2"}"#)
        ),
        (200, String::new())
    );
    let (_, text) = sh.rest("GET", "/nodes/restapinode1,restapinode2", None);
    let nodes: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        (
            &nodes["restapinode1"]["mgt"],
            &nodes["restapinode2"]["netboot"]
        ),
        (&json!("hmc"), &json!("grub2"))
    );
    // line 183: every node.
    let (_, text) = sh.rest("GET", "/nodes", None);
    let all: Vec<String> = serde_json::from_str(&text).unwrap();
    assert!(
        all.ends_with(&["restapinode1".to_string(), "restapinode2".to_string()]),
        "{text}"
    );
}

/// xcatws-test.sh lines 185-196: the group, its attributes, the group as a noderange.
fn groups_part(sh: &mut ShellScript) {
    // line 187: the group the nodes named.
    assert_eq!(
        sh.rest("GET", "/groups/restapi", None),
        (
            200,
            pretty(
                json!({"restapi": {"grouptype": "static", "members": "restapinode1,restapinode2"}})
            )
        )
    );
    // line 190, 193: a group attribute, kept on the group.
    assert_eq!(
        sh.rest("PUT", "/groups/restapi", Some(r#"{"os":"rh7"}"#)),
        (200, String::new())
    );
    let (_, text) = sh.rest("GET", "/groups/restapi", None);
    let group: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(group["restapi"]["os"], "rh7");
    // line 196: the group as a noderange; its members inherit os.
    let (st, text) = sh.rest("GET", "/nodes/restapi", None);
    let nodes: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        (st, &nodes["restapinode2"]["os"]),
        (200, &json!("rh7")),
        "{text}"
    );
}

#[test]
fn xcatws_test_sh_with_credentials_runs_to_its_end() {
    let (_s, base) = start();
    shell_script(&base, None);
}

#[test]
fn xcatws_test_sh_with_a_token_runs_to_its_end() {
    let (_s, base) = start();
    // line 128: the token, from the pretty answer's "id" line.
    let r = send(
        "POST",
        &format!("{base}/tokens?pretty=1"),
        Some(&format!(r#"{{"userName":"{USER}","userPW":"{PW}"}}"#)),
        &[("Content-Type", "application/json")],
    );
    assert_eq!(r.status(), 201);
    let text = r.into_string().unwrap();
    let line = text.lines().find(|l| l.contains("\"id\"")).unwrap();
    let id = line
        .split(':')
        .nth(1)
        .unwrap()
        .split('"')
        .nth(1)
        .unwrap()
        .to_string();
    assert_eq!(id.len(), 36, "{text}");
    shell_script(&base, Some(id));
}

/// xcatws-test.py lines 39-94.
#[test]
fn xcatws_test_py_creates_its_node_and_lists_it_both_ways() {
    let (_s, base) = start();
    let cred = format!("userName={USER}&userPW={PW}");
    let json_header = [("Content-Type", "application/json")];
    // line 44: POST of {'groups': 'all', 'mgt': 'ipmi'}; line 46: any content is a failure.
    let r = send(
        "POST",
        &format!("{base}/nodes/rest_api_node?{cred}"),
        Some(r#"{"groups": "all", "mgt": "ipmi"}"#),
        &json_header,
    );
    assert_eq!((r.status(), r.into_string().unwrap()), (201, String::new()));
    // line 80: GET of /nodes/ (trailing slash) with the credentials.
    let r = send("GET", &format!("{base}/nodes/?{cred}"), None, &[]);
    let listed: Vec<String> = serde_json::from_str(&r.into_string().unwrap()).unwrap();
    assert_eq!(listed, ["server1", "server2", "rest_api_node"]);
    // line 89-90: a token from the JSON body, then the same list with X-Auth-Token.
    let r = send(
        "POST",
        &format!("{base}/tokens"),
        Some(&format!(r#"{{"userName": "{USER}", "userPW": "{PW}"}}"#)),
        &json_header,
    );
    let token: Value = serde_json::from_str(&r.into_string().unwrap()).unwrap();
    let id = token["token"]["id"].as_str().unwrap();
    let r = send(
        "GET",
        &format!("{base}/nodes/"),
        None,
        &[("X-Auth-Token", id)],
    );
    let again: Vec<String> = serde_json::from_str(&r.into_string().unwrap()).unwrap();
    assert_eq!(again, listed);
}
