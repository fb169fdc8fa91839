//! The shared state of a fastapps server: one small, atomic key-value store.
//!
//! Everything a server remembers between two requests that another instance of it may have to
//! see lives in a [`Store`]: opaque byte values under string keys, grouped in [`Collection`]s,
//! each value with an optional time to live. The app's own authorization server keeps its
//! clients, codes, tokens and keys there.
//!
//! The trait is small on purpose: one method, [`Store::apply`], runs one [`Op`] on one record,
//! atomically. The flows on top of it need exactly these steps: [`Op::PutIfAbsent`] (a fresh
//! transaction, a `jti` seen for the first time), [`Op::Take`] (a code or a callback `state` is
//! used once) and [`Op::CompareAndSwap`] (refresh-token rotation, where of two requests
//! presenting the same token only one may win), beside plain reads, writes and deletes. Each
//! backend makes them atomic in its own way, so that two requests racing on one record (in one
//! process, or in several sharing the backend) see one winner.
//!
//! | backend | feature | for |
//! | --- | --- | --- |
//! | [`MemoryStore`] | | one process: development, tests, a single replica |
//! | `SqliteStore` | `sqlite` | one host: a file shared by the processes on it |
//! | `RedisStore` | `redis` | several replicas behind a load balancer |
//! | [`SealedStore`] | | any of them, with every value encrypted at rest |
//!
//! [`open`] makes one from a URL (`memory:`, `sqlite:PATH`, `redis://…`), as the servers'
//! settings name it.
//!
//! TTLs are kept to the millisecond: a TTL below one millisecond counts as one millisecond, so a
//! written record is always live, if briefly. Expiry is exact on reads: an expired record is
//! never returned, whenever the backend gets round to deleting it.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//!
//! use fastapps_store::{Collection, MemoryStore, Store};
//!
//! const CODES: Collection = Collection::new("codes");
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), fastapps_store::StoreError> {
//! let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
//! let ttl = Some(Duration::from_secs(300));
//! assert!(store.put_if_absent(CODES, "code-hash", b"grant".to_vec(), ttl).await?);
//! assert_eq!(store.take(CODES, "code-hash").await?.as_deref(), Some(&b"grant"[..]));
//! assert_eq!(store.take(CODES, "code-hash").await?, None); // used once
//! # Ok(())
//! # }
//! ```

#![deny(missing_docs)]
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

mod memory;
mod op;
mod open;
#[cfg(feature = "redis")]
mod redis;
mod sealed;
#[cfg(feature = "sqlite")]
mod sqlite;

use std::sync::Arc;
use std::time::Duration;

/// A boxed, sendable future: what [`Store`] returns, and what the traits of fastapps return
/// wherever they are used as trait objects.
pub use futures_util::future::BoxFuture;
pub use memory::MemoryStore;
pub use op::{Op, Outcome};
pub use open::open;
#[cfg(feature = "redis")]
pub use redis::{DEFAULT_KEY_PREFIX, RedisStore};
pub use sealed::{SealedStore, SealingKey, SealingKeyError, SealingKeys};
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

/// A kind of record: each collection is a key space of its own.
///
/// Collections are declared as constants by the part of the server that owns them:
///
/// ```
/// use fastapps_store::Collection;
///
/// const SESSIONS: Collection = Collection::new("sessions");
/// assert_eq!(SESSIONS.as_str(), "sessions");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Collection(&'static str);

impl Collection {
    /// The collection `name`: 1 to 64 lowercase ASCII letters, digits and `_`, starting with a
    /// letter, so that a name never holds a separator a backend puts between it and a key.
    ///
    /// # Panics
    ///
    /// If the name breaks that rule; in a `const`, that is a compile-time error.
    pub const fn new(name: &'static str) -> Self {
        let bytes = name.as_bytes();
        assert!(!bytes.is_empty() && bytes.len() <= 64, "a collection name has 1 to 64 characters");
        assert!(bytes[0].is_ascii_lowercase(), "a collection name starts with a lowercase letter");
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            assert!(
                b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_',
                "a collection name holds lowercase ASCII letters, digits and '_' only"
            );
            i += 1;
        }
        Self(name)
    }

    /// The collection's name, as backends write it.
    pub const fn as_str(self) -> &'static str {
        self.0
    }
}

impl std::fmt::Display for Collection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
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
    /// A store URL names no store this build has.
    #[error("invalid store URL: {0}")]
    InvalidUrl(String),
}

