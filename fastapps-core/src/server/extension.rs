//! The seam through which large optional parts plug into a server, as the app's own
//! authorization server of `fastapps-oauth` does: routes of their own, a start-up step, a check
//! of the address the server binds, the peer address of each request, and the issuer the
//! resource side trusts.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use jsonwebtoken::Algorithm;

use crate::auth::{Auth, KeySource};
use crate::error::{BoxError, BuildError};
use crate::protocol::Implementation;
use crate::registry::Security;
use futures_util::future::BoxFuture;

/// A part of a server added with [`ServerBuilder::extension`](super::ServerBuilder::extension)
/// and resolved when the server is built.
///
/// ```
/// use std::sync::Arc;
///
/// use fastapps_core::BuildError;
/// use fastapps_core::axum::{Router, routing::get};
/// use fastapps_core::server::{BuiltExtension, ExtensionContext, ServerExtension};
///
/// /// Serves `/version` beside the MCP endpoint.
/// #[derive(Debug)]
/// struct Version;
///
/// impl ServerExtension for Version {
///     fn build(self: Box<Self>, server: &mut ExtensionContext<'_>) -> Result<Arc<dyn BuiltExtension>, BuildError> {
///         Ok(Arc::new(Built(server.server_info().version.clone())))
///     }
/// }
///
/// #[derive(Debug)]
/// struct Built(String);
///
/// impl BuiltExtension for Built {
///     fn router(&self) -> Router {
///         let version = self.0.clone();
///         Router::new().route("/version", get(move || async move { version }))
///     }
/// }
///
/// let server = fastapps_core::WidgetMcpServer::builder("app").macro_tools(false).extension(Version).build_server()?;
/// # Ok::<(), BuildError>(())
/// ```
pub trait ServerExtension: Send + fmt::Debug + 'static {
    /// Resolves the extension against the server being built: what it knows of the server is
    /// in `server`, which also lets it name the issuer whose tokens the server accepts.
    fn build(self: Box<Self>, server: &mut ExtensionContext<'_>) -> Result<Arc<dyn BuiltExtension>, BuildError>;
}

/// A resolved extension, serving beside the MCP endpoint. Every method has a default that
/// does nothing.
pub trait BuiltExtension: Send + Sync + fmt::Debug + 'static {
    /// What it is, for messages (default `"extension"`).
    fn name(&self) -> &'static str {
        "extension"
    }

    /// Routes merged into the server's router.
    fn router(&self) -> Router {
        Router::new()
    }

    /// Refuses to serve on `addr` (e.g. a development-only part on a public address).
    fn check_address(&self, addr: SocketAddr) -> Result<(), BoxError> {
        let _ = addr;
        Ok(())
    }

    /// Runs before the server accepts its first request (e.g. checks its store answers).
    fn start(&self) -> BoxFuture<'_, Result<(), BoxError>> {
        Box::pin(async { Ok(()) })
    }

    /// Whether its routes read the peer's address (axum's `ConnectInfo<SocketAddr>`), which
    /// the server then records for every connection.
    fn needs_peer_address(&self) -> bool {
        false
    }
}

/// What an extension sees of the server being built.
#[derive(Debug)]
pub struct ExtensionContext<'a> {
    pub(super) auth: &'a mut Option<Auth>,
    pub(super) fallback_resource: Option<&'a str>,
    /// The endpoint's URL at the address bound, when the builder serves it: the last resort.
    pub(super) bound_resource: Option<&'a str>,
    pub(super) info: &'a Implementation,
    pub(super) security: &'a [&'a Security],
}

impl ExtensionContext<'_> {
    /// The server's `serverInfo`.
    pub fn server_info(&self) -> &Implementation {
        self.info
    }

    /// The name to show people: the server's title, else its name.
    pub fn display_name(&self) -> &str {
        self.info.title.as_deref().unwrap_or(&self.info.name)
    }

    /// The canonical URL of the MCP endpoint, when known: the auth settings' resource URL,
    /// else the public URL with the endpoint's path, else the auth settings' default, else the
    /// address the server is bound to.
    pub fn resource_url(&self) -> Option<String> {
        let configured = match self.auth.as_ref() {
            Some(auth) => auth.resource_url(self.fallback_resource),
            None => self.fallback_resource.map(str::to_owned),
        };
        configured.or_else(|| self.bound_resource.map(str::to_owned))
    }

    /// The scopes the server advertises: the auth settings' supported scopes, else the
    /// required ones and every scope a tool names.
    pub fn scopes_supported(&self) -> Vec<String> {
        self.auth
            .as_ref()
            .map_or_else(|| Auth::local().scopes_for(self.security), |auth| auth.scopes_for(self.security))
    }

    /// Makes the server accept tokens of `issuer`, verified with `keys` under `algorithms`,
    /// keeping the rest of its auth settings (or defaults, when it has none). An error when the
    /// settings already name an issuer or a verifier: the server cannot trust two.
    pub fn trust_issuer(
        &mut self,
        issuer: String,
        keys: Arc<dyn KeySource>,
        algorithms: &[Algorithm],
    ) -> Result<(), BuildError> {
        let auth = self.auth.get_or_insert_with(Auth::local);
        if auth.names_issuer() {
            return Err(BuildError::InvalidSetting {
                setting: "auth",
                reason: format!(
                    "{issuer} issues this server's tokens, so its auth settings name no issuer or verifier: give \
                     the resource-side settings with Auth::local()"
                ),
            });
        }
        auth.trust(issuer, keys, algorithms);
        Ok(())
    }
}
