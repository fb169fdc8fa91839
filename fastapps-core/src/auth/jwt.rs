//! [`JwtVerifier`]: a strict profile for JWT access tokens (RFC 9068 and the common IdP
//! dialects).
//!
//! Checked, in order: size and compact-JWS framing; `alg` in the configured list (never `none`,
//! never HMAC); no `crit`; `typ` absent, `JWT` or `at+jwt` (an ID token is refused); the key by
//! `kid` (embedded `jku`/`jwk`/`x5u`/`x5c` are never used); the signature; `exp` required;
//! `nbf` and `iat` within the leeway; `iss` equal to the issuer, byte for byte; `aud` holding
//! one of the audiences; `sub` present.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};

use super::fetch::FetchError;
use super::jwks::{EC_ALGORITHMS, EDDSA_ALGORITHMS, Key, KeyStore, RSA_ALGORITHMS};
use super::key_source::KeySource;
use super::verifier::{TokenVerifier, VerifyError};
use futures_util::future::BoxFuture;

use crate::context::AccessToken;
use crate::error::BoxError;

/// The largest token accepted, in bytes.
const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// `typ` values of access tokens; anything else (an ID token, a logout token) is refused.
const ACCESS_TOKEN_TYPES: [&str; 3] = ["jwt", "at+jwt", "application/at+jwt"];

enum Keys {
    Store(Box<KeyStore>),
    Fixed(Vec<Key>),
}

/// Verifies JWT access tokens from one issuer.
///
/// ```no_run
/// use fastapps_core::auth::JwtVerifier;
///
/// let verifier = JwtVerifier::new("https://tenant.us.auth0.com/")
///     .audience("https://pizzaz.example.com/mcp");
/// ```
#[derive(Clone)]
pub struct JwtVerifier {
    inner: Arc<Inner>,
}

struct Inner {
    issuer: String,
    audiences: Vec<String>,
    algorithms: Vec<Algorithm>,
    leeway: Duration,
    scope_claims: Vec<String>,
    keys: Keys,
}

impl std::fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtVerifier")
            .field("issuer", &self.inner.issuer)
            .field("audiences", &self.inner.audiences)
            .field("algorithms", &self.inner.algorithms)
            .finish_non_exhaustive()
    }
}

fn install_crypto() {
    // jsonwebtoken panics at the first verification without exactly one crypto provider; the
    // crate is built with aws-lc only, and installing it twice is harmless.
    let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
}

impl JwtVerifier {
    /// Tokens from `issuer` (exactly as it appears in their `iss`), keys found through the
    /// issuer's metadata, `RS256` only, 60 s of leeway, scopes read from `scope`, `scp` and
    /// `permissions`.
    pub fn new(issuer: impl Into<String>) -> Self {
        install_crypto();
        let issuer = issuer.into();
        Self {
            inner: Arc::new(Inner {
                keys: Keys::Store(Box::new(KeyStore::discover(issuer.clone()))),
                issuer,
                audiences: Vec::new(),
                algorithms: vec![Algorithm::RS256],
                leeway: Duration::from_secs(60),
                scope_claims: vec!["scope".into(), "scp".into(), "permissions".into()],
            }),
        }
    }

