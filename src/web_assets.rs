//! The dashboard's files, embedded at build time so the binary needs nothing beside it.

const HTML: &str = "text/html; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const PNG: &str = "image/png";

/// One entry of [`ASSETS`]: the file `web/$name`, embedded.
macro_rules! web {
    ($name:literal, $mime:expr) => {
        (
            $name,
            $mime,
            include_bytes!(concat!("../web/", $name)) as &[u8],
        )
    };
}

/// (path under `/`, content type, bytes). `index.html` is served at `/`. A test below
/// checks that every file in `web/` is listed.
pub const ASSETS: &[(&str, &str, &[u8])] = &[
    web!("index.html", HTML),
    web!("style.css", CSS),
    web!("app.js", JS),
    web!("api.js", JS),
    web!("sync.js", JS),
    web!("controls.js", JS),
    web!("state.js", JS),
    web!("views.js", JS),
    web!("graph.js", JS),
    web!("log.js", JS),
    web!("timeline.js", JS),
    web!("forms.js", JS),
    web!("calendar.js", JS),
    web!("fleet.js", JS),
    web!("exercise.js", JS),
    web!("class.html", HTML),
    web!("class.js", JS),
    web!("screenshot.png", PNG),
];

/// The asset at `path` (without the leading `/`); the empty path is `index.html`.
pub fn asset(path: &str) -> Option<(&'static str, &'static [u8])> {
    let path = if path.is_empty() { "index.html" } else { path };
    ASSETS
        .iter()
        .find(|(p, _, _)| *p == path)
        .map(|(_, mime, bytes)| (*mime, *bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file in `web/` must be in the table, or the installed binary serves a page
    /// whose modules 404.
    #[test]
    fn every_web_file_is_embedded_with_a_content_type() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
        let mut missing = Vec::new();
        for entry in std::fs::read_dir(&dir).expect("web/ exists") {
            let name = entry
                .expect("readable entry")
                .file_name()
                .into_string()
                .expect("utf-8 name");
            if asset(&name).is_none() {
                missing.push(name);
            }
        }
        assert!(
            missing.is_empty(),
            "files in web/ not in ASSETS: {missing:?}"
        );
        for (path, mime, bytes) in ASSETS {
            let ext = path.rsplit('.').next().unwrap_or("");
            let expected = match ext {
                "html" => "text/html",
                "css" => "text/css",
                "js" => "text/javascript",
                "png" => "image/png",
                other => panic!("no content type rule for .{other}"),
            };
            assert!(mime.starts_with(expected), "{path}: {mime}");
            assert!(!bytes.is_empty(), "{path} is empty");
        }
        assert_eq!(asset("").map(|(m, _)| m), Some("text/html; charset=utf-8"));
    }
}
