//! [`ServerBuilder`]: everything about a server that is decided before it starts.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;

use super::app::WidgetMcpServer;
use super::extension::{ExtensionContext, ServerExtension};
use super::listen::Listeners;
use super::origin::OriginPolicy;
use super::request_state::StateKey;
use super::session::SessionStore;
use super::state::{ServerState, TransportConfig};
use crate::auth::Auth;
use crate::context::{AppState, MCP_APPS_EXTENSION};
use crate::error::BuildError;
use crate::protocol::modern::{CacheHints, CacheScope};
use crate::protocol::{Enabled, Implementation, ListChanged, ResourcesCapability, ServerCapabilities};
use crate::registry::{Csp, Entries, PromptDef, Registry, ResourceDef, ResourceTemplateDef, ToolDef, registered_tools};
use crate::widget::{ProjectConfig, WidgetSettings, add_widget_resources};

/// Builds a [`WidgetMcpServer`]. Start with [`WidgetMcpServer::builder`].
///
/// Every setting has a safe default: sessions on, loopback `Host`/`Origin` only, a 4 MiB body
/// limit, idle sessions ended after 30 minutes.
#[derive(Debug)]
#[must_use = "a builder does nothing until it is built or served"]
pub struct ServerBuilder {
    info: Implementation,
    instructions: Option<String>,
    entries: Entries,
    stateless: bool,
    path: String,
    public_url: Option<String>,
    allowed_origins: Vec<String>,
    allowed_hosts: Vec<String>,
    max_body_bytes: usize,
    session_ttl: Duration,
    max_sessions: usize,
    page_size: usize,
    request_timeout: Duration,
    macro_tools: bool,
    scopes_supported: Option<Vec<String>>,
    project: ProjectConfig,
    widget_csp: Csp,
    widget_html: HashMap<String, Arc<str>>,
    mcp_apps_for_all: bool,
    assets_dir: Option<PathBuf>,
    dev_preview: bool,
    auth: Option<Auth>,
    extensions: Vec<Box<dyn ServerExtension>>,
    app_state: AppState,
    require_request_headers: bool,
    cache_ttl: Duration,
    cache_scope: Option<CacheScope>,
    request_state_secret: Option<Vec<u8>>,
    request_state_ttl: Duration,
    keep_alive: Duration,
    /// The URL of the address the server is bound to, when it is served by the builder.
    pub(super) bound_url: Option<String>,
}

impl WidgetMcpServer {
    /// Starts building a server named `name` (its `serverInfo.name`).
    pub fn builder(name: impl Into<String>) -> ServerBuilder {
        ServerBuilder::new(name)
    }
}

impl ServerBuilder {
    fn new(name: impl Into<String>) -> Self {
        Self {
            info: Implementation::new(name, "0.0.0"),
            instructions: None,
            entries: Entries::default(),
            stateless: false,
            path: "/mcp".into(),
            public_url: None,
            allowed_origins: Vec::new(),
            allowed_hosts: Vec::new(),
            max_body_bytes: 4 * 1024 * 1024,
            session_ttl: Duration::from_secs(30 * 60),
            max_sessions: 10_000,
            page_size: 100,
            request_timeout: Duration::from_secs(60),
            macro_tools: true,
            scopes_supported: None,
            project: ProjectConfig::default(),
            widget_csp: Csp::default(),
            widget_html: HashMap::new(),
            mcp_apps_for_all: false,
            assets_dir: None,
            dev_preview: false,
            auth: None,
            extensions: Vec::new(),
            app_state: AppState::default(),
            require_request_headers: false,
            cache_ttl: Duration::ZERO,
            cache_scope: None,
            request_state_secret: None,
            request_state_ttl: Duration::from_secs(10 * 60),
            keep_alive: Duration::from_secs(15),
            bound_url: None,
        }
    }

