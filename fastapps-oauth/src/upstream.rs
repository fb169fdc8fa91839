//! The upstream identity provider of the OAuth proxy: a pre-registered confidential client at
//! an OIDC provider (Auth0, Google, Okta, Entra ID, any other) or at GitHub. The proxy sends
//! the user there with its own PKCE, takes the code back at `/auth/callback`, exchanges it with
//! the client secret, and learns who signed in from the verified ID token (or, for GitHub, the
//! user API). The upstream tokens never leave the server.

use std::sync::Arc;

use serde::Deserialize;
use tokio::sync::OnceCell;

use super::crypto::digest;
use super::records::Principal;
use fastapps_core::EnvError;
use fastapps_core::auth::{Fetcher, JwtVerifier, TokenVerifier as _, check_url, scopes_from_claims};
use fastapps_core::env::var;

/// How the proxy learns who signed in.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Identity {
    /// From the OIDC ID token of the token response, verified with the provider's keys.
    IdToken,
    /// From a user-info API called with the upstream access token; `subject` names the field
    /// holding the stable user id.
    UserInfo { url: String, subject: String },
}

/// Who signed in upstream, as a [`Upstream::scope_policy`] sees them.
#[derive(Debug)]
#[non_exhaustive]
pub struct UpstreamUser<'a> {
    /// The stable user id: the ID token's `sub` (GitHub: the user's numeric id).
    pub subject: &'a str,
    /// Every claim of the verified ID token (GitHub: the user API's document).
    pub claims: &'a serde_json::Map<String, serde_json::Value>,
}

