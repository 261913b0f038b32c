//! The dashboard's files, embedded at build time so the binary needs nothing beside it.

/// (path under `/`, content type, bytes). `index.html` is served at `/`.
pub const ASSETS: &[(&str, &str, &[u8])] = &[(
    "index.html",
    "text/html; charset=utf-8",
    include_bytes!("../web/index.html"),
)];

/// The asset at `path` (without the leading `/`); the empty path is `index.html`.
pub fn asset(path: &str) -> Option<(&'static str, &'static [u8])> {
    let path = if path.is_empty() { "index.html" } else { path };
    ASSETS
        .iter()
        .find(|(p, _, _)| *p == path)
        .map(|(_, mime, bytes)| (*mime, *bytes))
}
