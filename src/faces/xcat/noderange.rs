//! xCAT noderanges: comma lists of node names, `node1-node4` (or `node1-4`) ranges,
//! group names and `ALLRESOURCES`, resolved against the cluster's servers in server
//! order without duplicates.

/// Servers `names` (in server order) named by `range`, or the items that name nothing.
/// `groups` maps a group name to its members.
pub fn resolve(
    range: &str,
    names: &[String],
    groups: &[(String, Vec<usize>)],
) -> Result<Vec<usize>, Vec<String>> {
    let mut hit = vec![false; names.len()];
    let mut bad = Vec::new();
    for item in range.split(',').filter(|i| !i.is_empty()) {
        if item == "ALLRESOURCES" {
            hit.iter_mut().for_each(|h| *h = true);
        } else if let Some(i) = names.iter().position(|n| n == item) {
            hit[i] = true;
        } else if let Some((_, members)) = groups.iter().find(|(g, _)| g == item) {
            members.iter().for_each(|&m| hit[m] = true);
        } else if let Some(members) = span(item, names) {
            members.into_iter().for_each(|m| hit[m] = true);
        } else {
            bad.push(item.to_string());
        }
    }
    if !bad.is_empty() || !hit.contains(&true) {
        if bad.is_empty() {
            bad.push(range.to_string());
        }
        return Err(bad);
    }
    Ok((0..names.len()).filter(|&i| hit[i]).collect())
}

/// `prefixA-prefixB` or `prefixA-B`: the existing servers `prefixN` with A <= N <= B.
/// A single node name for mkdef: letters, digits, `_` and `.` (no range or list syntax).
pub fn plain_name(n: &str) -> bool {
    !n.is_empty()
        && n != "ALLRESOURCES"
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

fn span(item: &str, names: &[String]) -> Option<Vec<usize>> {
    let (from, to) = item.split_once('-')?;
    let (prefix, a) = split_number(from)?;
    let b = match split_number(to)? {
        ("", b) => b,
        (p, b) if p == prefix => b,
        _ => return None,
    };
    if a > b {
        return None;
    }
    let members: Vec<usize> = names
        .iter()
        .enumerate()
        .filter(|(_, n)| split_number(n).is_some_and(|(p, k)| p == prefix && (a..=b).contains(&k)))
        .map(|(i, _)| i)
        .collect();
    (!members.is_empty()).then_some(members)
}

/// `node12` -> ("node", 12).
fn split_number(s: &str) -> Option<(&str, u64)> {
    let digits = s.len() - s.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 {
        return None;
    }
    let (p, n) = s.split_at(s.len() - digits);
    Some((p, n.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        ["server1", "server2", "server3", "db10"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    #[test]
    fn lists_ranges_groups_and_all() {
        let g = vec![("web".to_string(), vec![2, 0])];
        let n = names();
        assert_eq!(resolve("server2,server1", &n, &g), Ok(vec![0, 1]));
        assert_eq!(resolve("server1-server3", &n, &g), Ok(vec![0, 1, 2]));
        assert_eq!(resolve("server2-3", &n, &g), Ok(vec![1, 2]));
        assert_eq!(resolve("web,db10", &n, &g), Ok(vec![0, 2, 3]));
        assert_eq!(resolve("ALLRESOURCES", &n, &g), Ok(vec![0, 1, 2, 3]));
    }

    #[test]
    fn unknown_items_are_named() {
        let n = names();
        assert_eq!(
            resolve("server1,nope,x9-x7", &n, &[]),
            Err(vec!["nope".to_string(), "x9-x7".to_string()])
        );
        assert_eq!(resolve("server3-1", &n, &[]), Err(vec!["server3-1".into()]));
        assert_eq!(resolve(",", &n, &[]), Err(vec![",".into()]));
    }
}
