//! [`TokenVerifier`]: what turns a bearer token into its holder, and [`VerifyError`], why it
//! did not.

use futures_util::future::BoxFuture;

use crate::context::AccessToken;
use crate::error::BoxError;

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
