//! JUnit XML for CI systems, in the shape Jenkins, GitLab and the Ant schema read: one
//! `testsuite` per scenario file (its `properties` name the file and the seeds, with a
//! `timestamp` and the file's wall time), one `testcase` per run (per seed with
//! `--seeds`), a `failure` per failed run with the last events in `system-out`, and an
//! `error` per broken scenario file. `tests/data/junit.xsd` is the schema a test checks.

use super::report::esc;
use std::fmt::Write;

/// One test case.
pub struct Case {
    pub name: String,
    /// The scenario file's path as given (`scenarios/s1-x.yaml`).
    pub file: String,
    pub seed: Option<u64>,
    /// Wall seconds of this run.
    pub seconds: f64,
    /// `Some(text)`: failed, with the details.
    pub failure: Option<String>,
    /// `Some(text)`: the file could not be loaded.
    pub error: Option<String>,
    /// The last events before the failure.
    pub system_out: Option<String>,
}

/// The JUnit class name of a scenario file: the path without its extension, folders
/// joined by dots (`scenarios.s1-x`), so CI tools that split at the last dot show the
/// folder as the package and the file as the class.
pub fn classname(file: &str) -> String {
    let path = file.trim_start_matches("./");
    let stem = path
        .strip_suffix(".yaml")
        .or_else(|| path.strip_suffix(".yml"))
        .unwrap_or(path);
    stem.replace(['/', '\\'], ".")
}

/// `time` attributes: seconds with microseconds (runs take well under a millisecond).
fn secs(s: f64) -> String {
    format!("{s:.6}")
}

/// Renders every case; `timestamp` is the run's start (ISO 8601, UTC) and `wall` the
/// whole run's wall seconds (runs go in parallel, so it is less than the sum).
pub fn render(cases: &[Case], timestamp: &str, wall: f64) -> String {
    let failures = cases.iter().filter(|c| c.failure.is_some()).count();
    let errors = cases.iter().filter(|c| c.error.is_some()).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"clustersim scenarios\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{}\">",
        cases.len(),
        secs(wall)
    );
    let mut files: Vec<&str> = Vec::new();
    for c in cases {
        if !files.contains(&c.file.as_str()) {
            files.push(&c.file);
        }
    }
    for file in files {
        let mine: Vec<&Case> = cases.iter().filter(|c| c.file == file).collect();
        suite(&mut out, file, &mine, timestamp);
    }
    out.push_str("</testsuites>\n");
    out
}

fn suite(out: &mut String, file: &str, cases: &[&Case], timestamp: &str) {
    let class = classname(file);
    let failures = cases.iter().filter(|c| c.failure.is_some()).count();
    let errors = cases.iter().filter(|c| c.error.is_some()).count();
    let time: f64 = cases.iter().map(|c| c.seconds).sum();
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"0\" time=\"{}\" timestamp=\"{timestamp}\" file=\"{}\">",
        esc(&class),
        cases.len(),
        secs(time),
        esc(file)
    );
    out.push_str("    <properties>\n");
    let _ = writeln!(
        out,
        "      <property name=\"scenario\" value=\"{}\"/>",
        esc(file)
    );
    let seeds: Vec<String> = cases
        .iter()
        .filter_map(|c| c.seed)
        .map(|s| s.to_string())
        .collect();
    if !seeds.is_empty() {
        let _ = writeln!(
            out,
            "      <property name=\"seed\" value=\"{}\"/>",
            seeds.join(",")
        );
    }
    out.push_str("    </properties>\n");
    for c in cases {
        testcase(out, &class, c);
    }
    out.push_str("  </testsuite>\n");
}

fn testcase(out: &mut String, class: &str, c: &Case) {
    let _ = write!(
        out,
        "    <testcase name=\"{}\" classname=\"{}\" time=\"{}\"",
        esc(&c.name),
        esc(class),
        secs(c.seconds)
    );
    if c.failure.is_none() && c.error.is_none() {
        out.push_str("/>\n");
        return;
    }
    out.push_str(">\n");
    if let Some(f) = &c.failure {
        let first = f.lines().next().unwrap_or("failed").trim();
        let _ = writeln!(
            out,
            "      <failure message=\"{}\" type=\"expectation\">{}</failure>",
            esc(first),
            esc(f)
        );
    }
    if let Some(e) = &c.error {
        let _ = writeln!(
            out,
            "      <error message=\"{}\" type=\"scenario-file\"/>",
            esc(e)
        );
    }
    if let Some(s) = &c.system_out {
        let _ = writeln!(out, "      <system-out>{}</system-out>", esc(s));
    }
    out.push_str("    </testcase>\n");
}

/// `SystemTime` as ISO 8601 in UTC to the second (`2026-12-01T10:05:00Z`): the report's
/// own wall-clock stamp, outside the simulation.
pub fn iso8601(t: std::time::SystemTime) -> String {
    let ms = t
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let c = crate::model::calendar::civil(ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn case(name: &str, file: &str, seed: Option<u64>) -> Case {
        Case {
            name: name.into(),
            file: file.into(),
            seed,
            seconds: 0.000042,
            failure: None,
            error: None,
            system_out: None,
        }
    }

    #[test]
    fn one_suite_per_file_with_properties_failures_and_errors() {
        let mut b = case("b<", "scen/b.yaml", Some(1));
        b.failure = Some("x & y\nmore".into());
        b.system_out = Some("t=1s server-down".into());
        let mut c = case("c", "c.yaml", None);
        c.error = Some("c.yaml: steps[0]: bad".into());
        let xml = render(
            &[
                case("a", "./scen/a.yml", Some(7)),
                b,
                case("b2", "scen/b.yaml", Some(2)),
                c,
            ],
            "2026-12-01T10:05:00Z",
            0.5,
        );
        assert!(xml.contains("<testsuites name=\"clustersim scenarios\" tests=\"4\" failures=\"1\" errors=\"1\" time=\"0.500000\">"), "{xml}");
        assert!(xml.contains("<testsuite name=\"scen.b\" tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"0\" time=\"0.000084\" timestamp=\"2026-12-01T10:05:00Z\""), "{xml}");
        assert!(xml.contains("<property name=\"seed\" value=\"1,2\"/>"));
        assert!(xml.contains("classname=\"scen.a\" time=\"0.000042\"/>"));
        assert!(xml.contains("name=\"b&lt;\""));
        assert!(xml.contains(
            "<failure message=\"x &amp; y\" type=\"expectation\">x &amp; y\nmore</failure>"
        ));
        assert!(xml.contains("<system-out>t=1s server-down</system-out>"));
        assert!(xml.contains("<error message=\"c.yaml: steps[0]: bad\" type=\"scenario-file\"/>"));
        assert_eq!(xml.matches("<testsuite ").count(), 3);
    }

    #[test]
    fn classname_drops_the_extension() {
        assert_eq!(classname("scenarios/s1-x.yaml"), "scenarios.s1-x");
        assert_eq!(classname("./a/b.yml"), "a.b");
    }

    #[test]
    fn iso8601_in_utc() {
        assert_eq!(iso8601(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let t = UNIX_EPOCH + Duration::from_secs(1_796_119_500);
        assert_eq!(iso8601(t), "2026-12-01T10:05:00Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(iso8601(leap), "2000-02-29T00:00:00Z");
    }
}
