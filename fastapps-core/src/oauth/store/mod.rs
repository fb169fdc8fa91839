//! Storage of the authorization server.
//!
//! Everything the authorization server remembers between two requests (registered clients,
//! pending authorization transactions, codes, refresh tokens and their families, upstream token
//! sets, remembered consent, signing keys, replay caches) lives in a [`Store`]: opaque byte
//! values under string keys, grouped in [`Collection`]s, each value with an optional time to
//! live.
//!
//! The trait is small on purpose. The flows on top of it need exactly these atomic steps, and
//! nothing else: [`Store::put_if_absent`] (a fresh transaction or a `jti` seen for the first
//! time), [`Store::take`] (an authorization code or a callback `state` is used once), and
//! [`Store::compare_and_swap`] (refresh-token rotation, where of two requests presenting the same
//! token only one may win). Each backend makes them atomic in its own way, so that two requests
//! racing on one record (in one process, or in several sharing the backend) see one winner.
//!
//! | backend | feature | for |
//! | --- | --- | --- |
//! | [`MemoryStore`] | `oauth` | one process: development, tests, a single replica |
//! | `SqliteStore` | `oauth-sqlite` | one host: a file shared by the processes on it |
//! | `RedisStore` | `oauth-redis` | several replicas behind a load balancer |
//! | [`SealedStore`] | `oauth` | any of them, with every value encrypted at rest |
//!
//! Values are written as they are given; wrap the backend in a [`SealedStore`] to encrypt them
//! (AES-256-GCM, with key ids for rotation). The authorization server does so for every backend.
//!
//! TTLs are kept to the millisecond: a TTL below one millisecond counts as one millisecond, so a
//! written record is always live, if briefly. Expiry is exact on reads: an expired record is never
//! returned, whenever the backend gets round to deleting it.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//!
//! use fastapps_core::oauth::store::{Collection, MemoryStore, Store};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), fastapps_core::oauth::store::StoreError> {
//! let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
//! let ttl = Some(Duration::from_secs(300));
//! assert!(store.put_if_absent(Collection::Codes, "code-hash", b"grant".to_vec(), ttl).await?);
//! assert_eq!(store.take(Collection::Codes, "code-hash").await?.as_deref(), Some(&b"grant"[..]));
//! assert_eq!(store.take(Collection::Codes, "code-hash").await?, None); // used once
//! # Ok(())
//! # }
//! ```

mod memory;
#[cfg(feature = "oauth-redis")]
mod redis;
mod sealed;
#[cfg(feature = "oauth-sqlite")]
mod sqlite;

use std::sync::Arc;
use std::time::Duration;

pub use crate::auth::BoxFuture;
pub use memory::MemoryStore;
#[cfg(feature = "oauth-redis")]
pub use redis::{DEFAULT_KEY_PREFIX, RedisStore};
pub use sealed::{SealedStore, SealingKey, SealingKeyError, SealingKeys};
#[cfg(feature = "oauth-sqlite")]
pub use sqlite::SqliteStore;

/// A kind of record; each is its own key space.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Collection {
    /// Registered OAuth clients (dynamic client registration, CIMD documents).
    Clients,
    /// Pending authorization transactions, from `/authorize` to the upstream callback.
    Transactions,
    /// Authorization codes, by hash.
    Codes,
    /// Refresh tokens, by hash.
    RefreshTokens,
    /// Refresh-token families, for reuse detection.
    Families,
    /// Token sets issued by the upstream provider.
    UpstreamTokens,
    /// Consent: CSRF tokens of the consent page and remembered decisions.
    Consents,
    /// The authorization server's own signing keys.
    SigningKeys,
    /// Replay caches (`jti` values already seen).
    Replay,
}

impl Collection {
    /// Every collection, in declaration order.
    pub const ALL: [Collection; 9] = [
        Collection::Clients,
        Collection::Transactions,
        Collection::Codes,
        Collection::RefreshTokens,
        Collection::Families,
        Collection::UpstreamTokens,
        Collection::Consents,
        Collection::SigningKeys,
        Collection::Replay,
    ];

    /// The collection's name, as backends write it: `"clients"`, `"transactions"`, `"codes"`,
    /// `"refresh_tokens"`, `"families"`, `"upstream_tokens"`, `"consents"`, `"signing_keys"`,
    /// `"replay"`. Names are lowercase ASCII letters and `_`, so they never contain a separator.
    pub fn as_str(self) -> &'static str {
        match self {
            Collection::Clients => "clients",
            Collection::Transactions => "transactions",
            Collection::Codes => "codes",
            Collection::RefreshTokens => "refresh_tokens",
            Collection::Families => "families",
            Collection::UpstreamTokens => "upstream_tokens",
            Collection::Consents => "consents",
            Collection::SigningKeys => "signing_keys",
            Collection::Replay => "replay",
        }
    }
}

