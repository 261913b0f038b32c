//! The command line's conveniences: completions and man page from the clap definitions,
//! scenario files handed to `validate`, colour rules, host names for `--listen`.

use std::process::{Command, Output, Stdio};

fn clustersim(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_clustersim"));
    cmd.args(args).current_dir(env!("CARGO_MANIFEST_DIR"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn completions_and_man_page_name_every_subcommand() {
    for shell in ["bash", "zsh", "fish"] {
        let o = clustersim(&["completions", shell], &[]);
        assert!(o.status.success(), "{shell}");
        let text = stdout(&o);
        for sub in ["validate", "serve", "run", "bench", "completions", "man"] {
            assert!(text.contains(sub), "{shell} completion lacks {sub}");
        }
    }
    let man = clustersim(&["man"], &[]);
    assert!(man.status.success());
    let page = stdout(&man);
    assert!(page.contains(".TH clustersim 1"), "{page}");
    assert!(page.contains("serve"));
}

#[test]
fn validate_points_a_scenario_file_to_run() {
    let file = "scenarios/s2-server-crash-with-resolver-fails-over.yaml";
    let o = clustersim(&["validate", file], &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("this is a scenario file"), "{err}");
    assert!(err.contains(&format!("clustersim run {file}")), "{err}");
}

#[test]
fn pass_is_coloured_only_when_asked_or_on_a_terminal() {
    let file = "scenarios/s1-cluster-shutdown-reads-offline.yaml";
    let always = stdout(&clustersim(&["run", file, "--color", "always"], &[]));
    assert!(always.starts_with("\x1b[1;32mPASS\x1b[0m"), "{always:?}");
    // Not a terminal here: auto is plain, and so is never.
    let auto = stdout(&clustersim(&["run", file], &[]));
    assert!(auto.starts_with("PASS  "), "{auto:?}");
    let never = stdout(&clustersim(
        &["run", file, "--color", "never"],
        &[("NO_COLOR", "")],
    ));
    assert!(never.starts_with("PASS  "), "{never:?}");
}

#[test]
fn listen_accepts_a_host_name() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_clustersim"))
        .args(["serve", "--listen", "localhost:0", "--clock", "manual"])
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    let mut line = String::new();
    use std::io::BufRead;
    std::io::BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(line.contains("serving http://127.0.0.1:"), "{line}");
    let bad = clustersim(&["serve", "--listen", "no-such-host.invalid:80"], &[]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not HOST:PORT or IP:PORT"));
}

#[test]
fn serve_defaults_to_seed_1_like_run_and_bench() {
    let help = stdout(&clustersim(&["serve", "--help"], &[]));
    assert!(help.contains("[default: 1]"), "{help}");
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn clp_help_prints_usage_and_the_variables_and_exits_0() {
    for flag in ["--help", "-h", "help"] {
        let o = clustersim(&["clp", flag], &[]);
        assert_eq!(o.status.code(), Some(0), "clp {flag}: {}", stderr(&o));
        let text = stdout(&o);
        for name in [
            "CLP_URL",
            "CLP_SERVER",
            "CLP_USER",
            "CLP_PASSWORD",
            "clpstat",
            "install DIR",
        ] {
            assert!(text.contains(name), "clp {flag} lacks {name}: {text}");
        }
    }
    // Without a command it is still a usage error, on stderr.
    let o = clustersim(&["clp"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("CLP_URL"), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
}

#[test]
fn an_unknown_option_gets_the_real_option_instead_of_clap_s_dash_dash_tip() {
    let o = clustersim(&["serve", "--port", "8080"], &[]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("--listen HOST:PORT"), "{e}");
    assert!(!e.contains("-- --port"), "{e}");
    let o = clustersim(&["run", "--config", "x.yaml"], &[]);
    assert!(
        stderr(&o).contains("without an option (FILE)"),
        "{}",
        stderr(&o)
    );
    // No known equivalent: clap's message without the misleading tip.
    let o = clustersim(&["serve", "--prot", "1"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unexpected argument '--prot'"));
    assert!(!stderr(&o).contains("-- --prot"), "{}", stderr(&o));
    // `--port` means nothing to a command without --listen: no tip about it.
    let o = clustersim(&["bench", "--port", "1"], &[]);
    assert!(!stderr(&o).contains("--listen"), "{}", stderr(&o));
}

/// A fleet file of one pool of two two-node clusters, `listen` given or not.
fn pool_fleet(dir: &std::path::Path, listen: Option<&str>) -> std::path::PathBuf {
    let cluster =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/clusters/two-node.yaml");
    let mut text = format!(
        "pool:\n  - name: lab\n    count: 2\n    cluster: {}\n",
        cluster.display()
    );
    if let Some(l) = listen {
        text.push_str(&format!("    listen: {l}\n"));
    }
    let f = dir.join("fleet.yaml");
    std::fs::write(&f, text).unwrap();
    f
}

#[test]
fn serve_listen_with_a_pool_only_fleet_listens_there_or_says_why_not() {
    let dir = tempfile::tempdir().unwrap();
    // The pool gives its own address: --listen would be ignored, so it is refused.
    let f = pool_fleet(dir.path(), Some("127.0.0.1:0"));
    let o = clustersim(
        &[
            "serve",
            "--listen",
            "127.0.0.1:1",
            "--fleet",
            f.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("pool[0] `listen`") && e.contains("--listen 127.0.0.1:1"),
        "{e}"
    );
    // The pool gives none: its first member listens on --listen.
    let f = pool_fleet(dir.path(), None);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_clustersim"))
        .args([
            "serve",
            "--clock",
            "manual",
            "--listen",
            &listen,
            "--fleet",
            f.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The "serving" lines come once every cluster is bound; the first names --listen.
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(child.stderr.take().unwrap()));
    let first = lines.next().map(|l| l.unwrap()).unwrap_or_default();
    let second = lines.next().map(|l| l.unwrap()).unwrap_or_default();
    let answer = {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(&listen).unwrap();
        write!(s, "GET /sim/v1/health HTTP/1.0\r\n\r\n").unwrap();
        let mut answer = String::new();
        let _ = s.read_to_string(&mut answer);
        answer
    };
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        first.contains(&format!("\"lab-1\" serving http://{listen}")),
        "{first}"
    );
    assert!(second.contains("\"lab-2\" serving"), "{second}");
    assert!(
        answer.contains(" 200 "),
        "lab-1 on --listen {listen}: {answer}"
    );
}

#[test]
fn an_address_in_use_names_the_option_that_chose_it() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let o = clustersim(&["serve", "--listen", &addr], &[]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("in use") && e.contains("with --listen HOST:PORT"),
        "{e}"
    );
    let face = format!("maxscale={addr}");
    let o = clustersim(&["serve", "--listen", "127.0.0.1:0", "--face", &face], &[]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("face maxscale") && e.contains("with --face NAME=HOST:PORT"),
        "{e}"
    );
}
