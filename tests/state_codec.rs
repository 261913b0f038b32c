//! `Sim::save_state` / `Sim::restore_state` (#13): for random clusters and random
//! inputs (every operation family, every fault kind, live reconfiguration, rolling and
//! mirror operations), a run saved and restored at random moments, then continued,
//! writes the same event log, byte for byte, as the run that was never interrupted,
//! and ends in the same views and fault list.

use clustersim::model::Model;
use clustersim::sim::{Input, Sim};
use clustersim::synth::{drive, FaultLoad, SynthSpec};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};
use std::sync::Arc;

fn log_text(sim: &Sim) -> String {
    let m = sim.model().clone();
    sim.events()
        .iter()
        .map(|e| e.to_json(&m).to_string() + "\n")
        .collect()
}

/// Everything observable at the end: log, the view from every server, faults.
fn observed(sim: &Sim) -> (String, String, String) {
    let views: Vec<_> = (0..sim.model().servers.len())
        .map(|s| serde_json::to_string(&sim.view_from(s)).unwrap())
        .collect();
    (
        log_text(sim),
        views.join("\n"),
        serde_json::to_string(&sim.fault_history()).unwrap(),
    )
}

fn pick<'a>(rng: &mut ChaCha8Rng, names: &'a [String]) -> &'a str {
    &names[rng.gen_range(0..names.len())]
}

/// One random input naming things of `model` (some refused: that is part of the run).
fn random_input(rng: &mut ChaCha8Rng, model: &Model, k: usize) -> Input {
    let servers: Vec<String> = model.servers.iter().map(|s| s.name.clone()).collect();
    let groups: Vec<String> = model.groups.iter().map(|g| g.name.clone()).collect();
    let resources: Vec<String> = model.resources.iter().map(|r| r.name.clone()).collect();
    let monitors: Vec<String> = model.monitors.iter().map(|m| m.name.clone()).collect();
    let paths: Vec<String> = model.paths.iter().map(|p| p.name.clone()).collect();
    let (s, g) = (pick(rng, &servers), pick(rng, &groups));
    let r = pick(rng, &resources);
    let dur = rng.gen_range(5_000..120_000u64);
    let v: Value = match rng.gen_range(0..24) {
        0 => json!({"op": "group-move", "group": g}),
        1 => json!({"op": "group-stop", "group": g}),
        2 => json!({"op": "group-start", "group": g, "target": s}),
        3 => json!({"op": "server-stop", "server": s}),
        4 => json!({"op": "server-start", "server": s}),
        5 => json!({"op": "server-reboot", "server": s}),
        6 => json!({"op": "cluster-suspend"}),
        7 => json!({"op": "cluster-resume"}),
        8 => json!({"op": "set-timeout-ratio", "ratio": 3, "duration_ms": dur}),
        9 => json!({"op": "power", "server": s, "action": "cycle"}),
        10 => json!({"op": "maintenance", "server": s, "on": rng.gen_bool(0.5)}),
        11 => json!({"op": "rolling-restart"}),
        12 => json!({"op": "server-add", "server": format!("joiner{k}"), "start": true}),
        13 => json!({"op": "server-remove", "server": s}),
        14 => json!({"op": "resource-stop", "resource": r}),
        15 if !monitors.is_empty() => {
            json!({"op": "monitor-suspend", "monitor": pick(rng, &monitors)})
        }
        16 => json!({"kind": "server-crash", "server": s, "duration_ms": dur}),
        17 => json!({"kind": "server-hang", "server": s, "duration_ms": dur}),
        18 => json!({"kind": "heartbeat-path-down", "server": s, "path": pick(rng, &paths),
                     "duration_ms": dur}),
        19 => json!({"kind": "partition", "sides": [[servers[0].clone()]], "duration_ms": dur}),
        20 if !monitors.is_empty() => json!({"kind": "monitor-result",
            "monitor": pick(rng, &monitors), "result": "error", "duration_ms": dur}),
        21 => json!({"kind": "activation-failure", "resource": r, "server": s, "times": 2}),
        22 => json!({"kind": "resource-failure", "resource": r, "server": s,
                     "duration_ms": dur}),
        _ => match model.resources.iter().find(|x| x.name.starts_with("md")) {
            Some(md) => json!({"op": "mirror-recover", "resource": md.name, "full": true}),
            None => json!({"op": "cluster-resume"}),
        },
    };
    serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{v}: {e}"))
}

