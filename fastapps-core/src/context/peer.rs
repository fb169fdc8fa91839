//! The way back to the client: what is known about it, the stream of the request being
//! answered, and the table of server-to-client requests awaiting a reply.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use serde_json::value::RawValue;
use tokio::sync::{mpsc, oneshot};

use crate::protocol::{
    ClientCapabilities, ErrorObject, Implementation, LoggingLevel, Meta, ProtocolVersion, RequestId,
};

/// The MCP Apps extension id, declared in client capabilities by hosts that render
/// `text/html;profile=mcp-app` widgets.
pub const MCP_APPS_EXTENSION: &str = "io.modelcontextprotocol/ui";

/// What the server knows about a client: from `initialize` for a session, from the request
/// alone in stateless mode, or from the request's `_meta` on a 2026-07-28 request. Shared by
/// every request of a session.
#[derive(Debug)]
pub(crate) struct ClientState {
    pub(crate) session_id: Option<Arc<str>>,
    pub(crate) protocol_version: ProtocolVersion,
    pub(crate) info: Option<Implementation>,
    /// `None` when unknown (stateless mode): server-to-client requests are then attempted.
    pub(crate) capabilities: Option<ClientCapabilities>,
    /// The `_meta` of the client's `initialize` (ChatGPT sends its locale there).
    pub(crate) meta: Option<Meta>,
    /// Minimum level of `notifications/message`; [`LOG_LEVEL_UNSET`] sends every level before
    /// 2026-07-28 and none from then on.
    log_level: AtomicU8,
}

const LOG_LEVEL_UNSET: u8 = u8::MAX;

impl ClientState {
    pub(crate) fn new(
        session_id: Option<Arc<str>>,
        protocol_version: ProtocolVersion,
        info: Option<Implementation>,
        capabilities: Option<ClientCapabilities>,
        meta: Option<Meta>,
    ) -> Self {
        Self { session_id, protocol_version, info, capabilities, meta, log_level: AtomicU8::new(LOG_LEVEL_UNSET) }
    }

    /// A 2026-07-28 client, as its request's `_meta` describes it.
    pub(crate) fn per_request(
        protocol_version: ProtocolVersion,
        info: Option<Implementation>,
        capabilities: ClientCapabilities,
        log_level: Option<LoggingLevel>,
    ) -> Self {
        let state = Self::new(None, protocol_version, info, Some(capabilities), None);
        if let Some(level) = log_level {
            state.set_log_level(level);
        }
        state
    }

    /// Whether the client declared the MCP Apps extension.
    pub(crate) fn declares_mcp_apps(&self) -> bool {
        self.capabilities.as_ref().is_some_and(|c| c.extension(MCP_APPS_EXTENSION).is_some())
    }

    pub(crate) fn set_log_level(&self, level: LoggingLevel) {
        self.log_level.store(level.as_u8(), Ordering::Relaxed);
    }

    pub(crate) fn wants_log(&self, level: LoggingLevel) -> bool {
        match LoggingLevel::from_u8(self.log_level.load(Ordering::Relaxed)) {
            Some(min) => level >= min,
            None => self.protocol_version.era() == crate::protocol::Era::Legacy,
        }
    }
}

/// What a client answered to a server-to-client request.
pub(crate) type ClientReply = Result<Box<RawValue>, ErrorObject>;

struct Pending {
    session_id: Option<Arc<str>>,
    reply: oneshot::Sender<ClientReply>,
}

/// Server-to-client requests waiting for the client's reply, keyed by the id we sent.
///
/// Ids are random UUIDs, so a reply can be routed even in stateless mode (where it arrives on
/// a new HTTP request with no session) and cannot be guessed by another client; with sessions,
/// a reply is also only accepted from the session the request was sent to.
#[derive(Default)]
pub(crate) struct PendingRequests {
    map: Mutex<HashMap<Arc<str>, Pending>>,
}

impl std::fmt::Debug for PendingRequests {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let len = self.map.lock().unwrap_or_else(PoisonError::into_inner).len();
        f.debug_struct("PendingRequests").field("len", &len).finish()
    }
}

/// Removes its entry from the table when the waiting side goes away (reply, timeout, drop).
pub(crate) struct PendingGuard<'a> {
    table: &'a PendingRequests,
    id: Arc<str>,
}

impl Drop for PendingGuard<'_> {
    fn drop(&mut self) {
        self.table.lock().remove(&self.id);
    }
}

impl PendingRequests {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Arc<str>, Pending>> {
        // A panic while holding this lock cannot leave the map half-updated (single inserts
        // and removes), so a poisoned lock is still usable.
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn register(
        &self,
        session_id: Option<Arc<str>>,
    ) -> (RequestId, oneshot::Receiver<ClientReply>, PendingGuard<'_>) {
        let id: Arc<str> = uuid::Uuid::new_v4().simple().to_string().into();
        let (reply, rx) = oneshot::channel();
        self.lock().insert(id.clone(), Pending { session_id, reply });
        (RequestId::String(id.clone()), rx, PendingGuard { table: self, id })
    }

    /// Routes a client's reply; `false` when no request with this id awaits one from this
    /// session.
    pub(crate) fn complete(&self, id: &RequestId, session_id: Option<&str>, reply: ClientReply) -> bool {
        let RequestId::String(key) = id else { return false };
        let mut map = self.lock();
        match map.get(key) {
            Some(p) if p.session_id.as_deref() == session_id || p.session_id.is_none() => {}
            _ => return false,
        }
        map.remove(key).is_some_and(|p| p.reply.send(reply).is_ok())
    }
}

/// The connection back to the client for one request.
#[derive(Debug)]
pub(crate) struct Peer {
    pub(crate) client: Arc<ClientState>,
    /// The request's own response stream; `None` when the client accepts only JSON.
    pub(crate) outbound: Option<mpsc::Sender<Bytes>>,
    pub(crate) pending: Arc<PendingRequests>,
    pub(crate) request_timeout: std::time::Duration,
    pub(crate) state: Arc<super::state::AppState>,
}
