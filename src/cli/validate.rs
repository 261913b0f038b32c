//! `clustersim validate FILE...`: loads each cluster file and reports either a summary
//! or one line per problem.

use std::path::Path;

/// The outcome for one file: the summary line, or one line per problem.
pub fn check_file(path: &Path) -> Result<String, Vec<String>> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| vec![format!("{origin}: cannot read the file: {e}")])?;
    check_text(&text, &origin)
}

/// As [`check_file`], for text already read; `origin` names it in every line. A
/// clp.conf is accepted too; its import warnings go to stderr.
pub fn check_text(text: &str, origin: &str) -> Result<String, Vec<String>> {
    crate::model::limits::check_size(text).map_err(|e| vec![format!("{origin}: {e}")])?;
    if looks_like_scenario(text) {
        return Err(vec![format!(
            "{origin}: this is a scenario file (it has `steps:` or `expect:`), not a cluster file; run it with `clustersim run {origin}`"
        )]);
    }
    let (model, warnings) = crate::import::load_any(text, origin)
        .map_err(|errs| errs.iter().map(|e| one_line(e)).collect::<Vec<_>>())?;
    warnings.iter().for_each(|w| eprintln!("{w}"));
    Ok(format!(
        "{origin}: ok ({} servers, {} groups, {} resources, {} monitors)",
        model.servers.len(),
        model.groups.len(),
        model.resources.len(),
        model.monitors.len()
    ))
}

/// A scenario file has top-level `steps` or `expect`, which no cluster file has.
fn looks_like_scenario(text: &str) -> bool {
    if crate::model::limits::check_yaml_text(text).is_err() {
        return false; // the cluster loader names the problem
    }
    let Ok(serde_norway::Value::Mapping(map)) = serde_norway::from_str::<serde_norway::Value>(text)
    else {
        return false;
    };
    ["steps", "expect"].iter().any(|k| map.contains_key(*k))
}

/// Problems are printed one per line, whatever the YAML parser put in its message.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_cluster_is_summarised() {
        let line = check_text(crate::model::DEFAULT_CLUSTER_YAML, "d.yaml").unwrap();
        assert_eq!(
            line,
            "d.yaml: ok (2 servers, 2 groups, 4 resources, 3 monitors)"
        );
    }

    #[test]
    fn each_problem_is_one_line_naming_the_file() {
        let yaml = "cluster: {name: c}\nservers: [{name: a}, {name: a}]\n\
                    heartbeats: [{name: h, type: lankhb}]\n\
                    groups: [{name: g, servers: [nosuch]}]\n";
        let lines = check_text(yaml, "bad.yaml").unwrap_err();
        assert!(lines.len() >= 2, "{lines:?}");
        assert!(lines
            .iter()
            .all(|l| l.starts_with("bad.yaml: ") && !l.contains('\n')));
        assert!(
            lines.iter().any(|l| l.contains("duplicate name `a`")),
            "{lines:?}"
        );
        assert!(lines.iter().any(|l| l.contains("nosuch")), "{lines:?}");
    }

    #[test]
    fn unreadable_file_is_a_problem_not_a_panic() {
        let lines = check_file(Path::new("/nonexistent/cluster.yaml")).unwrap_err();
        assert_eq!(lines.len(), 1);
        assert!(lines[0].starts_with("/nonexistent/cluster.yaml: cannot read the file"));
    }
}