    fn edit(mut self, f: impl FnOnce(&mut Inner)) -> Self {
        // Configuration happens before the verifier is shared.
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            f(inner);
        } else {
            tracing::warn!("a JwtVerifier was reconfigured after being shared; the change is ignored");
        }
        self
    }

    /// Adds an accepted audience (`aud`); at least one is required. The [`Auth`](super::Auth)
    /// settings default it to the resource server URL.
    #[must_use]
    pub fn audience(self, audience: impl Into<String>) -> Self {
        let audience = audience.into();
        self.edit(|i| i.audiences.push(audience))
    }

    /// Fetches the keys from this JWKS URI instead of discovering it.
    #[must_use]
    pub fn jwks_uri(self, uri: impl Into<String>) -> Self {
        let uri = uri.into();
        self.edit(|i| i.keys = Keys::Store(Box::new(KeyStore::jwks(uri))))
    }

    /// Reads the keys from `keys` (held by this process: the app's own authorization server, a
    /// file) instead of fetching them, with the same cache, rotation and unknown-`kid` rules as
    /// a fetched JWKS.
    #[must_use]
    pub fn key_source(self, keys: Arc<dyn KeySource>) -> Self {
        self.edit(|i| i.keys = Keys::Store(Box::new(KeyStore::source(keys))))
    }

    /// Verifies with this PEM public key (RSA, EC or Ed25519) instead of a JWKS.
    pub fn public_key_pem(self, pem: &[u8]) -> Result<Self, jsonwebtoken::errors::Error> {
        let key = DecodingKey::from_rsa_pem(pem)
            .map(|k| (k, RSA_ALGORITHMS.to_vec()))
            .or_else(|_| DecodingKey::from_ec_pem(pem).map(|k| (k, EC_ALGORITHMS.to_vec())))
            .or_else(|_| DecodingKey::from_ed_pem(pem).map(|k| (k, EDDSA_ALGORITHMS.to_vec())))?;
        Ok(self.edit(|i| i.keys = Keys::Fixed(vec![Key::fixed(key.0, key.1)])))
    }

    /// The accepted algorithms (default `RS256`). `ES256`, `ES384`, `PS256`…`PS512` and `EdDSA`
    /// may be added; HMAC algorithms are never accepted.
    #[must_use]
    pub fn algorithms(self, algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        let algorithms: Vec<Algorithm> = algorithms
            .into_iter()
            .filter(|a| !matches!(a, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512))
            .collect();
        self.edit(|i| i.algorithms = algorithms)
    }

    /// Clock leeway for `exp`, `nbf` and `iat` (default 60 s, at most 300 s).
    #[must_use]
    pub fn leeway(self, leeway: Duration) -> Self {
        self.edit(|i| i.leeway = leeway.min(Duration::from_secs(300)))
    }

    /// The claims scopes are read from (default `scope`, `scp`, `permissions`): space-separated
    /// strings or arrays of strings, merged.
    #[must_use]
    pub fn scope_claims(self, claims: impl IntoIterator<Item = impl Into<String>>) -> Self {
        let claims = claims.into_iter().map(Into::into).collect();
        self.edit(|i| i.scope_claims = claims)
    }

    /// The issuer.
    pub fn issuer(&self) -> &str {
        &self.inner.issuer
    }

    pub(crate) fn has_audience(&self) -> bool {
        !self.inner.audiences.is_empty()
    }

    /// Fetches the issuer's keys now, so a misconfiguration shows at start-up.
    pub async fn prepare(&self) -> Result<(), FetchError> {
        match &self.inner.keys {
            Keys::Store(store) => store.prepare().await,
            Keys::Fixed(_) => Ok(()),
        }
    }

    async fn verify_token(&self, token: &str) -> Result<AccessToken, VerifyError> {
        let inner = &self.inner;
        if token.len() > MAX_TOKEN_BYTES {
            return Err(VerifyError::invalid("token too large"));
        }
        let parts: Vec<&str> = token.split('.').collect();
        let base64url =
            |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if parts.len() != 3 || !parts.iter().all(|p| base64url(p)) {
            return Err(VerifyError::invalid("not a compact JWS"));
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| VerifyError::invalid("malformed header"))?;
        if !inner.algorithms.contains(&header.alg) {
            return Err(VerifyError::invalid("algorithm not allowed"));
        }
        if header.crit.is_some() {
            return Err(VerifyError::invalid("unsupported crit header"));
        }
        if let Some(typ) = &header.typ
            && !ACCESS_TOKEN_TYPES.contains(&typ.to_ascii_lowercase().as_str())
        {
            return Err(VerifyError::invalid("not an access token (typ)"));
        }
        let key = match &inner.keys {
            Keys::Store(store) => store.key(header.kid.as_deref(), header.alg).await?,
            Keys::Fixed(keys) => keys
                .iter()
                .find(|k| k.algorithms_contain(header.alg))
                .map(Key::decoding_key)
                .ok_or_else(|| VerifyError::invalid("no key fits the token's alg"))?,
        };
        let mut validation = Validation::new(header.alg);
        validation.leeway = inner.leeway.as_secs();
        validation.set_issuer(&[&inner.issuer]);
        validation.set_audience(&inner.audiences);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation)
            .map_err(|e| VerifyError::Invalid(format!("{:?}", e.kind())))?;
        let claims = data.claims;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        if let Some(iat) = claims.get("iat") {
            let iat = iat.as_f64().ok_or_else(|| VerifyError::invalid("iat is not a number"))?;
            if iat > (now + inner.leeway.as_secs()) as f64 {
                return Err(VerifyError::invalid("issued in the future (iat)"));
            }
        }
        // An `aud` that is an empty array or holds non-strings is malformed even when one
        // entry matches.
        if let Some(Value::Array(auds)) = claims.get("aud")
            && !auds.iter().all(Value::is_string)
        {
            return Err(VerifyError::invalid("aud holds non-strings"));
        }
        let subject = match claims.get("sub") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            _ => return Err(VerifyError::invalid("sub missing")),
        };
        let exp = claims.get("exp").and_then(Value::as_f64).unwrap_or_default();
        Ok(AccessToken {
            subject,
            client_id: ["client_id", "azp", "cid"]
                .iter()
                .find_map(|c| claims.get(*c).and_then(Value::as_str))
                .map(str::to_owned),
            scopes: scopes_from_claims(&claims, &inner.scope_claims),
            expires_at: Some(UNIX_EPOCH + Duration::from_secs_f64(exp.max(0.0))),
            claims,
        })
    }
}

/// The union of the scopes in the claims `names`, each a space-separated string or an array of
/// strings, in order of first mention.
///
/// ```
/// use fastapps_core::auth::scopes_from_claims;
/// use serde_json::json;
///
/// let claims = json!({ "scope": "read write", "permissions": ["write", "admin"] });
/// let names = ["scope".to_owned(), "permissions".to_owned()];
/// assert_eq!(scopes_from_claims(claims.as_object().unwrap(), &names), ["read", "write", "admin"]);
/// ```
pub fn scopes_from_claims(claims: &Map<String, Value>, names: &[String]) -> Vec<String> {
    let mut scopes: Vec<String> = Vec::new();
    let mut add = |s: &str| {
        for scope in s.split(' ').filter(|s| !s.is_empty()) {
            if !scopes.iter().any(|have| have == scope) {
                scopes.push(scope.to_owned());
            }
        }
    };
    for name in names {
        match claims.get(name) {
            Some(Value::String(s)) => add(s),
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).for_each(&mut add),
            _ => {}
        }
    }
    scopes
}

impl TokenVerifier for JwtVerifier {
    fn verify<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<AccessToken, VerifyError>> {
        Box::pin(self.verify_token(token))
    }

    fn issuer(&self) -> Option<&str> {
        Some(&self.inner.issuer)
    }

    fn prepare(&self) -> BoxFuture<'_, Result<(), BoxError>> {
        Box::pin(async { Ok(JwtVerifier::prepare(self).await?) })
    }
}
