//! `fastapps init`: a new project that builds, runs and passes its own tests.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

use crate::create::{Access, add_widget};
use crate::names::{WidgetName, check_project_name};
use crate::node::Node;
use crate::project::Project;
use crate::templates::{PROJECT, WidgetTemplate, render};

/// Where the new project gets `fastapps-core` from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Framework {
    /// A checkout of the framework's repository (its root).
    Checkout(PathBuf),
    /// The crates.io release matching this CLI.
    Registry,
}

impl Framework {
    /// `--path`, else `FASTAPPS_PATH`, else the checkout this CLI was built from (when it still
    /// exists), else crates.io.
    pub(crate) fn choose(path: Option<PathBuf>) -> anyhow::Result<Self> {
        if let Some(path) = path {
            return Self::checkout(&path);
        }
        // Built from a checkout (`cargo install --path fastapps-cli`): its sources are next door.
        // A crates.io build lives in a folder named with its version, so this finds nothing.
        let home = Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_owned);
        match home.filter(|h| h.join("fastapps-core/Cargo.toml").is_file()) {
            Some(home) => Self::checkout(&home),
            None => Ok(Self::Registry),
        }
    }

    fn checkout(path: &Path) -> anyhow::Result<Self> {
        let path = std::path::absolute(path).with_context(|| format!("cannot resolve {}", path.display()))?;
        // The repository root, or its fastapps-core folder.
        let root = if path.join("fastapps-core/Cargo.toml").is_file() {
            path
        } else if path.file_name().is_some_and(|n| n == "fastapps-core") && path.join("Cargo.toml").is_file() {
            path.parent().map(Path::to_owned).unwrap_or(path)
        } else {
            bail!("{} is not a fastapps-rs checkout (it has no fastapps-core/Cargo.toml)", path.display());
        };
        Ok(Self::Checkout(root))
    }

    /// The dependency on the framework crate `name` (with `features`) as written in the new
    /// `Cargo.toml`.
    fn dependency(&self, name: &str, features: &[&str]) -> String {
        let source = match self {
            Self::Checkout(root) => {
                format!("path = {}", toml_edit::Value::from(root.join(name).to_string_lossy().into_owned()))
            }
            Self::Registry => format!("version = \"{}\"", env!("CARGO_PKG_VERSION")),
        };
        if features.is_empty() {
            format!("{{ {source} }}")
        } else {
            let features: Vec<String> = features.iter().map(|f| format!("\"{f}\"")).collect();
            format!("{{ {source}, features = [{}] }}", features.join(", "))
        }
    }
}

/// Options of `fastapps init`.
#[derive(Debug)]
pub(crate) struct Init {
    pub(crate) name: String,
    pub(crate) parent: PathBuf,
    pub(crate) framework: Framework,
    pub(crate) install: bool,
}

