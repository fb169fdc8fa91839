//! `fastapps dev`: build, run, watch. Widget changes rebuild the widgets (the server reads them
//! from disk, so no restart); Rust and configuration changes rebuild the server and restart it
//! once the new one compiled. Ctrl-C or SIGTERM stops the server and every build in progress.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher as _};
use tokio::sync::mpsc;

use crate::app::App;
use crate::project::Project;

/// Where `fastapps dev` listens.
#[derive(Clone, Debug)]
pub(crate) struct DevOptions {
    pub(crate) host: String,
    pub(crate) port: u16,
    /// Start the development sign-in when no identity provider is configured.
    pub(crate) dev_auth: bool,
}

/// What a batch of file changes calls for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Changes {
    widgets: bool,
    server: bool,
}

impl Changes {
    fn any(self) -> bool {
        self.widgets || self.server
    }

    fn merge(&mut self, other: Changes) {
        self.widgets |= other.widgets;
        self.server |= other.server;
    }
}

/// How long the files must stay still before a rebuild starts.
const SETTLE: Duration = Duration::from_millis(200);

/// Files at the project's root whose change means a new server.
const SERVER_FILES: &[&str] = &["Cargo.toml", "Cargo.lock", "build.rs", ".env", "fastapps.toml"];

/// Editors' temporary and backup files.
fn is_scratch(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    name.ends_with('~') || name.ends_with(".swp") || name.ends_with(".swx") || name.starts_with(".#") || name == "4913"
}

/// What a change of `path` calls for.
fn classify(project: &Project, runtime: Option<&Path>, path: &Path) -> Changes {
    if is_scratch(path) {
        return Changes::default();
    }
    let widgets = project.widgets_dir();
    let in_widgets = path.starts_with(&widgets) && !path.components().any(|c| c.as_os_str() == "node_modules");
    let in_runtime = runtime.is_some_and(|r| path.starts_with(r));
    let root_file = path.parent() == Some(project.root.as_path())
        && path.file_name().and_then(|n| n.to_str()).is_some_and(|n| SERVER_FILES.contains(&n));
    let config = path == project.config_path();
    Changes {
        widgets: in_widgets || in_runtime || config,
        server: path.starts_with(project.root.join("src")) || root_file,
    }
}

/// Whether an event changed something: reads (which the builds themselves do) are not changes.
fn is_change(kind: &EventKind) -> bool {
    use notify::event::{AccessKind, AccessMode, ModifyKind};
    match kind {
        EventKind::Create(_) | EventKind::Remove(_) => true,
        EventKind::Modify(ModifyKind::Metadata(_)) => false,
        EventKind::Modify(_) => true,
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) | EventKind::Any | EventKind::Other => false,
    }
}

/// Watches the sources; what each change calls for arrives on the channel (the dev loop lets
/// a burst settle before acting on it).
fn watch(project: &Project, tx: mpsc::UnboundedSender<Changes>) -> anyhow::Result<RecommendedWatcher> {
    let root = std::fs::canonicalize(&project.root).unwrap_or_else(|_| project.root.clone());
    let project = Project::open(&root)?;
    let runtime = project.runtime_entry().and_then(|entry| entry.parent().map(Path::to_owned));
    let mut folders: Vec<PathBuf> = vec![root.join("src"), project.widgets_dir()];
    if let Some(runtime) = &runtime
        && !runtime.starts_with(project.widgets_dir())
    {
        folders.push(runtime.clone());
    }
    let handler = {
        let runtime = runtime.clone();
        move |result: notify::Result<notify::Event>| match result {
            Ok(event) if is_change(&event.kind) => {
                let mut changes = Changes::default();
                for path in &event.paths {
                    changes.merge(classify(&project, runtime.as_deref(), path));
                }
                if changes.any() {
                    let _ = tx.send(changes);
                }
            }
            Ok(_) => {}
            Err(e) => eprintln!("warning: watching files: {e}"),
        }
    };
    let mut watcher = notify::recommended_watcher(handler).context("cannot watch files")?;
    watcher.watch(&root, RecursiveMode::NonRecursive).with_context(|| format!("cannot watch {}", root.display()))?;
    for folder in folders.iter().filter(|f| f.is_dir()) {
        watcher
            .watch(folder, RecursiveMode::Recursive)
            .with_context(|| format!("cannot watch {}", folder.display()))?;
    }
    Ok(watcher)
}