impl std::fmt::Display for Collection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a store operation failed. Messages name the operation and the backend's reason, never a
/// stored value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The backend failed (unreachable, timed out, out of space, locked too long, …), with its
    /// message. The operation may or may not have taken effect.
    #[error("storage backend error: {0}")]
    Backend(String),
    /// A stored value could not be read back: it fails to unseal (wrong key, tampered with,
    /// moved to another key) or to decode.
    #[error("stored value is corrupt: {0}")]
    Corrupt(String),
    /// A value could not be sealed (the cryptographic library failed); nothing was written.
    #[error("encryption failed: {0}")]
    Crypto(String),
}

/// Storage of the authorization server: opaque byte values under string keys, each with an
/// optional time to live; every operation atomic, so that two requests (in one process or in
/// several sharing a backend) racing on one record see one winner.
///
/// Implemented by [`MemoryStore`], `SqliteStore`, `RedisStore` and [`SealedStore`], and by
/// `Arc<S>` and `Box<S>` of any store, so `Arc<dyn Store>` is a store too.
///
/// A store that is not one of these must keep the same promises; the tests of the built-in
/// backends (`fastapps-core/tests/oauth_store.rs`) show what they are.
pub trait Store: Send + Sync + std::fmt::Debug + 'static {
    /// The value, unless absent or expired.
    fn get<'a>(&'a self, collection: Collection, key: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, StoreError>>;

    /// Writes the value (replacing any), expiring after `ttl` (`None`: never).
    fn put<'a>(
        &'a self,
        collection: Collection,
        key: &'a str,
        value: Vec<u8>,
        ttl: Option<Duration>,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Writes only when there is no live value; `true` when written.
    fn put_if_absent<'a>(
        &'a self,
        collection: Collection,
        key: &'a str,
        value: Vec<u8>,
        ttl: Option<Duration>,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// Reads and deletes in one step: of racing callers, at most one gets the value.
    fn take<'a>(&'a self, collection: Collection, key: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, StoreError>>;

    /// Replaces the value only if the live value is byte-for-byte `expected`; the TTL is set
    /// anew. `true` when replaced.
    fn compare_and_swap<'a>(
        &'a self,
        collection: Collection,
        key: &'a str,
        expected: &'a [u8],
        new: Vec<u8>,
        ttl: Option<Duration>,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// Deletes the value (no error when absent).
    fn delete<'a>(&'a self, collection: Collection, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>>;
}

macro_rules! forward_store {
    ($($wrapper:ident),*) => {$(
        impl<S: Store + ?Sized> Store for $wrapper<S> {
            fn get<'a>(
                &'a self,
                collection: Collection,
                key: &'a str,
            ) -> BoxFuture<'a, Result<Option<Vec<u8>>, StoreError>> {
                (**self).get(collection, key)
            }

            fn put<'a>(
                &'a self,
                collection: Collection,
                key: &'a str,
                value: Vec<u8>,
                ttl: Option<Duration>,
            ) -> BoxFuture<'a, Result<(), StoreError>> {
                (**self).put(collection, key, value, ttl)
            }

            fn put_if_absent<'a>(
                &'a self,
                collection: Collection,
                key: &'a str,
                value: Vec<u8>,
                ttl: Option<Duration>,
            ) -> BoxFuture<'a, Result<bool, StoreError>> {
                (**self).put_if_absent(collection, key, value, ttl)
            }

            fn take<'a>(
                &'a self,
                collection: Collection,
                key: &'a str,
            ) -> BoxFuture<'a, Result<Option<Vec<u8>>, StoreError>> {
                (**self).take(collection, key)
            }

            fn compare_and_swap<'a>(
                &'a self,
                collection: Collection,
                key: &'a str,
                expected: &'a [u8],
                new: Vec<u8>,
                ttl: Option<Duration>,
            ) -> BoxFuture<'a, Result<bool, StoreError>> {
                (**self).compare_and_swap(collection, key, expected, new, ttl)
            }

            fn delete<'a>(&'a self, collection: Collection, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
                (**self).delete(collection, key)
            }
        }
    )*};
}

forward_store!(Arc, Box);

/// The longest TTL kept, in milliseconds (about 285,000 years): longer ones are cut to it, so
/// that every backend can add it to its clock without overflow.
const MAX_TTL_MILLIS: u64 = 1 << 53;

/// A TTL in whole milliseconds, at least 1 and at most [`MAX_TTL_MILLIS`].
fn ttl_millis(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).clamp(1, MAX_TTL_MILLIS)
}
