//! MaxScale's own configuration over the cluster's servers: the services and the
//! monitor each server is linked to, the server parameters `alter server` changes and
//! the services `stop service` stopped. It is the face's (MaxScale's runtime
//! configuration), not the cluster's: linking a server to a service leaves the failover
//! group's policy as the cluster file wrote it, and a changed `port` or `address` is
//! what MaxScale would use, not a change of the simulated server. A server nobody
//! configured yet has the links the cluster implies: the services (failover groups)
//! whose policy has it and the cluster's monitor. Rules and messages are
//! `config_runtime.cc` 2.2's (`runtime_alter_server`, `extract_relations`,
//! `server_to_object_relations`, `object_to_server_relations`).

use super::MONITOR;
use crate::model::Model;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// One server as MaxScale's configuration has it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entry {
    /// Names of the services (failover groups) that use the server.
    pub services: BTreeSet<String>,
    /// Whether the cluster's monitor monitors it.
    pub monitored: bool,
    /// `address` when altered (else the simulated server's IP).
    pub address: Option<String>,
    /// `port` when altered (else 3306).
    pub port: Option<i64>,
    pub monitoruser: String,
    pub monitorpw: String,
    /// Custom (weighting) parameters, strings as MaxScale keeps them.
    pub custom: BTreeMap<String, String>,
}

/// The face's configuration: entries for the servers it changed, by server name.
#[derive(Default)]
pub struct Config {
    servers: BTreeMap<String, Entry>,
    /// Services stopped by `PUT /v1/services/:id/stop`.
    pub stopped_services: BTreeSet<String>,
}

impl Config {
    /// Server `i`'s entry: the stored one, else what the cluster implies.
    pub fn entry(&self, model: &Model, i: usize) -> Entry {
        let name = &model.servers[i].name;
        if let Some(e) = self.servers.get(name) {
            return e.clone();
        }
        Entry {
            services: model
                .groups
                .iter()
                .filter(|g| g.policy.contains(&i))
                .map(|g| g.name.clone())
                .collect(),
            monitored: true,
            ..Entry::default()
        }
    }

    /// Stores `e` as server `name`'s entry (dropping entries of servers that left).
    pub fn set(&mut self, model: &Model, name: &str, e: Entry) {
        self.servers
            .retain(|n, _| n == name || model.server_id(n).is_some());
        self.servers.insert(name.to_string(), e);
    }

    /// Forgets server `name` (destroyed, or its creation refused).
    pub fn forget(&mut self, name: &str) {
        self.servers.remove(name);
    }

    /// Whether the monitor monitors each of `model`'s servers.
    pub fn monitored(&self, model: &Model) -> Vec<bool> {
        (0..model.servers.len())
            .map(|i| self.entry(model, i).monitored)
            .collect()
    }
}

/// Why a relationship or parameter change failed: MaxScale's message, or `None` where
/// it answers 403 with no body (an invalid relationship in a PATCH).
pub type Refusal = Option<String>;

/// `runtime_alter_server`: one parameter set to `value` (`json_to_string` of the
/// request's value).
pub fn alter(e: &mut Entry, key: &str, value: &str) -> Result<(), String> {
    let invalid = || format!("Invalid server parameter: {key}={value}");
    match key {
        "address" => e.address = Some(value.to_string()),
        "port" => match value.trim_start().parse::<i64>() {
            Ok(p) if p > 0 => e.port = Some(p),
            _ => return Err(invalid()),
        },
        "monitoruser" => e.monitoruser = value.to_string(),
        "monitorpw" => e.monitorpw = value.to_string(),
        // Pool settings: validated and accepted; the simulation has no connections.
        "persistpoolmax" | "persistmaxtime" => {
            if !value.trim_start().parse::<i64>().is_ok_and(|v| v >= 0) {
                return Err(invalid());
            }
        }
        _ if value.is_empty() => {
            if e.custom.remove(key).is_none() {
                return Err(invalid());
            }
        }
        _ => {
            e.custom.insert(key.to_string(), value.to_string());
        }
    }
    Ok(())
}

/// jansson's `json_to_string` as `config_runtime.cc` uses it: strings as they are,
/// numbers and booleans printed, `null` empty.
pub fn json_to_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Number(_) | Value::Bool(_) => v.to_string(),
        _ => String::new(),
    }
}

/// `is_valid_resource_body`: `/data` present and every relationship an object.
pub fn valid_resource_body(v: &Value) -> Result<(), String> {
    if v.pointer("/data").is_none() {
        return Err("No '/data' field defined".into());
    }
    for kind in ["servers", "services", "monitors", "filters"] {
        let p = format!("/data/relationships/{kind}");
        if v.pointer(&p).is_some_and(|r| !r.is_object()) {
            return Err(format!("Relationship '{p}' is not an object"));
        }
    }
    Ok(())
}

/// `extract_relations`: the ids at `ptr` (an array of `{id, type}`), each accepted by
/// `valid(type, id)`; `None` when one is malformed or unknown. No array: no ids.
pub fn extract(
    v: &Value,
    ptr: &str,
    valid: impl Fn(&str, &str) -> bool,
) -> Option<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    let Some(list) = v.pointer(ptr).and_then(Value::as_array) else {
        return Some(out);
    };
    for item in list {
        let id = item.get("id").and_then(Value::as_str)?;
        let kind = item.get("type").and_then(Value::as_str)?;
        if !valid(kind, id) {
            return None;
        }
        out.insert(id.to_string());
    }
    Some(out)
}

