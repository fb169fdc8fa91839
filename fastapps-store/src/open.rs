//! [`open`]: a store from the URL a server's settings name.

use std::sync::Arc;

use crate::error::StoreError;
use crate::memory::MemoryStore;
use crate::store::Store;

/// Opens the store `url` names:
///
/// | URL | store | feature |
/// | --- | --- | --- |
/// | `memory:` (or `memory`) | [`MemoryStore`]: this process only | |
/// | `sqlite:PATH` (or `sqlite://PATH`) | `SqliteStore` in the file `PATH` | `sqlite` |
/// | `redis://…`, `rediss://…` | `RedisStore` on that server | `redis` |
///
/// A URL naming a backend this build lacks is refused with the feature to turn on, never
/// silently replaced by another store. The store is returned as it is: wrap it in a
/// [`SealedStore`](crate::SealedStore) for what must be encrypted at rest.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), fastapps_store::StoreError> {
/// let store = fastapps_store::open("memory:").await?;
/// assert!(fastapps_store::open("postgres://db").await.is_err());
/// # let _ = store;
/// # Ok(())
/// # }
/// ```
pub async fn open(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    let url = url.trim();
    if url == "memory" || url == "memory:" {
        return Ok(Arc::new(MemoryStore::new()));
    }
    if let Some(path) = url.strip_prefix("sqlite:") {
        let path = path.strip_prefix("//").unwrap_or(path);
        if path.is_empty() {
            return Err(StoreError::InvalidUrl("sqlite: names no file; write sqlite:PATH".into()));
        }
        return sqlite(path);
    }
    if url.starts_with("redis://") || url.starts_with("rediss://") {
        return redis(url).await;
    }
    // The URL may hold a password: only its scheme is repeated.
    let scheme = url.split_once(':').map_or(url, |(scheme, _)| scheme);
    Err(StoreError::InvalidUrl(format!("{scheme:?} names no store; use memory:, sqlite:PATH or redis://host:port")))
}

#[cfg(feature = "sqlite")]
fn sqlite(path: &str) -> Result<Arc<dyn Store>, StoreError> {
    Ok(Arc::new(crate::sqlite::SqliteStore::open(path)?))
}

#[cfg(not(feature = "sqlite"))]
fn sqlite(_path: &str) -> Result<Arc<dyn Store>, StoreError> {
    Err(StoreError::InvalidUrl("a SQLite store needs the `sqlite` feature of fastapps-store".into()))
}

#[cfg(feature = "redis")]
async fn redis(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    Ok(Arc::new(crate::redis::RedisStore::connect(url).await?))
}

#[cfg(not(feature = "redis"))]
async fn redis(_url: &str) -> Result<Arc<dyn Store>, StoreError> {
    Err(StoreError::InvalidUrl("a Redis store needs the `redis` feature of fastapps-store".into()))
}
