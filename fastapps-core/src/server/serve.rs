//! Serving a [`WidgetMcpServer`] over TCP, with settings from the environment and a graceful
//! shutdown on Ctrl-C or SIGTERM.

use std::future::Future;
use std::net::SocketAddr;

use axum::serve::ListenerExt as _;
use tokio::net::{TcpListener, ToSocketAddrs};

use super::app::WidgetMcpServer;
use super::builder::ServerBuilder;
use crate::env;
use crate::error::{BoxError, BuildError, EnvError};

/// Why serving stopped or could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The server's configuration is invalid.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// The address could not be bound.
    #[error("could not listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
    /// A setting of the environment (or a command-line option) cannot be used.
    #[error(transparent)]
    Env(#[from] EnvError),
    /// The authorization setup cannot work (e.g. the issuer is unreachable).
    #[error("authorization: {0}")]
    Auth(#[source] BoxError),
    /// An extension refused the address or failed to start.
    #[error("{name}: {source}")]
    Extension {
        /// What the extension is ([`BuiltExtension::name`](super::BuiltExtension::name)).
        name: &'static str,
        /// Why.
        source: BoxError,
    },
    /// The server failed while running.
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
}

/// So that a `main` returning `fastapps_core::Result` can `?` the serving.
impl From<ServeError> for crate::error::Error {
    fn from(error: ServeError) -> Self {
        Self::new(error)
    }
}

/// Resolves on Ctrl-C or, on Unix, SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

impl WidgetMcpServer {
    /// Binds `addr` and serves until Ctrl-C or SIGTERM.
    pub async fn serve(self, addr: impl ToSocketAddrs + std::fmt::Display) -> Result<(), ServeError> {
        let shown = addr.to_string();
        let listener = TcpListener::bind(addr).await.map_err(|source| ServeError::Bind { addr: shown, source })?;
        self.serve_on(listener).await
    }

    /// Serves on a bound listener until Ctrl-C or SIGTERM.
    pub async fn serve_on(self, listener: TcpListener) -> Result<(), ServeError> {
        self.serve_with_shutdown(listener, shutdown_signal()).await
    }

    /// Serves on a bound listener until `signal` resolves, then ends every session (closing
    /// their streams) and waits for the requests in flight.
    pub async fn serve_with_shutdown(
        self,
        listener: TcpListener,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        for extension in self.extensions.iter() {
            let failed = |source| ServeError::Extension { name: extension.name(), source };
            if let Ok(addr) = listener.local_addr() {
                extension.check_address(addr).map_err(failed)?;
            }
            extension.start().await.map_err(failed)?;
        }
        if let Some(auth) = &self.state.auth {
            auth.prepare.prepare().await.map_err(ServeError::Auth)?;
            tracing::info!(resource = %auth.resource, metadata = %auth.metadata_url, "OAuth protection on");
        }
        if let Ok(addr) = listener.local_addr() {
            warn_if_exposed(&self, addr);
            tracing::info!("MCP endpoint on http://{addr}{}", self.path);
            if let Some(preview) = self.preview_path() {
                tracing::info!("widget preview on http://{addr}{preview}");
            }
        }
        // Without TCP_NODELAY, small SSE frames wait for Nagle's algorithm (~40 ms each).
        let listener = listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::trace!(error = %e, "cannot set TCP_NODELAY");
            }
        });
        let state = self.state.clone();
        let app = self.router();
        let shutdown = async move {
            signal.await;
            tracing::info!("shutting down");
            state.sessions.close_all();
            state.shutdown.cancel();
        };
        if self.extensions.iter().any(|extension| extension.needs_peer_address()) {
            let app = app.into_make_service_with_connect_info::<SocketAddr>();
            axum::serve(listener, app).with_graceful_shutdown(shutdown).await?;
            return Ok(());
        }
        axum::serve(listener, app).with_graceful_shutdown(shutdown).await?;
        Ok(())
    }
}

fn warn_if_exposed(server: &WidgetMcpServer, addr: SocketAddr) {
    if !addr.ip().is_loopback() && !server.state.origins.has_non_loopback_host() {
        tracing::warn!(
            "listening on {addr}, but only loopback Host headers are accepted: set the public URL \
             (PUBLIC_URL or .public_url()) or the allowed hosts so other clients are not refused with 403"
        );
    }
}

