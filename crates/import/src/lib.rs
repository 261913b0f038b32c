//! `clp.conf` (the product's XML cluster configuration) -> [`ClusterFile`], and
//! [`load_any`], the one hook by which `validate`, `serve` and `run` accept a clp.conf
//! wherever they take a cluster YAML file.
//!
//! Every element the model has an equivalent for is mapped; every other element is a
//! warning naming its XML path (never silently dropped); absent values keep the
//! product's defaults, because the real file stores only non-defaults. Problems that
//! stop the model from being built (malformed XML, an unknown resource type, a name
//! that refers to nothing) are errors, one line each with the XML path.

// The model crate under the module name these files use (`crate::model::...`).
use clustersim_model as model;

mod conf;
mod groups;
mod xml;

use crate::model::file::{ClusterFile, ClusterSection};
use crate::model::{Model, Settings};
use roxmltree::Node;
use xml::{xml_path, Conf};

/// The result of an import: the cluster file, and what could not be mapped.
#[derive(Debug)]
pub struct Import {
    pub file: ClusterFile,
    pub warnings: Vec<String>,
    errors: Vec<String>,
}

impl Import {
    fn warn(&mut self, m: String) {
        self.warnings.push(m);
    }
    fn error(&mut self, m: String) {
        self.errors.push(m);
    }
    /// A number at `path` under `n`; a non-number is an error naming its path.
    fn num(&mut self, c: &Conf, n: Node, path: &str) -> Result<Option<u64>, ()> {
        c.number(n, path).map_err(|e| self.error(e))
    }
    /// An action code the model approximates (panic, BMC and fencing variants).
    fn approx<T>(&mut self, path: &str, code: u64, value: T, name: &str) -> T {
        self.warn(format!(
            "{path}: action {code} (panic, BMC or fencing variant) is simulated as {name}"
        ));
        value
    }
}

/// Converts the text of a clp.conf. Errors (each `origin: /xml/path: problem`) when
/// the model cannot be built; warnings otherwise.
pub fn import(text: &str, origin: &str) -> Result<Import, Vec<String>> {
    crate::model::limits::check_size(text).map_err(|e| vec![format!("{origin}: {e}")])?;
    let doc = roxmltree::Document::parse(text)
        .map_err(|e| vec![format!("{origin}: malformed XML: {e}")])?;
    if doc.root_element().tag_name().name() != "root" {
        return Err(vec![format!(
            "{origin}: {}: the root element of a clp.conf is <root>",
            xml_path(doc.root_element())
        )]);
    }
    let c = Conf::new(&doc);
    let mut out = Import {
        file: ClusterFile {
            cluster: ClusterSection {
                name: String::new(),
                lift_product_limits: false,
            },
            settings: Settings::default(),
            servers: Vec::new(),
            heartbeats: Vec::new(),
            resolvers: Vec::new(),
            groups: Vec::new(),
            monitors: Vec::new(),
            scripts: Vec::new(),
            mirror_connects: Vec::new(),
        },
        warnings: Vec::new(),
        errors: Vec::new(),
    };
    c.take(c.root());
    conf::cluster(&c, &mut out);
    conf::servers(&c, &mut out);
    conf::heartbeats(&c, &mut out);
    conf::resolvers(&c, &mut out);
    conf::mirror_connects(&c, &mut out);
    groups::groups(&c, &mut out);
    groups::monitors(&c, &mut out);
    for path in c.unused() {
        out.warn(format!("{path}: no equivalent in the model; ignored"));
    }
    if !out.errors.is_empty() {
        return Err(out
            .errors
            .iter()
            .map(|e| format!("{origin}: {e}"))
            .collect());
    }
    out.warnings = out
        .warnings
        .iter()
        .map(|w| format!("{origin}: warning: {w}"))
        .collect();
    Ok(out)
}

/// Whether `text` (from `origin`) is a clp.conf rather than a cluster YAML file: its
/// name ends in `.conf` or `.xml`, or it starts with `<`.
pub fn is_clp_conf(text: &str, origin: &str) -> bool {
    let lower = origin.to_ascii_lowercase();
    lower.ends_with(".conf")
        || lower.ends_with(".xml")
        || text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with('<')
}

/// A cluster YAML file or a clp.conf, resolved to a model: `(model, warnings)`, or one
/// line per problem. What every shell calls to load a cluster.
pub fn load_any(text: &str, origin: &str) -> Result<(Model, Vec<String>), Vec<String>> {
    let one_line = |s: String| s.split_whitespace().collect::<Vec<_>>().join(" ");
    crate::model::limits::check_size(text).map_err(|e| vec![format!("{origin}: {e}")])?;
    if !is_clp_conf(text, origin) {
        return Model::from_yaml(text, origin)
            .map(|m| (m, Vec::new()))
            .map_err(|errs| errs.iter().map(|e| one_line(e.to_string())).collect());
    }
    let imported = import(text, origin)?;
    let model = Model::from_file(imported.file, origin).map_err(|errs| {
        errs.iter()
            .map(|e| one_line(e.to_string()))
            .collect::<Vec<_>>()
    })?;
    Ok((model, imported.warnings))
}

/// `clustersim import clp.conf [-o cluster.yaml]`: the cluster YAML on stdout or in
/// `output`, warnings on stderr; exit 2 with one line per problem.
pub fn run_cli(input: &std::path::Path, output: Option<&std::path::Path>) -> i32 {
    let origin = input.display().to_string();
    let text = match std::fs::read_to_string(input) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{origin}: cannot read the file: {e}");
            return 2;
        }
    };
    let result = import(&text, &origin).and_then(|i| {
        Model::from_file(i.file.clone(), &origin)
            .map(|_| i)
            .map_err(|errs| errs.iter().map(|e| e.to_string()).collect())
    });
    let imported = match result {
        Ok(i) => i,
        Err(lines) => {
            lines.iter().for_each(|l| eprintln!("{l}"));
            return 2;
        }
    };
    imported.warnings.iter().for_each(|w| eprintln!("{w}"));
    let yaml = match serde_norway::to_string(&imported.file) {
        Ok(y) => format!("# Imported by `clustersim import` from {origin}.\n{y}"),
        Err(e) => {
            eprintln!("{origin}: cannot render the cluster: {e}");
            return 1;
        }
    };
    match output {
        None => {
            print!("{yaml}");
            0
        }
        Some(out) => match std::fs::write(out, yaml) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("{}: cannot write: {e}", out.display());
                1
            }
        },
    }
}

#[cfg(test)]
mod tests;