/// Storage shared by the requests of a server, and by its instances: opaque byte values under
/// string keys, each with an optional time to live, every operation atomic, so that two
/// requests (in one process or in several sharing a backend) racing on one record see one
/// winner.
///
/// A backend implements [`apply`](Store::apply); the other methods are the same operations,
/// typed. Implemented by [`MemoryStore`], `SqliteStore`, `RedisStore` and [`SealedStore`], and
/// by `Arc<S>` and `Box<S>` of any store, so `Arc<dyn Store>` is a store too.
///
/// A store that is not one of these must keep the same promises; the tests of the built-in
/// backends (`fastapps-store/tests/backends.rs`) show what they are.
pub trait Store: Send + Sync + std::fmt::Debug + 'static {
    /// Runs `op` on the record `key` of `collection`, atomically.
    fn apply<'a>(
        &'a self,
        collection: Collection,
        key: &'a str,
        op: Op<'a>,
    ) -> BoxFuture<'a, Result<Outcome, StoreError>>;

    /// The value, unless absent or expired.
    fn get<'a>(&'a self, collection: Collection, key: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, StoreError>> {
        Box::pin(async move { self.apply(collection, key, Op::Get).await?.into_value() })
    }

    /// Writes the value (replacing any), expiring after `ttl` (`None`: never).
    fn put<'a>(
        &'a self,
        collection: Collection,
        key: &'a str,
        value: Vec<u8>,
        ttl: Option<Duration>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move { self.apply(collection, key, Op::Put { value, ttl }).await?.into_done() })
    }

    /// Writes only when there is no live value; `true` when written.
    fn put_if_absent<'a>(
        &'a self,
        collection: Collection,
        key: &'a str,
        value: Vec<u8>,
        ttl: Option<Duration>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move { self.apply(collection, key, Op::PutIfAbsent { value, ttl }).await?.into_written() })
    }

    /// Reads and deletes in one step: of racing callers, at most one gets the value.
    fn take<'a>(&'a self, collection: Collection, key: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, StoreError>> {
        Box::pin(async move { self.apply(collection, key, Op::Take).await?.into_value() })
    }

    /// Replaces the value only if the live value is byte-for-byte `expected`; the TTL is set
    /// anew. `true` when replaced.
    fn compare_and_swap<'a>(
        &'a self,
        collection: Collection,
        key: &'a str,
        expected: &'a [u8],
        new: Vec<u8>,
        ttl: Option<Duration>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(
            async move { self.apply(collection, key, Op::CompareAndSwap { expected, new, ttl }).await?.into_written() },
        )
    }

    /// Deletes the value (no error when absent).
    fn delete<'a>(&'a self, collection: Collection, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move { self.apply(collection, key, Op::Delete).await?.into_done() })
    }
}

impl<S: Store + ?Sized> Store for Arc<S> {
    fn apply<'a>(
        &'a self,
        collection: Collection,
        key: &'a str,
        op: Op<'a>,
    ) -> BoxFuture<'a, Result<Outcome, StoreError>> {
        (**self).apply(collection, key, op)
    }
}

impl<S: Store + ?Sized> Store for Box<S> {
    fn apply<'a>(
        &'a self,
        collection: Collection,
        key: &'a str,
        op: Op<'a>,
    ) -> BoxFuture<'a, Result<Outcome, StoreError>> {
        (**self).apply(collection, key, op)
    }
}

/// The longest TTL kept, in milliseconds (about 285,000 years): longer ones are cut to it, so
/// that every backend can add it to its clock without overflow.
const MAX_TTL_MILLIS: u64 = 1 << 53;

/// A TTL in whole milliseconds, at least 1 and at most [`MAX_TTL_MILLIS`].
fn ttl_millis(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).clamp(1, MAX_TTL_MILLIS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttls_are_whole_milliseconds_within_bounds() {
        assert_eq!(ttl_millis(Duration::ZERO), 1);
        assert_eq!(ttl_millis(Duration::from_micros(1500)), 1);
        assert_eq!(ttl_millis(Duration::from_secs(2)), 2000);
        assert_eq!(ttl_millis(Duration::MAX), MAX_TTL_MILLIS);
    }

    #[test]
    #[should_panic(expected = "lowercase")]
    fn collection_names_are_checked() {
        let _ = Collection::new("Codes");
    }
}
