//! The issuer's signing keys: discovered from its metadata or a configured JWKS URI, cached
//! with a TTL from `Cache-Control` (clamped to 5 min – 24 h), refreshed once in flight at a
//! time. An unknown `kid` triggers a refresh at most once a second, and a `kid` still unknown
//! after one is remembered for a minute, so a flood of forged kids causes no flood of fetches,
//! while a rotated key is accepted the first time it is seen. When a refresh fails the last
//! good keys stay in use (up to a day).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;

use super::fetch::{FetchError, Fetcher};
use super::key_source::KeySource;
use super::verifier::VerifyError;

const MIN_TTL: Duration = Duration::from_secs(5 * 60);
const MAX_TTL: Duration = Duration::from_secs(24 * 60 * 60);
const DEFAULT_TTL: Duration = Duration::from_secs(60 * 60);
const MAX_STALE: Duration = Duration::from_secs(24 * 60 * 60);
const MIN_REFRESH_INTERVAL: Duration = Duration::from_secs(1);
const UNKNOWN_KID_MEMORY: Duration = Duration::from_secs(60);

/// What an RSA key (of at least 2048 bits) may verify: PKCS#1 v1.5 and PSS signatures with
/// SHA-256, SHA-384 and SHA-512.
pub(crate) const RSA_ALGORITHMS: [Algorithm; 6] =
    [Algorithm::RS256, Algorithm::RS384, Algorithm::RS512, Algorithm::PS256, Algorithm::PS384, Algorithm::PS512];

/// What an EC key may verify: ES256 on P-256, ES384 on P-384. A JWK names its curve and gets
/// its one algorithm; a PEM key's curve is not read here, so it gets both (a signature of the
/// other curve's algorithm fails to verify).
pub(crate) const EC_ALGORITHMS: [Algorithm; 2] = [Algorithm::ES256, Algorithm::ES384];

/// What an Ed25519 key (an octet key pair) may verify.
pub(crate) const EDDSA_ALGORITHMS: [Algorithm; 1] = [Algorithm::EdDSA];

/// One usable verification key.
#[derive(Clone)]
pub(crate) struct Key {
    kid: Option<String>,
    /// The algorithms the key may verify (its `kty`/curve, narrowed by its `alg` if set).
    algorithms: Vec<Algorithm>,
    key: DecodingKey,
}

impl Key {
    /// Reads a JWK; `None` for keys that cannot be used to verify signatures (encryption keys,
    /// symmetric keys, RSA keys under 2048 bits, unknown types), which are skipped.
    fn from_jwk(jwk: &Jwk) -> Option<Self> {
        if matches!(&jwk.common.public_key_use, Some(u) if *u != PublicKeyUse::Signature) {
            return None;
        }
        let fitting: Vec<Algorithm> = match &jwk.algorithm {
            AlgorithmParameters::RSA(rsa) => {
                let bits = URL_SAFE_NO_PAD.decode(rsa.n.trim_end_matches('=')).ok()?.len() * 8;
                if bits < 2048 {
                    return None;
                }
                RSA_ALGORITHMS.to_vec()
            }
            AlgorithmParameters::EllipticCurve(ec) => match ec.curve {
                jsonwebtoken::jwk::EllipticCurve::P256 => vec![Algorithm::ES256],
                jsonwebtoken::jwk::EllipticCurve::P384 => vec![Algorithm::ES384],
                _ => return None,
            },
            AlgorithmParameters::OctetKeyPair(_) => EDDSA_ALGORITHMS.to_vec(),
            // Symmetric keys never come from a JWKS we trust (RS→HS confusion).
            _ => return None,
        };
        let algorithms = match jwk.common.key_algorithm {
            // A declared `alg` narrows the key to it, if it fits the key at all.
            Some(declared) => vec![fitting.into_iter().find(|&alg| KeyAlgorithm::from(alg) == declared)?],
            None => fitting,
        };
        let key = DecodingKey::from_jwk(jwk).ok()?;
        Some(Self { kid: jwk.common.key_id.clone(), algorithms, key })
    }

