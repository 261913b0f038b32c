//! `clpstat -g` (group map, as the reference's verbatim sample), `-m` (monitors), `-n`
//! (heartbeats) and `-p` (network partition resolution).
//!
//! All four open like the group map: the title, `Cluster : name`, and the server index
//! (`*server0 : server1`, `*` on the server the command runs on). `-g` then has a rule
//! and one owner line per server; `-m`, `-n` and `-p` follow with a blank line and one
//! block per monitor or per server (`[on serverN : status]`), as the reference says
//! scripts grep them (`Monitor` lines with the status in brackets, `[on server`
//! lines) [infer]. One-letter marks [assume]: `o` Online/Normal, `x` Offline/Error,
//! `p` Pending, `e` Failure, `c` Caution, `s` Suspend, `-` not used or not known.

use super::client::View;
use super::stat::{closing, rule, title};

pub fn mark(status: &str) -> char {
    match status {
        "Online" | "Normal" => 'o',
        "Offline" | "Error" => 'x',
        "Online Pending" | "Offline Pending" => 'p',
        "Online Failure" | "Offline Failure" => 'e',
        "Caution" => 'c',
        "Suspend" => 's',
        _ => '-',
    }
}

/// A heartbeat or resolver cell: `o` received / reachable, `x` lost, `-` otherwise.
fn cell(status: &str) -> char {
    match status {
        "Normal" => 'o',
        "Error" => 'x',
        "Caution" => 'c',
        _ => '-',
    }
}

/// Title, cluster name and the server index.
fn opening(v: &View, local: &str, text: &str) -> Vec<String> {
    let mut out = vec![title(text), format!("  Cluster : {}", v.name)];
    for (i, s) in v.servers.iter().enumerate() {
        let m = if s.name == local { '*' } else { ' ' };
        out.push(format!("   {m}server{i} : {}", s.name));
    }
    out
}

fn finish(mut out: Vec<String>) -> String {
    out.push(closing());
    out.join("\n") + "\n"
}

pub fn groupmap(v: &View, local: &str) -> String {
    let mut out = opening(v, local, "GROUPMAP INFORMATION");
    out.push(rule());
    for (i, s) in v.servers.iter().enumerate() {
        let groups: Vec<String> = v
            .groups
            .iter()
            .filter(|g| g.current == s.name)
            .map(|g| format!("{}[{}]", g.name, mark(&g.status)))
            .collect();
        let line = format!("    server{i} [{}] : {}", mark(&s.status), groups.join(" "));
        out.push(line.trim_end().to_string());
    }
    finish(out)
}

pub fn monitors(v: &View, local: &str) -> String {
    let mut out = opening(v, local, "MONITOR RESOURCE STATUS");
    for (i, m) in v.monitors.iter().enumerate() {
        out.push(String::new());
        out.push(format!("  Monitor{i} [{} : {}]", m.name, m.status));
        out.push(rule());
        for (j, s) in v.servers.iter().enumerate() {
            let st = m
                .servers
                .iter()
                .find(|x| x.name == s.name)
                .map(|x| x.status.as_str())
                .unwrap_or("Unused");
            out.push(format!("    server{j} [{}] : {st}", mark(&s.status)));
        }
    }
    finish(out)
}

/// One `[on serverN : status]` block per server: a table of what that server knows,
/// a row per server and a column per object.
fn blocks(
    v: &View,
    out: &mut Vec<String>,
    label: &str,
    columns: usize,
    cell_of: impl Fn(usize, usize, usize) -> char,
) {
    let width = v
        .servers
        .iter()
        .enumerate()
        .map(|(j, _)| format!("server{j}").len())
        .max()
        .unwrap_or(7);
    for (i, s) in v.servers.iter().enumerate() {
        out.push(String::new());
        out.push(format!("  [on server{i} : {}]", s.status));
        let head: String = (0..columns).map(|c| format!("{c:<3}")).collect();
        let lead = format!("     {label}");
        out.push(
            format!("{lead:<w$}{head}", w = width + 7)
                .trim_end()
                .to_string(),
        );
        out.push(rule());
        for j in 0..v.servers.len() {
            let cells: String = (0..columns)
                .map(|c| format!("{:<3}", cell_of(i, j, c)))
                .collect();
            let name = format!("server{j}");
            out.push(
                format!("    {name:<width$} : {cells}")
                    .trim_end()
                    .to_string(),
            );
        }
    }
}

/// `-n`: `all[i]` is server i's own view; its rows say what it receives from each peer.
pub fn heartbeats(v: &View, local: &str, all: &[View]) -> String {
    let mut out = opening(v, local, "HEARTBEAT RESOURCE STATUS");
    out.push(String::new());
    for (p, hb) in v.heartbeats.iter().enumerate() {
        out.push(format!("  HB{p} : {}", hb.name));
    }
    blocks(v, &mut out, "HB", v.heartbeats.len(), |i, j, c| {
        all.get(i)
            .and_then(|own| own.servers.get(j))
            .and_then(|s| s.paths.get(c))
            .map(|p| cell(&p.status))
            .unwrap_or('-')
    });
    finish(out)
}

/// `-p`: in server i's block, row j is server j's resolver result as i knows it.
pub fn partitions(v: &View, local: &str, all: &[View]) -> String {
    let mut out = opening(v, local, "NETWORK PARTITION RESOLUTION STATUS");
    out.push(String::new());
    for (r, np) in v.resolvers.iter().enumerate() {
        out.push(format!("  NP{r} : {}", np.name));
    }
    blocks(v, &mut out, "NP", v.resolvers.len(), |i, j, c| {
        let Some(own) = all.get(i) else { return '-' };
        if own.servers.get(j).is_none_or(|s| s.status == "Offline") {
            return '-';
        }
        let answer = match all.get(j) {
            Some(peer) if peer.observer.is_some() => peer.resolvers.get(c),
            _ => own.resolvers.get(c),
        };
        answer.map(|r| cell(&r.status)).unwrap_or('-')
    });
    finish(out)
}
