//! `clustersim sweep` through the built binary: rows do not depend on the thread count,
//! 4 shards run as separate processes merge into the unsharded file byte for byte, and
//! merge refuses parts of another sweep, repeated or missing shards.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_clustersim"));
    c.current_dir(root());
    c
}

fn ok(out: Output) -> Output {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A small sweep of the corpus' crash scenario: 3 timeouts x 2 resolvers x 25 seeds.
fn sweep_file(dir: &Path, seeds: u64) -> PathBuf {
    let scenario = root().join("scenarios/s2-server-crash-with-resolver-fails-over.yaml");
    let text = format!(
        "name: t\nbase:\n  scenario: {}\nfactors:\n  - {{key: settings.heartbeat_timeout, values: [30s, 60s, 120s]}}\n  - {{key: resolvers.pingnp1.type, values: [pingnp, majority]}}\nseeds: {seeds}\n",
        scenario.display()
    );
    let p = dir.join("sweep.yaml");
    std::fs::write(&p, text).unwrap();
    p
}

fn sweep(file: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut c = bin();
    c.arg("sweep")
        .arg(file)
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .args(extra);
    ok(c.output().unwrap())
}

#[test]
fn rows_are_the_same_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let file = sweep_file(dir.path(), 25);
    for ext in ["jsonl", "csv"] {
        let one = dir.path().join(format!("one.{ext}"));
        let two = dir.path().join(format!("two.{ext}"));
        sweep(&file, &one, &["--jobs", "1"]);
        sweep(&file, &two, &["--jobs", "2"]);
        let (a, b) = (std::fs::read(&one).unwrap(), std::fs::read(&two).unwrap());
        assert_eq!(a, b, "{ext}: 1 and 2 threads differ");
        let text = String::from_utf8(a).unwrap();
        // A header line, then 150 rows in run order.
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 151, "{ext}");
        for (k, l) in lines[1..].iter().enumerate() {
            let run = match ext {
                "csv" => l.split(',').nth(1).unwrap().to_string(),
                _ => serde_json::from_str::<serde_json::Value>(l).unwrap()["run"].to_string(),
            };
            assert_eq!(run, k.to_string(), "{ext} line {}", k + 1);
        }
    }
    // The 120 s timeout breaks `within 95s` (expect[0]) for every seed; 30 s never does.
    let rows: Vec<serde_json::Value> = std::fs::read_to_string(dir.path().join("one.jsonl"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for r in &rows {
        let timeout = r["factors"]["settings.heartbeat_timeout"].as_str().unwrap();
        let pingnp = r["factors"]["resolvers.pingnp1.type"] == "pingnp";
        if pingnp {
            assert_eq!(r["expect"][0], timeout != "120s", "{r}");
            let detect = r["metrics"]["failover1.detect_ms"].as_f64().unwrap();
            let t: f64 = timeout.trim_end_matches('s').parse::<f64>().unwrap() * 1000.0;
            // The timeout (less at most one heartbeat phase), then `np_failover_wait` (3 s).
            assert!(detect <= t + 3_000.0 && detect > t - 3_000.0, "{r}");
        }
    }
}

#[test]
fn four_shard_processes_merge_into_the_unsharded_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = sweep_file(dir.path(), 40);
    let whole = dir.path().join("whole.jsonl");
    sweep(&file, &whole, &[]);
    let parts: Vec<PathBuf> = (0..4)
        .map(|i| dir.path().join(format!("part{i}.jsonl")))
        .collect();
    let children: Vec<_> = parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut c = bin();
            c.arg("sweep")
                .arg(&file)
                .arg("--shard")
                .arg(format!("{i}/4"))
                .arg("--jobs")
                .arg("1")
                .arg("--quiet")
                .arg("--out")
                .arg(p);
            c.spawn().unwrap()
        })
        .collect();
    for c in children {
        assert!(c.wait_with_output().unwrap().status.success());
    }
    let merged = dir.path().join("merged.jsonl");
    let mut c = bin();
    c.args(["sweep", "merge"])
        .args(parts.iter().rev())
        .arg("--out")
        .arg(&merged);
    ok(c.output().unwrap());
    assert_eq!(
        std::fs::read(&merged).unwrap(),
        std::fs::read(&whole).unwrap()
    );

    // A shard of another sweep (the same file with an override) is refused.
    let foreign = dir.path().join("foreign.jsonl");
    sweep(
        &file,
        &foreign,
        &["--shard", "3/4", "--set", "monitor_retry=2"],
    );
    let refused = |parts: &[&PathBuf], want: &str| {
        let mut c = bin();
        c.args(["sweep", "merge"])
            .args(parts)
            .arg("--out")
            .arg(dir.path().join("x.jsonl"));
        let out = c.output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(want), "{err}");
    };
    refused(&[&parts[0], &parts[1], &parts[2], &foreign], "refused");
    refused(&[&parts[0], &parts[1], &parts[2]], "missing");
    refused(
        &[&parts[0], &parts[1], &parts[2], &parts[3], &parts[3]],
        "twice",
    );
}

