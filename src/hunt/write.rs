//! The counterexample as a scenario file (plain YAML in the documented format: the
//! cluster by path, the seed, one labelled step per fault, the property's
//! expectations), and the text a hunt prints. The file is parsed back and run by the
//! scenario runner before it is reported, so what `hunt` says is what `clustersim run`
//! of the file says.

use super::search::Hunt;
use super::vocab::Schedule;
use crate::model::Millis;
use serde_json::{json, Map, Value};

/// Where the written scenario finds its cluster.
#[derive(Clone, Debug)]
pub enum ClusterRef {
    /// The embedded default cluster (no `cluster` key).
    Default,
    /// A path, relative to the scenario file's folder.
    Path(String),
}

/// The scenario text for `s`. `refused[i]`: the engine refused step `i` when it ran.
pub fn scenario_text(
    h: &Hunt,
    s: &Schedule,
    cluster: &ClusterRef,
    refused: &[bool],
    header: &str,
) -> String {
    let mut out = String::new();
    for line in header.lines() {
        out.push_str(&format!("# {line}\n"));
    }
    let props: Vec<&str> = h.properties.iter().map(|p| p.text.as_str()).collect();
    out.push_str(&format!(
        "name: {}\n",
        flow(&json!(format!(
            "hunt: {} broken by {} fault(s)",
            props.join("; "),
            s.len()
        )))
    ));
    if let ClusterRef::Path(p) = cluster {
        out.push_str(&format!("cluster: {}\n", flow(&json!(p))));
    }
    out.push_str(&format!(
        "seed: {}\nend: {}\nsteps:\n",
        h.seed,
        Millis(h.vocab.end)
    ));
    for (i, f) in s.iter().enumerate() {
        let mut m = Map::new();
        m.insert("at".into(), json!(Millis(f.at).to_string()));
        m.insert("label".into(), json!(format!("fault{}", i + 1)));
        let kind = serde_json::to_value(&h.vocab.faults[f.what]).unwrap_or(Value::Null);
        for (k, v) in kind.as_object().into_iter().flatten() {
            let key = if k == "kind" { "fault" } else { k.as_str() };
            m.insert(key.into(), v.clone());
        }
        if let Some(d) = f.duration {
            m.insert("duration".into(), json!(Millis(d).to_string()));
        }
        if refused.get(i).copied().unwrap_or(false) {
            m.insert("refused".into(), json!(true));
        }
        out.push_str(&format!("  - {}\n", flow(&Value::Object(m))));
    }
    out.push_str("expect:\n");
    for v in h.properties.iter().flat_map(|p| p.expectations(s.len())) {
        let j = serde_json::to_value(&v).unwrap_or(Value::Null);
        out.push_str(&format!("  - {}\n", flow(&j)));
    }
    out
}

/// A JSON value as YAML flow style, plain scalars where YAML reads them back as the
/// same strings.
pub fn flow(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let items: Vec<String> = m.iter().map(|(k, v)| format!("{k}: {}", flow(v))).collect();
            format!("{{{}}}", items.join(", "))
        }
        Value::Array(a) => {
            let items: Vec<String> = a.iter().map(flow).collect();
            format!("[{}]", items.join(", "))
        }
        Value::String(s) if plain(s) => s.clone(),
        other => other.to_string(),
    }
}

fn plain(s: &str) -> bool {
    let reserved = ["true", "false", "null", "yes", "no", "on", "off", "~"];
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
        && !s.starts_with(['-', '.'])
        && !reserved.contains(&s.to_ascii_lowercase().as_str())
        && s.parse::<f64>().is_err()
}

/// `path` relative to the folder `dir` (both as the user wrote them, resolved against
/// the working folder), so that the scenario finds its cluster wherever it is written.
pub fn relative_to(dir: &std::path::Path, path: &std::path::Path) -> String {
    let abs = |p: &std::path::Path| {
        std::fs::canonicalize(p)
            .unwrap_or_else(|_| std::env::current_dir().unwrap_or_default().join(p))
    };
    let (d, p) = (abs(dir), abs(path));
    let dc: Vec<_> = d.components().collect();
    let pc: Vec<_> = p.components().collect();
    let common = dc.iter().zip(&pc).take_while(|(a, b)| a == b).count();
    let mut out = std::path::PathBuf::new();
    for _ in common..dc.len() {
        out.push("..");
    }
    for c in &pc[common..] {
        out.push(c);
    }
    out.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flow_style_reads_back_as_the_same_value() {
        let v = json!({"at": "10s", "fault": "partition", "sides": [["server1"], ["server2"]],
                       "oneway": true, "n": 2, "s": "a b", "t": "true", "x": "1e3"});
        let text = flow(&v);
        let back: serde_norway::Value = serde_norway::from_str(&text).unwrap();
        assert_eq!(serde_json::to_value(back).unwrap(), v, "{text}");
    }
}
