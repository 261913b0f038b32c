//! Groups (`/xcatws/groups`: `lsdef -t group`, `chdef -t group`) and the site table
//! (`/xcatws/globalconf`: `lsdef -t site clustersite`, `chdef -t site`).

use super::defs::{attrs_of, fits, split_list, ObjType, MAX_ATTRS, MAX_GROUP_DEFS};
use super::resources::{not_supported, seen};
use super::{Answer, Req};
use axum::http::{Method, StatusCode};
use serde_json::{json, Map, Value};

pub async fn dispatch(r: &Req<'_>, resource: &str) -> Answer {
    let m = &r.method;
    match (r.segs.as_slice(), m.clone()) {
        (["groups"], Method::GET) => group_names(r),
        (["groups", g], Method::GET) => group_attrs(r, g, None),
        (["groups", g], Method::PUT) => group_change(r, g),
        (["groups", g, "attrs", list], Method::GET) => group_attrs(r, g, Some(list)),
        (["groups"] | ["groups", _] | ["groups", _, "attrs", _], _) => not_supported(m, resource),
        (["globalconf"], Method::GET) => site(r, None),
        (["globalconf", "attrs", list], Method::GET) => site(r, Some(list)),
        (["globalconf", "attrs", _], Method::PUT) => site_change(r),
        (["globalconf", "attrs", list], Method::DELETE) => site_remove(r, list),
        (["globalconf"] | ["globalconf", "attrs", _], _) => not_supported(m, resource),
        _ => super::unsupported(),
    }
}

fn group_names(r: &Req<'_>) -> Answer {
    let names: Vec<String> = seen(r).groups.into_iter().map(|(g, _)| g).collect();
    if names.is_empty() {
        return Answer::empty(StatusCode::OK);
    }
    Answer::ok(json!(names))
}

/// `lsdef -t group -o g [-i list]`: `grouptype`, `members` and the group's attributes.
fn group_attrs(r: &Req<'_>, g: &str, list: Option<&str>) -> Answer {
    let s = seen(r);
    let Some((_, members)) = s.groups.iter().find(|(name, _)| name == g) else {
        return Answer::daemon(vec![format!(
            "Could not find an object named '{g}' of type 'group'."
        )]);
    };
    let mut all = r.x.defs().groups.get(g).cloned().unwrap_or_default();
    all.insert("grouptype".into(), "static".into());
    let members: Vec<&str> = members.iter().map(|&i| s.names[i].as_str()).collect();
    if !members.is_empty() {
        all.insert("members".into(), members.join(","));
    }
    let wanted: Option<Vec<&str>> = list.map(|l| l.split([',', ';']).collect());
    let m: Map<String, Value> = all
        .into_iter()
        .filter(|(k, _)| wanted.as_ref().is_none_or(|w| w.contains(&k.as_str())))
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    if m.is_empty() {
        return Answer::empty(StatusCode::OK);
    }
    Answer::ok(json!({ g: m }))
}

/// `chdef -t group -o g attr=value...`: the group's attributes (its members inherit
/// them); `members` sets which nodes are in it.
fn group_change(r: &Req<'_>, g: &str) -> Answer {
    let (mut given, errors) = attrs_of(&r.params, ObjType::Group);
    let s = seen(r);
    let mut defs = r.x.defs();
    if let Some(members) = given.remove("members") {
        let wanted = split_list(&members);
        for (i, n) in s.names.iter().enumerate() {
            let mut groups = split_list(s.attrs[i].get("groups").map_or("", |v| v));
            let had = groups.iter().any(|x| x == g);
            let want = wanted.contains(n);
            if had != want {
                groups.retain(|x| x != g);
                if want {
                    groups.push(g.to_string());
                }
                let change = [("groups".to_string(), groups.join(","))].into();
                defs.change(n, &s.cluster, &change);
            }
        }
    }
    given.remove("grouptype");
    let known = defs.groups.contains_key(g);
    if !known && defs.groups.len() >= MAX_GROUP_DEFS {
        return Answer::daemon(vec![format!(
            "more than {MAX_GROUP_DEFS} group definitions"
        )]);
    }
    let current = defs.groups.get(g).cloned().unwrap_or_default();
    if !fits(&current, &given) {
        return Answer::daemon(vec![format!("{g}: more than {MAX_ATTRS} attributes")]);
    }
    let entry = defs.groups.entry(g.to_string()).or_default();
    for (k, v) in given {
        if v.is_empty() {
            entry.remove(&k);
        } else {
            entry.insert(k, v);
        }
    }
    if errors.is_empty() {
        Answer::empty(StatusCode::OK)
    } else {
        Answer::daemon(errors)
    }
}

/// `lsdef -t site clustersite [-i list]`: `{"clustersite":{...}}`; nothing when no
/// asked attribute is set.
fn site(r: &Req<'_>, list: Option<&str>) -> Answer {
    seen(r);
    let wanted: Option<Vec<&str>> = list.map(|l| l.split([',', ';']).collect());
    let m: Map<String, Value> =
        r.x.defs()
            .site
            .iter()
            .filter(|(k, _)| wanted.as_ref().is_none_or(|w| w.contains(&k.as_str())))
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
    if m.is_empty() {
        return Answer::empty(StatusCode::OK);
    }
    Answer::ok(json!({ "clustersite": m }))
}

/// `PUT /globalconf/attrs/{x} {"attr":"value",...}`: `chdef -t site` of the body's
/// attributes (the path's list is not used, as in the script); empty values remove.
fn site_change(r: &Req<'_>) -> Answer {
    seen(r);
    let (given, errors) = attrs_of(&r.params, ObjType::Site);
    let mut defs = r.x.defs();
    if !fits(&defs.site, &given) {
        return Answer::daemon(vec![format!(
            "clustersite: more than {MAX_ATTRS} attributes"
        )]);
    }
    for (k, v) in given {
        if v.is_empty() {
            defs.site.remove(&k);
        } else {
            defs.site.insert(k, v);
        }
    }
    if errors.is_empty() {
        Answer::empty(StatusCode::OK)
    } else {
        Answer::daemon(errors)
    }
}

/// `DELETE /globalconf/attrs/{list}`: the attributes leave the site table.
fn site_remove(r: &Req<'_>, list: &str) -> Answer {
    seen(r);
    let mut defs = r.x.defs();
    for k in list.split([',', ';']) {
        defs.site.remove(k);
    }
    Answer::empty(StatusCode::OK)
}