/// What `serve_from_env` tells about itself on `--help`.
const USAGE: &str = "Options:
  --host <HOST>  address to bind (default: HOST, else 127.0.0.1)
  --port <PORT>  port to bind; 0 picks a free one (default: PORT, else 8000)
  --version      print the name and version
  --help         print this help
Settings come from the environment and a .env file: PUBLIC_URL, FASTAPPS_*, see the docs of
ServerBuilder::serve_from_env.";

impl ServerBuilder {
    /// Builds the server, binds `addr` and serves until Ctrl-C or SIGTERM. Once bound it prints
    /// `listening on http://<address><path>` on stdout.
    pub async fn serve(self, addr: impl ToSocketAddrs + std::fmt::Display) -> Result<(), ServeError> {
        let shown = addr.to_string();
        let listener = TcpListener::bind(addr).await.map_err(|source| ServeError::Bind { addr: shown, source })?;
        self.serve_on(listener).await
    }

    /// Builds the server for the address `listener` is bound to and serves on it until Ctrl-C
    /// or SIGTERM, printing `listening on http://<address><path>` on stdout first. The bound
    /// address is the server's URL of last resort: the resource URL of its auth settings when
    /// neither they nor the public URL name one (as with `--port 0`).
    pub async fn serve_on(mut self, listener: TcpListener) -> Result<(), ServeError> {
        let addr = listener.local_addr()?;
        self.bound_url = Some(format!("http://{addr}"));
        let server = self.build_server()?;
        println!("listening on http://{addr}{}", server.path());
        server.serve_on(listener).await
    }

    /// The whole program of a server: reads the settings of the environment (and a `.env` file
    /// in the working directory, which never overrides variables already set) and the project's
    /// `fastapps.toml` (widget CSP domains, public URL) when the working directory has one,
    /// takes `--host` and `--port` from the command line (they win over the environment;
    /// `--help` and `--version` print and return), then serves as [`serve_on`](Self::serve_on)
    /// does:
    ///
    /// | variable | meaning | default |
    /// |---|---|---|
    /// | `HOST` | address to bind | `127.0.0.1` |
    /// | `PORT` | port to bind | `8000` |
    /// | `PUBLIC_URL` | URL clients reach the server at | none |
    /// | `FASTAPPS_ALLOWED_ORIGINS` | extra allowed origins, comma separated | none |
    /// | `FASTAPPS_ALLOWED_HOSTS` | extra allowed `Host` values, comma separated | none |
    /// | `FASTAPPS_STATELESS` | `true` for stateless mode | the builder's |
    /// | `FASTAPPS_DEV_PREVIEW` | `true` serves the widget preview page (`fastapps dev` sets it) | the builder's |
    /// | `FASTAPPS_REQUIRE_REQUEST_HEADERS` | `true`: 2026-07-28 requests must carry every request header | the builder's |
    /// | `FASTAPPS_REQUEST_STATE_SECRET` | the secret sealing 2026-07-28 `requestState`s, the same on every instance | the builder's, else random |
    pub async fn serve_from_env(self) -> Result<(), ServeError> {
        let (builder, mut addr) = self.from_env()?;
        match addr.apply_args(std::env::args().skip(1))? {
            Args::Serve => {}
            Args::Help => {
                println!("{}\n\n{USAGE}", builder.info().name);
                return Ok(());
            }
            Args::Version => {
                println!("{} {}", builder.info().name, builder.info().version);
                return Ok(());
            }
        }
        builder.serve(addr.to_string()).await
    }

