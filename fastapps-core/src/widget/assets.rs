//! Built widget assets: `assets/manifest.json` names the current (content-hashed) HTML file of
//! each template, as `fastapps build` writes it:
//!
//! ```json
//! {"version":1,"widgets":{"pizza-list":{"html":"pizza-list-1a2b3c4d.html"}}}
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::registry::WidgetHtml;

/// The manifest's file name inside the assets folder.
pub const MANIFEST: &str = "manifest.json";

#[derive(Deserialize)]
struct Manifest {
    widgets: BTreeMap<String, Entry>,
}

#[derive(Deserialize)]
struct Entry {
    html: String,
}

/// The path of `template`'s HTML in `dir`, per its manifest.
pub(crate) fn locate(dir: &Path, template: &str) -> Result<PathBuf, String> {
    let manifest_path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&manifest_path).map_err(|e| {
        format!("cannot read {}: {e}; build the widgets first (`fastapps build`)", manifest_path.display())
    })?;
    let manifest: Manifest =
        serde_json::from_str(&text).map_err(|e| format!("{} is malformed: {e}", manifest_path.display()))?;
    let entry = manifest.widgets.get(template).ok_or_else(|| {
        format!(
            "{} has no widget {template:?} (it has: {}); add widgets/{template}/ and rebuild",
            manifest_path.display(),
            manifest.widgets.keys().cloned().collect::<Vec<_>>().join(", ")
        )
    })?;
    // The manifest names a file in this folder, never a path out of it.
    if entry.html.is_empty() || entry.html.contains(['/', '\\']) || entry.html.starts_with('.') {
        return Err(format!("{} names an invalid file {:?}", manifest_path.display(), entry.html));
    }
    Ok(dir.join(&entry.html))
}

/// Checks at start-up that `html` can be served.
pub(crate) fn check(template: &str, html: &WidgetHtml) -> Result<(), String> {
    match html {
        WidgetHtml::Embedded(_) | WidgetHtml::Inline(_) => Ok(()),
        WidgetHtml::Assets(dir) => {
            let path = locate(dir, template)?;
            if path.is_file() { Ok(()) } else { Err(format!("{} does not exist; rebuild the widgets", path.display())) }
        }
        WidgetHtml::Missing => Err(format!(
            "no built HTML was found for it when the program was compiled; run `fastapps build` and \
             recompile, or give the HTML with `.widget_html({template:?}, html)`"
        )),
    }
}

/// The HTML, read from disk for [`WidgetHtml::Assets`] so a rebuild shows at once.
pub(crate) async fn load(template: &str, html: &WidgetHtml) -> Result<String, String> {
    match html {
        WidgetHtml::Embedded(text) => Ok((*text).to_owned()),
        WidgetHtml::Inline(text) => Ok(text.to_string()),
        WidgetHtml::Assets(dir) => {
            let path = locate(dir, template)?;
            tokio::fs::read_to_string(&path).await.map_err(|e| format!("cannot read {}: {e}", path.display()))
        }
        WidgetHtml::Missing => Err(format!("widget {template:?} has no HTML")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_with(manifest: &str, files: &[(&str, &str)]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("fastapps-assets-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(MANIFEST), manifest).unwrap();
        for (name, text) in files {
            std::fs::write(dir.join(name), text).unwrap();
        }
        dir
    }

    #[tokio::test]
    async fn the_manifest_names_the_current_file() {
        let dir = dir_with(
            r#"{"version":1,"widgets":{"list":{"html":"list-00aa11bb.html"}}}"#,
            &[("list-00aa11bb.html", "<p>v1</p>")],
        );
        let html = WidgetHtml::Assets(dir.clone());
        assert!(check("list", &html).is_ok());
        assert_eq!(load("list", &html).await.unwrap(), "<p>v1</p>");
        // A rebuild writes a new file and manifest; the next read sees it.
        std::fs::write(dir.join("list-22cc33dd.html"), "<p>v2</p>").unwrap();
        std::fs::write(dir.join(MANIFEST), r#"{"version":1,"widgets":{"list":{"html":"list-22cc33dd.html"}}}"#)
            .unwrap();
        assert_eq!(load("list", &html).await.unwrap(), "<p>v2</p>");
        assert!(check("map", &html).unwrap_err().contains("has no widget \"map\""));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_manifest_cannot_point_outside_its_folder() {
        let dir = dir_with(r#"{"version":1,"widgets":{"x":{"html":"../secret.html"}}}"#, &[]);
        assert!(locate(&dir, "x").unwrap_err().contains("invalid file"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn missing_assets_say_what_to_do() {
        assert!(check("list", &WidgetHtml::Missing).unwrap_err().contains("fastapps build"));
        let err = check("list", &WidgetHtml::Assets(PathBuf::from("/nonexistent/assets"))).unwrap_err();
        assert!(err.contains("build the widgets first"), "{err}");
    }
}
