//! HTTP responses of the MCP endpoint: JSON bodies, event streams, and transport errors.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bytes::{BufMut, Bytes, BytesMut};
use http::header::{CACHE_CONTROL, CONTENT_TYPE};
use http::{HeaderValue, StatusCode};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::headers::{Accepts, MCP_SESSION_ID};
use crate::protocol::jsonrpc::{codes, encode_error};
use crate::protocol::{ErrorObject, RequestId};

const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");
const TEXT_EVENT_STREAM: HeaderValue = HeaderValue::from_static("text/event-stream");

/// How a request ended.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// The encoded JSON-RPC response.
    Reply(Vec<u8>),
    /// Cancelled: as the spec asks, no response.
    Cancelled,
    /// Refused at the HTTP level (401/403): decided before the handler ran, so before anything
    /// was streamed.
    Refused(HttpError),
}

impl Outcome {
    /// The bytes to stream as the last event, if any. A refusal can only be told in-band here.
    fn into_message(self, id: &RequestId) -> Option<Vec<u8>> {
        match self {
            Self::Reply(bytes) => Some(bytes),
            Self::Cancelled => None,
            Self::Refused(refusal) => {
                let status = refusal.status();
                Some(refusal.in_band.unwrap_or_else(|| {
                    let error = ErrorObject::new(codes::BAD_REQUEST, format!("Refused: HTTP {status}"));
                    encode_error(Some(id), &error)
                }))
            }
        }
    }
}

/// A request's handling, once it has been moved off the stack to keep running while its
/// notifications stream out.
pub(crate) type OutcomeFuture = Pin<Box<dyn Future<Output = Outcome> + Send>>;

fn with_session(mut response: Response, session_id: Option<&str>) -> Response {
    if let Some(value) = session_id.and_then(|id| HeaderValue::from_str(id).ok()) {
        response.headers_mut().insert(MCP_SESSION_ID, value);
    }
    response
}

/// A JSON body with a status.
pub(crate) fn json(status: StatusCode, body: Vec<u8>, session_id: Option<&str>) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, APPLICATION_JSON);
    with_session(response, session_id)
}

/// A refusal at the HTTP level: a status and a JSON-RPC error body (id `null` unless the
/// request's id could be read).
#[derive(Debug)]
pub(crate) struct HttpError {
    status: StatusCode,
    body: Vec<u8>,
    allow: Option<&'static str>,
    www_authenticate: Option<String>,
    retry_after: Option<u32>,
    /// The JSON-RPC response to stream instead, when the reply is already an event stream.
    in_band: Option<Vec<u8>>,
}

impl HttpError {
    pub(crate) fn new(status: StatusCode, code: i32, message: impl Into<String>) -> Self {
        Self::with_body(status, encode_error(None, &ErrorObject::new(code, message)))
    }

    pub(crate) fn with_body(status: StatusCode, body: Vec<u8>) -> Self {
        Self { status, body, allow: None, www_authenticate: None, retry_after: None, in_band: None }
    }

    /// A status with the JSON-RPC error response to request `id` as its body (2026-07-28
    /// answers several JSON-RPC errors with an HTTP status of their own).
    pub(crate) fn rpc(status: StatusCode, id: Option<&RequestId>, error: &ErrorObject) -> Self {
        let body = encode_error(id, error);
        Self { in_band: Some(body.clone()), ..Self::with_body(status, body) }
    }

    /// An OAuth refusal: the status, its `WWW-Authenticate` challenge, and an OAuth error body
    /// (`{"error":…,"error_description":…}`).
    pub(crate) fn oauth(status: StatusCode, challenge: String, error: &str, description: &str) -> Self {
        let body = serde_json::to_vec(&serde_json::json!({ "error": error, "error_description": description }))
            .unwrap_or_default();
        Self { www_authenticate: Some(challenge), ..Self::with_body(status, body) }
    }

