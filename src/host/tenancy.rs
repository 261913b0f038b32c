//! Who may reach which cluster (#26). Every cluster of a fleet has its own
//! [`Credential`] (given in the fleet file or the create request, else generated); the
//! fleet has one admin credential (`serve --admin-user/--admin-password`, the fleet
//! file's `admin:`, else `--user/--password`) that reaches everything. A cluster's
//! credential reaches that cluster only; a single-cluster `serve` has one credential,
//! which is both its cluster's and the admin's (as before tenancy existed).
//!
//! The credential records live here and only here ([`Tenancy::credentials`]), as plain
//! serializable structs, so that a state directory can keep them.
//!
//! The lockout is one table for the whole fleet, keyed by source address and user
//! name (`auth::Lockout`): a student's typos lock out that student's user name only.

use super::auth::{basic_header, decode_basic, Lockout, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::RwLock;
use std::time::Duration;

/// A user name and password (HTTP Basic).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Credential {
    pub user: String,
    pub password: String,
}

/// Characters of a generated password.
pub const GENERATED_PASSWORD_LEN: usize = 20;

impl Credential {
    /// `user` with a fresh password: [`GENERATED_PASSWORD_LEN`] letters and digits from
    /// the operating system's random source (host side: the simulation never sees it).
    pub fn generate(user: &str) -> Credential {
        use rand::distributions::{Alphanumeric, DistString};
        Credential {
            user: user.to_string(),
            password: Alphanumeric.sample_string(&mut rand::rngs::OsRng, GENERATED_PASSWORD_LEN),
        }
    }
}

/// What a request asks to reach.
#[derive(Clone, Copy, Debug)]
pub enum Scope<'a> {
    /// One cluster's data or inputs.
    Cluster(&'a str),
    /// Fleet-wide reading filtered to what the caller may see (`GET /sim/v1/clusters`).
    AnyKnown,
    /// Creating, deleting, exercises, the instructor's page: the admin only.
    Admin,
}

/// Who a request authenticated as.
#[derive(Clone, Debug)]
pub struct Caller {
    pub admin: bool,
    pub credential: Credential,
}

/// The outcome of a check.
#[derive(Clone, Debug)]
pub enum Access {
    Granted(Caller),
    /// Unknown credentials (or none: `challenge`).
    Unauthorized {
        challenge: bool,
    },
    /// Too many failures for this user from this source.
    Locked {
        user: String,
        retry_after_secs: u64,
    },
    /// Known credentials that do not reach what was asked for.
    Denied,
}

/// The `/sim/v1` message of a 403 for credentials that do not reach the cluster; it
/// says nothing about whose they are or what else exists.
pub const DENIED_MESSAGE: &str =
    "The request has not been allowed: these credentials do not give access to this cluster.";

/// The explanatory header of a lockout 403 (its body stays the product's).
pub const LOCKOUT_HEADER: &str = "x-clustersim-lockout";

/// A lockout's explanation, for people.
pub fn lockout_message(user: &str, retry_after_secs: u64) -> String {
    format!(
        "Too many failed logins for user {user:?} from this address; this user is locked out from here for {retry_after_secs} s more (other users and addresses are not affected)."
    )
}

struct Keyed {
    cred: Credential,
    header: Vec<u8>,
}

impl Keyed {
    fn new(cred: Credential) -> Keyed {
        Keyed {
            header: basic_header(&cred.user, &cred.password),
            cred,
        }
    }
}

pub struct Tenancy {
    admin: Keyed,
    clusters: RwLock<BTreeMap<String, Keyed>>,
    lock: Lockout,
}

