//! HTTP Basic authentication with the product's lockout: after `max_failures` failed
//! attempts from one source address for one user name, that source and user are
//! refused (403 `The request has not been allowed.`) for `lockout`, whatever password
//! they send — a lock that the right password could pass would not stop guessing.
//! A success resets the count. `max_failures = 0` turns the lockout off. The failure
//! table is bounded without ever forgetting a count in force (see [`Source`]).
//!
//! The check is on every request's hot path, so the common case (the configured
//! credentials and no failure on record anywhere) is one byte comparison.

use super::limits::{AUTH_MAX_SOURCES, AUTH_USERS_PER_SOURCE};
use base64::Engine as _;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    /// Answered with 401; `challenge` when the request carried no credentials at all,
    /// so the answer has a `WWW-Authenticate` header (Windows PowerShell waits for it).
    Unauthorized {
        challenge: bool,
    },
    /// 403: locked out for `retry_after_secs` more seconds (at least 1).
    Forbidden {
        retry_after_secs: u64,
    },
}

#[derive(Debug)]
struct Entry {
    failures: u32,
    locked_until: Option<Instant>,
    last_failure: Instant,
}

/// One source address's failures, by user name. A source that fails for more than
/// [`AUTH_USERS_PER_SOURCE`] names in a window is locked as a whole: spraying junk
/// names can neither fill the table nor make it forget a victim's count.
#[derive(Debug, Default)]
struct Source {
    users: HashMap<String, Entry>,
    locked_until: Option<Instant>,
}

impl Source {
    /// Nothing on record is still in force at `now` (no lock, no failure in the window).
    fn stale(&self, now: Instant, window: Duration) -> bool {
        self.locked_until.is_none_or(|t| t <= now)
            && self.users.values().all(|e| entry_stale(e, now, window))
    }
}

fn entry_stale(e: &Entry, now: Instant, window: Duration) -> bool {
    e.locked_until.is_none_or(|t| t <= now) && e.last_failure + window <= now
}

/// The failure table of one authentication realm (a listener face's or the fleet's),
/// keyed by source address and user name.
pub struct Lockout {
    max_failures: u32,
    lockout: Duration,
    /// Shared with the Auths made by [`Auth::sharing_lockout`].
    records: std::sync::Arc<Mutex<HashMap<IpAddr, Source>>>,
    /// Whether `records` may be non-empty; lets the hot path skip the lock.
    any_records: std::sync::Arc<AtomicBool>,
}

impl Lockout {
    pub fn new(max_failures: u32, lockout: Duration) -> Lockout {
        Lockout {
            max_failures,
            lockout,
            records: Default::default(),
            any_records: Default::default(),
        }
    }

    /// Another face's credentials (`user`/`password`) under this one's lockout: the
    /// same limits, and failures on either count towards the same lock of a source.
    pub fn sharing_lockout(&self, user: &str, password: &str) -> Auth {
        Auth {
            lock: Lockout {
                max_failures: self.max_failures,
                lockout: self.lockout,
                records: self.records.clone(),
                any_records: self.any_records.clone(),
            },
            ..Auth::new(user, password, 0, Duration::ZERO)
        }
    }

    /// No failure on record anywhere: a request with good credentials needs no lock.
    pub fn quiet(&self) -> bool {
        !self.any_records.load(Ordering::Acquire)
    }

    /// Records the outcome of `user`'s attempt from `peer` (`good`: the password was
    /// right) and says whether it may pass.
    pub fn attempt(&self, peer: IpAddr, user: &str, good: bool) -> Verdict {
        let now = Instant::now();
        let mut records = match self.records.lock() {
            Ok(r) => r,
            Err(poisoned) => poisoned.into_inner(),
        };
        let verdict = self.judge(&mut records, peer, user.to_string(), good, now);
        self.any_records
            .store(!records.is_empty(), Ordering::Release);
        verdict
    }

    fn judge(
        &self,
        records: &mut HashMap<IpAddr, Source>,
        peer: IpAddr,
        user: String,
        good: bool,
        now: Instant,
    ) -> Verdict {
        let locked = |until: Instant| Verdict::Forbidden {
            retry_after_secs: (until - now).as_secs_f64().ceil().max(1.0) as u64,
        };
        if let Some(src) = records.get_mut(&peer) {
            if let Some(t) = src.locked_until.filter(|t| *t > now) {
                return locked(t);
            }
            if let Some(e) = src.users.get(&user) {
                match e.locked_until {
                    Some(t) if t > now => return locked(t),
                    Some(_) => {
                        src.users.remove(&user);
                    }
                    None => {}
                }
            }
            if good {
                src.users.remove(&user);
            }
        }
        if good {
            return Verdict::Ok;
        }
        if self.max_failures == 0 {
            return Verdict::Unauthorized { challenge: false };
        }
        let window = self.lockout;
        if !records.contains_key(&peer) && records.len() >= AUTH_MAX_SOURCES {
            records.retain(|_, s| !s.stale(now, window));
            if records.len() >= AUTH_MAX_SOURCES {
                // Fail closed: every entry is in force and none may be forgotten.
                return locked(now + window);
            }
        }
        let src = records.entry(peer).or_default();
        if !src.users.contains_key(&user) && src.users.len() >= AUTH_USERS_PER_SOURCE {
            src.users.retain(|_, e| !entry_stale(e, now, window));
            if src.users.len() >= AUTH_USERS_PER_SOURCE {
                src.locked_until = Some(now + window);
                return Verdict::Unauthorized { challenge: false };
            }
        }
        let e = src.users.entry(user).or_insert(Entry {
            failures: 0,
            locked_until: None,
            last_failure: now,
        });
        e.failures += 1;
        e.last_failure = now;
        if e.failures >= self.max_failures {
            e.locked_until = Some(now + window);
        }
        Verdict::Unauthorized { challenge: false }
    }
}