#[test]
fn bad_sweep_input_is_exit_2_with_a_line_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = sweep_file(dir.path(), 2);
    let cases: [(&[&str], &str); 5] = [
        (&["--shard", "4/4"], "0 <= I < N"),
        (&["--set", "groups.nosuch.failback=auto"], "nosuch"),
        (&["--set", "boot_duration=90"], "no unit"),
        (
            &["--set", "heartbeat_timeout=10s"],
            "sets `heartbeat_timeout` per point",
        ),
        (&["--only", "99"], "runs 0 to 11"),
    ];
    for (extra, want) in cases {
        let out = bin().arg("sweep").arg(&file).args(extra).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {err}");
        assert!(err.contains(want), "{extra:?}: {err}");
    }
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "name: t\nbase: {scenario: nosuch.yaml}\nseeds: 1\n").unwrap();
    let out = bin().arg("sweep").arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nosuch.yaml"));
}

#[test]
fn a_synthetic_base_runs_and_replays_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("synth.yaml");
    std::fs::write(
        &file,
        "name: s\nbase:\n  synthetic: {servers: 3, groups: 2, duration: 4h, fault_every: 30m, fault_kinds: [server-crash, partition]}\nfactors:\n  - {key: synthetic.heartbeat_timeout, values: [10s, 90s]}\nseeds: 6\n",
    )
    .unwrap();
    let all = dir.path().join("all.jsonl");
    sweep(&file, &all, &[]);
    let text = std::fs::read_to_string(&all).unwrap();
    let rows: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(rows.len(), 12);
    let v: serde_json::Value = serde_json::from_str(rows[7]).unwrap();
    assert!(
        v["metrics"]["events.server-down"].as_f64().unwrap() > 0.0,
        "{v}"
    );
    let one = dir.path().join("one.jsonl");
    sweep(&file, &one, &["--only", "7"]);
    let again = std::fs::read_to_string(&one).unwrap();
    assert_eq!(again.lines().nth(1), Some(rows[7]));
}

/// Unescapes the little HTML the report escapes.
fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// `sweep report RESULTS --html OUT` and the page it wrote.
fn report(results: &Path) -> String {
    let html = results.with_extension("html");
    let mut c = bin();
    c.args(["sweep", "report"])
        .arg(results)
        .arg("--html")
        .arg(&html);
    ok(c.output().unwrap());
    std::fs::read_to_string(&html).unwrap()
}

/// The metrics that took two or more values over the rows of a JSON-lines results file
/// with the number of points that measured each, and the others, counted from the rows
/// themselves (not from the report).
fn varying_metrics(results: &Path) -> (Vec<(String, usize)>, Vec<String>) {
    let text = std::fs::read_to_string(results).unwrap();
    let mut lines = text.lines();
    let head: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    let names: Vec<String> = head["header"]["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_string())
        .collect();
    type Seen = (
        std::collections::BTreeSet<u64>,
        std::collections::BTreeSet<u64>,
    );
    let mut seen: Vec<Seen> = vec![Default::default(); names.len()];
    for line in lines {
        let row: serde_json::Value = serde_json::from_str(line).unwrap();
        for (i, n) in names.iter().enumerate() {
            if let Some(v) = row["metrics"][n].as_f64() {
                seen[i].0.insert(v.to_bits());
                seen[i].1.insert(row["point"].as_u64().unwrap());
            }
        }
    }
    let (vary, rest): (Vec<_>, Vec<_>) = names
        .into_iter()
        .zip(seen)
        .partition(|(_, s)| s.0.len() >= 2);
    (
        vary.into_iter().map(|(n, s)| (n, s.1.len())).collect(),
        rest.into_iter().map(|v| v.0).collect(),
    )
}

/// The SVG of the figure of `class` for `metric` in `page`, if exactly one.
fn figure<'a>(page: &'a str, class: &str, metric: &str) -> Vec<&'a str> {
    let open = format!("<figure class=\"plot {class}\" data-metric=\"{metric}\">");
    page.split(open.as_str())
        .skip(1)
        .map(|rest| rest.split("</figure>").next().unwrap())
        .collect()
}

