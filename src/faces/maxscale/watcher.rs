//! MaxScale 2.2's modification tracking (`resource.cc`, `ResourceWatcher` and
//! `request_precondition_met`): a POST, PUT, PATCH or DELETE answered 200, 201 or 204
//! bumps the ETag (a counter from 0) and the Last-Modified time of its path and of
//! each parent path; GET and HEAD answers carry both. The first of
//! `If-Modified-Since`, `If-Unmodified-Since`, `If-Match`, `If-None-Match` a request
//! has decides: 304 or 412, with no body. Times are the simulated calendar's, in whole
//! seconds as MaxScale's `time()`; a path never modified has ETag 0 and the face's
//! start as its Last-Modified. Only changes made through this API count, as in
//! MaxScale: a server changing state by itself leaves them alone.

use axum::http::{HeaderMap, StatusCode};
use std::collections::BTreeMap;

/// At most this many paths are tracked; past it the oldest-named are dropped (a path
/// forgotten answers as never modified). Bounds memory against clients inventing paths.
pub const MAX_PATHS: usize = 4096;

pub struct Watcher {
    /// Unix seconds of the face's start.
    init: i64,
    etag: BTreeMap<String, (u64, i64)>,
}

impl Watcher {
    pub fn new(init: i64) -> Self {
        Watcher {
            init,
            etag: BTreeMap::new(),
        }
    }

    /// A successful change of `path` at Unix second `now`.
    pub fn modify(&mut self, path: &str, now: i64) {
        let mut p = path.to_string();
        loop {
            let e = self.etag.entry(p.clone()).or_insert((0, now));
            *e = (e.0 + 1, now);
            match p.rfind('/') {
                Some(i) if i > 0 => p.truncate(i),
                _ => break,
            }
        }
        while self.etag.len() > MAX_PATHS {
            self.etag.pop_first();
        }
    }

    pub fn etag(&self, path: &str) -> u64 {
        self.etag.get(path).map_or(0, |e| e.0)
    }

    pub fn last_modified(&self, path: &str) -> i64 {
        self.etag.get(path).map_or(self.init, |e| e.1)
    }

    /// The answer a conditional request gets instead of being served, if any.
    pub fn precondition(&self, path: &str, h: &HeaderMap) -> Option<StatusCode> {
        let get = |name: &str| {
            h.get(name)
                .and_then(|v| v.to_str().ok())
                .filter(|s| !s.is_empty())
        };
        let fail = |cond: bool, status: StatusCode| cond.then_some(status);
        if let Some(d) = get("if-modified-since") {
            fail(
                self.last_modified(path) <= from_date(d),
                StatusCode::NOT_MODIFIED,
            )
        } else if let Some(d) = get("if-unmodified-since") {
            fail(
                self.last_modified(path) > from_date(d),
                StatusCode::PRECONDITION_FAILED,
            )
        } else if let Some(t) = get("if-match") {
            fail(self.etag(path) != tag(t), StatusCode::PRECONDITION_FAILED)
        } else if let Some(t) = get("if-none-match") {
            fail(self.etag(path) == tag(t), StatusCode::NOT_MODIFIED)
        } else {
            None
        }
    }
}

/// An HTTP-date as Unix seconds; 0 when it does not parse.
fn from_date(s: &str) -> i64 {
    httpdate::parse_http_date(s)
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs() as i64)
}

/// The ETag's number as MaxScale reads it: the quotes cut off (first and last
/// character), then the leading digits (`strtoul`), 0 when there are none.
fn tag(s: &str) -> u64 {
    let inner = s.get(1..s.len().saturating_sub(1)).unwrap_or("");
    let digits: String = inner
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(name: &'static str, v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn changes_bump_the_path_and_its_parents() {
        let mut w = Watcher::new(1_000);
        w.modify("/v1/servers/server1/set", 2_000);
        assert_eq!(w.etag("/v1/servers/server1"), 1);
        assert_eq!(w.etag("/v1/servers"), 1);
        assert_eq!(w.etag("/v1/monitors"), 0);
        assert_eq!(w.last_modified("/v1/monitors"), 1_000);
        assert_eq!(w.last_modified("/v1"), 2_000);
        let p = "/v1/servers/server1";
        assert_eq!(w.precondition(p, &headers("if-match", "\"1\"")), None);
        assert_eq!(
            w.precondition(p, &headers("if-match", "\"0\"")),
            Some(StatusCode::PRECONDITION_FAILED)
        );
        assert_eq!(
            w.precondition(p, &headers("if-none-match", "\"1\"")),
            Some(StatusCode::NOT_MODIFIED)
        );
        let date = "Thu, 01 Jan 1970 00:33:20 GMT"; // 2000 s
        assert_eq!(
            w.precondition(p, &headers("if-modified-since", date)),
            Some(StatusCode::NOT_MODIFIED)
        );
        assert_eq!(
            w.precondition(p, &headers("if-unmodified-since", date)),
            None
        );
        let before = "Thu, 01 Jan 1970 00:33:19 GMT";
        assert_eq!(
            w.precondition(p, &headers("if-unmodified-since", before)),
            Some(StatusCode::PRECONDITION_FAILED)
        );
    }
}