impl Tenancy {
    pub fn new(admin: Credential, max_failures: u32, lockout: Duration) -> Tenancy {
        Tenancy {
            admin: Keyed::new(admin),
            clusters: RwLock::new(BTreeMap::new()),
            lock: Lockout::new(max_failures, lockout),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, Keyed>> {
        self.clusters.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, Keyed>> {
        self.clusters.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Another credential (a face's own default user) under the fleet's lockout.
    pub fn sharing_lockout(&self, user: &str, password: &str) -> super::auth::Auth {
        self.lock.sharing_lockout(user, password)
    }

    pub fn admin(&self) -> &Credential {
        &self.admin.cred
    }

    /// Sets (or replaces: a pool release hands out new ones) a cluster's credential.
    pub fn set(&self, cluster: &str, cred: Credential) {
        self.write().insert(cluster.to_string(), Keyed::new(cred));
    }

    pub fn remove(&self, cluster: &str) {
        self.write().remove(cluster);
    }

    pub fn credential(&self, cluster: &str) -> Option<Credential> {
        self.read().get(cluster).map(|k| k.cred.clone())
    }

    /// Every cluster's credential, by cluster name (what a state directory keeps).
    pub fn credentials(&self) -> BTreeMap<String, Credential> {
        self.read()
            .iter()
            .map(|(n, k)| (n.clone(), k.cred.clone()))
            .collect()
    }

    /// The cluster's credential is the admin's (a single-cluster `serve`): it is
    /// nobody else's, so what was open before tenancy (`/metrics`, a face's own
    /// default user) stays open.
    pub fn shared_with_admin(&self, cluster: &str) -> bool {
        self.read()
            .get(cluster)
            .is_some_and(|k| k.cred == self.admin.cred)
    }

    /// Whether `caller` may reach `cluster`.
    pub fn may_reach(&self, caller: &Caller, cluster: &str) -> bool {
        caller.admin
            || self
                .read()
                .get(cluster)
                .is_some_and(|k| k.cred == caller.credential)
    }

    /// Checks an `Authorization` header from `peer` for `scope`. The common case (the
    /// target's or the admin's credentials, no failure on record) is a byte comparison.
    pub fn check(&self, peer: IpAddr, header: Option<&[u8]>, scope: Scope) -> Access {
        let Some(header) = header else {
            return Access::Unauthorized { challenge: true };
        };
        if self.lock.quiet() {
            if header == self.admin.header.as_slice() {
                return Access::Granted(Caller {
                    admin: true,
                    credential: self.admin.cred.clone(),
                });
            }
            if let Scope::Cluster(name) = scope {
                if let Some(k) = self.read().get(name).filter(|k| k.header == header) {
                    return Access::Granted(Caller {
                        admin: false,
                        credential: k.cred.clone(),
                    });
                }
            }
        }
        match decode_basic(header) {
            Some((user, password)) => self.check_pair(peer, Credential { user, password }, scope),
            None => Access::Unauthorized { challenge: false },
        }
    }

    /// Checks a user and password (faces that take them as parameters, as xCAT does).
    pub fn check_pair(&self, peer: IpAddr, cred: Credential, scope: Scope) -> Access {
        let admin = cred == self.admin.cred;
        let (known, reaches) = {
            let all = self.read();
            let reaches = match scope {
                Scope::Cluster(name) => all.get(name).is_some_and(|k| k.cred == cred),
                Scope::AnyKnown => true,
                Scope::Admin => false,
            };
            let known = admin || all.values().any(|k| k.cred == cred);
            (known, reaches)
        };
        match self.lock.attempt(peer, &cred.user, known) {
            Verdict::Ok => {}
            Verdict::Unauthorized { challenge } => return Access::Unauthorized { challenge },
            Verdict::Forbidden { retry_after_secs } => {
                return Access::Locked {
                    user: cred.user,
                    retry_after_secs,
                }
            }
        }
        if admin || reaches {
            Access::Granted(Caller {
                admin,
                credential: cred,
            })
        } else {
            Access::Denied
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cred(u: &str, p: &str) -> Credential {
        Credential {
            user: u.into(),
            password: p.into(),
        }
    }

    #[test]
    fn a_tenant_reaches_its_cluster_only_and_the_admin_everything() {
        let t = Tenancy::new(cred("teacher", "t"), 3, Duration::from_secs(60));
        t.set("lab-1", cred("alice", "a"));
        t.set("lab-2", cred("bob", "b"));
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let h = |u: &str, p: &str| basic_header(u, p);
        let granted = |a: Access| matches!(a, Access::Granted(_));
        assert!(granted(t.check(
            ip,
            Some(&h("alice", "a")),
            Scope::Cluster("lab-1")
        )));
        assert!(matches!(
            t.check(ip, Some(&h("alice", "a")), Scope::Cluster("lab-2")),
            Access::Denied
        ));
        assert!(matches!(
            t.check(ip, Some(&h("alice", "a")), Scope::Cluster("nope")),
            Access::Denied
        ));
        assert!(matches!(
            t.check(ip, Some(&h("alice", "a")), Scope::Admin),
            Access::Denied
        ));
        for scope in [Scope::Cluster("lab-2"), Scope::Admin, Scope::AnyKnown] {
            assert!(granted(t.check(ip, Some(&h("teacher", "t")), scope)));
        }
        assert!(matches!(
            t.check(ip, Some(&h("alice", "b")), Scope::Cluster("lab-1")),
            Access::Unauthorized { challenge: false }
        ));
        // Alice's typos lock alice (from here) out, not bob.
        t.check(ip, Some(&h("alice", "x")), Scope::Cluster("lab-1"));
        t.check(ip, Some(&h("alice", "y")), Scope::Cluster("lab-1"));
        assert!(matches!(
            t.check(ip, Some(&h("alice", "a")), Scope::Cluster("lab-1")),
            Access::Locked {
                retry_after_secs: 59..=60,
                ..
            }
        ));
        assert!(granted(t.check(
            ip,
            Some(&h("bob", "b")),
            Scope::Cluster("lab-2")
        )));
        assert!(!t.shared_with_admin("lab-1"));
        let g = Credential::generate("lab-3");
        assert_eq!(g.password.len(), GENERATED_PASSWORD_LEN);
        assert_ne!(g, Credential::generate("lab-3"));
    }
}
