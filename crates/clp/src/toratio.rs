//! `clptoratio`: set (`-r ratio -t time`), reset (`-i`) and show (`-s`) the timeout
//! ratio. The command checks its arguments itself, with the product's messages,
//! before the REST call.

use super::client::Client;
use super::{msg, opts, report, Out};
use serde_json::json;

const USAGE: &str = "Usage: clptoratio -r ratio -t time | -i | -s";
const MAX_RATIO: i64 = 10_000;
const MAX_PERIOD_MINUTES: u64 = 30 * 24 * 60;

pub fn run(client: &Client, args: &[String]) -> Out {
    let p = match opts::parse(args, &["-i", "-s"], &["-r", "-t"], 0, USAGE) {
        Ok(p) => p,
        Err(o) => return o,
    };
    let invalid = || Out::fail(format!("{}\n{USAGE}", msg::INVALID_OPTION));
    if p.count_of(&["-r", "-i", "-s"]) != 1 || (p.has("-t") && !p.has("-r")) {
        return invalid();
    }
    if p.has("-s") {
        return match client.get("/api/v1/cluster/toratio") {
            Ok(v) => match v["cluster"]["toratio"].as_u64() {
                Some(r) => Out::ok(format!("present toratio : {r}\n")),
                None => Out::fail(msg::NOT_CONNECTED),
            },
            Err(e) => e.into(),
        };
    }
    if p.has("-i") {
        return post(client, "/api/v1/cluster/toratio/reset", None);
    }
    let ratio = match check_ratio(p.value("-r").unwrap_or("")) {
        Ok(r) => r,
        Err(m) => return Out::fail(m),
    };
    let body = match (ratio, p.value("-t")) {
        (1, None) => json!({"ratio": 1}),
        (_, None) => return invalid(),
        (_, Some(t)) => match check_period(t) {
            Ok(()) => json!({"ratio": ratio, "time": t}),
            Err(m) => return Out::fail(m),
        },
    };
    post(client, "/api/v1/cluster/toratio/set", Some(body))
}

fn check_ratio(text: &str) -> Result<i64, String> {
    let r: i64 = text.parse().map_err(|_| msg::RATIO_NUMBER.to_string())?;
    if (1..=MAX_RATIO).contains(&r) {
        Ok(r)
    } else {
        Err(msg::RATIO_RANGE.to_string())
    }
}

/// `Nm`, `Nh` or `Nd`, N at least 1, at most 30 days.
fn check_period(text: &str) -> Result<(), String> {
    let bad = || format!("{}\n{}", msg::PERIOD_INVALID, msg::PERIOD_EXAMPLE);
    let (num, unit) = text.split_at(text.len().saturating_sub(1));
    let minutes = match unit {
        "m" => 1,
        "h" => 60,
        "d" => 24 * 60,
        _ => return Err(bad()),
    };
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n: u64 = num.parse().map_err(|_| msg::PERIOD_TOO_LONG.to_string())?;
    match n.checked_mul(minutes) {
        Some(0) => Err(bad()),
        Some(m) if m <= MAX_PERIOD_MINUTES => Ok(()),
        _ => Err(msg::PERIOD_TOO_LONG.to_string()),
    }
}

fn post(client: &Client, path: &str, body: Option<serde_json::Value>) -> Out {
    match client.post(path, body) {
        Ok(r) => report(r, msg::INVALID_OPTION),
        Err(e) => e.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_and_periods_are_checked_with_the_product_messages() {
        assert_eq!(check_ratio("3"), Ok(3));
        assert_eq!(check_ratio("0").unwrap_err(), msg::RATIO_RANGE);
        assert_eq!(check_ratio("10001").unwrap_err(), msg::RATIO_RANGE);
        assert_eq!(check_ratio("x").unwrap_err(), msg::RATIO_NUMBER);
        assert_eq!(check_period("1h"), Ok(()));
        assert_eq!(check_period("30d"), Ok(()));
        assert_eq!(check_period("31d").unwrap_err(), msg::PERIOD_TOO_LONG);
        for bad in ["1", "h", "0m", "1s", "-1h", "1.5h"] {
            assert!(
                check_period(bad)
                    .unwrap_err()
                    .starts_with(msg::PERIOD_INVALID),
                "{bad}"
            );
        }
    }
}
