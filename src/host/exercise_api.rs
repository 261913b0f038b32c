//! `/sim/v1/exercise` and `/sim/v1/class` (#26): the admin starts an exercise on a
//! cluster or on every member of a pool; a student reads their cluster's exercise as
//! judged now; the admin reads the whole class (JSON, `?format=csv` or
//! `?format=junit`). An exercise file with problems is refused whole (400, one line per
//! problem) before any cluster is touched, so a running exercise never sees it.

use super::body::{query_pairs, SimJson};
use super::command::{Command, Reply};
use super::control::{engine_error, Target};
use super::exercise::{self, Assignment, Exercise, Grade, ASSIGNMENT_FILE};
use super::fleet::Fleet;
use super::router::Ctx;
use super::App;
use crate::faces::expresscluster::errors::{json_response, ApiError};
use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

/// A cluster's exercise, if one was started.
#[derive(Default)]
pub struct Slot(Mutex<Option<Arc<Running>>>);

pub struct Running {
    pub exercise: Exercise,
    pub started_ms: u64,
    /// The last grade, by (journal length, judged time): polls at one instant reuse it.
    cache: Mutex<Option<((usize, u64), Grade)>>,
}

impl Slot {
    pub fn get(&self) -> Option<Arc<Running>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
    fn set(&self, r: Running) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(r));
    }
}

/// Judges the cluster's exercise now (on a blocking thread: it replays the journal).
pub async fn grade_of(app: &App) -> Result<Option<Grade>, ApiError> {
    let Some(run) = app.exercise.get() else {
        return Ok(None);
    };
    let journal = app.engine.journal().await.map_err(engine_error)?;
    let now = app.engine.clock().await.map_err(engine_error)?.now_ms;
    let key = (journal.entries.len(), now);
    if let Some((k, g)) = run.cache.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
        if *k == key {
            return Ok(Some(g.clone()));
        }
    }
    let model = app.engine.model();
    let r = run.clone();
    let graded = tokio::task::spawn_blocking(move || {
        exercise::grade(&r.exercise, &model, &journal, r.started_ms, now)
    })
    .await
    .map_err(|_| ApiError::internal())?
    .map_err(|m| {
        ApiError::with(
            StatusCode::CONFLICT,
            format!("cannot judge the exercise: {m}"),
        )
    })?;
    *run.cache.lock().unwrap_or_else(|p| p.into_inner()) = Some((key, graded.clone()));
    Ok(Some(graded))
}

/// `GET /sim/v1/exercise`: the cluster's exercise as judged now; `{"exercise": null}`
/// when none (a 200: the dashboard asks on every load, and a 404 is a console error).
pub async fn get_exercise(Target(app): Target) -> Result<Response, ApiError> {
    match grade_of(&app).await? {
        Some(g) => Ok(json_response(StatusCode::OK, &g)),
        None => Ok(json_response(StatusCode::OK, &json!({"exercise": null}))),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartBody {
    /// The exercise file's text (YAML or JSON), or the exercise as an object.
    exercise: Value,
    #[serde(default)]
    cluster: Option<String>,
    #[serde(default)]
    pool: Option<String>,
}

/// `POST /sim/v1/exercise` (the admin): starts the exercise on `cluster`, on every
/// member of `pool` (or of the file's `pool`), else on the cluster of the path.
pub async fn post_exercise(
    State(ctx): State<Ctx>,
    Target(own): Target,
    SimJson(body): SimJson<StartBody>,
) -> Result<Response, ApiError> {
    let fleet = ctx.fleet.upgrade().ok_or_else(ApiError::internal)?;
    let text = match body.exercise {
        Value::String(s) => s,
        other => other.to_string(),
    };
    let file = exercise::parse(&text, "exercise").map_err(problems)?;
    let pool = body.pool.or(file.pool.clone());
    let targets = targets(&fleet, &own, body.cluster.as_deref(), pool.as_deref())?;
    // Every target checked before any is touched.
    let mut checked = Vec::new();
    for app in &targets {
        let file = exercise::parse(&text, "exercise").map_err(problems)?;
        let ex =
            exercise::check(file, text.clone(), &app.engine.model(), "exercise").map_err(|p| {
                problems(
                    p.into_iter()
                        .map(|l| format!("cluster {}: {l}", app.name))
                        .collect(),
                )
            })?;
        checked.push((app.clone(), ex));
    }
    let mut started = Vec::new();
    for (app, ex) in checked {
        let at = start(&app, ex).await?;
        started.push(json!({"cluster": app.name, "started_ms": at}));
    }
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"started": started}),
    ))
}

