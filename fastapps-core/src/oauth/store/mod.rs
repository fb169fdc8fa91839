//! TEMPORARY local copy of the storage interface (replaced by the real module on merge).
#![allow(missing_docs, clippy::all)]
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Collection {
    Clients,
    Transactions,
    Codes,
    RefreshTokens,
    Families,
    UpstreamTokens,
    Consents,
    SigningKeys,
    Replay,
}
impl Collection {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Clients => "clients",
            Self::Transactions => "transactions",
            Self::Codes => "codes",
            Self::RefreshTokens => "refresh_tokens",
            Self::Families => "families",
            Self::UpstreamTokens => "upstream_tokens",
            Self::Consents => "consents",
            Self::SigningKeys => "signing_keys",
            Self::Replay => "replay",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("storage: {0}")]
    Backend(String),
    #[error("corrupt: {0}")]
    Corrupt(String),
}

pub trait Store: Send + Sync + std::fmt::Debug + 'static {
    fn get<'a>(&'a self, collection: Collection, key: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, StoreError>>;
    fn put<'a>(
        &'a self,
        collection: Collection,
        key: &'a str,
        value: Vec<u8>,
        ttl: Option<Duration>,
    ) -> BoxFuture<'a, Result<(), StoreError>>;
    fn put_if_absent<'a>(
        &'a self,
        collection: Collection,
        key: &'a str,
        value: Vec<u8>,
        ttl: Option<Duration>,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;
    fn take<'a>(&'a self, collection: Collection, key: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, StoreError>>;
    fn compare_and_swap<'a>(
        &'a self,
        collection: Collection,
        key: &'a str,
        expected: &'a [u8],
        new: Vec<u8>,
        ttl: Option<Duration>,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;
    fn delete<'a>(&'a self, collection: Collection, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>>;
}

