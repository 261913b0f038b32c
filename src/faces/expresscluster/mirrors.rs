//! The X 5.x mirror endpoints NEC's REST client calls: backup and restore pre- and
//! post-actions (`clpbackup.sh` / `clprestore.sh --pre|--post`) and their status.
//!
//! A POST answers at once (the action runs asynchronously in the engine); the status
//! GET shows `detail.status` `running` until the action is done, then its completion
//! message (`Command succeeded.`, or `Timeout.` past its `timeout`).
//!
//! Choices where the reference is silent:
//! - On a cluster without mirror disks a POST is refused like any operation that
//!   cannot be done (HTTP 200, `result.code` 4) with the message
//!   `There is no mirror disk resource or hybrid disk resource.`: the scripts find
//!   nothing to act on. The status GET answers code 0 with `detail.status` `""`.
//! - Before any action has run, `detail.status` is `""`.
//! - Body fields are the client's (`no-shutdown`, ... `timeout`); a field of the wrong
//!   type is the table's 400; `skip-copy` on a backup action, or `only-shutdown` with
//!   `only-reboot`, is refused with code 3.

use super::operations::operate;
use super::{ok, view};
use crate::host::body::ApiJson;
use crate::host::{App, Conn};
use crate::sim::input::{default_mirror_timeout, MirrorActionKind, MirrorStage};
use crate::sim::Operation;
use axum::extract::State;
use axum::response::Response;
use axum::Extension;
use serde::Deserialize;
use serde_json::json;

/// The pre/post-action body, as NEC's client sends it (every field optional).
#[derive(Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub struct MirrorBody {
    #[serde(default)]
    no_shutdown: bool,
    #[serde(default)]
    no_reboot: bool,
    #[serde(default)]
    only_shutdown: bool,
    #[serde(default)]
    only_reboot: bool,
    #[serde(default)]
    online: bool,
    #[serde(default)]
    skip_copy: bool,
    #[serde(default)]
    timeout: Option<u64>,
}

/// `POST /api/v1/mirrors/{backup|restore}/{preaction|postaction}`.
pub async fn post_mirror_action(
    State(app): State<App>,
    ApiJson(b): ApiJson<MirrorBody>,
    action: MirrorActionKind,
    stage: MirrorStage,
) -> Response {
    let op = Operation::MirrorAction {
        action,
        stage,
        no_shutdown: b.no_shutdown,
        no_reboot: b.no_reboot,
        only_shutdown: b.only_shutdown,
        only_reboot: b.only_reboot,
        online: b.online,
        skip_copy: b.skip_copy,
        timeout_s: b.timeout.unwrap_or_else(default_mirror_timeout),
    };
    operate(&app, op).await
}

/// `GET /api/v1/mirrors/{backup|restore}/status`.
pub async fn get_mirror_status(
    State(app): State<App>,
    conn: Option<Extension<Conn>>,
    action: MirrorActionKind,
) -> Response {
    let snap = app.engine.snapshot();
    let status = view(&snap, &conn)
        .mirror_actions
        .as_ref()
        .map(|a| match action {
            MirrorActionKind::Backup => a.backup.clone(),
            MirrorActionKind::Restore => a.restore.clone(),
        })
        .unwrap_or_default();
    ok("detail", &json!({ "status": status }))
}
