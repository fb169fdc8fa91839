//! OAuth 2.1 resource server: who is calling, and may they.
//!
//! - [`TokenVerifier`] turns a bearer token into an [`AccessToken`]: [`JwtVerifier`] (JWKS,
//!   discovery, a strict profile), [`IntrospectionVerifier`] (RFC 7662, opaque tokens), or your
//!   own. Every verifier sits behind a verified-token cache.
//! - [`Auth`] is the server's configuration: issuer, resource URL, scopes, and how refusals are
//!   told (HTTP challenges, tool-result challenges for ChatGPT, or both).
//! - The server publishes RFC 9728 protected-resource metadata and answers with exact
//!   `WWW-Authenticate` challenges; see `docs/auth.md`.
//!
//! Authentication happens once per HTTP request, before dispatch; authorization is per tool,
//! inside dispatch.

mod cache;
mod challenge;
mod config;
mod fetch;
mod introspection;
mod jwks;
mod jwt;
mod key_source;
mod metadata;

pub use challenge::Challenge;
pub(crate) use config::AuthRuntime;
pub use config::{Auth, RefusalMode};
pub use fetch::{FetchError, Fetched, Fetcher, check_url};
pub use introspection::{InsecureStaticTokenVerifier, IntrospectionVerifier};
pub use jsonwebtoken::Algorithm;
pub use jsonwebtoken::jwk::JwkSet;
pub use jwt::{JwtVerifier, scopes_from_claims};
pub use key_source::KeySource;
pub(crate) use metadata::metadata_router;

pub use crate::context::AccessToken;
pub use crate::error::BoxError;
pub use futures_util::future::BoxFuture;

/// Why a token was not accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The token is not valid here (expired, forged, for another audience, …). Answered with
    /// 401 `invalid_token` and a generic description; the reason goes to the logs only.
    #[error("invalid token: {0}")]
    Invalid(String),
    /// The token cannot be checked now (the issuer's keys or introspection endpoint are
    /// unreachable and nothing usable is cached). Answered with 503, so clients do not throw
    /// away good tokens.
    #[error("the token cannot be verified now")]
    Unavailable,
}

impl From<VerifyError> for crate::error::Error {
    fn from(error: VerifyError) -> Self {
        Self::new(error)
    }
}

impl From<FetchError> for crate::error::Error {
    fn from(error: FetchError) -> Self {
        Self::new(error)
    }
}

impl VerifyError {
    pub(crate) fn invalid(reason: &str) -> Self {
        Self::Invalid(reason.to_owned())
    }
}

/// Turns a bearer token into the [`AccessToken`] of its holder.
///
/// ```
/// use fastapps_core::auth::{AccessToken, BoxFuture, TokenVerifier, VerifyError};
///
/// /// Accepts API keys from a table (a real one would look them up in a database).
/// struct ApiKeys;
///
/// impl TokenVerifier for ApiKeys {
///     fn verify<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<AccessToken, VerifyError>> {
///         Box::pin(async move {
///             match token {
///                 "key-alice" => Ok(AccessToken::new("alice", ["read"])),
///                 _ => Err(VerifyError::Invalid("unknown key".into())),
///             }
///         })
///     }
/// }
/// ```
pub trait TokenVerifier: Send + Sync + 'static {
    /// Verifies `token` (without its `Bearer ` prefix).
    fn verify<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<AccessToken, VerifyError>>;

    /// The issuer whose tokens this verifier accepts, if it has one; it becomes the default
    /// authorization server in the protected-resource metadata.
    fn issuer(&self) -> Option<&str> {
        None
    }

    /// Checks at start-up that verification can work (e.g. fetches the issuer's keys).
    fn prepare(&self) -> BoxFuture<'_, Result<(), BoxError>> {
        Box::pin(async { Ok(()) })
    }
}

/// A shared verifier is a verifier.
impl<V: TokenVerifier + ?Sized> TokenVerifier for std::sync::Arc<V> {
    fn verify<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<AccessToken, VerifyError>> {
        (**self).verify(token)
    }

    fn issuer(&self) -> Option<&str> {
        (**self).issuer()
    }

    fn prepare(&self) -> BoxFuture<'_, Result<(), BoxError>> {
        (**self).prepare()
    }
}
