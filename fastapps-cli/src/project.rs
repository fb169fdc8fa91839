//! A fastapps project: the folder holding `fastapps.toml`, and the `[build]` settings the CLI
//! reads from it (the server reads the rest).

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use serde::Deserialize;

/// The project's configuration file.
pub(crate) const CONFIG_FILE: &str = "fastapps.toml";

/// How `fastapps build` packs a widget.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub(crate) enum BuildMode {
    /// One self-contained HTML file per widget.
    #[default]
    Inline,
    /// HTML that loads its script and styles from `<public_url>/assets`.
    Hosted,
}

impl BuildMode {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Inline => "inline",
            Self::Hosted => "hosted",
        }
    }
}

/// `[build]` of `fastapps.toml`; folders are relative to the project.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct BuildConfig {
    pub(crate) mode: BuildMode,
    /// Where the widget folders are.
    pub(crate) widgets: PathBuf,
    /// Where the built files go (the `#[widget(assets = ...)]` folder).
    pub(crate) assets: PathBuf,
    /// The widget runtime that `import ... from "fastapps"` resolves to.
    pub(crate) runtime: PathBuf,
}

impl Default for BuildConfig {
    fn default() -> Self {
        Self {
            mode: BuildMode::Inline,
            widgets: "widgets".into(),
            assets: "assets".into(),
            runtime: Path::new("widgets").join(RUNTIME_DIR),
        }
    }
}

/// The folder under `widgets/` that holds the runtime in new projects.
pub(crate) const RUNTIME_DIR: &str = "_fastapps";

#[derive(Debug, Default, Deserialize)]
struct ConfigFile {
    #[serde(default)]
    public_url: Option<String>,
    #[serde(default)]
    build: BuildConfig,
}

/// A project found on disk.
#[derive(Debug)]
pub(crate) struct Project {
    pub(crate) root: PathBuf,
    pub(crate) build: BuildConfig,
    pub(crate) public_url: Option<String>,
}

impl Project {
    /// The project holding `start`: the nearest folder at or above it with a `fastapps.toml`.
    pub(crate) fn find(start: &Path) -> anyhow::Result<Self> {
        let start = std::path::absolute(start).with_context(|| format!("cannot resolve {}", start.display()))?;
        let Some(root) = start.ancestors().find(|dir| dir.join(CONFIG_FILE).is_file()) else {
            bail!(
                "no {CONFIG_FILE} in {} or any folder above it: this is not a fastapps project \
                 (create one with `fastapps init <name>`)",
                start.display()
            );
        };
        Self::open(root)
    }

    /// The project whose `fastapps.toml` is in `root`.
    pub(crate) fn open(root: &Path) -> anyhow::Result<Self> {
        let path = root.join(CONFIG_FILE);
        let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let config: ConfigFile = toml::from_str(&text).with_context(|| format!("{} is invalid", path.display()))?;
        Ok(Self { root: root.to_owned(), build: config.build, public_url: config.public_url })
    }

    pub(crate) fn config_path(&self) -> PathBuf {
        self.root.join(CONFIG_FILE)
    }

    pub(crate) fn widgets_dir(&self) -> PathBuf {
        self.root.join(&self.build.widgets)
    }

    pub(crate) fn assets_dir(&self) -> PathBuf {
        self.root.join(&self.build.assets)
    }

    /// The runtime's entry module, when the project has one.
    pub(crate) fn runtime_entry(&self) -> Option<PathBuf> {
        Some(self.root.join(&self.build.runtime).join("index.ts")).filter(|p| p.is_file())
    }

    /// The Rust side's folder of widget modules.
    pub(crate) fn widget_modules_dir(&self) -> PathBuf {
        self.root.join("src").join("widgets")
    }

    /// The public URL clients reach the server at: `PUBLIC_URL`, else `fastapps.toml`'s.
    pub(crate) fn public_url(&self) -> Option<String> {
        std::env::var("PUBLIC_URL")
            .ok()
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .or_else(|| self.public_url.clone())
            .map(|url| url.trim_end_matches('/').to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_project_above_a_subfolder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CONFIG_FILE), "[build]\nmode = \"hosted\"\n").unwrap();
        let sub = dir.path().join("src").join("widgets");
        std::fs::create_dir_all(&sub).unwrap();
        let project = Project::find(&sub).unwrap();
        assert_eq!(project.root, dir.path());
        assert_eq!(project.build.mode, BuildMode::Hosted);
        assert_eq!(project.build.runtime, Path::new("widgets/_fastapps"));
    }

    #[test]
    fn outside_a_project_says_how_to_make_one() {
        let dir = tempfile::tempdir().unwrap();
        let err = Project::find(dir.path()).unwrap_err().to_string();
        assert!(err.contains("fastapps init"), "{err}");
    }

    #[test]
    fn a_typo_in_build_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CONFIG_FILE), "[build]\nmod = \"inline\"\n").unwrap();
        let err = format!("{:#}", Project::open(dir.path()).unwrap_err());
        assert!(err.contains("mod"), "{err}");
    }
}