/// What [`Upstream::scope_policy`] keeps.
type ScopePolicy = Arc<dyn Fn(&UpstreamUser<'_>) -> Option<Vec<String>> + Send + Sync>;

/// The upstream provider of [`AuthorizationServer::proxy`](crate::AuthorizationServer::proxy).
#[derive(Clone)]
pub struct Upstream {
    name: String,
    issuer: Option<String>,
    authorization_endpoint: Option<String>,
    token_endpoint: Option<String>,
    client_id: String,
    client_secret: String,
    scopes: Vec<String>,
    authorize_params: Vec<(String, String)>,
    token_params: Vec<(String, String)>,
    identity: Identity,
    scope_policy: Option<ScopePolicy>,
}

impl std::fmt::Debug for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upstream")
            .field("name", &self.name)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl Upstream {
    /// Any OpenID Connect provider: endpoints from `{issuer}/.well-known/openid-configuration`,
    /// the user from the ID token. `issuer` exactly as the provider writes it.
    pub fn oidc(issuer: impl Into<String>, client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            name: "your identity provider".into(),
            issuer: Some(issuer.into()),
            authorization_endpoint: None,
            token_endpoint: None,
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            scopes: vec!["openid".into(), "profile".into(), "email".into()],
            authorize_params: Vec::new(),
            token_params: Vec::new(),
            identity: Identity::IdToken,
            scope_policy: None,
        }
    }

    /// Auth0 (`domain` like `tenant.us.auth0.com`; issuer with Auth0's trailing slash). With an
    /// `audience` (an API identifier) it is sent on the authorization and token requests, as
    /// Auth0 wants.
    pub fn auth0(
        domain: &str,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        audience: Option<&str>,
    ) -> Self {
        let domain = domain.trim_start_matches("https://").trim_end_matches('/');
        let mut upstream = Self::oidc(format!("https://{domain}/"), client_id, client_secret).named("Auth0");
        if let Some(audience) = audience {
            upstream = upstream.authorize_param("audience", audience).token_param("audience", audience);
        }
        upstream
    }

    /// Google accounts.
    pub fn google(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self::oidc("https://accounts.google.com", client_id, client_secret).named("Google")
    }

    /// An Okta authorization server (`default`, or a custom one's id).
    pub fn okta(
        domain: &str,
        authorization_server: &str,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        let domain = domain.trim_start_matches("https://").trim_end_matches('/');
        Self::oidc(format!("https://{domain}/oauth2/{authorization_server}"), client_id, client_secret).named("Okta")
    }

    /// Microsoft Entra ID (Azure AD) for one tenant (its id or domain).
    pub fn azure(tenant: &str, client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self::oidc(format!("https://login.microsoftonline.com/{tenant}/v2.0"), client_id, client_secret)
            .named("Microsoft")
    }

    /// A GitHub OAuth app (not OIDC): the user is the `id` of `https://api.github.com/user`.
    pub fn github(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            name: "GitHub".into(),
            issuer: None,
            authorization_endpoint: Some("https://github.com/login/oauth/authorize".into()),
            token_endpoint: Some("https://github.com/login/oauth/access_token".into()),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            scopes: vec!["read:user".into()],
            authorize_params: Vec::new(),
            token_params: Vec::new(),
            identity: Identity::UserInfo { url: "https://api.github.com/user".into(), subject: "id".into() },
            scope_policy: None,
        }
    }

    /// The provider's name, as the consent page shows it.
    #[must_use]
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The scopes asked of the provider (default `openid profile email`).
    #[must_use]
    pub fn scopes(mut self, scopes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// An extra parameter of the upstream authorization request.
    #[must_use]
    pub fn authorize_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.authorize_params.push((name.into(), value.into()));
        self
    }

    /// An extra parameter of the upstream token request.
    #[must_use]
    pub fn token_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.token_params.push((name.into(), value.into()));
        self
    }

    /// Which scopes each user may be granted at most, decided from who they are upstream: `None`
    /// from `policy` lets the user be granted any scope the server offers. Without a policy
    /// every user who signs in upstream may be granted every scope they approve, so an app
    /// that lets anyone with an account at the provider sign in but only some of them write
    /// says so here (or with [`scopes_from_claim`](Self::scopes_from_claim)).
    ///
    /// ```
    /// use fastapps_oauth::Upstream;
    ///
    /// let upstream = Upstream::google("id", "secret").scope_policy(|user| {
    ///     let staff = user.claims.get("hd").and_then(|d| d.as_str()) == Some("example.com");
    ///     (!staff).then(|| vec!["read:notes".to_owned()])
    /// });
    /// ```
    #[must_use]
    pub fn scope_policy(
        mut self,
        policy: impl Fn(&UpstreamUser<'_>) -> Option<Vec<String>> + Send + Sync + 'static,
    ) -> Self {
        self.scope_policy = Some(Arc::new(policy));
        self
    }

    /// A [`scope_policy`](Self::scope_policy) that reads the scopes a user may be granted from
    /// a claim of theirs upstream (an array of strings or a space-separated string), such as
    /// the `roles` of Entra ID app roles or a `permissions` claim an Auth0 Action adds. A user
    /// without the claim may be granted no scope.
    #[must_use]
    pub fn scopes_from_claim(self, claim: impl Into<String>) -> Self {
        let claim = [claim.into()];
        self.scope_policy(move |user| Some(scopes_from_claims(user.claims, &claim)))
    }

    /// The provider from the environment, `None` when nothing names one:
    ///
    /// | variable | meaning |
    /// |---|---|
    /// | `FASTAPPS_OAUTH_UPSTREAM_ISSUER` | the provider's issuer (OIDC discovery) |
    /// | `FASTAPPS_OAUTH_UPSTREAM_CLIENT_ID`, `FASTAPPS_OAUTH_UPSTREAM_CLIENT_SECRET` | the pre-registered client |
    /// | `FASTAPPS_OAUTH_UPSTREAM_SCOPES` | scopes asked upstream, space separated (default `openid profile email`) |
    /// | `FASTAPPS_OAUTH_UPSTREAM_AUDIENCE` | Auth0's `audience` |
    /// | `FASTAPPS_OAUTH_UPSTREAM_SCOPES_CLAIM` | the user's claim naming the scopes they may be granted ([`scopes_from_claim`](Self::scopes_from_claim)) |
    ///
    /// Auth0's names work too: `AUTH0_DOMAIN`, `AUTH0_CLIENT_ID`, `AUTH0_CLIENT_SECRET`, `AUTH0_AUDIENCE`.
    pub fn from_env() -> Result<Option<Self>, EnvError> {
        let need = |name: &str, because: &str| {
            var(name).ok_or_else(|| EnvError::new(name, format_args!("is not set, and {because} is")))
        };
        let upstream = if let Some(issuer) = var("FASTAPPS_OAUTH_UPSTREAM_ISSUER") {
            const ISSUER: &str = "FASTAPPS_OAUTH_UPSTREAM_ISSUER";
            let mut upstream = Self::oidc(
                issuer,
                need("FASTAPPS_OAUTH_UPSTREAM_CLIENT_ID", ISSUER)?,
                need("FASTAPPS_OAUTH_UPSTREAM_CLIENT_SECRET", ISSUER)?,
            );
            if let Some(audience) = var("FASTAPPS_OAUTH_UPSTREAM_AUDIENCE") {
                upstream = upstream.authorize_param("audience", &audience).token_param("audience", audience);
            }
            upstream
        } else if let Some(domain) = var("AUTH0_DOMAIN") {
            Self::auth0(
                &domain,
                need("AUTH0_CLIENT_ID", "AUTH0_DOMAIN")?,
                need("AUTH0_CLIENT_SECRET", "AUTH0_DOMAIN")?,
                var("AUTH0_AUDIENCE").or_else(|| var("FASTAPPS_OAUTH_UPSTREAM_AUDIENCE")).as_deref(),
            )
        } else {
            return Ok(None);
        };
        let upstream = match var("FASTAPPS_OAUTH_UPSTREAM_SCOPES") {
            Some(scopes) => upstream.scopes(scopes.split_whitespace()),
            None => upstream,
        };
        Ok(Some(match var("FASTAPPS_OAUTH_UPSTREAM_SCOPES_CLAIM") {
            Some(claim) => upstream.scopes_from_claim(claim),
            None => upstream,
        }))
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }
}

