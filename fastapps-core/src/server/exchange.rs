//! One POST on the MCP endpoint, once the front has checked its HTTP headers, in order:
//! authenticate (401, 403), read the body (413), decode the JSON-RPC message (400), apply the
//! rules of its era (2026-07-28: [`era::admit`]; otherwise `initialize`, the version header and
//! the session, [`legacy`]), dispatch, finish (the modern result's form), reply (JSON, or SSE
//! once the handler sends anything first).

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::header::CONTENT_LENGTH;
use http::{HeaderMap, StatusCode};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::authenticate::authenticate;
use super::dispatch::{Failure, Scope, dispatch};
use super::era::{self, Admitted, Probe};
use super::headers::Accepts;
use super::reply::{self, HttpError, Outcome, OutcomeFuture};
use super::session::Session;
use super::state::ServerState;
use super::{legacy, listen};
use crate::context::{AccessToken, ClientState, Peer};
use crate::protocol::jsonrpc::{self, Message, Request as RpcRequest, codes};
use crate::protocol::{Era, ErrorObject, ProtocolVersion, RequestId, methods};

/// How many messages a request's stream buffers before its handler waits for the client.
pub(crate) const STREAM_CAPACITY: usize = 64;

/// Serves one POSTed message.
pub(crate) async fn post(
    state: Arc<ServerState>,
    headers: &HeaderMap,
    body: Body,
    accepts: Accepts,
) -> Result<Response, HttpError> {
    let user = authenticate(state.auth.as_deref(), headers).await?;
    let body = read_body(&state, headers, body).await?;
    let message = jsonrpc::decode(&body).map_err(|e| {
        HttpError::with_body(StatusCode::BAD_REQUEST, jsonrpc::encode_error(e.id(), &e.to_error_object()))
    })?;
    match era::classify(headers, &message) {
        Some(probe) => modern(state, headers, message, probe, accepts, user).await,
        None => legacy(state, headers, message, accepts, user).await,
    }
}

/// A 2026-07-28 message: admitted by its era's rules, then served with no session.
async fn modern(
    state: Arc<ServerState>,
    headers: &HeaderMap,
    message: Message,
    probe: Probe,
    accepts: Accepts,
    user: Option<Arc<AccessToken>>,
) -> Result<Response, HttpError> {
    Ok(match era::admit(&state, headers, message, probe)? {
        Admitted::Notification => reply::accepted(None),
        Admitted::Listen(req) => listen::open(&state.listeners, req, accepts)?,
        Admitted::Request(client, req) => run(state, client, None, req, accepts, user).await,
    })
}

/// A message of the `initialize`-based eras: the handshake, or a message of a session (or of
/// no session, when stateless).
async fn legacy(
    state: Arc<ServerState>,
    headers: &HeaderMap,
    message: Message,
    accepts: Accepts,
    user: Option<Arc<AccessToken>>,
) -> Result<Response, HttpError> {
    let message = match message {
        Message::Request(req) if req.method == methods::INITIALIZE => {
            return legacy::initialize(&state, req, accepts, user.as_deref());
        }
        other => other,
    };
    let header_version = legacy::check_version(headers)?;
    let session =
        if state.config.stateless { None } else { Some(legacy::find_session(&state, headers, user.as_deref())?) };
    let session_id = session.as_ref().map(|s| s.id());
    Ok(match message {
        Message::Notification(notification) => {
            legacy::on_notification(session.as_deref(), notification);
            reply::accepted(session_id)
        }
        Message::Response(response) => {
            legacy::on_client_response(&state, session.as_deref(), response);
            reply::accepted(session_id)
        }
        Message::Request(req) => {
            let client = match &session {
                Some(session) => session.client.clone(),
                None => {
                    let version = header_version.unwrap_or(ProtocolVersion::DEFAULT_NEGOTIATED);
                    Arc::new(ClientState::new(None, version, None, None, None))
                }
            };
            run(state, client, session, req, accepts, user).await
        }
    })
}

async fn read_body(state: &ServerState, headers: &HeaderMap, body: Body) -> Result<Bytes, HttpError> {
    let limit = state.config.max_body_bytes;
    let too_large = || {
        HttpError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            codes::BAD_REQUEST,
            format!("Payload Too Large: the body exceeds {limit} bytes"),
        )
    };
    let declared = headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(too_large());
    }
    to_bytes(body, limit).await.map_err(|e| {
        // `to_bytes` reports the limit as a `LengthLimitError` somewhere in the source chain.
        let mut source: Option<&dyn std::error::Error> = Some(&e);
        while let Some(err) = source {
            if err.is::<http_body_util::LengthLimitError>() {
                return too_large();
            }
            source = err.source();
        }
        HttpError::bad_request(format!("Bad Request: could not read the body: {e}"))
    })
}

