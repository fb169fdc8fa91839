//! Node.js and npm, which the widget build needs: found on `PATH` (or `NODE` / `NPM`), checked
//! for a version Vite supports, and the project's packages installed from its lockfile.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::bail;
use tokio::process::Command;

use crate::process;

/// The oldest Node.js that Vite 7 runs on.
const MIN_NODE: (u32, u32) = (20, 19);

/// The `node` and `npm` programs to use.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub(crate) node: PathBuf,
    pub(crate) npm: PathBuf,
}

fn program(variable: &str, default: &str) -> PathBuf {
    std::env::var_os(variable).filter(|v| !v.is_empty()).map_or_else(|| default.into(), PathBuf::from)
}

/// `v20.19.1` → (20, 19).
fn parse_version(text: &str) -> Option<(u32, u32)> {
    let mut parts = text.trim().trim_start_matches('v').split('.');
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

impl Node {
    /// Finds Node.js and npm and checks Node's version.
    pub(crate) async fn find() -> anyhow::Result<Self> {
        let node = program("NODE", "node");
        let npm = program("NPM", "npm");
        let install = "install Node.js 20.19 or newer (https://nodejs.org, or your system's package manager), \
                       or point NODE and NPM at it";
        let output = Command::new(&node).arg("--version").stdin(Stdio::null()).output().await;
        let version = match output {
            Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).trim().to_owned(),
            _ => bail!("Node.js was not found ({} does not run); the widget build needs it: {install}", node.display()),
        };
        match parse_version(&version) {
            Some(v) if v >= MIN_NODE => {}
            _ => bail!("Node.js {version} is too old for the widget build (Vite needs 20.19 or newer): {install}"),
        }
        let npm_ok = Command::new(&npm).arg("--version").stdin(Stdio::null()).output().await;
        if !npm_ok.is_ok_and(|out| out.status.success()) {
            bail!("npm was not found ({} does not run); it comes with Node.js: {install}", npm.display());
        }
        Ok(Self { node, npm })
    }

    /// Installs the packages of the project at `root`: `npm ci` from its lockfile, or
    /// `npm install` when it has none yet.
    pub(crate) async fn install(&self, root: &Path) -> anyhow::Result<()> {
        if !root.join("package.json").is_file() {
            bail!(
                "{} has no package.json: the widget build needs one with vite, react and react-dom \
                 (`fastapps init` writes one)",
                root.display()
            );
        }
        let verb = if root.join("package-lock.json").is_file() { "ci" } else { "install" };
        eprintln!("installing the widgets' npm packages (npm {verb})");
        let mut command = Command::new(&self.npm);
        command
            .args([verb, "--no-audit", "--no-fund"])
            .current_dir(root)
            .stdin(Stdio::null())
            .stdout(process::stderr());
        process::run(&mut command, &format!("npm {verb} in {}", root.display())).await
    }

    /// Installs the packages when they are missing, or older than the lockfile.
    pub(crate) async fn ensure_installed(&self, root: &Path) -> anyhow::Result<()> {
        if !installed(root) {
            self.install(root).await?;
        }
        if !root.join("node_modules/vite/package.json").is_file() {
            bail!("vite is not installed in {}: add it to package.json's devDependencies", root.display());
        }
        Ok(())
    }
}

/// Whether `node_modules` holds what the lockfile says: npm writes `node_modules/.package-lock.json`
/// after every install, so an older one means the lockfile changed since.
fn installed(root: &Path) -> bool {
    let modified = |p: PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (modified(root.join("node_modules/.package-lock.json")), modified(root.join("package-lock.json"))) {
        (Some(installed), Some(lock)) => installed >= lock,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(parse_version("v20.19.1\n"), Some((20, 19)));
        assert_eq!(parse_version("22.0.0"), Some((22, 0)));
        assert_eq!(parse_version("garbage"), None);
        assert!(parse_version("v20.18.3").unwrap() < MIN_NODE);
        assert!(parse_version("v21.0.0").unwrap() >= MIN_NODE);
    }

    #[test]
    fn an_install_is_stale_when_the_lockfile_is_newer() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!installed(dir.path()));
        std::fs::create_dir(dir.path().join("node_modules")).unwrap();
        std::fs::write(dir.path().join("node_modules/.package-lock.json"), "{}").unwrap();
        assert!(installed(dir.path()));
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(dir.path().join("package-lock.json"), "{}").unwrap();
        assert!(!installed(dir.path()));
    }
}
