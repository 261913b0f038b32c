//! The object definitions xCAT keeps in its database and the face keeps beside the
//! simulation: node attributes given by `mkdef`/`chdef` (`POST`/`PUT /nodes/{n}`),
//! group attributes (`PUT /groups/{g}`) and the site table (`/globalconf`). They live in
//! the face's memory: never in the journal, so no event log changes; a reset of the
//! cluster forgets them (`Defs::follow`). A node's `ip` and `status` come from the
//! simulation unless `ip` was set; groups are what the nodes' `groups` attributes name.
//!
//! Limits: [`MAX_ATTRS`] attributes per object, [`MAX_VALUE`] bytes per value,
//! [`MAX_GROUP_DEFS`] group definitions.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Attribute name -> value, as `lsdef` prints them (sorted).
pub type Attrs = BTreeMap<String, String>;

pub const MAX_ATTRS: usize = 256;
pub const MAX_VALUE: usize = 4096;
pub const MAX_GROUP_DEFS: usize = 1024;

/// The node attribute names of xCAT's schema (`Schema.pm`, `$defspec{node}`).
const NODE_ATTRS: &str = include_str!("node_attrs.txt");
/// A group's own attributes; a group also takes every node attribute.
const GROUP_ATTRS: &[&str] = &[
    "grouptype",
    "membergroups",
    "members",
    "usercomment",
    "wherevals",
];
/// Attributes xCAT sends as arrays with `ver=1.0` and joins with commas.
const ARRAY_ATTRS: &[&str] = &["groups", "members", "postscripts", "postbootscripts"];

/// What every node definition gets from the `xcatdefaults` entry of `xcatconfig`.
const XCAT_DEFAULTS: &[(&str, &str)] = &[
    ("postbootscripts", "otherpkgs"),
    ("postscripts", "syslog,remoteshell,syncfiles"),
];

/// The site table `xcatconfig` writes on a fresh management node, less the entries
/// that depend on its network (`master`, `nameservers`, `domain`, `forwarders`), which
/// the face does not have until they are set.
const SITE_DEFAULTS: &[(&str, &str)] = &[
    ("SNsyncfiledir", "/var/xcat/syncfiles"),
    ("auditnosyslog", "0"),
    ("auditskipcmds", "ALL"),
    ("blademaxp", "64"),
    ("cleanupdiskfullxcatpost", "no"),
    ("cleanupxcatpost", "no"),
    ("consoleondemand", "yes"),
    ("databaseloc", "/var/lib"),
    ("dhcplease", "43200"),
    ("dnshandler", "ddns"),
    ("enableASMI", "no"),
    ("fsptimeout", "0"),
    ("installdir", "/install"),
    ("ipmimaxp", "64"),
    ("ipmiretries", "3"),
    ("ipmitimeout", "2"),
    ("maxssh", "8"),
    ("nodesyncfiledir", "/var/xcat/node/syncfiles"),
    ("powerinterval", "0"),
    ("ppcmaxp", "64"),
    ("ppcretry", "3"),
    ("ppctimeout", "0"),
    ("sharedtftp", "1"),
    ("sshbetweennodes", "ALLGROUPS"),
    ("syspowerinterval", "0"),
    ("tftpdir", "/tftpboot"),
    ("useNmapfromMN", "no"),
    ("useSSHonAIX", "yes"),
    ("useflowcontrol", "yes"),
    ("vsftp", "n"),
    ("xcatconfdir", "/etc/xcat"),
    ("xcatdport", "3001"),
    ("xcatiport", "3002"),
    ("xcatsslversion", ""),
    ("xcattlspolicy", "modern"),
];

/// The face's database.
pub struct Defs {
    /// The cluster's reset count these belong to.
    resets: u64,
    /// Definitions given by mkdef/chdef; a simulated server without one has
    /// [`Defs::server_defaults`].
    nodes: BTreeMap<String, Attrs>,
    pub groups: BTreeMap<String, Attrs>,
    pub site: Attrs,
}

impl Defs {
    pub fn new(resets: u64) -> Defs {
        let site = SITE_DEFAULTS
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Defs {
            resets,
            nodes: BTreeMap::new(),
            groups: BTreeMap::new(),
            site,
        }
    }

    /// Starts afresh when the cluster was reset since.
    pub fn follow(&mut self, resets: u64) {
        if resets != self.resets {
            *self = Defs::new(resets);
        }
    }

