//! `subscriptions/listen` (2026-07-28): a long-lived event stream of the change notifications
//! a client opted in to, replacing the legacy GET stream and `resources/subscribe`.
//!
//! The stream opens with `notifications/subscriptions/acknowledged` (the honoured part of the
//! filter), then carries `notifications/resources/updated` for the subscribed URIs, each
//! tagged with the subscription's id (the listen request's id), and keep-alive comments. When
//! the server shuts down it ends with the request's result; a client ends it by closing it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use http::StatusCode;
use tokio::sync::mpsc;

use tokio_util::sync::CancellationToken;

use super::headers::Accepts;
use super::reply::{self, HttpError, KEEP_ALIVE_COMMENT};
use crate::protocol::jsonrpc::{self, Request as RpcRequest};
use crate::protocol::modern::{ListenParams, SubscriptionFilter, SubscriptionsAcknowledgedParams, meta_keys};
use crate::protocol::{
    ErrorObject, Implementation, Meta, RequestId, ResourceUpdatedParams, ServerCapabilities, methods,
};

/// How many messages a listen stream buffers before new ones are dropped for it.
const CAPACITY: usize = 64;

struct Listener {
    subscription_id: RequestId,
    filter: SubscriptionFilter,
    tx: mpsc::Sender<Bytes>,
}

/// The open listen streams, and what opening one needs to know of the server.
pub(crate) struct Listeners {
    open: Mutex<HashMap<u64, Listener>>,
    next: AtomicU64,
    capabilities: ServerCapabilities,
    server_info: Implementation,
    /// The most streams open at once.
    max: usize,
    keep_alive: std::time::Duration,
    /// Cancelled when the server shuts down: every stream ends with its result.
    shutdown: CancellationToken,
}

impl std::fmt::Debug for Listeners {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listeners").field("open", &self.len()).finish()
    }
}

impl Listeners {
    pub(crate) fn new(
        capabilities: ServerCapabilities,
        server_info: Implementation,
        max: usize,
        keep_alive: std::time::Duration,
        shutdown: CancellationToken,
    ) -> Self {
        Self { open: Mutex::default(), next: AtomicU64::new(0), capabilities, server_info, max, keep_alive, shutdown }
    }