/// The data lines of an SVG (stroke width 2; axes and ticks are 1) with at least `min`
/// points each.
fn polylines(svg: &str, min: usize) -> usize {
    svg.split("<polyline")
        .skip(1)
        .filter(|p| {
            p.split("/>")
                .next()
                .unwrap_or("")
                .contains("stroke-width=\"2\"")
        })
        .filter(|p| {
            let pts = p
                .split("points=\"")
                .nth(1)
                .unwrap_or("")
                .split('"')
                .next()
                .unwrap_or("");
            pts.split_whitespace().count() >= min
        })
        .count()
}

#[test]
fn the_report_draws_an_ecdf_boxes_and_percentiles_per_varying_metric_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let file = sweep_file(dir.path(), 5);
    let results = dir.path().join("r.jsonl");
    sweep(&file, &results, &[]);
    let page = report(&results);
    let again = report(&results);
    assert!(page == again, "two reports of the same results differ");
    // Self-contained: the only URL is the SVG namespace; no script, link or image source.
    assert_eq!(
        page.matches("http").count(),
        page.matches("http://www.w3.org/2000/svg").count()
    );
    assert!(!page.contains("<script") && !page.contains("<link") && !page.contains("<img"));
    let (vary, constant) = varying_metrics(&results);
    assert!(
        vary.len() >= 4 && vary.iter().any(|m| m.0 == "failover1.downtime_ms"),
        "{vary:?}"
    );
    for (m, points) in &vary {
        let ecdf = figure(&page, "ecdf", m);
        assert_eq!(ecdf.len(), 1, "{m}: one ECDF");
        // One step line per point that measured it (and its legend sample); downtime
        // varies within a point, so its lines step between their first and last corner.
        assert_eq!(polylines(ecdf[0], 2), 2 * points, "{m}: {}", ecdf[0]);
        if m == "failover1.downtime_ms" {
            assert!(polylines(ecdf[0], 4) >= 3, "{m}: {}", ecdf[0]);
        }
        assert!(
            ecdf[0].contains("fraction of runs"),
            "{m}: the y axis is named"
        );
        let pct = figure(&page, "pct", m);
        // heartbeat_timeout is the one numeric factor: one plot, p50/p95/p99 per resolver type.
        assert_eq!(pct.len(), 1, "{m}: one percentile plot");
        assert!(
            pct[0].contains("heartbeat_timeout (s)"),
            "{m}: x axis in seconds"
        );
        assert!(
            polylines(pct[0], 3) >= 1,
            "{m}: a p50 line through the 3 timeouts: {}",
            pct[0]
        );
        assert!(
            pct[0].contains("p95") && pct[0].contains("p99"),
            "{m}: legend"
        );
        assert_eq!(figure(&page, "box", m).len(), 1, "{m}: one box plot");
    }
    for m in &constant {
        assert!(
            figure(&page, "ecdf", m).is_empty(),
            "{m} never varies: no figure"
        );
        assert!(
            page.contains(&format!("{m} = ")) || page.contains(m.as_str()),
            "{m} named once"
        );
    }
    // Times read in human units, not raw milliseconds.
    assert!(
        page.contains("<h2>failover1.downtime (min)</h2>"),
        "failover1.downtime_ms in minutes"
    );
}

