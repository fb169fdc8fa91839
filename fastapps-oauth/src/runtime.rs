//! The authorization server at run time: its settings resolved against the server's URL, the
//! sealed store, keys and limits, and the pieces the endpoints share (cookies, error
//! responses, issuing codes and tokens).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::response::{IntoResponse, Redirect, Response};
use fastapps_core::BuildError;
use fastapps_core::net::is_loopback_host;
use fastapps_core::store::{MemoryStore, SealedStore, SealingKey, SealingKeys, Store, StoreError};
use http::header::{CACHE_CONTROL, PRAGMA, SET_COOKIE};
use http::{HeaderMap, HeaderValue, StatusCode};
use tokio::sync::OnceCell;

use crate::cimd::MetadataDocuments;
use crate::clients::ClientRecord;
use crate::clock::unix_now;
use crate::config::{AuthorizationServer, Source};
use crate::crypto::{Signer, digest, random_token};
use crate::dev::DevUsers;
use crate::keys::SigningKeys;
use crate::ratelimit::{Endpoint, Limiter};
use crate::records::{
    CLIENTS, CODES, Code, FAMILIES, Family, Principal, REFRESH_TOKENS, Records, Refresh, SIGNING_KEYS, UPSTREAM_TOKENS,
};
use crate::upstream::UpstreamRuntime;

/// How long an `/authorize` transaction may take, consent and sign-in included.
pub(crate) const TRANSACTION_TTL: Duration = Duration::from_secs(15 * 60);
/// How long an authorization code is good for.
pub(crate) const CODE_TTL: Duration = Duration::from_secs(5 * 60);
/// How long a registered client is kept after its last authorization.
pub(crate) const CLIENT_TTL: Duration = Duration::from_secs(90 * 24 * 3600);

/// Where the users come from, at run time.
#[derive(Debug)]
pub(crate) enum Users {
    Development(DevUsers),
    Proxy(Arc<UpstreamRuntime>),
}

/// Everything the endpoints share.
#[derive(Debug)]
pub(crate) struct OAuthRuntime {
    /// The issuer: the MCP endpoint's origin, no trailing slash.
    pub(crate) issuer: String,
    /// The MCP endpoint's URL: the audience of every token.
    pub(crate) resource: String,
    pub(crate) server_name: String,
    pub(crate) scopes_supported: Vec<String>,
    pub(crate) users: Users,
    pub(crate) records: Records,
    pub(crate) keys: Arc<SigningKeys>,
    pub(crate) limiter: Limiter,
    pub(crate) documents: MetadataDocuments,
    pub(crate) access_token_ttl: Duration,
    pub(crate) refresh_token_ttl: Duration,
    pub(crate) session_ttl: Duration,
    /// Cookies get `Secure` and the `__Host-` prefix (the issuer is https).
    pub(crate) secure_cookies: bool,
    pub(crate) allow_public: bool,
    signer: OnceCell<Signer>,
}

fn invalid(reason: impl Into<String>) -> BuildError {
    BuildError::InvalidSetting { setting: "authorization_server", reason: reason.into() }
}

/// `scheme://host[:port]` of `url`.
fn origin(url: &reqwest::Url) -> String {
    url.origin().ascii_serialization()
}

