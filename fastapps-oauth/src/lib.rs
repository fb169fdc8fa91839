//! An OAuth 2.1 authorization server for a fastapps MCP server itself, for identity providers
//! that cannot register MCP clients on the fly, and for signing in on a laptop with no account
//! anywhere. It plugs into the server as an extension
//! ([`ServerBuilder::extension`](fastapps_core::ServerBuilder::extension)).
//!
//! Toward MCP clients it is a complete authorization server: RFC 8414 metadata, dynamic client
//! registration (RFC 7591) and client ID metadata documents, `/authorize` with PKCE (S256 only)
//! and RFC 8707 `resource`, a consent page bound to the browser that started the flow, `/token`
//! with single-use codes and refresh tokens rotated on every use (a replay revokes the whole
//! family), revocation (RFC 7009) and a JWKS. Its access tokens are ES256 JWTs for the MCP
//! endpoint, verified by the server like any issuer's (same rules, keys read from the store).
//!
//! Users come from one of two sources:
//! - [`AuthorizationServer::proxy`]: an upstream OpenID Connect provider (or GitHub) where the
//!   app has a pre-registered confidential client. The user signs in there; the upstream tokens
//!   stay on the server, sealed in the store, and clients only ever see this server's tokens.
//! - [`AuthorizationServer::development`]: test accounts from a file and a login form, with a
//!   banner saying so; it serves only on loopback unless forced.
//!
//! Everything it keeps between requests is in a [`Store`](fastapps_core::store::Store): in
//! memory (one process), SQLite (one process, across restarts; feature `sqlite`) or Redis
//! (several processes behind a load balancer; feature `redis`), always sealed with AES-256-GCM.
//!
//! ```no_run
//! use fastapps_core::WidgetMcpServer;
//! use fastapps_oauth::{AuthorizationServer, DevUser, DevUsers};
//!
//! let users = DevUsers::new([DevUser::new("alice", "alice")]);
//! let server = WidgetMcpServer::builder("notes")
//!     .public_url("http://127.0.0.1:8000")
//!     .extension(AuthorizationServer::development(users));
//! ```

#![deny(missing_docs)]
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

mod authorize;
mod cimd;
mod clients;
mod crypto;
mod dev;
mod env;
mod keys;
mod pages;
mod ratelimit;
mod records;
mod redirect;
mod routes;
mod runtime;
mod token;
mod upstream;

use std::sync::Arc;
use std::time::Duration;

use fastapps_core::BuildError;
use fastapps_core::auth::Algorithm;
use fastapps_core::server::{BuiltExtension, ExtensionContext, ServerExtension};
use fastapps_core::store::{SealingKeys, Store};

pub use clients::{ClientRecord, ClientSource, RegistrationError};
pub use dev::{DevUser, DevUsers};
pub use ratelimit::{Endpoint, Quota, RateLimits};
pub use redirect::ApplicationType;
pub use upstream::{Upstream, UpstreamUser};

use runtime::OAuthRuntime;

/// Seconds since the Unix epoch.
pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Where the users come from.
#[derive(Clone, Debug)]
enum Source {
    Development(DevUsers),
    Proxy(Box<Upstream>),
}

/// The app's own authorization server; give it to
/// [`ServerBuilder::extension`](fastapps_core::ServerBuilder::extension).
///
/// Its issuer is the origin of the MCP endpoint's public URL (e.g. `https://notes.example.com`
/// for `https://notes.example.com/mcp`); its endpoints live at that origin: `/authorize`,
/// `/token`, `/register`, `/revoke`, `/jwks`, `/oauth/consent`, `/oauth/login` and
/// `/auth/callback` (the redirect URI to register at the upstream provider).
#[derive(Clone, Debug)]
#[must_use]
pub struct AuthorizationServer {
    source: Source,
    store: Option<Arc<dyn Store>>,
    sealing: Option<SealingKeys>,
    name: Option<String>,
    access_token_ttl: Duration,
    refresh_token_ttl: Duration,
    session_ttl: Duration,
    signing_key_lifetime: Duration,
    rate_limits: RateLimits,
    allow_public: bool,
    loopback_client_documents: bool,
}

impl AuthorizationServer {
    fn new(source: Source) -> Self {
        Self {
            source,
            store: None,
            sealing: None,
            name: None,
            access_token_ttl: Duration::from_secs(15 * 60),
            refresh_token_ttl: Duration::from_secs(30 * 24 * 3600),
            session_ttl: Duration::from_secs(90 * 24 * 3600),
            signing_key_lifetime: Duration::from_secs(30 * 24 * 3600),
            rate_limits: RateLimits::default(),
            allow_public: false,
            loopback_client_documents: false,
        }
    }

    /// Users sign in at `upstream`, where the app has a pre-registered client whose redirect
    /// URI is `<issuer>/auth/callback`.
    pub fn proxy(upstream: Upstream) -> Self {
        Self::new(Source::Proxy(Box::new(upstream)))
    }

    /// Users sign in with the test accounts `users`, for development. Refuses to serve on a
    /// non-loopback address or public URL unless [`allow_public`](Self::allow_public).
    pub fn development(users: DevUsers) -> Self {
        Self::new(Source::Development(users))
    }

    /// Where codes, tokens, clients and keys are kept (default: in memory, lost on restart).
    /// Several instances behind a load balancer need a shared store (`RedisStore`, feature `redis`)
    /// and the same [`sealing_keys`](Self::sealing_keys).
    pub fn store(mut self, store: impl Store) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// The keys that seal what is stored (default: a random key, fine for the memory store
    /// only). Required with a persistent or shared store; see
    /// [`SealingKeys::from_list`].
    pub fn sealing_keys(mut self, keys: SealingKeys) -> Self {
        self.sealing = Some(keys);
        self
    }

    /// The name the consent page shows (default: the server's title or name).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// How long an access token lives (default 15 minutes).
    pub fn access_token_ttl(mut self, ttl: Duration) -> Self {
        self.access_token_ttl = ttl;
        self
    }

    /// How long a refresh token lives unused (default 30 days); each use issues a new one.
    pub fn refresh_token_ttl(mut self, ttl: Duration) -> Self {
        self.refresh_token_ttl = ttl;
        self
    }

    /// The most a sign-in lasts however often it is refreshed (default 90 days).
    pub fn session_ttl(mut self, ttl: Duration) -> Self {
        self.session_ttl = ttl;
        self
    }

    /// How long one signing key signs before the next takes over (default 30 days).
    pub fn signing_key_lifetime(mut self, lifetime: Duration) -> Self {
        self.signing_key_lifetime = lifetime;
        self
    }

    /// Per-address limits on `/register`, `/authorize`, `/token` and `/revoke`.
    pub fn rate_limits(mut self, limits: RateLimits) -> Self {
        self.rate_limits = limits;
        self
    }

    /// Lets the development server run on a non-loopback address or public URL. Its accounts
    /// and passwords are in a file: only for a shared test environment.
    pub fn allow_public(mut self, allow: bool) -> Self {
        self.allow_public = allow;
        self
    }

    /// Also fetches client ID metadata documents from `http://127.0.0.1` (tests only).
    #[doc(hidden)]
    pub fn loopback_client_documents(mut self, allow: bool) -> Self {
        self.loopback_client_documents = allow;
        self
    }
}

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
        Ok(Arc::new(routes::Running(runtime)))
    }
}
