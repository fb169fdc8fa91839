//! A minimal OAuth issuer for the auth benchmark: an RSA key generated at start-up, its
//! discovery document and JWKS served on loopback, and RS256 access tokens signed with it.
//!
//! It exists so `bench-auth-server` can verify real signed tokens through the same discovery
//! and JWKS path a deployment uses, without any network access beyond 127.0.0.1.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, anyhow};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256, RsaKeyPair};
use axum::Router;
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// The `kid` of the one signing key.
pub const KEY_ID: &str = "bench-key-1";

/// What an access token says: whose it is, for which resource, with which scopes.
#[derive(Debug, Clone)]
pub struct Grant<'a> {
    /// The issuer URL (`iss`), exactly as the server is configured with it.
    pub issuer: &'a str,
    /// The audience (`aud`): the resource server URL.
    pub audience: &'a str,
    /// The user (`sub`).
    pub subject: &'a str,
    /// Space-separated scopes (`scope`).
    pub scope: &'a str,
    /// How long the token is valid from now (`exp`).
    pub lifetime: Duration,
}

/// An RSA signing key and the documents that publish it.
#[derive(Debug)]
pub struct Issuer {
    key: RsaKeyPair,
}

impl Issuer {
    /// Generates a fresh 2048-bit RSA key.
    pub fn generate() -> Result<Self> {
        let key = RsaKeyPair::generate(KeySize::Rsa2048).map_err(|_| anyhow!("generating an RSA key failed"))?;
        Ok(Self { key })
    }

    /// The JWKS holding the public key (`n` and `e` base64url without padding).
    pub fn jwks(&self) -> Value {
        let public = self.key.public_key();
        let n = URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero());
        let e = URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero());
        json!({ "keys": [{ "kty": "RSA", "kid": KEY_ID, "alg": "RS256", "use": "sig", "n": n, "e": e }] })
    }

    /// A compact RS256 JWS access token for `grant`, with `kid` in its header.
    pub fn mint(&self, grant: &Grant<'_>) -> Result<String> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).context("the clock is before 1970")?.as_secs();
        let header = json!({ "alg": "RS256", "typ": "JWT", "kid": KEY_ID });
        let claims = json!({
            "iss": grant.issuer,
            "sub": grant.subject,
            "aud": grant.audience,
            "iat": now,
            "exp": now + grant.lifetime.as_secs(),
            "scope": grant.scope,
        });
        let signing_input =
            format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
        let mut signature = vec![0; self.key.public_modulus_len()];
        self.key
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), signing_input.as_bytes(), &mut signature)
            .map_err(|_| anyhow!("signing the token failed"))?;
        Ok(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }

    /// Serves `/.well-known/openid-configuration` and `/jwks` on `listener` in a background
    /// task; returns the issuer URL (`http://<addr>`, no trailing slash).
    pub fn serve(&self, listener: TcpListener) -> Result<String> {
        let addr = listener.local_addr().context("reading the issuer's bound address")?;
        let issuer = format!("http://{addr}");
        let metadata = json!({ "issuer": issuer, "jwks_uri": format!("{issuer}/jwks") });
        let jwks = self.jwks();
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(move || async move { axum::Json(metadata) }))
            .route("/jwks", get(move || async move { axum::Json(jwks) }));
        tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, app).await {
                eprintln!("the issuer stopped serving: {err}");
            }
        });
        Ok(issuer)
    }
}

#[cfg(test)]
mod tests {
    use fastapps_core::auth::{JwtVerifier, TokenVerifier as _};

    use super::*;

    #[tokio::test]
    async fn tokens_verify_through_discovery_and_jwks() -> Result<()> {
        let issuer = Issuer::generate()?;
        let url = issuer.serve(TcpListener::bind("127.0.0.1:0").await?)?;
        let audience = "http://127.0.0.1:9/mcp";
        let grant =
            Grant { issuer: &url, audience, subject: "bench-user", scope: "bench", lifetime: Duration::from_secs(60) };
        let token = issuer.mint(&grant)?;

        let verifier = JwtVerifier::new(url.clone()).audience(audience);
        verifier.prepare().await.map_err(|e| anyhow!(e))?;
        let user = verifier.verify(&token).await?;
        assert_eq!(user.subject, "bench-user");
        assert_eq!(user.scopes, ["bench"]);

        let wrong_audience = JwtVerifier::new(url).audience("http://127.0.0.1:9/other");
        assert!(wrong_audience.verify(&token).await.is_err());
        let mut forged = token.into_bytes();
        let last = forged.len() - 2;
        forged[last] = if forged[last] == b'A' { b'B' } else { b'A' };
        assert!(verifier.verify(&String::from_utf8(forged)?).await.is_err());
        Ok(())
    }
}