/// 400 with one line per problem (also as `problems`).
fn problems(lines: Vec<String>) -> ApiError {
    let mut e = ApiError::bad_request_msg(lines.join("\n"));
    e.extra = Some(("problems", json!(lines)));
    e
}

fn targets(
    fleet: &Fleet,
    own: &App,
    cluster: Option<&str>,
    pool: Option<&str>,
) -> Result<Vec<App>, ApiError> {
    if let Some(name) = cluster {
        let c = fleet
            .get(name)
            .ok_or_else(|| super::control::no_cluster(name))?;
        return Ok(vec![c.app.clone()]);
    }
    if let Some(p) = pool {
        let names: Vec<String> = fleet
            .pool
            .lock()
            .iter()
            .filter(|m| m.host == p)
            .map(|m| m.cluster.clone())
            .collect();
        if names.is_empty() {
            return Err(ApiError::with(
                StatusCode::NOT_FOUND,
                format!("no pool named {p:?}"),
            ));
        }
        return Ok(names
            .iter()
            .filter_map(|n| fleet.get(n))
            .map(|c| c.app.clone())
            .collect());
    }
    Ok(vec![own.clone()])
}

/// Applies the situation now and records the assignment (in the state directory too).
async fn start(app: &App, ex: Exercise) -> Result<u64, ApiError> {
    let now = app.engine.clock().await.map_err(engine_error)?.now_ms;
    for (i, input) in ex.inputs.iter().enumerate() {
        match app.engine.send(Command::Apply(input.clone())).await {
            Ok(Reply::Applied { result: Ok(_), .. }) => {}
            Ok(Reply::Applied { result: Err(e), .. }) => {
                return Err(ApiError::with(
                    StatusCode::CONFLICT,
                    format!("cluster {}: situation[{i}] was refused: {e}", app.name),
                ))
            }
            Ok(other) => return Err(engine_error(super::engine_task::unexpected(other))),
            Err(e) => return Err(engine_error(e)),
        }
    }
    save(
        app,
        &Assignment {
            text: ex.text.clone(),
            started_ms: now,
        },
    );
    app.exercise.set(Running {
        exercise: ex,
        started_ms: now,
        cache: Mutex::new(None),
    });
    Ok(now)
}

fn save(app: &App, a: &Assignment) {
    let Some(d) = &app.state else { return };
    let path = d.info.dir.join(ASSIGNMENT_FILE);
    let tmp = d.info.dir.join(format!("{ASSIGNMENT_FILE}.tmp"));
    let written = serde_json::to_vec(a)
        .map_err(std::io::Error::other)
        .and_then(|b| std::fs::write(&tmp, b))
        .and_then(|_| std::fs::rename(&tmp, &path));
    if let Err(e) = written {
        eprintln!(
            "clustersim: cluster {}: cannot keep the exercise in {}: {e}",
            app.name,
            path.display()
        );
    }
}

/// At start: the exercise kept in the cluster's state directory, if any.
pub fn restore(app: &App) {
    let Some(d) = &app.state else { return };
    let path = d.info.dir.join(ASSIGNMENT_FILE);
    let Ok(bytes) = std::fs::read(&path) else {
        return;
    };
    let restored = serde_json::from_slice::<Assignment>(&bytes)
        .map_err(|e| vec![e.to_string()])
        .and_then(|a| {
            let file = exercise::parse(&a.text, "exercise")?;
            let ex = exercise::check(file, a.text.clone(), &app.engine.model(), "exercise")?;
            Ok((ex, a.started_ms))
        });
    match restored {
        Ok((exercise, started_ms)) => app.exercise.set(Running {
            exercise,
            started_ms,
            cache: Mutex::new(None),
        }),
        Err(p) => eprintln!(
            "clustersim: cluster {}: {}: {}",
            app.name,
            path.display(),
            p.join("; ")
        ),
    }
}

