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

mod collection;
mod error;
mod memory;
mod op;
mod open;
#[cfg(feature = "redis")]
mod redis;
mod sealed;
#[cfg(feature = "sqlite")]
mod sqlite;
mod store;

pub use collection::Collection;
pub use error::StoreError;
/// A boxed, sendable future: what [`Store`] returns, and what the traits of fastapps return
/// wherever they are used as trait objects.
pub use futures_util::future::BoxFuture;
pub use memory::MemoryStore;
pub use op::{Applied, Op, Outcome};
pub use open::open;
#[cfg(feature = "redis")]
pub use redis::{DEFAULT_KEY_PREFIX, RedisStore};
pub use sealed::{SealedStore, SealingKey, SealingKeyError, SealingKeys};
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;
pub use store::Store;
