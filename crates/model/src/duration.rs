//! Durations in virtual milliseconds, written in files as `500ms`, `3s`, `2m`, `1h`, `4d`.

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A span of virtual time in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Millis(pub u64);

impl Millis {
    pub const fn secs(s: u64) -> Millis {
        Millis(s * 1000)
    }
    pub const fn ms(self) -> u64 {
        self.0
    }
}

/// Parses `N[ms|s|m|h|d]`. A bare number is refused: a unit is always required so that
/// `90` cannot silently mean 90 ms when the author meant 90 s.
pub fn parse_duration(text: &str) -> Result<Millis, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).ok_or_else(|| {
        format!("`{t}` has no unit; write e.g. `500ms`, `3s`, `2m`, `1h` or `1d`")
    })?;
    let (num, unit) = t.split_at(split);
    if num.is_empty() {
        return Err(format!("`{t}` does not start with a number"));
    }
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{t}`: number is too large"))?;
    let factor = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => {
            return Err(format!(
                "`{t}` has unknown unit `{unit}`; use ms, s, m, h or d"
            ))
        }
    };
    n.checked_mul(factor)
        .map(Millis)
        .ok_or_else(|| format!("`{t}` is too large"))
}

impl fmt::Display for Millis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0;
        let units = [
            (86_400_000, "d"),
            (3_600_000, "h"),
            (60_000, "m"),
            (1_000, "s"),
        ];
        for (size, unit) in units {
            if ms >= size && ms.is_multiple_of(size) {
                return write!(f, "{}{}", ms / size, unit);
            }
        }
        write!(f, "{ms}ms")
    }
}

impl Serialize for Millis {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Millis {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = Millis;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration such as `500ms`, `3s`, `2m`, `1h` or `1d`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Millis, E> {
                parse_duration(v).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Millis, E> {
                Err(E::custom(format!(
                    "`{v}` has no unit; write e.g. `{v}s` or `{v}ms`"
                )))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Millis, E> {
                Err(E::custom(format!(
                    "`{v}` is not a duration; write e.g. `3s`"
                )))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Millis, E> {
                Err(E::custom(format!(
                    "`{v}` is not a duration; write e.g. `1500ms`"
                )))
            }
        }
        d.deserialize_any(V)
    }
}

/// The schema every generated document shows for a duration (`tests/generated.rs`).
impl schemars::JsonSchema for Millis {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A duration with a unit: 500ms, 90s, 2m, 1h, 1d.",
            "type": "string",
            "pattern": "^[0-9]+(ms|s|m|h|d)$",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_unit() {
        assert_eq!(parse_duration("250ms"), Ok(Millis(250)));
        assert_eq!(parse_duration("3s"), Ok(Millis(3_000)));
        assert_eq!(parse_duration("2m"), Ok(Millis(120_000)));
        assert_eq!(parse_duration("3h"), Ok(Millis(10_800_000)));
        assert_eq!(parse_duration("4d"), Ok(Millis(345_600_000)));
    }

    #[test]
    fn refuses_missing_or_unknown_units() {
        assert!(parse_duration("90").unwrap_err().contains("no unit"));
        assert!(parse_duration("5x").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("s").unwrap_err().contains("number"));
    }

    #[test]
    fn displays_in_the_largest_whole_unit() {
        assert_eq!(Millis(90_000).to_string(), "90s");
        assert_eq!(Millis(120_000).to_string(), "2m");
        assert_eq!(Millis(1_500).to_string(), "1500ms");
    }
}
