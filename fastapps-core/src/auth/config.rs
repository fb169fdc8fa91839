//! [`Auth`]: how a server authenticates its callers, from code or from the environment.

use std::sync::Arc;

use jsonwebtoken::Algorithm;

use super::cache::CachedVerifier;
use super::challenge::Challenge;
use super::jwt::JwtVerifier;
use super::key_source::KeySource;
use super::verifier::TokenVerifier;
use crate::env;
use crate::error::{BuildError, EnvError};
use crate::registry::Security;

/// How a tool call refused for want of sign-in or scopes is answered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RefusalMode {
    /// An `isError` result whose `_meta["mcp/www_authenticate"]` holds the challenge: what
    /// ChatGPT acts on to show its account-linking UI.
    ToolResult,
    /// HTTP 401 (no token) or 403 `insufficient_scope` with `WWW-Authenticate`: the MCP
    /// specification's step-up, what the SDK clients act on.
    Http,
    /// The tool-result form for clients that present themselves as ChatGPT (`clientInfo.name`
    /// `openai-mcp`, or `openai/*` keys in the request), HTTP for all others. The client's
    /// self-report chooses only the form of the refusal, never what is allowed.
    #[default]
    Hybrid,
}

fn invalid(reason: impl Into<String>) -> BuildError {
    BuildError::InvalidSetting { setting: "auth", reason: reason.into() }
}

/// A server's authentication: whose tokens it accepts and for which resource.
///
/// ```no_run
/// use fastapps_core::auth::Auth;
/// use fastapps_core::WidgetMcpServer;
///
/// let auth = Auth::issuer("https://tenant.us.auth0.com/")
///     .resource_server_url("https://pizzaz.example.com/mcp")
///     .scopes_supported(["read", "write"]);
/// let server = WidgetMcpServer::builder("pizzaz").auth(auth);
/// ```
#[derive(Clone, Default)]
#[must_use]
pub struct Auth {
    issuer: Option<String>,
    verifier: Option<Arc<dyn TokenVerifier>>,
    resource_server_url: Option<String>,
    default_resource_server_url: Option<String>,
    audiences: Vec<String>,
    jwks_uri: Option<String>,
    algorithms: Option<Vec<Algorithm>>,
    scope_claims: Option<Vec<String>>,
    required_scopes: Vec<String>,
    scopes_supported: Option<Vec<String>>,
    authorization_servers: Option<Vec<String>>,
    refusal: RefusalMode,
    require_everywhere: bool,
    resource_name: Option<String>,
    /// Keys read from this process instead of the issuer's JWKS.
    key_source: Option<Arc<dyn KeySource>>,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("issuer", &self.issuer)
            .field("resource_server_url", &self.resource_server_url)
            .field("required_scopes", &self.required_scopes)
            .field("refusal", &self.refusal)
            .finish_non_exhaustive()
    }
}

/// The required scopes and every scope a tool names, without repeats.
fn named_scopes(required: &[String], tool_security: &[&Security]) -> Vec<String> {
    let mut named = required.to_vec();
    for scope in tool_security.iter().flat_map(|s| s.scopes()) {
        if !named.contains(scope) {
            named.push(scope.clone());
        }
    }
    named
}

impl Auth {
    /// JWT access tokens from `issuer` (written exactly as in the tokens' `iss` and the issuer's
    /// metadata: Auth0's ends with `/`), verified with the keys its metadata names.
    #[doc(alias = "auth_issuer_url")]
    pub fn issuer(issuer: impl Into<String>) -> Self {
        Self { issuer: Some(issuer.into()), ..Self::default() }
    }

    /// The resource side only, for a server whose issuer and keys come from a server extension
    /// (the app's own authorization server of `fastapps-oauth`): the resource URL, required
    /// scopes, refusal form and the like.
    pub fn local() -> Self {
        Self::default()
    }

    /// Tokens checked by your own verifier.
    #[doc(alias = "token_verifier")]
    pub fn verifier(verifier: impl TokenVerifier) -> Self {
        Self { verifier: Some(Arc::new(verifier)), ..Self::default() }
    }

    /// Auth0: issuer `https://<domain>/` (with its trailing slash), RS256, scopes from `scope`
    /// and the RBAC `permissions` claim, client id from `azp`.
    pub fn auth0(domain: &str) -> Self {
        let domain = domain.trim_start_matches("https://").trim_end_matches('/');
        Self::issuer(format!("https://{domain}/"))
    }

    /// Okta (a custom authorization server, e.g. `default`): issuer
    /// `https://<domain>/oauth2/<server>`, keys at `<issuer>/v1/keys`, scopes from `scp`,
    /// client id from `cid`.
    pub fn okta(domain: &str, authorization_server: &str) -> Self {
        let domain = domain.trim_start_matches("https://").trim_end_matches('/');
        let issuer = format!("https://{domain}/oauth2/{authorization_server}");
        Self::issuer(issuer.clone()).jwks_uri(format!("{issuer}/v1/keys"))
    }