const ISSUER_VARIABLE: &str = "FASTAPPS_AUTH_ISSUER_URL";

/// Whether an identity provider is configured: in the environment (`env`, the variable's
/// value) or in `root/.env`.
fn auth_configured(root: &Path, env: Option<&str>) -> bool {
    const KEY: &str = ISSUER_VARIABLE;
    if env.is_some_and(|v| !v.trim().is_empty()) {
        return true;
    }
    let dotenv = std::fs::read_to_string(root.join(".env")).unwrap_or_default();
    dotenv
        .lines()
        .filter_map(|l| l.trim().strip_prefix(KEY)?.trim_start().strip_prefix('='))
        .any(|v| !v.trim().trim_matches(['"', '\'']).is_empty())
}

/// Resolves on Ctrl-C or SIGTERM.
pub(crate) async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {}
    }
}

struct Dev<'a> {
    project: &'a Project,
    options: DevOptions,
    app: Option<App>,
}

impl Dev<'_> {
    async fn build_widgets(&self) {
        // fastapps.toml may have changed since the start (the build mode, the public URL).
        let built = match Project::open(&self.project.root) {
            Ok(project) => crate::build::build(&project, None).await,
            Err(e) => Err(e),
        };
        if let Err(e) = built {
            eprintln!("\nerror: {e:#}\n(fix it and save: the widgets rebuild on every change)");
        }
    }

    /// Builds the server; when it compiled, replaces the running one.
    async fn rebuild_server(&mut self) {
        let binary = match crate::cargo::build_server(&self.project.root).await {
            Ok(binary) => binary,
            Err(e) => {
                let still = if self.app.is_some() { "; the previous server keeps running" } else { "" };
                eprintln!("\nerror: {e:#}{still}");
                return;
            }
        };
        let restart = self.app.is_some();
        if let Some(app) = self.app.take() {
            app.stop().await;
        }
        let dev_auth = if self.options.dev_auth { "1" } else { "0" };
        let env = [("FASTAPPS_DEV_PREVIEW", "1"), ("FASTAPPS_DEV_AUTH", dev_auth)];
        let started = App::start(
            &binary,
            &self.project.root,
            &self.options.host,
            self.options.port,
            &env,
            std::process::Stdio::inherit(),
        )
        .await;
        match started {
            Ok(app) => {
                let verb = if restart { "restarted" } else { "started" };
                eprintln!("{verb}: server running (pid {}) on {}", app.pid(), app.mcp_url());
                self.app = Some(app);
            }
            Err(e) => eprintln!("\nerror: {e:#}\n(fix it and save to try again)"),
        }
    }

    /// Waits for the next batch of changes, or for the server to exit by itself.
    async fn next(&mut self, rx: &mut mpsc::UnboundedReceiver<Changes>) -> anyhow::Result<()> {
        let exited = async {
            match self.app.as_mut() {
                Some(app) => app.wait().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            changes = rx.recv() => {
                let mut changes = changes.context("the file watcher stopped")?;
                // Let a burst of saves settle into one rebuild: until nothing changed for a while.
                while let Ok(Some(more)) = tokio::time::timeout(SETTLE, rx.recv()).await {
                    changes.merge(more);
                }
                if changes.widgets {
                    eprintln!("widgets changed: rebuilding them");
                    self.build_widgets().await;
                }
                if changes.server {
                    eprintln!("sources changed: rebuilding the server");
                    self.rebuild_server().await;
                }
            }
            status = exited => {
                eprintln!("\nthe server exited ({}); save a change to start it again", status.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string()));
                self.app = None;
            }
        }
        Ok(())
    }
}

