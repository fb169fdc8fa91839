//! [`TestIssuer`]: an identity provider for tests that want real JWTs: an RSA key, its
//! discovery document and JWKS served on 127.0.0.1, and tokens signed with it.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::StatusCode;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::auth::Auth;

/// The audience of the tokens unless told another: a [`TestClient`](super::TestClient)'s
/// server at its default path.
const DEFAULT_AUDIENCE: &str = "http://localhost/mcp";
/// How long a token lives.
const LIFETIME_SECS: u64 = 3600;

/// Why a [`TestIssuer`] could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TestIssuerError {
    /// 127.0.0.1 could not be bound.
    #[error("cannot listen on 127.0.0.1: {0}")]
    Bind(#[from] std::io::Error),
    /// The RSA key could not be made.
    #[error("cannot generate an RSA key")]
    Key,
}

/// An OpenID Connect issuer on 127.0.0.1 for tests: its discovery documents
/// (`/.well-known/openid-configuration`, `/.well-known/oauth-authorization-server`) and its
/// JWKS (`/jwks`) served over real HTTP, so a server configured with
/// [`auth`](Self::auth) fetches and verifies exactly as it would against a real provider.
/// Stopped when dropped.
///
/// For tests of what a server does when the provider misbehaves, it can publish other keys
/// ([`set_keys`](Self::set_keys)), be down ([`set_available`](Self::set_available)), name
/// another issuer in its discovery document ([`advertise_issuer`](Self::advertise_issuer)),
/// and tell how often its JWKS was fetched ([`jwks_fetches`](Self::jwks_fetches)).
///
/// ```
/// use fastapps_core::prelude::*;
/// use fastapps_core::serde_json::json;
/// use fastapps_core::testing::{TestClient, TestIssuer};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
/// let issuer = TestIssuer::start().await?;
/// let whoami = ToolDef::new("whoami", |_, ctx| async move { Ok(CallToolResult::text(ctx.user()?.subject())) })
///     .security(Security::required(["read"]));
/// let server = WidgetMcpServer::builder("app").macro_tools(false).tool(whoami).auth(issuer.auth()).build_server()?;
/// let client = TestClient::new(server).bearer(issuer.token("alice", ["read"]));
/// assert_eq!(client.call_tool("whoami", json!({})).await?.content[0].as_text(), Some("alice"));
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct TestIssuer {
    url: String,
    audience: String,
    kid: String,
    key: Arc<KeyPair>,
    jwk: Value,
    served: Arc<Served>,
    task: JoinHandle<()>,
}