impl OAuthRuntime {
    /// Resolves the settings for the MCP endpoint at `resource`.
    pub(crate) fn new(
        config: AuthorizationServer,
        resource: &str,
        server_name: &str,
        scopes_supported: Vec<String>,
    ) -> Result<Arc<Self>, BuildError> {
        let url = reqwest::Url::parse(resource)
            .map_err(|_| invalid(format!("the resource URL {resource:?} is not an absolute URL")))?;
        let issuer = origin(&url);
        let loopback = url.host_str().is_some_and(is_loopback_host);
        if matches!(config.source, Source::Development(_)) && !loopback && !config.allow_public {
            return Err(invalid(format!(
                "the development authorization server signs users in with test accounts and runs only on loopback, \
                 but the server's URL is {resource}; use AuthorizationServer::proxy (or an external issuer) in \
                 production, or allow_public(true) (FASTAPPS_OAUTH_DEV_ALLOW_PUBLIC=true) for a shared test setup"
            )));
        }
        if url.scheme() != "https" && !loopback {
            return Err(invalid(format!("an authorization server on {issuer} must use https")));
        }
        let persistent = config.store.is_some();
        let sealing = match config.sealing {
            Some(keys) => keys,
            None if !persistent => SealingKeys { current: SealingKey::generate(), previous: Vec::new() },
            None => {
                return Err(invalid(
                    "a persistent or shared store needs sealing keys (FASTAPPS_OAUTH_SEALING_KEY), or what it holds \
                     could not be read after a restart",
                ));
            }
        };
        let inner: Arc<dyn Store> = config.store.unwrap_or_else(|| Arc::new(MemoryStore::new()));
        let store: Arc<dyn Store> = Arc::new(SealedStore::new(inner, sealing));
        let users = match config.source {
            Source::Development(users) => {
                users.check().map_err(|e| invalid(e.to_string()))?;
                Users::Development(users)
            }
            Source::Proxy(upstream) => Users::Proxy(UpstreamRuntime::new(*upstream).map_err(invalid)?),
        };
        let retention = config.access_token_ttl + Duration::from_secs(300);
        let keys = Arc::new(SigningKeys::new(store.clone(), config.signing_key_lifetime, retention));
        let documents = if config.loopback_client_documents {
            MetadataDocuments::new().allow_loopback_for_tests()
        } else {
            MetadataDocuments::new()
        };
        Ok(Arc::new(Self {
            issuer,
            resource: resource.to_owned(),
            server_name: config.name.unwrap_or_else(|| server_name.to_owned()),
            scopes_supported,
            users,
            records: Records::new(store),
            keys,
            limiter: Limiter::new(config.rate_limits),
            documents,
            access_token_ttl: config.access_token_ttl,
            refresh_token_ttl: config.refresh_token_ttl,
            session_ttl: config.session_ttl,
            secure_cookies: url.scheme() == "https",
            allow_public: config.allow_public,
            signer: OnceCell::new(),
        }))
    }

    /// The HMAC key of the cookies: one per store, so every instance sharing it agrees.
    pub(crate) async fn signer(&self) -> Result<&Signer, StoreError> {
        self.signer
            .get_or_try_init(|| async {
                let store = self.records.store();
                let fresh = random_token(32).into_bytes();
                store.put_if_absent(SIGNING_KEYS, "cookie-secret", fresh, None).await?;
                let secret = store
                    .get(SIGNING_KEYS, "cookie-secret")
                    .await?
                    .ok_or_else(|| StoreError::Backend("the cookie secret vanished".into()))?;
                Ok(Signer::new(&secret))
            })
            .await
    }

    pub(crate) fn endpoint(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }

    /// The RFC 8414 metadata.
    pub(crate) fn metadata(&self) -> serde_json::Value {
        serde_json::json!({
            "issuer": self.issuer,
            "authorization_endpoint": self.endpoint("/authorize"),
            "token_endpoint": self.endpoint("/token"),
            "registration_endpoint": self.endpoint("/register"),
            "revocation_endpoint": self.endpoint("/revoke"),
            "jwks_uri": self.endpoint("/jwks"),
            "scopes_supported": self.scopes_supported,
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["none"],
            "revocation_endpoint_auth_methods_supported": ["none"],
            "client_id_metadata_document_supported": true,
            "authorization_response_iss_parameter_supported": true,
        })
    }

    /// The refusal of a request over the rate limit of `endpoint` for its peer.
    pub(crate) fn limit(&self, endpoint: Endpoint, peer: ClientAddress) -> Option<Response> {
        self.limiter.check(endpoint, peer.0).err().map(|retry| {
            let mut response = (StatusCode::TOO_MANY_REQUESTS, "too many requests; try again later").into_response();
            if let Ok(value) = HeaderValue::from_str(&retry.as_secs().max(1).to_string()) {
                response.headers_mut().insert(http::header::RETRY_AFTER, value);
            }
            response
        })
    }

    /// A client by id: registered here, or described by its metadata document.
    pub(crate) async fn client(&self, client_id: &str) -> Result<Option<ClientRecord>, String> {
        if self.documents.names_document(client_id) {
            return self.documents.fetch(client_id).await.map(Some);
        }
        match self.records.get::<ClientRecord>(CLIENTS, client_id).await {
            Ok(found) => Ok(found.map(|(client, _)| client)),
            Err(e) => Err(e.to_string()),
        }
    }

