//! `/api/v1`: the EXPRESSCLUSTER X REST surface, field for field as the reference shows
//! it for the configured API version. Handlers are thin: status GETs render the latest
//! published view; operations become an [`Operation`](crate::sim::Operation) sent to the engine, answered at
//! once with `result` (progress shows in later GETs).
//!
//! Choices where the reference is silent (documented in `openapi.json` too):
//! - GET of a named object that does not exist: HTTP 400 (the table's "URL has an
//!   error"), `result.code` 1, and the endpoint's empty-object "Error" example beside
//!   it. The reference's `servers` error examples spell the field `names`; we follow its
//!   parameter tables, which say `name`.
//! - Monitor `type` is the model's monitor kind without its trailing `w` (`fipw` ->
//!   `fip`), as the reference's example shows for `fipw1`.
//! - A refused operation is HTTP 200 with a non-zero `result.code` (see `errors.rs`)
//!   and the engine's message saying why.

pub mod errors;
mod metrics;
pub mod mirrors;
mod operations;
pub mod prometheus;
pub mod routes;
mod status;
mod voice;

pub use metrics::*;
pub use operations::*;
pub use status::*;

use crate::host::body::query_pairs;
use crate::host::{App, Conn};
use crate::sim::view::ClusterView;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use errors::{json_response, ApiError, ResultObj};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use clap::ValueEnum;

/// REST API versions and the products that introduced them (reference 2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum ApiVersion {
    /// X 4.2.0 (Linux) / 12.20 (Windows).
    #[value(name = "1.0")]
    V1_0,
    /// X 4.2.2 / 12.22: groups list their resources, resources name their group.
    #[value(name = "1.1")]
    V1_1,
    /// X 4.3.0 / 12.30: timeout ratio and script execution.
    #[value(name = "1.2")]
    V1_2,
}

impl ApiVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V1_0 => "1.0",
            ApiVersion::V1_1 => "1.1",
            ApiVersion::V1_2 => "1.2",
        }
    }
}

/// `{"result": {"code": 0, "message": ""}, <field>: <body>}`, serialised directly.
struct Envelope<'a, T> {
    field: &'static str,
    body: &'a T,
}

impl<T: Serialize> Serialize for Envelope<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("result", &ResultObj::OK)?;
        m.serialize_entry(self.field, self.body)?;
        m.end()
    }
}

fn ok<T: Serialize>(field: &'static str, body: &T) -> Response {
    json_response(StatusCode::OK, &Envelope { field, body })
}

#[derive(Serialize)]
struct Named<'a> {
    name: &'a str,
}

/// What `?select=` asks for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Select {
    All,
    Name,
    Resources,
}

/// Parses the query: only `select` is meaningful; `resources` needs v1.1 and is only
/// allowed where `allow_resources`. Other keys are ignored.
fn select(app: &App, query: Option<&str>, allow_resources: bool) -> Result<Select, ApiError> {
    let pairs = query_pairs(query).ok_or_else(ApiError::bad_request)?;
    let mut sel = Select::All;
    for (k, v) in pairs {
        if k != "select" {
            continue;
        }
        sel = match v.as_str() {
            "name" => Select::Name,
            "resources" if allow_resources && app.version >= ApiVersion::V1_1 => Select::Resources,
            _ => return Err(ApiError::bad_request()),
        };
    }
    Ok(sel)
}

fn view<'a>(
    snap: &'a crate::host::engine_task::Snapshot,
    conn: &Option<Extension<Conn>>,
) -> &'a ClusterView {
    snap.view_for(conn.as_ref().and_then(|c| c.server))
}

impl From<ApiError> for Response {
    fn from(e: ApiError) -> Response {
        axum::response::IntoResponse::into_response(e)
    }
}