/// Runs the dev loop until Ctrl-C or SIGTERM.
pub(crate) async fn dev(project: &Project, options: DevOptions) -> anyhow::Result<()> {
    let host_url = if options.host.contains(':') { format!("[{}]", options.host) } else { options.host.clone() };
    let base = format!("http://{host_url}:{}", options.port);
    let loopback =
        options.host == "localhost" || options.host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    eprintln!("fastapps dev in {}", project.root.display());
    eprintln!("  MCP endpoint  {base}/mcp");
    eprintln!("  preview       {base}/_fastapps/preview");
    let users = project.root.join("dev-users.toml");
    if auth_configured(&project.root, std::env::var(ISSUER_VARIABLE).ok().as_deref()) {
        eprintln!("  auth          on: FASTAPPS_AUTH_ISSUER_URL names the identity provider");
    } else if options.dev_auth && users.is_file() {
        eprintln!(
            "  auth          development sign-in with the test accounts of dev-users.toml (no identity provider is \
             configured); sign in from the preview page"
        );
    } else {
        let why = if options.dev_auth { "and the project has no dev-users.toml" } else { "and --no-auth was given" };
        eprintln!(
            "  auth          OFF: no identity provider is configured (FASTAPPS_AUTH_ISSUER_URL is not set in the \
             environment or .env) {why}, so #[auth_required] tools refuse every call and #[optional_auth] ones \
             run anonymously"
        );
    }
    if !loopback {
        eprintln!("  warning       listening on {}: other machines can reach this development server", options.host);
    }
    eprintln!("  watching      src/, {}/ and the project files (Ctrl-C to stop)\n", project.build.widgets.display());

    let (tx, mut rx) = mpsc::unbounded_channel();
    let _watcher = watch(project, tx)?;
    let mut dev = Dev { project, options, app: None };
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    let first = async {
        dev.build_widgets().await;
        dev.rebuild_server().await;
        loop {
            dev.next(&mut rx).await?;
        }
    };
    let result: anyhow::Result<()> = tokio::select! {
        () = &mut shutdown => Ok(()),
        result = first => result,
    };
    eprintln!("\nstopping");
    if let Some(app) = dev.app.take() {
        app.stop().await;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_sorted_by_what_they_need() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("fastapps.toml"), "").unwrap();
        let project = Project::open(dir.path()).unwrap();
        let root = dir.path();
        let at = |p: &str| classify(&project, None, &root.join(p));
        assert_eq!(at("src/main.rs"), Changes { widgets: false, server: true });
        assert_eq!(at("src/widgets/hello.rs"), Changes { widgets: false, server: true });
        assert_eq!(at("widgets/hello/index.tsx"), Changes { widgets: true, server: false });
        assert_eq!(at("Cargo.toml"), Changes { widgets: false, server: true });
        assert_eq!(at("fastapps.toml"), Changes { widgets: true, server: true });
        assert_eq!(at("assets/manifest.json"), Changes::default());
        assert_eq!(at("target/debug/app"), Changes::default());
        assert_eq!(at("README.md"), Changes::default());
        assert_eq!(at("src/.main.rs.swp"), Changes::default());
        assert_eq!(at("widgets/node_modules/x/index.js"), Changes::default());
    }

    #[test]
    fn auth_is_seen_in_the_dotenv_file() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!auth_configured(dir.path(), None));
        assert!(auth_configured(dir.path(), Some("https://id.example/")));
        assert!(!auth_configured(dir.path(), Some(" ")));
        std::fs::write(dir.path().join(".env"), "# FASTAPPS_AUTH_ISSUER_URL=https://x\nFASTAPPS_AUTH_ISSUER_URL=\n")
            .unwrap();
        assert!(!auth_configured(dir.path(), None));
        std::fs::write(dir.path().join(".env"), "FASTAPPS_AUTH_ISSUER_URL = \"https://id.example/\"\n").unwrap();
        assert!(auth_configured(dir.path(), None));
    }
}