    // ----- cookies ---------------------------------------------------------------------------

    /// A cookie name for `purpose` and transaction `txn` (a browser may run several flows).
    fn cookie_name(&self, purpose: &str, txn: &str) -> String {
        let short: String = digest(txn).chars().take(16).collect();
        if self.secure_cookies {
            format!("__Host-fastapps-{purpose}-{short}")
        } else {
            format!("fastapps-{purpose}-{short}")
        }
    }

    /// `Set-Cookie` for a cookie binding this browser to `txn` for `purpose`.
    pub(crate) async fn bind_cookie(&self, purpose: &str, txn: &str) -> Result<HeaderValue, StoreError> {
        let value = self.signer().await?.sign(purpose, txn);
        let secure = if self.secure_cookies { "; Secure" } else { "" };
        let cookie = format!(
            "{}={value}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{secure}",
            self.cookie_name(purpose, txn),
            TRANSACTION_TTL.as_secs()
        );
        HeaderValue::from_str(&cookie).map_err(|e| StoreError::Backend(e.to_string()))
    }

    /// Whether this browser holds the `purpose` cookie of `txn`.
    pub(crate) async fn has_cookie(&self, headers: &HeaderMap, purpose: &str, txn: &str) -> bool {
        let Ok(signer) = self.signer().await else { return false };
        let name = self.cookie_name(purpose, txn);
        headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .any(|(n, value)| n == name && signer.verify(purpose, txn, value))
    }

    // ----- redirects back to the client ------------------------------------------------------

    /// `redirect_uri` with `params`, `state` and our `iss` (RFC 9207) added to its query.
    pub(crate) fn redirect_to_client(
        &self,
        redirect_uri: &str,
        params: &[(&str, &str)],
        state: Option<&str>,
    ) -> Response {
        let Ok(mut url) = reqwest::Url::parse(redirect_uri) else {
            return super::pages::error(StatusCode::BAD_REQUEST, "the application's redirect URI is not valid");
        };
        {
            let mut query = url.query_pairs_mut();
            for (name, value) in params {
                query.append_pair(name, value);
            }
            if let Some(state) = state {
                query.append_pair("state", state);
            }
            query.append_pair("iss", &self.issuer);
        }
        let mut response = Redirect::to(url.as_str()).into_response();
        response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }

    /// An RFC 6749 §4.1.2.1 error sent back to the client.
    pub(crate) fn redirect_error(
        &self,
        redirect_uri: &str,
        error: &str,
        description: &str,
        state: Option<&str>,
    ) -> Response {
        self.redirect_to_client(redirect_uri, &[("error", error), ("error_description", description)], state)
    }

    // ----- issuing -----------------------------------------------------------------------------

    /// The scopes `principal` may be granted of `requested`.
    pub(crate) fn grantable(&self, principal: &Principal, requested: &[String]) -> Vec<String> {
        requested
            .iter()
            .filter(|s| principal.allowed_scopes.as_ref().is_none_or(|allowed| allowed.contains(s)))
            .cloned()
            .collect()
    }

    /// Issues an authorization code and sends the browser back to the client with it.
    pub(crate) async fn issue_code(
        &self,
        txn: &super::records::Transaction,
        principal: Principal,
        upstream: Option<String>,
    ) -> Result<Response, StoreError> {
        let code = random_token(32);
        let scopes = self.grantable(&principal, &txn.scopes);
        let record = Code {
            client_id: txn.client_id.clone(),
            redirect_uri: txn.redirect_uri.clone(),
            code_challenge: txn.code_challenge.clone(),
            scopes,
            resource: txn.resource.clone(),
            principal,
            upstream,
        };
        self.records.put(CODES, &digest(&code), &record, CODE_TTL).await?;
        Ok(self.redirect_to_client(&txn.redirect_uri, &[("code", &code)], txn.state.as_deref()))
    }

    /// A signed access token for `principal`.
    pub(crate) async fn access_token(
        &self,
        principal: &Principal,
        client_id: &str,
        scopes: &[String],
        resource: &str,
    ) -> Result<String, StoreError> {
        let now = unix_now();
        let mut claims = serde_json::json!({
            "iss": self.issuer,
            "sub": principal.subject,
            "aud": resource,
            "client_id": client_id,
            "scope": scopes.join(" "),
            "iat": now,
            "exp": now + self.access_token_ttl.as_secs(),
            "jti": random_token(16),
            "auth_time": principal.auth_time,
        });
        if let Some(name) = &principal.name {
            claims["name"] = name.as_str().into();
        }
        if let Some(email) = &principal.email {
            claims["email"] = email.as_str().into();
        }
        self.keys.sign(&claims).await
    }

