//! The authorization server as an extension of the MCP server: resolved against the server's
//! URL when the server is built, then its routes at the issuer's origin, its start-up checks,
//! and the addresses it refuses to serve on.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use fastapps_core::auth::{Algorithm, BoxError};
use fastapps_core::server::{BuiltExtension, ExtensionContext, ServerExtension};
use fastapps_core::{BoxFuture, BuildError};
use tower_http::cors::{Any, CorsLayer};

use crate::config::AuthorizationServer;
use crate::runtime::{OAuthRuntime, Users};
use crate::{authorize, token};

fn invalid(reason: impl Into<String>) -> BuildError {
    BuildError::InvalidSetting { setting: "authorization_server", reason: reason.into() }
}

/// Resolves the authorization server for the MCP endpoint and makes the server accept its
/// tokens: its issuer is the endpoint's origin, its keys are read from the store.
impl ServerExtension for AuthorizationServer {
    fn build(self: Box<Self>, server: &mut ExtensionContext<'_>) -> Result<Arc<dyn BuiltExtension>, BuildError> {
        let resource = server.resource_url().ok_or_else(|| {
            invalid(
                "the server's URL is unknown, and the authorization server's issuer is its origin: set PUBLIC_URL \
                 (or ServerBuilder::public_url), or Auth::local().default_resource_server_url(<the bound URL>)",
            )
        })?;
        let runtime = OAuthRuntime::new(*self, &resource, server.display_name(), server.scopes_supported())?;
        server.trust_issuer(runtime.issuer.clone(), runtime.keys.clone(), &[Algorithm::ES256])?;
        Ok(Arc::new(Running(runtime)))
    }
}

/// The running authorization server, as the MCP server holds it.
#[derive(Debug)]
pub(crate) struct Running(pub(crate) Arc<OAuthRuntime>);

impl BuiltExtension for Running {
    fn name(&self) -> &'static str {
        "authorization"
    }

    fn router(&self) -> Router {
        // Clients in browsers read these across origins; the interactive pages are not.
        let cors = CorsLayer::new().allow_origin(Any).allow_methods(Any).allow_headers(Any);
        let public = Router::new()
            .route("/.well-known/oauth-authorization-server", get(token::metadata))
            .route("/.well-known/openid-configuration", get(token::metadata))
            .route("/jwks", get(token::jwks))
            .route("/register", post(token::register))
            .route("/token", post(token::token))
            .route("/revoke", post(token::revoke))
            .layer(cors);
        let pages = Router::new()
            .route("/authorize", get(authorize::authorize))
            .route("/oauth/consent", post(authorize::consent))
            .route("/oauth/login", get(authorize::login_page).post(authorize::login))
            .route("/auth/callback", get(authorize::callback));
        public.merge(pages).with_state(self.0.clone())
    }

    /// The development server signs people in with test accounts: loopback only, unless
    /// allowed.
    fn check_address(&self, addr: SocketAddr) -> Result<(), BoxError> {
        if matches!(self.0.users, Users::Development(_)) && !self.0.allow_public && !addr.ip().is_loopback() {
            return Err(format!(
                "the development authorization server serves only on loopback, not on {addr}; bind 127.0.0.1, or \
                 allow it with AuthorizationServer::allow_public(true) for a shared test setup"
            )
            .into());
        }
        Ok(())
    }

    /// The store answers, keys exist, the upstream provider is reachable.
    fn start(&self) -> BoxFuture<'_, Result<(), BoxError>> {
        let oauth = &self.0;
        Box::pin(async move {
            let store = |e| format!("the authorization server's store: {e}");
            oauth.keys.jwks(false).await.map_err(store)?;
            oauth.signer().await.map_err(store)?;
            match &oauth.users {
                Users::Proxy(upstream) => upstream.prepare().await?,
                Users::Development(users) => tracing::warn!(
                    users = ?users.usernames(),
                    issuer = %oauth.issuer,
                    "DEVELOPMENT authorization server: users sign in with the test accounts of a local file; not for production"
                ),
            }
            Ok(())
        })
    }

    /// The rate limits are per address.
    fn needs_peer_address(&self) -> bool {
        true
    }
}
