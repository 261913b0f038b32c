//! `--set key=value`: one setting or per-object field overridden from the command line
//! (and by a sweep's factors). An override is a transformation of the public
//! [`ClusterFile`]: the file is turned into its JSON form, the value is put at the key's
//! path, and the result is read back as a `ClusterFile`, so a wrong key or value gets the
//! same message a cluster file would. The value is YAML (`30s`, `3`, `majority`,
//! `[server2, server1]`).
//!
//! Keys are dotted paths into the cluster file: `settings.heartbeat_timeout`,
//! `resolvers.pingnp1.type`, `groups.failover1.servers`, `monitors.*.interval`. In a list
//! of named objects a segment picks the object by name (`*`: every object, a number: by
//! position). A key of one segment that is not a section of the file is a setting:
//! `heartbeat_timeout=10s` means `settings.heartbeat_timeout=10s`.

use crate::model::{ClusterFile, Model};
use crate::scenario::Scenario;
use serde_json::{Map, Value};
use std::sync::Arc;

/// The top-level sections of a cluster file.
const SECTIONS: [&str; 8] = [
    "cluster",
    "settings",
    "servers",
    "heartbeats",
    "resolvers",
    "groups",
    "monitors",
    "scripts",
];

/// One `key=value`.
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    pub key: String,
    pub value: Value,
}

impl Override {
    /// Parses `key=value`; the value is read as YAML.
    pub fn parse(text: &str) -> Result<Override, String> {
        let (key, raw) = text
            .split_once('=')
            .ok_or_else(|| format!("--set {text}: write key=value, e.g. heartbeat_timeout=30s"))?;
        let key = key.trim();
        if key.is_empty() || key.split('.').any(str::is_empty) {
            return Err(format!("--set {text}: the key `{key}` has an empty part"));
        }
        let value = parse_value(raw).map_err(|e| format!("--set {text}: {e}"))?;
        Ok(Override {
            key: key.to_string(),
            value,
        })
    }

    /// `key=value` as a command line argument that parses back to the same override.
    pub fn to_arg(&self) -> String {
        format!("{}={}", self.key, render_value(&self.value))
    }
}

/// Parses each `key=value`; all problems, one line each.
pub fn parse_all(texts: &[String]) -> Result<Vec<Override>, Vec<String>> {
    let (ok, bad): (Vec<_>, Vec<_>) = texts
        .iter()
        .map(|t| Override::parse(t))
        .partition(|r| r.is_ok());
    if bad.is_empty() {
        Ok(ok.into_iter().flatten().collect())
    } else {
        Err(bad.into_iter().filter_map(Result::err).collect())
    }
}

/// A YAML scalar or flow collection as a JSON value.
pub fn parse_value(raw: &str) -> Result<Value, String> {
    if raw.trim().is_empty() {
        return Err("the value is empty".into());
    }
    crate::model::limits::check_yaml_text(raw).map_err(|e| format!("`{raw}`: {e}"))?;
    serde_norway::from_str::<Value>(raw).map_err(|e| format!("`{raw}` is not a YAML value: {e}"))
}

/// The value as written on a command line: a plain string when it reads back as the
/// same string, JSON otherwise (`[\"server2\",\"server1\"]`, `"3"` for the string 3).
pub fn render_value(v: &Value) -> String {
    match v {
        Value::String(s) if parse_value(s).ok().as_ref() == Some(v) => s.clone(),
        other => other.to_string(),
    }
}

/// `file` with every override applied, in order.
pub fn apply_to_cluster(file: &ClusterFile, sets: &[Override]) -> Result<ClusterFile, String> {
    if sets.is_empty() {
        return Ok(file.clone());
    }
    let mut doc =
        serde_json::to_value(file).map_err(|e| format!("cannot render the cluster: {e}"))?;
    for o in sets {
        let key = full_key(&o.key);
        let path: Vec<&str> = key.split('.').collect();
        put(&mut doc, &path, &o.value).map_err(|e| format!("--set {}: {e}", o.to_arg()))?;
    }
    let text = doc.to_string();
    serde_json::from_str::<ClusterFile>(&text).map_err(|e| {
        let keys: Vec<String> = sets.iter().map(Override::to_arg).collect();
        // The position is in the JSON form, which the user never saw.
        let e = e.to_string();
        let e = e.split(" at line ").next().unwrap_or_default();
        format!("--set {}: {e}", keys.join(" "))
    })
}

/// `settings.` prepended to a one-segment key that is not a section.
pub fn full_key(key: &str) -> String {
    if !key.contains('.') && !SECTIONS.contains(&key) {
        format!("settings.{key}")
    } else {
        key.to_string()
    }
}

fn put(node: &mut Value, path: &[&str], value: &Value) -> Result<(), String> {
    let Some((head, rest)) = path.split_first() else {
        *node = value.clone();
        return Ok(());
    };
    match node {
        Value::Object(map) => {
            let child = map.entry(head.to_string()).or_insert_with(|| {
                if rest.is_empty() {
                    Value::Null
                } else {
                    Value::Object(Map::new())
                }
            });
            put(child, rest, value)
        }
        Value::Array(items) => {
            let picked = pick(items, head)?;
            for i in picked {
                put(&mut items[i], rest, value)?;
            }
            Ok(())
        }
        Value::Null => {
            *node = Value::Object(Map::new());
            put(node, path, value)
        }
        other => Err(format!("`{head}` is inside `{other}`, which has no fields")),
    }
}

