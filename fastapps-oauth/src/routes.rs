//! The authorization server as an extension of the MCP server: its routes at the issuer's
//! origin, its start-up checks, and the addresses it refuses to serve on.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use fastapps_core::BoxFuture;
use fastapps_core::auth::BoxError;
use fastapps_core::server::BuiltExtension;
use tower_http::cors::{Any, CorsLayer};

use crate::runtime::{OAuthRuntime, Users};
use crate::{authorize, token};

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