/// Creates the project; returns its folder.
pub(crate) async fn init(options: Init) -> anyhow::Result<PathBuf> {
    let Init { name, parent, framework, install } = options;
    check_project_name(&name)?;
    let dir = parent.join(&name);
    if dir.exists() {
        let empty = dir.read_dir().map(|mut d| d.next().is_none()).unwrap_or(false);
        if !dir.is_dir() || !empty {
            bail!("{} exists and is not an empty folder; nothing was written", dir.display());
        }
    }
    let npm_name = name.to_lowercase().replace('_', "-");
    let crate_name = name.replace('-', "_");
    let core = framework.dependency("fastapps-core", &[]);
    let core_testing = framework.dependency("fastapps-core", &["testing"]);
    let oauth = framework.dependency("fastapps-oauth", &[]);
    let vars = [
        ("name", name.as_str()),
        ("crate_name", crate_name.as_str()),
        ("npm_name", npm_name.as_str()),
        ("fastapps_core", core.as_str()),
        ("fastapps_core_testing", core_testing.as_str()),
        ("fastapps_oauth", oauth.as_str()),
    ];
    for file in PROJECT {
        let path = dir.join(file.path);
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder).with_context(|| format!("cannot create {}", folder.display()))?;
        }
        std::fs::write(&path, render(file.template, &vars))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let project = Project::open(&dir)?;
    add_widget(&project, WidgetName::parse("hello")?, WidgetTemplate::Blank, &Access::Public)?;
    // The framework's own lockfile pins what it was tested with; cargo drops what is unused.
    if let Framework::Checkout(root) = &framework
        && root.join("Cargo.lock").is_file()
    {
        std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).context("cannot copy Cargo.lock")?;
    }
    eprintln!(
        "created {} ({})",
        dir.display(),
        match &framework {
            Framework::Checkout(root) => format!("fastapps-core from {}", root.display()),
            Framework::Registry => format!("fastapps-core {} from crates.io", env!("CARGO_PKG_VERSION")),
        }
    );
    if install {
        let node = Node::find().await.context("the project was created, but its widgets cannot be built yet")?;
        node.install(&dir).await.context("the project was created, but npm could not install its packages")?;
        crate::build::build(&project, None).await.context("the project was created, but its widgets did not build")?;
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::templates::placeholders;

    fn checkout() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
    }

    #[tokio::test]
    async fn a_project_has_every_file_filled_in() {
        let parent = tempfile::tempdir().unwrap();
        let framework = Framework::choose(Some(checkout())).unwrap();
        let dir = init(Init { name: "my_app".into(), parent: parent.path().into(), framework, install: false })
            .await
            .unwrap();
        for file in
            PROJECT.iter().map(|f| f.path).chain(["src/widgets/hello.rs", "widgets/hello/index.tsx", "Cargo.lock"])
        {
            let text = std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert!(placeholders(&text).is_empty(), "{file}: {:?}", placeholders(&text));
        }
        let manifest: toml::Table = toml::from_str(&std::fs::read_to_string(dir.join("Cargo.toml")).unwrap()).unwrap();
        assert_eq!(manifest["package"]["name"].as_str(), Some("my_app"));
        let core = manifest["dependencies"]["fastapps-core"]["path"].as_str().unwrap();
        assert_eq!(Path::new(core), checkout().join("fastapps-core"));
        let package: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("package.json")).unwrap()).unwrap();
        assert_eq!(package["name"], "my-app");
        assert_eq!(std::fs::read_to_string(dir.join("src/widgets/mod.rs")).unwrap().lines().last(), Some("mod hello;"));
    }

    #[tokio::test]
    async fn an_existing_folder_is_never_overwritten() {
        let parent = tempfile::tempdir().unwrap();
        std::fs::create_dir(parent.path().join("demo")).unwrap();
        std::fs::write(parent.path().join("demo/notes.txt"), "mine").unwrap();
        let options =
            Init { name: "demo".into(), parent: parent.path().into(), framework: Framework::Registry, install: false };
        let err = init(options).await.unwrap_err();
        assert!(err.to_string().contains("not an empty folder"), "{err}");
        assert_eq!(std::fs::read_dir(parent.path().join("demo")).unwrap().count(), 1);
    }

    #[test]
    fn the_framework_source() {
        assert_eq!(Framework::choose(Some(checkout().join("fastapps-core"))).unwrap(), Framework::Checkout(checkout()));
        assert!(Framework::choose(Some("/nonexistent".into())).is_err());
        // Built from this checkout, the CLI finds it by itself.
        assert_eq!(Framework::choose(None).unwrap(), Framework::Checkout(checkout()));
        let version = env!("CARGO_PKG_VERSION");
        assert_eq!(Framework::Registry.dependency("fastapps-oauth", &[]), format!("{{ version = \"{version}\" }}"));
        assert_eq!(
            Framework::Registry.dependency("fastapps-core", &["testing"]),
            format!("{{ version = \"{version}\", features = [\"testing\"] }}")
        );
        let checkout_dependency = Framework::Checkout(checkout()).dependency("fastapps-oauth", &[]);
        assert!(checkout_dependency.starts_with("{ path = ") && checkout_dependency.contains("fastapps-oauth"));
    }
}