/// The positions a segment names in a list of named objects.
fn pick(items: &[Value], seg: &str) -> Result<Vec<usize>, String> {
    if seg == "*" {
        return Ok((0..items.len()).collect());
    }
    let names: Vec<&str> = items
        .iter()
        .filter_map(|v| v.get("name").and_then(Value::as_str))
        .collect();
    if let Some(i) = names.iter().position(|n| *n == seg) {
        return Ok(vec![i]);
    }
    if let Ok(i) = seg.parse::<usize>() {
        if i < items.len() {
            return Ok(vec![i]);
        }
    }
    Err(format!(
        "no object named `{seg}` here; the names are: {}",
        if names.is_empty() {
            "(none)".to_string()
        } else {
            names.join(", ")
        }
    ))
}

/// A copy of `sc` on its cluster with the overrides applied. The objects must keep
/// their names and order (a scenario's steps and expectations refer to them).
pub fn apply_to_scenario(sc: &Scenario, sets: &[Override]) -> Result<Scenario, String> {
    if sets.is_empty() {
        return Ok(sc.clone());
    }
    let file = apply_to_cluster(&sc.model.source, sets).map_err(|e| format!("{}: {e}", sc.file))?;
    let origin = format!("{} (with --set)", sc.file);
    let model = Model::from_file(file, &origin).map_err(|errs| {
        errs.iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    if names(&model) != names(&sc.model) {
        return Err(format!(
            "{}: --set may change fields, not which objects exist or their names",
            sc.file
        ));
    }
    let mut out = sc.clone();
    out.model = Arc::new(model);
    Ok(out)
}

/// `--set` of `clustersim run`: every scenario with the overrides applied.
pub fn set_scenarios(scenarios: &mut [Scenario], texts: &[String]) -> Result<(), String> {
    if texts.is_empty() {
        return Ok(());
    }
    let sets = parse_all(texts).map_err(|e| e.join("; "))?;
    for sc in scenarios.iter_mut() {
        *sc = apply_to_scenario(sc, &sets)?;
    }
    Ok(())
}

/// `--set` of `clustersim bench`: the synthetic cluster with the overrides applied.
pub fn set_cluster(file: ClusterFile, texts: &[String]) -> Result<ClusterFile, String> {
    let sets = parse_all(texts).map_err(|e| e.join("; "))?;
    apply_to_cluster(&file, &sets)
}

/// Every object's name, section by section, in order.
fn names(m: &Model) -> Vec<Vec<&str>> {
    vec![
        m.servers.iter().map(|x| x.name.as_str()).collect(),
        m.paths.iter().map(|x| x.name.as_str()).collect(),
        m.resolvers.iter().map(|x| x.name.as_str()).collect(),
        m.groups.iter().map(|x| x.name.as_str()).collect(),
        m.resources.iter().map(|x| x.name.as_str()).collect(),
        m.monitors.iter().map(|x| x.name.as_str()).collect(),
        m.scripts.iter().map(|x| x.name.as_str()).collect(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Millis, ResolverKind};

    fn default_file() -> ClusterFile {
        Model::default_cluster().source
    }

    fn set(texts: &[&str]) -> Result<Model, String> {
        let sets = parse_all(&texts.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .map_err(|e| e.join("; "))?;
        let f = apply_to_cluster(&default_file(), &sets)?;
        Model::from_file(f, "t").map_err(|e| format!("{e:?}"))
    }

    #[test]
    fn settings_objects_and_lists_are_overridden() {
        let m = set(&[
            "heartbeat_timeout=20s",
            "resolvers.pingnp1.type=majority",
            "groups.failover1.servers=[server2, server1]",
            "monitors.*.interval=10s",
        ])
        .unwrap();
        assert_eq!(m.settings.heartbeat_timeout, Millis::secs(20));
        assert_eq!(m.paths[0].timeout, Millis::secs(20));
        assert_eq!(m.resolvers[0].kind, ResolverKind::Majority);
        let g = m.group_id("failover1").unwrap();
        assert_eq!(m.groups[g].policy, vec![1, 0]);
        assert!(m.monitors.iter().all(|x| x.interval == Millis::secs(10)));
    }

    #[test]
    fn bad_keys_and_values_are_named() {
        let e = set(&["settings.heartbeat_timeout=90"]).unwrap_err();
        assert!(e.contains("no unit"), "{e}");
        let e = set(&["groups.nosuch.failback=auto"]).unwrap_err();
        assert!(
            e.contains("no object named `nosuch`") && e.contains("failover1"),
            "{e}"
        );
        let e = set(&["settings.no_such_setting=1"]).unwrap_err();
        assert!(e.contains("no_such_setting"), "{e}");
        assert!(Override::parse("novalue")
            .unwrap_err()
            .contains("key=value"));
        assert!(Override::parse("a..b=1")
            .unwrap_err()
            .contains("empty part"));
    }

    #[test]
    fn rendering_round_trips() {
        for text in ["k=30s", "k=3", "k=[\"a\",\"b\"]", "k=\"3\"", "k=true"] {
            let o = Override::parse(text).unwrap();
            assert_eq!(Override::parse(&o.to_arg()).unwrap(), o, "{text}");
        }
        assert_eq!(Override::parse("k=30s").unwrap().to_arg(), "k=30s");
    }

    #[test]
    fn scenarios_refuse_renames() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let sc = crate::scenario::load(&dir.join("s2-server-crash-with-resolver-fails-over.yaml"))
            .unwrap();
        let o = vec![Override::parse("servers.server1.name=x").unwrap()];
        assert!(apply_to_scenario(&sc, &o).is_err());
        let o = vec![Override::parse("heartbeat_timeout=10s").unwrap()];
        let changed = apply_to_scenario(&sc, &o).unwrap();
        assert_eq!(changed.model.paths[0].timeout, Millis::secs(10));
        assert_eq!(sc.model.paths[0].timeout, Millis::secs(90));
    }
}
