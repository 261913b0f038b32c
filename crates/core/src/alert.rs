//! The product's alert catalogue (EXPRESSCLUSTER X 4.2): module, level, id and message
//! text, embedded from `alerts.tsv` (taken from `ec-x42-alert-messages.csv`).

use std::collections::HashMap;
use std::sync::OnceLock;

const TABLE: &str = include_str!("alerts.tsv");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AlertDef {
    pub module: &'static str,
    pub level: &'static str,
    pub id: u16,
    pub message: &'static str,
}

fn table() -> &'static HashMap<(&'static str, u16), AlertDef> {
    static T: OnceLock<HashMap<(&'static str, u16), AlertDef>> = OnceLock::new();
    T.get_or_init(|| {
        let mut map = HashMap::new();
        for line in TABLE.lines().filter(|l| !l.starts_with('#')) {
            let mut f = line.splitn(4, '\t');
            let (Some(module), Some(level), Some(id), Some(message)) =
                (f.next(), f.next(), f.next(), f.next())
            else {
                continue;
            };
            if let Ok(id) = id.parse() {
                map.insert(
                    (module, id),
                    AlertDef {
                        module,
                        level,
                        id,
                        message,
                    },
                );
            }
        }
        map
    })
}

/// The catalogue entry for `module` and `id`. Panics on an id the catalogue lacks: the
/// engine only names ids that exist, and a unit test checks every one it uses.
pub fn lookup(module: &str, id: u16) -> AlertDef {
    *table()
        .get(&(module, id))
        .unwrap_or_else(|| panic!("alert {module} {id} is not in the catalogue"))
}

/// Fills `%1`, `%2`, ... (and the catalogue's few `%s`) with `args`, in order.
pub fn render(template: &str, args: &[String]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut chars = template.chars().peekable();
    let mut next_s = 0;
    while let Some(c) = chars.next() {
        if c == '%' {
            if let Some(&d) = chars.peek() {
                if let Some(k) = d.to_digit(10) {
                    chars.next();
                    if let Some(a) = args.get(k as usize - 1) {
                        out.push_str(a);
                    }
                    continue;
                }
                if d == 's' || d == 'd' {
                    chars.next();
                    if let Some(a) = args.get(next_s) {
                        out.push_str(a);
                    }
                    next_s += 1;
                    continue;
                }
            }
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_texts_are_verbatim() {
        assert_eq!(lookup("rc", 60).message, "Failover group %1 has started.");
        assert_eq!(lookup("nm", 2).message, "Server %1 has been stopped.");
        assert_eq!(lookup("rm", 9).level, "Error");
    }

    #[test]
    fn render_substitutes_in_order() {
        assert_eq!(
            render(
                "Resource %1 of server %2 has stopped.",
                &["lankhb1".into(), "server2".into()]
            ),
            "Resource lankhb1 of server server2 has stopped."
        );
    }

    #[test]
    fn catalogue_matches_the_shared_reference_when_present() {
        let Ok(csv) = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/reference/ec-x42-alert-messages.csv"
        )) else {
            return; // the reference is beside the repository in CI and development only
        };
        // Spot-check: every embedded line's message appears in the reference verbatim.
        for def in table().values() {
            let unquoted = csv.replace("\"\"", "\"");
            assert!(
                unquoted.contains(def.message),
                "{} {} drifted",
                def.module,
                def.id
            );
        }
    }
}
