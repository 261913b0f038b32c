use super::*;

fn errors(yaml: &str) -> Vec<String> {
    match Model::from_yaml(yaml, "t.yaml") {
        Ok(_) => vec![],
        Err(e) => e.iter().map(|e| e.to_string()).collect(),
    }
}

const BASE: &str =
    "cluster: {name: c}\nservers: [{name: a}, {name: b}]\nheartbeats: [{name: hb, type: lankhb}]\n";

#[test]
fn default_cluster_resolves_with_product_defaults() {
    let m = Model::default_cluster();
    assert_eq!(m.servers.len(), 2);
    assert_eq!(m.paths[0].interval, Millis::secs(3));
    assert_eq!(m.paths[0].timeout, Millis::secs(90));
    let g = &m.groups[m.group_id("failover1").unwrap()];
    assert_eq!(g.failback, AutoManual::Manual);
    assert_eq!(g.failover, AutoManual::Auto);
    let names: Vec<_> = g
        .start_order
        .iter()
        .map(|&r| m.resources[r].name.as_str())
        .collect();
    assert_eq!(names, ["fip1", "script1"]);
    let fipw = &m.monitors[m.monitor_id("fipw1").unwrap()];
    assert_eq!((fipw.max_reactivation, fipw.max_failover), (3, 1));
}

#[test]
fn default_dependencies_follow_type_tiers() {
    let y = format!("{BASE}groups:\n- name: g\n  resources:\n  - {{name: x, type: exec}}\n  - {{name: d, type: disk}}\n  - {{name: ip, type: fip}}\n");
    let m = Model::from_yaml(&y, "t.yaml").unwrap();
    let order: Vec<_> = m.groups[0]
        .start_order
        .iter()
        .map(|&r| m.resources[r].name.as_str())
        .collect();
    assert_eq!(order, ["ip", "d", "x"]);
}

#[test]
fn unknown_server_in_policy_is_named() {
    let e = errors(&format!("{BASE}groups: [{{name: g, servers: [a, zz]}}]\n"));
    assert_eq!(
        e,
        ["t.yaml: groups[0].servers[1]: unknown server `zz` (known: a, b)"]
    );
}

#[test]
fn dependency_cycle_is_reported() {
    let y = format!("{BASE}groups:\n- name: g\n  resources:\n  - {{name: x, type: exec, depends_on: [y]}}\n  - {{name: y, type: exec, depends_on: [x]}}\n");
    let e = errors(&y);
    assert_eq!(e.len(), 1);
    assert!(e[0].contains("dependency cycle"), "{e:?}");
}

#[test]
fn duplicates_are_reported_each() {
    let e = errors("cluster: {name: c}\nservers: [{name: a}, {name: a}]\nheartbeats: [{name: h, type: lankhb}, {name: h, type: lanhb}]\n");
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(e[0].contains("servers[1].name: duplicate name `a`"));
    assert!(e[1].contains("heartbeats[1].name: duplicate name `h`"));
}

#[test]
fn product_server_limit_needs_explicit_lift() {
    let servers: Vec<String> = (0..33).map(|i| format!("{{name: s{i}}}")).collect();
    let y = format!(
        "cluster: {{name: c}}\nservers: [{}]\nheartbeats: [{{name: h, type: lankhb}}]\n",
        servers.join(", ")
    );
    assert!(errors(&y)[0].contains("exceed the product's limit of 32"));
    let lifted = y.replace("{name: c}", "{name: c, lift_product_limits: true}");
    assert!(errors(&lifted).is_empty());
}

#[test]
fn bad_duration_names_line_and_problem() {
    let e = errors(&BASE.replace("type: lankhb}", "type: lankhb, timeout: 90}"));
    assert_eq!(e.len(), 1);
    assert!(e[0].starts_with("t.yaml: line 3 column"), "{e:?}");
    assert!(e[0].contains("no unit"), "{e:?}");
}

#[test]
fn unknown_field_is_refused() {
    let e = errors(&format!("{BASE}grups: []\n"));
    assert!(e[0].contains("unknown field `grups`"), "{e:?}");
}

/// A server added without a priority, then an earlier one removed: its index meets
/// another server's own priority, and it takes the next free one instead of refusing.
#[test]
fn a_server_without_a_priority_takes_the_next_free_one() {
    let y = "cluster: {name: c}\nservers: [{name: b, priority: 1}, {name: d}]\nheartbeats: [{name: hb, type: lankhb}]\n";
    let m = Model::from_yaml(y, "t.yaml").unwrap();
    let p: Vec<u32> = m.servers.iter().map(|s| s.priority).collect();
    assert_eq!(p, vec![1, 2]);
    // Two servers that name the same priority are still refused.
    let y = y.replace("{name: d}", "{name: d, priority: 1}");
    assert!(errors(&y)[0].contains("priority 1 is used by two servers"));
}