    /// A simulated server's definition before any chdef: an IPMI-managed x86_64 node in
    /// the groups `all` and the cluster's name.
    fn server_defaults(cluster: &str) -> Attrs {
        let groups = if cluster == "all" {
            "all".to_string()
        } else {
            format!("all,{cluster}")
        };
        let mut a: Attrs = [("arch", "x86_64"), ("mgt", "ipmi"), ("os", "rhels8")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        a.insert("groups".into(), groups);
        a.extend(
            XCAT_DEFAULTS
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        a
    }

    /// Node `name`'s own attributes (not inherited from its groups).
    pub fn own(&self, name: &str, cluster: &str) -> Attrs {
        self.nodes
            .get(name)
            .cloned()
            .unwrap_or_else(|| Defs::server_defaults(cluster))
    }

    /// Node `name`'s attributes as `lsdef` shows them: its own, then each of its groups'
    /// in the order of its `groups` attribute (the first group that has one wins).
    pub fn effective(&self, name: &str, cluster: &str) -> Attrs {
        let mut a = self.own(name, cluster);
        let groups: Vec<String> = split_list(a.get("groups").map_or("", String::as_str));
        for g in groups {
            for (k, v) in self.groups.get(&g).into_iter().flatten() {
                if !GROUP_ATTRS.contains(&k.as_str()) {
                    a.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
        }
        a
    }

    /// mkdef: a new definition from `given` plus xCAT's defaults.
    pub fn create(&mut self, name: &str, given: &Attrs) {
        let mut a: Attrs = XCAT_DEFAULTS
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        merge(&mut a, given);
        self.nodes.insert(name.to_string(), a);
    }

    /// chdef of a node: `given` over its attributes (an empty value removes one).
    pub fn change(&mut self, name: &str, cluster: &str, given: &Attrs) {
        let mut a = self.own(name, cluster);
        merge(&mut a, given);
        self.nodes.insert(name.to_string(), a);
    }

    /// rmdef.
    pub fn remove(&mut self, name: &str) {
        self.nodes.remove(name);
    }

    /// Group names: those the nodes name and those defined with chdef, sorted.
    pub fn group_names(&self, nodes: &[String], cluster: &str) -> Vec<String> {
        let mut all: Vec<String> = self.groups.keys().cloned().collect();
        for n in nodes {
            all.extend(split_list(
                self.own(n, cluster)
                    .get("groups")
                    .map_or("", String::as_str),
            ));
        }
        all.sort();
        all.dedup();
        all
    }
}

fn merge(into: &mut Attrs, given: &Attrs) {
    for (k, v) in given {
        if v.is_empty() {
            into.remove(k);
        } else {
            into.insert(k.clone(), v.clone());
        }
    }
}

/// `a,b,c` -> its non-empty items.
pub fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|g| !g.is_empty())
        .map(str::to_string)
        .collect()
}

/// Which object a chdef/mkdef is for: names are checked against its attributes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ObjType {
    Node,
    Group,
    Site,
}

impl ObjType {
    fn word(self) -> &'static str {
        match self {
            ObjType::Node => "node",
            ObjType::Group => "group",
            ObjType::Site => "site",
        }
    }
    fn knows(self, attr: &str) -> bool {
        // nicips.eth0 is the nicips attribute (DBobjectdefs.pm).
        let base = match attr.split_once('.') {
            Some((b, _)) if b.starts_with("nic") => b,
            _ => attr,
        };
        match self {
            ObjType::Site => true,
            ObjType::Group if GROUP_ATTRS.contains(&base) => true,
            _ => NODE_ATTRS.lines().any(|l| l == base),
        }
    }
}

/// The attributes of a PUT/POST body as `xcatws.cgi` hands them to `chdef`: strings as
/// they are, numbers and booleans as Perl prints them, `null` as an empty value, arrays
/// joined (`groups`, `members`, `postscripts`, `postbootscripts` with `,`; `nic*` with
/// `|`; others dropped), `options` ignored. Unknown names are the daemon's errors,
/// two lines each; values past the limits are refused.
pub fn attrs_of(params: &Map<String, Value>, kind: ObjType) -> (Attrs, Vec<String>) {
    let (mut out, mut errors) = (Attrs::new(), Vec::new());
    for (k, v) in params {
        if k.is_empty() || k == "options" {
            continue;
        }
        if !kind.knows(k) {
            errors.push(format!(
                "'{k}' is not a valid attribute name for an object type of '{}'.",
                kind.word()
            ));
            errors.push("Skipping to the next attribute.".into());
            continue;
        }
        let value = match v {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            Value::Bool(b) => if *b { "1" } else { "0" }.to_string(),
            Value::Number(n) => n.to_string(),
            Value::Array(items) => {
                let sep = if ARRAY_ATTRS.contains(&k.as_str()) {
                    ","
                } else if k.starts_with("nicips") {
                    "|"
                } else {
                    continue;
                };
                let parts: Vec<String> = items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                    .collect();
                parts.join(sep)
            }
            Value::Object(_) => continue,
        };
        if value.len() > MAX_VALUE {
            errors.push(format!(
                "The value of '{k}' is longer than {MAX_VALUE} bytes."
            ));
            continue;
        }
        out.insert(k.clone(), value);
    }
    (out, errors)
}

/// Whether an object with `current` attributes may take `given` within [`MAX_ATTRS`].
pub fn fits(current: &Attrs, given: &Attrs) -> bool {
    let added = given.keys().filter(|k| !current.contains_key(*k)).count();
    current.len() + added <= MAX_ATTRS
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nodes_inherit_from_their_groups_and_keep_their_own() {
        let mut d = Defs::new(0);
        let given = |v: Value| attrs_of(v.as_object().unwrap(), ObjType::Node).0;
        d.create("n1", &given(json!({"groups": "rack,all", "mgt": "ipmi"})));
        d.groups
            .insert("rack".into(), given(json!({"os": "rh7", "mgt": "hmc"})));
        let e = d.effective("n1", "c");
        assert_eq!((e["os"].as_str(), e["mgt"].as_str()), ("rh7", "ipmi"));
        d.change("n1", "c", &given(json!({"mgt": null})));
        assert_eq!(d.effective("n1", "c")["mgt"], "hmc");
        assert_eq!(
            d.group_names(&["n1".into(), "s".into()], "c"),
            ["all", "c", "rack"]
        );
        d.follow(1);
        assert_eq!(d.own("n1", "c")["groups"], "all,c");
    }

    #[test]
    fn unknown_attributes_are_named_twice_as_chdef_does() {
        let (a, e) = attrs_of(
            json!({"bogus": "1", "groups": ["a", "b"]})
                .as_object()
                .unwrap(),
            ObjType::Node,
        );
        assert_eq!(a["groups"], "a,b");
        assert_eq!(
            e,
            [
                "'bogus' is not a valid attribute name for an object type of 'node'.",
                "Skipping to the next attribute."
            ]
        );
    }
}
