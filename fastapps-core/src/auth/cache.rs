//! The verified-token cache: a bounded map from a token to its [`AccessToken`], each entry kept
//! at most five minutes and never past the token's `exp`. A token is verified once, not once per
//! request; failures are not cached.
//!
//! Entries are found by a keyed (randomly seeded) SipHash of the token and hold the token
//! itself, which a hit must equal byte for byte: a lookup costs a short hash, not a SHA-256,
//! and a hash collision can never hand one caller another's identity.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;

use moka::Expiry;
use moka::sync::Cache;

use super::verifier::{TokenVerifier, VerifyError};
use crate::context::AccessToken;
use futures_util::future::BoxFuture;

const MAX_ENTRIES: u64 = 10_000;
const MAX_AGE: Duration = Duration::from_secs(5 * 60);

struct Entry {
    token: Box<str>,
    user: Arc<AccessToken>,
}

struct UntilExpiry;

impl Expiry<u64, Arc<Entry>> for UntilExpiry {
    fn expire_after_create(&self, _key: &u64, entry: &Arc<Entry>, _now: Instant) -> Option<Duration> {
        let left =
            entry.user.expires_at.map_or(MAX_AGE, |exp| exp.duration_since(SystemTime::now()).unwrap_or_default());
        Some(left.min(MAX_AGE))
    }
}

/// Wraps a verifier with the verified-token cache.
pub(crate) struct CachedVerifier {
    inner: Arc<dyn TokenVerifier>,
    cache: Cache<u64, Arc<Entry>>,
    hasher: RandomState,
}

impl std::fmt::Debug for CachedVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedVerifier").field("entries", &self.cache.entry_count()).finish_non_exhaustive()
    }
}

impl CachedVerifier {
    pub(crate) fn new(inner: Arc<dyn TokenVerifier>) -> Self {
        Self {
            inner,
            cache: Cache::builder().max_capacity(MAX_ENTRIES).expire_after(UntilExpiry).build(),
            hasher: RandomState::new(),
        }
    }

    /// The token's holder, from the cache or verified now.
    pub(crate) async fn verify(&self, token: &str) -> Result<Arc<AccessToken>, VerifyError> {
        let key = self.hasher.hash_one(token);
        if let Some(hit) = self.cache.get(&key)
            && *hit.token == *token
            // The entry cannot outlive `exp`, but a clock that jumped is checked anyway.
            && hit.user.expires_at.is_none_or(|exp| exp > SystemTime::now())
        {
            return Ok(hit.user.clone());
        }
        let verified = Arc::new(self.inner.verify(token).await?);
        // A token the verifier accepts within its leeway past `exp` is not cached: the next
        // request asks the verifier again.
        if verified.expires_at.is_none_or(|exp| exp > SystemTime::now()) {
            self.cache.insert(key, Arc::new(Entry { token: token.into(), user: verified.clone() }));
        }
        Ok(verified)
    }
}

impl TokenVerifier for CachedVerifier {
    fn verify<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<AccessToken, VerifyError>> {
        Box::pin(async move { CachedVerifier::verify(self, token).await.map(|t| (*t).clone()) })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    struct Counting(AtomicUsize, Option<SystemTime>);

    impl TokenVerifier for Counting {
        fn verify<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<AccessToken, VerifyError>> {
            self.0.fetch_add(1, Ordering::SeqCst);
            let expires_at = self.1;
            Box::pin(async move {
                if token == "good" {
                    Ok(AccessToken { expires_at, ..AccessToken::new("u", ["read"]) })
                } else {
                    Err(VerifyError::invalid("bad"))
                }
            })
        }
    }

    #[tokio::test]
    async fn verifies_once_and_never_caches_failures() {
        let inner = Arc::new(Counting(AtomicUsize::new(0), Some(SystemTime::now() + Duration::from_secs(600))));
        let cached = CachedVerifier::new(inner.clone());
        for _ in 0..5 {
            assert_eq!(cached.verify("good").await.unwrap().subject, "u");
        }
        assert_eq!(inner.0.load(Ordering::SeqCst), 1);
        for _ in 0..3 {
            assert!(cached.verify("bad").await.is_err());
        }
        assert_eq!(inner.0.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn a_token_past_its_exp_is_never_served_from_the_cache() {
        // The verifier accepts it (within its leeway); the cache leaves the decision to it.
        let inner = Arc::new(Counting(AtomicUsize::new(0), Some(SystemTime::now() - Duration::from_secs(1))));
        let cached = CachedVerifier::new(inner.clone());
        assert!(cached.verify("good").await.is_ok());
        assert!(cached.verify("good").await.is_ok());
        assert_eq!(inner.0.load(Ordering::SeqCst), 2);
    }
}
