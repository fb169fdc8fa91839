//! Building the project's server with cargo, and finding the binary it produced.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::{Context as _, bail};
use serde::Deserialize;
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::Command;

use crate::process::Group;

#[derive(Deserialize)]
struct Message {
    reason: String,
    #[serde(default)]
    target: Option<Target>,
    #[serde(default)]
    executable: Option<PathBuf>,
}

#[derive(Deserialize)]
struct Target {
    name: String,
    kind: Vec<String>,
}

/// The package name in `root/Cargo.toml`.
fn package_name(root: &Path) -> Option<String> {
    let text = std::fs::read_to_string(root.join("Cargo.toml")).ok()?;
    let manifest: toml::Table = toml::from_str(&text).ok()?;
    manifest.get("package")?.get("name")?.as_str().map(str::to_owned)
}

/// `cargo build` in `root` (diagnostics on standard error as usual); returns the path of the
/// binary: the one named like the package when there are several.
pub(crate) async fn build_server(root: &Path) -> anyhow::Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args(["build", "--message-format=json-render-diagnostics"])
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(crate::process::stderr());
    let mut child = Group::spawn(&mut command, "cargo build")?;
    let stdout = child.child_mut().stdout.take().context("cargo's output is not piped")?;
    let mut binaries = Vec::new();
    let mut lines = BufReader::new(stdout).lines();
    while let Some(line) = lines.next_line().await.context("cannot read cargo's output")? {
        let Ok(message) = serde_json::from_str::<Message>(&line) else { continue };
        if message.reason != "compiler-artifact" {
            continue;
        }
        if let (Some(target), Some(executable)) = (message.target, message.executable)
            && target.kind.iter().any(|k| k == "bin")
        {
            binaries.push((target.name, executable));
        }
    }
    let status = child.wait().await?;
    if !status.success() {
        bail!("cargo build failed ({status}); the errors are above");
    }
    let package = package_name(root);
    let chosen = match binaries.iter().position(|(name, _)| Some(name) == package.as_ref()) {
        Some(i) => binaries.swap_remove(i),
        None if binaries.len() == 1 => binaries.swap_remove(0),
        None if binaries.is_empty() => bail!("cargo build in {} produced no binary to run", root.display()),
        None => bail!(
            "the project has several binaries ({}) and none is named like the package",
            binaries.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ")
        ),
    };
    Ok(chosen.1)
}