/// One user and password with its own lockout (a listener face's own realm).
pub struct Auth {
    user: String,
    password: String,
    /// `Basic <base64(user:password)>` as sent by curl and most clients.
    expected: Vec<u8>,
    lock: Lockout,
}

impl Auth {
    pub fn new(user: &str, password: &str, max_failures: u32, lockout: Duration) -> Auth {
        Auth {
            user: user.to_string(),
            password: password.to_string(),
            expected: basic_header(user, password),
            lock: Lockout::new(max_failures, lockout),
        }
    }

    /// The configured user name.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// Checks the `Authorization` header of a request from `peer`.
    pub fn check(&self, peer: IpAddr, header: Option<&[u8]>) -> Verdict {
        let Some(header) = header else {
            return Verdict::Unauthorized { challenge: true };
        };
        if header == self.expected.as_slice() && self.lock.quiet() {
            return Verdict::Ok;
        }
        let Some((user, password)) = decode_basic(header) else {
            return Verdict::Unauthorized { challenge: false };
        };
        let good = user == self.user && password == self.password;
        self.lock.attempt(peer, &user, good)
    }
}

/// `Basic <base64(user:password)>`, as clients send it.
pub fn basic_header(user: &str, password: &str) -> Vec<u8> {
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    format!("Basic {token}").into_bytes()
}

/// `Basic <base64(user:password)>` -> (user, password); the password may hold colons.
pub fn decode_basic(header: &[u8]) -> Option<(String, String)> {
    let text = std::str::from_utf8(header).ok()?.trim();
    let (scheme, token) = text.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(token.trim())
        .ok()?;
    let pair = String::from_utf8(raw).ok()?;
    let (u, p) = pair.split_once(':')?;
    Some((u.to_string(), p.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(u: &str, p: &str) -> Vec<u8> {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
        )
        .into_bytes()
    }

    #[test]
    fn lockout_after_failures_then_expires() {
        let a = Auth::new("user", "password", 3, Duration::from_millis(200));
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let other: IpAddr = "127.0.0.2".parse().unwrap();
        assert_eq!(a.check(ip, None), Verdict::Unauthorized { challenge: true });
        assert_eq!(a.check(ip, Some(&basic("user", "password"))), Verdict::Ok);
        for _ in 0..3 {
            assert_eq!(
                a.check(ip, Some(&basic("user", "bad"))),
                Verdict::Unauthorized { challenge: false }
            );
        }
        assert!(matches!(
            a.check(ip, Some(&basic("user", "password"))),
            Verdict::Forbidden {
                retry_after_secs: 1
            }
        ));
        assert_eq!(
            a.check(other, Some(&basic("user", "password"))),
            Verdict::Ok
        );
        std::thread::sleep(Duration::from_millis(250));
        assert_eq!(a.check(ip, Some(&basic("user", "password"))), Verdict::Ok);
    }

    #[test]
    fn success_resets_the_count_and_garbage_is_401() {
        let a = Auth::new("u", "p:with:colons", 2, Duration::from_secs(60));
        let ip: IpAddr = "::1".parse().unwrap();
        assert_eq!(
            a.check(ip, Some(&basic("u", "x"))),
            Verdict::Unauthorized { challenge: false }
        );
        assert_eq!(a.check(ip, Some(&basic("u", "p:with:colons"))), Verdict::Ok);
        assert_eq!(
            a.check(ip, Some(&basic("u", "x"))),
            Verdict::Unauthorized { challenge: false }
        );
        assert_eq!(
            a.check(ip, Some(b"Bearer abc")),
            Verdict::Unauthorized { challenge: false }
        );
        assert_eq!(
            a.check(ip, Some(b"Basic !!!")),
            Verdict::Unauthorized { challenge: false }
        );
        assert_eq!(a.check(ip, Some(&basic("u", "p:with:colons"))), Verdict::Ok);
    }

    /// The eviction attack of issue #12: guesses at a real user interleaved with
    /// failures for thousands of junk users never get past the lockout rule.
    #[test]
    fn junk_user_failures_do_not_reset_a_victims_count() {
        let a = Auth::new("user", "password", 5, Duration::from_secs(60));
        let ip: IpAddr = "10.0.0.9".parse().unwrap();
        let mut evaluated = 0;
        for round in 0..20 {
            for g in 0..4 {
                let pw = format!("guess{round}-{g}");
                let v = a.check(ip, Some(&basic("user", &pw)));
                if !matches!(v, Verdict::Forbidden { .. }) {
                    evaluated += 1;
                }
            }
            for j in 0..10_000 {
                a.check(ip, Some(&basic(&format!("junk{j}"), "x")));
            }
        }
        assert!(
            evaluated <= 5,
            "{evaluated} guesses evaluated in one window"
        );
        // Locked means locked: the right password from that source is refused too.
        assert!(matches!(
            a.check(ip, Some(&basic("user", "password"))),
            Verdict::Forbidden {
                retry_after_secs: 55..=60
            }
        ));
        // Another source is not affected.
        let other: IpAddr = "10.0.0.10".parse().unwrap();
        assert_eq!(
            a.check(other, Some(&basic("user", "password"))),
            Verdict::Ok
        );
        assert!(a.lock.records.lock().unwrap().len() <= 2);
    }
}
