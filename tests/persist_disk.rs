//! `serve --state DIR` against the real filesystem's failures: a full disk (a 512 KiB
//! tmpfs, when the test may mount one), a second writer on the same directory, a
//! reset whose journal rewrite fails, and clusters named like the host's own files.

mod rest_support;

use clustersim::host::journal::Journal;
use rest_support::process::{spawn_serve, Proc};
use rest_support::{request_to, Resp};
use std::path::Path;
use std::process::Command;

const AUTH: Option<(&str, &str)> = Some(("user", "password"));
const FAULT: &str =
    r#"{"kind":"monitor-result","monitor":"fipw2","result":"error","duration_ms":20000}"#;

fn spawn(dir: &Path) -> Proc {
    let mut args: Vec<std::ffi::OsString> = ["--clock", "manual", "--seed", "5", "--state"]
        .map(Into::into)
        .to_vec();
    args.push(dir.into());
    spawn_serve(&args)
}

fn call(p: &Proc, method: &str, path: &str, body: Option<&str>) -> Resp {
    request_to(&ureq::agent(), &p.base, method, path, body, AUTH)
}

fn journal(p: &Proc) -> Journal {
    serde_json::from_value(call(p, "GET", "/sim/v1/journal", None).body).unwrap()
}

/// A tmpfs mounted for the test, unmounted when dropped.
struct Tmpfs(tempfile::TempDir);

impl Tmpfs {
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(Tmpfs(dir))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.0.path()).status();
    }
}

/// Writes zeros to `path` until the disk is full.
fn fill(path: &Path) {
    use std::io::Write;
    let mut f = std::fs::File::create(path).unwrap();
    let block = vec![0u8; 4096];
    while f.write_all(&block).is_ok() {}
    let _ = f.sync_all();
}

#[test]
fn a_full_disk_answers_503_and_every_input_acknowledged_after_it_survives_kill_9() {
    let Some(fs) = Tmpfs::mount("512k") else {
        eprintln!("note: cannot mount a tmpfs here (not root?); the full-disk test is skipped");
        return;
    };
    let state = fs.0.path().join("s");
    let mut p = spawn(&state);
    assert_eq!(call(&p, "POST", "/sim/v1/faults", Some(FAULT)).status, 200);
    let filler = fs.0.path().join("filler");
    fill(&filler);
    // The journal's last page may still have room: post until the disk says no.
    let full = (0..500)
        .map(|_| call(&p, "POST", "/sim/v1/faults", Some(FAULT)))
        .find(|r| r.status != 200)
        .expect("a full disk refuses an input");
    assert_eq!(full.status, 503, "{}", full.text);
    assert!(full.text.contains("journal"), "{}", full.text);
    let before = journal(&p).entries.len();
    std::fs::remove_file(&filler).unwrap();
    for _ in 0..10 {
        let r = call(&p, "POST", "/sim/v1/faults", Some(FAULT));
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let live = journal(&p);
    assert_eq!(live.entries.len(), before + 10);
    p.kill();
    let p = spawn(&state);
    let text = p.stderr.lock().unwrap().clone();
    assert_eq!(
        journal(&p),
        live,
        "every acknowledged input is back: {text}"
    );
    assert!(
        !text.contains("recovered to the last complete record"),
        "{text}"
    );
}

#[test]
fn a_second_writer_on_the_directory_is_refused_naming_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    let p = spawn(dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_clustersim"))
        .args([
            "serve",
            "--clock",
            "manual",
            "--listen",
            "127.0.0.1:0",
            "--state",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let holder = format!("pid {} address {}", p.child.id(), p.base);
    assert!(err.contains("in use") && err.contains(&holder), "{err}");
    // A cluster posted with the same directory is refused too (409).
    let body = format!(
        r#"{{"name":"b","state":{}}}"#,
        serde_json::to_string(dir.path()).unwrap()
    );
    let r = call(&p, "POST", "/sim/v1/clusters", Some(&body));
    assert_eq!(r.status, 409, "{}", r.text);
    assert!(r.text.contains("in use"), "{}", r.text);
}

#[test]
fn a_reset_that_cannot_be_written_is_refused_and_not_undone_by_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = spawn(dir.path());
    for _ in 0..3 {
        assert_eq!(call(&p, "POST", "/sim/v1/faults", Some(FAULT)).status, 200);
    }
    // The rewrite's temporary file cannot be created: the reset must fail visibly.
    std::fs::create_dir(dir.path().join("journal.tmp")).unwrap();
    let r = call(&p, "POST", "/sim/v1/reset", Some("{}"));
    assert_eq!(r.status, 503, "{}", r.text);
    assert!(r.text.contains("journal.tmp"), "{}", r.text);
    let kept = journal(&p);
    assert_eq!(kept.entries.len(), 3, "the cluster is as it was");
    std::fs::remove_dir(dir.path().join("journal.tmp")).unwrap();
    assert_eq!(call(&p, "POST", "/sim/v1/reset", Some("{}")).status, 200);
    p.kill();
    let p = spawn(dir.path());
    assert_eq!(
        journal(&p).entries.len(),
        0,
        "the acknowledged reset survives"
    );
}

#[test]
fn clusters_named_like_state_files_cannot_touch_the_first_clusters_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = spawn(dir.path());
    for name in ["journal.tmp", "snapshot-99999999999999999999.css", "lock"] {
        let r = call(
            &p,
            "POST",
            "/sim/v1/clusters",
            Some(&format!(r#"{{"name":"{name}"}}"#)),
        );
        assert_eq!(r.status, 201, "{name}: {}", r.text);
        assert!(dir.path().join("clusters").join(name).is_dir());
    }
    assert_eq!(call(&p, "POST", "/sim/v1/reset", Some("{}")).status, 200);
    assert_eq!(call(&p, "POST", "/sim/v1/faults", Some(FAULT)).status, 200);
    p.kill();
    let p = spawn(dir.path());
    let text = p.stderr.lock().unwrap().clone();
    assert_eq!(journal(&p).entries.len(), 1, "{text}");
    assert!(
        !text.contains("skipped") && !text.contains("corrupt"),
        "{text}"
    );
}

#[test]
fn posted_clusters_come_back_on_their_addresses_and_deleted_ones_stay_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = spawn(dir.path());
    let mut urls = Vec::new();
    for name in ["b", "c"] {
        let body =
            format!(r#"{{"name":"{name}","seed":9,"user":"u-{name}","password":"p-{name}"}}"#);
        let r = call(&p, "POST", "/sim/v1/clusters", Some(&body));
        assert_eq!(r.status, 201, "{}", r.text);
        urls.push(r.body["api_url"].as_str().unwrap().to_string());
    }
    let r = call(&p, "POST", "/sim/v1/clusters/b/faults", Some(FAULT));
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(call(&p, "DELETE", "/sim/v1/clusters/c", None).status, 200);
    p.kill();
    let p = spawn(dir.path());
    let list = call(&p, "GET", "/sim/v1/clusters", None).body;
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{list}");
    assert!(names.contains(&"b") && !names.contains(&"c"), "{list}");
    let b = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "b")
        .unwrap();
    assert_eq!(b["api_url"], urls[0], "the same address");
    // Its own credentials, and its state (the fault) from its journal.
    let j = request_to(
        &ureq::agent(),
        &urls[0],
        "GET",
        "/sim/v1/journal",
        None,
        Some(("u-b", "p-b")),
    );
    assert_eq!(j.status, 200, "{}", j.text);
    assert_eq!(j.body["entries"].as_array().unwrap().len(), 1, "{}", j.text);
}
