//! The operating commands against a real `clustersim serve --clock manual`: each does
//! what the REST API would (checked through `/api/v1` afterwards) and exits 0; a
//! refusal exits non-zero with the product's message. The multi-call binary is run
//! under a command's own name through `clustersim clp install`.

mod rest_support;

use clustersim::clp::{msg, Out};
use rest_support::{manual, Server};
use std::process::Command;

fn clp(s: &Server, cmd: &str, args: &[&str]) -> Out {
    let base = s.base.clone();
    clustersim::clp::run(cmd, args.iter().map(|a| a.to_string()).collect(), |k| {
        (k == "CLP_URL").then(|| base.clone())
    })
}

fn ok(out: Out) {
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "Command succeeded.\n", ""),
        "{out:?}"
    );
}

fn refused(out: Out, message: &str) {
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    assert_eq!(out.stderr.lines().next(), Some(message), "{out:?}");
}

#[test]
fn clpgrp_move_to_server2_moves_the_group() {
    let s = manual(&[]);
    ok(clp(&s, "clpgrp", &["-m", "failover1", "-h", "server2"]));
    s.settle();
    assert_eq!(s.group("failover1"), ("Online".into(), "server2".into()));
    let n = clp(&s, "clpgrp", &["-n", "failover1"]);
    assert_eq!((n.code, n.stdout.as_str()), (0, "server2\n"));
    // Refusals, with the product's messages.
    refused(clp(&s, "clpgrp", &["-m", "nosuch"]), msg::INVALID_GROUP);
    refused(
        clp(&s, "clpgrp", &["-m", "failover1", "-h", "server9"]),
        msg::INVALID_SERVER,
    );
    refused(
        clp(&s, "clpgrp", &["-s", "failover1", "--server", "server2"]),
        msg::GROUP_STARTED_LOCAL,
    );
    refused(
        clp(&s, "clpgrp", &["-s", "failover1"]),
        msg::GROUP_STARTED_OTHER,
    );
    refused(clp(&s, "clpgrp", &["-x"]), msg::INVALID_OPTION);
    refused(clp(&s, "clpgrp", &["-m"]), msg::INVALID_OPTION);
}

#[test]
fn clpgrp_stop_and_start_and_a_busy_cluster() {
    let s = manual(&[]);
    ok(clp(&s, "clpgrp", &["-t", "failover2"]));
    // The stop is still running: the API refuses the next operation, and so does clpgrp.
    let busy = clp(&s, "clpgrp", &["-m", "failover1", "-h", "server2"]);
    assert_eq!(busy.code, 1, "{busy:?}");
    assert!(!busy.stderr.is_empty());
    s.settle();
    assert_eq!(s.group("failover2"), ("Offline".into(), "None".into()));
    refused(clp(&s, "clpgrp", &["-t", "failover2"]), msg::GROUP_STOPPED);
    refused(clp(&s, "clpgrp", &["-n", "failover2"]), msg::GROUP_STOPPED);
    ok(clp(&s, "clpgrp", &["-s", "failover2", "-h", "server1"]));
    s.settle();
    assert_eq!(s.group("failover2"), ("Online".into(), "server1".into()));
}