    /// The application's version (`serverInfo.version`), e.g. `env!("CARGO_PKG_VERSION")`.
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.info.version = version.into();
        self
    }

    /// A display name (`serverInfo.title`).
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.info.title = Some(title.into());
        self
    }

    /// Guidance for the model on how to use the server (`instructions`).
    pub fn instructions(mut self, instructions: impl Into<String>) -> Self {
        self.instructions = Some(instructions.into());
        self
    }

    /// Adds a tool.
    pub fn tool(mut self, tool: ToolDef) -> Self {
        self.entries.tools.push(tool);
        self
    }

    /// Whether the tools declared with `#[tool]` and `#[widget]` anywhere in the program are
    /// served (default `true`); they come first in `tools/list`, sorted by name.
    pub fn macro_tools(mut self, include: bool) -> Self {
        self.macro_tools = include;
        self
    }

    /// The scopes the server's authorization server grants. Once set, a tool requiring any
    /// other scope is a start-up error (a typo in `#[auth_required(scopes = [...])]` would
    /// otherwise lock everyone out).
    pub fn scopes_supported<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes_supported = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// The project's configuration (`fastapps.toml`): widget CSP domains for every widget and
    /// the public URL, when the builder has none.
    pub fn project_config(mut self, config: ProjectConfig) -> Self {
        self.project = config;
        self
    }

    /// Domains every widget may reach, after each widget's own and the project's.
    pub fn widget_csp(mut self, csp: Csp) -> Self {
        self.widget_csp.merge(&csp);
        self
    }

    /// The HTML of the widget template `template`, instead of its built asset (for HTML made
    /// some other way, and for tests).
    pub fn widget_html(mut self, template: impl Into<String>, html: impl Into<Arc<str>>) -> Self {
        self.widget_html.insert(template.into(), html.into());
        self
    }

    /// Serve widget HTML as `text/html;profile=mcp-app` to every client (default: only to
    /// clients that declare the MCP Apps extension; the others get `text/html+skybridge`).
    pub fn mcp_apps_for_all(mut self, all: bool) -> Self {
        self.mcp_apps_for_all = all;
        self
    }

    /// Gives handlers a value of type `T` (one per type; a later one replaces an earlier one):
    /// a database pool, an API client, settings. Tools read it with `ctx.state::<T>()`.
    pub fn state<T: Send + Sync + 'static>(mut self, value: T) -> Self {
        self.app_state.insert(value);
        self
    }

    /// The path of the MCP endpoint.
    pub fn endpoint_path(&self) -> &str {
        &self.path
    }

    /// Protects the server with OAuth 2.1: tokens are verified on every request, tools'
    /// `#[auth_required]`/`#[optional_auth]` requirements are enforced, and the
    /// protected-resource metadata is published. See [`Auth`].
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = Some(auth);
        self
    }

    /// Serves the files of `dir` under `/assets/` (hosted widget builds load their scripts
    /// and styles from there), cached for a year when their name carries a content hash.
    pub fn serve_assets(mut self, dir: impl Into<PathBuf>) -> Self {
        self.assets_dir = Some(dir.into());
        self
    }

    /// Serves the widget preview page at `/_fastapps/preview` (off by default; `fastapps dev`
    /// turns it on with `FASTAPPS_DEV_PREVIEW=1`): a page that lists the tools, calls one with
    /// arguments from a form, and renders its widget in an emulated ChatGPT or MCP Apps host.
    /// For development: anyone who can reach the server can use it.
    pub fn dev_preview(mut self, on: bool) -> Self {
        self.dev_preview = on;
        self
    }

    /// Adds a resource.
    pub fn resource(mut self, resource: ResourceDef) -> Self {
        self.entries.resources.push(resource);
        self
    }

    /// Adds a resource template.
    pub fn resource_template(mut self, template: ResourceTemplateDef) -> Self {
        self.entries.templates.push(template);
        self
    }

    /// Adds a prompt.
    pub fn prompt(mut self, prompt: PromptDef) -> Self {
        self.entries.prompts.push(prompt);
        self
    }

    /// Stateless mode: no `Mcp-Session-Id`, every request stands alone, no GET stream. Suits
    /// servers behind a load balancer; server-to-client requests still work on the POST's
    /// stream.
    pub fn stateless(mut self, stateless: bool) -> Self {
        self.stateless = stateless;
        self
    }

    /// 2026-07-28 requests must carry every request header the spec requires:
    /// `MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name` (for `tools/call`, `resources/read`,
    /// `prompts/get`) and the `Mcp-Param-*` of a tool's `x-mcp-header` arguments; a request
    /// missing one gets 400 and `-32020`. Off by default: a missing header is then taken from
    /// the body, as some clients (ChatGPT among them) send the `_meta` but not the headers. A
    /// header that contradicts the body is refused either way.
    pub fn require_request_headers(mut self, require: bool) -> Self {
        self.require_request_headers = require;
        self
    }

    /// 2026-07-28: how long clients may cache `server/discover`, the list results and
    /// `resources/read` results (`ttlMs`; default 0, always re-fetch).
    pub fn cache_ttl(mut self, ttl: Duration) -> Self {
        self.cache_ttl = ttl;
        self
    }

    /// 2026-07-28: who may reuse those cached results (`cacheScope`). Default: `private` when
    /// the server has auth (results may depend on who asks), else `public`.
    pub fn cache_scope(mut self, scope: CacheScope) -> Self {
        self.cache_scope = Some(scope);
        self
    }

    /// 2026-07-28: the secret that seals the `requestState` of multi round-trip requests
    /// (HMAC-SHA256). Give every instance of a deployment the same one (at least 32 random
    /// bytes), so a retry may reach any of them; without it each process uses a random key
    /// and its states verify only there.
    pub fn request_state_secret(mut self, secret: impl Into<Vec<u8>>) -> Self {
        self.request_state_secret = Some(secret.into());
        self
    }

    /// 2026-07-28: how long a client has to answer an `InputRequiredResult` (default 10
    /// minutes); a later retry is refused with `-32602`.
    pub fn request_state_ttl(mut self, ttl: Duration) -> Self {
        self.request_state_ttl = ttl;
        self
    }

    /// How long an event stream (a streaming reply, the GET stream, a `subscriptions/listen`
    /// stream) may stay silent before the server sends a keep-alive comment (default 15 s).
    /// Besides keeping proxies from closing the stream, the write finds out that a client went
    /// away; a 2026-07-28 request whose client closed its stream is then cancelled.
    pub fn keep_alive(mut self, interval: Duration) -> Self {
        self.keep_alive = interval;
        self
    }

    /// The path of the MCP endpoint (default `/mcp`).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// The URL clients reach the server at, e.g. `https://app.example.com` (a tunnel or the
    /// deployment). Its host and origin are allowed.
    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.public_url = Some(url.into());
        self
    }

    /// Origins (`scheme://host[:port]`) allowed to call the endpoint from a browser, besides
    /// loopback and the public URL's. `"*"` allows every origin.
    pub fn allowed_origins<I, S>(mut self, origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allowed_origins.extend(origins.into_iter().map(Into::into));
        self
    }

    /// `Host` headers accepted besides loopback and the public URL's (`host` for any port,
    /// or `host:port`). `"*"` turns the check off, e.g. behind a proxy that checks it already.
    pub fn allowed_hosts<I, S>(mut self, hosts: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allowed_hosts.extend(hosts.into_iter().map(Into::into));
        self
    }

    /// The largest request body accepted; larger ones get 413 (default 4 MiB).
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// How long an idle session lives (default 30 minutes).
    pub fn session_ttl(mut self, ttl: Duration) -> Self {
        self.session_ttl = ttl;
        self
    }

    /// The most sessions open at once; `initialize` beyond it gets 503 (default 10 000). The
    /// same bound applies to open 2026-07-28 `subscriptions/listen` streams.
    pub fn max_sessions(mut self, max: usize) -> Self {
        self.max_sessions = max;
        self
    }

    /// Items per page of `tools/list` and the other lists (default 100).
    pub fn page_size(mut self, size: usize) -> Self {
        self.page_size = size;
        self
    }

    /// How long a tool waits for the client to answer sampling or elicitation (default 60 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// The server's `serverInfo` so far.
    pub(super) fn info(&self) -> &Implementation {
        &self.info
    }

    pub(crate) fn public_url_ref(&self) -> Option<&str> {
        self.public_url.as_deref()
    }

    /// The public URL: the builder's, else the project config's.
    fn effective_public_url(&self) -> Option<&str> {
        self.public_url.as_deref().or(self.project.public_url.as_deref())
    }

    fn origin_policy(&self) -> Result<OriginPolicy, BuildError> {
        let mut policy = OriginPolicy::loopback();
        let invalid = |setting: &'static str| move |reason| BuildError::InvalidSetting { setting, reason };
        if let Some(url) = self.effective_public_url() {
            policy.allow_public_url(url).map_err(invalid("public_url"))?;
        }
        for origin in &self.allowed_origins {
            policy.allow_origin(origin).map_err(invalid("allowed_origins"))?;
        }
        for host in &self.allowed_hosts {
            policy.allow_host(host).map_err(invalid("allowed_hosts"))?;
        }
        Ok(policy)
    }

    /// Adds an extension: a part with routes of its own, a start-up step and perhaps the
    /// issuer of the server's tokens, such as the app's own OAuth authorization server
    /// (`fastapps_oauth::AuthorizationServer`). Settings of the resource side (the resource
    /// URL, required scopes, refusal form) still come from [`auth`](Self::auth), with
    /// [`Auth::local`] when the extension supplies the issuer.
    pub fn extension(mut self, extension: impl ServerExtension) -> Self {
        self.extensions.push(Box::new(extension));
        self
    }

    /// Validates everything and builds the server.
    pub fn build_server(self) -> Result<WidgetMcpServer, BuildError> {
        if !self.path.starts_with('/') {
            return Err(BuildError::InvalidSetting {
                setting: "path",
                reason: format!("{:?} must start with '/'", self.path),
            });
        }
        if self.max_sessions == 0 {
            return Err(BuildError::InvalidSetting { setting: "max_sessions", reason: "must be at least 1".into() });
        }
        let origins = self.origin_policy()?;
        // Widget CSP, in order: each widget's own (added per widget), the project's, the
        // public URL's origin (hosted assets load from there), the builder's.
        let mut global_csp = self.project.csp.clone();
        if let Some(origin) = self.effective_public_url().and_then(crate::net::origin_of) {
            global_csp.merge(&Csp { resource: vec![origin], ..Csp::default() });
        }
        global_csp.merge(&self.widget_csp);
        let widgets =
            Arc::new(WidgetSettings { global_csp, mcp_apps_for_all: self.mcp_apps_for_all, html: self.widget_html });
        let mut entries = self.entries;
        if self.macro_tools {
            let mut tools = registered_tools();
            tools.append(&mut entries.tools);
            entries.tools = tools;
        }
        add_widget_resources(&mut entries, &widgets)?;
        let scopes_supported =
            self.scopes_supported.as_deref().or(self.auth.as_ref().and_then(Auth::explicit_scopes_supported));
        let default_scopes = self.auth.as_ref().map(Auth::default_scopes);
        let registry = Registry::build(entries, self.page_size, default_scopes, scopes_supported)?;
        let fallback_resource = self
            .public_url
            .as_deref()
            .or(self.project.public_url.as_deref())
            .map(|url| format!("{}{}", url.trim_end_matches('/'), self.path));
        let security: Vec<&crate::registry::Security> = registry.tools().map(|t| t.security_requirement()).collect();
        let mut auth = self.auth;
        let bound_resource = self.bound_url.as_ref().map(|url| format!("{url}{}", self.path));
        let mut context = ExtensionContext {
            auth: &mut auth,
            fallback_resource: fallback_resource.as_deref(),
            bound_resource: bound_resource.as_deref(),
            info: &self.info,
            security: &security,
        };
        let extensions = self
            .extensions
            .into_iter()
            .map(|extension| extension.build(&mut context))
            .collect::<Result<Arc<[_]>, _>>()?;
        if let (Some(auth), Some(bound)) = (auth.as_mut(), bound_resource) {
            auth.fall_back_to(bound);
        }
        let auth = match auth {
            Some(auth) => Some(Arc::new(auth.resolve(fallback_resource, &security)?)),
            None => None,
        };
        let protocol_extensions = (!registry.widget_templates().is_empty()).then(|| {
            let mut map = serde_json::Map::new();
            map.insert(MCP_APPS_EXTENSION.into(), serde_json::json!({}));
            map
        });
        let capabilities = ServerCapabilities {
            tools: registry.has_tools().then_some(ListChanged { list_changed: false }),
            resources: registry.has_resources().then_some(ResourcesCapability { subscribe: true, list_changed: false }),
            prompts: registry.has_prompts().then_some(ListChanged { list_changed: false }),
            logging: Some(Enabled {}),
            completions: registry.has_completions().then_some(Enabled {}),
            experimental: None,
            extensions: protocol_extensions,
        };
        if self.keep_alive.is_zero() {
            return Err(BuildError::InvalidSetting {
                setting: "keep_alive",
                reason: "must be longer than zero".into(),
            });
        }
        if self.request_state_secret.as_ref().is_some_and(|s| s.len() < 16) {
            return Err(BuildError::InvalidSetting {
                setting: "request_state_secret",
                reason: "must be at least 16 bytes (32 random bytes recommended)".into(),
            });
        }
        let request_state_key = match &self.request_state_secret {
            Some(secret) => StateKey::from_secret(secret),
            None => StateKey::random(),
        };
        let cache = CacheHints {
            ttl_ms: u64::try_from(self.cache_ttl.as_millis()).unwrap_or(u64::MAX),
            scope: self.cache_scope.unwrap_or(if auth.is_some() { CacheScope::Private } else { CacheScope::Public }),
        };
        let server_info_raw = crate::protocol::jsonrpc::to_raw(&self.info)
            .map_err(|e| BuildError::Serialize("server info", e.message))?;
        let shutdown = tokio_util::sync::CancellationToken::new();
        let state = ServerState {
            registry: Arc::new(registry),
            server_info_raw,
            request_state_key,
            listeners: Arc::new(Listeners::new(
                capabilities.clone(),
                self.info.clone(),
                self.max_sessions,
                self.keep_alive,
                shutdown.clone(),
            )),
            shutdown,
            server_info: self.info,
            capabilities,
            instructions: self.instructions,
            config: TransportConfig {
                stateless: self.stateless,
                max_body_bytes: self.max_body_bytes,
                request_timeout: self.request_timeout,
                require_request_headers: self.require_request_headers,
                cache,
                request_state_ttl: self.request_state_ttl,
                keep_alive: self.keep_alive,
            },
            origins,
            sessions: SessionStore::new(self.session_ttl, self.max_sessions),
            pending: Arc::default(),
            widgets,
            auth,
            app_state: Arc::new(self.app_state),
        };
        Ok(WidgetMcpServer {
            state: Arc::new(state),
            path: self.path.into(),
            assets_dir: self.assets_dir.map(Arc::from),
            dev_preview: self.dev_preview,
            extensions,
        })
    }

    /// Builds the server and returns its axum [`Router`], to serve or nest as any router
    /// ([`build_server`](Self::build_server) returns the server itself).
    pub fn build_router(self) -> Result<Router, BuildError> {
        Ok(self.build_server()?.router())
    }
}