    /// Reads the settings from the environment (see [`Auth::from_env_opt`]); an error when
    /// `FASTAPPS_AUTH_ISSUER_URL` is not set.
    pub fn from_env() -> Result<Self, EnvError> {
        Self::from_env_opt()?.ok_or_else(|| {
            EnvError::new(
                "FASTAPPS_AUTH_ISSUER_URL",
                "is not set; set it to the issuer of the access tokens (e.g. https://tenant.us.auth0.com/)",
            )
        })
    }

    /// Reads the settings from the environment, `None` when `FASTAPPS_AUTH_ISSUER_URL` is unset:
    ///
    /// | variable | meaning |
    /// |---|---|
    /// | `FASTAPPS_AUTH_ISSUER_URL` | the tokens' issuer |
    /// | `FASTAPPS_AUTH_RESOURCE_SERVER_URL` | the canonical URL of the MCP endpoint (default: `PUBLIC_URL` + path) |
    /// | `FASTAPPS_AUTH_AUDIENCE` | accepted audiences, space separated (default: the resource URL) |
    /// | `FASTAPPS_AUTH_JWKS_URI` | the keys (default: discovered) |
    /// | `FASTAPPS_AUTH_REQUIRED_SCOPES` | scopes every request needs, space separated |
    /// | `FASTAPPS_AUTH_SCOPES_SUPPORTED` | scopes the server advertises and tools may require |
    pub fn from_env_opt() -> Result<Option<Self>, EnvError> {
        let Some(issuer) = env::var("FASTAPPS_AUTH_ISSUER_URL") else { return Ok(None) };
        let mut auth = Self::issuer(issuer);
        if let Some(url) = env::var("FASTAPPS_AUTH_RESOURCE_SERVER_URL") {
            auth = auth.resource_server_url(url);
        }
        for audience in env::list("FASTAPPS_AUTH_AUDIENCE") {
            auth = auth.audience(audience);
        }
        if let Some(uri) = env::var("FASTAPPS_AUTH_JWKS_URI") {
            auth = auth.jwks_uri(uri);
        }
        if let Some(scopes) = env::var("FASTAPPS_AUTH_REQUIRED_SCOPES") {
            auth = auth.required_scopes(env::words(&scopes));
        }
        if let Some(scopes) = env::var("FASTAPPS_AUTH_SCOPES_SUPPORTED") {
            auth = auth.scopes_supported(env::words(&scopes));
        }
        Ok(Some(auth))
    }

    /// The canonical URL of the MCP endpoint, e.g. `https://pizzaz.example.com/mcp`: the
    /// `resource` of the metadata and the audience tokens must carry.
    #[doc(alias = "auth_resource_server_url")]
    pub fn resource_server_url(mut self, url: impl Into<String>) -> Self {
        self.resource_server_url = Some(url.into());
        self
    }

    /// The resource URL to use when none is configured and the server has no public URL (e.g.
    /// the address just bound, for local runs).
    pub fn default_resource_server_url(mut self, url: impl Into<String>) -> Self {
        self.default_resource_server_url = Some(url.into());
        self
    }

