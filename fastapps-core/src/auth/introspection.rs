//! [`IntrospectionVerifier`]: opaque tokens checked with the authorization server's RFC 7662
//! introspection endpoint (answers are cached by the verified-token cache).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Deserialize;
use serde_json::{Map, Value};

use super::fetch::Fetcher;
use super::jwt::scopes_from_claims;
use super::verifier::{TokenVerifier, VerifyError};
use crate::context::AccessToken;
use futures_util::future::BoxFuture;

/// Verifies opaque tokens with an RFC 7662 introspection endpoint, authenticating with the
/// resource server's client credentials.
#[derive(Clone, Debug)]
pub struct IntrospectionVerifier {
    endpoint: String,
    client_id: String,
    client_secret: String,
    audience: Option<String>,
    issuer: Option<String>,
    fetcher: Fetcher,
}

#[derive(Deserialize)]
struct Introspection {
    active: bool,
    #[serde(flatten)]
    claims: Map<String, Value>,
}

impl IntrospectionVerifier {
    /// Introspects at `endpoint` with these client credentials.
    pub fn new(endpoint: impl Into<String>, client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            endpoint: endpoint.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            audience: None,
            issuer: None,
            fetcher: Fetcher::new(),
        }
    }

    /// Requires `aud` (a string or an array) to hold this audience.
    #[must_use]
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Requires `iss` to equal this issuer.
    #[must_use]
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    async fn introspect(&self, token: &str) -> Result<AccessToken, VerifyError> {
        let answer: Introspection = self
            .fetcher
            .post_form(&self.endpoint, (&self.client_id, &self.client_secret), &[("token", token)])
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "token introspection failed");
                VerifyError::Unavailable
            })?;
        if !answer.active {
            return Err(VerifyError::invalid("inactive"));
        }
        let claims = answer.claims;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs_f64();
        let exp = claims.get("exp").and_then(Value::as_f64);
        if exp.is_some_and(|exp| exp <= now) {
            return Err(VerifyError::invalid("expired"));
        }
        if let Some(expected) = &self.issuer
            && claims.get("iss").and_then(Value::as_str) != Some(expected.as_str())
        {
            return Err(VerifyError::invalid("wrong issuer"));
        }
        if let Some(expected) = &self.audience {
            let holds = match claims.get("aud") {
                Some(Value::String(a)) => a == expected,
                Some(Value::Array(a)) => a.iter().any(|v| v.as_str() == Some(expected)),
                _ => false,
            };
            if !holds {
                return Err(VerifyError::invalid("wrong audience"));
            }
        }
        let subject = claims
            .get("sub")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| VerifyError::invalid("sub missing"))?
            .to_owned();
        Ok(AccessToken {
            subject,
            client_id: claims.get("client_id").and_then(Value::as_str).map(str::to_owned),
            scopes: scopes_from_claims(&claims, &["scope".to_owned()]),
            expires_at: exp.map(|e| UNIX_EPOCH + Duration::from_secs_f64(e.max(0.0))),
            claims,
        })
    }
}

impl TokenVerifier for IntrospectionVerifier {
    fn verify<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<AccessToken, VerifyError>> {
        Box::pin(self.introspect(token))
    }

    fn issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }
}

/// Accepts a fixed set of tokens, each standing for a given user. **For tests and local
/// experiments only**: the tokens never expire and are compared as plain strings.
#[derive(Clone, Debug, Default)]
pub struct InsecureStaticTokenVerifier {
    tokens: Vec<(String, AccessToken)>,
}

impl InsecureStaticTokenVerifier {
    /// No tokens yet.
    pub fn new() -> Self {
        tracing::warn!("InsecureStaticTokenVerifier is in use: fixed bearer tokens, for tests only");
        Self::default()
    }

    /// Accepts `token` as `user`.
    #[must_use]
    pub fn token(mut self, token: impl Into<String>, user: AccessToken) -> Self {
        self.tokens.push((token.into(), user));
        self
    }
}

impl TokenVerifier for InsecureStaticTokenVerifier {
    fn verify<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<AccessToken, VerifyError>> {
        let found = self.tokens.iter().find(|(t, _)| t == token).map(|(_, user)| user.clone());
        Box::pin(async move { found.ok_or_else(|| VerifyError::invalid("unknown static token")) })
    }
}