    /// Applies the environment's settings (see [`serve_from_env`](Self::serve_from_env)) and
    /// returns the builder with the address to bind, for programs with command-line options of
    /// their own.
    pub fn from_env(mut self) -> Result<(Self, BindAddr), EnvError> {
        // A missing .env file is the normal case; a malformed one is worth a warning.
        if let Err(e) = dotenvy::dotenv()
            && !e.not_found()
        {
            tracing::warn!(error = %e, "ignoring the .env file");
        }
        let config = std::path::Path::new("fastapps.toml");
        if config.is_file() {
            let project = crate::widget::ProjectConfig::load(config).map_err(|e| EnvError::new("fastapps.toml", e))?;
            self = self.project_config(project);
        }
        let mut addr = BindAddr { host: env::var("HOST").unwrap_or_else(|| "127.0.0.1".into()), port: 8000 };
        if let Some(port) = env::var("PORT") {
            addr.port = parse_port(&port).map_err(|reason| EnvError::new("PORT", reason))?;
        }
        if self.public_url_ref().is_none()
            && let Some(url) = env::var("PUBLIC_URL")
        {
            self = self.public_url(url);
        }
        self = self
            .allowed_origins(env::list("FASTAPPS_ALLOWED_ORIGINS"))
            .allowed_hosts(env::list("FASTAPPS_ALLOWED_HOSTS"));
        if let Some(stateless) = env::flag("FASTAPPS_STATELESS")? {
            self = self.stateless(stateless);
        }
        if let Some(preview) = env::flag("FASTAPPS_DEV_PREVIEW")? {
            self = self.dev_preview(preview);
        }
        if let Some(require) = env::flag("FASTAPPS_REQUIRE_REQUEST_HEADERS")? {
            self = self.require_request_headers(require);
        }
        if let Some(secret) = env::var("FASTAPPS_REQUEST_STATE_SECRET") {
            self = self.request_state_secret(secret.into_bytes());
        }
        Ok((self, addr))
    }
}

fn parse_port(port: &str) -> Result<u16, String> {
    port.parse().map_err(|_| format!("{port:?} is not a port number"))
}

/// What the command line asks of [`ServerBuilder::serve_from_env`].
#[derive(Debug, PartialEq, Eq)]
enum Args {
    Serve,
    Help,
    Version,
}

/// A host and port to bind, as read from `HOST` and `PORT`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindAddr {
    /// Host name or IP address.
    pub host: String,
    /// Port.
    pub port: u16,
}

impl BindAddr {
    /// Applies `--host <host>` and `--port <port>` (or `--host=<host>`, `--port=<port>`) of
    /// `args`; any other argument is an error naming it. Written by hand: two options do not
    /// call for an argument parser as a dependency of every server.
    fn apply_args(&mut self, args: impl IntoIterator<Item = String>) -> Result<Args, EnvError> {
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let (option, inline) = match arg.split_once('=') {
                Some((option, value)) => (option.to_owned(), Some(value.to_owned())),
                None => (arg.clone(), None),
            };
            let mut value = |option: &str| {
                inline.clone().or_else(|| args.next()).ok_or_else(|| EnvError::new(option, "needs a value"))
            };
            match option.as_str() {
                "--host" => self.host = value("--host")?,
                "--port" => {
                    self.port = parse_port(&value("--port")?).map_err(|reason| EnvError::new("--port", reason))?
                }
                "--help" | "-h" => return Ok(Args::Help),
                "--version" | "-V" => return Ok(Args::Version),
                _ => return Err(EnvError::new(arg, format_args!("is not an option of this server\n\n{USAGE}"))),
            }
        }
        Ok(Args::Serve)
    }
}

impl std::fmt::Display for BindAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.contains(':') && !self.host.starts_with('[') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(args: &[&str]) -> Result<(BindAddr, Args), EnvError> {
        let mut addr = BindAddr { host: "127.0.0.1".into(), port: 8000 };
        let asked = addr.apply_args(args.iter().map(|a| (*a).to_owned()))?;
        Ok((addr, asked))
    }

    #[test]
    fn host_and_port_from_the_command_line() {
        let (addr, asked) = apply(&["--host", "0.0.0.0", "--port=0"]).unwrap();
        assert_eq!((addr.to_string(), asked), ("0.0.0.0:0".to_owned(), Args::Serve));
        assert_eq!(apply(&["--host=::1"]).unwrap().0.to_string(), "[::1]:8000");
        assert_eq!(apply(&["--help"]).unwrap().1, Args::Help);
        assert_eq!(apply(&["-V"]).unwrap().1, Args::Version);
    }

    #[test]
    fn bad_arguments_are_named() {
        assert_eq!(apply(&["--port", "eighty"]).unwrap_err().name, "--port");
        assert_eq!(apply(&["--port"]).unwrap_err().reason, "needs a value");
        let unknown = apply(&["--prot", "80"]).unwrap_err();
        assert_eq!(unknown.name, "--prot");
        assert!(unknown.reason.contains("--port <PORT>"), "{}", unknown.reason);
    }
}