    /// A key given directly (a PEM public key) for `algorithms`.
    pub(crate) fn fixed(key: DecodingKey, algorithms: Vec<Algorithm>) -> Self {
        Self { kid: None, algorithms, key }
    }

    pub(crate) fn algorithms_contain(&self, alg: Algorithm) -> bool {
        self.algorithms.contains(&alg)
    }

    pub(crate) fn decoding_key(&self) -> DecodingKey {
        self.key.clone()
    }
}

/// Picks the key for a token: by `kid`, or the only key fit for `alg` when the token has none.
fn select(keys: &[Key], kid: Option<&str>, alg: Algorithm) -> Result<Option<DecodingKey>, VerifyError> {
    match kid {
        Some(kid) => {
            let mut named = keys.iter().filter(|k| k.kid.as_deref() == Some(kid));
            let found = named.next();
            if named.next().is_some() {
                return Err(VerifyError::invalid("the JWKS has several keys with this kid"));
            }
            match found {
                Some(k) if k.algorithms.contains(&alg) => Ok(Some(k.key.clone())),
                Some(_) => Err(VerifyError::invalid("the key with this kid does not fit the token's alg")),
                None => Ok(None),
            }
        }
        None => {
            let mut fit = keys.iter().filter(|k| k.algorithms.contains(&alg));
            match (fit.next(), fit.next()) {
                (Some(k), None) => Ok(Some(k.key.clone())),
                (Some(_), Some(_)) => Err(VerifyError::invalid("the token has no kid and several keys fit")),
                (None, _) => Ok(None),
            }
        }
    }
}

/// Where the keys come from.
#[derive(Clone)]
enum Location {
    Jwks(String),
    Discover { issuer: String },
    Source(Arc<dyn KeySource>),
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Jwks(uri) => f.debug_tuple("Jwks").field(uri).finish(),
            Self::Discover { issuer } => f.debug_struct("Discover").field("issuer", issuer).finish(),
            Self::Source(source) => f.debug_tuple("Source").field(&source.describe()).finish(),
        }
    }
}

struct Snapshot {
    keys: Arc<Vec<Key>>,
    fetched_at: Option<Instant>,
    ttl: Duration,
    jwks_uri: Option<String>,
}

/// The issuer's keys, fetched and cached.
pub(crate) struct KeyStore {
    location: Location,
    fetcher: Fetcher,
    snapshot: RwLock<Snapshot>,
    /// Held while refreshing: one fetch at a time; the time of the last attempt.
    refreshing: tokio::sync::Mutex<Option<Instant>>,
    unknown_kids: Mutex<HashMap<String, Instant>>,
}

impl std::fmt::Debug for KeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyStore").field("location", &self.location).finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct Metadata {
    issuer: String,
    jwks_uri: Option<String>,
}

/// The discovery URLs for an issuer, in order: OIDC discovery under the issuer, then RFC 8414
/// with the issuer's path inserted.
pub(crate) fn discovery_urls(issuer: &str) -> Vec<String> {
    let trimmed = issuer.trim_end_matches('/');
    let mut urls = vec![format!("{trimmed}/.well-known/openid-configuration")];
    if let Ok(url) = url::Url::parse(trimmed) {
        let origin = url.origin().ascii_serialization();
        let path = url.path().trim_end_matches('/');
        urls.push(format!("{origin}/.well-known/oauth-authorization-server{path}"));
    }
    urls
}

impl KeyStore {
    fn new(location: Location) -> Self {
        Self {
            location,
            fetcher: Fetcher::new(),
            snapshot: RwLock::new(Snapshot {
                keys: Arc::default(),
                fetched_at: None,
                ttl: DEFAULT_TTL,
                jwks_uri: None,
            }),
            refreshing: tokio::sync::Mutex::new(None),
            unknown_kids: Mutex::default(),
        }
    }