    /// A token response: an access token and the next refresh token of the grant's family.
    pub(crate) async fn token_response(&self, grant: Grant<'_>) -> Result<Response, StoreError> {
        let Grant { family, generation, family_expires_at, client_id, scopes, resource, principal } = grant;
        let access = self.access_token(principal, client_id, scopes, resource).await?;
        let now = unix_now();
        let refresh = random_token(32);
        let ttl = Duration::from_secs(family_expires_at.saturating_sub(now)).min(self.refresh_token_ttl);
        let record = Refresh {
            family: family.to_owned(),
            generation,
            client_id: client_id.to_owned(),
            scopes: scopes.to_vec(),
            resource: resource.to_owned(),
            principal: principal.clone(),
            used: false,
            family_expires_at,
        };
        self.records.put(REFRESH_TOKENS, &digest(&refresh), &record, ttl).await?;
        let body = serde_json::json!({
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.access_token_ttl.as_secs(),
            "refresh_token": refresh,
            "scope": scopes.join(" "),
        });
        Ok(no_store((StatusCode::OK, axum::Json(body)).into_response()))
    }

    /// Starts a refresh family for a redeemed code.
    pub(crate) async fn new_family(&self, code: &Code) -> Result<(String, u64), StoreError> {
        let family = random_token(24);
        let record = Family {
            client_id: code.client_id.clone(),
            subject: code.principal.subject.clone(),
            revoked: false,
            upstream: code.upstream.clone(),
        };
        self.records.put(FAMILIES, &family, &record, self.session_ttl).await?;
        Ok((family, unix_now() + self.session_ttl.as_secs()))
    }

    /// Ends a family: none of its refresh tokens works any more, and the upstream tokens go.
    pub(crate) async fn revoke_family(&self, family: &str) -> Result<(), StoreError> {
        if let Some((mut record, old)) = self.records.get::<Family>(FAMILIES, family).await? {
            if let Some(upstream) = record.upstream.take() {
                self.records.delete(UPSTREAM_TOKENS, &upstream).await?;
            }
            record.revoked = true;
            // A lost race means someone else changed it; revoked either way after a retry.
            if !self.records.swap(FAMILIES, family, &old, &record, self.session_ttl).await? {
                self.records.put(FAMILIES, family, &record, self.session_ttl).await?;
            }
            tracing::warn!(family = %family, "refresh token family revoked");
        }
        Ok(())
    }
}

/// The address of the request's peer, when the server was served with connection info (it
/// is, whenever it has an authorization server).
#[derive(Clone, Copy, Debug)]
pub(crate) struct ClientAddress(pub(crate) Option<IpAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut http::request::Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip())))
    }
}

/// What a token response grants: the refresh family and its generation, and the tokens' content.
pub(crate) struct Grant<'a> {
    pub(crate) family: &'a str,
    pub(crate) generation: u32,
    pub(crate) family_expires_at: u64,
    pub(crate) client_id: &'a str,
    pub(crate) scopes: &'a [String],
    pub(crate) resource: &'a str,
    pub(crate) principal: &'a Principal,
}

/// `Cache-Control: no-store` and `Pragma: no-cache`, as token responses need (RFC 6749 §5.1).
pub(crate) fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// An RFC 6749 §5.2 error response.
pub(crate) fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let body = serde_json::json!({ "error": error, "error_description": description });
    let mut response = no_store((status, axum::Json(body)).into_response());
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(http::header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic"));
    }
    response
}

/// A storage failure, logged, answered without details.
pub(crate) fn store_failure(e: &StoreError) -> Response {
    tracing::error!(error = %e, "authorization server storage failed");
    oauth_error(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable", "storage is unavailable; try again")
}

/// Adds a `Set-Cookie` header.
pub(crate) fn with_cookie(mut response: Response, cookie: HeaderValue) -> Response {
    response.headers_mut().append(SET_COOKIE, cookie);
    response
}
