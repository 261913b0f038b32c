//! HTTP Basic authentication with the product's lockout: after `max_failures` failed
//! attempts from one source address for one user name, that source and user are
//! refused (403 `The request has not been allowed.`) for `lockout`, whatever password
//! they send — a lock that the right password could pass would not stop guessing.
//! A success resets the count. `max_failures = 0` turns the lockout off.
//!
//! The check is on every request's hot path, so the common case (the configured
//! credentials and no failure on record anywhere) is one byte comparison.

use base64::Engine as _;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Entries kept at most; beyond it, entries that are not locked are forgotten.
const MAX_TRACKED: usize = 10_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    /// Answered with 401; `challenge` when the request carried no credentials at all,
    /// so the answer has a `WWW-Authenticate` header (Windows PowerShell waits for it).
    Unauthorized {
        challenge: bool,
    },
    /// 403: locked out.
    Forbidden,
}

#[derive(Debug, Default)]
struct Entry {
    failures: u32,
    locked_until: Option<Instant>,
}

pub struct Auth {
    user: String,
    password: String,
    /// `Basic <base64(user:password)>` as sent by curl and most clients.
    expected: Vec<u8>,
    max_failures: u32,
    lockout: Duration,
    records: Mutex<HashMap<(IpAddr, String), Entry>>,
    /// Whether `records` may be non-empty; lets the hot path skip the lock.
    any_records: AtomicBool,
}

impl Auth {
    pub fn new(user: &str, password: &str, max_failures: u32, lockout: Duration) -> Auth {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        Auth {
            user: user.to_string(),
            password: password.to_string(),
            expected: format!("Basic {token}").into_bytes(),
            max_failures,
            lockout,
            records: Mutex::new(HashMap::new()),
            any_records: AtomicBool::new(false),
        }
    }

    /// Checks the `Authorization` header of a request from `peer`.
    /// The configured user name.
    pub fn user(&self) -> &str {
        &self.user
    }

    pub fn check(&self, peer: IpAddr, header: Option<&[u8]>) -> Verdict {
        let Some(header) = header else {
            return Verdict::Unauthorized { challenge: true };
        };
        if header == self.expected.as_slice() && !self.any_records.load(Ordering::Acquire) {
            return Verdict::Ok;
        }
        let Some((user, password)) = decode_basic(header) else {
            return Verdict::Unauthorized { challenge: false };
        };
        let good = user == self.user && password == self.password;
        let now = Instant::now();
        let mut records = match self.records.lock() {
            Ok(r) => r,
            Err(poisoned) => poisoned.into_inner(),
        };
        let key = (peer, user);
        if let Some(e) = records.get(&key) {
            match e.locked_until {
                Some(t) if t > now => return Verdict::Forbidden,
                Some(_) => {
                    records.remove(&key);
                }
                None => {}
            }
        }
        let verdict = if good {
            records.remove(&key);
            Verdict::Ok
        } else {
            if self.max_failures > 0 {
                if records.len() >= MAX_TRACKED {
                    records.retain(|_, e| e.locked_until.is_some_and(|t| t > now));
                }
                let e = records.entry(key).or_default();
                e.failures += 1;
                if e.failures >= self.max_failures {
                    e.locked_until = Some(now + self.lockout);
                }
            }
            Verdict::Unauthorized { challenge: false }
        };
        self.any_records
            .store(!records.is_empty(), Ordering::Release);
        verdict
    }
}

/// `Basic <base64(user:password)>` -> (user, password); the password may hold colons.
fn decode_basic(header: &[u8]) -> Option<(String, String)> {
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
        assert_eq!(
            a.check(ip, Some(&basic("user", "password"))),
            Verdict::Forbidden
        );
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
}