/// `is_null_relation`: the relationship, or its `data`, is JSON null.
fn is_null_relation(v: &Value, kind: &str) -> bool {
    let base = format!("/data/relationships/{kind}");
    v.pointer(&format!("{base}/data"))
        .is_some_and(Value::is_null)
        || v.pointer(&base).is_some_and(Value::is_null)
}

/// A server's relationship names (services, and the monitor when monitored).
fn names_of(e: &Entry, kind: &str) -> BTreeSet<String> {
    match kind {
        "services" => e.services.clone(),
        _ if e.monitored => [MONITOR.to_string()].into(),
        _ => BTreeSet::new(),
    }
}

/// `server_to_object_relations`: the server's services and monitor as `new_json`
/// names them (a type left out is unchanged; `null` or `[]` unlinks all of it).
pub fn relate_server(model: &Model, e: &mut Entry, new_json: &Value) -> Result<(), Refusal> {
    let valid = |kind: &str, id: &str| match kind {
        "services" => model.group_id(id).is_some(),
        "monitors" => id.eq_ignore_ascii_case(MONITOR),
        _ => false,
    };
    let (mut old, mut new) = (BTreeSet::new(), BTreeSet::new());
    for kind in ["services", "monitors"] {
        let ptr = format!("/data/relationships/{kind}/data");
        if is_null_relation(new_json, kind) || new_json.pointer(&ptr).is_some() {
            new.extend(extract(new_json, &ptr, valid).ok_or(None)?);
            old.extend(names_of(e, kind));
        }
    }
    for gone in old.difference(&new) {
        if !e.services.remove(gone) {
            e.monitored = false;
        }
    }
    for added in new.difference(&old) {
        if model.group_id(added).is_some() {
            e.services.insert(added.clone());
        } else if e.monitored {
            return Err(Some(format!("Server '{added}' is already monitored")));
        } else {
            e.monitored = true;
        }
    }
    Ok(())
}

/// `object_to_server_relations` for a service or the monitor named `target`: the
/// servers `/data/relationships/servers/data` lists become exactly its servers.
/// `member(entry)` says whether a server is linked to it, `link(entry, on)` changes it.
pub fn relate_object(
    cfg: &mut Config,
    model: &Model,
    target: &str,
    new_json: &Value,
    member: impl Fn(&Entry) -> bool,
    link: impl Fn(&mut Entry, bool),
) -> Result<(), String> {
    let ptr = "/data/relationships/servers/data";
    if new_json.pointer(ptr).is_none() {
        return Ok(());
    }
    let valid = |kind: &str, id: &str| kind == "servers" && model.server_id(id).is_some();
    let new = extract(new_json, ptr, valid)
        .ok_or_else(|| format!("Invalid object relations for '{target}'"))?;
    for (i, s) in model.servers.iter().enumerate() {
        let mut e = cfg.entry(model, i);
        let want = new.contains(&s.name);
        if member(&e) != want {
            link(&mut e, want);
            cfg.set(model, &s.name, e);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn alter_follows_runtime_alter_server() {
        let mut e = Entry::default();
        assert_eq!(alter(&mut e, "port", "3307"), Ok(()));
        assert_eq!(e.port, Some(3307));
        assert_eq!(
            alter(&mut e, "port", "0"),
            Err("Invalid server parameter: port=0".into())
        );
        assert_eq!(alter(&mut e, "weight", "10"), Ok(()));
        assert_eq!(e.custom.get("weight").map(String::as_str), Some("10"));
        assert_eq!(alter(&mut e, "weight", ""), Ok(()), "empty removes");
        assert_eq!(
            alter(&mut e, "weight", ""),
            Err("Invalid server parameter: weight=".into())
        );
        assert_eq!(
            alter(&mut e, "persistpoolmax", "-1"),
            Err("Invalid server parameter: persistpoolmax=-1".into())
        );
        assert_eq!(json_to_string(&json!(10)), "10");
        assert_eq!(json_to_string(&json!(true)), "true");
        assert_eq!(json_to_string(&json!(null)), "");
    }

    #[test]
    fn extract_refuses_malformed_or_unknown_ids() {
        let v = json!({"data": {"relationships": {"services": {"data": [
            {"id": "failover1", "type": "services"}]}}}});
        let ok = |k: &str, id: &str| k == "services" && id == "failover1";
        let p = "/data/relationships/services/data";
        assert_eq!(extract(&v, p, ok), Some(["failover1".to_string()].into()));
        assert_eq!(extract(&v, p, |_, _| false), None);
        let bad = json!({"data": {"relationships": {"services": {"data": [{"id": 1}]}}}});
        assert_eq!(extract(&bad, p, ok), None);
        assert_eq!(
            valid_resource_body(&json!({"data": {"relationships": {"services": []}}})),
            Err("Relationship '/data/relationships/services' is not an object".into())
        );
    }
}
