//! Size and nesting limits of every file the program parses (cluster, scenario, sweep
//! and fleet files, clp.conf, control-API uploads), checked in one linear pass before
//! a parser sees the text: a deep nest makes YAML parsers slow (quadratic) or overflow
//! their stack (issue #12). README "Limits" lists them.

use std::fmt;

/// Largest file (or uploaded text) any loader accepts.
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;
/// Deepest `[`/`{` nesting of a YAML file's flow collections.
pub const MAX_YAML_DEPTH: usize = 64;

/// A limit a text went past: where, and which.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TooBig {
    /// The 1-based line, when the problem is at one.
    pub line: Option<usize>,
    pub problem: String,
}

impl TooBig {
    /// Where, as a scenario error's place (`line 3`), empty for the whole file.
    pub fn place(&self) -> String {
        self.line.map(|l| format!("line {l}")).unwrap_or_default()
    }
}

impl fmt::Display for TooBig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "line {l}: {}", self.problem),
            None => write!(f, "{}", self.problem),
        }
    }
}

/// [`MAX_FILE_BYTES`] only (for XML, whose parser bounds its own depth).
pub fn check_size(text: &str) -> Result<(), TooBig> {
    if text.len() > MAX_FILE_BYTES {
        return Err(TooBig {
            line: None,
            problem: format!("larger than {MAX_FILE_BYTES} bytes"),
        });
    }
    Ok(())
}

/// [`MAX_FILE_BYTES`] and [`MAX_YAML_DEPTH`] of a YAML text, in one linear pass.
/// Brackets inside quotes and comments do not count.
pub fn check_yaml_text(text: &str) -> Result<(), TooBig> {
    check_size(text)?;
    let (mut depth, mut quote) = (0usize, None::<char>);
    for (line_no, line) in text.lines().enumerate() {
        let (mut comment, mut prev) = (false, ' ');
        for c in line.chars() {
            match (quote, c) {
                _ if comment => {}
                (Some(q), c) if c == q && prev != '\\' => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '#') if prev.is_whitespace() => comment = true,
                (None, '[' | '{') => {
                    depth += 1;
                    if depth > MAX_YAML_DEPTH {
                        return Err(TooBig {
                            line: Some(line_no + 1),
                            problem: format!("nested deeper than {MAX_YAML_DEPTH} levels"),
                        });
                    }
                }
                (None, ']' | '}') => depth = depth.saturating_sub(1),
                _ => {}
            }
            prev = c;
        }
    }
    Ok(())
}

/// As [`check_yaml_text`], the message prefixed with `name` (`f.yaml:3: nested ...`).
pub fn check_yaml(text: &str, name: &str) -> Result<(), String> {
    check_yaml_text(text).map_err(|e| match e.line {
        Some(l) => format!("{name}:{l}: {}", e.problem),
        None => format!("{name}: {}", e.problem),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_yaml_is_refused_before_parsing() {
        let deep = "[".repeat(100_000);
        let e = check_yaml(&deep, "f.yaml").unwrap_err();
        assert_eq!(e, "f.yaml:1: nested deeper than 64 levels");
        let ok = "servers: [{name: a}, {name: b}]  # [[[[\nx: \"[[[[\"\n";
        assert_eq!(check_yaml(ok, "f.yaml"), Ok(()));
        let big = " ".repeat(MAX_FILE_BYTES + 1);
        assert!(check_yaml_text(&big)
            .unwrap_err()
            .problem
            .contains("16777216"));
    }
}
