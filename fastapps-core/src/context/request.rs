//! [`Context`]: the handle a handler gets for the request it serves, and [`ContextError`], why
//! talking back to the client failed.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::protocol::jsonrpc::{encode_notification, encode_request};
use crate::protocol::modern::InputRequest;
use crate::protocol::{
    ClientCapabilities, Era, ErrorObject, Implementation, LoggingLevel, LoggingMessageParams, Meta, ProgressParams,
    ProgressToken, ProtocolVersion, RequestId, methods,
};

use super::access_token::AccessToken;
use super::input::InputRound;
use super::peer::{ClientReply, ClientState, Peer};

/// Why talking back to the client failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ContextError {
    /// The client's request does not accept an event stream (`Accept` without
    /// `text/event-stream`), so nothing but the final response can reach it.
    #[error("the client accepts no event stream for this request, so it cannot receive {0}")]
    NoStream(&'static str),
    /// The client did not declare the capability this needs.
    #[error("the client did not declare the `{0}` capability")]
    CapabilityMissing(&'static str),
    /// The client closed the stream.
    #[error("the client disconnected")]
    Disconnected,
    /// The client did not answer in time; a `notifications/cancelled` was sent.
    #[error("the client did not answer `{method}` within {timeout:?}")]
    Timeout {
        /// The request's method.
        method: &'static str,
        /// How long we waited.
        timeout: Duration,
    },
    /// The request being served was cancelled.
    #[error("the request was cancelled")]
    Cancelled,
    /// The client answered with a JSON-RPC error.
    #[error("the client answered with an error: {0}")]
    Client(ErrorObject),
    /// The client's answer did not have the expected shape.
    #[error("the client's answer is malformed: {0}")]
    MalformedReply(String),
    /// The request carries no authenticated user.
    #[error("the request is not authenticated")]
    Unauthenticated,
    /// No value of this type was given to the server with `ServerBuilder::state`.
    #[error("the server has no state of type {0}; give it with ServerBuilder::state")]
    NoState(&'static str),
    /// 2026-07-28: the client has not answered this question yet. Return the error from the
    /// handler (`?`): the server answers with an `InputRequiredResult` asking it, and the
    /// client retries the request with the answer.
    #[error("the client has not answered yet; the request is answered with the questions asked")]
    InputRequired,
    /// 2026-07-28: the client's answer under `key` does not have the shape of an answer to
    /// the question.
    #[error("the client's answer to {key:?} is malformed: {reason}")]
    InvalidInputResponse {
        /// The question's key.
        key: String,
        /// What is wrong with the answer.
        reason: String,
    },
    /// The operation does not exist on this request's protocol version (e.g. a request to
    /// the client other than sampling, elicitation or roots on a 2026-07-28 request).
    #[error("{0} is not available on this request's protocol version")]
    NotAvailable(&'static str),
}

impl From<ContextError> for crate::error::Error {
    fn from(error: ContextError) -> Self {
        Self::new(error)
    }
}

/// The context of one request: its id and `_meta`, the client, and the channel back to it.
///
/// Cheap to clone; each request gets its own, so nothing here is shared between requests
/// except what belongs to the client's session.
#[derive(Clone, Debug)]
pub struct Context {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    request_id: RequestId,
    meta: Option<Meta>,
    peer: Peer,
    cancellation: CancellationToken,
    user: Option<Arc<AccessToken>>,
    input: Option<Arc<InputRound>>,
}

impl Context {
    pub(crate) fn new(
        request_id: RequestId,
        meta: Option<Meta>,
        peer: Peer,
        cancellation: CancellationToken,
        user: Option<Arc<AccessToken>>,
        input: Option<Arc<InputRound>>,
    ) -> Self {
        Self { inner: Arc::new(Inner { request_id, meta, peer, cancellation, user, input }) }
    }

    /// The round of questions and answers of a 2026-07-28 request that may ask for input.
    pub(crate) fn input_round(&self) -> Option<&InputRound> {
        self.inner.input.as_deref()
    }

    /// The authenticated caller. Tools marked `#[auth_required]` are only ever called with
    /// one; elsewhere it is `Err(Unauthenticated)` for anonymous calls.
    pub fn user(&self) -> Result<&AccessToken, ContextError> {
        self.inner.user.as_deref().ok_or(ContextError::Unauthenticated)
    }

    /// The application state of type `T` given with `ServerBuilder::state`, e.g.
    /// `let store = ctx.state::<NotesStore>()?;`.
    pub fn state<T: Send + Sync + 'static>(&self) -> Result<&T, ContextError> {
        self.inner.peer.state.get::<T>().ok_or(ContextError::NoState(std::any::type_name::<T>()))
    }

    /// The id of the request being served.
    pub fn request_id(&self) -> &RequestId {
        &self.inner.request_id
    }

    /// The request's `params._meta`, as sent.
    pub fn meta(&self) -> Option<&Meta> {
        self.inner.meta.as_ref()
    }

    /// One key of the request's `_meta`.
    pub fn meta_value(&self, key: &str) -> Option<&Value> {
        self.meta()?.get(key)
    }

    /// The progress token the client sent, if it wants progress notifications.
    pub fn progress_token(&self) -> Option<ProgressToken> {
        match self.meta_value("progressToken")? {
            Value::String(s) => Some(RequestId::from(s.as_str())),
            Value::Number(n) => Some(RequestId::Number(n.clone())),
            _ => None,
        }
    }

    /// The protocol version in force for this request.
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.client().protocol_version
    }

    /// The era of this request: `Legacy` for a client that sent `initialize` (or none, up to
    /// 2025-11-25), `Modern` for a 2026-07-28 request carrying its version in `_meta`.
    pub fn era(&self) -> Era {
        self.client().protocol_version.era()
    }

    /// Who the client says it is: its `initialize`'s `clientInfo` (legacy, with a session), or
    /// the request's `io.modelcontextprotocol/clientInfo` (2026-07-28).
    pub fn client_info(&self) -> Option<&Implementation> {
        self.client().info.as_ref()
    }

    /// The client's capabilities, when known: from `initialize` on a session, from the
    /// request's `io.modelcontextprotocol/clientCapabilities` on a 2026-07-28 request; unknown
    /// on a legacy stateless request.
    pub fn client_capabilities(&self) -> Option<&ClientCapabilities> {
        self.client().capabilities.as_ref()
    }

    /// The session id, in stateful mode.
    pub fn session_id(&self) -> Option<&str> {
        self.client().session_id.as_deref()
    }

    /// Whether the client cancelled this request (or the server is stopping it).
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancellation.is_cancelled()
    }

    /// Completes when the request is cancelled; use in `tokio::select!` around long work.
    pub async fn cancelled(&self) {
        self.inner.cancellation.cancelled().await;
    }

    /// Sends `notifications/progress`, if the client asked for progress (sent a
    /// `progressToken`) and reads an event stream for this request; otherwise does nothing.
    /// `progress` must increase between calls.
    pub async fn progress(&self, progress: f64, total: Option<f64>, message: Option<&str>) -> Result<(), ContextError> {
        let Some(progress_token) = self.progress_token() else { return Ok(()) };
        let params = ProgressParams { progress_token, progress, total, message: message.map(str::to_owned) };
        self.send_notification(methods::NOTIFICATION_PROGRESS, &params).await
    }

    /// Sends a `notifications/message` log entry to the client, if it wants this level and
    /// reads an event stream for this request; otherwise does nothing. Before 2026-07-28 the
    /// level is the session's `logging/setLevel` (every level until one is set); from
    /// 2026-07-28 on it is the request's `io.modelcontextprotocol/logLevel`, and a request
    /// without one gets no log messages.
    pub async fn log(&self, level: LoggingLevel, data: impl Into<Value>) -> Result<(), ContextError> {
        self.log_with_logger(level, None, data).await
    }

    /// Like [`log`](Self::log), naming the logger.
    pub async fn log_with_logger(
        &self,
        level: LoggingLevel,
        logger: Option<&str>,
        data: impl Into<Value>,
    ) -> Result<(), ContextError> {
        if !self.client().wants_log(level) {
            return Ok(());
        }
        let params = LoggingMessageParams { level, logger: logger.map(str::to_owned), data: data.into() };
        self.send_notification(methods::NOTIFICATION_MESSAGE, &params).await
    }

    /// Sends any request to the client on this request's stream and waits for its reply,
    /// within the server's request timeout. On timeout or cancellation the client is told with
    /// `notifications/cancelled`.
    ///
    /// On a 2026-07-28 request the server sends no requests: sampling, elicitation and roots
    /// become questions of the round (as with [`elicit`](Self::elicit)), anything else is
    /// [`ContextError::NotAvailable`].
    pub async fn request<P: Serialize, R: DeserializeOwned>(
        &self,
        method: &'static str,
        params: &P,
    ) -> Result<R, ContextError> {
        if self.era() == Era::Modern {
            return match method {
                methods::ELICITATION_CREATE | methods::SAMPLING_CREATE_MESSAGE | methods::ROOTS_LIST => {
                    let question = InputRequest {
                        method: method.to_owned(),
                        params: serde_json::to_value(params)
                            .map_err(|e| ContextError::MalformedReply(e.to_string()))?,
                    };
                    self.ask(None, question, params).await
                }
                other => Err(ContextError::NotAvailable(other)),
            };
        }
        self.request_on_stream(method, params).await
    }

    /// A request on this request's event stream, awaiting the client's reply (legacy).
    pub(super) async fn request_on_stream<P: Serialize, R: DeserializeOwned>(
        &self,
        method: &'static str,
        params: &P,
    ) -> Result<R, ContextError> {
        let peer = &self.inner.peer;
        let (id, reply, _guard) = peer.pending.register(peer.client.session_id.clone());
        self.send(encode_request(&id, method, params), "requests").await?;
        let timeout = peer.request_timeout;
        let outcome = tokio::select! {
            reply = reply => reply.map_err(|_| ContextError::Disconnected),
            () = tokio::time::sleep(timeout) => Err(ContextError::Timeout { method, timeout }),
            () = self.cancelled() => Err(ContextError::Cancelled),
        };
        let reply: ClientReply = match outcome {
            Ok(reply) => reply,
            Err(err) => {
                let reason = err.to_string();
                let cancel = crate::protocol::CancelledParams { request_id: Some(id), reason: Some(reason) };
                // Best effort: the stream may already be gone.
                let _ = self.send_notification(methods::NOTIFICATION_CANCELLED, &cancel).await;
                return Err(err);
            }
        };
        let raw = reply.map_err(ContextError::Client)?;
        serde_json::from_str(raw.get()).map_err(|e| ContextError::MalformedReply(e.to_string()))
    }

    /// Notifications are best effort: a client that accepts only JSON for this request gets
    /// none, and that is not an error.
    async fn send_notification<P: Serialize>(&self, method: &str, params: &P) -> Result<(), ContextError> {
        if self.inner.peer.outbound.is_none() {
            return Ok(());
        }
        self.send(encode_notification(method, params), "notifications").await
    }

    async fn send(&self, message: Vec<u8>, what: &'static str) -> Result<(), ContextError> {
        let Some(outbound) = &self.inner.peer.outbound else { return Err(ContextError::NoStream(what)) };
        outbound.send(Bytes::from(message)).await.map_err(|_| ContextError::Disconnected)
    }

    pub(super) fn require_capability(
        &self,
        name: &'static str,
        has: impl Fn(&ClientCapabilities) -> bool,
    ) -> Result<(), ContextError> {
        match self.client_capabilities() {
            Some(caps) if !has(caps) => Err(ContextError::CapabilityMissing(name)),
            _ => Ok(()),
        }
    }

    pub(super) fn client(&self) -> &ClientState {
        &self.inner.peer.client
    }
}
