//! [`WidgetMcpServer`]: a built server, its axum router, and the notifications it sends its
//! clients.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::post;
use http::{HeaderName, Method, header};
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};

use super::extension::BuiltExtension;
use super::state::ServerState;
use super::{assets, headers, preview, transport};
use crate::protocol::jsonrpc::encode_notification;
use crate::protocol::{ResourceUpdatedParams, methods};
use crate::registry::Registry;
#[cfg(feature = "testing")]
use crate::{auth::AuthRuntime, error::BuildError, registry::Security};

/// A built MCP server: its registry, settings and sessions, ready to be served or mounted.
///
/// Made by [`WidgetMcpServer::builder`]. Cloning is cheap and every clone is the same server
/// (same sessions), so one clone can serve while another sends notifications.
///
/// ```no_run
/// use fastapps_core::prelude::*;
///
/// # async fn run() -> fastapps_core::Result<()> {
/// let server = WidgetMcpServer::builder("my-app")
///     .version("1.0.0")
///     .tool(ToolDef::new("hello", |_, _| async { Ok(CallToolResult::text("Hello!")) }).description("Say hello"))
///     .build_server()?;
/// // Mount it in a bigger app …
/// let app = axum::Router::new().merge(server.router());
/// // … or serve it on its own.
/// server.serve("127.0.0.1:8000").await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct WidgetMcpServer {
    pub(super) state: Arc<ServerState>,
    pub(super) path: Arc<str>,
    pub(super) assets_dir: Option<Arc<std::path::Path>>,
    pub(super) dev_preview: bool,
    pub(super) extensions: Arc<[Arc<dyn BuiltExtension>]>,
}

impl WidgetMcpServer {
    /// The path of the MCP endpoint (default `/mcp`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What the server offers.
    pub fn registry(&self) -> &Registry {
        &self.state.registry
    }

    /// The axum router: the MCP endpoint (POST, GET, DELETE) with its CORS policy. Nest it,
    /// merge it or add layers as with any router.
    pub fn router(&self) -> Router {
        let origins = self.state.origins.clone();
        let cors = CorsLayer::new()
            .allow_origin(AllowOrigin::predicate(move |origin, _| {
                origin.to_str().is_ok_and(|o| origins.origin_allowed(o))
            }))
            .allow_methods([Method::GET, Method::POST, Method::DELETE])
            // The request headers of both eras, including 2026-07-28's `Mcp-Param-*`, whose
            // names depend on the tools: the browser's list is mirrored (origins are checked).
            .allow_headers(AllowHeaders::mirror_request())
            .expose_headers([
                header::WWW_AUTHENTICATE,
                HeaderName::from_static(headers::MCP_SESSION_ID),
                HeaderName::from_static(headers::MCP_PROTOCOL_VERSION),
            ])
            .max_age(Duration::from_secs(3600));
        let router = Router::new()
            .route(&self.path, post(transport::post).get(transport::get).delete(transport::delete))
            .layer(cors)
            .with_state(self.state.clone());
        let router = match &self.state.auth {
            Some(auth) => router.merge(crate::auth::metadata_router(auth)),
            None => router,
        };
        let router = match &self.assets_dir {
            Some(dir) => router.merge(assets::router(dir)),
            None => router,
        };
        let router = self.extensions.iter().fold(router, |router, extension| router.merge(extension.router()));
        if self.dev_preview { router.merge(preview::router(&self.path)) } else { router }
    }

    /// The path of the widget preview page, when [`ServerBuilder::dev_preview`] turned it on.
    pub fn preview_path(&self) -> Option<&'static str> {
        self.dev_preview.then_some(preview::PREVIEW_PATH)
    }

    /// Tells every client subscribed to `uri` that the resource changed
    /// (`notifications/resources/updated`): legacy sessions that sent `resources/subscribe` on
    /// their GET stream, 2026-07-28 clients on their `subscriptions/listen` streams that list
    /// `uri`. Returns how many streams were told; sessions without an open GET stream miss the
    /// notification.
    pub fn notify_resource_updated(&self, uri: &str) -> usize {
        let message = bytes::Bytes::from(encode_notification(
            methods::NOTIFICATION_RESOURCE_UPDATED,
            &ResourceUpdatedParams { uri: uri.to_owned(), meta: None },
        ));
        let sessions = self
            .state
            .sessions
            .all()
            .iter()
            .filter(|s| s.is_subscribed(uri))
            .filter(|s| s.send_standalone(message.clone()))
            .count();
        sessions + self.state.listeners.resource_updated(uri)
    }

    /// The number of open 2026-07-28 `subscriptions/listen` streams.
    pub fn subscription_count(&self) -> usize {
        self.state.listeners.len()
    }

    /// The number of live sessions (always 0 in stateless mode).
    pub fn session_count(&self) -> usize {
        self.state.sessions.len()
    }

    /// The same server (registry, settings, state) with `make`'s auth in place of its own,
    /// and sessions of its own. `make` gets the server's auth, if any, and the security
    /// requirements of its tools.
    #[cfg(feature = "testing")]
    pub(crate) fn with_auth(
        &self,
        make: impl FnOnce(Option<&AuthRuntime>, &[&Security]) -> Result<AuthRuntime, BuildError>,
    ) -> Result<Self, BuildError> {
        let security: Vec<&Security> = self.state.registry.tools().map(|t| t.security_requirement()).collect();
        let auth = make(self.state.auth.as_deref(), &security)?;
        Ok(Self {
            state: Arc::new(self.state.with_auth(Some(Arc::new(auth)))),
            path: self.path.clone(),
            assets_dir: self.assets_dir.clone(),
            dev_preview: self.dev_preview,
            extensions: self.extensions.clone(),
        })
    }
}
