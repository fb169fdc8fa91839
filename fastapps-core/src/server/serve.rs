//! Serving a [`WidgetMcpServer`] over TCP, with settings from the environment and a graceful
//! shutdown on Ctrl-C or SIGTERM.

use std::future::Future;
use std::net::SocketAddr;

use axum::serve::ListenerExt as _;
use tokio::net::{TcpListener, ToSocketAddrs};

use super::app::WidgetMcpServer;
use super::builder::ServerBuilder;
use crate::error::{BoxError, BuildError};

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
    /// An environment variable holds a value that cannot be used.
    #[error("environment variable {name} is invalid: {reason}")]
    Env {
        /// The variable.
        name: &'static str,
        /// Why.
        reason: String,
    },
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

fn env_var(name: &'static str) -> Option<String> {
    std::env::var(name).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn env_list(name: &'static str) -> Vec<String> {
    env_var(name)
        .map(|v| v.split([',', ' ']).filter(|s| !s.is_empty()).map(str::to_owned).collect())
        .unwrap_or_default()
}

fn env_bool(name: &'static str) -> Result<Option<bool>, ServeError> {
    env_var(name)
        .map(|v| match v.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" => Ok(false),
            _ => Err(ServeError::Env { name, reason: format!("{v:?} is not a boolean; use true or false") }),
        })
        .transpose()
}

impl ServerBuilder {
    /// Builds the server and serves it on `addr` until Ctrl-C or SIGTERM.
    pub async fn serve(self, addr: impl ToSocketAddrs + std::fmt::Display) -> Result<(), ServeError> {
        self.build_server()?.serve(addr).await
    }

    /// Reads the settings from the environment (and a `.env` file in the working directory,
    /// which never overrides variables already set) and the project's `fastapps.toml` (widget
    /// CSP domains, public URL) when the working directory has one, then serves:
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
        let (builder, addr) = self.from_env()?;
        builder.serve(addr.to_string()).await
    }

    /// Applies the environment's settings (see [`serve_from_env`](Self::serve_from_env)) and
    /// returns the builder with the address to bind, for programs that let flags override it.
    pub fn from_env(mut self) -> Result<(Self, BindAddr), ServeError> {
        // A missing .env file is the normal case; a malformed one is worth a warning.
        if let Err(e) = dotenvy::dotenv()
            && !e.not_found()
        {
            tracing::warn!(error = %e, "ignoring the .env file");
        }
        let config = std::path::Path::new("fastapps.toml");
        if config.is_file() {
            self = self.project_config(crate::widget::ProjectConfig::load(config)?);
        }
        let host = env_var("HOST").unwrap_or_else(|| "127.0.0.1".into());
        let port = match env_var("PORT") {
            Some(port) => port
                .parse::<u16>()
                .map_err(|_| ServeError::Env { name: "PORT", reason: format!("{port:?} is not a port number") })?,
            None => 8000,
        };
        if self.public_url_ref().is_none()
            && let Some(url) = env_var("PUBLIC_URL")
        {
            self = self.public_url(url);
        }
        self = self
            .allowed_origins(env_list("FASTAPPS_ALLOWED_ORIGINS"))
            .allowed_hosts(env_list("FASTAPPS_ALLOWED_HOSTS"));
        if let Some(stateless) = env_bool("FASTAPPS_STATELESS")? {
            self = self.stateless(stateless);
        }
        if let Some(preview) = env_bool("FASTAPPS_DEV_PREVIEW")? {
            self = self.dev_preview(preview);
        }
        if let Some(require) = env_bool("FASTAPPS_REQUIRE_REQUEST_HEADERS")? {
            self = self.require_request_headers(require);
        }
        if let Some(secret) = env_var("FASTAPPS_REQUEST_STATE_SECRET") {
            self = self.request_state_secret(secret.into_bytes());
        }
        Ok((self, BindAddr { host, port }))
    }
}

/// A host and port to bind, as read from `HOST` and `PORT`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindAddr {
    /// Host name or IP address.
    pub host: String,
    /// Port.
    pub port: u16,
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
