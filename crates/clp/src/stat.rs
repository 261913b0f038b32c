//! `clpstat`: the cluster status (`-s`, default), and the dispatch to the other views
//! (`-g -m -n -p` in [`super::stat_maps`], configuration views in
//! [`super::stat_config`]).
//!
//! Layout rules, from the reference's verbatim samples (`-s` and `-g`):
//! - a title line of 70 characters: a space, `=` runs around the title with two spaces
//!   each side, and a closing line of a space and 69 `=`;
//! - every `name : value` line has its colon in column 21 (0-based): servers indented
//!   3 plus the `*` mark column, groups and monitors 4, heartbeats, `current` and
//!   resources 6; server and group names are followed by a space and a dot leader;
//! - a heartbeat or resolver line pads its status to 17 and ends with its type label.
//!
//! `--long` widens every name field by 16 (names are cut to the field less one
//! otherwise) [assume: the reference only says it widens the name column].

use super::client::{Client, View};
use super::{local_view_as, opts, stat_config, stat_maps, Out};

const USAGE: &str = "Usage: clpstat [-s | -g | -m | -n | -p | -i | --cl | --sv | --hb | --np | --grp | --rsc | --mon] [--long] [--detail] [-h HOST]\n  -h HOST   show the status as server HOST sees it (default: CLP_SERVER, else the first server)\n  --detail  with -i and the configuration views: every setting (clustersim shows all it models either way)";

/// The views, by flag; exactly one may be given (`-s` when none).
const VIEWS: &[&str] = &[
    "-s", "-g", "-m", "-n", "-p", "-i", "--cl", "--sv", "--hb", "--np", "--grp", "--rsc", "--mon",
];

pub fn run(client: &Client, args: &[String]) -> Out {
    let mut flags: Vec<&str> = VIEWS.to_vec();
    flags.extend(["--long", "--detail", "--help"]);
    let p = match opts::parse(args, &flags, &["-h"], 0, USAGE) {
        Ok(p) => p,
        Err(o) => return o,
    };
    if p.has("--help") {
        return Out::ok(format!("{USAGE}\n"));
    }
    if p.count_of(VIEWS) > 1 {
        return Out::fail(format!("{}\n{USAGE}", super::msg::INVALID_OPTION));
    }
    let long = p.has("--long");
    let view = VIEWS.iter().copied().find(|v| p.has(v)).unwrap_or("-s");
    if let Some(text) = stat_config::render(client, view) {
        return match text {
            Ok(t) => Out::ok(t),
            Err(e) => e.into(),
        };
    }
    if p.has("--detail") {
        // The product's --detail goes with the configuration views only.
        return Out::fail(format!("{}\n{USAGE}", super::msg::INVALID_OPTION));
    }
    let (local, v) = match local_view_as(client, p.value("-h")) {
        Ok(x) => x,
        Err(o) => return o,
    };
    let result = match view {
        "-g" => Ok(stat_maps::groupmap(&v, &local)),
        "-m" => Ok(stat_maps::monitors(&v, &local)),
        "-n" => views_of_all(client, &v).map(|all| stat_maps::heartbeats(&v, &local, &all)),
        "-p" => views_of_all(client, &v).map(|all| stat_maps::partitions(&v, &local, &all)),
        _ => views_of_all(client, &v).map(|all| status(&v, &local, &all, long)),
    };
    match result {
        Ok(t) => Out::ok(t),
        Err(e) => e.into(),
    }
}

/// Every server's own view, in server order (for what only that server knows: its
/// resolver's status, the heartbeats it receives).
fn views_of_all(client: &Client, v: &View) -> Result<Vec<View>, super::client::Unreachable> {
    v.servers
        .iter()
        .map(|s| client.view(Some(&s.name)))
        .collect()
}

/// The title line of a view.
pub fn title(text: &str) -> String {
    if text == "CLUSTER STATUS" {
        // As the reference's sample prints it (not centred like the other titles).
        return " ========================  CLUSTER STATUS  ===========================".into();
    }
    let eq = 69usize.saturating_sub(text.len() + 4);
    let left = eq / 2;
    format!(" {}  {text}  {}", "=".repeat(left), "=".repeat(eq - left))
}

pub fn closing() -> String {
    format!(" {}", "=".repeat(69))
}

pub fn rule() -> String {
    format!("  {}", "-".repeat(68))
}

fn cut(name: &str, max: usize) -> String {
    name.chars().take(max).collect()
}

