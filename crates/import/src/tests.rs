//! The import of the clp.conf files written for this project (`tests/clp_conf/`) from
//! the documented structure, their round trip through the model's YAML, and the errors.

use super::*;
use crate::model::{AutoManual, FinalAction, HeartbeatKind, Millis, MonitorTiming, NpAction};

fn conf(name: &str) -> String {
    let path = format!("{}/../../tests/clp_conf/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn ok(name: &str) -> Import {
    import(&conf(name), name).unwrap_or_else(|e| panic!("{name}: {e:#?}"))
}

fn warned(i: &Import, fragment: &str) -> bool {
    i.warnings.iter().any(|w| w.contains(fragment))
}

#[test]
fn two_node_with_floating_ip() {
    let i = ok("two-node-fip.conf");
    let f = &i.file;
    assert_eq!(f.cluster.name, "lab");
    let servers: Vec<_> = f
        .servers
        .iter()
        .map(|s| (s.name.as_str(), s.priority, s.ip.as_deref()))
        .collect();
    assert_eq!(
        servers,
        [
            ("node1", Some(0), Some("192.168.10.11")),
            ("node2", Some(1), Some("192.168.10.12"))
        ]
    );
    assert_eq!(f.settings.heartbeat_timeout, Millis::secs(60));
    assert_eq!(
        f.settings.heartbeat_interval,
        Millis::secs(3),
        "absent: default"
    );
    assert_eq!(f.settings.np_action, NpAction::RebootOs);
    assert_eq!(f.heartbeats.len(), 1);
    assert_eq!(f.heartbeats[0].kind, HeartbeatKind::Lankhb);
    assert_eq!(f.heartbeats[0].servers, None, "on every server");
    assert_eq!(f.resolvers[0].target.as_deref(), Some("192.168.10.1"));
    let g = &f.groups[0];
    assert_eq!(
        (g.startup, g.failover, g.failback),
        (AutoManual::Auto, AutoManual::Auto, AutoManual::Auto)
    );
    assert_eq!(g.servers, None, "no policy: all servers by priority");
    let (ip, app) = (&g.resources[0], &g.resources[1]);
    assert_eq!((ip.name.as_str(), ip.activation.retry), ("webip", Some(2)));
    assert_eq!(app.depends_on.as_deref(), Some(&["webip".to_string()][..]));
    assert_eq!(app.deactivation.final_action, Some(FinalAction::RebootOs));
    let m = &f.monitors[0];
    assert_eq!(
        (m.kind.as_str(), m.target.as_deref()),
        ("fipw", Some("webip"))
    );
    assert_eq!(
        (m.timing, m.interval),
        (MonitorTiming::Active, Some(Millis::secs(30)))
    );
    assert_eq!(m.recovery_target.as_deref(), Some("web"));
    assert_eq!(
        f.monitors[1].recovery_target.as_deref(),
        Some("LocalServer")
    );
    // What has no equivalent is reported by path.
    assert!(
        warned(
            &i,
            r#"/root/resource/fip[@name="webip"]/parameters: no equivalent"#
        ),
        "{:#?}",
        i.warnings
    );
    assert!(warned(
        &i,
        r#"/root/monitor/userw[@name="userw"]/parameters: no equivalent"#
    ));
    assert!(warned(&i, "/root/all: no equivalent"));
    assert!(i
        .warnings
        .iter()
        .all(|w| w.starts_with("two-node-fip.conf: warning: /root")));
}

#[test]
fn three_nodes_several_groups_and_monitors() {
    let i = ok("three-node.conf");
    let f = &i.file;
    let names = |v: Vec<&str>| v.join(",");
    assert_eq!(
        names(f.servers.iter().map(|s| s.name.as_str()).collect()),
        "srv-a,srv-b,srv-c"
    );
    assert_eq!(
        names(f.heartbeats.iter().map(|h| h.name.as_str()).collect()),
        "lankhb1,lankhb2,diskhb1",
        "by priority"
    );
    assert_eq!(
        f.heartbeats[1].servers.as_deref(),
        Some(&["srv-a".to_string(), "srv-b".to_string()][..])
    );
    assert_eq!(
        (f.settings.heartbeat_interval, f.settings.heartbeat_timeout),
        (Millis::secs(2), Millis::secs(30))
    );
    assert!(
        warned(
            &i,
            r#"pingnp[@name="pingnp1"]/grp[@id="0"]/list[@id="1"]: no equivalent"#
        ),
        "{:#?}",
        i.warnings
    );
    let db = &f.groups[0];
    assert_eq!(
        db.servers.as_deref(),
        Some(&["srv-a".to_string(), "srv-b".to_string()][..])
    );
    let disk = &db.resources[2];
    assert_eq!(disk.activation.retry, Some(1));
    assert_eq!(disk.activation.failover_threshold, Some(2));
    assert_eq!(disk.activation.final_action, Some(FinalAction::StopGroup));
    assert_eq!(
        db.resources[3].depends_on.as_deref(),
        Some(&["data".to_string(), "dbip".to_string()][..])
    );
    assert_eq!(
        db.resources[3].deactivation.final_action,
        Some(FinalAction::StopClusterService)
    );
    let batch = &f.groups[1];
    assert_eq!(
        (batch.startup, batch.failover),
        (AutoManual::Manual, AutoManual::Manual)
    );
    assert_eq!(
        f.groups[2].resources[1].activation.final_action,
        Some(FinalAction::NoOperationContinue)
    );
    let diskw = &f.monitors[1];
    assert_eq!(
        (diskw.interval, diskw.timeout, diskw.retry),
        (Some(Millis::secs(20)), Some(Millis::secs(40)), Some(3))
    );
    assert_eq!(diskw.servers.as_ref().map(Vec::len), Some(2));
    assert_eq!(
        (diskw.max_reactivation, diskw.max_failover),
        (Some(0), Some(2))
    );
    assert_eq!(diskw.final_action, Some(FinalAction::ShutdownOs));
    let genw = &f.monitors[2];
    assert!(genw.ignore_timeout);
    assert_eq!(genw.recovery_target.as_deref(), Some("appsvc"));
    assert!(warned(
        &i,
        r#"genw[@name="genw1"]/firstmonwait: no equivalent"#
    ));
    // The model builds, with its defaults where the file is silent.
    let (m, _) = load_any(&conf("three-node.conf"), "three-node.conf").unwrap();
    assert_eq!(m.monitors[0].interval, Millis::secs(60));
    assert_eq!(m.groups[2].policy.len(), 3);
}

#[test]
fn windows_types_are_simulated_by_their_nearest_kind() {
    let i = ok("windows.conf");
    let kinds: Vec<_> = i.file.groups[0]
        .resources
        .iter()
        .map(|r| r.kind.as_str())
        .collect();
    assert_eq!(kinds, ["fip", "disk", "exec", "exec"]);
    assert!(warned(
        &i,
        r#"/root/resource/sd[@name="sqldisk"]: type `sd` is simulated as `disk`"#
    ));
    assert!(load_any(&conf("windows.conf"), "windows.conf").is_ok());
}

#[test]
fn mirror_disks_import_with_their_connects_device_and_monitors() {
    let i = ok("mirror-disk.conf");
    assert_eq!(i.file.groups[0].resources[1].kind.as_str(), "md");
    assert_eq!(i.file.mirror_connects[0].name, "mdc1");
    for part in [
        "/root/mdc: no equivalent",
        r#"/root/server[@name="m1"]/device[@id="400"]: no equivalent"#,
    ] {
        assert!(!warned(&i, part), "{part}: {:#?}", i.warnings);
    }
    // The mount point, the partitions and the file system have no equivalent.
    assert!(warned(
        &i,
        r#"/root/resource/md[@name="md1"]/parameters/mount: no equivalent"#
    ));
    let (m, _) = load_any(&conf("mirror-disk.conf"), "mirror-disk.conf").unwrap();
    assert_eq!(
        m.monitors[0].timeout,
        Millis::secs(999),
        "mdw's own default"
    );
    let md = m.mirror_of(m.resource_id("md1").unwrap()).unwrap();
    assert_eq!(md.device, "/dev/NMP1");
    assert_eq!(m.mirror_connects[md.connects[0]].name, "mdc1");
    let mdw = &m.monitors[0];
    assert_eq!(mdw.target, m.resource_id("md1"));
}

/// Import, export the model's settings as YAML (what `default-config` prints for the
/// default cluster), read it back: every imported value is there.
#[test]
fn every_import_round_trips_through_the_exported_yaml() {
    for name in [
        "two-node-fip.conf",
        "three-node.conf",
        "windows.conf",
        "mirror-disk.conf",
    ] {
        let (model, _) = load_any(&conf(name), name).unwrap();
        let yaml = model.to_yaml();
        let back: ClusterFile = serde_norway::from_str(&yaml).unwrap();
        let imported = ok(name).file;
        assert_eq!(
            serde_json::to_value(&back).unwrap(),
            serde_json::to_value(&imported).unwrap(),
            "{name}"
        );
        for s in &imported.servers {
            assert!(
                yaml.contains(&format!("name: {}", s.name)),
                "{name}: {yaml}"
            );
            if let Some(ip) = &s.ip {
                assert!(yaml.contains(ip.as_str()), "{name}");
            }
        }
        for m in &imported.monitors {
            assert!(yaml.contains(&format!("name: {}", m.name)), "{name}");
        }
    }
}

fn errors(text: &str) -> Vec<String> {
    import(text, "bad.conf").unwrap_err()
}

const MINI: &str = r#"<root><cluster><name>c</name></cluster>
<heartbeat><lankhb name="h"><priority>0</priority></lankhb></heartbeat>
<server name="a"/><server name="b"/>
GROUPS
</root>"#;

#[test]
fn bad_files_are_one_line_each_with_the_xml_path() {
    let e = errors("<root><cluster><name>c</name></cluster");
    assert_eq!(e.len(), 1);
    assert!(e[0].starts_with("bad.conf: malformed XML: "), "{e:?}");
    let e = errors(&MINI.replace(
        "GROUPS",
        r#"<group name="g"><resource name="exec@nosuch"/><policy name="zz"><order>0</order></policy></group>
           <monitor><genw name="m"><target>ghost</target><relation><type>grp</type><name>gg</name></relation></genw></monitor>"#,
    ));
    for want in [
        r#"bad.conf: /root/group[@name="g"]/resource[@name="exec@nosuch"]: no resource `exec@nosuch` is defined under /root/resource"#,
        r#"bad.conf: /root/group[@name="g"]/policy[@name="zz"]: no server `zz` in the cluster"#,
        r#"bad.conf: /root/monitor/genw[@name="m"]/target: no group resource `ghost`"#,
        r#"bad.conf: /root/monitor/genw[@name="m"]/relation/name: no group `gg`"#,
    ] {
        assert!(e.iter().any(|l| l == want), "{want}\n{e:#?}");
    }
    // A target without a timing is an "active" monitor (only targets of active ones are written).
    let i = import(
        &MINI.replace(
            "GROUPS",
            r#"<group name="g"><resource name="fip@f"/></group><resource><fip name="f"/></resource>
               <monitor><fipw name="w"><target>f</target></fipw></monitor>"#,
        ),
        "m.conf",
    )
    .unwrap();
    assert_eq!(i.file.monitors[0].timing, MonitorTiming::Active);
    let e = errors(
        &MINI
            .replace("GROUPS", "")
            .replace("<priority>0</priority>", "<priority>x</priority>"),
    );
    assert_eq!(
        e,
        [r#"bad.conf: /root/heartbeat/lankhb[@name="h"]/priority: `x` is not a number"#]
    );
    assert!(errors("<cib/>")[0].contains("the root element of a clp.conf is <root>"));
    assert!(errors("<root/>").iter().all(|l| !l.contains('\n')));
}

#[test]
fn yaml_and_clp_conf_are_told_apart() {
    assert!(is_clp_conf("cluster: {}", "x.conf"));
    assert!(is_clp_conf("  <?xml version='1.0'?><root/>", "x"));
    assert!(!is_clp_conf("cluster: {name: c}", "c.yaml"));
    let (m, w) = load_any(crate::model::DEFAULT_CLUSTER_YAML, "d.yaml").unwrap();
    assert_eq!((m.servers.len(), w.len()), (2, 0));
}

/// The files written after NEC's public samples and clpcfset documentation (each names
/// its source in a comment): every one loads, and every group, resource and monitor
/// the XML declares is served under its own name.
const NEC_SHAPED: &[&str] = &[
    "windows-mirror-mdc-devices.conf",
    "linux-x5-two-mirrors.conf",
    "windows-hybrid-three-node.conf",
    "windows-shared-disk-disknp.conf",
    "every-documented-type.conf",
];

/// `(groups, resources, monitors)` declared in a clp.conf, by name.
fn declared(text: &str) -> [Vec<String>; 3] {
    let doc = roxmltree::Document::parse(text).unwrap();
    let root = doc.root_element();
    let named_under = |section: &str| -> Vec<String> {
        root.children()
            .filter(|n| n.has_tag_name(section))
            .flat_map(|s| s.children())
            .filter(|n| n.is_element() && !n.has_tag_name("types"))
            .filter_map(|n| n.attribute("name").map(str::to_string))
            .collect()
    };
    let groups = root
        .children()
        .filter(|n| n.has_tag_name("group"))
        .filter_map(|n| n.attribute("name").map(str::to_string))
        .collect();
    [groups, named_under("resource"), named_under("monitor")]
}

#[test]
fn nec_shaped_files_load_and_serve_every_object_by_name() {
    for name in NEC_SHAPED {
        let text = conf(name);
        let (model, warnings) = load_any(&text, name).unwrap_or_else(|e| panic!("{name}: {e:#?}"));
        let [groups, resources, monitors] = declared(&text);
        assert!(!groups.is_empty() && !resources.is_empty() && !monitors.is_empty());
        for g in &groups {
            assert!(model.group_id(g).is_some(), "{name}: group {g}");
        }
        for r in &resources {
            assert!(model.resource_id(r).is_some(), "{name}: resource {r}");
        }
        for m in &monitors {
            assert!(
                model.monitors.iter().any(|x| &x.name == m),
                "{name}: monitor {m}"
            );
        }
        assert!(
            warnings
                .iter()
                .all(|w| w.starts_with(&format!("{name}: warning: /root"))),
            "{name}: {warnings:#?}"
        );
    }
}

#[test]
fn mirror_connects_declared_as_per_server_devices_take_their_netdev_names() {
    let i = ok("windows-mirror-mdc-devices.conf");
    let connects: Vec<_> = i
        .file
        .mirror_connects
        .iter()
        .map(|m| (m.name.as_str(), m.servers.clone()))
        .collect();
    assert_eq!(
        connects,
        [("mdc1", None), ("mdc2", None)],
        "by netdev priority, on both servers"
    );
    let md = &i.file.groups[0].resources[1];
    let connects = md.mirror.as_ref().and_then(|m| m.connects.clone());
    assert_eq!(connects, Some(vec!["mdc1".to_string(), "mdc2".to_string()]));
    for part in [
        r#"device[@id="400"]"#,
        r#"device[@id="401"]"#,
        "/root/monitor/mdw",
    ] {
        assert!(!warned(&i, part), "{part}: {:#?}", i.warnings);
    }
    let (m, _) = load_any(&conf("windows-mirror-mdc-devices.conf"), "w.conf").unwrap();
    let mdw = m.monitors.iter().find(|x| x.name == "mdw1").unwrap();
    assert_eq!(
        mdw.target,
        m.resource_id("md"),
        "parameters/object names the md"
    );
    // The Linux X 5.3 shape: two md resources share the one connect.
    let i = ok("linux-x5-two-mirrors.conf");
    assert_eq!(i.file.mirror_connects.len(), 1);
    assert_eq!(i.file.mirror_connects[0].name, "mdc1");
    assert!(
        warned(&i, r#"md[@name="md2"]/parameters/mddriver: no equivalent"#),
        "{:#?}",
        i.warnings
    );
}

#[test]
fn hybrid_disks_and_what_is_not_simulated_are_warnings() {
    let i = ok("windows-hybrid-three-node.conf");
    assert_eq!(i.file.groups[0].resources[1].kind.as_str(), "hd");
    assert!(
        warned(&i, "/root/servergroup: no equivalent"),
        "{:#?}",
        i.warnings
    );
    assert!(!warned(&i, "/root/monitor/hdw"), "{:#?}", i.warnings);
    let i = ok("windows-shared-disk-disknp.conf");
    assert!(
        warned(
            &i,
            r#"/root/networkpartition/disknp[@name="disknp1"]: no equivalent"#
        ),
        "{:#?}",
        i.warnings
    );
    assert!(warned(
        &i,
        r#"/root/resource/sd[@name="sd-data"]: type `sd` is simulated as `disk`"#
    ));
    let i = ok("every-documented-type.conf");
    let not_simulated: Vec<_> = i
        .warnings
        .iter()
        .filter(|w| w.contains("is not simulated"))
        .collect();
    assert_eq!(
        not_simulated.len(),
        2,
        "only the undocumented types: {not_simulated:#?}"
    );
    assert!(warned(
        &i,
        r#"/root/resource/futurersc[@name="futurersc1"]: type `futurersc` is not simulated"#
    ));
    assert!(warned(
        &i,
        r#"/root/monitor/futurew[@name="futurew1"]: type `futurew` is not simulated"#
    ));
    assert!(warned(
        &i,
        r#"/root/resource/vcom[@name="vcom1"]: type `vcom` is simulated as `ddns`"#
    ));
}
