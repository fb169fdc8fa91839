//! `fastapps build`: every `widgets/<id>/index.{tsx,jsx}` bundled by Vite into
//! `assets/<id>-<hash>.html` and `assets/manifest.json`, which the server reads.

use std::path::PathBuf;
use std::process::Stdio;

use anyhow::{Context as _, bail};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Deserialize;
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::Command;

use crate::node::Node;
use crate::process::Group;
use crate::project::{BuildMode, Project};
use crate::templates::BUILD_SCRIPT;

/// What the build script reports, one JSON object per line after [`EVENT_PREFIX`].
#[derive(Debug, Deserialize)]
#[serde(tag = "event", rename_all = "lowercase")]
enum Event {
    Start { widgets: Vec<String> },
    Built { name: String, file: String, bytes: u64 },
    Error { name: String, message: String },
    Removed { file: String },
    Fatal { message: String },
    Done {},
}

const EVENT_PREFIX: &str = "@@fastapps ";

/// The widgets one build wrote.
#[derive(Debug, Default)]
pub(crate) struct Built {
    /// `(widget, file)` pairs.
    pub(crate) widgets: Vec<(String, String)>,
}

/// Builds the project's widgets in `mode` (else `fastapps.toml`'s), installing its npm
/// packages first when they are missing.
pub(crate) async fn build(project: &Project, mode: Option<BuildMode>) -> anyhow::Result<Built> {
    let mode = mode.unwrap_or(project.build.mode);
    let base = match mode {
        BuildMode::Inline => None,
        BuildMode::Hosted => Some(format!(
            "{}/assets",
            project.public_url().context(
                "a hosted build loads its scripts from <public URL>/assets, and no public URL is set: \
                 set public_url in fastapps.toml (or PUBLIC_URL), or build inline"
            )?
        )),
    };
    let node = Node::find().await?;
    node.ensure_installed(&project.root).await?;
    let script = project.root.join("node_modules/.fastapps/build.mjs");
    write_script(&script)?;

    let vite_config = ["vite.config.ts", "vite.config.mts", "vite.config.js", "vite.config.mjs"]
        .iter()
        .map(|f| project.root.join(f))
        .find(|p| p.is_file());
    let settings = serde_json::json!({
        "root": project.root,
        "widgetsDir": project.widgets_dir(),
        "assetsDir": project.assets_dir(),
        "runtime": project.runtime_entry(),
        "mode": mode.as_str(),
        "base": base,
        "viteConfig": vite_config,
    });
    let mut command = Command::new(&node.node);
    command
        .arg(&script)
        .arg(settings.to_string())
        .current_dir(&project.root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(crate::process::stderr());
    let mut child = Group::spawn(&mut command, "the widget build (node)")?;
    let stdout = child.child_mut().stdout.take().context("the build's output is not piped")?;

    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{spinner} building widgets {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let say = |line: String| if bar.is_hidden() { eprintln!("{line}") } else { bar.println(line) };
    let mut built = Built::default();
    let mut failures = Vec::new();
    let mut fatal = None;
    let mut lines = BufReader::new(stdout).lines();
    while let Some(line) = lines.next_line().await.context("cannot read the widget build's output")? {
        let Some(json) = line.strip_prefix(EVENT_PREFIX) else {
            say(line);
            continue;
        };
        match serde_json::from_str::<Event>(json) {
            Ok(Event::Start { widgets }) => {
                bar.set_length(widgets.len() as u64);
                if widgets.is_empty() {
                    say(format!(
                        "no widgets in {} (a widget is a folder with an index.tsx)",
                        project.widgets_dir().display()
                    ));
                }
            }
            Ok(Event::Built { name, file, bytes }) => {
                bar.inc(1);
                say(format!("  built {name:<24} {file} ({:.1} KiB)", bytes as f64 / 1024.0));
                built.widgets.push((name, file));
            }
            Ok(Event::Error { name, message }) => {
                bar.inc(1);
                failures.push(format!("widget {name}: {message}"));
            }
            Ok(Event::Removed { file }) => say(format!("  removed {file}")),
            Ok(Event::Fatal { message }) => fatal = Some(message),
            Ok(Event::Done {}) => {}
            Err(e) => say(format!("(unreadable build event {json}: {e})")),
        }
    }
    let status = child.wait().await?;
    bar.finish_and_clear();
    if let Some(message) = fatal {
        bail!("the widget build could not start: {message}");
    }
    if !failures.is_empty() {
        bail!("{} widget(s) failed to build; assets/ was left as it was:\n\n{}", failures.len(), failures.join("\n\n"));
    }
    if !status.success() {
        bail!("the widget build failed ({status})");
    }
    Ok(built)
}

/// Writes the build script where it resolves `vite` from the project's `node_modules`.
fn write_script(path: &PathBuf) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(path, BUILD_SCRIPT).with_context(|| format!("cannot write {}", path.display()))
}
