//! JUnit XML for CI systems: one test case per scenario run (per seed with `--seeds`),
//! a `failure` per failed run and an `error` per broken scenario file.

use super::report::esc;
use std::fmt::Write;

/// One test case.
pub struct Case {
    pub name: String,
    pub file: String,
    pub seconds: f64,
    /// `Some(text)`: failed, with the details.
    pub failure: Option<String>,
    /// `Some(text)`: the file could not be loaded.
    pub error: Option<String>,
}

pub fn render(cases: &[Case]) -> String {
    let failures = cases.iter().filter(|c| c.failure.is_some()).count();
    let errors = cases.iter().filter(|c| c.error.is_some()).count();
    let total: f64 = cases.iter().map(|c| c.seconds).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{total:.3}\">",
        cases.len()
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"clustersim scenarios\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{total:.3}\">",
        cases.len()
    );
    for c in cases {
        let _ = write!(
            out,
            "    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3}\"",
            esc(&c.name),
            esc(&c.file),
            c.seconds
        );
        match (&c.failure, &c.error) {
            (Some(f), _) => {
                let first = f.lines().next().unwrap_or("failed");
                let _ = writeln!(
                    out,
                    ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                    esc(first),
                    esc(f)
                );
            }
            (None, Some(e)) => {
                let _ = writeln!(
                    out,
                    ">\n      <error message=\"{}\"/>\n    </testcase>",
                    esc(e)
                );
            }
            (None, None) => out.push_str("/>\n"),
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_failures_and_errors_and_escapes() {
        let xml = render(&[
            Case {
                name: "a".into(),
                file: "a.yaml".into(),
                seconds: 0.01,
                failure: None,
                error: None,
            },
            Case {
                name: "b<".into(),
                file: "b.yaml".into(),
                seconds: 0.02,
                failure: Some("x & y\nmore".into()),
                error: None,
            },
            Case {
                name: "c".into(),
                file: "c.yaml".into(),
                seconds: 0.0,
                failure: None,
                error: Some("c.yaml: steps[0]: bad".into()),
            },
        ]);
        assert!(
            xml.contains("tests=\"3\" failures=\"1\" errors=\"1\""),
            "{xml}"
        );
        assert!(xml.contains("name=\"b&lt;\""));
        assert!(xml.contains("<failure message=\"x &amp; y\">x &amp; y\nmore</failure>"));
        assert!(xml.contains("<error message=\"c.yaml: steps[0]: bad\"/>"));
    }
}