    /// `503 Service Unavailable` with `Retry-After`.
    pub(crate) fn unavailable(message: &str, retry_after: u32) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(StatusCode::SERVICE_UNAVAILABLE, codes::BAD_REQUEST, message)
        }
    }

    /// The status.
    pub(crate) fn status(&self) -> StatusCode {
        self.status
    }

    /// `400 Bad Request` with the SDKs' `-32000` code.
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, codes::BAD_REQUEST, message)
    }

    /// `405` for a method the endpoint does not offer in this mode.
    pub(crate) fn method_not_allowed(allow: &'static str, message: &str) -> Self {
        Self { allow: Some(allow), ..Self::new(StatusCode::METHOD_NOT_ALLOWED, codes::BAD_REQUEST, message) }
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let mut response = json(self.status, self.body, None);
        let headers = response.headers_mut();
        if let Some(allow) = self.allow {
            headers.insert(http::header::ALLOW, HeaderValue::from_static(allow));
        }
        if let Some(value) = self.www_authenticate.and_then(|c| HeaderValue::from_str(&c).ok()) {
            headers.insert(http::header::WWW_AUTHENTICATE, value);
        }
        if let Some(seconds) = self.retry_after {
            headers.insert(http::header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// `202 Accepted` with no body: a notification or a response was taken.
pub(crate) fn accepted(session_id: Option<&str>) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::ACCEPTED;
    with_session(response, session_id)
}

/// An `event: message` SSE frame around one JSON-RPC message (compact JSON has no newlines, so
/// one `data:` line carries it).
pub(crate) fn frame(message: &[u8]) -> Bytes {
    let mut buf = BytesMut::with_capacity(message.len() + 24);
    buf.put_slice(b"event: message\ndata: ");
    buf.put_slice(message);
    buf.put_slice(b"\n\n");
    buf.freeze()
}

pub(crate) fn event_stream(body: Body, session_id: Option<&str>) -> Response {
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, TEXT_EVENT_STREAM);
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    with_session(response, session_id)
}

enum Final {
    Running(JoinHandle<Outcome>),
    Ready(Outcome),
    Sent,
}

struct RequestStream {
    id: RequestId,
    first: Option<Bytes>,
    rx: mpsc::Receiver<Bytes>,
    rx_open: bool,
    fin: Final,
    /// Cancelled when the client closes the stream before the response (2026-07-28: closing
    /// the stream is the cancellation).
    cancel_on_close: Option<CancellationToken>,
    /// How long the stream may stay silent while the handler runs before a keep-alive comment
    /// (which also finds out that a client went away).
    keep_alive: Duration,
}

impl Drop for RequestStream {
    fn drop(&mut self) {
        if let (Some(token), false) = (&self.cancel_on_close, matches!(self.fin, Final::Sent)) {
            token.cancel();
        }
    }
}

impl RequestStream {
    /// The next frame: queued messages first, then the final response, then the end.
    async fn next(&mut self) -> Option<Bytes> {
        if let Some(first) = self.first.take() {
            return Some(frame(&first));
        }
        loop {
            match &mut self.fin {
                Final::Sent => return None,
                Final::Ready(_) => {
                    if let Ok(message) = self.rx.try_recv() {
                        return Some(frame(&message));
                    }
                    let Final::Ready(outcome) = std::mem::replace(&mut self.fin, Final::Sent) else { return None };
                    return outcome.into_message(&self.id).map(|bytes| frame(&bytes));
                }
                Final::Running(handle) => {
                    // Biased towards the queue, so every message sent before the handler
                    // returned goes out before its response.
                    tokio::select! {
                        biased;
                        message = self.rx.recv(), if self.rx_open => match message {
                            Some(message) => return Some(frame(&message)),
                            None => self.rx_open = false,
                        },
                        () = tokio::time::sleep(self.keep_alive) => return Some(Bytes::from_static(KEEP_ALIVE_COMMENT)),
                        joined = handle => {
                            let outcome = joined.unwrap_or_else(|e| {
                                tracing::error!(error = %e, "a request handler panicked");
                                let error = ErrorObject::internal("Internal error: the handler failed");
                                Outcome::Reply(encode_error(Some(&self.id), &error))
                            });
                            self.fin = Final::Ready(outcome);
                        }
                    }
                }
            }
        }
    }
}

/// The reply to a request whose handler sent a message before finishing: an event stream
/// carrying `first`, whatever else it sends, and finally its response. The handler keeps
/// running in its own task. Up to 2025-11-25 a client that disconnects does not cancel it (the
/// spec's rule); from 2026-07-28 on it does, through `cancel_on_close`.
pub(crate) fn request_stream(
    id: RequestId,
    first: Bytes,
    rx: mpsc::Receiver<Bytes>,
    handling: OutcomeFuture,
    session_id: Option<&str>,
    cancel_on_close: Option<CancellationToken>,
    keep_alive: Duration,
) -> Response {
    let state = RequestStream {
        id,
        first: Some(first),
        rx,
        rx_open: true,
        fin: Final::Running(tokio::spawn(handling)),
        cancel_on_close,
        keep_alive,
    };
    stream_response(state, session_id)
}

/// An event stream for a request that already finished, for clients that accept only SSE
/// or whose handler queued messages just before returning.
pub(crate) fn finished_stream(
    id: RequestId,
    first: Option<Bytes>,
    rx: mpsc::Receiver<Bytes>,
    outcome: Outcome,
    session_id: Option<&str>,
) -> Response {
    let state = RequestStream {
        id,
        first,
        rx,
        rx_open: true,
        fin: Final::Ready(outcome),
        cancel_on_close: None,
        keep_alive: Duration::MAX,
    };
    stream_response(state, session_id)
}

fn stream_response(state: RequestStream, session_id: Option<&str>) -> Response {
    let stream = futures_util::stream::unfold(state, |mut state| async move {
        state.next().await.map(|frame| (Ok::<_, std::convert::Infallible>(frame), state))
    });
    event_stream(Body::from_stream(stream), session_id)
}

/// A reply that is known at once: JSON, or a one-event stream for a client that accepts only
/// SSE.
pub(crate) fn once(id: RequestId, body: Vec<u8>, accepts: Accepts, session_id: Option<&str>) -> Response {
    if accepts.json {
        json(StatusCode::OK, body, session_id)
    } else {
        finished_stream(id, None, mpsc::channel(1).1, Outcome::Reply(body), session_id)
    }
}

/// The SSE comment an idle stream sends, so proxies keep it open.
pub(crate) const KEEP_ALIVE_COMMENT: &[u8] = b": keep-alive\n\n";

/// Removes the session's record of the GET stream when the stream goes away.
struct StandaloneGuard {
    release: Option<Box<dyn FnOnce() + Send>>,
}

impl Drop for StandaloneGuard {
    fn drop(&mut self) {
        if let Some(release) = self.release.take() {
            release();
        }
    }
}

/// The session's GET stream: server-initiated messages, keep-alive comments, until the
/// session ends or the client leaves.
pub(crate) fn standalone_stream(
    rx: mpsc::Receiver<Bytes>,
    closed: CancellationToken,
    release: impl FnOnce() + Send + 'static,
    session_id: &str,
    keep_alive: Duration,
) -> Response {
    let guard = StandaloneGuard { release: Some(Box::new(release)) };
    let stream = futures_util::stream::unfold((rx, closed, guard), move |(mut rx, closed, guard)| async move {
        let frame = tokio::select! {
            () = closed.cancelled() => return None,
            message = rx.recv() => frame(&message?),
            () = tokio::time::sleep(keep_alive) => Bytes::from_static(KEEP_ALIVE_COMMENT),
        };
        Some((Ok::<_, std::convert::Infallible>(frame), (rx, closed, guard)))
    });
    event_stream(Body::from_stream(stream), Some(session_id))
}