#[test]
fn the_report_reads_the_csv_a_sweep_writes_and_names_a_bad_row() {
    let dir = tempfile::tempdir().unwrap();
    let file = sweep_file(dir.path(), 4);
    let jsonl = dir.path().join("r.jsonl");
    let csv = dir.path().join("r.csv");
    sweep(&file, &jsonl, &[]);
    sweep(&file, &csv, &[]);
    let (from_json, from_csv) = (report(&jsonl), report(&csv));
    // The same runs give the same figures and summary, from either format.
    let body = |p: &str| {
        let start = p.find("<section class=\"metric\"").unwrap();
        let end = p.find("<h2>Flagged runs</h2>").unwrap();
        p[start..end].to_string()
    };
    assert!(
        body(&from_json) == body(&from_csv),
        "the CSV's report differs from the JSON lines'"
    );
    let replays = |p: &str| p.matches("<code class=\"replay\">").count();
    assert_eq!(replays(&from_csv), replays(&from_json));
    assert!(
        from_csv.contains("SWEEP_FILE --only"),
        "the CSV's replays say where the sweep file goes"
    );
    // A malformed row: named by file and line.
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let cases = [
        (
            4,
            lines[4].rsplit_once(',').unwrap().0.to_string(),
            "line 5: ",
        ),
        (
            2,
            lines[2]
                .replacen(",false,", ",maybe,", 1)
                .replacen(",true,", ",maybe,", 1),
            "line 3: flagged `maybe`",
        ),
    ];
    for (i, bad_line, want) in cases {
        let saved = std::mem::replace(&mut lines[i], bad_line);
        let bad = dir.path().join("bad.csv");
        std::fs::write(&bad, lines.join("\n") + "\n").unwrap();
        lines[i] = saved;
        let out = bin()
            .args(["sweep", "report"])
            .arg(&bad)
            .arg("--html")
            .arg(dir.path().join("bad.html"))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains(&format!("{}: {want}", bad.display())),
            "{want}: {err}"
        );
    }
    let mut fields: Vec<&str> = text.lines().nth(3).unwrap().split(',').collect();
    fields[9] = "abc"; // sweep,run,point,seed, 2 factors, flagged,failures,final_status, metric
    let number = fields.join(",");
    let bad = dir.path().join("num.csv");
    let mut l: Vec<&str> = text.lines().collect();
    l[3] = &number;
    std::fs::write(&bad, l.join("\n")).unwrap();
    let out = bin()
        .args(["sweep", "report"])
        .arg(&bad)
        .arg("--html")
        .arg(dir.path().join("n.html"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.code() == Some(2)
            && err.contains("num.csv: line 4: metric ")
            && err.contains("`abc` is not a number"),
        "{err}"
    );
}

