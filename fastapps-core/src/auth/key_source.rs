//! [`KeySource`]: keys a [`JwtVerifier`](super::JwtVerifier) reads from this process instead of
//! fetching an issuer's JWKS over HTTP.

use jsonwebtoken::jwk::JwkSet;

use crate::error::BoxError;
use futures_util::future::BoxFuture;

/// Public keys this process holds: the seam through which an authorization server running in
/// the same process (`fastapps-oauth`, whose keys live in the store) hands its keys to the
/// resource side, and a way to verify with keys from a file or a secret manager.
///
/// The keys get the same treatment as a fetched JWKS: cached (five minutes), read again once
/// when a token names an unknown `kid` (at most once a second), the last good set kept when a
/// read fails. Give it to [`Auth::key_source`](super::Auth::key_source) or
/// [`JwtVerifier::key_source`](super::JwtVerifier::key_source).
///
/// ```
/// use fastapps_core::BoxFuture;
/// use fastapps_core::auth::{BoxError, JwkSet, KeySource};
///
/// /// Keys read from a JWKS file (a real one would reread it when asked for fresh keys).
/// struct KeysFromFile(String);
///
/// impl KeySource for KeysFromFile {
///     fn keys(&self, _fresh: bool) -> BoxFuture<'_, Result<JwkSet, BoxError>> {
///         Box::pin(async move { Ok(serde_json::from_str(&std::fs::read_to_string(&self.0)?)?) })
///     }
/// }
/// ```
pub trait KeySource: Send + Sync + 'static {
    /// The current public keys; `fresh` asks past any cache of the source's own (a token named
    /// a `kid` that was not among the keys last read).
    fn keys(&self, fresh: bool) -> BoxFuture<'_, Result<JwkSet, BoxError>>;

    /// How the source is named in messages and logs.
    fn describe(&self) -> String {
        "a key source of this process".to_owned()
    }
}
