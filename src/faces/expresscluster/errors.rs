//! The reference's error table and the `result` object every response carries.
//!
//! `result.code` values used by clustersim (0 is success, as in the product):
//!
//! | code | HTTP | meaning |
//! |---|---|---|
//! | 0 | 200 | success (operations: accepted; progress shows in later GETs) |
//! | 1 | 400 | GET of a named object that does not exist (body: the reference's "Error" example shape) |
//! | 2 | 200 | operation refused: a name in the URL or body does not exist |
//! | 3 | 200 | operation refused: a parameter value is out of range |
//! | 4 | 200 | operation refused: it cannot be done now (suspended, server down, already online ...) |
//! | 5 | 200 | operation refused: another operation is still in progress |
//! | 400, 401, 403, 405, 500 | same | the reference's error table (messages below), code = HTTP status |
//! | 500 | 500 | an operation needed a peer the answering server still believed up, which did not answer: sent after the internal communication timeout (`settings.internal_communication_timeout`), "An error occurred while sending the request." |
//! | 404, 409 | same | control API only: no such fault id; not applicable now (see `control.rs`) |
//!
//! The HTTP-level messages are the reference's ("4. Troubleshooting") word for word.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use std::borrow::Cow;

pub const MSG_400: &str = "The requested URL has an error.";
pub const MSG_401: &str = "Authentication failed.";
pub const MSG_403: &str = "The request has not been allowed.";
pub const MSG_405: &str = "The request has an error.";
pub const MSG_500: &str = "An error occurred while processing the request.";
/// The reference's 500 for a request the server could not pass on: what an operation
/// answers when a peer it needed did not answer within the internal communication
/// timeout (behaviour §0) [infer: the reference's "An error occurred while sending the
/// request. EXPRESSCLUSTER Server might have a problem."].
pub const MSG_500_SENDING: &str = "An error occurred while sending the request.";

pub const CODE_NOT_FOUND: i64 = 1;
pub const CODE_UNKNOWN_NAME: i64 = 2;
pub const CODE_INVALID: i64 = 3;
pub const CODE_REFUSED: i64 = 4;
pub const CODE_BUSY: i64 = 5;

/// The `result` object of every response.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct ResultObj {
    pub code: i64,
    pub message: Cow<'static, str>,
}

impl ResultObj {
    pub const OK: ResultObj = ResultObj {
        code: 0,
        message: Cow::Borrowed(""),
    };
}

/// A response body serialised once, with the JSON content type.
pub fn json_response<T: Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            bytes,
        )
            .into_response(),
        // Serialising our own plain structs cannot fail; answer the table's 500 if it does.
        Err(_) => ApiError::internal().into_response(),
    }
}

/// An error answered with an HTTP status and `{"result": {...}}`, optionally with the
/// endpoint's empty-object fields (the reference's "Error" examples) beside `result`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub result: ResultObj,
    pub extra: Option<(&'static str, Value)>,
    /// Send a `WWW-Authenticate` challenge (401 to a request without credentials).
    pub challenge: bool,
}

impl ApiError {
    fn table(status: StatusCode, message: &'static str) -> ApiError {
        ApiError {
            status,
            result: ResultObj {
                code: status.as_u16() as i64,
                message: Cow::Borrowed(message),
            },
            extra: None,
            challenge: false,
        }
    }
    /// 400: unknown URL, malformed parameter or body.
    pub fn bad_request() -> ApiError {
        ApiError::table(StatusCode::BAD_REQUEST, MSG_400)
    }
    /// 400 with a message of our own (control API: what was wrong and what is valid).
    pub fn bad_request_msg(message: impl Into<String>) -> ApiError {
        ApiError::with(StatusCode::BAD_REQUEST, message)
    }
    pub fn unauthorized(challenge: bool) -> ApiError {
        ApiError {
            challenge,
            ..ApiError::table(StatusCode::UNAUTHORIZED, MSG_401)
        }
    }
    pub fn forbidden() -> ApiError {
        ApiError::table(StatusCode::FORBIDDEN, MSG_403)
    }
    pub fn method_not_allowed() -> ApiError {
        ApiError::table(StatusCode::METHOD_NOT_ALLOWED, MSG_405)
    }
    pub fn internal() -> ApiError {
        ApiError::table(StatusCode::INTERNAL_SERVER_ERROR, MSG_500)
    }
    /// A peer the operation needed did not answer (see [`MSG_500_SENDING`]).
    pub fn sending() -> ApiError {
        ApiError::table(StatusCode::INTERNAL_SERVER_ERROR, MSG_500_SENDING)
    }
    /// Any status with a message of our own; code = HTTP status.
    pub fn with(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            result: ResultObj {
                code: status.as_u16() as i64,
                message: Cow::Owned(message.into()),
            },
            extra: None,
            challenge: false,
        }
    }
    /// GET of a named object that does not exist: 400, code 1, the endpoint's empty shape.
    pub fn not_found(field: &'static str, empty: Value) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            result: ResultObj {
                code: CODE_NOT_FOUND,
                message: Cow::Borrowed(MSG_400),
            },
            extra: Some((field, empty)),
            challenge: false,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = serde_json::Map::new();
        body.insert(
            "result".into(),
            serde_json::json!({"code": self.result.code, "message": self.result.message}),
        );
        if let Some((k, v)) = self.extra {
            body.insert(k.into(), v);
        }
        let mut resp = json_response(self.status, &Value::Object(body));
        if self.challenge {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"EXPRESSCLUSTER\""),
            );
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_errors_carry_status_as_code_and_exact_message() {
        let e = ApiError::method_not_allowed();
        assert_eq!(e.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(e.result.code, 405);
        assert_eq!(e.result.message, "The request has an error.");
        let nf = ApiError::not_found("servers", serde_json::json!([{"name": "", "status": ""}]));
        assert_eq!((nf.status, nf.result.code), (StatusCode::BAD_REQUEST, 1));
    }
}