    /// The same settings, no stream open, ending at `shutdown`.
    #[cfg(feature = "testing")]
    pub(crate) fn empty_like(&self, shutdown: CancellationToken) -> Self {
        Self::new(self.capabilities.clone(), self.server_info.clone(), self.max, self.keep_alive, shutdown)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Listener>> {
        // Single inserts and removes: a panic cannot leave the map half-updated.
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    /// Queues `notifications/resources/updated` on every stream subscribed to `uri`; returns
    /// how many took it (a full stream misses it rather than slowing the sender).
    pub(crate) fn resource_updated(&self, uri: &str) -> usize {
        self.lock()
            .values()
            .filter(|l| l.filter.resource_subscriptions.as_ref().is_some_and(|uris| uris.iter().any(|u| u == uri)))
            .filter(|l| {
                let params =
                    ResourceUpdatedParams { uri: uri.to_owned(), meta: Some(subscription_meta(&l.subscription_id)) };
                let message = jsonrpc::encode_notification(methods::NOTIFICATION_RESOURCE_UPDATED, &params);
                l.tx.try_send(Bytes::from(message)).is_ok()
            })
            .count()
    }
}

fn subscription_meta(id: &RequestId) -> Meta {
    let mut meta = Meta::new();
    meta.insert(meta_keys::SUBSCRIPTION_ID.into(), serde_json::to_value(id).unwrap_or_default());
    meta
}

/// Whether the server has any notification a listen stream could carry.
pub(crate) fn offers_any(caps: &ServerCapabilities) -> bool {
    caps.tools.is_some_and(|t| t.list_changed)
        || caps.prompts.is_some_and(|p| p.list_changed)
        || caps.resources.is_some_and(|r| r.list_changed || r.subscribe)
}

/// The part of a filter the server can honour.
fn honoured(caps: &ServerCapabilities, asked: &SubscriptionFilter) -> SubscriptionFilter {
    let yes = |asked: Option<bool>, offered: bool| (asked == Some(true) && offered).then_some(true);
    SubscriptionFilter {
        tools_list_changed: yes(asked.tools_list_changed, caps.tools.is_some_and(|t| t.list_changed)),
        prompts_list_changed: yes(asked.prompts_list_changed, caps.prompts.is_some_and(|p| p.list_changed)),
        resources_list_changed: yes(asked.resources_list_changed, caps.resources.is_some_and(|r| r.list_changed)),
        resource_subscriptions: asked
            .resource_subscriptions
            .clone()
            .filter(|uris| !uris.is_empty() && caps.resources.is_some_and(|r| r.subscribe)),
    }
}

/// Removes a stream from the open set when it goes away.
struct Registration {
    listeners: Arc<Listeners>,
    key: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.listeners.lock().remove(&self.key);
    }
}

/// Answers `subscriptions/listen` with its stream.
pub(crate) fn open(listeners: &Arc<Listeners>, req: RpcRequest, accepts: Accepts) -> Result<Response, HttpError> {
    let id = req.id;
    let params: ListenParams = jsonrpc::parse_params(req.params.as_deref())
        .map_err(|e| HttpError::rpc(StatusCode::BAD_REQUEST, Some(&id), &e))?;
    if !accepts.sse {
        return Err(HttpError::rpc(
            StatusCode::NOT_ACCEPTABLE,
            Some(&id),
            &ErrorObject::invalid_request(
                "subscriptions/listen answers with an event stream: accept text/event-stream",
            ),
        ));
    }
    let filter = honoured(&listeners.capabilities, &params.notifications);
    let (tx, rx) = mpsc::channel(CAPACITY);
    let key = listeners.next.fetch_add(1, Ordering::Relaxed);
    {
        let mut open = listeners.lock();
        if open.len() >= listeners.max {
            return Err(HttpError::unavailable(
                "Service Unavailable: too many open subscription streams; try again later",
                5,
            ));
        }
        open.insert(key, Listener { subscription_id: id.clone(), filter: filter.clone(), tx });
    }
    let registration = Registration { listeners: listeners.clone(), key };
    tracing::debug!(subscription = %id, "subscriptions/listen opened");
    let ack = jsonrpc::encode_notification(
        methods::NOTIFICATION_SUBSCRIPTIONS_ACKNOWLEDGED,
        &SubscriptionsAcknowledgedParams { notifications: &filter, meta: subscription_meta(&id) },
    );
    let shutdown = listeners.shutdown.clone();
    // Sent when the server ends the subscription: the request's (empty) result.
    let mut result_meta = subscription_meta(&id);
    result_meta.insert(meta_keys::SERVER_INFO.into(), serde_json::to_value(&listeners.server_info).unwrap_or_default());
    let last = jsonrpc::to_raw(&serde_json::json!({ "resultType": "complete", "_meta": result_meta }))
        .map(|raw| jsonrpc::encode_result(&id, &raw))
        .unwrap_or_default();
    let stream = ListenStream {
        ack: Some(reply::frame(&ack)),
        last: Some(last),
        rx,
        shutdown,
        keep_alive: listeners.keep_alive,
        _registration: registration,
    };
    let stream = futures_util::stream::unfold(stream, |mut stream| async move {
        let frame = stream.next().await?;
        Some((Ok::<_, std::convert::Infallible>(frame), stream))
    });
    Ok(reply::event_stream(Body::from_stream(stream), None))
}

struct ListenStream {
    ack: Option<Bytes>,
    /// The result sent when the server ends the subscription; `None` once sent.
    last: Option<Vec<u8>>,
    rx: mpsc::Receiver<Bytes>,
    shutdown: CancellationToken,
    keep_alive: std::time::Duration,
    _registration: Registration,
}

impl ListenStream {
    async fn next(&mut self) -> Option<Bytes> {
        if let Some(ack) = self.ack.take() {
            return Some(ack);
        }
        self.last.as_ref()?;
        tokio::select! {
            () = self.shutdown.cancelled() => self.last.take().map(|last| reply::frame(&last)),
            message = self.rx.recv() => message.map(|m| reply::frame(&m)),
            () = tokio::time::sleep(self.keep_alive) => Some(Bytes::from_static(KEEP_ALIVE_COMMENT)),
        }
    }
}
