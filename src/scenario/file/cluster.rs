//! The cluster a scenario runs on: the default cluster, a cluster file beside the
//! scenario, or an inline cluster; all checked like a cluster file.

use crate::model::{ClusterFile, ConfigError, Model};
use crate::scenario::error::ScenarioError;
use serde_norway::Value;
use std::path::Path;

pub fn load(v: Option<&Value>, file: &str, dir: &Path) -> Result<Model, ScenarioError> {
    let err = |m: String| ScenarioError::new(file, "cluster", m);
    let join = |errs: Vec<ConfigError>| {
        let all: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        err(all.join("; "))
    };
    match v {
        None => Ok(Model::default_cluster()),
        Some(Value::String(p)) => {
            let path = dir.join(p);
            let text = std::fs::read_to_string(&path)
                .map_err(|e| err(format!("cannot read cluster file {}: {e}", path.display())))?;
            // A cluster YAML file or a clp.conf; import warnings go to stderr.
            crate::import::load_any(&text, &path.display().to_string())
                .map(|(m, warnings)| {
                    warnings.iter().for_each(|w| eprintln!("{w}"));
                    m
                })
                .map_err(|errs| err(errs.join("; ")))
        }
        Some(v @ Value::Mapping(_)) => {
            let cf: ClusterFile =
                serde_norway::from_value(v.clone()).map_err(|e| err(e.to_string()))?;
            Model::from_file(cf, &format!("{file} (inline cluster)")).map_err(join)
        }
        Some(_) => Err(err(
            "write a path to a cluster file or an inline cluster (a mapping)".into(),
        )),
    }
}
