//! [`AuthorizationServer`]: the settings of the app's own authorization server, decided before
//! the MCP server is built.

use std::sync::Arc;
use std::time::Duration;

use fastapps_core::store::{SealingKeys, Store};

use crate::dev::DevUsers;
use crate::ratelimit::RateLimits;
use crate::upstream::Upstream;

/// Where the users come from.
#[derive(Clone, Debug)]
pub(crate) enum Source {
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
    pub(crate) source: Source,
    pub(crate) store: Option<Arc<dyn Store>>,
    pub(crate) sealing: Option<SealingKeys>,
    pub(crate) name: Option<String>,
    pub(crate) access_token_ttl: Duration,
    pub(crate) refresh_token_ttl: Duration,
    pub(crate) session_ttl: Duration,
    pub(crate) signing_key_lifetime: Duration,
    pub(crate) rate_limits: RateLimits,
    pub(crate) allow_public: bool,
    pub(crate) loopback_client_documents: bool,
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
