//! The test credentials a [`TestClient`](super::TestClient)'s server trusts: opaque tokens the
//! client mints for a caller, accepted by a verifier placed before the server's own, so that
//! they travel the same path as any bearer token (the verified-token cache, the server-wide
//! scopes, the per-tool authorization).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use futures_util::future::BoxFuture;
use serde_json::{Map, Value};

use crate::auth::{TokenVerifier, VerifyError};
use crate::context::AccessToken;

/// How long a test credential is valid: longer than any test.
const LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// The OAuth client a test credential names.
pub(crate) const TEST_CLIENT_ID: &str = "fastapps-test-client";

/// The tokens a test server trusts, and the verifier it had before (tried for every other
/// token, so tokens of a real or [`TestIssuer`](super::TestIssuer) issuer still verify).
pub(crate) struct Credentials {
    tokens: Mutex<HashMap<String, AccessToken>>,
    next: Option<Arc<dyn TokenVerifier>>,
    /// The `iss` of the credentials: the server's issuer, so a session bound to a caller
    /// compares as it would in production.
    issuer: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner).len();
        f.debug_struct("Credentials").field("tokens", &tokens).field("issuer", &self.issuer).finish_non_exhaustive()
    }
}

impl Credentials {
    pub(crate) fn new(next: Option<Arc<dyn TokenVerifier>>, issuer: String) -> Self {
        Self { tokens: Mutex::default(), next, issuer }
    }

    pub(crate) fn issuer(&self) -> &str {
        &self.issuer
    }

    /// A fresh token that verifies as `subject` with `scopes`.
    pub(crate) fn mint(&self, subject: &str, scopes: Vec<String>) -> String {
        let token = format!("fastapps-test.{}", uuid::Uuid::new_v4().simple());
        let mut claims = Map::new();
        claims.insert("iss".into(), Value::String(self.issuer.clone()));
        claims.insert("sub".into(), Value::String(subject.to_owned()));
        claims.insert("client_id".into(), Value::String(TEST_CLIENT_ID.to_owned()));
        claims.insert("scope".into(), Value::String(scopes.join(" ")));
        let user = AccessToken {
            subject: subject.to_owned(),
            client_id: Some(TEST_CLIENT_ID.to_owned()),
            scopes,
            expires_at: Some(SystemTime::now() + LIFETIME),
            claims,
        };
        self.tokens.lock().unwrap_or_else(PoisonError::into_inner).insert(token.clone(), user);
        token
    }
}

impl TokenVerifier for Credentials {
    fn verify<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<AccessToken, VerifyError>> {
        let minted = self.tokens.lock().unwrap_or_else(PoisonError::into_inner).get(token).cloned();
        Box::pin(async move {
            match (minted, &self.next) {
                (Some(user), _) => Ok(user),
                (None, Some(next)) => next.verify(token).await,
                (None, None) => Err(VerifyError::invalid("not a credential of this test client")),
            }
        })
    }

    fn issuer(&self) -> Option<&str> {
        Some(&self.issuer)
    }
}
