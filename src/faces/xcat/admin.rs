//! Node definitions: `POST /xcatws/nodes/{n}` (mkdef: 201; each new node is a server
//! that joins the cluster with its service started), `PUT` (chdef: attributes kept,
//! 200) and `DELETE /xcatws/nodes/{noderange}` (rmdef: each node leaves the cluster),
//! by live reconfiguration (`server-add`, `server-remove`). Messages are `mkdef`'s,
//! `chdef`'s and `rmdef`'s (`DBobjectdefs.pm`).

use super::defs::{attrs_of, fits, Attrs, ObjType, MAX_ATTRS};
use super::resources::{daemon_lines, refused_by, seen};
use super::{Answer, Req};
use crate::sim::Operation;
use axum::http::StatusCode;

/// A single node name for mkdef: letters, digits, `_`, `-` and `.` (no list, range or
/// bracket syntax).
fn plain_name(n: &str) -> bool {
    !n.is_empty()
        && n != "ALLRESOURCES"
        && !n.starts_with('-')
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-')
}

fn allresources(nr: &str) -> Option<Answer> {
    (nr == "ALLRESOURCES").then(|| {
        Answer::script(
            StatusCode::NOT_FOUND,
            "Keyword ALLRESOURCES is only supported for GET Action.",
        )
    })
}

fn no_groups(n: &str) -> String {
    format!("Attribute 'groups' is not specified for node '{n}', skipping to the next node.")
}

/// `POST /xcatws/nodes/{n1,n2}`: each new name becomes a server (`ip`, if given, is
/// its address) with the attributes given; a name already defined is left as it is.
pub async fn create(r: &Req<'_>, nr: &str) -> Answer {
    if let Some(a) = allresources(nr) {
        return a;
    }
    let (given, mut errors) = attrs_of(&r.params, ObjType::Node);
    let wanted: Vec<&str> = nr.split(',').filter(|n| !n.is_empty()).collect();
    if wanted.iter().any(|n| !plain_name(n)) {
        return Answer::daemon(vec![format!(
            "Invalid nodes and/or groups in noderange: {nr}"
        )]);
    }
    if wanted.len() > 1 && given.contains_key("ip") {
        return Answer::daemon(vec!["One ip cannot be given to several nodes.".into()]);
    }
    let defined = seen(r).names;
    let mut created = 0;
    for n in wanted {
        if defined.iter().any(|d| d == n) {
            continue; // mkdef's warning: "No changes will be made."
        }
        match add_node(r, n, &given).await {
            Ok(()) => created += 1,
            Err(lines) => errors.extend(lines),
        }
    }
    if created == 0 {
        errors.push("0 object definitions have been created or modified.".into());
    }
    if errors.is_empty() {
        Answer::empty(StatusCode::CREATED)
    } else {
        Answer::daemon(errors)
    }
}

/// A new node: a server joins the cluster, then its definition is kept.
async fn add_node(r: &Req<'_>, n: &str, given: &Attrs) -> Result<(), Vec<String>> {
    if given.get("groups").is_none_or(|g| g.is_empty()) {
        return Err(vec![no_groups(n)]);
    }
    if given.len() > MAX_ATTRS {
        return Err(vec![format!("{n}: more than {MAX_ATTRS} attributes")]);
    }
    let op = Operation::ServerAdd {
        server: n.to_string(),
        ip: given.get("ip").cloned(),
        priority: None,
        start: true,
    };
    if let Some(a) = refused_by(r, n, op).await {
        return Err(daemon_lines(a));
    }
    r.x.defs().create(n, given);
    Ok(())
}

/// `PUT /xcatws/nodes/{noderange}`: the attributes given over each node's (an empty
/// value removes one); a plain name not defined yet is created when `groups` is given,
/// as chdef does.
pub async fn change(r: &Req<'_>, nr: &str) -> Answer {
    if let Some(a) = allresources(nr) {
        return a;
    }
    let (given, mut errors) = attrs_of(&r.params, ObjType::Node);
    let s = seen(r);
    let ids = match s.nodes(nr, false) {
        Ok(ids) => ids,
        Err(refusal) => {
            let items: Vec<&str> = nr.split(',').collect();
            if !items.iter().all(|n| plain_name(n)) {
                return refusal;
            }
            for n in items
                .into_iter()
                .filter(|n| !s.names.iter().any(|d| d == n))
            {
                if let Err(lines) = add_node(r, n, &given).await {
                    errors.extend(lines);
                }
            }
            nr.split(',')
                .filter_map(|n| s.names.iter().position(|d| d == n))
                .collect()
        }
    };
    let mut defs = r.x.defs();
    for i in ids {
        if fits(&defs.own(&s.names[i], &s.cluster), &given) {
            defs.change(&s.names[i], &s.cluster, &given);
        } else {
            errors.push(format!("{}: more than {MAX_ATTRS} attributes", s.names[i]));
        }
    }
    if errors.is_empty() {
        Answer::empty(StatusCode::OK)
    } else {
        Answer::daemon(errors)
    }
}

/// `DELETE /xcatws/nodes/{noderange}`: every node of the range leaves the cluster and
/// its definition goes.
pub async fn destroy(r: &Req<'_>, nr: &str) -> Answer {
    if let Some(a) = allresources(nr) {
        return a;
    }
    let s = seen(r);
    let ids = match s.nodes(nr, true) {
        Ok(ids) => ids,
        Err(a) => return a,
    };
    for i in ids {
        let n = &s.names[i];
        let op = Operation::ServerRemove { server: n.clone() };
        if let Some(a) = refused_by(r, n, op).await {
            return a;
        }
        r.x.defs().remove(n);
    }
    Answer::empty(StatusCode::OK)
}
