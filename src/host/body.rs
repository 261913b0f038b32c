//! Request bodies and query strings. Bodies are JSON objects whatever the Content-Type
//! (the reference's curl examples send `-d '{...}'`, i.e. form-encoded by curl's
//! default); an empty body is `{}`. Anything else — invalid JSON, not an object, over
//! [`MAX_BODY`], a field of the wrong type — is a 400, never a panic.

use crate::faces::expresscluster::errors::ApiError;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// Largest request body accepted [assume: the product documents none; requests are a
/// few fields].
pub const MAX_BODY: usize = 64 * 1024;

/// Reads and decodes a body; the error says what was wrong (for the control API).
pub async fn read_json<T: DeserializeOwned>(req: Request) -> Result<T, String> {
    let bytes = axum::body::to_bytes(req.into_body(), MAX_BODY)
        .await
        .map_err(|_| format!("the request body is larger than {MAX_BODY} bytes or unreadable"))?;
    decode(&bytes)
}

/// Decodes a JSON object body (empty = `{}`) into `T`.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    let text =
        std::str::from_utf8(bytes).map_err(|_| "the request body is not UTF-8".to_string())?;
    let text = if text.trim().is_empty() { "{}" } else { text };
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => literal_backslashes(text)
            .and_then(|t| serde_json::from_str(&t).ok())
            .ok_or_else(|| format!("the request body is not valid JSON: {e}"))?,
    };
    if !value.is_object() {
        return Err("the request body must be a JSON object".into());
    }
    serde_json::from_value(value).map_err(|e| format!("invalid request body: {e}"))
}

/// The reference's `scripts/run` example sends `"logdir" : "C:\tmp\script.log"`, which
/// is not JSON (`\s` is no escape). Like a forgiving parser, take a backslash that
/// does not start a JSON escape as a literal backslash; `None` if there is none.
fn literal_backslashes(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    let mut changed = false;
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '\\' {
            match chars.peek() {
                Some('"' | '\\' | '/' | 'b' | 'f' | 'n' | 'r' | 't' | 'u') => {
                    out.extend(chars.next());
                }
                _ => {
                    out.push('\\');
                    changed = true;
                }
            }
        }
    }
    changed.then_some(out)
}

/// A body for `/api/v1`: failures are the table's 400 `The requested URL has an error.`
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, _: &S) -> Result<Self, ApiError> {
        read_json(req)
            .await
            .map(ApiJson)
            .map_err(|_| ApiError::bad_request())
    }
}

/// A body for `/sim/v1`: failures are a 400 whose message says what was wrong.
pub struct SimJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for SimJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, _: &S) -> Result<Self, ApiError> {
        read_json(req)
            .await
            .map(SimJson)
            .map_err(ApiError::bad_request_msg)
    }
}

/// The one `{name}` segment of a path; a segment that does not decode is the table's 400.
pub struct NamePath(pub String);

impl<S: Send + Sync> FromRequestParts<S> for NamePath {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(n)| NamePath(n))
            .map_err(|_| ApiError::bad_request())
    }
}

/// `key=value` pairs of a query string, percent-decoded; `None` if malformed.
pub fn query_pairs(query: Option<&str>) -> Option<Vec<(String, String)>> {
    let Some(q) = query else {
        return Some(Vec::new());
    };
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            Some((percent_decode(k)?, percent_decode(v)?))
        })
        .collect()
}

fn percent_decode(s: &str) -> Option<String> {
    unescape(s, true)
}

/// A URL path percent-decoded (`+` stays `+`: `node1+3` is an xCAT noderange); `None`
/// if malformed.
pub fn path_decode(s: &str) -> Option<String> {
    unescape(s, false)
}

fn unescape(s: &str, plus_is_space: bool) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' if plus_is_space => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    struct T {
        target: Option<String>,
    }

    #[test]
    fn bodies() {
        assert_eq!(decode::<T>(b"").unwrap().target, None);
        assert_eq!(
            decode::<T>(b"{ \"target\" : \"server1\" }")
                .unwrap()
                .target
                .as_deref(),
            Some("server1")
        );
        assert!(decode::<T>(b"{\"target\": 5}").is_err());
        assert!(decode::<T>(b"[\"server1\"]").is_err());
        assert!(decode::<T>(b"{not json").is_err());
        assert!(decode::<T>(&[0xff, 0xfe]).is_err());
        // The reference's Windows path: `\t` is a JSON escape, `\s` is taken literally.
        let p = decode::<T>(br#"{"target": "C:\tmp\script.log"}"#)
            .unwrap()
            .target
            .unwrap();
        assert_eq!(p, "C:\tmp\\script.log");
        assert!(decode::<T>(br#"{"target": "C:\tmp\script.log"#).is_err());
    }

    #[test]
    fn queries() {
        assert_eq!(
            query_pairs(Some("select=name&x=a%20b+c")).unwrap(),
            vec![
                ("select".into(), "name".into()),
                ("x".into(), "a b c".into())
            ]
        );
        assert!(query_pairs(Some("select=%zz")).is_none());
        assert!(query_pairs(None).unwrap().is_empty());
    }
}