    /// Keys from this JWKS URI.
    pub(crate) fn jwks(uri: String) -> Self {
        Self::new(Location::Jwks(uri))
    }

    /// Keys found through the issuer's metadata.
    pub(crate) fn discover(issuer: String) -> Self {
        Self::new(Location::Discover { issuer })
    }

    /// Keys from a source this process holds.
    pub(crate) fn source(keys: Arc<dyn KeySource>) -> Self {
        Self::new(Location::Source(keys))
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Snapshot> {
        self.snapshot.read().unwrap_or_else(PoisonError::into_inner)
    }

    async fn jwks_uri(&self) -> Result<String, FetchError> {
        match &self.location {
            Location::Jwks(uri) => Ok(uri.clone()),
            Location::Source(source) => Ok(source.describe()),
            Location::Discover { issuer } => {
                if let Some(uri) = self.read().jwks_uri.clone() {
                    return Ok(uri);
                }
                let mut errors = Vec::new();
                for url in discovery_urls(issuer) {
                    match self.fetcher.get_json::<Metadata>(&url).await {
                        Ok(fetched) if fetched.value.issuer != *issuer => {
                            return Err(FetchError::unusable(
                                &url,
                                format_args!(
                                    "it names the issuer {:?}, not {issuer:?}; the issuer must match exactly",
                                    fetched.value.issuer
                                ),
                            ));
                        }
                        Ok(fetched) => {
                            return fetched.value.jwks_uri.ok_or_else(|| FetchError::unusable(&url, "no jwks_uri"));
                        }
                        Err(e) => errors.push(e.to_string()),
                    }
                }
                Err(FetchError::unusable(
                    issuer,
                    format_args!("cannot discover the issuer's metadata: {}", errors.join("; ")),
                ))
            }
        }
    }

    async fn fetch(&self) -> Result<(), FetchError> {
        let uri = self.jwks_uri().await?;
        let (set, ttl) = match &self.location {
            // Read afresh: a refresh happens when the keys are stale or a kid is unknown.
            Location::Source(source) => (source.keys(true).await.map_err(|e| FetchError::unusable(&uri, e))?, MIN_TTL),
            _ => {
                let fetched = self.fetcher.get_json::<JwkSet>(&uri).await?;
                (fetched.value, fetched.max_age.map_or(DEFAULT_TTL, |age| age.clamp(MIN_TTL, MAX_TTL)))
            }
        };
        let keys: Vec<Key> = set.keys.iter().filter_map(Key::from_jwk).collect();
        if keys.is_empty() {
            return Err(FetchError::unusable(&uri, "no usable signing key"));
        }
        let mut snapshot = self.snapshot.write().unwrap_or_else(PoisonError::into_inner);
        *snapshot = Snapshot { keys: Arc::new(keys), fetched_at: Some(Instant::now()), ttl, jwks_uri: Some(uri) };
        Ok(())
    }

    /// Refreshes unless another caller did while this one waited, or the last attempt was
    /// less than `min_interval` ago. `Ok(true)` when the keys now in the store were fetched
    /// after this call began.
    async fn refresh(&self, min_interval: Duration) -> Result<bool, FetchError> {
        let asked = Instant::now();
        let mut last_attempt = self.refreshing.lock().await;
        if self.read().fetched_at.is_some_and(|at| at >= asked) {
            return Ok(true);
        }
        if last_attempt.is_some_and(|at| at.elapsed() < min_interval) {
            return Ok(false);
        }
        *last_attempt = Some(Instant::now());
        self.fetch()
            .await
            .map(|()| true)
            .inspect_err(|e| tracing::warn!(error = %e, "refreshing the issuer's keys failed"))
    }

    /// Fetches the keys now (start-up check).
    pub(crate) async fn prepare(&self) -> Result<(), FetchError> {
        self.refresh(Duration::ZERO).await?;
        Ok(())
    }

    /// The key verifying a token with this `kid` and `alg`.
    pub(crate) async fn key(&self, kid: Option<&str>, alg: Algorithm) -> Result<DecodingKey, VerifyError> {
        let (fresh, usable) = {
            let s = self.read();
            let age = s.fetched_at.map(|at| at.elapsed());
            (age.is_some_and(|a| a < s.ttl), age.is_some_and(|a| a < s.ttl + MAX_STALE))
        };
        if !fresh {
            // A failed refresh keeps the last good keys, within their maximum staleness.
            let refreshed = self.refresh(MIN_REFRESH_INTERVAL).await;
            if refreshed.is_err() && !usable {
                return Err(VerifyError::Unavailable);
            }
        }
        let keys = self.read().keys.clone();
        if let Some(key) = select(&keys, kid, alg)? {
            return Ok(key);
        }
        let Some(kid) = kid else { return Err(VerifyError::invalid("no key fits the token's alg")) };
        let now = Instant::now();
        {
            let mut unknown = self.unknown_kids.lock().unwrap_or_else(PoisonError::into_inner);
            unknown.retain(|_, seen| now.duration_since(*seen) < UNKNOWN_KID_MEMORY);
            if unknown.contains_key(kid) {
                return Err(VerifyError::invalid("unknown kid"));
            }
        }
        // Perhaps a rotated key: look once more.
        let refreshed = match self.refresh(MIN_REFRESH_INTERVAL).await {
            Ok(refreshed) => refreshed,
            Err(_) if self.read().keys.is_empty() => return Err(VerifyError::Unavailable),
            Err(_) => false,
        };
        let keys = self.read().keys.clone();
        match select(&keys, Some(kid), alg)? {
            Some(key) => Ok(key),
            None => {
                // Remembered only when fresh keys were looked at: a kid refused because the
                // refresh was skipped or failed is looked for again next time.
                if refreshed {
                    let mut unknown = self.unknown_kids.lock().unwrap_or_else(PoisonError::into_inner);
                    if unknown.len() < 10_000 {
                        unknown.insert(kid.to_owned(), now);
                    }
                }
                Err(VerifyError::invalid("unknown kid"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rsa_jwk(alg: Option<&str>) -> Jwk {
        let mut jwk = serde_json::json!({ "kty": "RSA", "n": URL_SAFE_NO_PAD.encode([0xc5u8; 256]), "e": "AQAB" });
        if let Some(alg) = alg {
            jwk["alg"] = alg.into();
        }
        serde_json::from_value(jwk).unwrap()
    }

    #[test]
    fn an_rsa_key_verifies_the_rsa_algorithms_or_the_one_it_declares() {
        assert_eq!(Key::from_jwk(&rsa_jwk(None)).unwrap().algorithms, RSA_ALGORITHMS);
        for alg in RSA_ALGORITHMS {
            let declared = format!("{alg:?}");
            assert_eq!(Key::from_jwk(&rsa_jwk(Some(&declared))).unwrap().algorithms, [alg], "{declared}");
        }
        for foreign in ["ES256", "EdDSA", "HS256", "RSA-OAEP", "none"] {
            assert!(Key::from_jwk(&rsa_jwk(Some(foreign))).is_none(), "{foreign}");
        }
    }

    #[test]
    fn discovery_urls_follow_the_spec_order() {
        assert_eq!(
            discovery_urls("https://tenant.auth0.com/"),
            [
                "https://tenant.auth0.com/.well-known/openid-configuration",
                "https://tenant.auth0.com/.well-known/oauth-authorization-server"
            ]
        );
        assert_eq!(
            discovery_urls("https://okta.example.com/oauth2/default"),
            [
                "https://okta.example.com/oauth2/default/.well-known/openid-configuration",
                "https://okta.example.com/.well-known/oauth-authorization-server/oauth2/default"
            ]
        );
    }
}