/// `name` and a dot leader filling `width` (`server1 .........`).
pub fn dotted(name: &str, width: usize) -> String {
    let n = cut(name, width.saturating_sub(1));
    let dots = width.saturating_sub(n.chars().count() + 1);
    format!("{n} {}", ".".repeat(dots))
}

/// `name` padded with spaces to `width`.
pub fn padded(name: &str, width: usize) -> String {
    let n = cut(name, width.saturating_sub(1));
    format!("{n:<width$}")
}

/// The type label printed after a heartbeat's or resolver's status [doc: LAN, kernel
/// mode LAN, ping; the others assume the same wording].
pub fn type_label(kind: &str) -> &str {
    match kind {
        "lankhb" => "Kernel Mode LAN Heartbeat",
        "lanhb" => "LAN Heartbeat",
        "diskhb" => "DISK Heartbeat",
        "witnesshb" => "Witness Heartbeat",
        "pingnp" => "ping resolution",
        "majority" => "majority resolution",
        other => other,
    }
}

/// `clpstat -s`: `all` holds every server's own view, for the resolver lines.
pub fn status(v: &View, local: &str, all: &[View], long: bool) -> String {
    let wide = if long { 16 } else { 0 };
    let (w17, w15) = (17 + wide, 15 + wide);
    let mut out = vec![
        title("CLUSTER STATUS"),
        format!("  Cluster : {}", v.name),
        "  <server>".to_string(),
    ];
    for (i, s) in v.servers.iter().enumerate() {
        let mark = if s.name == local { '*' } else { ' ' };
        out.push(format!("   {mark}{}: {}", dotted(&s.name, w17), s.status));
        for p in &s.paths {
            out.push(format!(
                "      {}: {:<17}{}",
                padded(&p.name, w15),
                p.status,
                type_label(&p.kind)
            ));
        }
        for (r, res) in v.resolvers.iter().enumerate() {
            let st = resolver_status_of(v, all, i, r);
            out.push(format!(
                "      {}: {:<17}{}",
                padded(&res.name, w15),
                st,
                type_label(&res.kind)
            ));
        }
    }
    out.push("  <group>".to_string());
    for g in &v.groups {
        out.push(format!("    {}: {}", dotted(&g.name, w17), g.status));
        out.push(format!("      {}: {}", padded("current", w15), g.current));
        for r in &g.resources {
            let st = v
                .resource(r)
                .map(|x| x.status.as_str())
                .unwrap_or("Unknown");
            out.push(format!("      {}: {st}", padded(r, w15)));
        }
    }
    out.push("  <monitor>".to_string());
    for m in &v.monitors {
        out.push(format!("    {}: {}", padded(&m.name, w17), m.status));
    }
    out.push(closing());
    out.join("\n") + "\n"
}

/// Server `i`'s resolver `r` as the local server knows it: `Offline` for a server it
/// does not see running, else what that server itself reports [assume: resolver
/// results travel with the heartbeats; a silent peer keeps the local result].
pub fn resolver_status_of(v: &View, all: &[View], i: usize, r: usize) -> String {
    if v.servers[i].status == "Offline" {
        return "Offline".into();
    }
    match all.get(i) {
        // Its own answer, while it runs.
        Some(own) if own.observer.is_some() => own.resolvers.get(r).map(|x| x.status.clone()),
        // Believed up but silent (crashed, not yet declared down): the last result
        // heard, which the local server's own result stands for.
        _ => v.resolvers.get(r).map(|x| x.status.clone()),
    }
    .unwrap_or_else(|| "Unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_match_the_reference_samples() {
        assert_eq!(
            title("CLUSTER STATUS"),
            " ========================  CLUSTER STATUS  ==========================="
        );
        assert_eq!(
            title("GROUPMAP INFORMATION"),
            " ======================  GROUPMAP INFORMATION  ======================="
        );
        assert_eq!(title("MONITOR RESOURCE STATUS").len(), 70);
        assert_eq!(closing().len(), 70);
        assert_eq!(rule().len(), 70);
    }

    #[test]
    fn leaders_and_padding_put_the_colon_in_column_21() {
        assert_eq!(
            format!("   *{}:", dotted("server1", 17)),
            "   *server1 .........:"
        );
        assert_eq!(
            format!("    {}:", dotted("failover1", 17)),
            "    failover1 .......:"
        );
        assert_eq!(
            format!("      {}:", padded("lanhb1", 15)),
            "      lanhb1         :"
        );
        assert_eq!(dotted("a-very-long-group-name", 17), "a-very-long-grou ");
        assert_eq!(padded("a-very-long-resource", 15), "a-very-long-re ");
    }
}