    /// Adds an accepted token audience (default: the resource URL alone).
    #[doc(alias = "auth_audience")]
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audiences.push(audience.into());
        self
    }

    /// Fetches the issuer's keys from this URL instead of discovering it.
    pub fn jwks_uri(mut self, uri: impl Into<String>) -> Self {
        self.jwks_uri = Some(uri.into());
        self
    }

    /// The accepted JWT algorithms (default `RS256`).
    pub fn algorithms(mut self, algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        self.algorithms = Some(algorithms.into_iter().collect());
        self
    }

    /// The claims scopes are read from (default `scope`, `scp`, `permissions`).
    pub fn scope_claims(mut self, claims: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.scope_claims = Some(claims.into_iter().map(Into::into).collect());
        self
    }

    /// Scopes every authenticated request needs (a token without them gets 403), and the
    /// default requirement of tools that declare none.
    #[doc(alias = "auth_required_scopes")]
    pub fn required_scopes(mut self, scopes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.required_scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// The scopes the authorization server grants for this resource. Advertised in the
    /// metadata; a tool requiring another is a start-up error. Default: every scope the
    /// server and its tools name.
    pub fn scopes_supported(mut self, scopes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.scopes_supported = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// The authorization servers advertised in the metadata (default: the issuer), verbatim.
    pub fn authorization_servers(mut self, servers: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.authorization_servers = Some(servers.into_iter().map(Into::into).collect());
        self
    }

    /// How refused tool calls are answered (default [`RefusalMode::Hybrid`]).
    pub fn refusal(mut self, mode: RefusalMode) -> Self {
        self.refusal = mode;
        self
    }

    /// Requires a valid token on every request, even `initialize` and `tools/list`. (This is
    /// also the case when every tool requires sign-in.)
    pub fn require_everywhere(mut self, required: bool) -> Self {
        self.require_everywhere = required;
        self
    }

    /// A human-readable name of the resource for the metadata.
    pub fn resource_name(mut self, name: impl Into<String>) -> Self {
        self.resource_name = Some(name.into());
        self
    }

    /// Reads the issuer's keys from `keys` (held by this process) instead of fetching its JWKS.
    pub fn key_source(mut self, keys: Arc<dyn KeySource>) -> Self {
        self.key_source = Some(keys);
        self
    }

    /// Whether these settings already name whose tokens to accept.
    pub(crate) fn names_issuer(&self) -> bool {
        self.issuer.is_some() || self.verifier.is_some()
    }

    /// The resource URL these settings resolve to (explicit, then `fallback_resource`, then the
    /// default).
    pub(crate) fn resource_url(&self, fallback_resource: Option<&str>) -> Option<String> {
        self.resource_server_url
            .clone()
            .or_else(|| fallback_resource.map(str::to_owned))
            .or_else(|| self.default_resource_server_url.clone())
    }

    /// The resource URL of last resort (the address the server is bound to), unless a default
    /// is set.
    pub(crate) fn fall_back_to(&mut self, url: String) {
        self.default_resource_server_url.get_or_insert(url);
    }

    /// Tokens from `issuer`, verified with `keys` under `algorithms`.
    pub(crate) fn trust(&mut self, issuer: String, keys: Arc<dyn KeySource>, algorithms: &[Algorithm]) {
        self.issuer = Some(issuer);
        self.key_source = Some(keys);
        self.algorithms = Some(algorithms.to_vec());
    }

    /// The scopes advertised: as set, else the required ones and every scope a tool names.
    pub(crate) fn scopes_for(&self, tool_security: &[&Security]) -> Vec<String> {
        self.scopes_supported.clone().unwrap_or_else(|| named_scopes(&self.required_scopes, tool_security))
    }

    /// The scopes the builder's check of tool scopes should use, when set explicitly.
    pub(crate) fn explicit_scopes_supported(&self) -> Option<&[String]> {
        self.scopes_supported.as_deref()
    }

    /// The default requirement of tools that declare none.
    pub(crate) fn default_scopes(&self) -> &[String] {
        &self.required_scopes
    }

    /// Checks the settings and builds what serving needs. `fallback_resource` is the public
    /// URL plus the endpoint path, when the server has one; it comes before the default.
    pub(crate) fn resolve(
        self,
        fallback_resource: Option<String>,
        tool_security: &[&Security],
    ) -> Result<AuthRuntime, BuildError> {
        // Explicit, then the public URL, then the default (e.g. the address just bound).
        let resource = self.resource_server_url.or(fallback_resource).or(self.default_resource_server_url).ok_or_else(|| {
            invalid(
                "the resource server URL is unknown: set it (FASTAPPS_AUTH_RESOURCE_SERVER_URL, or PUBLIC_URL) to the \
                 URL clients reach the MCP endpoint at, e.g. https://pizzaz.example.com/mcp",
            )
        })?;
        let parsed = reqwest::Url::parse(&resource)
            .map_err(|_| invalid(format!("the resource server URL {resource:?} is not an absolute URL")))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.fragment().is_some() {
            return Err(invalid(format!("the resource server URL {resource:?} must be http(s) without a fragment")));
        }
        let verifier: Arc<dyn TokenVerifier> = match (self.verifier, &self.issuer) {
            (Some(verifier), _) => verifier,
            (None, Some(issuer)) => {
                super::fetch::check_url(issuer).map_err(|e| invalid(format!("the issuer URL: {e}")))?;
                let mut jwt = JwtVerifier::new(issuer.clone());
                let audiences = if self.audiences.is_empty() { vec![resource.clone()] } else { self.audiences.clone() };
                for audience in audiences {
                    jwt = jwt.audience(audience);
                }
                if let Some(uri) = self.jwks_uri {
                    super::fetch::check_url(&uri).map_err(|e| invalid(format!("the JWKS URI: {e}")))?;
                    jwt = jwt.jwks_uri(uri);
                }
                if let Some(keys) = self.key_source {
                    jwt = jwt.key_source(keys);
                }
                if let Some(algorithms) = self.algorithms {
                    jwt = jwt.algorithms(algorithms);
                }
                if let Some(claims) = self.scope_claims {
                    jwt = jwt.scope_claims(claims);
                }
                debug_assert!(jwt.has_audience());
                Arc::new(jwt)
            }
            (None, None) => return Err(invalid("give an issuer (Auth::issuer) or a verifier (Auth::verifier)")),
        };
        let authorization_servers = match self.authorization_servers {
            Some(servers) if !servers.is_empty() => servers,
            _ => match self.issuer.as_deref().or(verifier.issuer()) {
                Some(issuer) => vec![issuer.to_owned()],
                None => {
                    return Err(invalid(
                        "the protected-resource metadata needs an authorization server: set \
                         Auth::authorization_servers for a custom verifier",
                    ));
                }
            },
        };
        let named = named_scopes(&self.required_scopes, tool_security);
        // A request without a token is told the server's scopes, or when it has none, every
        // scope its tools name.
        let challenge_scopes =
            if self.required_scopes.is_empty() { named.clone() } else { self.required_scopes.clone() };
        let scopes_supported = self.scopes_supported.clone().unwrap_or(named);
        let path = parsed.path().trim_end_matches('/');
        let origin = parsed.origin().ascii_serialization();
        let metadata_path = format!("/.well-known/oauth-protected-resource{path}");
        let metadata_url = format!("{origin}{metadata_path}");
        let mut document = serde_json::json!({
            "resource": resource,
            "authorization_servers": authorization_servers,
            "scopes_supported": scopes_supported,
            "bearer_methods_supported": ["header"],
        });
        if let Some(name) = &self.resource_name {
            document["resource_name"] = name.as_str().into();
        }
        let require_token =
            self.require_everywhere || (!tool_security.is_empty() && tool_security.iter().all(|s| s.requires_user()));
        Ok(AuthRuntime {
            verifier: CachedVerifier::new(verifier.clone()),
            prepare: verifier,
            resource,
            metadata_path,
            metadata_url,
            metadata: serde_json::to_vec(&document).unwrap_or_default().into(),
            required_scopes: self.required_scopes,
            challenge_scopes,
            refusal: self.refusal,
            require_token,
        })
    }
}

/// What serving needs of the auth settings, checked and derived once.
#[derive(Debug)]
pub(crate) struct AuthRuntime {
    pub(crate) verifier: CachedVerifier,
    pub(crate) prepare: Arc<dyn TokenVerifier>,
    pub(crate) resource: String,
    /// `/.well-known/oauth-protected-resource<resource path>`
    pub(crate) metadata_path: String,
    pub(crate) metadata_url: String,
    pub(crate) metadata: bytes::Bytes,
    pub(crate) required_scopes: Vec<String>,
    /// The `scope` of the challenge to a request without a token.
    pub(crate) challenge_scopes: Vec<String>,
    pub(crate) refusal: RefusalMode,
    /// No request is served without a valid token.
    pub(crate) require_token: bool,
}

impl std::fmt::Debug for dyn TokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenVerifier").field("issuer", &self.issuer()).finish_non_exhaustive()
    }
}