/// One row of the instructor's page.
#[derive(serde::Serialize)]
struct Row {
    cluster: String,
    holder: Option<String>,
    dashboard: String,
    #[serde(flatten)]
    grade: Option<Grade>,
}

/// `GET /sim/v1/class` (the admin): every cluster with its holder and exercise as
/// judged now; `?format=csv` or `?format=junit` for the grades.
pub async fn get_class(
    State(ctx): State<Ctx>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let fleet = ctx.fleet.upgrade().ok_or_else(ApiError::internal)?;
    let pairs = query_pairs(q.as_deref()).ok_or_else(ApiError::bad_request)?;
    let format = pairs
        .iter()
        .find(|(k, _)| k == "format")
        .map(|(_, v)| v.as_str())
        .unwrap_or("json");
    let mut rows = Vec::new();
    for c in fleet.list() {
        rows.push(Row {
            cluster: c.name().to_string(),
            holder: fleet.pool.holder(c.name()),
            dashboard: format!("{}/", c.api_url),
            grade: grade_of(&c.app).await?,
        });
    }
    match format {
        "json" => Ok(json_response(StatusCode::OK, &rows)),
        "csv" => Ok(text("text/csv; charset=utf-8", csv(&rows))),
        "junit" => Ok(text("application/xml; charset=utf-8", junit(&rows))),
        other => Err(ApiError::bad_request_msg(format!(
            "format {other:?} is not one of: json, csv, junit"
        ))),
    }
}

fn text(ctype: &'static str, body: String) -> Response {
    ([(header::CONTENT_TYPE, ctype)], body).into_response()
}

/// RFC 4180: quoted when it holds a comma, quote or line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn csv(rows: &[Row]) -> String {
    let mut out = String::from(
        "cluster,holder,exercise,goals_met,goals_total,passed,finished,time_left_s,last_alert\n",
    );
    for r in rows {
        let g = r.grade.as_ref();
        let fields = [
            r.cluster.clone(),
            r.holder.clone().unwrap_or_default(),
            g.map(|g| g.exercise.clone()).unwrap_or_default(),
            g.map(|g| g.met.to_string()).unwrap_or_default(),
            g.map(|g| g.total.to_string()).unwrap_or_default(),
            g.map(|g| g.passed.to_string()).unwrap_or_default(),
            g.map(|g| g.finished.to_string()).unwrap_or_default(),
            g.map(|g| (g.time_left_ms / 1000).to_string())
                .unwrap_or_default(),
            g.and_then(|g| g.last_alert.clone()).unwrap_or_default(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One test suite per cluster with an exercise, one test case per goal and rule.
fn junit(rows: &[Row]) -> String {
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"class\">\n");
    for r in rows {
        let Some(g) = &r.grade else { continue };
        let cases: Vec<_> = g
            .goals
            .iter()
            .map(|j| ("goal", j))
            .chain(g.rules.iter().map(|j| ("rule", j)))
            .collect();
        let failures = cases
            .iter()
            .filter(|(_, j)| !matches!(j.state, "met" | "kept"))
            .count();
        let who = r
            .holder
            .as_deref()
            .map(|h| format!(" ({h})"))
            .unwrap_or_default();
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\">\n",
            xml(&format!("{}{who}: {}", r.cluster, g.exercise)),
            cases.len()
        ));
        for (kind, j) in cases {
            out.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{}\"",
                xml(&r.cluster),
                xml(&format!("{kind}: {}", j.text))
            ));
            if matches!(j.state, "met" | "kept") {
                out.push_str("/>\n");
            } else {
                let why = j.seen.clone().unwrap_or_else(|| j.state.to_string());
                out.push_str(&format!(
                    ">\n      <failure message=\"{}\"/>\n    </testcase>\n",
                    xml(&why)
                ));
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