/// Runs a request: dispatch, then (2026-07-28) its result's modern form, then the reply. The
/// reply is JSON unless the handler sends something (a notification or a request to the
/// client) before it finishes: then it becomes an event stream, so simple calls pay nothing for
/// streaming. A 2026-07-28 request is cancelled when its client closes the stream.
async fn run(
    state: Arc<ServerState>,
    client: Arc<ClientState>,
    session: Option<Arc<Session>>,
    req: RpcRequest,
    accepts: Accepts,
    user: Option<Arc<AccessToken>>,
) -> Response {
    let session_id = client.session_id.clone();
    let modern = client.protocol_version.era() == Era::Modern;
    let keep_alive = state.config.keep_alive;
    let (cancellation, in_flight) = match &session {
        Some(session) => {
            let (token, guard) = session.track(req.id.clone());
            (token, Some(guard))
        }
        None => (CancellationToken::new(), None),
    };
    let (tx, rx) = if accepts.sse {
        let (tx, rx) = mpsc::channel(STREAM_CAPACITY);
        (Some(tx), Some(rx))
    } else {
        (None, None)
    };
    let peer = Peer {
        client,
        outbound: tx,
        pending: state.pending.clone(),
        request_timeout: state.config.request_timeout,
        state: state.app_state.clone(),
    };
    let id = req.id.clone();
    tracing::debug!(method = %req.method, %id, "request");
    let cancel_on_close = cancellation.clone();
    let scope = Scope { id: req.id, peer, cancellation: cancellation.clone(), user };
    let response_id = id.clone();
    let method = req.method;
    let params = req.params;
    let mut handling: OutcomeFuture = Box::pin(async move {
        let dispatched = async {
            let outcome = dispatch(state.clone(), session, &method, params, scope).await;
            if modern { era::finish(&state, &response_id, &method, outcome) } else { outcome }
        };
        let result = tokio::select! {
            biased;
            () = cancellation.cancelled() => None,
            result = dispatched => Some(result),
        };
        drop(in_flight);
        match result {
            None => Outcome::Cancelled,
            Some(Ok(raw)) => Outcome::Reply(jsonrpc::encode_result(&response_id, &raw)),
            Some(Err(Failure::Rpc(error))) => Outcome::Reply(jsonrpc::encode_error(Some(&response_id), &error)),
            Some(Err(Failure::Http(refusal))) => Outcome::Refused(refusal),
        }
    });
    let session_id = session_id.as_deref();
    let Some(mut rx) = rx else {
        return json_outcome(&id, handling.await, session_id);
    };
    tokio::select! {
        biased;
        outcome = &mut handling => match rx.try_recv() {
            _ if matches!(outcome, Outcome::Refused(_)) => json_outcome(&id, outcome, session_id),
            Ok(first) => reply::finished_stream(id, Some(first), rx, outcome, session_id),
            Err(_) if !accepts.json => reply::finished_stream(id, None, rx, outcome, session_id),
            Err(_) => json_outcome(&id, outcome, session_id),
        },
        first = rx.recv() => match first {
            Some(first) => {
                let cancel_on_close = modern.then(|| cancel_on_close.clone());
                reply::request_stream(id, first, rx, handling, session_id, cancel_on_close, keep_alive)
            }
            // Every sender is gone: the handler dropped its context; only the result remains.
            None if accepts.json => json_outcome(&id, handling.await, session_id),
            None => reply::finished_stream(id, None, rx, handling.await, session_id),
        },
    }
}

/// The JSON reply; a cancelled request, which gets no JSON-RPC response, ends with a
/// `-32800` error the client has stopped waiting for; a refusal is its HTTP status.
fn json_outcome(id: &RequestId, outcome: Outcome, session_id: Option<&str>) -> Response {
    let body = match outcome {
        Outcome::Reply(body) => body,
        Outcome::Cancelled => {
            jsonrpc::encode_error(Some(id), &ErrorObject::new(codes::REQUEST_CANCELLED, "Request cancelled"))
        }
        Outcome::Refused(refusal) => return refusal.into_response(),
    };
    reply::json(StatusCode::OK, body, session_id)
}
