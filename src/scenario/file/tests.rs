//! The loader's errors: each names the field it is about.
use super::*;
use crate::scenario::timeline::Action;

fn load_text(text: &str) -> Result<Scenario, ScenarioError> {
    parse(text, "t.yaml", Path::new("."))
}

fn err(text: &str) -> (String, String) {
    let e = load_text(text).expect_err("the text is broken");
    assert!(!e.to_string().contains('\n'), "{e}");
    (e.at, e.problem)
}

const EXPECT: &str = "expect:\n  - {at: 1s, cluster: true, status: Normal}\n";

#[test]
fn resolves_after_relative_to_the_previous_step_and_defaults() {
    let sc = load_text(&format!(
        "name: n\nsteps:\n  - {{at: 10s, op: cluster-suspend}}\n  - {{after: 5s, op: cluster-resume}}\n{EXPECT}"
    ))
    .unwrap();
    assert_eq!(sc.steps[1].at(), Some(15_000));
    assert_eq!(sc.seed, DEFAULT_SEED);
    assert_eq!(sc.planned_end(), 15_000);
    assert_eq!(sc.model.name, Model::default_cluster().name);
}

#[test]
fn a_fault_takes_its_duration_and_a_heal_its_label() {
    let sc = load_text(&format!(
        "name: n\nsteps:\n  - {{at: 1s, label: c, fault: server-crash, server: server1, duration: 2m}}\n  - {{at: 9s, heal: c}}\n{EXPECT}"
    ))
    .unwrap();
    match &sc.steps[0].action {
        Action::Inject(f) => assert_eq!(f.duration_ms, Some(120_000)),
        other => panic!("{other:?}"),
    }
    assert!(matches!(sc.steps[1].action, Action::Heal { step: 0, .. }));
}

#[test]
fn refuses_misplaced_and_conflicting_keys() {
    let s = |step: &str| format!("name: n\nsteps:\n  - {step}\n{EXPECT}");
    assert_eq!(
        err(&s(
            "{at: 1s, op: cluster-stop, fault: server-crash, server: server1}"
        ))
        .0,
        "steps[0].fault"
    );
    assert_eq!(
        err(&s("{at: 1s, after: 2s, op: cluster-stop}")).0,
        "steps[0].at"
    );
    assert_eq!(err(&s("{op: cluster-stop}")).0, "steps[0].at");
    assert_eq!(
        err(&s("{at: 1s, delay: 2s, op: cluster-stop}")).0,
        "steps[0].delay"
    );
    assert_eq!(
        err(&s("{at: 1s, op: cluster-stop, duration: 2s}")).0,
        "steps[0].duration"
    );
    assert_eq!(
        err(&s("{at: 1s, op: group-mve, group: failover1}")).0,
        "steps[0].op"
    );
    assert_eq!(
        err(&s("{at: 1s, fault: server-crsh, server: server1}")).0,
        "steps[0].fault"
    );
    assert_eq!(
        err(&s("{at: 1s, label: 5s, op: cluster-stop}")).0,
        "steps[0].label"
    );
    assert_eq!(
        err(&s(
            "{at: 1s, op: script-run, script: script.sh, target: 10.0.0.9}"
        ))
        .0,
        "steps[0].target"
    );
}

#[test]
fn refuses_expectations_that_say_nothing_or_too_much() {
    let x = |e: &str| format!("name: n\nexpect:\n  - {e}\n");
    assert_eq!(err(&x("{at: 1s, group: failover1}")).0, "expect[0].status");
    assert_eq!(err(&x("{at: 1s}")).0, "expect[0].group");
    assert_eq!(
        err(&x("{at: 1s, within: 2s, group: failover1, status: Online}")).0,
        "expect[0].within"
    );
    assert_eq!(
        err(&x("{at: 1s, monitor: fipw1, current: server1}")).0,
        "expect[0].current"
    );
    assert_eq!(
        err(&x("{at: 1s, group: failover1, instance: server1}")).0,
        "expect[0].instance"
    );
    assert_eq!(
        err(&x("{at: 1s, group: failover1, on: server1}")).0,
        "expect[0].on"
    );
    assert_eq!(
        err(&x("{count: {kind: server-down}}")).0,
        "expect[0].exactly"
    );
    assert_eq!(
        err(&x("{count: {kind: server-down}, at_least: 3, at_most: 1}")).0,
        "expect[0].at_most"
    );
    assert_eq!(
        err(&x("{sequence: [{kind: server-down}, {group: nope}]}")).0,
        "expect[0].sequence[1].group"
    );
    assert_eq!(
        err(&x(
            "{never: {group: failover1, online_on_servers: 2, status: Online}}"
        ))
        .0,
        "expect[0].never.online_on_servers"
    );
    assert_eq!(
        err(&x(
            "{within: 5s, since: nowhere, server: server1, status: Online}"
        ))
        .0,
        "expect[0].since"
    );
    assert_eq!(err("name: n\nexpect: []\n").0, "expect");
}

#[test]
fn an_inline_cluster_is_checked_like_a_cluster_file() {
    let (at, problem) = err(&format!(
        "name: n\ncluster:\n  cluster: {{name: c}}\n  servers: [{{name: a}}, {{name: a}}]\n{EXPECT}"
    ));
    assert_eq!(at, "cluster");
    assert!(problem.contains("duplicate name `a`"), "{problem}");
}

#[test]
fn any_group_offline_fails_when_a_group_stops_and_is_refused_when_misused() {
    let text = |expect: &str| {
        format!(
            "name: n\nsteps:\n  - {{at: 10s, op: group-stop, group: failover2}}\nexpect:\n  - {expect}\n  - {{at: 30s, cluster: true, status: Normal}}\n"
        )
    };
    let sc = load_text(&text("never: {any_group: true, status: Offline}")).unwrap();
    let out = crate::scenario::runner::run(&sc, sc.seed);
    assert!(!out.passed(), "failover2 stopped: some group was Offline");
    let sc = load_text(&text("never: {any_group: true, status: Offline Failure}")).unwrap();
    assert!(crate::scenario::runner::run(&sc, sc.seed).passed());
    let (at, problem) = err(&text("never: {any_group: false, status: Offline}"));
    assert_eq!(
        (at.ends_with("never.any_group"), problem.as_str()),
        (true, "write `any_group: true`"),
        "{at}"
    );
    let (at, _) = err(&text(
        "never: {any_group: true, group: failover1, status: Offline}",
    ));
    assert!(at.ends_with("never.any_group"), "{at}");
}