/// What the issuer's endpoints answer, changeable while it runs.
#[derive(Debug)]
struct Served {
    url: String,
    /// The `issuer` the discovery document names (default: the URL).
    advertised: Mutex<Option<String>>,
    keys: Mutex<Vec<Value>>,
    up: AtomicBool,
    jwks_fetches: AtomicUsize,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn discovery(State(served): State<Arc<Served>>) -> Response {
    if !served.up.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let issuer = lock(&served.advertised).clone().unwrap_or_else(|| served.url.clone());
    Json(json!({
        "issuer": issuer,
        "jwks_uri": format!("{}/jwks", served.url),
        "id_token_signing_alg_values_supported": ["RS256"],
    }))
    .into_response()
}

async fn jwks(State(served): State<Arc<Served>>) -> Response {
    served.jwks_fetches.fetch_add(1, Ordering::SeqCst);
    if !served.up.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    Json(json!({ "keys": *lock(&served.keys) })).into_response()
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl TestIssuer {
    /// Generates an RSA 2048 key and serves its issuer on a free port of 127.0.0.1; tokens are
    /// for the audience `http://localhost/mcp` (a [`TestClient`](super::TestClient)'s server
    /// at the default path) unless [`for_audience`](Self::for_audience) says otherwise.
    pub async fn start() -> Result<Self, TestIssuerError> {
        let key = KeyPair::generate(KeySize::Rsa2048).map_err(|_| TestIssuerError::Key)?;
        let public = key.public_key();
        let n = URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero());
        let e = URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero());
        let kid = format!("test-{}", &n[..12]);
        let jwk = json!({ "kty": "RSA", "n": n, "e": e, "kid": kid, "alg": "RS256", "use": "sig" });
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let served = Arc::new(Served {
            url: url.clone(),
            advertised: Mutex::new(None),
            keys: Mutex::new(vec![jwk.clone()]),
            up: AtomicBool::new(true),
            jwks_fetches: AtomicUsize::new(0),
        });
        let router = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/.well-known/oauth-authorization-server", get(discovery))
            .route("/jwks", get(jwks))
            .with_state(served.clone());
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, router).await {
                tracing::warn!(error = %e, "the test issuer stopped");
            }
        });
        Ok(Self { url, audience: DEFAULT_AUDIENCE.to_owned(), kid, key: Arc::new(key), jwk, served, task })
    }

    /// Tokens for `audience` (the server's resource URL) from now on.
    #[must_use]
    pub fn for_audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = audience.into();
        self
    }

    /// The issuer, exactly as in the tokens' `iss` (`http://127.0.0.1:<port>`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The audience of [`token`](Self::token)'s tokens.
    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// The public key, as a JWK.
    pub fn jwk(&self) -> &Value {
        &self.jwk
    }

    /// Publishes exactly these JWKs (its own key is [`jwk`](Self::jwk)): to rotate keys, to
    /// add other algorithms' keys, or to withdraw its own.
    pub fn set_keys(&self, keys: Vec<Value>) {
        *lock(&self.served.keys) = keys;
    }

    /// Makes the discovery document and the JWKS answer 503 (`false`), or work again.
    pub fn set_available(&self, available: bool) {
        self.served.up.store(available, Ordering::SeqCst);
    }

    /// Makes the discovery document name `issuer` instead of the issuer's URL.
    pub fn advertise_issuer(&self, issuer: impl Into<String>) {
        *lock(&self.served.advertised) = Some(issuer.into());
    }

    /// How many times the JWKS was requested.
    pub fn jwks_fetches(&self) -> usize {
        self.served.jwks_fetches.load(Ordering::SeqCst)
    }

    /// Auth settings that accept this issuer's tokens for its audience.
    pub fn auth(&self) -> Auth {
        Auth::issuer(self.url.clone()).resource_server_url(self.audience.clone())
    }

    /// An RS256 access token for `subject` with `scopes`, valid for an hour.
    pub fn token<S: AsRef<str>>(&self, subject: &str, scopes: impl IntoIterator<Item = S>) -> String {
        self.token_for(&self.audience, subject, scopes)
    }

    /// As [`token`](Self::token), for another audience (a server whose URL is known only once
    /// it is bound, say).
    pub fn token_for<S: AsRef<str>>(
        &self,
        audience: &str,
        subject: &str,
        scopes: impl IntoIterator<Item = S>,
    ) -> String {
        let scopes: Vec<String> = scopes.into_iter().map(|s| s.as_ref().to_owned()).collect();
        let now = now();
        self.sign(&json!({
            "iss": self.url,
            "sub": subject,
            "aud": audience,
            "scope": scopes.join(" "),
            "client_id": super::credentials::TEST_CLIENT_ID,
            "iat": now,
            "exp": now + LIFETIME_SECS,
        }))
    }

    /// A token of exactly these claims (expired, for another audience, without `sub`, …),
    /// signed with the issuer's key under RS256 with its `kid`.
    pub fn sign(&self, claims: &Value) -> String {
        let header = json!({ "alg": "RS256", "typ": "JWT", "kid": self.kid });
        let input =
            format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
        let mut signature = vec![0; self.key.public_modulus_len()];
        // Signing with a valid key and a system RNG fails only if the system has no RNG.
        self.key
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), input.as_bytes(), &mut signature)
            .expect("RSA signing with a generated key");
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }
}

impl Drop for TestIssuer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
