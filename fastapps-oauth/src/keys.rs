//! The keys the authorization server signs access tokens with: ES256 (P-256) key pairs, each
//! with a `kid` (its RFC 7638 thumbprint), kept in the store so that every instance sharing
//! it signs and verifies with the same set. A key signs for `lifetime`; then a new one takes
//! over, and the old one stays published (and accepted) until every token it signed has
//! expired.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use fastapps_core::BoxFuture;
use fastapps_core::auth::{BoxError, JwkSet, KeySource};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};

use fastapps_core::store::{Store, StoreError};

use crate::clock::unix_now;
use crate::records::SIGNING_KEYS;

/// The record of the key set in [`SIGNING_KEYS`].
const KEYSET: &str = "keyset";

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
struct StoredKey {
    kid: String,
    /// PKCS#8 v1 DER of the private key, base64.
    pkcs8: String,
    /// Uncompressed public point, base64url.
    x: String,
    y: String,
    created_at: u64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
struct KeySet {
    /// Newest last; the newest signs.
    keys: Vec<StoredKey>,
}

impl KeySet {
    fn jwks(&self) -> serde_json::Value {
        let keys: Vec<_> = self
            .keys
            .iter()
            .map(|k| {
                serde_json::json!({
                    "kty": "EC", "crv": "P-256", "x": k.x, "y": k.y,
                    "kid": k.kid, "alg": "ES256", "use": "sig",
                })
            })
            .collect();
        serde_json::json!({ "keys": keys })
    }
}

fn generate(now: u64) -> Result<StoredKey, String> {
    let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).map_err(|_| "cannot generate a key")?;
    let pkcs8 = pair.to_pkcs8v1().map_err(|_| "cannot encode the key")?;
    let point = pair.public_key().as_ref();
    // 0x04 || X (32) || Y (32)
    if point.len() != 65 || point[0] != 4 {
        return Err("unexpected public key encoding".into());
    }
    let x = URL_SAFE_NO_PAD.encode(&point[1..33]);
    let y = URL_SAFE_NO_PAD.encode(&point[33..]);
    // RFC 7638: the SHA-256 of the required members in lexicographic order, no spaces.
    let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    let kid = URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, canonical.as_bytes()));
    Ok(StoredKey { kid, pkcs8: STANDARD.encode(pkcs8.as_ref()), x, y, created_at: now })
}

/// The signing keys, cached from the store.
pub(crate) struct SigningKeys {
    store: Arc<dyn Store>,
    lifetime: Duration,
    /// How long after it stops signing a key stays published: the longest access token life
    /// plus a margin.
    retention: Duration,
    cached: Mutex<Option<(KeySet, u64)>>,
}

impl std::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeys").field("lifetime", &self.lifetime).finish_non_exhaustive()
    }
}

/// How long a read of the key set is trusted before the store is asked again (so a key that
/// another instance rotated in is seen soon).
const CACHE_SECONDS: u64 = 30;

fn decode(bytes: &[u8]) -> Result<KeySet, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(format!("the signing key set: {e}")))
}

impl SigningKeys {
    pub(crate) fn new(store: Arc<dyn Store>, lifetime: Duration, retention: Duration) -> Self {
        Self { store, lifetime, retention, cached: Mutex::new(None) }
    }

    async fn load(&self, fresh: bool) -> Result<KeySet, StoreError> {
        let now = unix_now();
        if !fresh
            && let Some((set, at)) = self.cached.lock().unwrap_or_else(PoisonError::into_inner).clone()
            && now.saturating_sub(at) < CACHE_SECONDS
        {
            return Ok(set);
        }
        let set = match self.store.get(SIGNING_KEYS, KEYSET).await? {
            Some(bytes) => decode(&bytes)?,
            None => KeySet::default(),
        };
        *self.cached.lock().unwrap_or_else(PoisonError::into_inner) = Some((set.clone(), now));
        Ok(set)
    }

    /// Makes sure a key younger than its lifetime signs, replacing the set in the store with
    /// compare-and-swap (another instance may be rotating at the same moment: one wins, the
    /// other reads the winner's set).
    async fn current(&self) -> Result<KeySet, StoreError> {
        let now = unix_now();
        let set = self.load(false).await?;
        if set.keys.last().is_some_and(|k| now.saturating_sub(k.created_at) < self.lifetime.as_secs()) {
            return Ok(set);
        }
        for _ in 0..5 {
            let stored = self.store.get(SIGNING_KEYS, KEYSET).await?;
            let mut set = match &stored {
                Some(bytes) => decode(bytes)?,
                None => KeySet::default(),
            };
            if set.keys.last().is_some_and(|k| now.saturating_sub(k.created_at) < self.lifetime.as_secs()) {
                *self.cached.lock().unwrap_or_else(PoisonError::into_inner) = Some((set.clone(), now));
                return Ok(set);
            }
            // Keys that stopped signing longer than `retention` ago can go: their tokens expired.
            let retired_before = now.saturating_sub(self.lifetime.as_secs() + self.retention.as_secs());
            set.keys.retain(|k| k.created_at >= retired_before);
            set.keys.push(generate(now).map_err(StoreError::Backend)?);
            let bytes = serde_json::to_vec(&set).map_err(|e| StoreError::Backend(e.to_string()))?;
            let written = match &stored {
                Some(old) => self.store.compare_and_swap(SIGNING_KEYS, KEYSET, old, bytes, None).await?,
                None => self.store.put_if_absent(SIGNING_KEYS, KEYSET, bytes, None).await?,
            };
            if written {
                tracing::info!(kid = %set.keys.last().map(|k| k.kid.as_str()).unwrap_or_default(), "new signing key");
                *self.cached.lock().unwrap_or_else(PoisonError::into_inner) = Some((set.clone(), now));
                return Ok(set);
            }
        }
        Err(StoreError::Backend("the signing key set keeps changing under this instance".into()))
    }

    /// Signs `claims` as an RFC 9068 access token (`typ: at+jwt`) with the current key.
    pub(crate) async fn sign(&self, claims: &serde_json::Value) -> Result<String, StoreError> {
        let set = self.current().await?;
        let key = set.keys.last().ok_or_else(|| StoreError::Backend("no signing key".into()))?;
        let der = STANDARD.decode(&key.pkcs8).map_err(|e| StoreError::Corrupt(format!("a signing key: {e}")))?;
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(key.kid.clone());
        header.typ = Some("at+jwt".into());
        jsonwebtoken::encode(&header, claims, &EncodingKey::from_ec_der(&der))
            .map_err(|e| StoreError::Backend(format!("signing: {e}")))
    }

    /// The public keys, as served at the JWKS URL. `fresh` skips the short cache (an unknown
    /// `kid` was seen).
    pub(crate) async fn jwks(&self, fresh: bool) -> Result<serde_json::Value, StoreError> {
        let set = if fresh { self.load(true).await? } else { self.current().await? };
        Ok(set.jwks())
    }
}

/// The resource side of the server verifies the tokens with these keys.
impl KeySource for SigningKeys {
    fn keys(&self, fresh: bool) -> BoxFuture<'_, Result<JwkSet, BoxError>> {
        Box::pin(async move { Ok(serde_json::from_value(self.jwks(fresh).await?)?) })
    }

    fn describe(&self) -> String {
        "the authorization server's own keys".to_owned()
    }
}