#[derive(Debug, Default)]
pub struct MemoryStore {
    map: Mutex<HashMap<(Collection, String), (Vec<u8>, Option<Instant>)>>,
}
impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }
}
fn live(e: &(Vec<u8>, Option<Instant>)) -> bool {
    e.1.is_none_or(|t| t > Instant::now())
}
impl Store for MemoryStore {
    fn get<'a>(&'a self, c: Collection, k: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, StoreError>> {
        Box::pin(async move {
            let m = self.map.lock().unwrap();
            Ok(m.get(&(c, k.to_owned())).filter(|e| live(e)).map(|e| e.0.clone()))
        })
    }
    fn put<'a>(
        &'a self,
        c: Collection,
        k: &'a str,
        v: Vec<u8>,
        ttl: Option<Duration>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            self.map.lock().unwrap().insert((c, k.to_owned()), (v, ttl.map(|t| Instant::now() + t)));
            Ok(())
        })
    }
    fn put_if_absent<'a>(
        &'a self,
        c: Collection,
        k: &'a str,
        v: Vec<u8>,
        ttl: Option<Duration>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let mut m = self.map.lock().unwrap();
            if m.get(&(c, k.to_owned())).is_some_and(live) {
                return Ok(false);
            }
            m.insert((c, k.to_owned()), (v, ttl.map(|t| Instant::now() + t)));
            Ok(true)
        })
    }
    fn take<'a>(&'a self, c: Collection, k: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, StoreError>> {
        Box::pin(async move { Ok(self.map.lock().unwrap().remove(&(c, k.to_owned())).filter(live).map(|e| e.0)) })
    }
    fn compare_and_swap<'a>(
        &'a self,
        c: Collection,
        k: &'a str,
        exp: &'a [u8],
        v: Vec<u8>,
        ttl: Option<Duration>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let mut m = self.map.lock().unwrap();
            match m.get(&(c, k.to_owned())) {
                Some(e) if live(e) && e.0 == exp => {
                    m.insert((c, k.to_owned()), (v, ttl.map(|t| Instant::now() + t)));
                    Ok(true)
                }
                _ => Ok(false),
            }
        })
    }
    fn delete<'a>(&'a self, c: Collection, k: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            self.map.lock().unwrap().remove(&(c, k.to_owned()));
            Ok(())
        })
    }
}
#[derive(Clone)]
pub struct SealingKey(String);
impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealingKey")
    }
}
impl SealingKey {
    pub fn generate() -> Self {
        Self("gen".into())
    }
    pub fn from_base64(id: &str, _text: &str) -> Result<Self, StoreError> {
        Ok(Self(id.into()))
    }
}
#[derive(Clone, Debug)]
pub struct SealingKeys {
    pub current: SealingKey,
    pub previous: Vec<SealingKey>,
}
#[derive(Debug)]
pub struct SealedStore<S> {
    inner: S,
    _keys: SealingKeys,
}
impl<S: Store> SealedStore<S> {
    pub fn new(inner: S, keys: SealingKeys) -> Self {
        Self { inner, _keys: keys }
    }
}
impl<S: Store> Store for SealedStore<S> {
    fn get<'a>(&'a self, c: Collection, k: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, StoreError>> {
        self.inner.get(c, k)
    }
    fn put<'a>(
        &'a self,
        c: Collection,
        k: &'a str,
        v: Vec<u8>,
        t: Option<Duration>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        self.inner.put(c, k, v, t)
    }
    fn put_if_absent<'a>(
        &'a self,
        c: Collection,
        k: &'a str,
        v: Vec<u8>,
        t: Option<Duration>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        self.inner.put_if_absent(c, k, v, t)
    }
    fn take<'a>(&'a self, c: Collection, k: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, StoreError>> {
        self.inner.take(c, k)
    }
    fn compare_and_swap<'a>(
        &'a self,
        c: Collection,
        k: &'a str,
        e: &'a [u8],
        v: Vec<u8>,
        t: Option<Duration>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        self.inner.compare_and_swap(c, k, e, v, t)
    }
    fn delete<'a>(&'a self, c: Collection, k: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        self.inner.delete(c, k)
    }
}
impl<S: Store + ?Sized> Store for std::sync::Arc<S> {
    fn get<'a>(&'a self, c: Collection, k: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, StoreError>> {
        (**self).get(c, k)
    }
    fn put<'a>(
        &'a self,
        c: Collection,
        k: &'a str,
        v: Vec<u8>,
        t: Option<Duration>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        (**self).put(c, k, v, t)
    }
    fn put_if_absent<'a>(
        &'a self,
        c: Collection,
        k: &'a str,
        v: Vec<u8>,
        t: Option<Duration>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        (**self).put_if_absent(c, k, v, t)
    }
    fn take<'a>(&'a self, c: Collection, k: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, StoreError>> {
        (**self).take(c, k)
    }
    fn compare_and_swap<'a>(
        &'a self,
        c: Collection,
        k: &'a str,
        e: &'a [u8],
        v: Vec<u8>,
        t: Option<Duration>,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        (**self).compare_and_swap(c, k, e, v, t)
    }
    fn delete<'a>(&'a self, c: Collection, k: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        (**self).delete(c, k)
    }
}
#[cfg(feature = "oauth-sqlite")]
#[derive(Debug)]
pub struct SqliteStore(MemoryStore);
#[cfg(feature = "oauth-sqlite")]
impl SqliteStore {
    pub fn open(_p: impl AsRef<std::path::Path>) -> Result<Self, StoreError> {
        Ok(Self(MemoryStore::new()))
    }
}
#[cfg(feature = "oauth-redis")]
#[derive(Debug)]
pub struct RedisStore(MemoryStore);
#[cfg(feature = "oauth-redis")]
impl RedisStore {
    pub async fn connect(_u: &str) -> Result<Self, StoreError> {
        Ok(Self(MemoryStore::new()))
    }
}
macro_rules! fwd {
    ($t:ty) => {
        impl Store for $t {
            fn get<'a>(&'a self, c: Collection, k: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, StoreError>> {
                self.0.get(c, k)
            }
            fn put<'a>(
                &'a self,
                c: Collection,
                k: &'a str,
                v: Vec<u8>,
                t: Option<Duration>,
            ) -> BoxFuture<'a, Result<(), StoreError>> {
                self.0.put(c, k, v, t)
            }
            fn put_if_absent<'a>(
                &'a self,
                c: Collection,
                k: &'a str,
                v: Vec<u8>,
                t: Option<Duration>,
            ) -> BoxFuture<'a, Result<bool, StoreError>> {
                self.0.put_if_absent(c, k, v, t)
            }
            fn take<'a>(&'a self, c: Collection, k: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, StoreError>> {
                self.0.take(c, k)
            }
            fn compare_and_swap<'a>(
                &'a self,
                c: Collection,
                k: &'a str,
                e: &'a [u8],
                v: Vec<u8>,
                t: Option<Duration>,
            ) -> BoxFuture<'a, Result<bool, StoreError>> {
                self.0.compare_and_swap(c, k, e, v, t)
            }
            fn delete<'a>(&'a self, c: Collection, k: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
                self.0.delete(c, k)
            }
        }
    };
}
#[cfg(feature = "oauth-sqlite")]
fwd!(SqliteStore);
#[cfg(feature = "oauth-redis")]
fwd!(RedisStore);
