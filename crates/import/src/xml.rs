//! Reading a `clp.conf` tree: elements by path, their text as numbers, each element's
//! XML path for messages, and which elements the import used, so that everything else
//! is reported (never silently dropped).

use roxmltree::{Document, Node};
use std::cell::RefCell;
use std::collections::BTreeSet;

/// The parsed file and the set of elements the mapping consumed.
pub struct Conf<'a> {
    pub doc: &'a Document<'a>,
    used: RefCell<BTreeSet<usize>>,
}

impl<'a> Conf<'a> {
    pub fn new(doc: &'a Document<'a>) -> Conf<'a> {
        Conf {
            doc,
            used: RefCell::new(BTreeSet::new()),
        }
    }

    pub fn root(&self) -> Node<'a, 'a> {
        self.doc.root_element()
    }

    /// Marks `n` as mapped.
    pub fn take(&self, n: Node<'a, 'a>) -> Node<'a, 'a> {
        self.used.borrow_mut().insert(n.id().get_usize());
        n
    }

    /// The element children of `n` named `name`.
    pub fn children(&self, n: Node<'a, 'a>, name: &str) -> Vec<Node<'a, 'a>> {
        n.children()
            .filter(|c| c.is_element() && c.tag_name().name() == name)
            .collect()
    }

    /// The element at `path` (`a/b/c`) under `n`, marked as used.
    pub fn at(&self, n: Node<'a, 'a>, path: &str) -> Option<Node<'a, 'a>> {
        let mut cur = n;
        for part in path.split('/') {
            cur = cur
                .children()
                .find(|c| c.is_element() && c.tag_name().name() == part)?;
        }
        Some(self.take(cur))
    }

    /// The trimmed text at `path` under `n` (used), if present and not empty.
    pub fn text(&self, n: Node<'a, 'a>, path: &str) -> Option<String> {
        let node = self.at(n, path)?;
        let t = node.text().unwrap_or("").trim().to_string();
        (!t.is_empty()).then_some(t)
    }

    /// A number at `path`: `Ok(None)` when absent, an error naming the path otherwise.
    pub fn number(&self, n: Node<'a, 'a>, path: &str) -> Result<Option<u64>, String> {
        match self.text(n, path) {
            None => Ok(None),
            Some(t) => t.parse().map(Some).map_err(|_| {
                format!(
                    "{}: `{t}` is not a number",
                    xml_path(self.at(n, path).expect("just read"))
                )
            }),
        }
    }

    /// Every maximal subtree the import did not use, by XML path, in document order.
    pub fn unused(&self) -> Vec<String> {
        let used = self.used.borrow();
        let mut live = BTreeSet::new();
        for n in self.doc.descendants().filter(|n| n.is_element()) {
            if used.contains(&n.id().get_usize()) {
                for a in n.ancestors() {
                    live.insert(a.id().get_usize());
                }
            }
        }
        let mut out = Vec::new();
        let mut stack = vec![self.root()];
        while let Some(n) = stack.pop() {
            let kids: Vec<_> = n.children().filter(|c| c.is_element()).collect();
            for c in kids.into_iter().rev() {
                if live.contains(&c.id().get_usize()) {
                    stack.push(c);
                } else if !is_empty(c) {
                    out.push(xml_path(c));
                }
            }
        }
        out.sort_by_key(|p| self.order_of(p));
        out
    }

    fn order_of(&self, path: &str) -> usize {
        self.doc
            .descendants()
            .position(|n| n.is_element() && xml_path(n) == path)
            .unwrap_or(usize::MAX)
    }
}

/// `/root/group[@name="failover1"]/policy[@name="server1"]/order`.
pub fn xml_path(n: Node) -> String {
    let mut parts: Vec<String> = n
        .ancestors()
        .filter(|a| a.is_element())
        .map(|a| {
            let name = a.tag_name().name();
            match (a.attribute("name"), a.attribute("id")) {
                (Some(v), _) => format!("{name}[@name=\"{v}\"]"),
                (None, Some(v)) => format!("{name}[@id=\"{v}\"]"),
                _ => name.to_string(),
            }
        })
        .collect();
    parts.reverse();
    format!("/{}", parts.join("/"))
}

/// An element with neither text nor child elements (`<comment/>`): it holds the
/// default, so there is nothing to report.
fn is_empty(n: Node) -> bool {
    !n.children().any(|c| c.is_element()) && n.text().is_none_or(|t| t.trim().is_empty())
}