#[cfg(feature = "testing")]
impl AuthRuntime {
    /// The verifier behind the cache.
    pub(crate) fn verifier(&self) -> &Arc<dyn TokenVerifier> {
        &self.prepare
    }

    /// These settings, verifying with `verifier` (behind a cache of its own).
    pub(crate) fn with_verifier(&self, verifier: Arc<dyn TokenVerifier>) -> Self {
        Self {
            verifier: CachedVerifier::new(verifier.clone()),
            prepare: verifier,
            resource: self.resource.clone(),
            metadata_path: self.metadata_path.clone(),
            metadata_url: self.metadata_url.clone(),
            metadata: self.metadata.clone(),
            required_scopes: self.required_scopes.clone(),
            challenge_scopes: self.challenge_scopes.clone(),
            refusal: self.refusal,
            require_token: self.require_token,
        }
    }
}

impl AuthRuntime {
    /// The challenge for a request without a token: no `error` (RFC 6750 §3.1).
    pub(crate) fn missing_token(&self, scopes: &[String]) -> Challenge {
        Challenge::new().resource_metadata(&self.metadata_url).scope(scopes)
    }

    /// The challenge for an invalid or expired token.
    pub(crate) fn invalid_token(&self) -> Challenge {
        Challenge::new()
            .error("invalid_token")
            .description("The access token is invalid or expired")
            .resource_metadata(&self.metadata_url)
    }

    /// The challenge for a token lacking scopes; `scopes` are all the call needs.
    pub(crate) fn insufficient_scope(&self, scopes: &[String], description: &str) -> Challenge {
        Challenge::new()
            .error("insufficient_scope")
            .scope(scopes)
            .resource_metadata(&self.metadata_url)
            .description(description)
    }

    /// The tool's scopes with the server's required ones, without repeats.
    pub(crate) fn scopes_for(&self, tool_scopes: &[String]) -> Vec<String> {
        let mut all = self.required_scopes.clone();
        for scope in tool_scopes {
            if !all.contains(scope) {
                all.push(scope.clone());
            }
        }
        all
    }
}
