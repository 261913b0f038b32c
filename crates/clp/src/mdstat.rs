//! `clpmdstat --mirror <md>` (`-m`): a mirror disk's status as its mirror agents report
//! it, from `/sim/v1/view` (`mirrors`) [infer: the layout of the product's command
//! reference; Mirror Color GREEN / YELLOW (recovering) / RED / GRAY (unknown)].

use super::client::Client;
use super::Out;
use serde_json::Value;

const USAGE: &str = "Usage: clpmdstat --mirror <mirror disk resource name>";

pub fn run(client: &Client, args: &[String]) -> Out {
    let name = match args {
        [flag, name] if flag == "--mirror" || flag == "-m" => name,
        _ => return Out::fail(USAGE),
    };
    let view = match client.get("/sim/v1/view") {
        Ok(v) => v,
        Err(e) => return e.into(),
    };
    let epoch = match client.config() {
        Ok(m) => m.settings.epoch,
        Err(e) => return e.into(),
    };
    let mirrors = view["mirrors"].as_array().cloned().unwrap_or_default();
    let Some(md) = mirrors.iter().find(|m| m["name"] == name.as_str()) else {
        return Out::fail(format!("Invalid mirror disk resource name ({name})."));
    };
    Out::ok(layout(md, &epoch))
}

/// `2026-01-01T00:00:30.000Z` -> `2026/01/01 00:00:30`, or `--` when absent.
fn when(epoch: &str, ms: &Value) -> String {
    match ms.as_u64() {
        Some(t) => {
            let iso = crate::model::calendar::date_at(epoch, t);
            iso.get(..19)
                .unwrap_or(&iso)
                .replacen('-', "/", 2)
                .replace('T', " ")
        }
        None => "--".into(),
    }
}

fn layout(md: &Value, epoch: &str) -> String {
    let s = |v: &Value| v.as_str().unwrap_or("").to_string();
    let servers = md["servers"].as_array().cloned().unwrap_or_default();
    let row = |label: &str, cells: Vec<String>| {
        let mut line = format!(" {label:<23}");
        for c in cells {
            line.push_str(&format!("{c:<21}"));
        }
        format!("{}\n", line.trim_end())
    };
    let mut out = format!("\n Mirror Status: {}\n\n", s(&md["status"]));
    let mut head = format!("  {:<22}", s(&md["name"]));
    for sv in &servers {
        head.push_str(&format!("{:<21}", s(&sv["name"])));
    }
    out.push_str(&format!("{}\n", head.trim_end()));
    out.push_str(&format!(" {}\n", "-".repeat(64)));
    let col = |f: &dyn Fn(&Value) -> String| servers.iter().map(f).collect::<Vec<_>>();
    out.push_str(&row("Mirror Color", col(&|v| s(&v["color"]))));
    out.push_str(&row(
        "Lastupdate Time",
        col(&|v| when(epoch, &v["last_update_ms"])),
    ));
    out.push_str(&row(
        "Break Time",
        col(&|v| when(epoch, &v["break_time_ms"])),
    ));
    out.push_str(&row("Disk Error", col(&|_| "OK".into())));
    if let Some(r) = md["recovery"].as_object() {
        out.push_str(&format!(
            "\n Mirror Recovery: {} -> {} ({}, {} bytes, until {})\n",
            s(&r["from"]),
            s(&r["to"]),
            s(&r["mode"]),
            r["bytes"].as_u64().unwrap_or(0),
            when(epoch, &r["done_ms"])
        ));
    }
    out
}