#[test]
fn clpmonctrl_suspends_and_resumes_one_monitor_on_one_server() {
    let s = manual(&[]);
    ok(clp(
        &s,
        "clpmonctrl",
        &["-s", "-m", "fipw1", "-h", "server1"],
    ));
    let m = s.get("/api/v1/monitors/fipw1");
    assert_eq!(
        m.body["monitors"][0]["servers"][0]["status"], "Suspend",
        "{m:?}"
    );
    assert_eq!(m.body["monitors"][0]["servers"][1]["status"], "Offline");
    ok(clp(
        &s,
        "clpmonctrl",
        &["-r", "-m", "fipw1", "-h", "server1"],
    ));
    let m = s.get("/api/v1/monitors/fipw1");
    assert_eq!(
        m.body["monitors"][0]["servers"][0]["status"], "Normal",
        "{m:?}"
    );
    refused(
        clp(&s, "clpmonctrl", &["-s", "-m", "nosuch"]),
        msg::MONITOR_NOT_REGISTERED,
    );
    refused(clp(&s, "clpmonctrl", &["-s", "-r"]), msg::INVALID_OPTION);
    // Without -m: every monitor on the server.
    ok(clp(&s, "clpmonctrl", &["-s", "-h", "server2"]));
    let all = s.get("/api/v1/monitors");
    for m in all.body["monitors"].as_array().unwrap() {
        let on2 = m["servers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["name"] == "server2");
        assert_eq!(on2.unwrap()["status"], "Suspend", "{m}");
    }
    assert_eq!(clp(&s, "clpmonctrl", &["-c"]).code, 1);
}

#[test]
fn clpmonctrl_refuses_on_a_stopped_or_suspended_cluster() {
    let s = manual(&[]);
    ok(clp(&s, "clpcl", &["--suspend"]));
    s.settle();
    refused(
        clp(&s, "clpmonctrl", &["-s", "-m", "fipw1"]),
        msg::CLUSTER_SUSPENDED,
    );
    ok(clp(&s, "clpcl", &["--resume"]));
    s.settle();
    ok(clp(&s, "clpcl", &["-t", "-a"]));
    s.settle();
    refused(
        clp(&s, "clpmonctrl", &["-s", "-m", "fipw1"]),
        msg::CLUSTER_STOPPED,
    );
    refused(
        clp(&s, "clpgrp", &["-s", "failover1"]),
        msg::SERVER_NOT_ACTIVE,
    );
    ok(clp(&s, "clpcl", &["-s", "-a"]));
    s.settle();
    let c = s.get("/api/v1/servers");
    assert_eq!(c.body["servers"][0]["status"], "Online", "{c:?}");
}

#[test]
fn clptoratio_sets_shows_and_resets_the_ratio() {
    let s = manual(&[]);
    ok(clp(&s, "clptoratio", &["-r", "3", "-t", "1h"]));
    let r = s.get("/api/v1/cluster/toratio");
    assert_eq!(r.body["cluster"]["toratio"], 3, "{r:?}");
    let shown = clp(&s, "clptoratio", &["-s"]);
    assert_eq!(
        (shown.code, shown.stdout.as_str()),
        (0, "present toratio : 3\n")
    );
    ok(clp(&s, "clptoratio", &["-i"]));
    assert_eq!(
        s.get("/api/v1/cluster/toratio").body["cluster"]["toratio"],
        1
    );
    refused(
        clp(&s, "clptoratio", &["-r", "0", "-t", "1h"]),
        msg::RATIO_RANGE,
    );
    refused(
        clp(&s, "clptoratio", &["-r", "x", "-t", "1h"]),
        msg::RATIO_NUMBER,
    );
    refused(
        clp(&s, "clptoratio", &["-r", "3", "-t", "1s"]),
        msg::PERIOD_INVALID,
    );
    refused(
        clp(&s, "clptoratio", &["-r", "3", "-t", "31d"]),
        msg::PERIOD_TOO_LONG,
    );
    refused(clp(&s, "clptoratio", &["-r", "3"]), msg::INVALID_OPTION);
}

#[test]
fn clprsc_clpcl_clpdown_and_clprexec_do_what_the_api_does() {
    let s = manual(&[]);
    ok(clp(&s, "clprsc", &["-t", "script1"]));
    s.settle();
    let r = s.get("/api/v1/resources/script1");
    assert_eq!(r.body["resources"][0]["status"], "Offline", "{r:?}");
    refused(clp(&s, "clprsc", &["-t", "script1"]), msg::RESOURCE_STOPPED);
    refused(clp(&s, "clprsc", &["-s", "nosuch"]), msg::INVALID_RESOURCE);
    ok(clp(&s, "clprsc", &["-s", "script1"]));
    s.settle();
    ok(clp(
        &s,
        "clprexec",
        &["--script", "script.sh", "-h", "127.0.0.12", "-T", "30"],
    ));
    s.settle();
    ok(clp(&s, "clpcl", &["-t", "-h", "server2"]));
    s.settle();
    assert_eq!(
        s.get("/api/v1/servers/server2").body["servers"][0]["status"],
        "Offline"
    );
    refused(
        clp(&s, "clpcl", &["-t", "-h", "server9"]),
        msg::INVALID_SERVER,
    );
    ok(clp(&s, "clpdown", &["--server", "server1"]));
    s.settle();
    let c = s.get("/api/v1/cluster");
    assert_eq!(c.body["cluster"]["status"], "Offline", "{c:?}");
}

#[test]
fn an_unreachable_server_is_the_product_connection_message() {
    let out = clustersim::clp::run("clpstat", vec![], |k| {
        (k == "CLP_URL").then(|| "http://127.0.0.1:9".to_string())
    });
    assert_eq!(out.code, 1);
    assert_eq!(out.stderr.lines().next(), Some(msg::NOT_CONNECTED));
}

#[test]
fn install_links_answer_under_the_commands_names() {
    let s = manual(&[]);
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_clustersim");
    let inst = Command::new(bin)
        .args(["clp", "install"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(inst.status.success(), "{inst:?}");
    for cmd in clustersim::clp::COMMANDS {
        assert!(dir.path().join(cmd).exists(), "{cmd}");
    }
    let run = |cmd: &str, args: &[&str]| {
        Command::new(dir.path().join(cmd))
            .args(args)
            .env("CLP_URL", &s.base)
            .env("CLP_SERVER", "server2")
            .output()
            .unwrap()
    };
    let g = run("clpstat", &["-g"]);
    assert!(g.status.success(), "{g:?}");
    let text = String::from_utf8(g.stdout).unwrap();
    assert!(text.contains("   *server1 : server2\n"), "{text}");
    let bad = run("clpgrp", &["-m", "nosuch"]);
    assert_eq!(bad.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(bad.stderr).unwrap(),
        format!("{}\n", msg::INVALID_GROUP)
    );
    // The same through the subcommand.
    let sub = Command::new(bin)
        .args(["clp", "clpstat", "-g"])
        .env("CLP_URL", &s.base)
        .env("CLP_SERVER", "server2")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(sub.stdout).unwrap(), text);
}
