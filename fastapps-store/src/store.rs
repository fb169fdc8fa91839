//! The [`Store`] trait: one atomic operation on one record, and the typed operations on top.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;

use crate::collection::Collection;
use crate::error::StoreError;
use crate::op::{Applied, Op};

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
    fn apply<'a>(&'a self, collection: Collection, key: &'a str, op: Op<'a>) -> Applied<'a>;

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
    fn apply<'a>(&'a self, collection: Collection, key: &'a str, op: Op<'a>) -> Applied<'a> {
        (**self).apply(collection, key, op)
    }
}

impl<S: Store + ?Sized> Store for Box<S> {
    fn apply<'a>(&'a self, collection: Collection, key: &'a str, op: Op<'a>) -> Applied<'a> {
        (**self).apply(collection, key, op)
    }
}

/// The longest TTL kept, in milliseconds (about 285,000 years): longer ones are cut to it, so
/// that every backend can add it to its clock without overflow.
const MAX_TTL_MILLIS: u64 = 1 << 53;

/// A TTL in whole milliseconds, at least 1 and at most [`MAX_TTL_MILLIS`].
pub(crate) fn ttl_millis(ttl: Duration) -> u64 {
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
}