#[test]
fn the_report_lists_replay_commands_that_reproduce_the_flagged_runs() {
    let dir = tempfile::tempdir().unwrap();
    let file = sweep_file(dir.path(), 5);
    let results = dir.path().join("r.jsonl");
    sweep(&file, &results, &[]);
    let page = report(&results);
    assert!(page.contains("<table id=\"summary\">") && page.contains("<table id=\"flagged\">"));
    // Flagged: majority (a lone survivor of two loses) and the 120 s timeout.
    let rows: Vec<&str> = page.split("<tr id=\"run-").skip(1).collect();
    assert_eq!(rows.len(), 5 * 3 + 5);
    let code = |row: &str, class: &str| {
        let open = format!("<code class=\"{class}\">");
        unescape(
            row.split(open.as_str())
                .nth(1)
                .unwrap()
                .split("</code>")
                .next()
                .unwrap(),
        )
    };
    let pick = rows
        .iter()
        .find(|r| r.contains("heartbeat_timeout=120s") && r.contains("type=pingnp"))
        .unwrap();
    let run: u64 = pick.split('"').next().unwrap().parse().unwrap();
    let cmd = code(pick, "replay");
    assert!(
        cmd.ends_with(&format!("--only {run} --scenario row-{run}.yaml")),
        "{cmd}"
    );
    assert_eq!(code(pick, "then"), format!("clustersim run row-{run}.yaml"));
    let words: Vec<&str> = cmd.split_whitespace().collect();
    assert_eq!(&words[..2], ["clustersim", "sweep"], "{cmd}");
    let mut replay = bin();
    replay.args(&words[1..]).current_dir(dir.path());
    ok(replay.output().unwrap());
    let direct = code(pick, "direct");
    for words in [
        vec!["run".to_string(), format!("row-{run}.yaml")],
        direct
            .split_whitespace()
            .skip(1)
            .map(String::from)
            .collect(),
    ] {
        let out = bin().args(&words).current_dir(dir.path()).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{words:?}: {text}");
        assert!(
            text.contains("FAIL") && text.contains("expect[0]"),
            "{words:?}: {text}"
        );
    }
    // The same command without the factor that broke it passes.
    let fine = direct.replace("heartbeat_timeout=120s", "heartbeat_timeout=30s");
    let words: Vec<&str> = fine.split_whitespace().collect();
    let out = bin().args(&words[1..]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{fine}: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn bench_takes_set_overrides() {
    let run = |extra: &[&str]| {
        let out = bin()
            .args([
                "bench",
                "--servers",
                "4",
                "--groups",
                "2",
                "--duration",
                "6h",
                "--fault-every",
                "20m",
                "--seed",
                "3",
            ])
            .args(extra)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let events = |line: &str| {
        serde_json::from_str::<serde_json::Value>(line).unwrap()["log_events"]
            .as_u64()
            .unwrap()
    };
    let (code, plain, _) = run(&[]);
    assert_eq!(code, Some(0));
    let (code, set, _) = run(&[
        "--set",
        "monitors.*.interval=5s",
        "--set",
        "monitor_retry=0",
    ]);
    assert_eq!(code, Some(0));
    assert_ne!(
        events(&plain),
        events(&set),
        "the overrides changed nothing"
    );
    let (code, _, err) = run(&["--set", "monitors.nosuch.interval=5s"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("nosuch") && err.contains("mon1-1"), "{err}");
}

#[test]
fn a_sample_runs_the_chosen_points_under_every_seed_the_same_way_each_time() {
    let dir = tempfile::tempdir().unwrap();
    let file = sweep_file(dir.path(), 3);
    let (a, b) = (dir.path().join("a.jsonl"), dir.path().join("b.jsonl"));
    sweep(&file, &a, &["--sample", "2", "--jobs", "1"]);
    sweep(&file, &b, &["--sample", "2", "--jobs", "2"]);
    let text = std::fs::read_to_string(&a).unwrap();
    assert_eq!(text, std::fs::read_to_string(&b).unwrap());
    let rows: Vec<serde_json::Value> = text
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 6);
    let points: std::collections::BTreeSet<u64> =
        rows.iter().map(|r| r["point"].as_u64().unwrap()).collect();
    assert_eq!(points.len(), 2);
    assert!(points.iter().all(|p| *p < 6));
    let seeds: Vec<u64> = rows.iter().map(|r| r["seed"].as_u64().unwrap()).collect();
    assert_eq!(seeds, vec![1, 2, 3, 1, 2, 3]);
}

/// `sweep --only R --scenario out.yaml` on a flagged row of a synthetic sweep: the
/// written scenario, run as `clustersim run` runs it, gives the row's metrics exactly;
/// `sweep replay` of the results file re-runs the same row and prints where and why
/// the double activation happened.
#[test]
fn a_flagged_synthetic_row_becomes_a_scenario_with_the_same_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("synth.yaml");
    std::fs::write(
        &file,
        "name: s\nbase:\n  synthetic: {servers: 4, groups: 2, duration: 6h, fault_every: 30m, fault_kinds: [server-crash, partition, server-hang]}\nseeds: 12\n",
    )
    .unwrap();
    let all = dir.path().join("all.jsonl");
    sweep(&file, &all, &[]);
    let text = std::fs::read_to_string(&all).unwrap();
    let header: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    let rows: Vec<serde_json::Value> = text
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let flagged = rows
        .iter()
        .find(|r| r["flagged"] == serde_json::json!(true))
        .expect("a flagged row");
    let r = flagged["run"].as_u64().unwrap();
    let out = dir.path().join("run.yaml");
    let mut c = bin();
    c.arg("sweep")
        .arg(&file)
        .args(["--only", &r.to_string(), "--quiet", "--scenario"])
        .arg(&out);
    let o = ok(c.output().unwrap());
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(said.contains("double activation: group"), "{said}");
    let sc = clustersim::scenario::load(&out).unwrap();
    let names: Vec<String> = header["header"]["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_string())
        .collect();
    let set =
        clustersim::sweep::metrics::MetricSet::resolve(&Default::default(), &sc.model).unwrap();
    assert_eq!(set.names(&sc.model), names);
    let (o, view) = clustersim::scenario::runner::run_observed(&sc, sc.seed, |sim| sim.view());
    assert!(o.passed(), "{:?}", o.failures);
    let values = set.measure(&o.model, &o.events, &view, o.end_ms);
    for (n, v) in names.iter().zip(values) {
        assert_eq!(flagged["metrics"][n].as_f64(), v, "{n}");
    }
    // The same row from the results file, with its explain lines.
    let mut c = bin();
    c.args(["sweep", "replay"])
        .arg(&all)
        .arg(r.to_string())
        .arg("--explain");
    let o = ok(c.output().unwrap());
    let said = String::from_utf8_lossy(&o.stdout);
    let line = text.lines().nth(1 + r as usize).unwrap();
    assert_eq!(said.lines().next(), Some(line));
    assert!(said.contains("double activation: group"), "{said}");
}
