//! `--color auto|always|never` and `NO_COLOR` (https://no-color.org): colour only on a
//! terminal, never when `NO_COLOR` is set to anything but the empty string.

use clap::ValueEnum;
use std::io::IsTerminal;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when standard output is a terminal and `NO_COLOR` is not set.
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to colour what goes to standard output.
    pub fn for_stdout(self) -> bool {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        self.decide(std::io::stdout().is_terminal(), no_color)
    }

    fn decide(self, terminal: bool, no_color: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => terminal && !no_color,
        }
    }
}

/// `PASS` in green, `FAIL` (and anything else) in red, bold; plain when `on` is false.
pub fn verdict(word: &str, on: bool) -> String {
    if !on {
        return word.to_string();
    }
    let code = if word == "PASS" { "32" } else { "31" };
    format!("\x1b[1;{code}m{word}\x1b[0m")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_needs_a_terminal_and_no_no_color() {
        assert!(ColorChoice::Auto.decide(true, false));
        assert!(!ColorChoice::Auto.decide(true, true));
        assert!(!ColorChoice::Auto.decide(false, false));
        assert!(ColorChoice::Always.decide(false, true));
        assert!(!ColorChoice::Never.decide(true, false));
        assert_eq!(verdict("PASS", true), "\x1b[1;32mPASS\x1b[0m");
        assert_eq!(verdict("FAIL", false), "FAIL");
    }
}
