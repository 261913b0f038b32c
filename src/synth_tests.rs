use super::*;

#[test]
fn default_spec_resolves_and_spreads_groups() {
    let spec = SynthSpec::default();
    let m = spec.model().expect("synthetic cluster is valid");
    assert_eq!((m.servers.len(), m.groups.len()), (32, 8));
    assert_eq!(m.resources.len(), 16);
    assert_eq!(m.monitors.len(), 8);
    assert_eq!(m.paths.len(), 2);
    assert_eq!(m.paths[0].timeout, Millis::secs(90));
    // Windows of 4 starting every 4 servers: every server is in exactly one policy.
    let mut seen = vec![0; 32];
    for g in &m.groups {
        assert_eq!(g.policy.len(), 4);
        for &s in &g.policy {
            seen[s] += 1;
        }
    }
    assert!(seen.iter().all(|&c| c == 1), "{seen:?}");
    assert!(!m.source.cluster.lift_product_limits);
}

#[test]
fn default_dependencies_follow_the_type_mix() {
    let spec = SynthSpec {
        resources_per_group: 3,
        monitors_per_group: 4,
        ..SynthSpec::default()
    };
    let m = spec.model().unwrap();
    let exec = m.resource_id("exec1-3").unwrap();
    let fip = m.resource_id("fip1-1").unwrap();
    let disk = m.resource_id("disk1-2").unwrap();
    assert_eq!(m.resources[exec].depends_on, vec![fip, disk]);
    assert_eq!(m.groups[0].start_order, vec![fip, disk, exec]);
    let kinds: Vec<&str> = m.monitors[..4].iter().map(|x| x.kind.as_str()).collect();
    assert_eq!(kinds, ["fipw", "diskw", "genw", "userw"]);
    assert_eq!(m.monitors[0].timing, MonitorTiming::Active);
    assert_eq!(m.monitors[3].timing, MonitorTiming::Always);
}

#[test]
fn large_clusters_lift_the_product_limit() {
    let spec = SynthSpec {
        servers: 1000,
        groups: 100,
        heartbeat_interval: Millis::secs(1),
        ..SynthSpec::default()
    };
    let m = spec.model().expect("1,000 servers resolve with the lift");
    assert!(m.source.cluster.lift_product_limits);
    assert_eq!(m.paths[0].timeout, Millis::secs(30));
    assert_eq!(m.groups[99].policy, vec![990, 991, 992, 993]);
}

#[test]
fn tiny_clusters_wrap_the_policy_window() {
    let spec = SynthSpec {
        servers: 2,
        groups: 3,
        ..SynthSpec::default()
    };
    let m = spec.model().unwrap();
    for g in &m.groups {
        assert_eq!(g.policy.len(), 2);
        assert_ne!(g.policy[0], g.policy[1]);
    }
}

/// Runs a day (plus ten quiet minutes) of `spec` under a fault an hour; returns the
/// servers and groups that are not Online at the end, and the load's figures.
fn day(spec: &SynthSpec, seed: u64, every: Millis) -> (Vec<String>, FaultStats, u64) {
    use crate::sim::status::ONLINE;
    let m = std::sync::Arc::new(spec.model().unwrap());
    let mut sim = Sim::new(m.clone(), seed);
    let mut load = FaultLoad::new(seed, every, &m);
    let end = 24 * 3_600_000;
    let events = drive(&mut sim, &mut load, end);
    assert_eq!(sim.now(), end);
    // Ten quiet minutes for the last fault's heal sweep (faults come every hour).
    drive(&mut sim, &mut load, end + 600_000);
    let v = sim.view();
    let servers = v
        .servers
        .iter()
        .filter(|s| s.status != ONLINE)
        .map(|s| s.name.clone());
    let groups = v
        .groups
        .iter()
        .filter(|g| g.status != ONLINE)
        .map(|g| g.name.clone());
    (servers.chain(groups).collect(), load.stats, events)
}

#[test]
fn the_cluster_heals_after_every_fault() {
    let spec = SynthSpec::default();
    let mut cycles = 0;
    for seed in 1..=6 {
        let (unhealthy, stats, events) = day(&spec, seed, Millis(3_600_000));
        assert!(events > 0);
        assert_eq!(unhealthy, Vec::<String>::new(), "seed {seed}: {stats:?}");
        assert_eq!(stats.faults_injected, 24, "seed {seed}: {stats:?}");
        cycles += stats.power_cycles;
    }
    // NP actions and both-active shutdowns leave machines off: the sweep was needed.
    assert!(cycles > 0);
}

#[test]
fn the_same_seed_gives_the_same_run() {
    let spec = SynthSpec {
        servers: 8,
        groups: 4,
        ..SynthSpec::default()
    };
    let m = std::sync::Arc::new(spec.model().unwrap());
    let log = |seed| {
        let mut sim = Sim::new(m.clone(), seed);
        let mut load = FaultLoad::new(seed, Millis(600_000), &m);
        drive(&mut sim, &mut load, 6 * 3_600_000);
        let json: Vec<String> = sim
            .events()
            .iter()
            .map(|e| e.to_json(&m).to_string())
            .collect();
        (json, load.stats)
    };
    let (a, sa) = log(3);
    assert_eq!((a.clone(), sa), log(3));
    assert_ne!(a, log(4).0);
}

#[test]
fn no_faults_means_a_quiet_cluster() {
    let spec = SynthSpec {
        servers: 4,
        groups: 2,
        ..SynthSpec::default()
    };
    let (unhealthy, stats, _) = day(&spec, 1, Millis(0));
    assert!(unhealthy.is_empty());
    assert_eq!(stats, FaultStats::default());
}