/// Runs `inputs` to `end`; at each time in `cuts` the sim is saved, dropped and
/// restored from the bytes (the model in force comes from the state itself).
fn run(base: &Arc<Model>, seed: u64, inputs: &[(u64, Input)], cuts: &[u64], end: u64) -> Sim {
    let mut sim = Sim::new(base.clone(), seed);
    let mut cuts = cuts.iter().copied().peekable();
    let mut restore_due = |sim: &mut Sim, upto: u64| {
        while let Some(c) = cuts.next_if(|&c| c <= upto) {
            sim.run_until(c);
            let bytes = sim.save_state();
            let back = Sim::restore_state(Some(base), &bytes).expect("a saved state restores");
            assert_eq!(
                back.save_state(),
                bytes,
                "restore then save gives the same bytes"
            );
            *sim = back;
        }
    };
    for (t, input) in inputs {
        restore_due(&mut sim, *t);
        sim.run_until(*t);
        let _ = sim.apply(input.clone());
    }
    restore_due(&mut sim, end);
    sim.run_until(end);
    sim
}

fn models() -> Vec<(String, Arc<Model>)> {
    let mut v = vec![("default".to_string(), Arc::new(Model::default_cluster()))];
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/clusters");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for p in files {
        let text = std::fs::read_to_string(&p).unwrap();
        let name = p.display().to_string();
        let m = Model::from_yaml(&text, &name).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        v.push((name, Arc::new(m)));
    }
    v
}

#[test]
fn save_restore_continue_equals_the_uninterrupted_run() {
    let mut checked_events = 0;
    for (name, model) in models() {
        for seed in 0..6u64 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
            let end = 3 * 3_600_000;
            let mut times: Vec<u64> = (0..40).map(|_| rng.gen_range(0..end)).collect();
            times.sort();
            let inputs: Vec<(u64, Input)> = times
                .iter()
                .enumerate()
                .map(|(k, &t)| (t, random_input(&mut rng, &model, k)))
                .collect();
            let mut cuts: Vec<u64> = (0..3).map(|_| rng.gen_range(0..end)).collect();
            // Also exactly at an input's time, before it is applied.
            cuts.push(times[rng.gen_range(0..times.len())]);
            cuts.sort();
            let straight = run(&model, seed, &inputs, &[], end);
            let cut = run(&model, seed, &inputs, &cuts, end);
            let (a, b) = (observed(&straight), observed(&cut));
            assert!(
                straight.events().len() > 20,
                "{name} seed {seed}: a real run"
            );
            assert_eq!(a.0, b.0, "{name} seed {seed} cuts {cuts:?}: event log");
            assert_eq!(a.1, b.1, "{name} seed {seed}: views");
            assert_eq!(a.2, b.2, "{name} seed {seed}: faults");
            checked_events += straight.events().len();
        }
    }
    assert!(checked_events > 5_000, "{checked_events} events compared");
}

/// A synthetic 12-server cluster under the random fault load (with its operator
/// healing), restored mid-way: the load makes its decisions from the restored sim.
#[test]
fn a_synthetic_cluster_under_fault_load_restores_exactly() {
    let spec = SynthSpec {
        servers: 12,
        groups: 10,
        ..SynthSpec::default()
    };
    let model = Arc::new(spec.model().expect("synthetic clusters are valid"));
    for seed in [3u64, 11, 42] {
        let end = 6 * 3_600_000;
        let mut straight = Sim::new(model.clone(), seed);
        drive(
            &mut straight,
            &mut FaultLoad::new(seed, clustersim::model::Millis(60_000), &model),
            end,
        );
        let mut load = FaultLoad::new(seed, clustersim::model::Millis(60_000), &model);
        let mut cut = Sim::new(model.clone(), seed);
        let at = 2 * 3_600_000 + seed * 777;
        drive(&mut cut, &mut load, at);
        cut = Sim::restore_state(Some(&model), &cut.save_state()).unwrap();
        drive(&mut cut, &mut load, end);
        assert!(straight.events().len() > 500);
        assert_eq!(observed(&straight), observed(&cut), "seed {seed}");
    }
}

#[test]
fn a_damaged_or_foreign_state_is_refused_with_a_reason() {
    let model = Arc::new(Model::default_cluster());
    let mut sim = Sim::new(model.clone(), 1);
    sim.run_until(60_000);
    let bytes = sim.save_state();
    for cut in [0, 5, 12, bytes.len() / 2, bytes.len() - 1] {
        let err = Sim::restore_state(Some(&model), &bytes[..cut])
            .err()
            .expect("refused");
        assert!(!err.is_empty());
    }
    let mut other = bytes.clone();
    other[8] = 9; // another format version
    let err = Sim::restore_state(Some(&model), &other).err().unwrap();
    assert!(err.contains("version 9"), "{err}");
    // A state of a reconfigured cluster carries its own model.
    let mut grown = Sim::new(model.clone(), 1);
    let add = json!({"op": "server-add", "server": "server3", "start": true});
    grown.apply(serde_json::from_value(add).unwrap()).unwrap();
    grown.run_until(120_000);
    let back = Sim::restore_state(Some(&model), &grown.save_state()).unwrap();
    assert_eq!(back.model().servers.len(), 3);
    assert_eq!(log_text(&back), log_text(&grown));
}
