//! [`ServerState`]: everything a request needs, built once by the builder and shared by every
//! request.

use std::sync::Arc;
use std::time::Duration;

use serde_json::value::RawValue;
use tokio_util::sync::CancellationToken;

use super::listen::Listeners;
use super::origin::OriginPolicy;
use super::request_state::StateKey;
use super::session::SessionStore;
use crate::auth::AuthRuntime;
use crate::context::{AppState, PendingRequests};
use crate::protocol::modern::CacheHints;
use crate::protocol::{Implementation, ServerCapabilities};
use crate::registry::Registry;
use crate::widget::WidgetSettings;

/// Transport settings fixed at build time.
#[derive(Clone, Debug)]
pub(crate) struct TransportConfig {
    pub(crate) stateless: bool,
    pub(crate) max_body_bytes: usize,
    pub(crate) request_timeout: Duration,
    /// 2026-07-28: refuse requests missing `MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name` or
    /// a tool's `Mcp-Param-*` (mismatches are always refused).
    pub(crate) require_request_headers: bool,
    /// 2026-07-28: the caching hints of discovery, list and read results.
    pub(crate) cache: CacheHints,
    /// 2026-07-28: how long a `requestState` stays valid.
    pub(crate) request_state_ttl: Duration,
    /// How long an event stream may stay silent before a keep-alive comment.
    pub(crate) keep_alive: Duration,
}

/// Everything a request needs, shared by all of them.
#[derive(Debug)]
pub(crate) struct ServerState {
    pub(crate) registry: Arc<Registry>,
    pub(crate) server_info: Implementation,
    pub(crate) capabilities: ServerCapabilities,
    pub(crate) instructions: Option<String>,
    pub(crate) config: TransportConfig,
    pub(crate) origins: OriginPolicy,
    pub(crate) sessions: SessionStore,
    pub(crate) pending: Arc<PendingRequests>,
    pub(crate) widgets: Arc<WidgetSettings>,
    pub(crate) auth: Option<Arc<AuthRuntime>>,
    pub(crate) app_state: Arc<AppState>,
    /// `serverInfo`, encoded once for the `_meta` of every 2026-07-28 result.
    pub(crate) server_info_raw: Box<RawValue>,
    /// Seals the `requestState` of multi round-trip requests.
    pub(crate) request_state_key: StateKey,
    /// The open `subscriptions/listen` streams.
    pub(crate) listeners: Arc<Listeners>,
    /// Cancelled when the server shuts down: long-lived streams end.
    pub(crate) shutdown: CancellationToken,
}

#[cfg(feature = "testing")]
impl ServerState {
    /// The same server with `auth` instead of its own, and sessions and streams of its own:
    /// what a test client serves.
    pub(crate) fn with_auth(&self, auth: Option<Arc<AuthRuntime>>) -> Self {
        let shutdown = CancellationToken::new();
        Self {
            registry: self.registry.clone(),
            server_info: self.server_info.clone(),
            capabilities: self.capabilities.clone(),
            instructions: self.instructions.clone(),
            config: self.config.clone(),
            origins: self.origins.clone(),
            sessions: self.sessions.empty_like(),
            pending: Arc::default(),
            widgets: self.widgets.clone(),
            auth,
            app_state: self.app_state.clone(),
            server_info_raw: self.server_info_raw.clone(),
            request_state_key: self.request_state_key.clone(),
            listeners: Arc::new(self.listeners.empty_like(shutdown.clone())),
            shutdown,
        }
    }
}
