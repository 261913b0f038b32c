//! The commands' option syntax: short and long flags, some taking a value, and
//! positional names; anything else is the product's "Invalid option.".

use super::{msg, Out};

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Flags without a value, in the order given.
    pub flags: Vec<String>,
    /// Flags with their value, in the order given.
    pub values: Vec<(String, String)>,
    pub positional: Vec<String>,
}

impl Parsed {
    pub fn has(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f == flag) || self.values.iter().any(|(f, _)| f == flag)
    }
    pub fn value(&self, flag: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(f, _)| f == flag)
            .map(|(_, v)| v.as_str())
    }
    /// How many of `flags` were given (to refuse conflicting modes).
    pub fn count_of(&self, flags: &[&str]) -> usize {
        flags.iter().filter(|f| self.has(f)).count()
    }
}

/// Parses `args`: `flags` take no value, `valued` take the next argument; a word that
/// is not an option is positional, at most `max_positional` of them.
pub fn parse(
    args: &[String],
    flags: &[&str],
    valued: &[&str],
    max_positional: usize,
    usage: &str,
) -> Result<Parsed, Out> {
    let invalid = || Out::fail(format!("{}\n{usage}", msg::INVALID_OPTION));
    let mut p = Parsed::default();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if valued.contains(&a.as_str()) {
            let v = it.next().ok_or_else(invalid)?;
            p.values.push((a.clone(), v.clone()));
        } else if flags.contains(&a.as_str()) {
            if p.flags.contains(a) {
                return Err(invalid());
            }
            p.flags.push(a.clone());
        } else if a.starts_with('-') || p.positional.len() >= max_positional {
            return Err(invalid());
        } else {
            p.positional.push(a.clone());
        }
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn flags_values_and_names() {
        let p = parse(&args("-m failover1 -h server2"), &["-m"], &["-h"], 1, "u").unwrap();
        assert!(p.has("-m"));
        assert_eq!(p.value("-h"), Some("server2"));
        assert_eq!(p.positional, ["failover1"]);
    }

    #[test]
    fn unknown_options_missing_values_and_extra_words_are_invalid() {
        for bad in ["-x", "-h", "-m a b", "-m -m"] {
            let e = parse(&args(bad), &["-m"], &["-h"], 1, "usage: x").unwrap_err();
            assert_eq!(e.stderr, "Invalid option.\nusage: x\n", "{bad}");
            assert_eq!(e.code, 1);
        }
    }
}