#[derive(Clone, Debug, Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    #[serde(default)]
    userinfo_endpoint: Option<String>,
}

#[derive(Clone, Debug)]
struct Endpoints {
    authorization: String,
    token: String,
    userinfo: Option<String>,
}

/// The tokens the provider issued, kept (sealed) by the proxy, never given to clients.
#[derive(Clone, Debug, serde::Serialize, Deserialize)]
pub(crate) struct UpstreamTokens {
    pub(crate) access_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) id_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) expires_in: Option<u64>,
}

/// The provider at run time: its endpoints (discovered once) and the ID token verifier.
#[derive(Debug)]
pub(crate) struct UpstreamRuntime {
    config: Upstream,
    endpoints: OnceCell<Endpoints>,
    id_tokens: Option<JwtVerifier>,
    http: reqwest::Client,
}

impl UpstreamRuntime {
    pub(crate) fn new(config: Upstream) -> Result<Arc<Self>, String> {
        if let Some(issuer) = &config.issuer {
            check_url(issuer).map_err(|e| format!("the upstream issuer: {e}"))?;
        }
        let id_tokens = match (&config.identity, &config.issuer) {
            (Identity::IdToken, Some(issuer)) => {
                Some(JwtVerifier::new(issuer.clone()).audience(config.client_id.clone()))
            }
            (Identity::IdToken, None) => return Err("an OIDC upstream needs an issuer".into()),
            (Identity::UserInfo { .. }, _) => None,
        };
        let http = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(5))
            .timeout(std::time::Duration::from_secs(15))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("fastapps/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build an HTTP client: {e}"))?;
        Ok(Arc::new(Self { config, endpoints: OnceCell::new(), id_tokens, http }))
    }

    pub(crate) fn name(&self) -> &str {
        self.config.name()
    }

    async fn endpoints(&self) -> Result<&Endpoints, String> {
        self.endpoints
            .get_or_try_init(|| async {
                if let (Some(authorization), Some(token)) =
                    (&self.config.authorization_endpoint, &self.config.token_endpoint)
                {
                    return Ok(Endpoints {
                        authorization: authorization.clone(),
                        token: token.clone(),
                        userinfo: None,
                    });
                }
                let issuer = self.config.issuer.as_deref().ok_or("the upstream has neither issuer nor endpoints")?;
                let url = format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/'));
                let fetched = Fetcher::new().get_json::<Discovery>(&url).await.map_err(|e| e.to_string())?.value;
                if fetched.issuer != issuer {
                    return Err(format!(
                        "{url} names the issuer {:?}, not {issuer:?}; the issuer must match exactly",
                        fetched.issuer
                    ));
                }
                for endpoint in [&fetched.authorization_endpoint, &fetched.token_endpoint] {
                    check_url(endpoint).map_err(|e| e.to_string())?;
                }
                let userinfo = fetched.userinfo_endpoint.filter(|u| check_url(u).is_ok());
                Ok(Endpoints { authorization: fetched.authorization_endpoint, token: fetched.token_endpoint, userinfo })
            })
            .await
    }

    /// Discovers the provider and loads its keys: a misconfigured upstream fails at start-up.
    pub(crate) async fn prepare(&self) -> Result<(), String> {
        self.endpoints().await?;
        if let Some(verifier) = &self.id_tokens {
            verifier.prepare().await.map_err(|e| format!("the upstream's keys: {e}"))?;
        }
        Ok(())
    }

    /// Where to send the user: the provider's authorization endpoint with our client, our
    /// callback, our PKCE challenge (from `verifier`), `state` and `nonce`.
    pub(crate) async fn authorize_url(
        &self,
        callback: &str,
        state: &str,
        verifier: &str,
        nonce: &str,
    ) -> Result<String, String> {
        let endpoints = self.endpoints().await?;
        let mut url = reqwest::Url::parse(&endpoints.authorization)
            .map_err(|e| format!("the upstream authorization endpoint: {e}"))?;
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("response_type", "code")
                .append_pair("client_id", &self.config.client_id)
                .append_pair("redirect_uri", callback)
                .append_pair("scope", &self.config.scopes.join(" "))
                .append_pair("state", state)
                .append_pair("code_challenge", &digest(verifier))
                .append_pair("code_challenge_method", "S256");
            if self.id_tokens.is_some() {
                query.append_pair("nonce", nonce);
            }
            for (name, value) in &self.config.authorize_params {
                query.append_pair(name, value);
            }
        }
        Ok(url.into())
    }

    /// Exchanges the upstream code (with the client secret and our PKCE verifier) and finds out
    /// who signed in.
    pub(crate) async fn redeem(
        &self,
        code: &str,
        verifier: &str,
        callback: &str,
        nonce: &str,
    ) -> Result<(UpstreamTokens, Principal), String> {
        let endpoints = self.endpoints().await?;
        let mut form: Vec<(&str, &str)> = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", callback),
            ("code_verifier", verifier),
            ("client_id", &self.config.client_id),
        ];
        form.extend(self.config.token_params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let response = self
            .http
            .post(&endpoints.token)
            .basic_auth(&self.config.client_id, Some(&self.config.client_secret))
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form)
            .send()
            .await
            .map_err(|e| format!("the upstream token request: {e}"))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| format!("the upstream token response: {e}"))?;
        if !status.is_success() {
            // The provider's error code and description help; its body holds no secret of ours.
            let detail: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            return Err(format!(
                "the upstream refused the code (HTTP {status}): {} {}",
                detail["error"].as_str().unwrap_or(""),
                detail["error_description"].as_str().unwrap_or("")
            ));
        }
        let tokens: UpstreamTokens = serde_json::from_slice(&body)
            .map_err(|e| format!("the upstream token response is not as expected: {e}"))?;
        let now = crate::clock::unix_now();
        let principal = match &self.config.identity {
            Identity::IdToken => {
                let verifier = self.id_tokens.as_ref().ok_or("no ID token verifier")?;
                let id_token = tokens
                    .id_token
                    .as_deref()
                    .ok_or("the upstream sent no ID token (is `openid` among the scopes?)")?;
                let verified = verifier.verify(id_token).await.map_err(|e| format!("the upstream ID token: {e}"))?;
                let claims = &verified.claims;
                if claims.get("nonce").and_then(|n| n.as_str()) != Some(nonce) {
                    return Err("the upstream ID token's nonce does not match this sign-in".into());
                }
                let mut principal = Principal {
                    subject: verified.subject().to_owned(),
                    name: claims.get("name").and_then(|v| v.as_str()).map(str::to_owned),
                    email: claims.get("email").and_then(|v| v.as_str()).map(str::to_owned),
                    allowed_scopes: None,
                    auth_time: claims.get("auth_time").and_then(serde_json::Value::as_u64).unwrap_or(now),
                };
                // Some providers keep the profile out of the ID token (it is at the user-info
                // endpoint); it is only a display name and address, so failing to get it is no error.
                if (principal.name.is_none() || principal.email.is_none())
                    && let Some(url) = &endpoints.userinfo
                    && let Ok(user) = self.user_info(url, &tokens.access_token).await
                    && user["sub"].as_str() == Some(principal.subject.as_str())
                {
                    principal.name = principal.name.or_else(|| user["name"].as_str().map(str::to_owned));
                    principal.email = principal.email.or_else(|| user["email"].as_str().map(str::to_owned));
                }
                principal.allowed_scopes = self.allowed_scopes(&principal.subject, claims);
                principal
            }
            Identity::UserInfo { url, subject } => {
                let user = self.user_info(url, &tokens.access_token).await?;
                let id = match &user[subject.as_str()] {
                    serde_json::Value::String(s) if !s.is_empty() => s.clone(),
                    serde_json::Value::Number(n) => n.to_string(),
                    _ => return Err(format!("the upstream user API gave no {subject:?}")),
                };
                let allowed_scopes = self.allowed_scopes(&id, user.as_object().unwrap_or(&serde_json::Map::new()));
                Principal {
                    name: user["name"].as_str().or(user["login"].as_str()).map(str::to_owned),
                    email: user["email"].as_str().map(str::to_owned),
                    subject: id,
                    allowed_scopes,
                    auth_time: now,
                }
            }
        };
        Ok((tokens, principal))
    }

    /// What the scope policy, if any, allows the user.
    fn allowed_scopes(
        &self,
        subject: &str,
        claims: &serde_json::Map<String, serde_json::Value>,
    ) -> Option<Vec<String>> {
        let policy = self.config.scope_policy.as_ref()?;
        policy(&UpstreamUser { subject, claims })
    }

    /// GETs a user-info document with the upstream access token.
    async fn user_info(&self, url: &str, access_token: &str) -> Result<serde_json::Value, String> {
        self.http
            .get(url)
            .bearer_auth(access_token)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| format!("the upstream user API: {e}"))?
            .json()
            .await
            .map_err(|e| format!("the upstream user API: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, Value, json};

    use super::*;

    fn allowed(upstream: &Upstream, claims: Value) -> Option<Vec<String>> {
        let claims: Map<String, Value> = serde_json::from_value(claims).unwrap();
        let policy = upstream.scope_policy.as_ref()?;
        policy(&UpstreamUser { subject: "u1", claims: &claims })
    }

    #[test]
    fn without_a_policy_every_scope_may_be_granted() {
        assert_eq!(allowed(&Upstream::google("id", "secret"), json!({ "sub": "u1" })), None);
    }

    #[test]
    fn scopes_from_a_claim_as_array_or_string_and_none_without_it() {
        let upstream = Upstream::oidc("https://idp.example", "id", "secret").scopes_from_claim("roles");
        let scopes = |claims| allowed(&upstream, claims).unwrap();
        assert_eq!(scopes(json!({ "roles": ["read", "write", 7] })), ["read", "write"]);
        assert_eq!(scopes(json!({ "roles": "read  write" })), ["read", "write"]);
        assert!(scopes(json!({ "sub": "u1" })).is_empty(), "no claim: no scope");
        assert!(scopes(json!({ "roles": { "read": true } })).is_empty(), "not a list: no scope");
    }

    #[test]
    fn a_policy_sees_the_subject_and_the_claims() {
        let upstream = Upstream::github("id", "secret").scope_policy(|user| {
            (user.subject == "u1" && user.claims["login"] == "octocat").then(|| vec!["admin".to_owned()])
        });
        assert_eq!(allowed(&upstream, json!({ "login": "octocat" })), Some(vec!["admin".to_owned()]));
        assert_eq!(allowed(&upstream, json!({ "login": "someone" })), None);
    }
}
