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
